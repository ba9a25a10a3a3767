"""Reading the tables departments send: CSV (UTF-8 with or without BOM, or
GBK/GB18030), XLSX (first sheet, through openpyxl) and JSON (an array of
objects, or ``{"data": [...]}`` as data-sharing platforms export it; the
header is every key in order of first appearance, record *n* of the array is
row *n + 1*, as if the keys were a header row).

A reader returns a :class:`Table`: the header cells as they stand in the
file, the data rows with their row numbers *as the user sees them in Excel*
(the header is row 1), and what was detected (format, encoding).  Rows whose
cells are all empty (Excel's trailing empty rows, spacer rows) are dropped
but keep the numbering of the rows after them.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class FileError(Exception):
    """The file as a whole cannot be read (message in Chinese)."""


@dataclass
class Table:
    header: list[str]
    #: (row number as shown in Excel, cells) — cells aligned with ``header``
    rows: list[tuple[int, list[Any]]]
    format: str
    encoding: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def detected(self) -> str:
        return f"{self.format.upper()}" + (f"，编码 {self.encoding}" if self.encoding else "")


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: (codec, label shown to the user), tried in this order
ENCODINGS = (("utf-8", "UTF-8"), ("gb18030", "GB18030（兼容 GBK/GB2312）"))


def decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM), then GB18030. Returns (text, encoding label)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8（带 BOM）"
        except UnicodeDecodeError:
            pass
    for codec, label in ENCODINGS:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise FileError("无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030。请在 Excel 中“另存为”CSV UTF-8 或 XLSX 后重新上传")


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return _table(records, "csv", encoding)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — zipfile.BadZipFile, KeyError, InvalidFileException …
        raise FileError("无法读取 Excel 文件：它不是有效的 .xlsx 文件（可能已损坏，或是改了扩展名的其他文件）。"
                        "请用 Excel 打开后“另存为”.xlsx 格式再上传（旧的 .xls 也请先另存为 .xlsx）") from None
    try:
        sheet = workbook.worksheets[0]
        records = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    table = _table(records, "xlsx", "")
    if len(workbook.sheetnames) > 1:
        table.notes.append(f"只读取了第一个工作表“{workbook.sheetnames[0]}”")
    return table


def read_json(data: bytes) -> Table:
    import json

    text, encoding = decode(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(f"无法读取 JSON 文件：第 {exc.lineno} 行第 {exc.colno} 列附近格式有误（{exc.msg}），"
                        "请检查该处的引号、逗号和括号") from None
    except (ValueError, RecursionError):
        raise FileError("无法读取 JSON 文件：不是有效的 JSON") from None
    if isinstance(document, dict):
        document = next((document[k] for k in ("data", "rows", "records", "items") if isinstance(document.get(k), list)), None)
    if not isinstance(document, list):
        raise FileError("JSON 文件应为对象数组，或形如 {\"data\": [...]} 的对象")
    header: list[str] = []
    seen: set[str] = set()
    for index, record in enumerate(document, 1):
        if not isinstance(record, dict):
            raise FileError(f"JSON 第 {index} 条记录不是对象（应为 {{\"列名\": 值, …}}）")
        for key in record:
            if key not in seen:
                seen.add(key)
                header.append(str(key).strip())
    if not header:
        raise FileError("文件是空的：JSON 中没有任何记录")
    records = [header, *([_json_cell(record.get(key)) for key in header] for record in document)]
    return _table(records, "json", encoding)


def _json_cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return value


def _table(records: list[list[Any]], fmt: str, encoding: str) -> Table:
    header_index = next((i for i, r in enumerate(records) if not all(is_empty(c) for c in r)), None)
    if header_index is None:
        raise FileError("文件是空的：没有找到表头行")
    header = ["" if c is None else str(c).strip() for c in records[header_index]]
    while header and not header[-1]:
        header.pop()
    rows = []
    for index in range(header_index + 1, len(records)):
        cells = list(records[index])
        if all(is_empty(c) for c in cells):
            continue
        cells = (cells + [None] * len(header))[: max(len(header), len(cells))]
        rows.append((index + 1, cells))
    return Table(header=header, rows=rows, format=fmt, encoding=encoding)


def read_table(data: bytes, file_name: str) -> Table:
    """Read ``data`` by the file's extension (``.csv``, ``.txt``, ``.xlsx``/``.xlsm``, ``.json``)."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    if suffix == ".json":
        return read_json(data)
    if suffix == ".xls":
        raise FileError("不支持旧的 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV 后重新上传")
    return read_csv(data)


def cell_text(value: Any) -> str:
    """A cell as text: Excel's floats that are whole numbers lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()
