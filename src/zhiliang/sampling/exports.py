"""Exports: a result bulletin with the standard table of RULES.md, and every statistics table
and the county ranking, as CSV (UTF-8 with BOM, so Excel opens it right) and XLSX (openpyxl).

The bulletin table is the public one: 序号 then RULES.md's columns 产品名称, 规格型号,
生产日期/批号, 生产企业, 抽样单位/地区, 抽查时间, 检验结论, 不合格项目 — nothing else (no
personal data, no internal numbers).  ``抽样单位/地区`` is "受检单位（县市区）" (the region
alone when the sampled unit is the producer).  The file can be read back by
``zhiliang import sampling-results``.

Callers check permission first (a bulletin from ``restrict``; the statistics computed for
the reader, see :mod:`.stats`): these functions only format.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise

from .choices import Conclusion, Level
from .models import Bulletin, Sample
from .stats import DIMENSIONS, Ranking, StatRow, total

BULLETIN_HEADER = ["序号", "产品名称", "规格型号", "生产日期/批号", "生产企业", "抽样单位/地区", "抽查时间", "检验结论", "不合格项目"]
STAT_HEADER = ["检验批次", "合格批次", "不合格批次", "合格率（%）", "目标（%）", "低于目标"]
RANKING_HEADER = ["名次", "县市区", "检验批次", "合格批次", "不合格批次", "合格率（%）", "末位（不得评为A等）", "说明"]
NONE = "/"


# --- formats -------------------------------------------------------------------------------------------


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, notes: Sequence[str] = ()) -> bytes:
    """CSV in UTF-8 with a BOM; ``notes`` (e.g. the ranking's explanation) follow after an empty line."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    if notes:
        writer.writerow([])
        writer.writerows([n] for n in notes)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "", sheet: str = "Sheet1",
            notes: Sequence[str] = ()) -> bytes:
    """One sheet: an optional title line, the header (bold, frozen), the rows, then the notes.
    Dates stay dates and numbers numbers (Excel sorts and sums them)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet[:31]
    if title:
        ws.append([title])
        ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    ws.append(list(header))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    widths = [max(6, _width(h)) for h in header]
    for row in rows:
        values = [_xlsx_cell(v) for v in row]
        ws.append(values)
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # text that looks like a formula stays text
                cell.data_type = "s"
        for i, v in enumerate(values):
            widths[i] = min(60, max(widths[i], _width(v)))
    ws.freeze_panes = f"A{header_row + 1}"  # after the rows: touching a cell would create it
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width + 2
    for col, name in enumerate(header, 1):
        if "时间" in name or "日期" in name:
            for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=col, max_col=col):
                if hasattr(cell.value, "year"):
                    cell.number_format = "yyyy-mm-dd"
    if notes:
        ws.append([])
        for note in notes:
            ws.append([note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


#: what a spreadsheet takes for the start of a formula (OWASP "CSV injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        # text from a department's file such as "=HYPERLINK(…)" must not run when the CSV opens in Excel
        return "'" + value if value.startswith(FORMULA_START) else value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal) and value.as_tuple().exponent < -2:
        # a 万元 column's six places without their trailing zeros: 48.200000 → 48.2 (a rate's 90.0 and 元's 120.00 stay)
        return format(value.normalize(), "f")
    return str(value)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):  # a lazy translation (a choice's label)
        return str(value)
    return value


def _width(value: Any) -> int:
    text = _cell(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


# --- the bulletin --------------------------------------------------------------------------------------


def place_cell(sample: Sample) -> str:
    """抽样单位/地区: "受检单位（县市区）", or the region alone."""
    region = sample.region.name if sample.region_id else ""
    if sample.sampled_unit_name and sample.sampled_unit_name != sample.producer_name:
        return f"{sample.sampled_unit_name}（{region}）" if region else sample.sampled_unit_name
    return region


def bulletin_rows(bulletin: Bulletin) -> list[list[Any]]:
    """The standard table of the bulletin's samples (by sampling date, then number)."""
    samples = bulletin.samples.select_related("region").order_by("sampled_on", "sample_no")
    rows = []
    for number, s in enumerate(samples, 1):
        batch = s.batch_no or (s.production_date.isoformat() if s.production_date else "")
        rows.append([
            number, s.product_name, s.model or NONE, batch or NONE, s.producer_name, place_cell(s) or NONE, s.sampled_on,
            str(Conclusion(s.conclusion).label) if s.conclusion else "", "、".join(s.failing_items) if s.failing_items else NONE,
        ])
    return rows


def bulletin_title(bulletin: Bulletin) -> str:
    return f"{bulletin.title}（{bulletin.number}）"


def bulletin_csv(bulletin: Bulletin) -> bytes:
    return to_csv(BULLETIN_HEADER, bulletin_rows(bulletin))


def bulletin_xlsx(bulletin: Bulletin) -> bytes:
    return to_xlsx(BULLETIN_HEADER, bulletin_rows(bulletin), title=bulletin_title(bulletin), sheet="抽查结果")


# --- statistics -------------------------------------------------------------------------------------------


def stat_rows(rows: Sequence[StatRow], *, with_total: bool = True) -> list[list[Any]]:
    lines = list(rows) + ([total(rows)] if with_total and rows else [])
    return [[r.label, r.tested, r.qualified, r.failed, r.rate if r.rate is not None else "", r.target, "是" if r.below_target else ""]
            for r in lines]


def stat_header(by: str) -> list[str]:
    return [DIMENSIONS.get(by, by), *STAT_HEADER]


def stat_title(by: str, *, level=None, year=None) -> str:
    levels = [level] if isinstance(level, str) else list(level or [])
    what = "、".join(str(Level(lv).label) for lv in levels) if levels else "各级"
    return f"{year or ''}{'年' if year else ''}{what}监督抽查合格率（按{DIMENSIONS.get(by, by)}）"


def stat_csv(rows: Sequence[StatRow], *, by: str) -> bytes:
    return to_csv(stat_header(by), stat_rows(rows))


def stat_xlsx(rows: Sequence[StatRow], *, by: str, title: str = "") -> bytes:
    return to_xlsx(stat_header(by), stat_rows(rows), title=title or stat_title(by), sheet="合格率")


def ranking_rows(ranking: Ranking) -> list[list[Any]]:
    return [[r.rank if r.rank is not None else "", r.name, r.tested, r.qualified, r.failed, r.rate if r.rate is not None else "",
             "是" if r.bottom else "", r.note] for r in ranking.rows]


def ranking_title(ranking: Ranking) -> str:
    levels = "、".join(str(Level(lv).label) for lv in (Level.NATIONAL, Level.PROVINCIAL, Level.CITY, Level.COUNTY) if lv in ranking.levels)
    return f"{ranking.year}年县市区{levels}监督抽查合格率排名"


def ranking_csv(ranking: Ranking) -> bytes:
    return to_csv(RANKING_HEADER, ranking_rows(ranking), notes=ranking.explanation)


def ranking_xlsx(ranking: Ranking) -> bytes:
    return to_xlsx(RANKING_HEADER, ranking_rows(ranking), title=ranking_title(ranking), sheet="排名", notes=ranking.explanation)
