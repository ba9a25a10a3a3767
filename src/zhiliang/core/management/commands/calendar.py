"""``zhiliang calendar`` — the working-day calendar (CORE.md "Working days").

* ``zhiliang calendar load FILE --year 2027 --source "国办发明电〔2026〕X号"``
  loads (or corrects) a year's holidays and make-up working days from a CSV
  (``date,is_working,name``, header required; Chinese headers
  ``日期,是否工作日,名称`` also accepted) or a JSON file (a list of
  ``{"date", "is_working", "name"}`` objects, or ``{"days": [...]}``).
  A bad file is refused with every error's row and column; nothing is written.
* ``zhiliang calendar show 2027`` prints the year's rest days and make-up days
  and where they come from (loaded, package or provisional).
* ``zhiliang calendar add-working-days 2025-09-30 5`` prints the date.

Writes run inside an audit context: actor SYSTEM or ``--actor USERNAME``,
reason ``--reason`` (a default naming the year and source otherwise).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhiliang.core.commands import add_audit_arguments, command_context

WEEKDAYS = "一二三四五六日"
TRUE_WORDS = {"1", "true", "yes", "y", "是", "上班", "班", "工作日", "working"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "休", "休息", "休息日", "假", "holiday", "off"}
COLUMNS = ("date", "is_working", "name")
CHINESE_COLUMNS = {"日期": "date", "是否工作日": "is_working", "名称": "name"}


def parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _parse_date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _check_entry(where: str, col, raw_date, raw_working, raw_name, errors: list[str]):
    d = _parse_date(raw_date)
    if d is None:
        errors.append(f"{where}{col('date')}：“{raw_date}”不是日期（应为 YYYY-MM-DD）")
    working = parse_bool(raw_working)
    if working is None:
        errors.append(f"{where}{col('is_working')}：无法识别“{raw_working}”（应为 1/0、true/false、是/否、上班/休息）")
    name = "" if raw_name is None else str(raw_name).strip()
    if len(name) > 40:
        errors.append(f"{where}{col('name')}：名称过长（{len(name)} 个字符，最多40个）")
    if d is None or working is None:
        return None
    return d, working, name


def read_calendar_file(path: str | Path) -> list[tuple[datetime.date, bool, str]]:
    """The days listed in a CSV or JSON calendar file; ``CommandError`` listing
    every bad row and column otherwise."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise CommandError(f"{path}：文件编码无法识别（应为 UTF-8）") from None
    errors: list[str] = []
    days: list[tuple[datetime.date, bool, str]] = []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}：不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from None
        if isinstance(data, dict):
            data = data.get("days")
        if not isinstance(data, list):
            raise CommandError(f"{path}：JSON 须为日期对象的列表，或含 days 列表的对象")
        for i, item in enumerate(data, 1):
            where = f"{path.name} 第 {i} 项"
            if not isinstance(item, dict):
                errors.append(f"{where}：应为对象，如 {{\"date\": \"2027-01-01\", \"is_working\": false, \"name\": \"元旦\"}}")
                continue
            missing = [c for c in ("date", "is_working") if c not in item]
            if missing:
                errors.append(f"{where}：缺少字段 {'、'.join(missing)}")
                continue
            entry = _check_entry(where, lambda c: f"的 {c}", item["date"], item["is_working"], item.get("name", ""), errors)
            if entry:
                days.append(entry)
    else:
        reader = csv.reader(io.StringIO(text))
        rows = list(reader)
        if not rows:
            raise CommandError(f"{path}：文件为空")
        header = [CHINESE_COLUMNS.get(h.strip(), h.strip().lower()) for h in rows[0]]
        missing = [c for c in ("date", "is_working") if c not in header]
        if missing:
            raise CommandError(f"{path.name} 第 1 行：表头须为 date,is_working,name（或 日期,是否工作日,名称），缺少 {'、'.join(missing)}")
        index = {c: header.index(c) for c in COLUMNS if c in header}
        for line_no, row in enumerate(rows[1:], 2):
            if not any(cell.strip() for cell in row):
                continue
            where = f"{path.name} 第 {line_no} 行"

            def col(name):
                return f"第 {index[name] + 1} 列（{name}）"

            if len(row) <= max(index["date"], index["is_working"]):
                errors.append(f"{where}：只有 {len(row)} 列，应有 {len(header)} 列")
                continue
            name = row[index["name"]] if "name" in index and index["name"] < len(row) else ""
            entry = _check_entry(where, col, row[index["date"]], row[index["is_working"]], name, errors)
            if entry:
                days.append(entry)
    if errors:
        raise CommandError("日历文件有错误，未写入任何数据：\n" + "\n".join(errors))
    if not days:
        raise CommandError(f"{path}：没有任何日期")
    return days


class Command(BaseCommand):
    help = "工作日历：加载年度节假日安排（load）、查看（show）、计算工作日（add-working-days）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{load,show,add-working-days}")
        load = sub.add_parser("load", help="从 CSV/JSON 文件加载或更正某年的节假日与调休上班日")
        load.add_argument("file", help="CSV（date,is_working,name）或 JSON 文件")
        load.add_argument("--year", type=int, help="年度（缺省按文件中的日期）")
        load.add_argument("--source", required=True, help="来源，如 国办发明电〔2026〕X号")
        load.add_argument("--note", default="", help="备注")
        add_audit_arguments(load, dry_run=True)
        show = sub.add_parser("show", help="显示某年的休息日、调休上班日及数据来源")
        show.add_argument("year", type=int)
        add = sub.add_parser("add-working-days", help="计算某日之后第 N 个工作日（自次日起算）")
        add.add_argument("date", help="起算日 YYYY-MM-DD")
        add.add_argument("n", type=int, help="工作日数")

    def handle(self, *args, action: str, **options):
        if action == "load":
            return self.load(**options)
        if action == "show":
            return self.show(options["year"])
        return self.add_working_days(options["date"], options["n"])

    # --- load ---------------------------------------------------------------------------

    def load(self, *, file: str, year: int | None, source: str, note: str, actor: str | None, reason: str | None,
             dry_run: bool = False, **_):
        from zhiliang.core import services
        days = read_calendar_file(file)
        years = sorted({d.year for d, _, _ in days})
        if year is None:
            if len(years) != 1:
                raise CommandError(f"文件含多个年度的日期（{'、'.join(map(str, years))}），请用 --year 指定")
            year = years[0]
        wrong = [f"{d} 不属于 {year} 年" for d, _, _ in days if d.year != year]
        if wrong:
            raise CommandError("日历文件有错误，未写入任何数据：\n" + "\n".join(wrong))
        if not source.strip():
            raise CommandError("--source 不能为空")
        if dry_run:
            self.stdout.write(f"文件检查通过：{year} 年 {len(days)} 天（未写入）")
            return
        with command_context({"actor": actor, "reason": reason}, f"加载 {year} 年工作日历（{source.strip()}）", error_prefix="日历未写入：\n") as who:
            services.load_calendar_year(actor=who, year=year, days=days, source=source, note=note)
        rest = sum(1 for _, w, _ in days if not w)
        self.stdout.write(f"已加载 {year} 年工作日历：{rest} 个休息日、{len(days) - rest} 个上班日（来源：{source.strip()}）")

    # --- show ---------------------------------------------------------------------------

    def show(self, year: int):
        from zhiliang.core import workdays

        cal = workdays.year_calendar(year)
        label = workdays.SOURCE_LABELS[cal.source]
        self.stdout.write(f"{year} 年工作日历 — 来源：{label}（{cal.document}）" if cal.document else f"{year} 年工作日历 — 来源：{label}")
        if cal.provisional:
            self.stdout.write("注意：该年度的官方节假日安排尚未加载，以下为按周末及法定节假日推算的临时日历（不含调休）；据此计算的期限均标为“临时”。")
        holidays = cal.holidays()
        makeup = cal.makeup_days()
        self.stdout.write(f"休息日（节假日，{len(holidays)} 天）：")
        for d, name in holidays:
            self.stdout.write(f"  {d} 周{WEEKDAYS[d.weekday()]} {name}".rstrip())
        self.stdout.write(f"调休上班日（{len(makeup)} 天）：")
        for d, name in makeup:
            self.stdout.write(f"  {d} 周{WEEKDAYS[d.weekday()]} {name}".rstrip())
        if not makeup:
            self.stdout.write("  （无）")

    # --- add-working-days ------------------------------------------------------------------

    def add_working_days(self, date: str, n: int):
        from zhiliang.core import workdays

        try:
            start = datetime.date.fromisoformat(date)
        except ValueError:
            raise CommandError(f"起算日须为 YYYY-MM-DD，收到“{date}”") from None
        result = workdays.add_working_days(start, n)
        flag = "（临时：涉及尚未加载官方安排的年度）" if result.provisional else ""
        self.stdout.write(f"{start} 之后第 {n} 个工作日：{result.isoformat()} 周{WEEKDAYS[result.weekday()]}{flag}")
