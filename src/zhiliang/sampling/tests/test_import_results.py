"""Importing other authorities' result bulletins (``zhiliang import sampling-results``): column
variants (UTF-8, GBK, XLSX), unknown layouts, row errors, producer matching and the review
list, idempotent re-import, and the imported result barring re-sampling for six months."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.choices import Role
from zhiliang.core.models import ChangeSet, DomainEvent
from zhiliang.enterprises import services as registry
from zhiliang.exchange import importing
from zhiliang.sampling import rules
from zhiliang.sampling.choices import Conclusion, Level, Place, PlanStatus, SampleStatus, Source
from zhiliang.sampling.importers import unmatched_imported
from zhiliang.sampling.models import Sample, SamplingPlan
from zhiliang.sampling.services import bulletins
from zhiliang.sampling.tests import bulletin_fixtures as bf
from zhiliang.testing.fixtures import as_system, make_user, region

pytestmark = pytest.mark.django_db

KIND = "sampling-results"


def run(name: str, *, actor=SYSTEM, data: bytes | None = None, **options) -> importing.Report:
    flags = {k: options.pop(k) for k in ("dry_run", "good_rows") if k in options}
    data = data if data is not None else (bf.DATA / name).read_bytes()
    with audit_context(actor=actor, reason="测试导入抽查结果", source="test"):
        return importing.run_import(KIND, data, name, actor=actor, options=options, **flags)


def messages(report) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in report.errors]


def by_product(name: str) -> Sample:
    return Sample.objects.get(product_name=name)


@pytest.fixture
def producers():
    return bf.build_producers()


# --- column variants --------------------------------------------------------------------------------


def test_a_provincial_bulletin_with_producer_and_sampled_unit_columns(producers):
    report = run("provincial-2024.csv", level="provincial")
    assert report.outcome == importing.IMPORTED, report.lines()
    assert (report.created, report.error_rows) == (4, 0)

    plan = SamplingPlan.objects.get(source=Source.IMPORTED)
    assert (plan.level, plan.year, plan.status, plan.organiser_name) == (Level.PROVINCIAL, 2024, PlanStatus.CLOSED, "湖北省市场监督管理局")
    assert set(plan.samples.values_list("source", "status", "level").distinct()) == {(Source.IMPORTED, SampleStatus.FINAL, Level.PROVINCIAL)}

    drum = by_product("制动鼓")
    assert drum.producer == producers[bf.PARTS] and drum.producer_region.code == "420302"
    assert (drum.conclusion, drum.failing_items, drum.trademark, drum.model) == (Conclusion.PASS, [], "精工", "JG-3502")
    assert (drum.batch_no, drum.production_date, drum.sampled_on) == ("2024-03-01", datetime.date(2024, 3, 1), datetime.date(2024, 4, 10))
    assert drum.place == Place.FACTORY and drum.region.code == "420302"

    tea = by_product("绿茶")  # 受检单位 beside 标称生产企业名称 is the shop that was sampled
    assert tea.producer == producers[bf.TEA] and tea.sampled_unit_name == bf.SHOP and tea.place == Place.MARKET
    assert (tea.conclusion, tea.failing_items) == (Conclusion.FAIL, ["茶多酚", "水分"])
    assert tea.batch_no == "20240315" and tea.production_date is None  # a batch number, not read as a date

    cable = by_product("聚氯乙烯绝缘电线")  # unmatched, producer outside Shiyan, sampled in 张湾区
    assert cable.producer is None and cable.producer_region.code == "X00000" and cable.region.code == "420303"
    water = by_product("桶装饮用水")  # unmatched, its county from the address
    assert water.producer is None and water.producer_region.code == "420381" and water.failing_items == []

    cs = ChangeSet.objects.get(kind=f"import:{KIND}")
    assert cs.counts["created"] == 4 and drum.created_in_id == cs.pk
    assert drum.source_row["row"] == 2 and drum.source_row["cells"]["承检机构"] == "湖北省示例产品质量检验院"
    assert DomainEvent.objects.filter(name="sampling.result_imported").count() == 4
    judged = DomainEvent.objects.get(name="sampling.sample_judged", payload__sample_no=tea.sample_no)
    assert judged.enterprise_key == bf.TEA_USCC and judged.payload["source"] == "imported"
    assert (judged.payload["conclusion"], judged.payload["failing_items"], judged.payload["level"]) == ("fail", ["茶多酚", "水分"], "provincial")
    assert DomainEvent.objects.filter(name="sampling.plan_imported").count() == 1


def test_a_gbk_national_bulletin_matches_by_uscc_legacy_number_and_exact_name(producers):
    report = run("national-2024-gbk.csv", level="national")
    assert report.outcome == importing.IMPORTED, report.lines()
    assert report.format == "csv" and "GB18030" in report.encoding
    assert report.created == 3

    shoe = by_product("制动蹄片")
    assert shoe.producer == producers[bf.PARTS] and shoe.conclusion == Conclusion.PASS and shoe.standard == "QC/T 309-2017"
    assert shoe.sampled_unit_name == bf.PARTS and shoe.place == Place.FACTORY
    biscuits = by_product("饼干")  # 15-digit 注册号 → EnterpriseIdentifier
    assert biscuits.producer == producers[bf.BISCUITS] and biscuits.conclusion == Conclusion.FAIL
    assert biscuits.failing_items == ["菌落总数"] and biscuits.producer_region.code == "420304"
    chair = by_product("实木椅")  # no code: the exact name
    assert chair.producer == producers[bf.FURNITURE] and chair.conclusion == Conclusion.PASS
    assert chair.batch_no == "2024-04批" and chair.production_date is None
    assert SamplingPlan.objects.get(source=Source.IMPORTED).organiser_name == "国家市场监督管理总局"


def test_an_xlsx_bulletin_where_the_sampled_unit_is_the_producer(producers):
    report = run("city-2023.xlsx", level="city")
    assert report.outcome == importing.IMPORTED, report.lines()
    assert report.created == 2 and report.format == "xlsx"
    tea = by_product("绿茶")
    assert tea.producer == producers[bf.TEA] and tea.producer_name == bf.TEA and tea.sampled_unit_name == ""
    assert (tea.sampled_on, tea.production_date, tea.conclusion) == (datetime.date(2023, 9, 12), datetime.date(2023, 8, 1), Conclusion.PASS)
    drum = by_product("制动鼓")
    assert (drum.conclusion, drum.failing_items, drum.batch_no) == (Conclusion.FAIL, ["硬度"], "B230815")
    assert drum.level == Level.CITY and drum.plan.year == 2023


def test_header_variants_are_matched_whatever_their_brackets_and_blanks(producers):
    data = ("样品名称,型号规格,生产日期（批号）,标称生产企业,被抽样单位,抽样单位／地区,抽检日期,抽查结果,不合格项目名称\n"
            f"制动鼓,JG-9,2024-01-02,{bf.PARTS},示例汽配商店,示例汽配商店（茅箭区）,2024-02-03,Fail,硬度\n").encode()
    report = run("variant.csv", data=data, level="county", organiser="茅箭区市场监督管理局")
    assert report.outcome == importing.IMPORTED, report.lines()
    sample = Sample.objects.get()
    assert sample.conclusion == Conclusion.FAIL and sample.sampled_unit_name == "示例汽配商店" and sample.region.code == "420302"
    assert sample.plan.region.code == "420302" and sample.plan.organiser_name == "茅箭区市场监督管理局"


# --- layouts and options refused ----------------------------------------------------------------------


def test_an_unknown_layout_is_refused_naming_the_columns_it_could_not_map(producers):
    report = run("unknown-layout.csv", level="provincial")
    assert report.outcome == importing.REFUSED and report.total == 0
    first = report.file_errors[0]
    assert first.startswith("无法识别的列：") and all(f"“{h}”" in first for h in ("企业", "货品", "结果", "日期", "价格"))
    assert any("缺少必填的列" in e and "产品名称" in e and "抽查时间" in e for e in report.file_errors)
    assert any("生产企业" in e and "受检单位" in e for e in report.file_errors)  # the producer column, too
    assert "样品名称" in report.file_errors[-1]  # the accepted variants are listed
    assert Sample.objects.count() == 0 and SamplingPlan.objects.count() == 0


def test_a_table_without_any_producer_column_is_refused():
    data = "产品名称,抽查时间,检验结论\n制动鼓,2024-04-10,合格\n".encode()
    report = run("no-producer.csv", data=data, level="provincial")
    assert report.outcome == importing.REFUSED
    assert report.file_errors[0] == "缺少生产企业列：应有“生产企业”（或 标称生产企业名称、生产单位）或“受检单位”（或 被抽样单位）"


def test_the_level_is_required_unless_a_plan_is_named_and_must_agree_with_it(producers):
    report = run("provincial-2024.csv")
    assert report.outcome == importing.REFUSED and report.file_errors[0].startswith("未指明公告的抽查层级") and "--level" in report.file_errors[0]
    report = run("provincial-2024.csv", plan="NO-SUCH-PLAN")
    assert report.outcome == importing.REFUSED and report.file_errors == ["抽查计划“NO-SUCH-PLAN”不存在（或您无权查看）"]
    report = run("provincial-2024.csv", level="regional")
    assert report.outcome == importing.REFUSED and "national、provincial、city、county" in report.file_errors[0]
    with as_system():
        plan = bulletins.create_imported_plan(actor=SYSTEM, code="HB-2024-07", level="provincial", year=2024,
                                              organiser_name="湖北省市场监督管理局", region=region("420300"))
    report = run("provincial-2024.csv", plan="HB-2024-07", level="national")
    assert report.outcome == importing.REFUSED and "层级（省级）不一致" in report.file_errors[0]
    report = run("provincial-2024.csv", plan="HB-2024-07")
    assert report.outcome == importing.IMPORTED and plan.samples.count() == 4
    assert SamplingPlan.objects.count() == 1  # no extra imported plan


def test_county_bulletins_name_their_county():
    data = f"产品名称,受检单位,抽查时间,检验结论\n绿茶,{bf.TEA},2024-04-12,合格\n".encode()
    report = run("county.csv", data=data, level="county")
    assert report.outcome == importing.REJECTED
    assert messages(report) == [(2, "", "县级抽查结果须写明组织机关所在的县市区（如“竹山县市场监督管理局”）：请在导入页的“组织机关”中填写（命令行 --organiser），或在文件中加“组织机关”列")]
    report = run("county.csv", data=data, level="county", organiser="竹山县市场监督管理局")
    assert report.outcome == importing.IMPORTED and Sample.objects.get().plan.region.code == "420323"


# --- row errors --------------------------------------------------------------------------------------


def test_each_row_error_names_row_column_and_reason_and_nothing_is_written(producers):
    report = run("bulletin-with-mistakes.csv", level="provincial")
    assert report.outcome == importing.REJECTED and report.error_rows == 6
    expected_check = bf.PARTS_USCC[-1]
    assert messages(report) == [
        (3, "抽查时间", "日期“2024-02-30”不存在：2024年2月没有30日"),
        (4, "检验结论", "无法识别的检验结论“待定”，可填：合格/不合格、符合/不符合、P/F、Pass/Fail"),
        (5, "统一社会信用代码", f"统一社会信用代码“{bf.BAD_USCC}”无效：校验码错误：第18位为“{bf.BAD_USCC[-1]}”，按前17位，校验码应为 {expected_check}"),
        (6, "产品名称", "产品名称为空"),
        (7, "生产企业", "生产企业名称为空（未写明生产企业的结果无法归属，请补全后导入）"),
        (8, "不合格项目", "检验结论为合格，却填写了不合格项目“甲醛释放量”"),
    ]
    assert Sample.objects.count() == 0 and SamplingPlan.objects.count() == 0

    report = run("bulletin-with-mistakes.csv", level="provincial", good_rows=True)
    assert report.outcome == importing.PARTIAL and report.created == 1
    assert list(Sample.objects.values_list("product_name", flat=True)) == ["制动鼓"]


def test_a_future_date_and_a_duplicate_row_are_errors(producers):
    data = ("产品名称,受检单位,抽查时间,检验结论\n"
            f"绿茶,{bf.TEA},2099-01-01,合格\n"
            f"红茶,{bf.TEA},2024-04-12,合格\n"
            f"红茶,{bf.TEA},2024-04-12,合格\n").encode()
    report = run("dup.csv", data=data, level="provincial")
    assert messages(report) == [
        (2, "抽查时间", "日期 2099-01-01 晚于今天"),
        (4, "产品名称", "与第 3 行是同一条结果（产品、规格型号、批号、生产企业、抽查时间均相同）"),
    ]


# --- matching and the review list --------------------------------------------------------------------


def test_unmatched_producers_wait_on_the_review_list_until_staff_confirm_a_match(producers, county_user, city_admin):
    run("provincial-2024.csv", level="provincial")
    waiting = list(unmatched_imported())
    assert [s.product_name for s in waiting] == ["聚氯乙烯绝缘电线", "桶装饮用水"]
    assert list(unmatched_imported(county_user)) == []  # 茅箭区 staff act on neither (张湾区, 丹江口市)
    assert {s.product_name for s in unmatched_imported(city_admin)} == {"聚氯乙烯绝缘电线", "桶装饮用水"}

    with as_system():
        plant = registry.create_enterprise(actor=SYSTEM, name=bf.WATER, region=region("420381"), address="十堰市丹江口市示例大道5号")
    water = by_product("桶装饮用水")
    with audit_context(actor=city_admin, reason="确认生产企业", source="test"):
        bulletins.match_imported_sample(actor=city_admin, sample=water, enterprise=plant)
    water.refresh_from_db()
    assert water.producer == plant and water.producer_region.code == "420381"
    assert [s.product_name for s in unmatched_imported()] == ["聚氯乙烯绝缘电线"]
    event = DomainEvent.objects.get(name="sampling.imported_sample_matched")
    assert event.payload["producer"] == f"enterprise:{plant.pk}" and event.payload["previous"] == ""
    assert event.actor_id == city_admin.pk

    with audit_context(actor=city_admin, reason="撤销错误匹配", source="test"):  # a wrong match can be undone
        bulletins.match_imported_sample(actor=city_admin, sample=water, enterprise=None)
    water.refresh_from_db()
    assert water.producer is None and water.producer_region.code == "420381"  # back to what the address said
    assert len(unmatched_imported()) == 2


def test_a_county_user_cannot_confirm_a_match_outside_their_county(producers, county_user):
    run("provincial-2024.csv", level="provincial")
    cable = by_product("聚氯乙烯绝缘电线")
    with pytest.raises(PermissionDenied), audit_context(actor=county_user, reason="确认", source="test"):
        bulletins.match_imported_sample(actor=county_user, sample=cable, enterprise=producers[bf.PARTS])
    cable.refresh_from_db()
    assert cable.producer is None


def test_a_producer_registered_later_is_filled_in_by_the_next_import(producers):
    run("provincial-2024.csv", level="provincial")
    with as_system():
        plant = registry.create_enterprise(actor=SYSTEM, name=bf.WATER, region=region("420381"))
    report = run("provincial-2024.csv", level="provincial")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    assert by_product("桶装饮用水").producer == plant


# --- idempotence -----------------------------------------------------------------------------------------


def test_reimporting_the_same_file_adds_nothing(producers):
    first = run("national-2024-gbk.csv", level="national")
    numbers = set(Sample.objects.values_list("sample_no", flat=True))
    events = DomainEvent.objects.count()
    second = run("national-2024-gbk.csv", level="national")
    assert (first.created, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)
    assert set(Sample.objects.values_list("sample_no", flat=True)) == numbers
    assert all(n.startswith("IMP-2024-") for n in numbers)
    assert SamplingPlan.objects.count() == 1 and DomainEvent.objects.count() == events


def test_results_another_import_wrote_after_the_check_are_unchanged_not_updated(producers):
    """The same bulletin imported twice at the same moment: the second import finds the results
    the first wrote after its rows were checked (imports take turns to write) and reports
    them unchanged — nothing was corrected."""
    other = {}

    def meanwhile(phase, done, total):
        if phase == "check" and done == total and not other:
            other["report"] = run("national-2024-gbk.csv", level="national")  # committed before this import writes

    with audit_context(actor=SYSTEM, reason="测试同时导入", source="test"):
        report = importing.run_import(KIND, (bf.DATA / "national-2024-gbk.csv").read_bytes(), "national-2024-gbk.csv", actor=SYSTEM,
                                      options={"level": "national"}, progress=meanwhile)
    assert (other["report"].created, report.outcome, report.created, report.updated, report.unchanged) == (3, importing.IMPORTED, 0, 0, 3)
    assert Sample.objects.count() == 3


def test_a_later_bulletin_correcting_a_conclusion_updates_the_same_result(producers):
    run("national-2024-gbk.csv", level="national")
    corrected = [row[:] for row in bf.NATIONAL_ROWS]
    corrected[1][9], corrected[1][10] = "P", ""  # the biscuits passed after all
    data = bf.csv_bytes(bf.NATIONAL_HEADER, corrected, encoding="gbk")
    report = run("national-2024-corrected.csv", data=data, level="national")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    biscuits = by_product("饼干")
    assert (biscuits.conclusion, biscuits.failing_items) == (Conclusion.PASS, [])


def test_the_same_rows_under_another_level_are_refused(producers):
    run("national-2024-gbk.csv", level="national")
    report = run("national-2024-gbk.csv", level="provincial")
    assert report.outcome == importing.REJECTED and report.error_rows == 3
    assert "该结果已按“国家级”导入" in report.errors[0]["message"]


def test_a_dry_run_writes_nothing(producers):
    report = run("provincial-2024.csv", level="provincial", dry_run=True)
    assert report.outcome == importing.DRY_RUN and report.created == 4
    assert Sample.objects.count() == 0 and SamplingPlan.objects.count() == 0


# --- scope ----------------------------------------------------------------------------------------------


def test_a_county_user_may_not_import_upper_level_bulletins(producers, county_user):
    report = run("provincial-2024.csv", actor=county_user, level="provincial")
    assert report.outcome == importing.REJECTED and report.error_rows == 4
    assert all(e["message"].startswith("无权导入该结果") for e in report.errors)
    assert Sample.objects.count() == 0


# --- the 6-month ban --------------------------------------------------------------------------------------


def test_an_imported_provincial_result_bars_a_county_sample_for_six_months(producers):
    run("provincial-2024.csv", level="provincial")  # 制动鼓 精工 JG-3502 sampled 2024-04-10
    parts = producers[bf.PARTS]
    key = rules.ProductKey.of(parts.pk, "精工", "JG 3502", "QC/T 316-2023")  # standard unknown in the bulletin: not compared
    county = ("county", region("420302").pk, None)
    bar = rules.find_bar(key, level="county", authority=county, day=datetime.date(2024, 10, 10))
    assert bar is not None and bar.level == Level.PROVINCIAL and bar.until == datetime.date(2024, 10, 10)
    assert "省级" in bar.message
    assert rules.find_bar(key, level="county", authority=county, day=datetime.date(2024, 10, 11)) is None
    other = rules.ProductKey.of(parts.pk, "精工", "JG-3503")
    assert rules.find_bar(other, level="county", authority=county, day=datetime.date(2024, 5, 1)) is None


# --- the command --------------------------------------------------------------------------------------------


def test_the_import_command_takes_the_kinds_own_options(producers):
    path = bf.DATA / "provincial-2024.csv"
    out = io.StringIO()
    call_command("import", KIND, str(path), "--level", "provincial", "--organiser", "湖北省市场监督管理局", stdout=out)
    text = out.getvalue()
    assert "选项：--level provincial，--organiser 湖北省市场监督管理局" in text
    assert "新增 4" in text and Sample.objects.count() == 4

    with pytest.raises(CommandError) as excinfo:
        call_command("import", KIND, str(path), stdout=io.StringIO())
    assert excinfo.value.returncode == 1
    with pytest.raises(CommandError) as excinfo:  # an option another kind does not take
        call_command("import", "enterprises", str(path), "--level", "provincial", stdout=io.StringIO())
    assert excinfo.value.returncode == 1
    with pytest.raises(CommandError) as excinfo:
        call_command("import", KIND, str(bf.DATA / "bulletin-with-mistakes.csv"), "--level", "provincial", stdout=io.StringIO())
    assert excinfo.value.returncode == 3


def test_the_import_command_rejects_an_option_outside_its_choices():
    with pytest.raises(CommandError):
        call_command("import", KIND, str(bf.DATA / "provincial-2024.csv"), "--level", "township", stdout=io.StringIO(),
                     stderr=io.StringIO())


def test_enterprise_imports_still_work_without_options():
    make_user(Role.CITY_ADMIN, region_code="420300")
    data = "企业名称,所在区划\n十堰示例新企业有限公司,茅箭区\n".encode()
    with audit_context(actor=SYSTEM, reason="测试", source="test"):
        report = importing.run_import("enterprises", data, "e.csv", actor=SYSTEM)
    assert report.outcome == importing.IMPORTED and report.options == {}


# --- the import page --------------------------------------------------------------------------------------


def test_the_import_page_takes_the_level_of_a_bulletin(client, city_admin, producers, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from zhiliang.exchange.models import ImportJob

    client.force_login(city_admin)
    page = client.get(reverse("exchange:imports")).content.decode()
    assert "抽查结果公告" in page and 'name="option_level"' in page and "省级" in page
    upload = SimpleUploadedFile("provincial-2024.csv", (bf.DATA / "provincial-2024.csv").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:imports"), {"kind": KIND, "file": upload, "option_level": "provincial",
                                                             "option_organiser": "湖北省市场监督管理局"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.options == {"level": "provincial", "organiser": "湖北省市场监督管理局"}
    assert job.report["outcome"] == importing.IMPORTED and job.report["counts"]["created"] == 4
    assert Sample.objects.filter(level=Level.PROVINCIAL).count() == 4

    bad = SimpleUploadedFile("provincial-2024.csv", (bf.DATA / "provincial-2024.csv").read_bytes())
    response = client.post(reverse("exchange:imports"), {"kind": KIND, "file": bad, "option_level": "township"})
    assert response.status_code == 400 and ImportJob.objects.count() == 1


def test_the_page_ignores_options_of_another_kind(client, city_admin, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from zhiliang.exchange.models import ImportJob

    client.force_login(city_admin)
    upload = SimpleUploadedFile("e.csv", "企业名称,所在区划\n十堰示例页面企业有限公司,茅箭区\n".encode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exchange:imports"), {"kind": "enterprises", "file": upload, "option_level": "provincial"})
    job = ImportJob.objects.get()
    assert job.options == {} and job.report["outcome"] == importing.IMPORTED


def test_a_batch_dated_as_text_and_as_an_excel_date_is_one_sample(producers):
    """The same bulletin sent as CSV (生产日期/批号 “2024/3/1”) and as XLSX (a date cell) made two
    samples of one result, counted twice in the pass rates: the date is the batch either way."""
    from openpyxl import load_workbook

    data = (bf.DATA / "provincial-2024.csv").read_bytes().decode("utf-8-sig").replace(",2024-03-01,", ",2024/3/1,", 1)
    report = run("p.csv", data=data.encode("utf-8"), level="provincial")
    assert report.outcome == importing.IMPORTED and by_product("制动鼓").batch_no == "2024-03-01"
    book = load_workbook(io.BytesIO(_as_xlsx((bf.DATA / "provincial-2024.csv").read_bytes())))
    book.active["E2"] = datetime.datetime(2024, 3, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    again = run("p.xlsx", data=buffer.getvalue(), level="provincial")
    assert (again.outcome, again.created, again.unchanged) == (importing.IMPORTED, 0, 4), again.lines()
    assert Sample.objects.filter(product_name="制动鼓").count() == 1


def _as_xlsx(csv_bytes: bytes) -> bytes:
    import csv as csv_module

    from openpyxl import Workbook

    book = Workbook()
    for line in csv_module.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))):
        book.active.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_place_naming_no_county_of_the_city_is_written_with_a_reminder(producers):
    """抽样单位/地区 “某茶叶店（不存在县）” was filed under a county without a word: the row is
    written where the producer is, and the report says so on that row and column."""
    data = (bf.DATA / "provincial-2024.csv").read_bytes().decode("utf-8-sig").replace(",茅箭区,2024-04-10,", ",某茶叶店（不存在县）,2024-04-10,", 1)
    report = run("p.csv", data=data.encode("utf-8"), level="provincial")
    assert (report.outcome, report.created, report.error_rows) == (importing.IMPORTED, 4, 0)
    [warning] = report.warnings
    assert (warning["row"], warning["column"]) == (2, "抽样单位/地区")
    assert warning["message"].startswith("“某茶叶店（不存在县）”中没有本市的县市区：样品按生产企业所在地记入“茅箭区”")
    assert by_product("制动鼓").region.code == "420302"


def test_a_code_naming_another_enterprise_than_the_name_written_is_a_reminder(producers):
    """The result follows the code (the registry's record of the producer), but a name that
    is neither the registered name nor a former one is worth a look: one of the two may be
    mistyped. Full-width brackets or blanks are no difference; a former name is none either."""
    data = (bf.DATA / "national-2024-gbk.csv").read_bytes().decode("gb18030")
    wrong = data.replace(",十堰示例汽车零部件有限公司,91420302", ",十堰另一家配件有限公司,91420302", 1)
    report = run("n.csv", data=wrong.encode("gb18030"), level="national")
    assert (report.outcome, report.created, report.error_rows) == (importing.IMPORTED, 3, 0)
    [warning] = report.warnings
    assert (warning["row"], warning["column"]) == (2, "统一社会信用代码")
    assert warning["message"] == (f"按代码 {bf.PARTS_USCC} 归于登记库中的“{bf.PARTS}”，与填写的生产企业名称“十堰另一家配件有限公司”不一致："
                                  "请核对代码或名称是否填错")
    assert by_product("制动蹄片").producer == producers[bf.PARTS]

    with as_system("改名"):
        registry.update_enterprise(actor=SYSTEM, enterprise=producers[bf.PARTS], name="十堰示例汽车部件股份有限公司")
    again = run("n2.csv", data=data.encode("gb18030"), level="national")
    assert again.warnings == [] and again.error_rows == 0  # the former name


def test_a_producer_code_in_scientific_notation_is_an_error_saying_why(producers):
    data = (bf.DATA / "national-2024-gbk.csv").read_bytes().decode("gb18030").replace(",420304000012345,", ",4.20304E+14,", 1)
    report = run("n.csv", data=data.encode("gb18030"), level="national")
    assert report.outcome == importing.REJECTED and not Sample.objects.exists()
    [(row, column, message)] = messages(report)
    assert (row, column) == (3, "统一社会信用代码") and message.startswith("生产企业代码“4.20304E+14”是 Excel 的科学计数法写法")
