"""Importing 双公示 administrative penalties (``zhiliang import penalties``): GBK CSV with
Chinese headers, XLSX with cf_* codes, JSON; every kind of row error with its row, column
and reason; nothing written from a file with errors unless the good rows are asked for;
idempotent re-import; ``--source``; natural persons' identity numbers never public."""

import csv
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.models import DomainEvent
from zhiliang.core.permissions import restrict
from zhiliang.core.templatetags.zl import mask
from zhiliang.core.uscc import make_uscc
from zhiliang.credit.choices import FactKind, MatchStatus, PartyKind, Procedure
from zhiliang.credit.models import CreditFact
from zhiliang.enterprises.tests.views_data import MAOJIAN_USCC, build_registry
from zhiliang.exchange import importing
from zhiliang.exchange.readers import FileError, read_table
from zhiliang.testing.fixtures import department

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
KIND = "penalties"
PERSON_ID = "420302199001010015"  # fictional, valid check character
AMR = "十堰市市场监督管理局"
BODY = "91420302MA4TEXT01"
BAD_USCC = BODY + ("1" if make_uscc(BODY)[-1] != "1" else "2")


def run(name: str, *, data: bytes | None = None, actor=SYSTEM, kind: str = KIND, **options) -> importing.Report:
    flags = {k: options.pop(k) for k in ("dry_run", "good_rows") if k in options}
    data = data if data is not None else (DATA / name).read_bytes()
    with audit_context(actor=actor, reason="测试导入双公示", source="test"):
        return importing.run_import(kind, data, name, actor=actor, options=options, **flags)


def clear() -> None:
    with audit_context(actor=SYSTEM, reason="测试清空", source="test"):
        CreditFact.objects.all().delete()


def errors(report) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in report.errors]


def today() -> datetime.date:
    return timezone.localdate()


def good_row(**changes) -> dict[str, str]:
    """One valid penalty row under Chinese headers (decided 10 days ago)."""
    row = {
        "行政相对人名称": "虚构示例建材有限公司", "行政相对人类别": "法人及非法人组织", "统一社会信用代码": make_uscc(BODY),
        "法定代表人": "周示例", "法定代表人证件号码": "", "证件号码": "", "行政处罚决定书文号": "十市监处罚〔2026〕900号",
        "违法行为类型": "生产不合格产品", "处罚类别": "罚款", "罚款金额（万元）": "3", "处罚决定日期": (today() - datetime.timedelta(days=10)).isoformat(),
        "公示截止期": "", "处罚机关": AMR, "数据来源单位": AMR,
    }
    row.update(changes)
    return row


def csv_file(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def summary(kind: str = FactKind.PENALTY) -> set[tuple]:
    return set(CreditFact.objects.filter(kind=kind).values_list(
        "decision_no", "party_kind", "party_uscc", "fine_wan", "is_publishable", "is_criticism_or_low_fine", "is_warning_only",
        "procedure", "person_id_number", "source_key"))


# --- the three formats ------------------------------------------------------------------------------


def test_a_gbk_csv_with_chinese_headers_records_each_penalty_with_its_publication_flags():
    registry = build_registry()
    report = run("penalties_gbk.csv")
    assert report.outcome == importing.IMPORTED, report.lines()
    assert (report.created, report.error_rows, report.format) == (5, 0, "csv") and "GB18030" in report.encoding

    low = CreditFact.objects.get(decision_no="十市监处罚〔2026〕101号")
    assert (low.kind, low.party_name, low.party_uscc, low.fine_wan) == (FactKind.PENALTY, "十堰东风精工汽车零部件有限公司", MAOJIAN_USCC, Decimal("0.5"))
    assert low.enterprise == registry.maojian and low.match_status == MatchStatus.USCC  # matched by USCC
    assert low.is_publishable and low.is_criticism_or_low_fine and low.procedure == Procedure.ORDINARY
    # 数据来源单位 names a department of ours: the department is the source
    assert (low.source_name, low.source_department, low.source_key, low.authority) == (AMR, department("sy-amr"), "sy-amr", AMR)
    assert low.legal_rep_id_number == "420303197502023452"  # kept for staff …
    assert low.received["cf_fr_sfzh"] == "**************3452"  # … masked in the copy as received

    heavy = CreditFact.objects.get(decision_no="十市监处罚〔2026〕102号")
    assert (heavy.fine_wan, heavy.confiscated_wan, heavy.is_criticism_or_low_fine) == (Decimal("20"), Decimal("1.2"), False)
    warning = CreditFact.objects.get(decision_no="茅市监处罚〔2026〕7号")
    assert (warning.party_kind, warning.is_warning_only, warning.is_publishable) == (PartyKind.INDIVIDUAL_BUSINESS, True, False)
    person = CreditFact.objects.get(decision_no="十市监处罚〔2026〕103号")
    assert (person.party_kind, person.person_id_number, person.party_uscc, person.party_codes) == (PartyKind.NATURAL_PERSON, PERSON_ID, "", {})
    assert person.is_criticism_or_low_fine  # 0.2 万元 ≤ 1 万元 for a natural person
    simple = CreditFact.objects.get(decision_no="十市监当场〔2026〕9号")
    assert (simple.procedure, simple.is_publishable, simple.published_on) == (Procedure.SIMPLE, False, None)


def test_xlsx_with_upper_case_codes_and_json_give_the_same_facts_as_the_gbk_csv():
    build_registry()
    assert run("penalties_gbk.csv").created == 5
    expected = summary()
    clear()

    report = run("penalties_codes.xlsx")
    assert (report.outcome, report.format, report.created) == (importing.IMPORTED, "xlsx", 5), report.lines()
    assert summary() == expected
    clear()

    report = run("penalties.json")
    assert (report.outcome, report.format, report.created) == (importing.IMPORTED, "json", 5), report.lines()
    assert summary() == expected


def test_the_json_reader_takes_an_array_or_a_data_object_and_refuses_anything_else():
    table = read_table(json.dumps([{"a": 1, "b": "x"}, {"b": "y", "c": None}]).encode(), "f.json")
    assert table.header == ["a", "b", "c"] and table.rows == [(2, [1, "x", None]), (3, [None, "y", None])]
    assert read_table(json.dumps({"data": [{"cf_xdr_mc": "虚构示例有限公司"}]}, ensure_ascii=False).encode("gbk"), "f.json").rows == [
        (2, ["虚构示例有限公司"])]
    for bad in (b"{", b'{"total": 3}', b"[1, 2]"):
        with pytest.raises(FileError):
            read_table(bad, "f.json")


def test_a_broken_json_or_a_renamed_file_is_refused_saying_what_to_do():
    broken = run("broken.json", data='[{"cf_xdr_mc": "十堰某公司" "cf_wsh": "1"}]'.encode())
    assert broken.file_errors[0].startswith("无法读取 JSON 文件：第 1 行第 24 列附近格式有误")
    renamed = run("table.xlsx", data=b"%PDF-1.4 not a spreadsheet")
    assert "不是有效的 .xlsx 文件" in renamed.file_errors[0] and "另存为" in renamed.file_errors[0]
    assert not CreditFact.objects.exists()


def test_a_json_files_errors_name_the_column_in_chinese_with_its_code():
    rows = json.loads((DATA / "penalties.json").read_text(encoding="utf-8"))
    rows = rows["data"] if isinstance(rows, dict) else rows
    rows[0]["cf_jdrq"] = "2026-02-30"
    report = run("bad.json", data=json.dumps(rows, ensure_ascii=False).encode())
    [error] = report.errors
    assert error["column"] == "处罚决定日期（cf_jdrq）" and error["message"].startswith("处罚决定日期（cf_jdrq）：")


# --- re-import, errors, good rows --------------------------------------------------------------------


def test_re_importing_the_same_file_adds_nothing():
    first = run("penalties_gbk.csv")
    again = run("penalties_codes.xlsx")  # the same records in another format
    assert (first.created, again.created, again.updated, again.unchanged) == (5, 0, 0, 5)
    assert CreditFact.objects.count() == 5


def test_a_corrected_record_from_the_same_source_updates_its_fact():
    run("x.csv", data=csv_file([good_row()]))
    report = run("x.csv", data=csv_file([good_row(**{"罚款金额（万元）": "4"})]))
    assert (report.created, report.updated) == (0, 1)
    assert CreditFact.objects.get().fine_wan == Decimal("4")


FUTURE = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
ERROR_CASES = {
    "bad check character": ({"统一社会信用代码": BAD_USCC}, "统一社会信用代码", "按前17位，校验码应为 " + make_uscc(BODY)[-1]),
    "31 February": ({"处罚决定日期": "2025-02-31"}, "处罚决定日期", "2025年2月没有31日"),
    "decision in the future": ({"处罚决定日期": FUTURE}, "处罚决定日期", "晚于今天"),
    "decision after publicity end": ({"处罚决定日期": "2025-06-10", "公示截止期": "2025-06-01"}, "公示截止期", "晚于公示截止期"),
    "name missing": ({"行政相对人名称": ""}, "行政相对人名称", "行政相对人名称为空"),
    "number missing": ({"行政处罚决定书文号": " "}, "行政处罚决定书文号", "决定书文号为空"),
    "date missing": ({"处罚决定日期": ""}, "处罚决定日期", "决定日期为空"),
    "authority missing": ({"处罚机关": ""}, "处罚机关", "处罚机关为空"),
    "negative fine": ({"罚款金额（万元）": "-2"}, "罚款金额（万元）", "不能为负数"),
    "non-numeric fine": ({"罚款金额（万元）": "三万"}, "罚款金额（万元）", "不是数字"),
    "natural person with a USCC": ({"行政相对人类别": "自然人"}, "统一社会信用代码", "自然人，不应填写统一社会信用代码"),
    "legal entity with a personal ID as its code": ({"统一社会信用代码": PERSON_ID}, "统一社会信用代码", "个人身份证号码"),
    "legal entity with a personal ID number": ({"证件号码": PERSON_ID}, "证件号码", "法人及非法人组织不应填写个人证件号码"),
    "unknown party kind": ({"行政相对人类别": "外星人"}, "行政相对人类别", "无法识别的行政相对人类别"),
    "no source": ({"数据来源单位": ""}, "数据来源单位", "未指明数据来源单位"),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_each_row_error_names_row_column_and_reason_and_nothing_is_written(case):
    changes, column, reason = ERROR_CASES[case]
    second = good_row(**{"行政处罚决定书文号": "十市监处罚〔2026〕901号", **changes})
    report = run("x.csv", data=csv_file([good_row(), second]))
    assert report.outcome == importing.REJECTED
    assert [(row, col) for row, col, _ in errors(report)] == [(3, column)], errors(report)
    assert reason in errors(report)[0][2]
    assert CreditFact.objects.count() == 0


def test_a_natural_person_with_only_an_organisation_code_is_refused_on_that_column():
    first = good_row(**{"组织机构代码": ""})
    second = good_row(**{"行政处罚决定书文号": "十市监处罚〔2026〕901号", "行政相对人类别": "自然人", "统一社会信用代码": "",
                         "组织机构代码": "MA4N17CT3"})
    report = run("x.csv", data=csv_file([first, second]))
    [(row, column, message)] = errors(report)
    assert (row, column) == (3, "组织机构代码") and "（组织机构代码）" in message


def test_the_same_number_twice_in_one_file_is_an_error_on_the_second_row():
    report = run("x.csv", data=csv_file([good_row(), good_row(**{"行政相对人名称": "另一虚构公司"})]))
    assert errors(report) == [(3, "行政处罚决定书文号", "决定书文号“十市监处罚〔2026〕900号”与第 2 行重复（同一来源的同一文书只能有一条）")]


def test_the_good_rows_are_written_when_asked_for():
    data = csv_file([good_row(), good_row(**{"行政处罚决定书文号": "十市监处罚〔2026〕901号", "罚款金额（万元）": "-1"})])
    report = run("x.csv", data=data, good_rows=True)
    assert (report.outcome, report.created, report.error_rows) == (importing.PARTIAL, 1, 1)
    assert list(CreditFact.objects.values_list("decision_no", flat=True)) == ["十市监处罚〔2026〕900号"]


def test_a_dry_run_keeps_nothing():
    report = run("penalties_gbk.csv", dry_run=True)
    assert (report.outcome, report.created) == (importing.DRY_RUN, 5) and CreditFact.objects.count() == 0


def test_a_low_fine_is_at_most_the_provincial_threshold_and_a_criticism_is_short_publicity():
    threshold = Decimal("10")  # RULE_CREDIT_LOW_FINE_WAN for a legal entity
    rows = [
        good_row(**{"行政处罚决定书文号": "A1", "罚款金额（万元）": str(threshold)}),
        good_row(**{"行政处罚决定书文号": "A2", "罚款金额（万元）": str(threshold + Decimal("0.01"))}),
        good_row(**{"行政处罚决定书文号": "A3", "罚款金额（万元）": "", "处罚类别": "通报批评"}),
        good_row(**{"行政处罚决定书文号": "A4", "罚款金额（万元）": "1", "处罚类别": "罚款;吊销许可证"}),
    ]
    assert run("x.csv", data=csv_file(rows)).created == 4
    flags = dict(CreditFact.objects.values_list("decision_no", "is_criticism_or_low_fine"))
    assert flags == {"A1": True, "A2": False, "A3": True, "A4": False}


def test_the_low_fine_threshold_is_the_provinces_rule_in_force_on_the_decision_date():
    """RULE_CREDIT_LOW_FINE_WAN is effective-dated: a province lowering it to 5 万元 for
    organisations from 2026-01-01 changes decisions from that day, not older ones."""
    from zhiliang.core import services as core_services

    with audit_context(actor=SYSTEM, reason="省级标准调整", source="test"):
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_CREDIT_LOW_FINE_WAN",
                                        value={"natural_person": 1, "individual_business": 1, "legal_entity": 5},
                                        effective_from=datetime.date(2026, 1, 1), reason="测试")
    rows = [
        good_row(**{"行政处罚决定书文号": "B1", "罚款金额（万元）": "8", "处罚决定日期": "2025-12-31"}),
        good_row(**{"行政处罚决定书文号": "B2", "罚款金额（万元）": "8", "处罚决定日期": "2026-01-02"}),
        good_row(**{"行政处罚决定书文号": "B3", "罚款金额（万元）": "5", "处罚决定日期": "2026-01-02"}),
    ]
    assert run("x.csv", data=csv_file(rows)).created == 3
    flags = dict(CreditFact.objects.values_list("decision_no", "is_criticism_or_low_fine"))
    assert flags == {"B1": True, "B2": False, "B3": True}


# --- source ----------------------------------------------------------------------------------------------


FORESTRY = "虚构示例县林业局"  # a source unit that is not one of our departments


def test_source_names_the_department_and_an_unknown_one_refuses_the_file():
    run("x.csv", data=csv_file([good_row(**{"数据来源单位": FORESTRY})]))
    assert CreditFact.objects.values_list("source_department", "source_key", "source_name").get() == (None, FORESTRY, FORESTRY)
    clear()
    report = run("x.csv", data=csv_file([good_row(**{"数据来源单位": ""})]), source="sy-amr")
    assert report.created == 1
    assert CreditFact.objects.values_list("source_department", "source_key", "source_name").get() == (department("sy-amr").pk, "sy-amr", AMR)

    refused = run("penalties_gbk.csv", source="no-such-dept")
    assert refused.outcome == importing.REFUSED and "来源部门“no-such-dept”不存在" in refused.file_errors[0]


def test_the_same_number_from_another_source_is_another_fact():
    data = csv_file([good_row(**{"数据来源单位": FORESTRY})])
    run("x.csv", data=data)
    report = run("x.csv", data=data, source="sy-amr")
    assert report.created == 1 and CreditFact.objects.count() == 2


# --- personal data --------------------------------------------------------------------------------------


def test_a_natural_persons_identity_number_is_never_public():
    decided = (today() - datetime.timedelta(days=5)).isoformat()
    person = good_row(**{"行政相对人名称": "钱虚构", "行政相对人类别": "自然人", "统一社会信用代码": "", "证件类型": "身份证",
                         "证件号码": PERSON_ID, "处罚决定日期": decided})
    assert run("x.csv", data=csv_file([person])).created == 1

    public = restrict(CreditFact.objects.all(), AnonymousUser(), "view")
    fact = public.get()  # published, and visible to anyone …
    assert fact.person_id_number == PERSON_ID
    assert "person_id_number" not in CreditFact.public_fields and "legal_rep_id_number" not in CreditFact.public_fields
    assert set(CreditFact.personal_fields) == {"person_id_number", "legal_rep_id_number"}
    assert mask(fact.person_id_number) == "*" * 14 + PERSON_ID[-4:]  # … but shown masked
    assert fact.received["cf_xdr_zjhm"] == "*" * 14 + PERSON_ID[-4:]
    assert fact.match_status == MatchStatus.UNMATCHED and fact.enterprise is None  # never matched by name


# --- the command -----------------------------------------------------------------------------------------


def test_the_import_command(tmp_path):
    out = io.StringIO()
    call_command("import", KIND, str(DATA / "penalties_gbk.csv"), "--source", "sy-amr", stdout=out)
    assert "新增 5" in out.getvalue() and CreditFact.objects.filter(source_key="sy-amr").count() == 5

    bad = tmp_path / "bad-penalties.csv"
    bad.write_bytes(csv_file([good_row(**{"处罚决定日期": "2025-02-31"})], "gbk"))
    with pytest.raises(CommandError) as excinfo:
        call_command("import", KIND, str(bad), stdout=io.StringIO())
    assert excinfo.value.returncode == 3
    assert CreditFact.objects.count() == 5

    huge = tmp_path / "huge.csv"  # written, with the reminder printed
    huge.write_bytes(csv_file(_renamed([good_row(**{"罚款金额（万元）": "30000"})], "罚款金额（万元）", "罚款"), "gbk"))
    out = io.StringIO()
    call_command("import", KIND, str(huge), stdout=out)
    assert "提醒：第 2 行，列“罚款”：罚款为 30000 万元（即 3 亿元），数额异常大" in out.getvalue() and CreditFact.objects.count() == 6


def test_the_import_command_streams_a_file_larger_than_an_upload_with_the_same_report(tmp_path, monkeypatch):
    """A CSV larger than the web upload's limit goes through the streaming path: same checks,
    same lines in the report, same exit codes — and the same facts."""
    from importlib import import_module

    command = import_module("zhiliang.exchange.management.commands.import")
    monkeypatch.setattr(command, "STREAM_FROM_BYTES", 1)
    big = tmp_path / "big-penalties.csv"
    big.write_bytes(csv_file([varied_row("S1"), varied_row("S2", **{"处罚决定日期": "2025-02-31"}), varied_row("S3")], "gbk"))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import", KIND, str(big), "--source", "sy-amr", stdout=out, stderr=err)
    assert excinfo.value.returncode == 3 and not CreditFact.objects.exists()
    assert "按流式批量导入" in err.getvalue()
    assert "第 3 行，列“处罚决定日期”" in out.getvalue() and "编码 GB18030" in out.getvalue()

    with pytest.raises(CommandError) as excinfo:
        call_command("import", KIND, str(big), "--source", "sy-amr", "--good-rows", stdout=(out := io.StringIO()), stderr=err)
    assert excinfo.value.returncode == 4
    assert "新增 2" in out.getvalue() and "变更集" in out.getvalue()
    assert set(CreditFact.objects.values_list("decision_no", flat=True)) == {"S1", "S3"}


# --- the upload page ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["per-row", "streamed"])
def test_department_staff_upload_a_penalty_file_on_the_import_page(client, department_user, django_capture_on_commit_callbacks, monkeypatch,
                                                                    streamed):
    """The page's report is the same whether the job checks row by row or streams the file (a
    CSV of 1 MB or more)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from zhiliang.exchange import jobs

    if streamed:
        monkeypatch.setattr(jobs, "STREAM_FROM_BYTES", 1)
    client.force_login(department_user)
    bad = csv_file([good_row(), good_row(**{"行政处罚决定书文号": "十市监处罚〔2026〕901号", "统一社会信用代码": BAD_USCC})], "gbk")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:imports"), {"kind": KIND, "file": SimpleUploadedFile("处罚.csv", bad)})
    page = client.get(response["Location"]).content.decode()
    assert "文件有错误，未写入任何数据" in page and "第 3 行" in page and f"校验码应为 {make_uscc(BODY)[-1]}" in page
    assert not CreditFact.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:imports"), {
            "kind": KIND, "file": SimpleUploadedFile("处罚.csv", (DATA / "penalties_gbk.csv").read_bytes()), "option_source": "sy-amr"})
    page = client.get(response["Location"]).content.decode()
    assert "已导入" in page and CreditFact.objects.filter(source_key="sy-amr").count() == 5
    # streamed: one event for the import; row by row: one per fact
    assert DomainEvent.objects.filter(name="credit.facts_imported").count() == (1 if streamed else 0)
    assert DomainEvent.objects.filter(name="credit.fact_recorded").count() == (0 if streamed else 5)

    huge = csv_file(_renamed([good_row(**{"罚款金额（万元）": "30000", "行政处罚决定书文号": "十市监处罚〔2026〕902号"})], "罚款金额（万元）", "罚款金额"), "gbk")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:imports"), {"kind": KIND, "file": SimpleUploadedFile("处罚.csv", huge)})
    page = client.get(response["Location"]).content.decode()
    assert "已导入" in page and "1 处提醒" in page and "罚款金额为 30000 万元（即 3 亿元），数额异常大" in page


# --- the bulk path ------------------------------------------------------------------------------------------

COMPARED = [f.name for f in CreditFact._meta.concrete_fields
            if f.name not in ("id", "created_at", "updated_at", "created_in", "first_seen_at", "last_seen_at")]


def facts_as_rows() -> dict[str, dict]:
    return {row["decision_no"]: row for row in CreditFact.objects.values(*COMPARED)}


def bulk(path, **options):
    from zhiliang.credit.importers import bulk_import_penalties

    with audit_context(actor=SYSTEM, reason="测试批量导入", source="test"):
        return bulk_import_penalties(path, actor=SYSTEM, **options)


@pytest.mark.parametrize("batch_size", [2, 5000])
def test_the_bulk_path_produces_exactly_the_facts_of_the_per_row_path(tmp_path, batch_size):
    build_registry()
    rows = [good_row(**{"行政处罚决定书文号": f"B{i}", "处罚决定日期": (today() - datetime.timedelta(days=i)).isoformat()}) for i in range(1, 4)]
    rows.append(good_row(**{"行政处罚决定书文号": "B9", "行政相对人名称": "十堰东风车桥配件有限公司", "统一社会信用代码": ""}))  # a name candidate
    path = tmp_path / "p.csv"
    path.write_bytes(csv_file(rows, "gbk") )
    per_row = run("p.csv", data=path.read_bytes())
    sample = run("penalties_gbk.csv")
    assert (per_row.created, sample.created) == (4, 5)
    expected = facts_as_rows()
    assert expected["B9"]["match_status"] == MatchStatus.CANDIDATE
    events = DomainEvent.objects.filter(name="credit.fact_recorded").count()
    clear()
    DomainEvent.objects.all().delete()

    first = bulk(path, batch_size=batch_size)
    second = bulk(DATA / "penalties_gbk.csv", batch_size=batch_size)
    assert (first.outcome, first.created, second.created) == ("imported", 4, 5), first.errors + second.errors
    assert facts_as_rows() == expected
    # one event per import, naming its change set (the per-row path: one per fact)
    assert events == 9 and not DomainEvent.objects.filter(name="credit.fact_recorded").exists()
    imported = DomainEvent.objects.filter(name="credit.facts_imported").order_by("created_at")
    assert [(e.payload["change_set"], e.payload["created"]) for e in imported] == [(first.change_set_id, 4), (second.change_set_id, 5)]

    again = bulk(DATA / "penalties_gbk.csv", batch_size=batch_size)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    changed = tmp_path / "q.csv"
    changed.write_bytes(csv_file([{**rows[0], "罚款金额（万元）": "7"}]))
    assert bulk(changed).updated == 1 and CreditFact.objects.get(decision_no="B1").fine_wan == Decimal("7")


def test_the_bulk_path_writes_nothing_from_a_file_with_errors_unless_the_good_rows_are_asked_for(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_file([good_row(**{"行政处罚决定书文号": "C1"}), good_row(**{"行政处罚决定书文号": "C2", "处罚决定日期": "2025-02-31"}),
                               good_row(**{"行政处罚决定书文号": "C3"}), good_row(**{"行政处罚决定书文号": "C1"})]))
    report = bulk(path, batch_size=2)
    assert report.outcome == "rejected" and not CreditFact.objects.exists()
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "处罚决定日期"), (5, "行政处罚决定书文号")]
    report = bulk(path, batch_size=2, good_rows=True)
    assert (report.outcome, report.created, report.error_rows) == ("partial", 2, 2)
    assert set(CreditFact.objects.values_list("decision_no", flat=True)) == {"C1", "C3"}


# --- the bulk path: the fast checks, matching by legacy codes, nothing partial ---------------------------

EXTRA_COLUMNS = ("工商注册号", "组织机构代码", "严重程度", "公示日期", "处罚程序", "没收违法所得、没收非法财物的金额（万元）", "处罚有效期",
                 "法定代表人证件类型", "证件类型", "处罚内容")


def varied_row(number: str, **changes) -> dict[str, str]:
    return good_row(**{**dict.fromkeys(EXTRA_COLUMNS, ""), "行政处罚决定书文号": number, **changes})


def varied_rows() -> list[dict[str, str]]:
    """Good rows in the shapes departments send (spaces, full-width characters, placeholders,
    Chinese dates, units, every party kind and category)."""
    from zhiliang.credit.tests.facts_data import OLD_REGNO, OLD_USCC

    past = (today() - datetime.timedelta(days=40)).isoformat()
    return [
        varied_row("V1"),
        varied_row("V2", **{"行政相对人名称": " 虚构 示例(十堰)建材有限公司 ", "统一社会信用代码": " " + make_uscc(BODY).lower()}),
        varied_row("V3", **{"统一社会信用代码": "".join(chr(ord(c) + 0xFEE0) for c in make_uscc(BODY))}),  # full-width
        varied_row("V4", **{"行政相对人类别": "个体工商户", "罚款金额（万元）": "0.5", "统一社会信用代码": make_uscc("92420302MA4TEXT02")}),
        varied_row("V5", **{"行政相对人名称": "钱虚构", "行政相对人类别": "自然人", "统一社会信用代码": "", "法定代表人证件号码": PERSON_ID,
                            "法定代表人证件类型": "身份证"}),
        varied_row("V6", **{"处罚类别": "警告", "罚款金额（万元）": "", "处罚程序": "简易程序"}),
        varied_row("V7", **{"处罚类别": "通报批评", "罚款金额（万元）": "", "严重程度": "严重失信"}),
        varied_row("V8", **{"处罚类别": "罚款;吊销许可证", "罚款金额（万元）": "1", "没收违法所得、没收非法财物的金额（万元）": "0.3"}),
        varied_row("V9", **{"罚款金额（万元）": "人民币3万元", "处罚决定日期": "{0:%Y}年{0.month}月{0.day}日".format(today() - datetime.timedelta(days=60)),
                            "公示日期": past}),
        varied_row("V10", **{"统一社会信用代码": "无", "法定代表人": "/", "工商注册号": OLD_REGNO, "行政相对人名称": "十堰市茅箭区老字号五金厂"}),
        varied_row("V11", **{"统一社会信用代码": OLD_USCC, "处罚有效期": (today() + datetime.timedelta(days=2000)).isoformat()}),
        varied_row("V12", **{"行政相对人名称": "十堰东风车桥配件有限公司", "统一社会信用代码": "", "处罚内容": "罚款一万元"}),
        varied_row("V13", **{"行政相对人类别": "个人", "行政相对人名称": "孙虚构", "统一社会信用代码": "", "证件类型": "身份证", "证件号码": PERSON_ID}),
        varied_row("V14", **{"罚款金额（万元）": "１２．５", "处罚程序": " 普通程序 ", "严重程度": "一般"}),
        # what COPY's text format must escape: line breaks, a tab, a backslash (and quotes, for the CSV)
        varied_row("V15", **{"处罚内容": "罚款三万元；\r\n责令停产\t整改（见附件 C:\\整改\\通知.pdf）“立即”\"停止\""}),
    ]


def test_the_bulk_paths_fast_checks_give_what_prepare_gives_and_leave_every_error_to_it():
    from zhiliang.credit.bulk import FastPenaltyRows
    from zhiliang.credit.importers import PenaltyImporter
    from zhiliang.exchange.importing import Context, Row, map_columns
    from zhiliang.exchange.readers import Table

    bad = [varied_row(f"E{i}", **changes) for i, (changes, _, _) in enumerate(ERROR_CASES.values())]
    rows = varied_rows() + bad
    header = list(rows[0])
    importer = PenaltyImporter()
    mapping, problems = map_columns(importer, Table(header=header, rows=[], format="csv"))
    assert not problems
    positions = list(mapping.items())
    headers = {code: header[pos] for pos, code in positions}
    outcomes = []
    for options in ({}, {"source": "sy-amr"}):
        ctx = Context(actor=SYSTEM, dry_run=True, good_rows=False, options=options, file_name="x.csv")
        importer.begin(ctx)
        fast = FastPenaltyRows(importer, ctx, positions, headers)
        for number, values in enumerate(rows, 2):
            cells = [values[h] for h in header]
            row = Row(number=number, values={code: cells[pos] for pos, code in positions}, headers=headers)
            ctx.seen.clear()
            expected = importer.prepare(row, ctx)
            quick = fast.prepare(number, cells)
            assert cells == [values[h] for h in header]  # the row is left as read
            if quick is not None:
                assert quick == expected, values["行政处罚决定书文号"]
            outcomes.append((values["行政处罚决定书文号"], quick is not None, expected is not None))
    good = {number for number, quick, ok in outcomes if ok}
    assert good >= {values["行政处罚决定书文号"] for values in varied_rows()}  # every varied row is good …
    assert [number for number, quick, ok in outcomes if not ok and quick] == []  # … no bad row passes the fast checks …
    assert {number for number, quick, ok in outcomes if ok and quick} >= {"V1", "V4", "V5", "V6", "V7", "V8", "V10", "V11", "V12"}  # … most go fast


def test_the_bulk_path_matches_like_the_per_row_path_by_uscc_legacy_code_and_name(tmp_path):
    from zhiliang.credit.tests.facts_data import build_credit_registry

    credit = build_credit_registry()
    path = tmp_path / "v.csv"
    path.write_bytes(csv_file(varied_rows(), "gbk"))
    per_row = run("v.csv", data=path.read_bytes())
    assert (per_row.outcome, per_row.created) == (importing.IMPORTED, len(varied_rows())), per_row.lines()
    expected = facts_as_rows()
    assert (expected["V10"]["match_status"], expected["V10"]["enterprise"]) == (MatchStatus.IDENTIFIER, credit.old.pk)  # 工商注册号
    assert (expected["V11"]["match_status"], expected["V11"]["enterprise"]) == (MatchStatus.IDENTIFIER, credit.old.pk)  # org code in the USCC
    assert (expected["V12"]["match_status"], expected["V12"]["candidate"]) == (MatchStatus.CANDIDATE, credit.zhangwan.pk)
    clear()

    report = bulk(path, batch_size=3)
    assert (report.outcome, report.created, report.error_rows) == ("imported", len(varied_rows()), 0), report.errors
    assert facts_as_rows() == expected
    assert sorted(CreditFact.objects.filter(created_in_id=report.change_set_id).values_list("decision_no", flat=True)) == sorted(expected)
    event = DomainEvent.objects.get(name="credit.facts_imported")
    assert (event.payload["change_set"], event.payload["created"], event.subject_id) == (
        report.change_set_id, len(varied_rows()), str(report.change_set_id))
    again = bulk(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(varied_rows()))


def test_a_bulk_import_that_fails_keeps_nothing_and_can_be_run_again(tmp_path):
    """The import fails after some batches were written (here: the progress report breaks after
    the first) — nothing of it is kept, and running it again imports the file."""
    rows = [varied_row(f"K{i}", **{"处罚程序": "简易程序"}) for i in range(5)]
    path = tmp_path / "k.csv"
    path.write_bytes(csv_file(rows))
    from zhiliang.core.models import ChangeSet

    sets = ChangeSet.objects.count()
    calls = []
    with pytest.raises(ZeroDivisionError):
        bulk(path, source="sy-amr", batch_size=2, progress=lambda *_: calls.append(1) or (len(calls) > 1 and 1 / 0))
    assert not CreditFact.objects.exists() and not DomainEvent.objects.filter(name__startswith="credit.fact").exists()
    assert ChangeSet.objects.count() == sets

    report = bulk(path, source="sy-amr")
    assert (report.outcome, report.created) == ("imported", 5) and CreditFact.objects.filter(source_key="sy-amr").count() == 5


def test_a_department_imports_its_own_records_and_is_told_so_for_the_file_not_on_each_row(tmp_path, department_user, county_user):
    from zhiliang.credit.importers import bulk_import_penalties

    path = tmp_path / "k.csv"
    path.write_bytes(csv_file([varied_row(f"K{i}") for i in range(3)]))
    with audit_context(actor=department_user, reason="测试批量导入", source="test"):
        other = bulk_import_penalties(path, actor=department_user, source="mj-amr")
    assert (other.outcome, other.errors) == ("refused", [])
    assert other.file_errors == ["只能导入本部门的数据：来源部门“茅箭区市场监督管理局”不是您的部门（您的部门：十堰市市场监督管理局）"]
    with audit_context(actor=county_user, reason="测试批量导入", source="test"):
        county = bulk_import_penalties(path, actor=county_user, source="mj-amr")
    assert county.file_errors == ["您的角色无权导入信用信息：双公示数据由来源部门的工作人员导入"]
    assert not CreditFact.objects.exists()
    with audit_context(actor=department_user, reason="测试批量导入", source="test"):
        own = bulk_import_penalties(path, actor=department_user, source="sy-amr")
    assert (own.outcome, own.created) == ("imported", 3)


def test_a_bulk_import_that_meets_an_unreadable_byte_far_into_the_file_keeps_nothing_and_says_where(tmp_path):
    """The encoding is chosen on the first megabyte; a stray byte further on stops the import
    after some batches were written (in the reading thread on PostgreSQL) — all of it undone."""
    from zhiliang.core.models import ChangeSet

    rows = [varied_row(f"U{i}", **{"处罚内容": "虚构的处罚内容" * 300}) for i in range(200)]
    data = csv_file(rows, "utf-8")
    assert len(data) > 1 << 20
    path = tmp_path / "u.csv"
    path.write_bytes(data + "十堰虚构企业有限公司,".encode() + b"\xff\xfe\r\n")
    sets = ChangeSet.objects.count()
    report = bulk(path, batch_size=20, good_rows=True)
    assert report.outcome == "refused" and report.created == 0
    assert report.file_errors == ["文件第 202 行第 32 个字节无法按 UTF-8 读取（FF）：请确认整份文件用同一种编码（UTF-8 或 GB18030）"
                                  "保存后重新导入；本次未写入任何数据"]
    assert not CreditFact.objects.exists() and ChangeSet.objects.count() == sets


def test_a_bulk_import_collects_garbage_less_often_while_it_runs_and_leaves_the_process_as_it_was(tmp_path):
    import gc

    path = tmp_path / "g.csv"
    path.write_bytes(csv_file([varied_row(f"G{i}") for i in range(6)]))
    before = gc.get_threshold()
    during = []
    report = bulk(path, batch_size=2, progress=lambda *_: during.append(gc.get_threshold()))
    assert (report.outcome, report.created) == ("imported", 6)
    assert during and all(t[0] == 50000 and t[1:] == before[1:] for t in during[:-1])
    assert gc.get_threshold() == before
    with pytest.raises(ZeroDivisionError):  # and also when the import fails
        bulk(path, batch_size=2, progress=lambda *_: 1 / 0)
    assert gc.get_threshold() == before


def test_a_large_bulk_import_reports_duplicates_across_batches_with_the_first_row(tmp_path):
    rows = [varied_row(f"L{i}") for i in range(30)] + [varied_row("L7")]
    path = tmp_path / "l.csv"
    path.write_bytes(csv_file(rows))
    report = bulk(path, batch_size=4, good_rows=True)
    assert (report.outcome, report.created, report.error_rows) == ("partial", 30, 1)
    assert [(e["row"], e["column"]) for e in report.errors] == [(32, "行政处罚决定书文号")]
    assert "与第 9 行重复" in report.errors[0]["message"] or "与本文件前面的一行重复" in report.errors[0]["message"]


def test_a_file_repeating_a_known_record_in_two_batches_updates_nothing_the_second_time(tmp_path):
    """The 文号 imported before is in the file twice, the second time with another party, in a
    later batch: the first row is seen again, the second is the duplicate — it does not overwrite
    the fact (it did: "updated 1", and the enterprise lost its penalty) — and a re-import changes
    nothing."""
    from zhiliang.credit.models import CreditFact

    first = tmp_path / "first.csv"
    first.write_bytes(csv_file([varied_row("K1")]))
    assert bulk(first).created == 1
    before = CreditFact.objects.values().get(source_record_id="K1")
    path = tmp_path / "k.csv"
    path.write_bytes(csv_file([varied_row("K1")] + [varied_row(f"K{i}") for i in range(2, 9)]
                              + [varied_row("K1", **{"行政相对人名称": "十堰另一家公司"})]))
    for _ in range(2):
        report = bulk(path, batch_size=3, good_rows=True)
        assert (report.outcome, report.updated, report.error_rows) == ("partial", 0, 1)
        assert [(e["row"], e["column"]) for e in report.errors] == [(10, "行政处罚决定书文号")]
        after = CreditFact.objects.values().get(source_record_id="K1")
        assert {k: v for k, v in after.items() if k not in ("last_seen_at", "updated_at")} == \
            {k: v for k, v in before.items() if k not in ("last_seen_at", "updated_at")}
    assert report.unchanged == 8


def test_after_a_bulk_import_its_one_event_recomputes_the_class_of_each_enterprise_concerned(
        tmp_path, django_capture_on_commit_callbacks):
    from zhiliang.core.models import EventDelivery
    from zhiliang.credit.models import RiskAssessment

    registry = build_registry()
    path = tmp_path / "d.csv"
    path.write_bytes(csv_file([varied_row("D1", **{"行政相对人名称": registry.maojian.name, "统一社会信用代码": MAOJIAN_USCC}),
                               varied_row("D2")]))
    assert not RiskAssessment.objects.filter(enterprise=registry.maojian).exists()
    with django_capture_on_commit_callbacks(execute=True):
        report = bulk(path)
    assert report.created == 2
    event = DomainEvent.objects.get(name="credit.facts_imported", payload__change_set=report.change_set_id)
    assert event.delivered_at is not None
    assert EventDelivery.objects.filter(event=event, handler__endswith="on_facts_imported").exists()
    current = RiskAssessment.objects.get(enterprise=registry.maojian, is_current=True)
    assert current.trigger == f"credit.facts_imported#{event.pk}"
    # the facts of D2 were matched to no registry enterprise: nothing else was classed
    assert RiskAssessment.objects.filter(is_current=True).count() == 1


# --- rules read once per file; two imports of the same records at once ------------------------------------


@pytest.mark.parametrize("path", ["per_row", "bulk"])
def test_the_rules_in_force_are_read_once_per_file_however_many_rows_it_has(tmp_path, path):
    """Every row is checked against the same rules in force (low-fine threshold, regime,
    publication deadline, publicity period): their overrides are read once per file — inside
    the import's transaction they used to be read again at every row, rows with errors
    included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def override_reads(n: int) -> int:
        rows = [varied_row(f"Q{n}-{i}") for i in range(n)] + [varied_row(f"Q{n}-bad{i}", **{"罚款金额（万元）": "十万"}) for i in range(n)]
        data = csv_file(rows)
        file = tmp_path / f"q{n}.csv"
        file.write_bytes(data)
        with CaptureQueriesContext(connection) as queries:
            report = bulk(file, good_rows=True) if path == "bulk" else run(file.name, data=data, good_rows=True)
        assert (report.created, report.error_rows) == (n, n)
        return sum('"core_ruleoverride"' in q["sql"] for q in queries.captured_queries)

    few, many = override_reads(2), override_reads(40)
    assert 0 < few == many


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["per_row", "bulk"])
def test_the_same_file_imported_twice_at_the_same_moment_writes_each_record_once(tmp_path, path):
    """Two clerks (or a double click) import the same file at once: the second import waits
    for the first to commit, then finds its records — "unchanged", not a constraint error."""
    import threading
    import time

    from django.db import connection

    rows = [varied_row(f"W{i}") for i in range(6)]
    data = csv_file(rows)
    file = tmp_path / "w.csv"
    file.write_bytes(data)
    first_writing, release = threading.Event(), threading.Event()
    reports, failures = {}, []

    def hold(phase, done, total):
        if phase == "write" and not first_writing.is_set():
            first_writing.set()  # inside the first import's transaction, its rows (partly) written
            assert release.wait(timeout=30)

    def clerk(name, progress):
        try:
            with audit_context(actor=SYSTEM, reason="测试同时导入", source="test"):
                if path == "bulk":
                    from zhiliang.credit.importers import bulk_import_penalties

                    reports[name] = bulk_import_penalties(file, actor=SYSTEM, batch_size=2, progress=progress)
                else:
                    reports[name] = importing.run_import(KIND, data, file.name, actor=SYSTEM, progress=progress)
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=clerk, args=("first", hold))
    first.start()
    assert first_writing.wait(timeout=30)
    second = threading.Thread(target=clerk, args=("second", None))
    second.start()
    # let the second import reach the first one's lock (PostgreSQL: seen waiting on it)
    deadline = time.monotonic() + 10
    while connection.vendor == "postgresql" and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if cursor.fetchone()[0]:
                break
        time.sleep(0.05)
    else:
        time.sleep(0.5)
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert failures == []
    assert (reports["first"].outcome, reports["first"].created) == ("imported", 6)
    assert (reports["second"].outcome, reports["second"].created, reports["second"].unchanged) == ("imported", 0, 6)
    assert CreditFact.objects.count() == 6


def imported(way: str, tmp_path, name: str, data: bytes, **options) -> importing.Report:
    """``data`` imported by the per-row path (the page, small files) or the bulk path (a large CSV)."""
    if way == "per_row":
        return run(name, data=data, **options)
    (tmp_path / name).write_bytes(data)
    return bulk(tmp_path / name, **options)


def _renamed(rows: list[dict[str, str]], old: str, new: str) -> list[dict[str, str]]:
    return [{(new if key == old else key): value for key, value in row.items()} for row in rows]


@pytest.mark.parametrize("way", ["per_row", "bulk"])
def test_amounts_named_in_yuan_are_converted_and_a_huge_amount_in_a_column_without_unit_is_flagged(tmp_path, way):
    """A department's export in 元 (“罚款金额（元）”: 30000 → 3 万元, “1500.5元” → 0.15005 万元)
    is converted, its cells kept as received. 30000 under “罚款金额”, which names no unit, is
    written as the layout says (30000 万元) with a reminder on its row and column — 3 亿元 is far
    more likely a fine of 30 000 元 typed in 元; 5 under the same column is not flagged."""
    build_registry()

    def imported(name: str, rows: list[dict[str, str]]):
        data = csv_file(rows)
        if way == "per_row":
            return run(name, data=data)
        (tmp_path / name).write_bytes(data)
        return bulk(tmp_path / name)

    in_yuan = _renamed([good_row(**{"行政处罚决定书文号": "Y1", "罚款金额（万元）": "30000"}),
                        good_row(**{"行政处罚决定书文号": "Y2", "罚款金额（万元）": "1500.5元"}),
                        good_row(**{"行政处罚决定书文号": "Y3", "罚款金额（万元）": "3万元"}),  # the cell's own unit wins
                        good_row(**{"行政处罚决定书文号": "Y4", "罚款金额（万元）": "1.5万"})], "罚款金额（万元）", "罚款金额（元）")
    report = imported("yuan.csv", in_yuan)
    assert (report.outcome, report.created, report.warnings) == ("imported", 4, []), report.lines()
    facts = {f.decision_no: f for f in CreditFact.objects.filter(decision_no__in=["Y1", "Y2", "Y3", "Y4"])}
    assert [facts[n].fine_wan for n in ("Y1", "Y2", "Y3", "Y4")] == [Decimal("3"), Decimal("0.15005"), Decimal("3"), Decimal("1.5")]
    assert facts["Y1"].received["cf_nr_fk"] == "30000"  # as the department sent it

    no_unit = _renamed([good_row(**{"行政处罚决定书文号": "N1", "罚款金额（万元）": "30000"}),
                        good_row(**{"行政处罚决定书文号": "N2", "罚款金额（万元）": "5"}),
                        good_row(**{"行政处罚决定书文号": "N3", "罚款金额（万元）": "5,000元"})], "罚款金额（万元）", "罚款金额")
    report = imported("no-unit.csv", no_unit)
    assert (report.outcome, report.created, report.error_rows) == ("imported", 3, 0)
    assert CreditFact.objects.get(decision_no="N3").fine_wan == Decimal("0.5")
    [warning] = report.warnings
    assert (warning["row"], warning["column"]) == (2, "罚款金额")
    assert "罚款金额为 30000 万元（即 3 亿元），数额异常大" in warning["message"] and "“罚款金额（元）”" in warning["message"]
    assert report.warning_lines() == [f"第 2 行，列“罚款金额”：{warning['message']}"]
    assert CreditFact.objects.get(decision_no="N1").fine_wan == Decimal("30000")
    assert report.as_dict()["warnings"] == report.warnings


@pytest.mark.parametrize("way", ["per_row", "bulk"])
def test_another_departments_record_is_not_filed_as_the_uploaders_own(tmp_path, way):
    """The upload page fills in the uploader's department as the source: a row whose 数据来源单位
    names another department was stored as the uploader's (and the owner's own import later
    made a second fact of it). It is an error on that row; a row naming the source or no known
    department is the source's."""
    rows = [good_row(**{"行政处罚决定书文号": "D1", "数据来源单位": "十堰市商务局"}),
            good_row(**{"行政处罚决定书文号": "D2"}),  # 数据来源单位 十堰市市场监督管理局
            good_row(**{"行政处罚决定书文号": "D3", "数据来源单位": "商务局执法大队"})]  # not a department we know
    report = imported(way, tmp_path, "d.csv", csv_file(rows), source="sy-com")
    assert report.outcome == "rejected" and not CreditFact.objects.exists()
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "数据来源单位")]
    assert report.errors[0]["message"].startswith("数据来源单位“十堰市市场监督管理局”不是导入时指定的来源部门“十堰市商务局”")


@pytest.mark.parametrize("way", ["per_row", "bulk"])
def test_one_decision_typed_in_two_forms_is_one_fact(tmp_path, way):
    """十市监处罚〔２０２６〕１１２号 (full-width digits) and 〔2026〕112号, (2026)102号 and 〔2026〕102号
    were two facts each — a duplicate penalty adds to the enterprise's risk score. The 文号 is
    folded to one form: the same number twice in one file is an error on the second row, and a
    later file in the other form finds the fact."""
    def imported(name, rows):
        if way == "per_row":
            return run(name, data=csv_file(rows), good_rows=True)
        (tmp_path / name).write_bytes(csv_file(rows))
        return bulk(tmp_path / name, good_rows=True)

    first = imported("a.csv", [good_row(**{"行政处罚决定书文号": "十市监处罚〔２０２６〕１１２号"}),
                                good_row(**{"行政处罚决定书文号": "十市监处罚(2026)102号"}),
                                good_row(**{"行政处罚决定书文号": "十市监处罚〔2026〕102号"})])
    assert (first.created, first.error_rows) == (2, 1) and first.errors[0]["row"] == 4
    assert set(CreditFact.objects.values_list("decision_no", flat=True)) == {"十市监处罚〔2026〕112号", "十市监处罚〔2026〕102号"}
    again = imported("b.csv", [good_row(**{"行政处罚决定书文号": "十市监处罚[2026]112号"})])
    assert (again.created, again.error_rows) == (0, 0) and CreditFact.objects.count() == 2  # the fact (its cells as now received)


@pytest.mark.parametrize("way", ["per_row", "bulk"])
def test_a_penalty_in_force_for_good_reads_long_term_as_the_standard_writes_it(tmp_path, way):
    """处罚有效期 “长期” (a lifelong ban, a revocation) was refused as an unreadable date; the
    national 双公示 standard writes such a term 2099-12-31. The word and its kin are read so,
    the fact's pages say 长期, and a word that is no date is still an error on its column."""
    rows = [good_row(**{"行政处罚决定书文号": "L1", "处罚有效期": "长期"}),
            good_row(**{"行政处罚决定书文号": "L2", "处罚有效期": " 永久有效 "}),
            good_row(**{"行政处罚决定书文号": "L3", "处罚有效期": "2099-12-31"}),
            good_row(**{"行政处罚决定书文号": "L4", "处罚有效期": "暂定"})]
    report = imported(way, tmp_path, "l.csv", csv_file(rows), good_rows=True)
    assert (report.created, [(e["row"], e["column"]) for e in report.errors]) == (3, [(5, "处罚有效期")])
    assert "无法识别的日期“暂定”" in report.errors[0]["message"]
    facts = {f.decision_no: f for f in CreditFact.objects.all()}
    assert {n: f.valid_until for n, f in facts.items()} == {n: datetime.date(2099, 12, 31) for n in ("L1", "L2", "L3")}
    assert facts["L1"].received["cf_yxq"] == "长期"  # as the department sent it

    from django.template.loader import render_to_string

    page = render_to_string("credit/facts/_what_it_says.html", {"fact": facts["L1"]})
    assert "<dd>至 长期</dd>" in page and "2099" not in page


@pytest.mark.parametrize("way", ["per_row", "bulk"])
def test_a_mistyped_identity_number_is_an_error_that_does_not_repeat_the_number(tmp_path, way):
    """A resident identity number with a wrong check character (one digit mistyped) or a
    birth date that does not exist was stored as sent; it is an error on its column, naming
    the number by its last 4 characters and the check character expected. Numbers of other
    documents (a passport) are not checked."""
    wrong = PERSON_ID[:17] + "9"
    rows = [good_row(**{"行政处罚决定书文号": "I1", "法定代表人证件类型": "", "法定代表人证件号码": wrong}),
            good_row(**{"行政处罚决定书文号": "I2", "法定代表人证件类型": "", "法定代表人证件号码": "420302199002300011"}),
            good_row(**{"行政处罚决定书文号": "I3", "法定代表人证件号码": "E12345678", "法定代表人证件类型": "护照"}),
            good_row(**{"行政处罚决定书文号": "I4", "法定代表人证件号码": PERSON_ID, "法定代表人证件类型": "身份证"}),
            good_row(**{"行政处罚决定书文号": "I5", "法定代表人证件号码": "4203021990", "法定代表人证件类型": "居民身份证"})]
    report = imported(way, tmp_path, "i.csv", csv_file(rows), good_rows=True)
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "法定代表人证件号码"), (3, "法定代表人证件号码"), (6, "法定代表人证件号码")]
    check, birth, length = (e["message"] for e in report.errors)
    assert f"尾号 {wrong[-4:]}" in check and f"第 18 位应为 {PERSON_ID[-1]}" in check and wrong not in check
    assert "出生日期 1990-02-30 不是有效日期" in birth
    assert "应为 18 位（或旧版 15 位），现为 10 位" in length
    assert set(CreditFact.objects.values_list("decision_no", flat=True)) == {"I3", "I4"}


@pytest.mark.parametrize("way", ["per_row", "bulk"])
def test_what_is_written_outside_the_named_columns_is_not_dropped_unseen(tmp_path, way):
    """A clerk's note typed in a column without a name (or right of the last column) was
    silently left out. The rows are imported as before, each such cell named in a reminder
    with its column letter; blank cells there say nothing."""
    first, second, third = (good_row(**{"行政处罚决定书文号": f"U{i}"}) for i in (1, 2, 3))
    header = list(first) + [""]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow([*first.values(), "已整改，待复查"])
    writer.writerow([*second.values(), "", "备注：当事人已缴纳罚款并提交整改报告，材料齐全"])
    writer.writerow([*third.values(), " ", ""])
    data = out.getvalue().encode("utf-8")
    report = imported(way, tmp_path, "u.csv", data)
    assert (report.outcome, report.created, report.error_rows) == ("imported", 3, 0)
    n = len(first) + 1  # the unnamed column right of the last named one, then the one beyond the header
    letter = chr(ord("A") + n - 1)
    assert [(w["row"], w["column"]) for w in report.warnings] == [(2, f"{letter} 列（第 {n} 列）"), (3, f"{chr(ord(letter) + 1)} 列（第 {n + 1} 列）")]
    assert "该列没有列名，本行填写的“已整改，待复查”未导入" in report.warnings[0]["message"]
    assert "“备注：当事人已缴纳罚款并提交整改报告，材…”" in report.warnings[1]["message"]


@pytest.mark.parametrize("way", ["per_row", "bulk"])
def test_a_code_excel_wrote_in_scientific_notation_is_an_error_saying_why(tmp_path, way):
    """An all-digit USCC or a 15-digit 工商注册号 opened in Excel reads 9.14203E+17: its last
    digits are gone, so it can match nothing (the 注册号 was stored as sent and never matched).
    Both are errors on their column that say what happened and what to do."""
    rows = [good_row(**{"行政处罚决定书文号": "E1", "统一社会信用代码": "9.14203E+17", "工商注册号": ""}),
            good_row(**{"行政处罚决定书文号": "E2", "统一社会信用代码": "", "工商注册号": "4.20304E+14"}),
            good_row(**{"行政处罚决定书文号": "E3", "工商注册号": ""})]
    report = imported(way, tmp_path, "e.csv", csv_file(rows), good_rows=True)
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "统一社会信用代码"), (3, "工商注册号")]
    assert report.errors[0]["message"].startswith("统一社会信用代码“9.14203E+17”是 Excel 的科学计数法写法，后面的数字已经丢失")
    assert "请把该列设为“文本”格式" in report.errors[1]["message"] and "工商注册号“4.20304E+14”" in report.errors[1]["message"]
    assert list(CreditFact.objects.values_list("decision_no", flat=True)) == ["E3"]


def test_a_barcode_in_scientific_notation_is_refused_saying_why():
    from zhiliang.exchange.parsing import RowError, parse_gtin

    assert parse_gtin("6901234567892") == "6901234567892"
    with pytest.raises(RowError, match="商品条码“6.90123E\\+12”是 Excel 的科学计数法写法"):
        parse_gtin("6.90123E+12")


def test_a_long_code_kept_as_a_number_in_excel_is_an_error_saying_why_not_a_wrong_check_character():
    """914203235702603577 typed into a number cell is stored as 914203235702603520 (15
    significant digits): the clerk was told the check character should be P — wrong advice
    for a correct code. Both that and an identity number in a number cell say what happened
    (the identity number by its last 4 characters only)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    row = good_row()
    sheet.append(list(row))
    sheet.append([914203235702603577 if k == "统一社会信用代码" else 420302199001010015 if k == "法定代表人证件号码" else v
                  for k, v in row.items()])
    out = io.BytesIO()
    book.save(out)
    report = run("n.xlsx", data=out.getvalue())
    assert report.outcome == "rejected"
    messages = {e["column"]: e["message"] for e in report.errors}
    assert messages["统一社会信用代码"].startswith("统一社会信用代码“914203235702603520”所在的单元格是数字格式，Excel 只保留 15 位有效数字")
    assert "校验码" not in messages["统一社会信用代码"]
    rep = messages["法定代表人证件号码"]
    assert rep.startswith("证件号码（尾号 ") and "）所在的单元格是数字格式" in rep and "42030219900" not in rep
