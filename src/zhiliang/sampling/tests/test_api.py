"""The sampling API (/api/v1/sampling/…): lists with filters and paging, details, the main
actions through the services, the scoping (another county 404, a lab only its samples, an
enterprise only its own), the public reads of published plans, draws and bulletins, and the
draw's seed hidden until the draw (inspector and lab pools for auditors only)."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.models import ObjectChange
from zhiliang.sampling.choices import Conclusion, DrawStatus, SampleStatus, TaskStatus
from zhiliang.sampling.models import Draw
from zhiliang.sampling.services import samples
from zhiliang.testing.fixtures import as_system, make_user

from .samples_data import SAMPLED_ON, acting, build_world, failing_sample, make_plan, make_task, register, through_lab

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world():
    return build_world()


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def url(name, *args):
    return reverse(f"v1:sampling-{name}", args=args)


# --- plans --------------------------------------------------------------------------------------------


def test_plans_filter_and_page_and_the_public_reads_only_published_ones(world, county_user):
    draft, _ = make_plan(code="SY-MJ-2024-DRAFT", approve=False)
    city, _ = make_plan(code="SY-CITY-2023-01", year=2023, level="city", region_code="420300", department_code="sy-amr")
    staff = api(county_user)
    assert ids(staff.get(url("plan-list"))) >= {world.plan.pk, draft.pk}
    assert ids(staff.get(url("plan-list"), {"status": "draft"})) == {draft.pk}
    assert ids(staff.get(url("plan-list"), {"year": 2023})) == {city.pk}
    assert ids(staff.get(url("plan-list"), {"level": "city"})) == {city.pk}
    paged = staff.get(url("plan-list"), {"page_size": 1}).json()
    assert paged["count"] >= 3 and len(paged["results"]) == 1 and paged["next"]
    detail = staff.get(url("plan-detail", world.plan.pk)).json()
    assert detail["code"] == world.plan.code and {i["name"] for i in detail["test_items"]} >= {"硬度", "菌落总数"}
    assert detail["quotas"][0]["region"] == "420302" and detail["risk_ratios"] == {"A": 5.0, "B": 10.0, "C": 30.0, "D": 60.0}
    anonymous = api()
    assert ids(anonymous.get(url("plan-list"))) == {world.plan.pk, city.pk}
    assert anonymous.get(url("plan-detail", draft.pk)).status_code == 404
    assert api(make_user(Role.COUNTY_STAFF, region_code="420303")).get(url("plan-detail", draft.pk)).status_code == 404


def test_a_plan_is_created_completed_and_approved_through_the_api(world, county_user):
    staff = api(county_user)
    response = staff.post(url("plan-list"), {"code": "API-2025-01", "title": "2025年茅箭区儿童用品监督抽查", "year": 2025, "level": "county",
                                             "region": "420302", "categories": ["auto-parts"]}, format="json")
    assert response.status_code == 201, response.content
    plan_id = response.json()["id"]
    assert response.json()["status"] == "draft" and response.json()["risk_ratios"] == {"A": 5.0, "B": 10.0, "C": 30.0, "D": 60.0}
    bad = staff.post(url("plan-test-items", plan_id), {"category": "auto-parts", "name": "硬度", "direction": "max"}, format="json")
    assert bad.status_code == 400 and "须填写上限" in str(bad.json())
    ok = staff.post(url("plan-test-items", plan_id), {"category": "auto-parts", "name": "硬度", "direction": "max", "limit_high": "240"},
                    format="json")
    assert ok.status_code == 201 and ok.json()["test_items"][0]["name"] == "硬度"
    quota = staff.post(url("plan-quotas", plan_id), {"region": "420302", "category": "auto-parts", "quantity": 2}, format="json")
    assert quota.status_code == 200 and quota.json()["quotas"][0]["quantity"] == 2
    # the author may not approve it; another county user may
    refused = staff.post(url("plan-approve", plan_id), {"on": "2025-02-01"}, format="json")
    assert refused.status_code == 403 and "拟订人以外" in refused.json()["detail"]
    approver = api(make_user(Role.COUNTY_STAFF, region_code="420302"))
    assert approver.post(url("plan-approve", plan_id), {"on": "2025-02-01"}, format="json").json()["status"] == "approved"
    assert approver.patch(url("plan-detail", plan_id), {"title": "改名"}, format="json").status_code == 400  # no longer a draft
    # other counties get 404, a lab account 404 too (not visible), the change is audited
    assert api(make_user(Role.COUNTY_STAFF, region_code="420303")).post(url("plan-publish", plan_id), {}, format="json").status_code == 404
    assert ObjectChange.objects.filter(content_type__model="samplingplan", object_id=str(plan_id), source="api").exists()


# --- draws: the seed is hidden before the draw ------------------------------------------------------------------


def test_the_seed_is_hidden_until_the_draw_and_the_result_after_it(world, county_user, auditor):
    staff = api(county_user)
    response = staff.post(url("plan-freeze", world.plan.pk), {"on": "2024-03-10"}, format="json")
    assert response.status_code == 201, response.content
    frozen = response.json()
    draw = Draw.objects.get(pk=frozen["id"])
    assert draw.seed and frozen["seed"] is None and frozen["result"] is None
    assert frozen["seed_commitment"] == hashlib.sha256(draw.seed.encode()).hexdigest()
    assert draw.seed not in staff.get(url("draw-detail", draw.pk)).content.decode()
    assert draw.seed not in staff.get(url("draw-list")).content.decode()
    # the enterprise pool may be downloaded by whoever sees the draw
    pool = staff.get(url("draw-pool", draw.pk))
    assert pool.status_code == 200
    content = b"".join(pool.streaming_content)
    assert hashlib.sha256(content).hexdigest() == draw.pool_hash or content == draw.pool_file.open("rb").read()

    drawn = staff.post(url("draw-run", draw.pk), {"public_value": "07 12 19 23 31 33 + 05"}, format="json").json()
    assert drawn["status"] == DrawStatus.DRAWN and drawn["seed"] == draw.seed and drawn["public_value"] == "07 12 19 23 31 33 + 05"
    assert isinstance(drawn["result"], list)
    # the task list follows the draw; the drawn enterprise cannot see its task
    assert ids(staff.get(url("task-list"), {"draw": draw.pk})) == set(draw.tasks.values_list("pk", flat=True))

    inspectors = staff.post(url("draw-inspectors", draw.pk), {}, format="json")
    assert inspectors.status_code == 201, inspectors.content
    body = inspectors.json()
    assert body["kind"] == "inspector" and body["result"] is None and body["pool_url"] is None
    assert staff.get(url("draw-pool", body["id"])).status_code == 403
    audit = api(auditor)
    assert audit.get(url("draw-detail", body["id"])).json()["pool_url"]
    assert audit.get(url("draw-pool", body["id"])).status_code == 200
    # unpublished draws are not public; once published they are
    assert api().get(url("draw-detail", draw.pk)).status_code == 404
    assert staff.post(url("draw-publish", draw.pk), format="json").json()["status"] == DrawStatus.PUBLISHED
    public = api().get(url("draw-detail", draw.pk)).json()
    assert public["seed"] == draw.seed and public["pool_url"]


# --- tasks and samples ------------------------------------------------------------------------------------------


def test_tasks_are_listed_for_their_county_and_a_refusal_recorded(world, county_user, other_county_user):
    own = make_task(world)
    other = make_task(world, world.registry.zhangwan)
    assert ids(api(county_user).get(url("task-list"))) == {own.pk}
    assert ids(api(other_county_user).get(url("task-list"))) == {other.pk}
    assert api(world.user("maojian")).get(url("task-list")).json()["count"] == 0
    assert api(other_county_user).post(url("task-refuse", own.pk), {"on": "2024-04-10", "note": "x"}, format="json").status_code == 404
    response = api(county_user).post(url("task-refuse", own.pk), {"on": "2024-04-10", "note": "拒绝抽样"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == TaskStatus.REFUSED


def sample_body(world, **changes):
    body = {"plan": world.plan.pk, "sampled_on": SAMPLED_ON.isoformat(), "product": world.registry.product.pk, "product_name": "制动鼓",
            "trademark": "精工", "model": "JG-3502", "producer": world.maojian.pk, "producer_name": world.maojian.name,
            "region": "420302", "category": "auto-parts", "inspectors": [i.pk for i in world.inspectors], "price_paid": "120.00"}
    body.update(changes)
    return body


def test_samples_are_registered_and_the_six_month_ban_refused_with_its_reason(world, county_user):
    staff = api(county_user)
    first = staff.post(url("sample-list"), sample_body(world), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == SampleStatus.REGISTERED and first.json()["sample_no"]
    market, _ = make_plan(code="SY-MJ-2024-M", place="market")
    again = staff.post(url("sample-list"), sample_body(world, plan=market.pk, place="market", sampled_on="2024-10-10", product=None,
                                                     sampled_unit_name="十堰某超市"),
                       format="json")
    assert again.status_code == 400
    assert "6 个月内不得重复抽查" in " ".join(again.json()["model"])
    allowed = staff.post(url("sample-list"), sample_body(world, plan=market.pk, place="market", sampled_on="2024-10-11", product=None,
                                                       sampled_unit_name="十堰某超市"),
                         format="json")
    assert allowed.status_code == 201


def test_samples_filter_and_the_scoping_of_counties_labs_and_enterprises(world, county_user, other_county_user):
    passing = register(world)
    through_lab(world, passing)
    failing = failing_sample(world, model="JG-3503")
    other_lab_sample = register(world, model="JG-3504")
    with as_system():
        samples.send_sample(actor=SYSTEM, sample=other_lab_sample, lab=world.other_lab, on=D(2024, 4, 11))
    staff = api(county_user)
    assert ids(staff.get(url("sample-list"))) == {passing.pk, failing.pk, other_lab_sample.pk}
    assert ids(staff.get(url("sample-list"), {"conclusion": "fail"})) == {failing.pk}
    assert ids(staff.get(url("sample-list"), {"status": "sent"})) == {other_lab_sample.pk}
    assert ids(staff.get(url("sample-list"), {"lab": world.other_lab.pk})) == {other_lab_sample.pk}
    assert ids(staff.get(url("sample-list"), {"region": "420302", "category": "auto", "level": "county"})) == {
        passing.pk, failing.pk, other_lab_sample.pk}
    assert ids(staff.get(url("sample-list"), {"region": "420303"})) == set()
    # another county: not found
    assert ids(api(other_county_user).get(url("sample-list"))) == set()
    assert api(other_county_user).get(url("sample-detail", failing.pk)).status_code == 404
    # a lab: only what was sent to it
    assert ids(api(world.user("lab")).get(url("sample-list"))) == {passing.pk, failing.pk}
    assert ids(api(world.user("other_lab")).get(url("sample-list"))) == {other_lab_sample.pk}
    # an enterprise: its own samples; a stranger none
    assert ids(api(world.user("maojian")).get(url("sample-list"))) == {passing.pk, failing.pk, other_lab_sample.pk}
    assert ids(api(world.user("zhangwan")).get(url("sample-list"))) == set()
    # anonymous: a token is needed
    assert api().get(url("sample-list")).status_code in (401, 403)


def test_the_chain_of_custody_report_and_issue_through_the_api(world, county_user):
    sample = register(world)
    staff, lab = api(county_user), api(world.user("lab"))
    sent = staff.post(url("sample-send", sample.pk), {"lab": world.lab.pk, "on": "2024-04-11"}, format="json")
    assert sent.status_code == 200 and sent.json()["status"] == SampleStatus.SENT
    assert lab.post(url("sample-receive", sample.pk), {"on": "2024-04-12", "condition": "封样完好"}, format="json").json()["status"] == "received"
    items = world.items
    body = {"sample": sample.pk, "report_no": "BG-API-1", "tested_on": "2024-04-20", "results": [
        {"item": items["hardness"].pk, "measured": "205"}, {"item": items["marking"].pk, "measured": "不符合"},
        {"item": items["runout"].pk, "measured": "0.03"}]}
    # the conclusion is never typed: a "conclusion" in the body is ignored
    created = lab.post(url("report-list"), {**body, "conclusion": "pass"}, format="json")
    assert created.status_code == 201, created.content
    report = created.json()
    assert report["conclusion"] == Conclusion.FAIL and report["failing_items"] == ["标志"]
    assert staff.post(url("report-list"), body, format="json").status_code == 403  # only the lab writes its report
    issued = lab.post(url("report-issue", report["id"]), {"on": "2024-04-25"}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    assert api(world.user("other_lab")).get(url("report-detail", report["id"])).status_code == 404
    assert ids(api(world.user("maojian")).get(url("report-list"))) == {report["id"]}
    notified = staff.post(url("sample-notify", sample.pk), {"on": timezone.localdate().isoformat(), "method": "account"}, format="json")
    assert notified.json()["status"] == SampleStatus.NOTIFIED


def test_an_enterprise_files_an_objection_within_the_deadline_only(world):
    today = timezone.localdate()
    in_time = failing_sample(world, notified_on=today)
    late = failing_sample(world, model="JG-3503", notified_on=D(2024, 4, 26))
    company = api(world.user("maojian"))
    refused = company.post(url("objection-list"), {"sample": late.pk, "reason": "不服"}, format="json")
    assert refused.status_code == 400 and "复检申请期限已于 2024-05-11 届满" in str(refused.json())
    filed = company.post(url("objection-list"), {"sample": in_time.pk, "reason": "硬度检测位置不当"}, format="json")
    assert filed.status_code == 201 and filed.json()["status"] == "filed"
    assert api(world.user("zhangwan")).post(url("objection-list"), {"sample": in_time.pk, "reason": "x"}, format="json").status_code == 400
    assert ids(company.get(url("objection-list"))) == {filed.json()["id"]}


def test_staff_decide_order_rectification_and_refer(world, county_user):
    staff = api(county_user)
    today = timezone.localdate()
    sample = failing_sample(world, notified_on=today)
    company = world.user("maojian")
    with acting(company):
        objection = samples.file_objection(actor=company, sample=sample, on=today, reason="复检")
    decided = staff.post(url("objection-decide", objection.pk), {"accept": False, "on": today.isoformat(), "note": "理由不成立"}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"
    rect = staff.post(url("sample-rectification", sample.pk), {"on": today.isoformat()}, format="json")
    assert rect.status_code == 201, rect.content
    rect_id = rect.json()["id"]
    assert ids(staff.get(url("rectification-list"))) == {rect_id}
    assert staff.post(url("rectification-recheck", rect_id), {"on": today.isoformat(), "passed": True}, format="json").json()["status"] == "passed"
    assert api(world.user("maojian")).get(url("rectification-detail", rect_id)).status_code == 200

    market, _ = make_plan(code="SY-MJ-2024-M", place="market")
    outside = failing_sample(world, plan=market, product=None, category=market.categories.get(code="auto-parts"), product_name="刹车盘",
                             trademark="瑞安", model="RA-300",
                             producer=world.outside, sampled_unit=world.maojian)
    referral = staff.post(url("sample-referral", outside.pk), {"authority": "瑞安市市场监督管理局", "on": "2024-05-20"}, format="json")
    assert referral.status_code == 201
    overdue = staff.get(url("referral-list"), {"overdue": "true"})
    assert ids(overdue) == {referral.json()["id"]}
    replied = staff.post(url("referral-reply", referral.json()["id"]), {"on": "2024-06-01", "reply": "已处置"}, format="json")
    assert replied.json()["status"] == "replied"


# --- bulletins ---------------------------------------------------------------------------------------------------


def test_bulletins_are_created_published_and_read_by_the_public(world, county_user):
    sample = register(world)
    through_lab(world, sample)
    with as_system():
        samples.notify_result(actor=SYSTEM, sample=sample, on=D(2024, 4, 26), method="account")
    staff = api(county_user)
    created = staff.post(url("bulletin-list"), {"plan": world.plan.pk, "number": "API-GG-1", "title": "结果公告"}, format="json")
    assert created.status_code == 201, created.content
    bulletin_id = created.json()["id"]
    assert [row["sample_no"] for row in created.json()["samples"]] == [sample.sample_no]
    assert api().get(url("bulletin-detail", bulletin_id)).status_code == 404
    assert staff.post(url("bulletin-publish", bulletin_id), {"on": "2024-05-06"}, format="json").json()["status"] == "published"
    public = api().get(url("bulletin-detail", bulletin_id)).json()
    row = public["samples"][0]
    assert row["conclusion"] == "pass" and row["product_name"] == "制动鼓" and "price_paid" not in row
    assert ids(api().get(url("bulletin-list"), {"plan": world.plan.code})) == {bulletin_id}


def test_an_imported_result_is_matched_through_the_api(world, county_user):
    from .test_views import imported_unmatched

    row = imported_unmatched()
    staff = api(county_user)
    assert ids(staff.get(url("sample-list"), {"unmatched": "true"})) == {row.pk}
    matched = staff.post(url("sample-match", row.pk), {"enterprise": world.maojian.pk}, format="json")
    assert matched.status_code == 200 and matched.json()["producer"] == world.maojian.pk
    assert ids(staff.get(url("sample-list"), {"unmatched": "true"})) == set()


def test_a_failing_result_becomes_final_after_the_window_only(world, county_user):
    staff = api(county_user)
    late = failing_sample(world, notified_on=D(2024, 4, 26))
    in_window = failing_sample(world, model="JG-3503", notified_on=timezone.localdate())
    assert staff.post(url("sample-finalise", late.pk), {"on": "2024-05-20"}, format="json").json()["status"] == SampleStatus.FINAL
    refused = staff.post(url("sample-finalise", in_window.pk), {}, format="json")
    assert refused.status_code == 400 and "期满后检验结论方可确定" in str(refused.json())
    assert api(world.user("lab")).post(url("sample-finalise", in_window.pk), {}, format="json").status_code == 403
