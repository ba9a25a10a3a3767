"""Journeys through the real pages in Chromium: menus by role, a rule change
by the city admin that the auditor then finds in the change log."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from .conftest import log_in, log_out, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RULE = "RULE_SAMPLING_REPEAT_6M"


def menu_labels(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.sidenav a").all_inner_texts()]


def test_public_home_and_search(page, live_server):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    screenshot(page, "01-public-home")
    page.fill("#home-q", "市场监督")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    screenshot(page, "02-public-search")
    assert page.locator("ul.results").get_by_text("十堰市市场监督管理局", exact=True).count() == 1


def test_menus_by_role(page, live_server, county_user, city_admin):
    log_in(page, live_server, county_user.username)
    labels = menu_labels(page)
    assert "工作台" in labels
    assert "规则管理" not in labels and "变更记录" not in labels and "部门管理" not in labels
    assert "县市区工作人员" in page.locator(".userbox").inner_text()
    screenshot(page, "03-county-home")
    # the county user typing the admin URL gets the Chinese 403 page
    page.goto(live_server.url + "/staff/admin/rules/")
    assert "无权访问" in page.locator("main").inner_text()
    screenshot(page, "04-county-403")
    log_out(page)

    log_in(page, live_server, city_admin.username)
    labels = menu_labels(page)
    assert {"工作台", "规则管理", "部门管理", "变更记录"} <= set(labels)
    screenshot(page, "05-admin-home")
    page.click("nav.sidenav >> text=部门管理")
    page.wait_for_url("**/staff/admin/departments/")
    assert "市工商局" in page.locator("#dept-sy-amr").inner_text()
    screenshot(page, "06-admin-departments")


def test_admin_changes_rule_and_auditor_finds_it(page, live_server, city_admin, auditor):
    effective = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    log_in(page, live_server, city_admin.username)
    page.click("nav.sidenav >> text=规则管理")
    page.wait_for_url("**/staff/admin/rules/")
    rule = page.locator(f"article#{RULE}")
    rule.locator("summary").click()
    # first a wrong value: the error shows next to the field, in Chinese
    rule.locator("input[name=value]").fill("三十")
    rule.locator("input[name=effective_from]").fill(effective)
    rule.locator("input[name=reason]").fill("十政办发〔2026〕12号")
    with page.expect_navigation():
        rule.locator("button[type=submit]").click()
    rule = page.locator(f"article#{RULE}")
    assert "取值须为整数" in rule.locator(".has-error").inner_text()
    screenshot(page, "07-rule-error", rule)
    rule.locator("input[name=value]").fill("9")
    with page.expect_navigation():
        rule.locator("button[type=submit]").click()
    assert "已保存" in page.locator(".messages").inner_text()
    row = page.locator(f"article#{RULE} table.overrides tbody tr").first
    assert effective in row.inner_text() and "尚未生效" in row.inner_text()
    screenshot(page, "08-rule-saved", page.locator(f"article#{RULE}"))
    page.screenshot(path="/tmp/zl-screens/08b-rules-top.png")
    log_out(page)

    log_in(page, live_server, auditor.username)
    assert "规则管理" not in menu_labels(page)
    page.click("nav.sidenav >> text=变更记录")
    page.wait_for_url("**/staff/audit/")
    page.select_option("#id_model", "core.ruleoverride")
    page.click("form.inline-fields button[type=submit]")
    page.wait_for_url("**/staff/audit/?*model=core.ruleoverride*")
    rows = page.locator("table.changes tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "新增" in text and "city-admin" in text and "十政办发〔2026〕12号" in text
    screenshot(page, "09-auditor-audit-log")
    rows.first.locator("a").first.click()
    page.wait_for_url("**/staff/audit/*/")
    assert "修改后" in page.locator("main").inner_text()
    screenshot(page, "10-audit-detail")


def test_auditor_reveals_phone_with_htmx(page, live_server, auditor):
    from zhiliang.core import services
    from zhiliang.core.audit import SYSTEM
    from zhiliang.core.models import ObjectChange
    from zhiliang.testing.fixtures import as_system

    with as_system():
        person = services.create_user(actor=SYSTEM, username="li-si", display_name="李四", phone="13800001234")
    log_in(page, live_server, auditor.username)
    page.goto(f"{live_server.url}/staff/users/{person.pk}/")
    assert page.locator("#pd-phone").inner_text() == "*******1234"
    page.get_by_role("button", name="显示").click()
    page.wait_for_selector("span.revealed")
    assert page.locator("span.revealed").inner_text() == "13800001234"
    screenshot(page, "11-reveal")
    assert ObjectChange.objects.filter(action="view_personal", object_id=str(person.pk), actor_id=auditor.pk).count() == 1


def test_english_pages(page, live_server, city_admin):
    log_in(page, live_server, city_admin.username)
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Workbench" in menu_labels(page)
    screenshot(page, "12-english-home")
