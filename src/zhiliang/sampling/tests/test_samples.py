"""The life of a sample through the services, end to end: register → send → receive →
report (derived conclusion) → issue → notify → objection → re-test → rectification /
referral, with the refusals users rely on and the events the credit center reads."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.models import DomainEvent
from zhiliang.enterprises import services as registry_services
from zhiliang.enterprises.tests.views_data import category
from zhiliang.sampling import selectors, stats
from zhiliang.sampling.choices import (
    Conclusion,
    FeeBearer,
    ObjectionStatus,
    RectificationStatus,
    ReferralStatus,
    SampleStatus,
    TaskStatus,
)
from zhiliang.sampling.models import Sample, TestReport
from zhiliang.sampling.services import samples
from zhiliang.testing.fixtures import as_system, make_user, region

from .samples_data import (
    SAMPLED_ON,
    acting,
    build_world,
    failing_sample,
    good_auto_results,
    make_plan,
    make_task,
    register,
    through_lab,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def world():
    return build_world()


def events(name, sample=None):
    qs = DomainEvent.objects.filter(name=name)
    if sample is not None:
        qs = qs.filter(payload__sample_no=sample.sample_no)
    return list(qs.order_by("created_at"))


# --- refusal and registration ---------------------------------------------------------------------


def test_refusal_is_a_credit_fact_and_closes_the_task(world):
    task = make_task(world)
    staff = world.user("staff")
    with acting(staff):
        with pytest.raises(ValidationError, match="请填写拒检情况"):
            samples.refuse_sampling(actor=staff, task=task, on=D(2024, 4, 9), note=" ")
        samples.refuse_sampling(actor=staff, task=task, on=D(2024, 4, 9), note="法定代表人拒绝抽样并拒绝签字")
    task.refresh_from_db()
    assert task.status == TaskStatus.REFUSED and task.refused_on == D(2024, 4, 9)
    [event] = events("sampling.task_refused")
    assert event.enterprise_key == world.maojian.uscc
    assert event.payload == {"enterprise": world.maojian.uscc, "enterprise_name": world.maojian.name, "plan": world.plan.code,
                             "level": "county", "category": "auto-parts", "refused_on": "2024-04-09", "note": "法定代表人拒绝抽样并拒绝签字"}
    with pytest.raises(ValidationError, match="拒绝抽样，不能再登记样品"):
        register(world, task=task)
    lab = world.user("lab")
    task2 = make_task(world, world.food_maker, category_code="food-drinks")
    with acting(lab), pytest.raises(PermissionDenied, match="只有组织抽查的工作人员"):
        samples.refuse_sampling(actor=lab, task=task2, on=D(2024, 4, 9), note="拒检")


def test_registration_numbers_and_denormalises(world):
    task = make_task(world, product=world.registry.product)
    staff = world.user("staff")
    first = register(world, actor=staff, task=task, product=None)
    second = register(world, actor=staff, product=None, category=category("auto-parts"), product_name="制动蹄", trademark="精工", model="JG-88", producer=world.maojian)
    assert first.sample_no == "CJ2024420302" + "00001" and second.sample_no == "CJ2024420302" + "00002"
    assert (first.level, first.region.code, first.department.code, first.category.code) == ("county", "420302", "mj-amr", "auto-parts")
    assert (first.product_name, first.trademark, first.model, first.standard) == ("制动鼓", "精工", "JG-3502", "QC/T 316-2023")
    assert first.producer == world.maojian and first.sampled_unit == world.maojian and first.producer_region.code == "420302"
    assert first.quantity_reserve == 1 and first.lab == world.lab  # RULE_SAMPLING_RESERVE_UNITS; the drawn lab
    assert {i.pk for i in first.sampled_by.all()} == {i.pk for i in world.inspectors}
    assert str(first.price_paid) == "120.00" and not hasattr(first, "fee")  # bought; no fee field exists
    task.refresh_from_db()
    assert task.status == TaskStatus.SAMPLED
    event = events("sampling.sample_registered", first)[0]
    assert event.payload["producer"] == world.maojian.uscc and event.region.code == "420302"
    with pytest.raises(ValidationError, match="样品编号“CJ202442030200001”已存在"):
        register(world, sample_no="CJ202442030200001", model="JG-99")


def test_numbering_skips_numbers_taken_by_hand_and_other_prefixes(world):
    register(world, sample_no="CJ202442030200007")
    register(world, sample_no="CJ2024420302ABC", model="JG-1")
    assert register(world, model="JG-2").sample_no == "CJ202442030200008"
    zhangwan_plan, _ = make_plan(code="SY-ZW-2024-01", region_code="420303", department_code="zw-amr")
    with as_system():
        inspector = registry_services.save_inspector(actor=SYSTEM, name="郑强", department=world.registry.zhangwan_inspector.department,
                                      region=region("420303"), certificate_number="42030300199")
    other = register(world, plan=zhangwan_plan, producer=world.registry.zhangwan, product=None, category=category("auto-parts"), product_name="半轴",
                     region=region("420303"), inspectors=[world.registry.zhangwan_inspector, inspector])
    assert other.sample_no == "CJ202442030300001"


def test_registration_refusals(world):
    with pytest.raises(ValidationError) as err:
        register(world, inspectors=world.inspectors[:1])
    assert err.value.message_dict["inspectors"] == ["抽样人员不得少于 2 名（现为 1 名）"]
    online_plan, _ = make_plan(code="SY-MJ-2024-NET", place="online")
    with pytest.raises(ValidationError) as err:
        register(world, plan=online_plan, product=None, category=category("auto-parts"), product_name="刹车片", producer=world.outside, region=region("420302"))
    assert set(err.value.message_dict) == {"platform", "shop", "order_no"}
    assert err.value.message_dict["order_no"] == ["网上抽查须填写订单号"]
    with pytest.raises(ValidationError, match="不在抽查计划的组织区划"):
        register(world, region=region("420303"))
    with pytest.raises(ValidationError, match="产品类别“调味品”不在抽查计划"):
        register(world, product=None, product_name="酱油", producer=world.food_maker, category=category("food-condiments"))
    draft, _ = make_plan(code="SY-MJ-2024-D", approve=False)
    with pytest.raises(ValidationError, match="草拟，不能登记样品"):
        register(world, plan=draft)
    assert not Sample.objects.exists()


def test_online_sample_records_the_purchase(world):
    online_plan, _ = make_plan(code="SY-MJ-2024-NET", place="online")
    sample = register(world, plan=online_plan, product=None, category=category("auto-parts"), product_name="刹车片", trademark="瑞安", model="RA-01", producer=world.outside,
                      platform="某电商平台", shop="瑞安汽配旗舰店", order_no="2024041012345678", page_url="https://shop.example.com/item/1")
    assert sample.place == "online" and sample.sampled_unit_name == "瑞安汽配旗舰店" and sample.sampled_unit is None
    assert sample.producer_region.code == "X00000"
    with as_system():
        attachment = samples.add_attachment(actor=SYSTEM, sample=sample, kind="page_capture", name="../商品页面.png",
                                            content=b"\x89PNG\r\n\x1a\n fake capture", description="下单时商品页面")
    assert attachment.sha256 == hashlib.sha256(b"\x89PNG\r\n\x1a\n fake capture").hexdigest()
    assert attachment.file.read() == b"\x89PNG\r\n\x1a\n fake capture"
    assert "/" not in attachment.file.name.split("sampling/attachments/")[1].split("/", 1)[1]
    with as_system(), pytest.raises(ValidationError, match="附件类型“video”无效"):
        samples.add_attachment(actor=SYSTEM, sample=sample, kind="video", name="a.mp4", content=b"x")


@pytest.mark.parametrize(("name", "content", "refused"), [
    ("商品页面.html", "<!doctype html><title>刹车片</title>".encode(), ""),
    ("商品页面.mhtml", b"From: <Saved by Blink>\r\nMIME-Version: 1.0", ""),
    ("电子发票.ofd", b"PK\x03\x04\x14\x00OFD.xml", ""),
    ("订单.jpeg", b"\xff\xd8\xff\xe0 scan", ""),
    ("安装程序.exe", b"MZ\x90\x00\x03", "只能上传 PDF、JPG、PNG、OFD、HTML 或 MHT 文件（“安装程序.exe”不是）"),
    ("商品页面.html", b"MZ\x90\x00\x03\x00\x00\x00", "“商品页面.html”的内容不是 HTML 文件（可能改过扩展名）"),
    ("发票.pdf", b"PK\x03\x04", "“发票.pdf”的内容不是 PDF 文件"),
])
def test_a_samples_attachment_is_a_scan_a_document_or_a_saved_page(world, name, content, refused):
    """Staff open what is attached to a sample: a program renamed 商品页面.html is refused before
    anyone downloads it, and nothing is stored."""
    sample = register(world)
    with as_system():
        if not refused:
            attachment = samples.add_attachment(actor=SYSTEM, sample=sample, kind="purchase", name=name, content=content)
            assert attachment.file.read() == content
            return
        with pytest.raises(ValidationError, match=refused):
            samples.add_attachment(actor=SYSTEM, sample=sample, kind="purchase", name=name, content=content)
    assert not sample.attachments.exists()


def test_the_ban_is_checked_again_on_site(world):
    register(world)
    market, _ = make_plan(code="SY-MJ-2024-M", place="market")
    with pytest.raises(ValidationError, match="6 个月内不得重复抽查"):
        register(world, plan=market, sampled_unit_name="茅箭区某汽配城商户", sampled_on=D(2024, 5, 1))


# --- custody and reports -----------------------------------------------------------------------------


def test_custody_goes_to_an_accredited_lab_and_only_that_lab_receives(world):
    sample = register(world)
    with as_system():
        food_only = registry_services.save_agency(actor=SYSTEM, name="十堰市食品检验所", cma_number="221712348888", region=region("420302"),
                                                  categories=[category("food")])
        with pytest.raises(ValidationError, match="资质认定范围不含产品类别“汽车零部件及配件”"):
            samples.send_sample(actor=SYSTEM, sample=sample, lab=food_only, on=D(2024, 4, 11))
        registry_services.declare_conflict(actor=SYSTEM, enterprise=world.maojian, agency=world.other_lab, reason="曾为企业提供咨询")
        with pytest.raises(ValidationError, match="存在利益冲突（曾为企业提供咨询）"):
            samples.send_sample(actor=SYSTEM, sample=sample, lab=world.other_lab, on=D(2024, 4, 11))
        with pytest.raises(ValidationError, match="送样日期 2024-04-09 早于抽样日期 2024-04-10"):
            samples.send_sample(actor=SYSTEM, sample=sample, lab=world.lab, on=D(2024, 4, 9))
        samples.send_sample(actor=SYSTEM, sample=sample, lab=world.lab, on=D(2024, 4, 11))
    other_lab = world.user("other_lab")
    with acting(other_lab), pytest.raises(PermissionDenied, match="该样品未送往本机构"):
        samples.receive_sample(actor=other_lab, sample=sample, on=D(2024, 4, 12))
    staff = world.user("staff")
    with acting(staff), pytest.raises(PermissionDenied, match="收样须由承检机构“十堰市产品质量监督检验所”的账号登记"):
        samples.receive_sample(actor=staff, sample=sample, on=D(2024, 4, 12))
    lab = world.user("lab")
    with acting(lab):
        with pytest.raises(ValidationError, match="收样日期 2024-04-10 早于送样日期 2024-04-11"):
            samples.receive_sample(actor=lab, sample=sample, on=D(2024, 4, 10))
        samples.receive_sample(actor=lab, sample=sample, on=D(2024, 4, 12), condition="封条完好")
        # the lab adds its scans to the samples sent to it; the enterprise only reads them
        samples.add_attachment(actor=lab, sample=sample, kind="report", name="原始记录.pdf", content=b"%PDF-1.4 records")
    company = world.user("maojian")
    with acting(company), pytest.raises(PermissionDenied):
        samples.add_attachment(actor=company, sample=sample, kind="other", name="说明.pdf", content=b"%PDF-1.4 text")
    assert sample.attachments.count() == 1
    sample.refresh_from_db()
    assert (sample.status, sample.sent_on, sample.received_on, sample.received_condition) == (SampleStatus.RECEIVED, D(2024, 4, 11),
                                                                                               D(2024, 4, 12), "封条完好")


def received(world, sample=None):
    sample = sample or register(world)
    with as_system():
        samples.send_sample(actor=SYSTEM, sample=sample, lab=world.lab, on=D(2024, 4, 11))
        samples.receive_sample(actor=SYSTEM, sample=sample, on=D(2024, 4, 12))
    return sample


def test_the_conclusion_is_derived_from_the_items(world):
    sample = received(world)
    lab = world.user("lab")
    with acting(lab):
        report = samples.save_report(actor=lab, sample=sample, report_no="BG2024-001", tested_on=D(2024, 4, 15), results=[
            *good_auto_results(world, hardness="260", marking="不符合"),
            {"name": "表面缺陷", "direction": "qualitative", "requirement": "无裂纹", "measured": "合格"},
            {"name": "铅", "direction": "max", "limit_high": "0.1", "unit": "%", "measured": "未检出"},
        ])
    assert report.conclusion == Conclusion.FAIL and report.failing_items == ["硬度", "标志"]
    results = {r.name: r for r in report.results.all()}
    assert (results["硬度"].passed, results["径向跳动"].passed, results["铅"].passed) == (False, True, True)
    assert results["硬度"].limit_low == 180 and results["硬度"].unit == "HBW" and results["硬度"].standard == "QC/T 316-2023"
    # a corrected draft replaces its results; the conclusion follows
    with acting(lab):
        report = samples.save_report(actor=lab, sample=sample, report_no="BG2024-001", results=good_auto_results(world))
    assert report.conclusion == Conclusion.PASS and report.failing_items == [] and report.results.count() == 3
    assert TestReport.objects.count() == 1


@pytest.mark.parametrize("measured, message", [
    ({"hardness": "约200"}, "检验项目“硬度”为数值项目，实测值“约200”不是数值"),
    ({"marking": "有"}, "检验项目“标志”为定性项目，实测值应为“符合/不符合”或“合格/不合格”，收到“有”"),
    ({"runout": ""}, "检验项目“径向跳动”未填写实测值"),
    ({"hardness": "未检出"}, "检验项目“硬度”为数值项目，实测值“未检出”不是数值"),
])
def test_a_bad_value_is_a_clear_error_naming_the_item(world, measured, message):
    sample = received(world)
    lab = world.user("lab")
    with acting(lab), pytest.raises(ValidationError) as err:
        samples.save_report(actor=lab, sample=sample, report_no="BG2024-001", results=good_auto_results(world, **measured))
    assert message in str(err.value)
    assert not TestReport.objects.exists()


def test_only_the_lab_writes_reports_and_only_with_its_items(world):
    sample = received(world)
    staff = world.user("staff")
    with acting(staff), pytest.raises(PermissionDenied, match="只有承检机构本机构的账号"):
        samples.save_report(actor=staff, sample=sample, report_no="BG-X", results=good_auto_results(world))
    other = world.user("other_lab")
    with acting(other), pytest.raises(PermissionDenied):
        samples.save_report(actor=other, sample=sample, report_no="BG-X", results=good_auto_results(world))
    lab = world.user("lab")
    with acting(lab), pytest.raises(ValidationError, match="检验项目“菌落总数”不是本样品所属计划、所属类别的检验项目"):
        samples.save_report(actor=lab, sample=sample, report_no="BG-X", results=[{"item": world.items["colonies"], "measured": "10"}])
    with acting(lab), pytest.raises(ValidationError, match="检验项目“色度”按“不大于限值”判定，须填写上限"):
        samples.save_report(actor=lab, sample=sample, report_no="BG-X", results=[{"name": "色度", "direction": "max", "measured": "1"}])


def test_issue_sets_the_result_and_emits_the_judgement(world):
    sample = register(world)
    report = through_lab(world, sample, results=good_auto_results(world, runout="0.08"))
    assert report.status == "issued" and report.issued_on == D(2024, 4, 25)
    assert (sample.status, sample.first_conclusion, sample.conclusion, sample.failing_items, sample.concluded_on) == (
        SampleStatus.REPORTED, "fail", "fail", ["径向跳动"], D(2024, 4, 25))
    [judged] = events("sampling.sample_judged", sample)
    assert judged.enterprise_key == world.maojian.uscc
    assert judged.payload == {
        "sample_no": sample.sample_no, "producer": world.maojian.uscc, "producer_name": world.maojian.name, "sampled_unit": world.maojian.uscc,
        "conclusion": "fail", "failing_items": ["径向跳动"], "level": "county", "place": "factory", "sampled_on": "2024-04-10",
        "concluded_on": "2024-04-25", "retest": False, "final": False,
    }
    lab = world.user("lab")
    with acting(lab), pytest.raises(ValidationError, match="已签发"):
        samples.save_report(actor=lab, sample=sample, report_no=report.report_no, results=good_auto_results(world))


# --- notification, objection and re-test ------------------------------------------------------------


def test_notification_serves_at_once_or_after_the_public_notice(world):
    passing = register(world)
    through_lab(world, passing)
    with as_system():
        samples.notify_result(actor=SYSTEM, sample=passing, on=D(2024, 4, 26), method="account")
    passing.refresh_from_db()
    assert passing.served_on == D(2024, 4, 26) and passing.status == SampleStatus.FINAL  # nothing to object to
    unreachable = failing_sample(world, model="JG-9", method="public_notice", notified_on=D(2024, 5, 6))
    assert unreachable.served_on == D(2024, 5, 21) and unreachable.status == SampleStatus.NOTIFIED
    assert selectors.retest_deadline_of(unreachable) == D(2024, 6, 5)  # 15 days after being served


def test_objection_within_and_after_the_deadline(world):
    sample = failing_sample(world, notified_on=D(2024, 9, 20))  # deadline 2024-10-05 is in the holiday → 2024-10-08
    company = world.user("maojian")
    with acting(company):
        with pytest.raises(ValidationError) as err:
            samples.file_objection(actor=company, sample=sample, on=D(2024, 10, 9), reason="检验方法有误")
        assert err.value.message_dict["filed_on"] == ["复检申请期限已于 2024-10-08 届满（自 2024-09-20 送达起 15 日），不予受理"]
        objection = samples.file_objection(actor=company, sample=sample, on=D(2024, 10, 8), reason="检验方法有误")
        assert objection.deadline == D(2024, 10, 8) and objection.filed_by == company
        with pytest.raises(ValidationError, match="每个样品只能申请一次复检"):
            samples.file_objection(actor=company, sample=sample, on=D(2024, 10, 8), reason="再次申请")
    stranger = world.user("zhangwan")
    other = failing_sample(world, model="JG-7")
    with acting(stranger), pytest.raises(PermissionDenied):
        samples.file_objection(actor=stranger, sample=other, on=D(2024, 4, 27), reason="不是我的样品")
    # staff may file on the enterprise's behalf
    staff = world.user("staff")
    with acting(staff):
        assert samples.file_objection(actor=staff, sample=other, on=D(2024, 4, 27), reason="企业书面申请，代为登记").filed_by == staff


def test_food_objection_window_is_7_working_days_across_national_day(world):
    sample = register(world, product=None, product_name="包装饮用水", trademark="武当泉", model="550mL", producer=world.food_maker,
                      category=category("food-drinks"))
    through_lab(world, sample, results=[{"item": world.items["colonies"], "measured": "180"}])
    with as_system():
        samples.notify_result(actor=SYSTEM, sample=sample, on=D(2024, 9, 27), method="post")
    sample.refresh_from_db()
    assert selectors.retest_deadline_of(sample) == D(2024, 10, 12)
    company = make_user(Role.ENTERPRISE, organisation=world.food_maker)
    with acting(company):
        with pytest.raises(ValidationError, match="2024-10-12 届满（自 2024-09-27 送达起 7 个工作日）"):
            samples.file_objection(actor=company, sample=sample, on=D(2024, 10, 13), reason="菌落总数复检")
        samples.file_objection(actor=company, sample=sample, on=D(2024, 10, 12), reason="菌落总数复检")


def retest(world, sample, measured, *, lab_name="other_lab", report_no="FJ-001"):
    staff = world.user("staff")
    with acting(staff):
        samples.decide_objection(actor=staff, objection=sample.objection, accept=True, on=D(2024, 5, 6), retest_lab=getattr(world, lab_name),
                                 note="受理，使用备用样品复检")
    sample.refresh_from_db()
    user = world.user(lab_name)
    with acting(user):
        report = samples.save_report(actor=user, sample=sample, report_no=report_no, is_retest=True, tested_on=D(2024, 5, 10),
                                     results=good_auto_results(world, hardness=measured))
        samples.issue_report(actor=user, report=report, on=D(2024, 5, 15))
    sample.refresh_from_db()
    return report


def objected(world, **data):
    sample = failing_sample(world, **data)
    company = world.user("maojian")
    with acting(company):
        samples.file_objection(actor=company, sample=sample, on=D(2024, 4, 30), reason="硬度检测位置不当")
    sample.refresh_from_db()
    return sample


def maojian_rate() -> tuple[int, int]:
    """(tested, qualified) of 茅箭区 producers in the county-level pass-rate table of 2024."""
    row = next(r for r in stats.pass_rate_table(by="county", level="county", year=2024) if r.key == "420302")
    return row.tested, row.qualified


def test_a_retest_that_changes_the_result_replaces_it_and_the_authority_pays(world):
    sample = objected(world)
    assert sample.status == SampleStatus.NOTIFIED
    assert maojian_rate() == (1, 0)
    retest(world, sample, "230")
    assert sample.lab == world.other_lab  # the re-test lab holds the reserve sample
    assert (sample.first_conclusion, sample.conclusion, sample.failing_items, sample.status) == ("fail", "pass", [], SampleStatus.FINAL)
    objection = sample.objection
    assert (objection.status, objection.result_changed, objection.fee_bearer) == (ObjectionStatus.DECIDED, True, FeeBearer.AUTHORITY)
    # statistics read the final conclusion: the sample now counts as qualified
    assert maojian_rate() == (1, 1)
    judged = events("sampling.sample_judged", sample)
    assert [(e.payload["conclusion"], e.payload["retest"], e.payload["final"]) for e in judged] == [("fail", False, False), ("pass", True, True)]
    # the re-test is final: no second objection
    company = world.user("maojian")
    with acting(company), pytest.raises(ValidationError, match="每个样品只能申请一次复检"):
        samples.file_objection(actor=company, sample=sample, on=D(2024, 5, 16), reason="再议")


def test_a_retest_that_confirms_the_failure_is_paid_by_the_applicant(world):
    sample = objected(world)
    retest(world, sample, "255", lab_name="lab")
    objection = sample.objection
    assert (sample.conclusion, objection.result_changed, objection.fee_bearer) == ("fail", False, FeeBearer.APPLICANT)
    assert sample.lab == world.lab


def test_a_rejected_objection_makes_the_first_result_final(world):
    sample = objected(world)
    staff = world.user("staff")
    with acting(staff):
        with pytest.raises(ValidationError, match="不予受理的，请填写理由"):
            samples.decide_objection(actor=staff, objection=sample.objection, accept=False, on=D(2024, 5, 6))
        samples.decide_objection(actor=staff, objection=sample.objection, accept=False, on=D(2024, 5, 6), note="备用样品已过保质期")
    sample.refresh_from_db()
    assert sample.status == SampleStatus.FINAL and sample.objection.status == ObjectionStatus.REJECTED
    assert events("sampling.sample_judged", sample)[-1].payload["final"] is True


# --- rectification ----------------------------------------------------------------------------------------


def test_rectification_needs_a_final_failure_and_runs_its_steps(world):
    sample = failing_sample(world)  # served 2024-04-26; deadline 2024-05-11 (a Saturday, but a make-up working day)
    staff = world.user("staff")
    with acting(staff):
        with pytest.raises(ValidationError, match="复检申请期限至 2024-05-11，期满后检验结论方可确定"):
            samples.order_rectification(actor=staff, sample=sample, on=D(2024, 5, 11))
        rect = samples.order_rectification(actor=staff, sample=sample, on=D(2024, 5, 12))
    sample.refresh_from_db()
    assert sample.status == SampleStatus.FINAL and events("sampling.sample_judged", sample)[-1].payload["final"] is True
    assert (rect.enterprise, rect.stop_sale, rect.correction_due, rect.recheck_due) == (world.maojian, True, D(2024, 7, 11), D(2024, 7, 26))
    assert selectors.overdue_rectifications(staff, D(2024, 7, 11)) == []
    [late] = selectors.overdue_rectifications(staff, D(2024, 7, 18))
    assert (late.step, late.due_on, late.days_late) == ("correction", D(2024, 7, 11), 7)
    [late] = selectors.overdue_rectifications(staff, D(2024, 8, 1))
    assert (late.step, late.label, late.days_late) == ("recheck", "复查逾期", 6)
    assert selectors.overdue_rectifications(world.user("other_lab"), D(2024, 8, 1)) == []
    with acting(staff):
        samples.record_recheck(actor=staff, rectification=rect, on=D(2024, 7, 25), passed=False)
        [late] = selectors.overdue_rectifications(staff, D(2024, 9, 1))
        assert late.step == "publication"
        with pytest.raises(ValidationError, match="公告日期 2024-07-01 早于复查日期 2024-07-25"):
            samples.publish_recheck_failure(actor=staff, rectification=rect, on=D(2024, 7, 1))
        samples.publish_recheck_failure(actor=staff, rectification=rect, on=D(2024, 8, 1))
        rect.refresh_from_db()
        assert (rect.status, rect.second_recheck_from, rect.second_recheck_until) == (RectificationStatus.PUBLISHED, D(2024, 9, 30), D(2024, 10, 30))
        with pytest.raises(ValidationError, match="再次复查应在公告后 2024-09-30 至 2024-10-30 之间进行"):
            samples.record_second_recheck(actor=staff, rectification=rect, on=D(2024, 9, 1), passed=True)
        assert selectors.overdue_rectifications(staff, D(2024, 10, 30)) == []
        assert selectors.overdue_rectifications(staff, D(2024, 10, 31))[0].step == "second_recheck"
        samples.record_second_recheck(actor=staff, rectification=rect, on=D(2024, 10, 15), passed=False)
    rect.refresh_from_db()
    assert (rect.status, rect.suspended_on) == (RectificationStatus.SUSPENDED, D(2024, 10, 15))
    assert events("sampling.second_recheck_recorded")[0].payload["suspended"] is True
    assert selectors.overdue_rectifications(staff, D(2025, 1, 1)) == []


def test_a_passing_recheck_closes_the_rectification_and_passes_are_not_rectified(world):
    sample = failing_sample(world)
    with as_system():
        rect = samples.order_rectification(actor=SYSTEM, sample=sample, on=D(2024, 5, 14))
        samples.record_recheck(actor=SYSTEM, rectification=rect, on=D(2024, 7, 1), passed=True)
        with pytest.raises(ValidationError, match="已责令整改"):
            samples.order_rectification(actor=SYSTEM, sample=sample, on=D(2024, 5, 15))
    assert rect.status == RectificationStatus.PASSED
    passing = register(world, model="JG-1")
    through_lab(world, passing)
    with as_system(), pytest.raises(ValidationError, match="检验结论不是不合格"):
        samples.order_rectification(actor=SYSTEM, sample=passing, on=D(2024, 5, 14))


def test_the_daily_job_finalises_failures_whose_window_has_ended(world):
    sample = failing_sample(world)
    objected_one = objected(world, model="JG-5")
    staff = world.user("staff")
    assert selectors.results_to_finalise(staff, D(2024, 5, 14)) == [sample]
    with as_system():
        assert samples.finalise_results(actor=SYSTEM, on=D(2024, 5, 11)) == []
        assert samples.finalise_results(actor=SYSTEM, on=D(2024, 5, 12)) == [sample]
    sample.refresh_from_db()
    objected_one.refresh_from_db()
    assert sample.status == SampleStatus.FINAL and objected_one.status == SampleStatus.NOTIFIED
    assert [s.pk for s in selectors.rectifications_to_order(staff)] == [sample.pk]


# --- referral of producers outside Shiyan ------------------------------------------------------------------


def test_a_producer_outside_shiyan_is_referred_and_the_local_seller_rectifies(world):
    market, _ = make_plan(code="SY-MJ-2024-M", place="market")
    sample = failing_sample(world, plan=market, product=None, category=category("auto-parts"), product_name="刹车盘", trademark="瑞安", model="RA-300", producer=world.outside,
                            sampled_unit=world.maojian)
    staff = world.user("staff")
    with acting(staff):
        with pytest.raises(ValidationError, match="请填写生产企业所在地监管部门"):
            samples.refer_to_home_authority(actor=staff, sample=sample, authority=" ", on=D(2024, 5, 14))
        referral = samples.refer_to_home_authority(actor=staff, sample=sample, authority="瑞安市市场监督管理局", on=D(2024, 5, 14))
        rect = samples.order_rectification(actor=staff, sample=sample, on=D(2024, 5, 14))
    assert referral.reply_due == D(2024, 6, 13) and referral.status == ReferralStatus.SENT
    assert rect.enterprise == world.maojian  # the local seller
    assert selectors.overdue_referrals(staff, D(2024, 6, 13)) == []
    [late] = selectors.overdue_referrals(staff, D(2024, 6, 20))
    assert (late.obj, late.days_late) == (referral, 7)
    assert selectors.overdue_referrals(world.user("zhangwan"), D(2024, 6, 20)) == []
    with acting(staff):
        samples.record_referral_reply(actor=staff, referral=referral, on=D(2024, 6, 20), reply="已责令生产企业召回并整改")
    assert referral.status == ReferralStatus.REPLIED and selectors.overdue_referrals(staff, D(2024, 7, 1)) == []
    assert events("sampling.referral_replied")[0].payload["late"] is True
    # a local producer is not referred
    local = failing_sample(world, model="JG-6")
    with acting(staff), pytest.raises(ValidationError, match="在十堰市内，由本市责令整改"):
        samples.refer_to_home_authority(actor=staff, sample=local, authority="某局", on=D(2024, 5, 14))


# --- work queues ---------------------------------------------------------------------------------------------


def test_work_queues_by_role(world):
    sample = register(world)
    staff = world.user("staff")
    lab = world.user("lab")
    queues = {q.key: q for q in selectors.work_queues(staff, SAMPLED_ON)}
    assert [s.pk for s in queues["to_send"].items] == [sample.pk] and queues["to_send"].count == 1
    with as_system():
        samples.send_sample(actor=SYSTEM, sample=sample, lab=world.lab, on=D(2024, 4, 11))
    assert [s.pk for s in selectors.samples_to_receive(lab)] == [sample.pk]
    assert list(selectors.samples_to_receive(world.user("other_lab"))) == []
    assert {q.key for q in selectors.work_queues(lab, SAMPLED_ON)} == {"to_receive", "to_report"}
    company = world.user("maojian")
    assert [q.key for q in selectors.work_queues(company, SAMPLED_ON)] == ["may_object"]


# --- numbering under concurrency (PostgreSQL: SQLite serialises its writers) ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_consecutive_numbers():
    import threading

    from django.db import connection

    world = build_world()
    barrier = threading.Barrier(4)
    numbers, errors = [], []

    def worker(n):
        try:
            barrier.wait(timeout=10)
            numbers.append(register(world, model=f"JG-{n}").sample_no)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [f"CJ2024420302{n:05d}" for n in range(1, 5)]


def test_a_person_records_each_step_on_a_day_that_has_come(world):
    """A re-check dated next year cleared an overdue rectification, and a sample sampled, sent,
    tested and served in the future moved the statistics to next year: staff, labs and
    enterprises record what has happened — a day after today is refused, naming the field.
    SYSTEM (the demo, the daily job) acts on the day it is given."""
    import datetime as dt

    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    staff = world.user("staff")
    with acting(staff), pytest.raises(ValidationError) as refused:
        register(world, actor=staff, sampled_on=tomorrow, model="JG-3509")
    assert refused.value.message_dict == {"sampled_on": [f"抽样日期 {tomorrow:%Y-%m-%d} 晚于今天"]}
    sample = failing_sample(world)
    with acting(staff):
        rect = samples.order_rectification(actor=staff, sample=sample, on=D(2024, 5, 12))
        with pytest.raises(ValidationError) as refused:
            samples.record_recheck(actor=staff, rectification=rect, on=tomorrow, passed=False)
    assert refused.value.message_dict == {"rechecked_on": [f"复查日期 {tomorrow:%Y-%m-%d} 晚于今天"]}
    rect.refresh_from_db()
    assert rect.rechecked_on is None and rect.status == RectificationStatus.ORDERED
    with acting(SYSTEM):
        samples.record_recheck(actor=SYSTEM, rectification=rect, on=tomorrow, passed=True)


def test_a_result_in_words_is_printed_without_the_items_unit():
    """The report and the notice printed “未检出 g/kg” and “未检出 CFU/g”."""
    from zhiliang.sampling.models import TestResult

    assert TestResult(measured="未检出", unit="g/kg").measured_text == "未检出"
    assert TestResult(measured="符合", unit="").measured_text == "符合"
    assert TestResult(measured="0.12", unit="mg/kg").measured_text == "0.12 mg/kg"
    assert TestResult(measured="35", unit="").measured_text == "35"
