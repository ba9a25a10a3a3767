"""Journeys through the registry's pages in Chromium: a county user searches,
opens and edits an enterprise of their county (and only reads another county's);
an anonymous visitor finds the public enterprise page; the dashboard's charts draw."""

from __future__ import annotations

import pytest

from zhiliang.core.audit import mask_value
from zhiliang.enterprises.models import Enterprise
from zhiliang.enterprises.tests.views_data import CQO_PHONE, ID_NUMBER, build_registry

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_user_searches_edits_and_is_kept_to_their_county(page, live_server, county_user):
    reg = build_registry()
    log_in(page, live_server, county_user.username)
    page.click('nav.sidenav a >> text="企业"')
    page.wait_for_url("**/staff/enterprises/")
    page.fill("#id_q", "东风")
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")
    rows = page.locator("table.enterprises tbody tr")
    assert rows.count() == 3
    screenshot(page, "20-registry-search")

    # an enterprise of their own county: masked personal data, the edit button
    with page.expect_navigation():
        page.click(f"table.enterprises >> text={reg.maojian.name}")
    assert page.locator("[data-section]").evaluate_all("els => els.map(e => e.dataset.section)")[:3] == ["basic", "products", "licences"]
    basic = page.locator("#section-basic").inner_text()
    assert mask_value(ID_NUMBER) in basic and ID_NUMBER not in basic
    screenshot(page, "21-registry-enterprise")
    # county staff hold core.view_personal_data: reveal the CQO's phone in place (htmx), logged
    page.locator("#section-basic button", has_text="显示").last.click()
    page.wait_for_selector(f"text={CQO_PHONE}")
    with page.expect_navigation():
        page.click("#edit-enterprise")
    page.fill("#id_address", "十堰市茅箭区东风大道99号")
    page.select_option("#id_scale", "large")
    with page.expect_navigation():
        page.click("#enterprise-form button[type=submit]")
    assert "已保存" in page.locator(".messages").inner_text()
    assert "十堰市茅箭区东风大道99号" in page.locator("#section-basic").inner_text()
    screenshot(page, "22-registry-saved")
    enterprise = Enterprise.objects.get(pk=reg.maojian.pk)
    assert enterprise.address == "十堰市茅箭区东风大道99号" and enterprise.scale == "large"
    assert enterprise.legal_rep_id_number == ID_NUMBER  # the empty personal field left it unchanged

    # another county's enterprise: readable, no edit button; the edit URL is refused in Chinese
    page.goto(f"{live_server.url}/staff/enterprises/{reg.zhangwan.pk}/")
    assert reg.zhangwan.name in page.locator("h1").inner_text()
    assert page.locator("#edit-enterprise").count() == 0
    assert page.locator("#section-basic button", has_text="显示").count() == 0
    response = page.goto(f"{live_server.url}/staff/enterprises/{reg.zhangwan.pk}/edit/")
    assert response.status == 403 and "无权修改企业" in page.locator("main").inner_text()
    screenshot(page, "23-registry-403")
    # its non-public records: another county's inspector is not found
    response = page.goto(f"{live_server.url}/staff/inspectors/{reg.zhangwan_inspector.pk}/")
    assert response.status == 404
    screenshot(page, "24-registry-inspector-404")
    page.goto(f"{live_server.url}/staff/inspectors/")
    assert "周明" in page.locator("table.inspectors").inner_text() and "吴刚" not in page.locator("table.inspectors").inner_text()


def test_anonymous_visitor_finds_the_public_enterprise_page(page, live_server):
    reg = build_registry()
    page.goto(live_server.url + "/")
    page.fill("#home-q", "精工")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    with page.expect_navigation():
        page.locator("ul.results").get_by_text(reg.maojian.name, exact=True).click()
    assert page.url == f"{live_server.url}/qiye/{reg.maojian.pk}/"
    html = page.content()
    assert reg.maojian.name in page.locator("h1").inner_text() and "李建国" in html and "制动鼓" in html
    for secret in (ID_NUMBER, CQO_PHONE, ID_NUMBER[-4:], CQO_PHONE[-4:]):
        assert secret not in html
    screenshot(page, "25-public-enterprise")


def test_dashboard_charts_render(page, live_server, city_admin):
    build_registry()
    log_in(page, live_server, city_admin.username)
    page.click("nav.sidenav >> text=数据看板")
    page.wait_for_url("**/staff/dashboard/")
    page.wait_for_selector("[data-chart='chart-status'][data-chart-ready] svg")
    for chart_id in ("chart-region", "chart-category", "chart-status"):
        length = page.evaluate(
            "id => echarts.getInstanceByDom(document.querySelector(`[data-chart='${id}']`)).getOption().series[0].data.length", chart_id
        )
        assert length > 0, chart_id
        svg = page.locator(f"[data-chart='{chart_id}'] svg")
        # the labels are drawn as Chinese text in the page's font; bars/slices are paths
        assert svg.locator("path").count() > 3, chart_id
    texts = page.locator("[data-chart='chart-region'] svg text").evaluate_all("els => els.map(e => e.textContent)")
    assert "茅箭区" in texts and "各县市区企业数" in texts
    assert "存续" in " ".join(page.locator("[data-chart='chart-status'] svg text").evaluate_all("els => els.map(e => e.textContent)"))
    font = page.evaluate("() => getComputedStyle(document.querySelector(\"[data-chart='chart-region'] svg text\")).fontFamily")
    assert "WenQuanYi" in font or "Noto Sans CJK" in font
    assert page.locator("#n-enterprises .figure").inner_text() == "3"
    screenshot(page, "26-dashboard")
