"""Importing enterprises: every error kind, all-or-nothing, --good-rows, dry run,
idempotent re-import, the change set, regions, scope, encodings and XLSX."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.models import ChangeSet, ObjectChange
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services
from zhiliang.enterprises.models import Enterprise
from zhiliang.exchange import importing
from zhiliang.testing.fixtures import as_system, region

pytestmark = pytest.mark.django_db

SAMPLES = Path(importing.__file__).parent / "samples"
U1 = make_uscc("91420302MA4K1A2B3")  # …30
U2 = make_uscc("91420303MA4K2C3D4")
U3 = make_uscc("91420323MA4K3E4F5")
HEADER = "统一社会信用代码,企业名称,所在区划,住所,注册资本（万元）,成立日期,登记状态,产品类别"
GOOD = [
    f"{U1},十堰华鑫汽车零部件有限公司,茅箭区,十堰市茅箭区东风大道18号,500,2015-06-18,存续,汽车零部件及配件",
    f"{U2},十堰张湾绿源食品有限公司,420303,十堰市张湾区车城路66号,120.5,2018/3/9,存续,加工食品、调味品",
]


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def run(data: bytes, *, actor=SYSTEM, name="企业.csv", **options) -> importing.Report:
    with audit_context(actor=actor, reason="测试导入", source="test"):
        return importing.run_import("enterprises", data, name, actor=actor, **options)


def messages(report) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in report.errors]


def test_a_correct_file_creates_the_enterprises_with_one_change_set():
    report = run(csv_bytes(*GOOD))
    assert report.outcome == importing.IMPORTED and report.errors == []
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    huaxin = Enterprise.objects.get(uscc=U1)
    assert huaxin.region.code == "420302" and huaxin.registered_capital == Decimal("500.00")
    assert huaxin.established_on == datetime.date(2015, 6, 18)
    lvyuan = Enterprise.objects.get(uscc=U2)
    assert sorted(c.code for c in lvyuan.categories.all()) == ["food-condiments", "food-processed"]
    cs = ChangeSet.objects.get()
    assert cs.kind == "import:enterprises" and cs.file_name == "企业.csv"
    assert cs.file_sha256 == importing.sha256_of(csv_bytes(*GOOD))
    assert cs.counts == {"total": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert cs.finished_at is not None and report.change_set_id == cs.pk
    assert huaxin.created_in_id == cs.pk


def test_reimporting_the_same_file_changes_nothing():
    data = csv_bytes(*GOOD)
    run(data)
    changes_before = ObjectChange.objects.count()
    stamp = Enterprise.objects.get(uscc=U1).updated_at
    report = run(data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert ObjectChange.objects.count() == changes_before
    assert ChangeSet.objects.count() == 2
    assert ChangeSet.objects.order_by("-pk").first().counts["unchanged"] == 2
    assert Enterprise.objects.get(uscc=U1).updated_at == stamp


def test_enterprises_another_import_wrote_after_the_check_are_found_not_created_twice():
    """Two clerks import the same new enterprises at the same moment: imports take turns to
    write (``one_import_at_a_time``), and the second finds what the first created after its
    rows were checked — unchanged, not a duplicate-code error."""
    data = csv_bytes(*GOOD, ",十堰茅箭虚构五金经营部,茅箭区,十堰市茅箭区人民路1号,10,2020-05-01,存续,")
    other = {}

    def meanwhile(phase, done, total):
        if phase == "check" and done == total and not other:
            other["report"] = run(data)  # the other clerk's import, committed before this one writes

    report = run(data, progress=meanwhile)
    assert (other["report"].outcome, other["report"].created) == (importing.IMPORTED, 3)
    assert (report.outcome, report.created, report.updated, report.unchanged) == (importing.IMPORTED, 0, 0, 3)
    assert Enterprise.objects.filter(name__in=["十堰华鑫汽车零部件有限公司", "十堰茅箭虚构五金经营部"]).count() == 2


def test_a_changed_row_updates_only_the_changed_fields():
    run(csv_bytes(*GOOD))
    changed = GOOD[0].replace(",500,", ",650,")
    report = run(csv_bytes(changed, GOOD[1]))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    change = ObjectChange.objects.filter(action="update", object_id=str(Enterprise.objects.get(uscc=U1).pk)).get()
    assert set(change.diff) == {"registered_capital"}
    assert change.change_set_id == report.change_set_id


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [
        (GOOD[0].replace(U1, U1[:-1] + "1"), "统一社会信用代码", f"按前17位，校验码应为 {U1[-1]}"),
        (GOOD[0].replace("2015-06-18", "2023-02-30"), "成立日期", "2023年2月没有30日"),
        (GOOD[0].replace("2015-06-18", "2023-13-01"), "成立日期", "没有 13 月"),
        (GOOD[0].replace("2015-06-18", "去年"), "成立日期", "无法识别的日期"),
        (GOOD[0].replace(",茅箭区,", ",神农架林区,"), "所在区划", "未知的区划“神农架林区”"),
        (GOOD[0].replace("汽车零部件及配件", "黄酒"), "产品类别", "未知的产品类别“黄酒”"),
        (GOOD[0].replace(",存续,", ",不明,"), "登记状态", "未知的登记状态“不明”"),
        (GOOD[0].replace(",500,", ",-20,"), "注册资本（万元）", "不能为负数"),
        (GOOD[0].replace(",500,", ",五百,"), "注册资本（万元）", "不是数字"),
        (GOOD[0].replace("十堰华鑫汽车零部件有限公司", ""), "企业名称", "企业名称为空"),
        (GOOD[0].replace("十堰华鑫汽车零部件有限公司", "十堰" * 80), "企业名称", "企业名称过长（160 个字，最多 150 个）"),
    ],
    ids=["uscc-check", "date-feb-30", "date-month", "date-text", "region", "category", "status", "capital-negative",
         "capital-text", "name-empty", "name-too-long"],
)
def test_each_error_is_reported_with_row_column_and_reason_and_nothing_is_written(line, column, expected):
    report = run(csv_bytes(GOOD[1], line))
    assert report.outcome == importing.REJECTED
    assert len(report.errors) == 1, report.errors
    row, col, message = messages(report)[0]
    assert (row, col) == (3, column) and expected in message
    assert report.lines() == [f"第 3 行，列“{column}”：{message}"]
    assert not Enterprise.objects.exists() and not ChangeSet.objects.exists()


def test_a_duplicate_uscc_in_the_file_names_the_first_row():
    report = run(csv_bytes(*GOOD, GOOD[0].replace("十堰华鑫汽车零部件有限公司", "十堰华鑫汽车部件有限公司")))
    assert messages(report) == [(4, "统一社会信用代码", "与第 2 行的统一社会信用代码重复")]
    assert not Enterprise.objects.exists()


def test_status_accepts_the_registers_labels():
    run(csv_bytes(GOOD[0].replace(",存续,", ",吊销，未注销,"), GOOD[1].replace(",存续,", ",cancelled,")))
    assert Enterprise.objects.get(uscc=U1).status == "revoked"
    assert Enterprise.objects.get(uscc=U2).status == "cancelled"


def test_good_rows_writes_the_good_rows_and_reports_the_bad():
    bad = GOOD[1].replace("2018/3/9", "2023-02-30")
    report = run(csv_bytes(GOOD[0], bad), good_rows=True)
    assert report.outcome == importing.PARTIAL
    assert (report.created, report.error_rows) == (1, 1)
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [U1]
    assert ChangeSet.objects.get().counts == {"total": 2, "created": 1, "updated": 0, "unchanged": 0, "errors": 1}


def test_a_dry_run_writes_nothing_but_reports_what_it_would_do():
    report = run(csv_bytes(*GOOD), dry_run=True)
    assert report.outcome == importing.DRY_RUN and report.created == 2
    assert not Enterprise.objects.exists() and not ChangeSet.objects.exists()


def test_unknown_and_missing_columns_are_refused_before_reading_rows():
    report = run(csv_bytes(GOOD[0].replace(",十堰华鑫", ",x,十堰华鑫"), header=HEADER.replace("企业名称", "电话,公司名")))
    assert report.outcome == importing.REFUSED and report.errors == []
    text = "\n".join(report.file_errors)
    assert "无法识别的列：“电话”、“公司名”" in text
    assert "缺少必填的列：“企业名称”（name）" in text
    assert "uscc（统一社会信用代码）" in text and "name（企业名称，必填）" in text
    assert not Enterprise.objects.exists() and not ChangeSet.objects.exists()


def test_english_codes_and_chinese_names_are_both_accepted_as_headers():
    header = "uscc,name,region,registered_capital,注册资本（万元）"
    report = run(csv_bytes(f"{U1},十堰华鑫汽车零部件有限公司,420302,1,2", header=header))
    assert report.outcome == importing.REFUSED and "重复的列：“注册资本（万元）”" in report.file_errors[0]
    report = run(csv_bytes(f"{U1},十堰华鑫汽车零部件有限公司,420302,1", header="USCC, 企业名称* ,region,注册资本(万元)"))
    assert report.outcome == importing.IMPORTED


def test_region_is_proposed_from_the_address_then_from_the_uscc_else_an_error():
    header = "统一社会信用代码,企业名称,住所"
    county_code = make_uscc("91420325MA4K8Q9R1")  # 房县's division code
    report = run(csv_bytes(
        f"{U3},竹山县绿松石工艺品有限公司,竹山县城关镇人民路8号",
        f"{county_code},房县黄酒厂,城关镇西关路2号",
        f"{make_uscc('91420300MA4K4G5H6')},十堰恒通家具有限公司,白浪东路3号",
        header=header,
    ))
    assert messages(report) == [(4, "", "无法确定所在区划，请填写“所在区划”列")]
    report = run(csv_bytes(f"{U3},竹山县绿松石工艺品有限公司,竹山县城关镇人民路8号", f"{county_code},房县黄酒厂,城关镇西关路2号", header=header))
    assert Enterprise.objects.get(uscc=U3).region.code == "420323"
    assert Enterprise.objects.get(uscc=county_code).region.code == "420325"


def test_rows_without_uscc_match_by_name_and_ambiguity_is_reported():
    with as_system():
        for address in ("茅箭区一路", "张湾区二路"):
            services.create_enterprise(actor=SYSTEM, name="十堰同名商贸有限公司", region=region("420302"), address=address)
        services.create_enterprise(actor=SYSTEM, name="十堰独家商贸有限公司", region=region("420302"), address="茅箭区三路")
    header = "企业名称,住所"
    report = run(csv_bytes("十堰同名商贸有限公司,茅箭区四路", "十堰独家商贸有限公司,茅箭区五路", header=header))
    assert report.outcome == importing.REJECTED
    ((row, column, message),) = messages(report)
    assert (row, column) == (2, "企业名称") and "对应多家企业" in message and "请填写统一社会信用代码" in message
    report = run(csv_bytes("十堰独家商贸有限公司,茅箭区五路", header=header))
    assert (report.created, report.updated) == (0, 1)
    assert Enterprise.objects.get(name="十堰独家商贸有限公司").address == "茅箭区五路"


def test_a_county_user_imports_only_their_own_county(county_user):
    report = run(csv_bytes(*GOOD), actor=county_user, good_rows=True)
    assert report.outcome == importing.PARTIAL
    assert messages(report) == [(3, "", "所在区划“张湾区”不在您的管辖范围内，无权新增该企业")]
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [U1]
    report = run(csv_bytes(*GOOD), actor=county_user)
    assert report.outcome == importing.REJECTED and report.created == 0


def test_insurance_until_needs_insured():
    header = "统一社会信用代码,企业名称,所在区划,是否投保,保险有效期至"
    report = run(csv_bytes(f"{U1},十堰华鑫汽车零部件有限公司,茅箭区,否,2026-12-31", header=header))
    assert messages(report) == [(2, "保险有效期至", "填写了保险有效期，但“是否投保”为否")]
    report = run(csv_bytes(f"{U1},十堰华鑫汽车零部件有限公司,茅箭区,,2026-12-31", header=header))
    assert Enterprise.objects.get(uscc=U1).liability_insured is True


def test_a_gbk_file_is_detected_and_read():
    report = run((SAMPLES / "enterprises-gbk.csv").read_bytes(), name="enterprises-gbk.csv")
    assert report.encoding.startswith("GB18030") and report.outcome == importing.IMPORTED and report.created == 5
    assert Enterprise.objects.get(uscc=U3).name == "竹山县绿松石工艺品有限公司"
    # the same data in UTF-8 with a BOM is the same import: nothing changes
    utf8 = (SAMPLES / "enterprises.csv").read_bytes()
    report = run(b"\xef\xbb\xbf" + utf8)
    assert report.encoding == "UTF-8（带 BOM）" and report.unchanged == 5


def test_an_xlsx_file_with_real_dates_float_codes_and_trailing_empty_rows():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "所在区划", "行业代码", "注册资本（万元）", "成立日期"])
    sheet.append([U1, "十堰华鑫汽车零部件有限公司", 420302, 3670.0, 500.0, datetime.datetime(2015, 6, 18)])
    sheet.append([U2, "十堰张湾绿源食品有限公司", "张湾区", "C1431", 120, datetime.datetime(2023, 2, 28)])
    sheet.append([None] * 6)
    sheet.append([U3, "竹山县绿松石工艺品有限公司", "竹山县", None, -1, None])
    for _ in range(5):
        sheet.append([None] * 6)
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(buffer.getvalue(), name="名录.xlsx")
    assert report.format == "xlsx" and report.total == 3
    assert messages(report) == [(5, "注册资本（万元）", "不能为负数（填写的是 -1）")]
    report = run(buffer.getvalue(), name="名录.xlsx", good_rows=True)
    huaxin = Enterprise.objects.get(uscc=U1)
    assert huaxin.industry_code == "C3670" and huaxin.region.code == "420302" and huaxin.established_on == datetime.date(2015, 6, 18)


def test_the_sample_files_import_as_documented():
    report = run((SAMPLES / "enterprises-with-mistakes.csv").read_bytes(), name="enterprises-with-mistakes.csv")
    assert report.outcome == importing.REJECTED and report.error_rows == 8
    assert run((SAMPLES / "enterprises.xlsx").read_bytes(), name="enterprises.xlsx").outcome == importing.IMPORTED
    assert run((SAMPLES / "enterprises.csv").read_bytes()).outcome == importing.IMPORTED


# --- the command -------------------------------------------------------------------------------------


def test_the_import_command_prints_the_report_and_sets_the_exit_code(tmp_path, capsys):
    path = tmp_path / "企业.csv"
    path.write_bytes(csv_bytes(GOOD[0], GOOD[1].replace("2018/3/9", "2023-02-30")))
    out = io.StringIO()
    with pytest.raises(CommandError) as err:
        call_command("import", "enterprises", str(path), stdout=out)
    assert err.value.returncode == 3
    assert "第 3 行，列“成立日期”：日期“2023-02-30”不存在：2023年2月没有30日" in out.getvalue()
    assert not Enterprise.objects.exists()

    with pytest.raises(CommandError) as err:
        call_command("import", "enterprises", str(path), "--dry-run", stdout=io.StringIO())
    assert err.value.returncode == 3 and not Enterprise.objects.exists()

    out = io.StringIO()
    with pytest.raises(CommandError) as err:
        call_command("import", "enterprises", str(path), "--good-rows", "--reason", "2026年3月名录", stdout=out)
    assert err.value.returncode == 4 and Enterprise.objects.count() == 1
    cs = ChangeSet.objects.get()
    assert cs.reason == "2026年3月名录" and cs.source == "command" and f"变更集：{cs.pk}" in out.getvalue()

    path.write_bytes(csv_bytes(GOOD[0]))
    out = io.StringIO()
    call_command("import", "enterprises", str(path), stdout=out)
    assert "新增 0，更新 0，未变 1" in out.getvalue()

    path.write_bytes(csv_bytes(GOOD[0], header=HEADER.replace("住所", "地址栏")))
    with pytest.raises(CommandError) as err:
        call_command("import", "enterprises", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert err.value.returncode == 1


def test_the_import_command_acts_as_the_named_actor(tmp_path, county_user):
    path = tmp_path / "企业.csv"
    path.write_bytes(csv_bytes(GOOD[0]))
    call_command("import", "enterprises", str(path), "--actor", county_user.username, stdout=io.StringIO())
    assert ChangeSet.objects.get().actor_id == county_user.pk


def test_a_year_alone_in_an_excel_date_cell_is_an_error_not_1905():
    """成立日期 typed as 2015 in a cell Excel formats as a date arrives as 1905-07-07 (the 2015th
    day): it was written as the founding date. Both the number and the date before 1949 say so."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "所在区划", "成立日期"])
    sheet.append([U1, "十堰华鑫汽车零部件有限公司", "茅箭区", 2015])
    sheet.append([U2, "十堰张湾绿源食品有限公司", "张湾区", datetime.datetime(1905, 7, 7)])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(buffer.getvalue(), name="名录.xlsx")
    assert report.outcome == importing.REJECTED and not Enterprise.objects.exists()
    [(row2, column2, first), (row3, column3, second)] = messages(report)
    assert (row2, column2, row3, column3) == (2, "成立日期", 3, "成立日期")
    assert "日期只填写了年份“2015”，请填写完整日期（如 2015-03-15）" in first
    assert "日期 1905-07-07 早于 1949 年" in second and "只填了年份" in second


@pytest.mark.parametrize(("number", "how"), [("420302198001011195", "a valid ID that passes every USCC check"),
                                             ("420302198505050016", "an ID whose last digit is wrong")])
def test_a_persons_identity_number_in_the_uscc_column_is_named_as_such(number, how):
    """A valid identity number that happens to pass the USCC checks was created as an enterprise
    whose public page showed it; a wrong one was answered “校验码应为 7”, inviting the clerk to
    change a person's number. Both are refused as what they are, masked."""
    report = run(csv_bytes(GOOD[0].replace(U1, number)))
    assert report.outcome == importing.REJECTED and not Enterprise.objects.exists(), how
    [(row, column, message)] = messages(report)
    assert (row, column) == (2, "统一社会信用代码") and "是个人身份证号码，不是统一社会信用代码" in message
    assert number not in message and number[-4:] in message


def test_a_title_row_above_the_header_is_named_as_such():
    """Published tables carry a title above the header (one merged cell): the file was refused
    with the title as an “unknown column” and every column “missing”. It says what to do."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["2026年十堰市企业名录（第3批）", None, None])
    sheet.merge_cells("A1:C1")
    sheet.append(["统一社会信用代码", "企业名称", "所在区划"])
    sheet.append([U1, "十堰华鑫汽车零部件有限公司", "茅箭区"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(buffer.getvalue(), name="名录.xlsx")
    assert report.outcome == importing.REFUSED and not Enterprise.objects.exists()
    assert report.file_errors == ["第 1 行“2026年十堰市企业名录（第3批）”像是标题，不是表头：请删除表格上方的标题行，"
                                  "使列名（如“统一社会信用代码”）位于第 1 行后重新导入"]


def test_a_legal_representatives_mistyped_identity_number_is_an_error_that_does_not_repeat_it():
    """法定代表人证件号码 of the identity card's shape is checked (GB 11643); the error names it by its last 4 characters."""
    valid = "420302198001011195"
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    header = "统一社会信用代码,企业名称,所在区划,法定代表人证件号码"
    report = run(csv_bytes(f"{U1},十堰华鑫汽车零部件有限公司,420302,{wrong}", f"{U3},竹山县绿松石工艺品有限公司,420323,{valid}",
                           header=header), good_rows=True)
    [(row, column, message)] = messages(report)
    assert (row, column) == (2, "法定代表人证件号码") and f"尾号 {wrong[-4:]}" in message and wrong not in message
    assert "第 18 位应为 5" in message
    assert list(Enterprise.objects.values_list("legal_rep_id_number", flat=True)) == [valid]
