"""The sampling app's staff pages: each page renders for its roles, the scoping (another
county's sample is not found, a lab sees only the samples sent to it, an enterprise only its
own), the forms post through the services (plan → items → quotas → approval, registration with
the 6-month ban refused on the form, the lab's report with the derived conclusion, the
enterprise's objection and its deadline, the steps after a failing result, bulletins, the
import review) and every form carries its CSRF token."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.tests.test_views import external_urls
from zhiliang.enterprises.tests.views_data import category
from zhiliang.sampling.choices import Conclusion, DrawStatus, PlanStatus, SampleStatus, TaskStatus
from zhiliang.sampling.models import Bulletin, Draw, Objection, Quota, Rectification, Referral, Sample, SamplingPlan, TestItem
from zhiliang.sampling.services import bulletins, draws, samples
from zhiliang.testing.fixtures import as_system, make_user, region

from .samples_data import SAMPLED_ON, acting, build_world, failing_sample, make_plan, make_task, register, through_lab

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world():
    return build_world()


def login(client, user):
    client.force_login(user)
    return client


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context and "messages" in response.context else []


# --- every page renders for its roles ------------------------------------------------------------


def staff_pages(world, sample, task, draw_obj, bulletin):
    return [
        reverse("sampling:plan-list"),
        reverse("sampling:plan-detail", args=[world.plan.pk]),
        reverse("sampling:draw-detail", args=[draw_obj.pk]),
        reverse("sampling:task-list"),
        reverse("sampling:task-detail", args=[task.pk]),
        reverse("sampling:sample-list"),
        reverse("sampling:sample-detail", args=[sample.pk]),
        reverse("sampling:sample-notice", args=[sample.pk]),
        reverse("sampling:rectification-list"),
        reverse("sampling:referral-list"),
        reverse("sampling:overdue"),
        reverse("sampling:bulletin-list"),
        reverse("sampling:bulletin-detail", args=[bulletin.pk]),
        reverse("sampling:import-review"),
    ]


def test_staff_pages_render_for_county_staff_city_admin_and_auditor(client, world, county_user, city_admin, auditor):
    sample = failing_sample(world)
    task = make_task(world)
    with as_system():
        draw_obj = draws.freeze_enterprise_pool(actor=SYSTEM, plan=world.plan, on=D(2024, 3, 10))
    passing = register(world, model="JG-3503")
    through_lab(world, passing, report_no="BG-P1")
    with as_system():
        samples.notify_result(actor=SYSTEM, sample=passing, on=D(2024, 4, 26), method="account")
        bulletin = bulletins.create_bulletin(actor=SYSTEM, plan=world.plan, number="GG-1", title="抽查结果公告", samples=[passing])
    for user in (county_user, city_admin, auditor):
        login(client, user)
        for url in staff_pages(world, sample, task, draw_obj, bulletin):
            if user is auditor and url == reverse("sampling:import-review"):
                continue  # the auditor changes nothing: 403 (below)
            response = page(client, url)
            assert external_urls(text(response)) == [], url
    login(client, auditor)
    page(client, reverse("sampling:import-review"), 403)


def test_anonymous_users_are_sent_to_the_login_page(client, world):
    sample = register(world)
    for url in (reverse("sampling:plan-list"), reverse("sampling:sample-detail", args=[sample.pk]), reverse("sampling:task-list"),
                reverse("sampling:my-sample-list")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("core:login")), url


def test_the_menu_and_page_titles_are_chinese(client, world, county_user):
    response = page(login(client, county_user), reverse("sampling:plan-list"))
    html = text(response)
    assert "<h1>抽查计划</h1>" in html and world.plan.title in html and "已公告" in html


# --- plans ------------------------------------------------------------------------------------------


def test_a_plan_is_drafted_completed_approved_and_published_through_the_forms(client, world, county_user):
    author = county_user
    login(client, author)
    response = client.post(reverse("sampling:plan-create"), {
        "code": "SY-MJ-2025-07", "title": "2025年茅箭区电线电缆产品质量监督抽查", "year": 2025, "level": "county", "kind": "routine",
        "place": "factory", "region": region("420302").pk, "categories": [category("auto-parts").pk],
        "risk_A": "5", "risk_B": "10", "risk_C": "30", "risk_D": "60",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = SamplingPlan.objects.get(code="SY-MJ-2025-07")
    assert response.url == reverse("sampling:plan-detail", args=[plan.pk])
    assert plan.status == PlanStatus.DRAFT and plan.risk_ratios == {"A": 5, "B": 10, "C": 30, "D": 60}

    # test items: one valid row, the empty rows are skipped
    prefix = "item"
    data = {f"{prefix}-TOTAL_FORMS": 3, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 50}
    data.update({f"{prefix}-0-category": category("auto-parts").pk, f"{prefix}-0-name": "硬度", f"{prefix}-0-direction": "range",
                 f"{prefix}-0-limit_low": "180", f"{prefix}-0-limit_high": "240", f"{prefix}-0-unit": "HBW"})
    data.update({f"{prefix}-1-direction": "max", f"{prefix}-2-direction": "max"})
    response = client.post(reverse("sampling:plan-test-items", args=[plan.pk]), data)
    assert response.status_code == 302, text(response)[:3000]
    assert list(TestItem.objects.filter(plan=plan).values_list("name", flat=True)) == ["硬度"]
    # a row without its limit is refused next to the field
    data.update({f"{prefix}-0-name": "径向跳动", f"{prefix}-0-direction": "max", f"{prefix}-0-limit_low": "", f"{prefix}-0-limit_high": ""})
    response = client.post(reverse("sampling:plan-test-items", args=[plan.pk]), data)
    assert response.status_code == 400 and "须填写上限" in text(response)

    # quotas: the county × category grid
    grid = page(client, reverse("sampling:plan-quotas", args=[plan.pk]))
    field = f"q_{region('420302').pk}_{category('auto-parts').pk}"
    assert f'name="{field}"' in text(grid)
    response = client.post(reverse("sampling:plan-quotas", args=[plan.pk]), {field: "3"})
    assert response.status_code == 302
    assert Quota.objects.get(plan=plan).quantity == 3

    # the author may not approve (separation of duties): refused with the reason
    response = client.post(reverse("sampling:plan-step", args=[plan.pk, "approve"]), {"on": "2025-02-01"}, follow=True)
    assert any("拟订人以外" in m for m in messages_of(response))
    assert SamplingPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT
    approver = make_user(Role.COUNTY_STAFF, region_code="420302")
    login(client, approver)
    client.post(reverse("sampling:plan-step", args=[plan.pk, "approve"]), {"on": "2025-02-01"})
    response = client.post(reverse("sampling:plan-step", args=[plan.pk, "publish"]), {"on": "2025-02-03"}, follow=True)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.published_on == D(2025, 2, 3)
    assert any("已发布抽查计划公告" in m for m in messages_of(response))


def test_another_countys_draft_plan_is_not_found_and_its_published_plan_is_read_only(client, world, other_county_user):
    draft, _ = make_plan(code="SY-MJ-2024-DRAFT", approve=False)
    login(client, other_county_user)
    page(client, reverse("sampling:plan-detail", args=[draft.pk]), 404)
    page(client, reverse("sampling:plan-edit", args=[draft.pk]), 404)
    html = text(page(client, reverse("sampling:plan-detail", args=[world.plan.pk])))
    assert world.plan.title in html and "plan-actions" not in html
    assert client.post(reverse("sampling:plan-step", args=[world.plan.pk, "close"]), {"on": "2024-12-31"}).status_code == 403


def test_a_lab_account_may_not_open_a_draft_plan(client, world):
    draft, _ = make_plan(code="SY-MJ-2024-DRAFT", approve=False)
    login(client, world.user("lab"))
    page(client, reverse("sampling:plan-detail", args=[draft.pk]), 403)


# --- draws ------------------------------------------------------------------------------------------


def test_the_draw_page_hides_the_seed_until_the_draw_and_the_pools_go_to_the_permitted(client, world, county_user, auditor):
    from zhiliang.enterprises.models import Enterprise

    with as_system():  # an enterprise of the pool no longer in operation is excluded, with its reason
        Enterprise.objects.filter(pk=world.maojian.pk).update(status="revoked")
    login(client, county_user)
    response = client.post(reverse("sampling:plan-freeze", args=[world.plan.pk]), {"on": "2024-03-10"})
    draw_obj = Draw.objects.get(plan=world.plan, kind="enterprise")
    assert response.status_code == 302 and response.url == reverse("sampling:draw-detail", args=[draw_obj.pk])
    html = text(page(client, reverse("sampling:draw-detail", args=[draw_obj.pk])))
    assert draw_obj.pool_hash in html and draw_obj.seed_commitment in html
    assert draw_obj.excluded_count >= 1 and world.maojian.name in html and "不在经营：登记状态为吊销" in html
    assert draw_obj.seed and draw_obj.seed not in html and "抽取后公开" in html
    # everyone with access downloads the enterprise pool; its SHA-256 is the recorded hash
    pool = client.get(reverse("sampling:draw-pool", args=[draw_obj.pk]))
    assert pool.status_code == 200
    import hashlib

    assert hashlib.sha256(b"".join(pool.streaming_content)).hexdigest() in (draw_obj.pool_hash, hashlib.sha256(
        draw_obj.pool_file.open("rb").read()).hexdigest())

    response = client.post(reverse("sampling:draw-run", args=[draw_obj.pk]), {"public_value": "2024030 07 12 19"}, follow=True)
    draw_obj.refresh_from_db()
    assert draw_obj.status == DrawStatus.DRAWN and draw_obj.public_value == "2024030 07 12 19"
    html = text(response)
    assert draw_obj.seed in html
    client.post(reverse("sampling:draw-followup", args=[draw_obj.pk, "inspectors"]), {"public_value": ""})
    inspector_draw = Draw.objects.get(plan=world.plan, kind="inspector")
    # the inspector pool holds personal data: county staff may not download it, the auditor may
    assert client.get(reverse("sampling:draw-pool", args=[inspector_draw.pk])).status_code == 403
    login(client, auditor)
    assert client.get(reverse("sampling:draw-pool", args=[inspector_draw.pk])).status_code == 200


# --- tasks -----------------------------------------------------------------------------------------


def test_county_staff_list_their_countys_tasks_and_record_a_refusal(client, world, county_user, other_county_user):
    own = make_task(world)
    other = make_task(world, world.registry.zhangwan)
    login(client, county_user)
    listed = {t.pk for t in page(client, reverse("sampling:task-list")).context["page"]}
    assert own.pk in listed and other.pk not in listed
    page(client, reverse("sampling:task-detail", args=[other.pk]), 404)
    response = client.post(reverse("sampling:task-refuse", args=[own.pk]), {"on": "2024-04-10", "note": ""})
    assert response.status_code == 400 and "拒检情况说明" in text(response)
    response = client.post(reverse("sampling:task-refuse", args=[own.pk]), {"on": "2024-04-10", "note": "企业负责人拒绝抽样并拒绝签字"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == TaskStatus.REFUSED and own.refused_on == D(2024, 4, 10)
    login(client, other_county_user)
    assert client.post(reverse("sampling:task-refuse", args=[own.pk]), {"on": "2024-04-10", "note": "x"}).status_code == 404


def sample_post(world, **changes):
    data = {
        "sampled_on": SAMPLED_ON.isoformat(), "place": "factory", "category": category("auto-parts").pk, "product_name": "制动鼓",
        "trademark": "精工", "model": "JG-3502", "standard": "QC/T 316-2023", "batch_no": "20240301", "producer": world.maojian.pk,
        "producer_name": world.maojian.name, "sampled_unit": world.maojian.pk, "sampled_unit_name": world.maojian.name,
        "quantity_tested": 2, "quantity_reserve": 2, "unit": "件", "price_paid": "240.00",
        "inspectors": [i.pk for i in world.inspectors],
    }
    data.update(changes)
    return data


def test_a_sample_is_registered_from_its_task_prefilled(client, world, county_user):
    task = make_task(world, product=world.registry.product)
    login(client, county_user)
    form = page(client, reverse("sampling:task-register", args=[task.pk]))
    html = text(form)
    assert 'value="制动鼓"' in html and 'value="JG-3502"' in html and world.maojian.name in html
    response = client.post(reverse("sampling:task-register", args=[task.pk]), sample_post(world))
    assert response.status_code == 302, text(response)[:3000]
    sample = Sample.objects.get(task=task)
    assert sample.product_name == "制动鼓" and sample.producer == world.maojian and sample.lab == world.lab
    assert response.url == reverse("sampling:sample-detail", args=[sample.pk])
    task.refresh_from_db()
    assert task.status == TaskStatus.SAMPLED


def test_the_six_month_ban_is_shown_as_a_refusal_on_the_on_site_form(client, world, county_user):
    register(world)  # 2024-04-10, 精工 制动鼓 JG-3502
    market, _ = make_plan(code="SY-MJ-2024-M", place="market")
    login(client, county_user)
    form = page(client, reverse("sampling:sample-register") + f"?plan={market.pk}")
    assert "标称生产企业" in text(form)
    data = sample_post(world, plan=market.pk, place="market", sampled_on="2024-10-10")
    response = client.post(reverse("sampling:sample-register"), data)
    assert response.status_code == 400
    html = text(response)
    assert 'id="ban-refusal"' in html and "6 个月内不得重复抽查" in html and "2024-10-10（含）前不得再次抽查" in html
    assert Sample.objects.filter(plan=market).count() == 0
    # the next day the same product may be sampled again
    response = client.post(reverse("sampling:sample-register"), dict(data, sampled_on="2024-10-11"))
    assert response.status_code == 302
    assert Sample.objects.filter(plan=market).count() == 1


def test_the_producer_search_offers_registry_enterprises(client, world, county_user):
    login(client, county_user)
    response = page(client, reverse("sampling:enterprise-search") + "?field=producer&producer_q=精工")
    html = text(response)
    assert world.maojian.name in html and f'name="producer" value="{world.maojian.pk}"' in html
    assert "至少输入两个字" in text(page(client, reverse("sampling:enterprise-search") + "?field=producer&producer_q=精"))


def test_an_online_sample_needs_its_shop_and_order(client, world, county_user):
    online, _ = make_plan(code="SY-MJ-2024-W", place="online")
    login(client, county_user)
    response = client.post(reverse("sampling:sample-register"), sample_post(world, plan=online.pk, place="online", sampled_on="2024-11-20"))
    assert response.status_code == 400 and "网上抽查须填写电商平台" in text(response)


# --- samples: scoping and the chain of custody --------------------------------------------------------------


def test_another_countys_sample_is_not_found(client, world, other_county_user, county_user):
    sample = register(world)
    login(client, other_county_user)
    page(client, reverse("sampling:sample-detail", args=[sample.pk]), 404)
    assert sample.pk not in {s.pk for s in page(client, reverse("sampling:sample-list")).context["page"]}
    assert client.post(reverse("sampling:sample-send", args=[sample.pk]), {"lab": world.lab.pk, "on": "2024-04-11"}).status_code == 404
    login(client, county_user)
    assert sample.pk in {s.pk for s in page(client, reverse("sampling:sample-list")).context["page"]}


def test_a_lab_sees_only_the_samples_sent_to_it_receives_and_reports(client, world, county_user):
    sample = register(world)
    other = register(world, model="JG-3503")
    login(client, county_user)
    response = client.post(reverse("sampling:sample-send", args=[sample.pk]), {"lab": world.lab.pk, "on": "2024-04-11"}, follow=True)
    assert any("已登记送样" in m for m in messages_of(response))
    with as_system():
        samples.send_sample(actor=SYSTEM, sample=other, lab=world.other_lab, on=D(2024, 4, 11))
    # receipt is the lab's to record (the service refuses county staff): no form for them
    assert 'id="receive-form"' not in text(page(client, reverse("sampling:sample-detail", args=[sample.pk])))

    lab = login(client, world.user("lab"))
    listed = {s.pk for s in page(lab, reverse("sampling:sample-list")).context["page"]}
    assert listed == {sample.pk}
    page(lab, reverse("sampling:sample-detail", args=[other.pk]), 404)
    html = text(page(lab, reverse("sampling:sample-detail", args=[sample.pk])))
    assert 'id="receive-form"' in html and 'id="send-form"' not in html
    lab.post(reverse("sampling:sample-receive", args=[sample.pk]), {"on": "2024-04-12", "condition": "封样完好"})
    sample.refresh_from_db()
    assert sample.status == SampleStatus.RECEIVED and sample.received_condition == "封样完好"

    # the report: one row per test item of the plan's category; the conclusion is derived
    form = page(lab, reverse("sampling:report-edit", args=[sample.pk]))
    html = text(form)
    assert "硬度" in html and "标志" in html and "径向跳动" in html and "菌落总数" not in html
    assert 'name="conclusion"' not in html
    items = world.items
    # a pass/fail item is chosen (符合/不符合), a measured one typed as a number
    assert re.search(rf'<select name="m_{items["marking"].pk}"[^>]*>.*?<option value="符合">.*?<option value="不符合">', html, re.S)
    assert re.search(rf'<input type="text" name="m_{items["hardness"].pk}"[^>]*inputmode="decimal"', html)
    response = lab.post(reverse("sampling:report-edit", args=[sample.pk]), {
        "report_no": "BG-2024-0001", "tested_on": "2024-04-20", "note": "",
        f"m_{items['hardness'].pk}": "262", f"m_{items['marking'].pk}": "符合", f"m_{items['runout'].pk}": "0.02",
        "conclusion": "pass",  # not a field: ignored
    }, follow=True)
    html = text(response)
    assert "结论由各项目判定得出：不合格" in html and 'id="derived-conclusion"' in html
    report = sample.reports.get()
    assert report.conclusion == Conclusion.FAIL and report.failing_items == ["硬度"]
    response = lab.post(reverse("sampling:report-issue", args=[report.pk]), {"on": "2024-04-25"}, follow=True)
    sample.refresh_from_db()
    assert sample.status == SampleStatus.REPORTED and sample.conclusion == Conclusion.FAIL
    # another lab may not write this report
    page(login(client, world.user("other_lab")), reverse("sampling:report-edit", args=[sample.pk]), 404)


def test_a_non_numeric_value_is_refused_next_to_its_item(client, world):
    sample = register(world)
    with as_system():
        samples.send_sample(actor=SYSTEM, sample=sample, lab=world.lab, on=D(2024, 4, 11))
    lab = login(client, world.user("lab"))
    lab.post(reverse("sampling:sample-receive", args=[sample.pk]), {"on": "2024-04-12", "condition": "完好"})
    items = world.items
    response = lab.post(reverse("sampling:report-edit", args=[sample.pk]), {
        "report_no": "BG-X", "tested_on": "2024-04-20",
        f"m_{items['hardness'].pk}": "很硬", f"m_{items['marking'].pk}": "符合", f"m_{items['runout'].pk}": "0.02",
    })
    assert response.status_code == 400 and "不是数值" in text(response)


def test_attachments_are_uploaded_and_downloaded_within_the_scope(client, world, county_user, other_county_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    online, _ = make_plan(code="SY-MJ-2024-W", place="online")
    sample = register(world, plan=online, place="online", platform="示例商城", shop="精工旗舰店", order_no="T2024041000001",
                      sampled_on=D(2024, 11, 20))
    login(client, county_user)
    disguised = SimpleUploadedFile("页面截图.html", b"MZ\x90\x00\x03\x00\x00\x00", content_type="text/html")
    response = client.post(reverse("sampling:sample-attach", args=[sample.pk]), {"kind": "page_capture", "file": disguised}, follow=True)
    assert any("“页面截图.html”的内容不是 HTML 文件（可能改过扩展名）" in m for m in messages_of(response)), messages_of(response)
    assert not sample.attachments.exists()
    upload = SimpleUploadedFile("页面截图.png", b"\x89PNG\r\n\x1a\n fake", content_type="image/png")
    response = client.post(reverse("sampling:sample-attach", args=[sample.pk]), {"kind": "page_capture", "file": upload,
                                                                                  "description": "商品页面"}, follow=True)
    assert any("已上传附件" in m for m in messages_of(response))
    attachment = sample.attachments.get()
    assert attachment.kind == "page_capture"
    download = client.get(reverse("sampling:attachment-download", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"\x89PNG\r\n\x1a\n fake"
    login(client, other_county_user)
    assert client.get(reverse("sampling:attachment-download", args=[attachment.pk])).status_code == 404


# --- the enterprise's account ------------------------------------------------------------------------------


def test_an_enterprise_sees_its_own_results_prints_the_notice_and_objects_in_time(client, world):
    today = timezone.localdate()
    own = failing_sample(world, notified_on=today)
    stranger_sample = register(world, producer=world.food_maker, product=None, category=category("food-drinks"), product_name="山泉水",
                               model="550ml")
    company = login(client, world.user("maojian"))
    listed = {s.pk for s in page(company, reverse("sampling:my-sample-list")).context["page"]}
    assert listed == {own.pk}
    page(company, reverse("sampling:my-sample-detail", args=[stranger_sample.pk]), 404)
    page(company, reverse("sampling:sample-detail", args=[own.pk]), 403)  # the staff page is not for enterprise accounts

    html = text(page(company, reverse("sampling:my-sample-detail", args=[own.pk])))
    deadline = samples._retest_deadline(own)
    assert "不合格" in html and deadline.isoformat() in html and 'id="objection-form"' in html
    notice = text(page(company, reverse("sampling:sample-notice", args=[own.pk])))
    assert "检验结果告知书" in notice and own.sample_no in notice and "硬度" in notice and "window.print()" in notice
    # a production date without a batch number is printed (the notice showed “—”)
    with as_system():
        Sample.objects.filter(pk=own.pk).update(batch_no="", production_date=datetime.date(2024, 3, 1))
    assert "2024-03-01" in text(page(company, reverse("sampling:sample-notice", args=[own.pk])))
    assert "2024-03-01" in text(page(company, reverse("sampling:my-sample-detail", args=[own.pk])))
    with as_system():
        Sample.objects.filter(pk=own.pk).update(batch_no="B230815")
    assert "B230815（2024-03-01）" in text(page(company, reverse("sampling:sample-notice", args=[own.pk])))

    response = company.post(reverse("sampling:my-sample-objection", args=[own.pk]), {"reason": "硬度检测位置不当，申请复检"})
    assert response.status_code == 302
    objection = Objection.objects.get(sample=own)
    assert objection.filed_on == today and objection.reason.startswith("硬度")


def test_after_the_deadline_the_objection_is_refused_with_the_reason(client, world):
    late = failing_sample(world, notified_on=D(2024, 4, 26))
    company = login(client, world.user("maojian"))
    html = text(page(company, reverse("sampling:my-sample-detail", args=[late.pk])))
    assert 'id="objection-refused"' in html and "复检申请期限已于 2024-05-11 届满" in html and 'id="objection-form"' not in html
    response = company.post(reverse("sampling:my-sample-objection", args=[late.pk]), {"reason": "不服"})
    assert response.status_code == 400 and "复检申请期限已于 2024-05-11 届满" in text(response)
    assert not Objection.objects.filter(sample=late).exists()


def test_staff_pages_are_not_for_enterprise_accounts_and_the_account_pages_not_for_staff(client, world, county_user):
    company = login(client, world.user("maojian"))
    response = company.get(reverse("sampling:sample-list"))  # the menu's 样品 leads an enterprise to its own results
    assert response.status_code == 302 and response.url == reverse("sampling:my-sample-list")
    page(company, reverse("sampling:plan-list"), 403)
    login(client, county_user)
    page(client, reverse("sampling:my-sample-list"), 403)


# --- after the result ------------------------------------------------------------------------------------


def test_staff_notify_decide_the_objection_and_the_retest_replaces_the_result(client, world, county_user):
    today = timezone.localdate()
    sample = register(world)
    through_lab(world, sample, results=[{"item": world.items["hardness"], "measured": "260"},
                                        {"item": world.items["marking"], "measured": "符合"},
                                        {"item": world.items["runout"], "measured": "0.03"}])
    login(client, county_user)
    html = text(page(client, reverse("sampling:sample-detail", args=[sample.pk])))
    assert 'id="notify-form"' in html
    client.post(reverse("sampling:sample-notify", args=[sample.pk]), {"on": today.isoformat(), "method": "account"})
    sample.refresh_from_db()
    assert sample.status == SampleStatus.NOTIFIED and sample.served_on == today
    company = world.user("maojian")
    with acting(company):
        objection = samples.file_objection(actor=company, sample=sample, on=today, reason="硬度检测位置不当")
    html = text(page(client, reverse("sampling:sample-detail", args=[sample.pk])))
    assert 'id="decide-form"' in html
    response = client.post(reverse("sampling:objection-decide", args=[objection.pk]), {"accept": "yes", "on": today.isoformat(), "note": ""},
                           follow=True)
    assert any("须选择复检机构" in m for m in messages_of(response))
    client.post(reverse("sampling:objection-decide", args=[objection.pk]),
                {"accept": "yes", "on": today.isoformat(), "retest_lab": world.other_lab.pk, "note": "受理"})
    objection.refresh_from_db()
    assert objection.status == "accepted" and objection.retest_lab == world.other_lab
    # the custody still names the lab the sample went to; the enterprise sees both labs
    html = text(page(client, reverse("sampling:sample-detail", args=[sample.pk])))
    assert f"→ {world.lab.name}" in html and f"→ {world.other_lab.name}" not in html
    html = text(page(login(client, company), reverse("sampling:my-sample-detail", args=[sample.pk])))
    assert re.search(rf"承检机构</dt>\s*<dd>{world.lab.name}</dd>", html) and f'<dd id="retest-lab">{world.other_lab.name}</dd>' in html

    retest_lab = login(client, world.user("other_lab"))
    html = text(page(retest_lab, reverse("sampling:sample-detail", args=[sample.pk])))
    assert 'id="enter-retest"' in html
    items = world.items
    retest_lab.post(reverse("sampling:report-edit", args=[sample.pk]) + "?retest=1", {
        "is_retest": "1", "report_no": "FJ-2024-0001", "tested_on": today.isoformat(),
        f"m_{items['hardness'].pk}": "230", f"m_{items['marking'].pk}": "符合", f"m_{items['runout'].pk}": "0.03",
    })
    retest = sample.reports.get(is_retest=True)
    retest_lab.post(reverse("sampling:report-issue", args=[retest.pk]), {"on": today.isoformat()})
    sample.refresh_from_db()
    assert sample.conclusion == Conclusion.PASS and sample.first_conclusion == Conclusion.FAIL and sample.status == SampleStatus.FINAL


def test_a_failing_result_is_made_final_once_the_objection_window_has_passed(client, world, county_user):
    sample = failing_sample(world)  # notified 2024-04-26: the objection window is long over
    login(client, county_user)
    html = text(page(client, reverse("sampling:sample-detail", args=[sample.pk])))
    assert 'id="finalise-form"' in html
    client.post(reverse("sampling:sample-finalise", args=[sample.pk]), {"on": "2024-05-20"})
    sample.refresh_from_db()
    assert sample.status == SampleStatus.FINAL
    in_window = failing_sample(world, model="JG-3509", notified_on=timezone.localdate())
    assert 'id="finalise-form"' not in text(page(client, reverse("sampling:sample-detail", args=[in_window.pk])))
    response = client.post(reverse("sampling:sample-finalise", args=[in_window.pk]), {"on": timezone.localdate().isoformat()}, follow=True)
    assert any("期满后检验结论方可确定" in m for m in messages_of(response))
    assert Sample.objects.get(pk=in_window.pk).status == SampleStatus.NOTIFIED


def test_rectification_recheck_and_the_overdue_list(client, world, county_user):
    sample = failing_sample(world)  # notified 2024-04-26: the objection window is long over
    login(client, county_user)
    html = text(page(client, reverse("sampling:sample-detail", args=[sample.pk])))
    assert 'id="rectify-form"' in html and 'id="refer-form"' not in html
    client.post(reverse("sampling:sample-rectify", args=[sample.pk]), {"on": "2024-05-20"})
    rect = Rectification.objects.get(sample=sample)
    assert rect.correction_due == D(2024, 7, 19) and rect.recheck_due == D(2024, 8, 3)
    overdue = page(client, reverse("sampling:overdue"))
    assert sample.sample_no in text(overdue)
    listed = page(client, reverse("sampling:rectification-list") + "?overdue=1")
    assert rect.pk in {r.pk for r in listed.context["page"]} and "已逾期" in text(listed)

    client.post(reverse("sampling:rectification-step", args=[rect.pk, "recheck"]), {"on": "2024-08-01", "passed": "no"})
    client.post(reverse("sampling:rectification-step", args=[rect.pk, "publish"]), {"on": "2024-08-05"})
    rect.refresh_from_db()
    assert rect.status == "published" and rect.second_recheck_from is not None
    response = client.post(reverse("sampling:rectification-step", args=[rect.pk, "second"]),
                           {"on": rect.second_recheck_from.isoformat(), "passed": "yes"}, follow=True)
    rect.refresh_from_db()
    assert rect.status == "second_passed" and any("已登记再次复查结果" in m for m in messages_of(response))


def test_a_producer_outside_shiyan_is_referred_and_the_reply_recorded(client, world, county_user):
    market, _ = make_plan(code="SY-MJ-2024-M", place="market")
    sample = failing_sample(world, plan=market, product=None, category=category("auto-parts"), product_name="刹车盘", trademark="瑞安",
                            model="RA-300", producer=world.outside, sampled_unit=world.maojian)
    login(client, county_user)
    html = text(page(client, reverse("sampling:sample-detail", args=[sample.pk])))
    assert 'id="refer-form"' in html and 'id="rectify-form"' in html  # the local seller rectifies here
    client.post(reverse("sampling:sample-refer", args=[sample.pk]), {"authority": "瑞安市市场监督管理局", "on": "2024-05-20"})
    referral = Referral.objects.get(sample=sample)
    assert referral.authority == "瑞安市市场监督管理局"
    assert referral.pk in {r.pk for r in page(client, reverse("sampling:referral-list") + "?overdue=1").context["page"]}
    client.post(reverse("sampling:referral-reply", args=[referral.pk]), {"on": "2024-06-10", "reply": "已责令生产企业召回并整改"})
    referral.refresh_from_db()
    assert referral.status == "replied"


# --- bulletins and the import review ---------------------------------------------------------------------------


def test_a_bulletin_is_created_from_the_plan_published_and_downloaded(client, world, county_user):
    sample = register(world)
    through_lab(world, sample)
    with as_system():
        samples.notify_result(actor=SYSTEM, sample=sample, on=D(2024, 4, 26), method="account")
    login(client, county_user)
    response = client.post(reverse("sampling:bulletin-create", args=[world.plan.pk]), {"number": "MJ-GG-2024-01", "title": "茅箭区抽查结果公告"})
    bulletin = Bulletin.objects.get(number="MJ-GG-2024-01")
    assert response.url == reverse("sampling:bulletin-detail", args=[bulletin.pk])
    assert list(bulletin.samples.all()) == [sample]
    html = text(page(client, reverse("sampling:bulletin-detail", args=[bulletin.pk])))
    assert "制动鼓" in html and "合格" in html and 'id="bulletin-publish-form"' in html
    client.post(reverse("sampling:bulletin-publish", args=[bulletin.pk]), {"on": "2024-05-06"})
    bulletin.refresh_from_db()
    assert bulletin.status == "published"
    csv = client.get(reverse("sampling:bulletin-export", args=[bulletin.pk, "csv"]))
    assert csv.status_code == 200 and "制动鼓" in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("sampling:bulletin-export", args=[bulletin.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def imported_unmatched(producer_name="十堰精工汽车零部件公司"):
    """An imported provincial result whose producer the importer could not match."""
    with as_system("测试导入"):
        plan = bulletins.create_imported_plan(actor=SYSTEM, code="IMP-PROV-2024", level="provincial", year=2024,
                                              organiser_name="湖北省市场监督管理局", region=region("420000"))
        sample, _ = bulletins.record_imported_result(actor=SYSTEM, plan=plan, data={
            "sample_no": "HB2024-0001", "level": "provincial", "region": region("420302"), "category": category("auto-parts"),
            "product_name": "制动鼓", "model": "JG-3502", "producer_name": producer_name, "sampled_on": D(2024, 5, 6),
            "conclusion": "fail", "failing_items": ["硬度"],
        }, source_row={"row": 2})
    return sample


def test_an_unmatched_imported_result_is_confirmed_from_the_review_list(client, world, county_user):
    row = imported_unmatched()
    login(client, county_user)
    review = page(client, reverse("sampling:import-review"))
    assert row.pk in {s.pk for s in review.context["page"]}
    response = client.post(reverse("sampling:import-match", args=[row.pk]), {})
    assert response.status_code == 400 and "请先查找并选择一家企业" in text(response)
    response = client.post(reverse("sampling:import-match", args=[row.pk]), {"enterprise": world.maojian.pk})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.producer == world.maojian and row.producer_region == world.maojian.region
    assert row.pk not in {s.pk for s in page(client, reverse("sampling:import-review")).context["page"]}


# --- CSRF -----------------------------------------------------------------------------------------------------


def test_every_form_carries_its_csrf_token_and_a_post_without_it_is_refused(world, county_user):
    sample = failing_sample(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_user)
    for url in (reverse("sampling:plan-detail", args=[world.plan.pk]), reverse("sampling:sample-detail", args=[sample.pk]),
                reverse("sampling:plan-create")):
        html = client.get(url).content.decode()
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert forms, url
        assert all("csrfmiddlewaretoken" in f for f in forms), url
    response = client.post(reverse("sampling:sample-rectify", args=[sample.pk]), {"on": "2024-05-20"})
    assert response.status_code == 403
    assert not Rectification.objects.filter(sample=sample).exists()


def test_a_sample_seen_only_as_published_links_to_nothing_the_viewer_cannot_open(client, world, county_user):
    """Another department's staff see a bulletined sample (it is public) but neither its task
    nor its notice to the enterprise: the page offers no link to them (they were 404s); the
    county that owns the sample gets both."""
    task = make_task(world)
    sample = register(world, task=task, model="JG-3503")
    through_lab(world, sample, report_no="BG-P2")
    with as_system():
        samples.notify_result(actor=SYSTEM, sample=sample, on=D(2024, 4, 26), method="account")
        bulletin = bulletins.create_bulletin(actor=SYSTEM, plan=world.plan, number="GG-2", title="抽查结果公告", samples=[sample])
        bulletins.publish_bulletin(actor=SYSTEM, bulletin=bulletin, on=D(2024, 5, 6))
    commerce = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com")
    url = reverse("sampling:sample-detail", args=[sample.pk])
    task_url, notice_url = reverse("sampling:task-detail", args=[task.pk]), reverse("sampling:sample-notice", args=[sample.pk])
    html = text(page(login(client, commerce), url))
    assert f'href="{task_url}"' not in html and f'href="{notice_url}"' not in html
    for link in sorted(set(re.findall(r'href="(/staff/[^"]*)"', html))):
        assert client.get(link).status_code == 200, link
    page(client, task_url, 404)
    page(client, notice_url, 404)
    html = text(page(login(client, county_user), url))
    assert f'href="{task_url}"' in html and f'href="{notice_url}"' in html


def test_the_sampling_tabs_offer_only_the_pages_each_role_may_open(client, world, county_user, auditor):
    """The tabs above every sampling page: a lab has no task, rectification, referral or overdue
    list, the auditor no import review — those tabs were 403s behind a link."""
    staff_links = re.compile(r'href="(/staff/[^"?#]*)"')
    for user, hidden in ((world.user("lab"), ("task-list", "rectification-list", "referral-list", "overdue")),
                         (auditor, ("import-review",)), (county_user, ())):
        login(client, user)
        html = text(page(client, reverse("sampling:plan-list")))
        for name in hidden:
            assert f'href="{reverse(f"sampling:{name}")}"' not in html, (user, name)
        for link in sorted(set(staff_links.findall(html))):
            assert client.get(link).status_code == 200, (user, link)
    assert f'href="{reverse("sampling:import-review")}"' in html  # the county's own tabs are all there


def test_the_plan_filter_names_only_the_plans_the_user_may_see(client, world, county_user):
    """The 抽查计划 list above tasks and samples named every plan in the city, other counties'
    drafts included, while their pages were 404s."""
    make_plan(code="ZS-2024-99", approve=False, region_code="420323", department_code="zs-amr")
    for name in ("sampling:task-list", "sampling:sample-list"):
        html = text(page(login(client, county_user), reverse(name)))
        assert f'<option value="{world.plan.code}">' in html and "ZS-2024-99" not in html, name


def test_the_plan_form_offers_only_the_levels_and_departments_the_user_can_save(client, world, county_user, city_admin):
    """A county's staff were offered 国家级, 省级 and 市级 and every bureau of the city, each refused
    only on saving."""
    html = text(page(login(client, county_user), reverse("sampling:plan-create")))
    levels = re.search(r'<select name="level".*?</select>', html, re.S).group(0)
    assert 'value="county"' in levels and 'value="city"' not in levels and 'value="national"' not in levels
    departments = re.search(r'<select name="department".*?</select>', html, re.S).group(0)
    assert "茅箭区市场监督管理局" in departments and "张湾区市场监督管理局" not in departments and "十堰市市场监督管理局" not in departments
    html = text(page(login(client, city_admin), reverse("sampling:plan-create")))
    levels = re.search(r'<select name="level".*?</select>', html, re.S).group(0)
    assert 'value="county"' in levels and 'value="city"' in levels
