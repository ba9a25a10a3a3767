"""The CSV and XLSX writers every export uses: text from a department's file that a spreadsheet
would take for a formula stays text (OWASP "CSV injection"); numbers and dates keep their type."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from openpyxl import load_workbook

from zhiliang.sampling.exports import to_csv, to_xlsx

ROWS = [["=HYPERLINK(\"http://example.invalid\",\"点击\")", "+86 719", "-1+2", "@SUM(A1)", "十堰市某公司", Decimal("-1.5"), -3,
         datetime.date(2026, 11, 29)]]


def test_formula_like_text_is_quoted_in_csv_and_numbers_are_not():
    [_, row] = list(csv.reader(io.StringIO(to_csv(["a", "b", "c", "d", "e", "f", "g", "h"], ROWS).decode("utf-8-sig"))))
    assert row == ["'=HYPERLINK(\"http://example.invalid\",\"点击\")", "'+86 719", "'-1+2", "'@SUM(A1)", "十堰市某公司", "-1.5", "-3", "2026-11-29"]


def test_formula_like_text_is_a_string_cell_in_xlsx():
    sheet = load_workbook(io.BytesIO(to_xlsx(["a", "b", "c", "d", "e", "f", "g", "h"], ROWS))).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [c.data_type for c in cells[:5]] == ["s"] * 5
    assert cells[0].value == ROWS[0][0] and cells[5].value == -1.5 and cells[6].value == -3
    assert cells[7].value.date() == datetime.date(2026, 11, 29)


def test_decimal_amounts_are_written_without_the_columns_trailing_zeros():
    """A fine of 48.2 万元 is stored as 48.200000 (the column's scale): the CSV says 48.2; ten is 10, not 1E+1.
    Figures kept to one or two places on purpose (a pass rate 90.0 %, 120.00 元) are written as they are."""
    rows = [[Decimal("48.200000"), Decimal("10.000000"), Decimal("0.000000"), Decimal("120.00"), Decimal("90.0")]]
    [_, row] = list(csv.reader(io.StringIO(to_csv(["a", "b", "c", "d", "e"], rows).decode("utf-8-sig"))))
    assert row == ["48.2", "10", "0", "120.00", "90.0"]
