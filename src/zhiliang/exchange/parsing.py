"""Cell parsers shared by the import definitions.  Each takes a raw cell (text
from a CSV, or whatever openpyxl gives: str, int, float, datetime) and
returns the value or raises :class:`~zhiliang.exchange.importing.RowError`
with a message a clerk understands."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .importing import RowError
from .readers import cell_text

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
#: Excel's day 0 (serial dates; 1900 leap-year bug included)
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def text(value: Any) -> str:
    """Cell as text, surrounding blanks removed (kept as written otherwise)."""
    return cell_text(value).strip()


def folded(value: Any) -> str:
    """Cell as text with full-width letters, digits and punctuation folded (for codes, numbers, dates)."""
    return unicodedata.normalize("NFKC", cell_text(value)).strip()


#: no date an import carries (registration, licence, sampling, decision) is earlier
EARLIEST_DATE = datetime.date(1949, 10, 1)


def parse_date(value: Any, *, not_after_today: bool = False) -> datetime.date:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 100000:
        if 1900 <= value <= 2100 and value == int(value):
            raise RowError(f"日期只填写了年份“{int(value)}”，请填写完整日期（如 {int(value)}-03-15）")
        day = EXCEL_EPOCH + datetime.timedelta(days=int(value))  # an Excel serial number
    else:
        raw = folded(value)
        for pattern in _DATE_PATTERNS:
            match = pattern.match(raw)
            if match:
                year, month, day_ = (int(g) for g in match.groups())
                try:
                    day = datetime.date(year, month, day_)
                except ValueError:
                    if not 1 <= month <= 12:
                        raise RowError(f"日期“{raw}”不存在：没有 {month} 月") from None
                    raise RowError(f"日期“{raw}”不存在：{year}年{month}月没有{day_}日") from None
                break
        else:
            raise RowError(f"无法识别的日期“{raw}”，请写成 2024-03-15 这样的格式")
    if day < EARLIEST_DATE:
        # a year typed into a cell formatted as a date: Excel reads 2026 as the 2026th day, 1905-07-18
        raise RowError(f"日期 {day.isoformat()} 早于 1949 年，不像是真实的日期：单元格若只填了年份（如 2026），"
                       "Excel 会把它当作 1905 年的某一天，请填写完整日期（如 2026-03-15）")
    if not_after_today:
        from django.utils import timezone

        if day > timezone.localdate():
            raise RowError(f"日期 {day.isoformat()} 晚于今天")
    return day


def parse_decimal(value: Any, *, places: int = 2, minimum: Decimal | None = Decimal(0)) -> Decimal:
    """A number; thousands separators and a unit written in the cell (人民币…万元) are dropped."""
    raw = folded(value)
    cleaned = re.sub(r"^人民币|万元$|万$", "", raw.replace(",", "")).strip()
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise RowError(f"“{raw}”不是数字") from None
    if not number.is_finite():
        raise RowError(f"“{raw}”不是数字")
    if minimum is not None and number < minimum:
        raise RowError(f"不能为负数（填写的是 {raw}）" if minimum == 0 else f"不能小于 {minimum}（填写的是 {raw}）")
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


TRUE_WORDS = {"是", "有", "已投保", "投保", "y", "yes", "true", "1", "√", "✓", "t"}
FALSE_WORDS = {"否", "无", "未投保", "没有", "n", "no", "false", "0", "×", "f"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = folded(value)
    word = raw.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise RowError(f"“{raw}”应填“是”或“否”")


def split_list(value: Any) -> list[str]:
    """Items separated by 、 ； ; ， , or line breaks."""
    return [p.strip() for p in re.split(r"[、；;，,\n\r|]+", text(value)) if p.strip()]


def gtin_check_digit(body: str) -> str:
    """The GS1 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+", re.IGNORECASE)


def refuse_excel_number(value: Any, what: str, *, personal: bool = False) -> None:
    """A long number (a barcode, an identity number, an all-digit USCC) that Excel mangled has
    lost its last digits: a cell in number format keeps 15 significant digits (914203235702603577
    reads 914203235702603520), and a CSV saved from it writes scientific notation (9.14203E+17).
    Say so and how to avoid it, instead of judging the wrong digits; a ``personal`` number
    (an identity number) is named by its last 4 characters only."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 1e15:
        shown = f"（尾号 {cell_text(value)[-4:]}）" if personal else f"“{cell_text(value)}”"
        raise RowError(f"{what}{shown}所在的单元格是数字格式，Excel 只保留 15 位有效数字，后面的数字已被改写："
                       f"请把该列设为“文本”格式，填入完整的{what}后重新导入")
    raw = folded(value)
    if _SCIENTIFIC.fullmatch(raw.replace(" ", "")):
        raise RowError(f"{what}“{raw}”是 Excel 的科学计数法写法，后面的数字已经丢失：请把该列设为“文本”格式，"
                       f"填入完整的{what}后重新导入")


def parse_gtin(value: Any) -> str:
    refuse_excel_number(value, "商品条码")
    raw = folded(value)
    code = raw.replace(" ", "").replace("-", "")
    if not code.isdigit():
        raise RowError(f"商品条码“{raw}”只能包含数字")
    if len(code) not in (8, 12, 13, 14):
        raise RowError(f"商品条码“{raw}”应为 8、12、13 或 14 位数字，实为 {len(code)} 位")
    expected = gtin_check_digit(code[:-1])
    if code[-1] != expected:
        raise RowError(f"商品条码“{raw}”校验位错误：最后一位为 {code[-1]}，按前 {len(code) - 1} 位应为 {expected}")
    return code


def parse_choice(value: Any, choices, *, aliases: dict[str, str] | None = None, what: str) -> str:
    """A TextChoices value by its code or its Chinese label (or an alias)."""
    raw = folded(value)
    by_key = {c.value.lower(): c.value for c in choices}
    by_key.update({str(c.label): c.value for c in choices})
    if raw.lower() in by_key:
        return by_key[raw.lower()]
    if raw in by_key:
        return by_key[raw]
    for alias, code in (aliases or {}).items():
        if alias in raw:
            return code
    accepted = "、".join(str(c.label) for c in choices)
    raise RowError(f"未知的{what}“{raw}”，可填：{accepted}")
