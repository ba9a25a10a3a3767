"""``zhiliang stats pass-rate --by county|category|level|period|enterprise|place [--level …] [--year …]
[--format table|csv] [--output FILE.xlsx|FILE.csv]`` and ``zhiliang stats ranking --year …``:
the tables of :mod:`zhiliang.sampling.stats`, printed (the same rows the pages and exports show)."""

from __future__ import annotations

import datetime
import unicodedata
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhiliang.core.commands import resolve_actor
from zhiliang.sampling import exports, stats
from zhiliang.sampling.choices import UPPER_LEVELS, Level


def _levels(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    levels = [v.strip() for value in values for v in value.split(",") if v.strip()]
    bad = [v for v in levels if v not in Level.values]
    if bad:
        raise CommandError(f"--level：未知的抽查层级 {'、'.join(bad)}，可选：{'、'.join(Level.values)}")
    return levels


def _date(value: str | None, flag: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{flag}：日期“{value}”应写成 2024-03-15") from None


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(header: list[str], rows: list[list], *, numeric_from: int = 1) -> list[str]:
    """Columns aligned for a terminal (CJK characters are two cells wide); numbers right-aligned."""
    cells = [[exports._cell(v) for v in row] for row in [header, *rows]]
    widths = [max(width(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for r, row in enumerate(cells):
        parts = []
        for i, value in enumerate(row):
            pad = " " * (widths[i] - width(value))
            parts.append(pad + value if r and i >= numeric_from and value.replace(".", "", 1).isdigit() else value + pad)
        lines.append("  ".join(parts).rstrip())
    return lines


class Command(BaseCommand):
    help = "打印监督抽查合格率统计表或县市区排名。 Print the sampling pass-rate tables or the county ranking."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="pass-rate|ranking")
        rate = sub.add_parser("pass-rate", help="合格率统计表")
        rate.add_argument("--by", required=True, choices=list(stats.DIMENSIONS), help="统计维度")
        rate.add_argument("--level", action="append", help="抽查层级（可重复或用逗号分隔）：national、provincial、city、county")
        rate.add_argument("--year", type=int, help="年度（按抽查时间）")
        rate.add_argument("--from", dest="date_from", help="抽查时间起（含），如 2024-01-01")
        rate.add_argument("--to", dest="date_to", help="抽查时间止（含）")
        rate.add_argument("--period", choices=stats.PERIODS, default="month", help="--by period 时按月或按季度")
        rate.add_argument("--county", help="只统计该县市区（区划代码）的生产企业")
        rate.add_argument("--category", help="只统计该产品类别（类别代码，含下级类别）")
        rate.add_argument("--limit", type=int, help="--by enterprise 时只列检验批次最多的若干家")
        self._common(rate)
        ranking = sub.add_parser("ranking", help="县市区省级及以上抽查合格率排名（末位 3 名不得评为A等）")
        ranking.add_argument("--year", type=int, required=True, help="年度")
        ranking.add_argument("--level", action="append", help="参与排名的抽查层级（默认 national,provincial）")
        self._common(ranking)

    def _common(self, parser):
        parser.add_argument("--format", choices=("table", "csv"), default="table", help="输出格式（默认 table）")
        parser.add_argument("--output", help="写入文件（.xlsx 或 .csv），不打印")
        parser.add_argument("--actor", help="按该用户的可见范围统计（用户名）；缺省统计全部")

    def handle(self, *args, **options):
        if options["action"] == "ranking":
            return self._ranking(options)
        return self._pass_rate(options)

    def _pass_rate(self, options):
        user = resolve_actor(options["actor"]) if options.get("actor") else None
        levels = _levels(options["level"])
        by = options["by"]
        try:
            rows = stats.pass_rate_table(
                by=by, level=levels, year=options["year"], date_from=_date(options["date_from"], "--from"),
                date_to=_date(options["date_to"], "--to"), user=user, period=options["period"], county=options["county"],
                category=options["category"], limit=options["limit"],
            )
        except (ValueError, LookupError) as exc:
            raise CommandError(str(exc)) from None
        title = exports.stat_title(by, level=levels, year=options["year"])
        header, lines = exports.stat_header(by), exports.stat_rows(rows)
        if options["output"]:
            self._write(options["output"], header, lines, title=title, csv=lambda: exports.stat_csv(rows, by=by),
                        xlsx=lambda: exports.stat_xlsx(rows, by=by, title=title))
            return
        if options["format"] == "csv":
            self.stdout.write(exports.stat_csv(rows, by=by).decode("utf-8-sig"), ending="")
            return
        self.stdout.write(title)
        for line in format_table(header, lines):
            self.stdout.write(line)
        below = [r.label for r in rows if r.below_target]
        target = rows[0].target if rows else ""
        self.stdout.write(f"目标合格率 {target}%（纲要§二）；低于目标：{'、'.join(below) if below else '无'}")

    def _ranking(self, options):
        levels = _levels(options["level"]) or list(UPPER_LEVELS)
        ranking = stats.county_ranking(year=options["year"], levels=levels)
        title = exports.ranking_title(ranking)
        if options["output"]:
            self._write(options["output"], exports.RANKING_HEADER, exports.ranking_rows(ranking), title=title,
                        csv=lambda: exports.ranking_csv(ranking), xlsx=lambda: exports.ranking_xlsx(ranking))
            return
        if options["format"] == "csv":
            self.stdout.write(exports.ranking_csv(ranking).decode("utf-8-sig"), ending="")
            return
        self.stdout.write(title)
        for line in format_table(exports.RANKING_HEADER, exports.ranking_rows(ranking), numeric_from=2):
            self.stdout.write(line)
        for line in ranking.explanation:
            self.stdout.write(line)

    def _write(self, path: str, header, lines, *, title: str, csv, xlsx) -> None:
        target = Path(path)
        if target.suffix.lower() == ".xlsx":
            target.write_bytes(xlsx())
        elif target.suffix.lower() == ".csv":
            target.write_bytes(csv())
        else:
            raise CommandError(f"--output：只能写 .xlsx 或 .csv 文件，收到“{target.name}”")
        self.stdout.write(f"已写入 {target}（{title}，{len(lines)} 行）")
