"""Importing 双公示 administrative licences (``zhiliang import licences``): XK_* codes (UTF-8
CSV) and Chinese headers (XLSX) give the same facts; row errors; idempotent re-import; the
licences appear on the exchange import page."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.credit.choices import FactKind, MatchStatus, PartyKind
from zhiliang.credit.models import CreditFact
from zhiliang.enterprises.tests.views_data import build_registry
from zhiliang.exchange import importing
from zhiliang.exchange.forms import ImportForm

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
KIND = "licences"


def run(name: str, *, data: bytes | None = None, **options) -> importing.Report:
    flags = {k: options.pop(k) for k in ("dry_run", "good_rows") if k in options}
    data = data if data is not None else (DATA / name).read_bytes()
    with audit_context(actor=SYSTEM, reason="测试导入行政许可", source="test"):
        return importing.run_import(KIND, data, name, actor=SYSTEM, options=options, **flags)


def licences() -> set[tuple]:
    return set(CreditFact.objects.filter(kind=FactKind.LICENCE).values_list(
        "decision_no", "party_kind", "party_uscc", "title", "decided_on", "valid_from", "valid_until", "authority", "source_key"))


def test_xk_codes_and_chinese_headers_give_the_same_licence_facts():
    registry = build_registry()
    report = run("licences.csv")
    assert (report.outcome, report.created) == (importing.IMPORTED, 2), report.lines()
    production = CreditFact.objects.get(decision_no="十市监许〔2026〕21号")
    assert (production.kind, production.title, production.enterprise, production.match_status) == (
        FactKind.LICENCE, "全国工业产品生产许可证", registry.maojian, MatchStatus.USCC)
    assert (production.valid_from, production.valid_until) == (datetime.date(2026, 2, 2), datetime.date(2031, 2, 1))
    assert "XK00-000-00001" in production.content
    assert production.publicity_ends_on is None  # a licence's publicity has no end
    shop = CreditFact.objects.get(decision_no="茅市监许〔2026〕3号")
    assert shop.party_kind == PartyKind.INDIVIDUAL_BUSINESS
    expected = licences()

    with audit_context(actor=SYSTEM, reason="测试清空", source="test"):
        CreditFact.objects.all().delete()
    report = run("licences.xlsx")
    assert (report.outcome, report.format, report.created) == (importing.IMPORTED, "xlsx", 2), report.lines()
    assert licences() == expected


def test_re_importing_licences_adds_nothing():
    assert run("licences.csv").created == 2
    again = run("licences.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def _file(**changes) -> bytes:
    row = {"XK_XDR_MC": "虚构示例包装有限公司", "XK_XDR_SHXYM": "", "XK_WSH": "十市监许〔2026〕99号", "XK_XKZS": "全国工业产品生产许可证",
           "XK_JDRQ": "2026-01-05", "XK_YXQZ": "2026-01-05", "XK_YXQZI": "2031-01-04", "XK_XKJG": "十堰市市场监督管理局",
           "XK_LYDW": "十堰市市场监督管理局"}
    row.update(changes)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize(("changes", "column", "reason"), [  # a file headed by the codes: the report names the column in Chinese too
    ({"XK_YXQZI": "2025-01-04"}, "有效期至（XK_YXQZI）", "有效期至 2025-01-04 早于有效期自 2026-01-05"),
    ({"XK_JDRQ": "2026-02-30"}, "许可决定日期（XK_JDRQ）", "2026年2月没有30日"),
    ({"XK_WSH": ""}, "行政许可决定文书号（XK_WSH）", "行政许可决定文书号为空"),
    ({"XK_XKJG": ""}, "许可机关（XK_XKJG）", "许可机关为空"),
    ({"XK_XDR_SHXYM": "91420302MA4TEXT01"}, "统一社会信用代码（XK_XDR_SHXYM）", "缺少校验码"),
])
def test_licence_row_errors(changes, column, reason):
    report = run("x.csv", data=_file(**changes))
    assert report.outcome == importing.REJECTED and CreditFact.objects.count() == 0
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, column)] and reason in report.errors[0]["message"]


def test_a_licence_without_an_end_reads_long_term_as_2099_12_31_and_is_shown_as_long_term():
    """有效期至 “长期” is what departments write for a licence without an end; the national
    双公示 standard stores it as 2099-12-31."""
    report = run("x.csv", data=_file(XK_YXQZI="长期有效"))
    assert (report.outcome, report.created) == (importing.IMPORTED, 1), report.lines()
    fact = CreditFact.objects.get()
    assert fact.valid_until == datetime.date(2099, 12, 31) and fact.publicity_ends_on is None
    from zhiliang.credit.templatetags.credit_tags import until

    assert (until(fact.valid_until), until(fact.valid_from), until(None)) == ("长期", "2026-01-05", "")


def test_a_licence_file_uploaded_as_penalties_says_which_kind_to_choose():
    from zhiliang.exchange import importing as imp

    with audit_context(actor=SYSTEM, reason="测试", source="test"):
        report = imp.run_import("penalties", _file(), "x.csv", actor=SYSTEM)
    assert report.outcome == importing.REFUSED and not CreditFact.objects.exists()
    assert "这些列像是“行政许可（双公示）”文件：请将导入类型选为“行政许可（双公示）”（licences）后重新导入" in report.file_errors


def test_both_credit_kinds_are_offered_on_the_import_page_with_the_source_option():
    form = ImportForm()
    kinds = dict(form.fields["kind"].choices)
    assert kinds["penalties"] == "行政处罚（双公示）" and kinds["licences"] == "行政许可（双公示）"
    assert "option_source" in form.fields


def test_the_import_command_for_licences():
    out = io.StringIO()
    call_command("import", KIND, str(DATA / "licences.csv"), "--source", "sy-amr", stdout=out)
    assert "新增 2" in out.getvalue() and CreditFact.objects.filter(kind=FactKind.LICENCE, source_key="sy-amr").count() == 2
