"""The supervision-sampling journey in Chromium, as each role does it: county staff draft a
plan (items, quotas), a colleague approves and publishes it; the enterprise pool is frozen and
drawn with a public value, inspectors and labs drawn; the drawn enterprise is sampled (the form
prefilled from its task); the lab receives the sample and enters its report (the conclusion is
derived); staff notify the result; the enterprise reads it, prints the notice and objects;
staff reject the objection, and the result is published in a bulletin the public can read.

Screenshots ``40-…``–``55-…`` in ``$ZL_SCREENSHOTS``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from zhiliang.core.choices import Role
from zhiliang.sampling.models import Bulletin, Draw, Objection, Sample, SamplingPlan, SamplingTask
from zhiliang.sampling.tests.samples_data import build_world
from zhiliang.testing.fixtures import make_user

from .conftest import log_in, log_out, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "SY-MJ-JOURNEY-01"


def no_server_error(page):
    body = page.locator("body").inner_text()
    assert "Server Error" not in body and "服务器错误" not in body


def submit(page, form_selector: str):
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")
    no_server_error(page)


def message(page) -> str:
    return page.locator(".messages").inner_text() if page.locator(".messages").count() else ""


def test_plan_draw_sampling_report_objection_bulletin(page, live_server, county_user):
    world = build_world()
    today = timezone.localdate().isoformat()
    approver = make_user(Role.COUNTY_STAFF, region_code="420302", username="maojian-chief")
    company = world.user("maojian")

    # --- the plan: drafted by county staff -------------------------------------------------------------
    log_in(page, live_server, county_user.username)
    page.goto(f"{live_server.url}/staff/sampling/plans/")
    assert page.locator("h1").inner_text() == "抽查计划"
    with page.expect_navigation():
        page.click("#new-plan")
    page.fill("#id_code", CODE)
    page.fill("#id_title", "茅箭区汽车零部件产品质量监督抽查（浏览器测试）")
    page.select_option("#id_level", "county")
    page.select_option("#id_region", label="茅箭区")
    page.check(f"#plan-form input[name=categories][value='{world.plan.categories.get(code='auto-parts').pk}']")
    submit(page, "#plan-form")
    assert "已新建抽查计划" in message(page)
    plan = SamplingPlan.objects.get(code=CODE)
    with page.expect_navigation():
        page.click("#plan-actions >> text=检验项目")
    parts = str(world.plan.categories.get(code="auto-parts").pk)
    page.select_option("#id_item-0-category", parts)
    page.fill("#id_item-0-name", "硬度")
    page.select_option("#id_item-0-direction", "range")
    page.fill("#id_item-0-limit_low", "180")
    page.fill("#id_item-0-limit_high", "240")
    page.fill("#id_item-0-unit", "HBW")
    page.fill("#id_item-1-name", "标志")
    page.select_option("#id_item-1-category", parts)
    page.select_option("#id_item-1-direction", "qualitative")
    page.fill("#id_item-1-requirement", "应有永久性标志")
    submit(page, "#items-form")
    assert "已添加 2 个检验项目" in message(page)
    assert page.locator("table.items tbody tr").count() == 2
    screenshot(page, "40-sampling-test-items")
    page.goto(f"{live_server.url}/staff/sampling/plans/{plan.pk}/quotas/")
    page.locator("table.quota-grid input").first.fill("1")
    screenshot(page, "41-sampling-quotas")
    submit(page, "#quota-form")
    assert "已保存任务分配" in message(page)
    log_out(page)

    # --- approved and published by a colleague; the pool frozen and drawn ------------------------------------
    log_in(page, live_server, approver.username)
    page.goto(f"{live_server.url}/staff/sampling/plans/{plan.pk}/")
    submit(page, "#approve-form")
    assert "已批准" in message(page)
    submit(page, "#publish-form")
    assert page.locator("#plan-status").inner_text() == "已公告"
    screenshot(page, "42-sampling-plan")
    submit(page, "#freeze-form")
    assert "名录已冻结" in message(page)
    draw = Draw.objects.get(plan=plan, kind="enterprise")
    assert page.locator("#pool-hash").inner_text() == draw.pool_hash
    assert draw.seed not in page.locator("main").inner_text() and "抽取后公开" in page.locator("#seed").inner_text()
    screenshot(page, "43-sampling-draw-frozen")
    page.fill("#id_public_value", "2024123 05 11 17 22 28 31")
    submit(page, "#run-form")
    draw.refresh_from_db()
    assert page.locator("#seed").inner_text() == draw.seed
    assert page.locator("table.draw-result tbody tr").count() >= 1
    submit(page, "#inspectors-form")
    submit(page, "#labs-form")
    assert "已抽取检验检测机构" in message(page)
    submit(page, "#draw-publish-form")
    assert page.locator("#draw-status").inner_text() == "已公布"
    screenshot(page, "44-sampling-draw-published")
    task = SamplingTask.objects.get(plan=plan)
    assert task.enterprise == world.maojian and task.inspectors.count() >= 2 and task.lab is not None
    lab_user = make_user(Role.LAB, organisation=task.lab, username="drawn-lab")  # the lab the draw chose

    # --- sampling: the task's form is prefilled ------------------------------------------------------------
    page.goto(f"{live_server.url}/staff/sampling/tasks/")
    assert world.maojian.name in page.locator("table.tasks").inner_text()
    with page.expect_navigation():
        page.click(f"table.tasks >> text={world.maojian.name}")
    with page.expect_navigation():
        page.click("#register-sample")
    assert page.locator("#picker-producer input[type=radio][checked]").count() == 1
    page.fill("#id_product_name", "制动鼓")
    page.fill("#id_trademark", "精工")
    page.fill("#id_model", "JG-3502")
    page.fill("#id_batch_no", "20240301")
    page.fill("#id_price_paid", "240")
    screenshot(page, "45-sampling-register")
    submit(page, "#sample-form")
    assert "已登记样品" in message(page)
    sample = Sample.objects.get(task=task)
    page.select_option("#id_send_lab", str(task.lab_id))
    submit(page, "#send-form")
    assert "已登记送样" in message(page)
    log_out(page)

    # --- the lab: receives and reports; the conclusion is derived ------------------------------------------------
    log_in(page, live_server, lab_user.username)
    page.goto(f"{live_server.url}/staff/sampling/samples/")
    assert page.locator("h1").inner_text() == "送检样品"
    assert page.locator("table.samples tbody tr").count() == 1
    with page.expect_navigation():
        page.click(f"table.samples >> text={sample.sample_no}")
    submit(page, "#receive-form")
    with page.expect_navigation():
        page.click("#enter-report")
    page.fill("#id_report_no", "SYZJ-2024-0815")
    inputs = page.locator("table.result-rows input[type=text]")  # the measured item
    assert inputs.count() == 1
    inputs.nth(0).fill("262")
    choices = page.locator("table.result-rows select")  # the pass/fail item: 符合 or 不符合
    assert choices.count() == 1
    choices.nth(0).select_option("符合")
    submit(page, "#report-form")
    assert page.locator("#derived-conclusion").inner_text() == "不合格"
    screenshot(page, "46-sampling-lab-report")
    submit(page, "#issue-form")
    assert "报告已签发" in message(page)
    log_out(page)

    # --- staff notify the result in the enterprise's account ----------------------------------------------------------
    log_in(page, live_server, county_user.username)
    page.goto(f"{live_server.url}/staff/sampling/samples/{sample.pk}/")
    page.select_option("#id_notify_method", "account")
    submit(page, "#notify-form")
    assert "已登记告知检验结果" in message(page)
    screenshot(page, "47-sampling-sample-notified")
    log_out(page)

    # --- the enterprise reads the result, prints the notice and objects -----------------------------------------------------
    log_in(page, live_server, company.username)
    page.goto(f"{live_server.url}/staff/sampling/my/")
    assert sample.sample_no in page.locator("table.my-samples").inner_text()
    with page.expect_navigation():
        page.click(f"table.my-samples >> text={sample.sample_no}")
    assert page.locator("#objection-deadline").inner_text() >= today
    screenshot(page, "48-sampling-enterprise-result")
    with page.context.expect_page() as notice_info:
        page.click("#print-notice")
    notice = notice_info.value
    notice.wait_for_load_state()
    assert "检验结果告知书" in notice.locator("h1").inner_text() and "硬度" in notice.locator("main").inner_text()
    screenshot(notice, "49-sampling-notice")
    notice.close()
    page.fill("#id_reason", "硬度检测取样位置不当，申请复检")
    submit(page, "#objection-form")
    assert "已提交复检申请" in message(page)
    log_out(page)

    # --- staff reject the objection; the result is final and published -------------------------------------------------
    log_in(page, live_server, county_user.username)
    page.goto(f"{live_server.url}/staff/sampling/samples/{sample.pk}/")
    page.check("#decide-form input[name=accept][value=no]")
    page.fill("#id_decide_note", "取样位置符合标准规定，不予受理")
    screenshot(page, "50-sampling-objection")
    submit(page, "#decide-form")
    assert Objection.objects.get(sample=sample).status == "rejected"
    sample.refresh_from_db()
    assert sample.status == "final"
    page.goto(f"{live_server.url}/staff/sampling/plans/{plan.pk}/")
    page.fill("#bulletin-form #id_number", "MJ-GG-JOURNEY-1")
    submit(page, "#bulletin-form")
    assert "已新建结果公告" in message(page)
    submit(page, "#bulletin-publish-form")
    assert page.locator("#bulletin-status").inner_text() == "已发布"
    assert "不合格" in page.locator("table.bulletin-table").inner_text()
    screenshot(page, "51-sampling-bulletin")
    bulletin = Bulletin.objects.get(number="MJ-GG-JOURNEY-1")
    log_out(page)

    # --- the public reads the bulletin -------------------------------------------------------------------------------------
    response = page.goto(f"{live_server.url}/choucha/bulletins/{bulletin.pk}/")
    assert response.status == 200
    assert "制动鼓" in page.locator("main").inner_text()
    no_server_error(page)
    screenshot(page, "52-sampling-public-bulletin")


def test_the_six_month_ban_is_refused_on_the_on_site_form(page, live_server, county_user):
    from zhiliang.sampling.tests.samples_data import make_plan, register

    world = build_world()
    register(world)  # 精工 制动鼓 JG-3502 sampled 2024-04-10
    market, _ = make_plan(code="SY-MJ-2024-M", place="market")
    log_in(page, live_server, county_user.username)
    page.goto(f"{live_server.url}/staff/sampling/samples/new/?plan={market.pk}")
    page.fill("#id_sampled_on", "2024-09-01")
    page.select_option("#id_category", str(world.plan.categories.get(code="auto-parts").pk))
    page.fill("#id_product_name", "制动鼓")
    page.fill("#id_trademark", "精工")
    page.fill("#id_model", "JG-3502")
    page.fill("#id_producer_q", "精工")
    page.wait_for_selector(f"#choices-producer input[value='{world.maojian.pk}']")
    page.check(f"#choices-producer input[value='{world.maojian.pk}']")
    page.fill("#id_sampled_unit_name", "十堰某超市")
    page.fill("#id_price_paid", "120")
    for box in page.locator("input[name=inspectors]").all():
        box.check()
    submit(page, "#sample-form")
    screenshot(page, "53-sampling-ban-refused")
    refusal = page.locator("#ban-refusal").inner_text()
    assert "6 个月内不得重复抽查" in refusal and "2024-10-10（含）前不得再次抽查" in refusal
    screenshot(page, "53-sampling-ban-refused")
