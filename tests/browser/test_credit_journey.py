"""The quality-credit journey in Chromium, as each role does it: the market-supervision bureau
uploads a 双公示 penalty file and the enterprise's credit-risk class changes; 茅箭区 proposes
the enterprise for the serious-dishonesty list and the city approves; the county notifies and
publishes it, which opens joint-punishment cases; the finance bureau feeds back on its case;
a member of the public finds the enterprise by a 2-character fragment, downloads its credit
report and checks the report's verification code.

Screenshots ``60-…``–``69-…`` in ``$ZL_SCREENSHOTS``."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from zhiliang.core.choices import Role
from zhiliang.credit.choices import CaseStatus, ListEntryStatus
from zhiliang.credit.models import CreditFact, CreditReport, ListEntry, MeasureCase, RiskAssessment
from zhiliang.credit.tests.measures_data import build_measure_world
from zhiliang.testing.fixtures import make_user

from .conftest import log_in, log_out, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AMR = "十堰市市场监督管理局"


def no_server_error(page):
    body = page.locator("body").inner_text()
    assert "Server Error" not in body and "服务器错误" not in body


def submit(page, form_selector: str):
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")
    no_server_error(page)


def penalty_file(tmp_path, enterprise, decided: datetime.date):
    """Three ordinary-procedure fines as the bureau's 双公示 export has them (Chinese headers)."""
    out = io.StringIO(newline="")
    fields = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据",
              "处罚类别", "罚款金额（万元）", "处罚决定日期", "处罚机关", "数据来源单位"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for number, fine in (("十市监处罚〔2026〕501号", "8"), ("十市监处罚〔2026〕502号", "12"), ("十市监处罚〔2026〕503号", "5")):
        writer.writerow({"行政相对人名称": enterprise.name, "行政相对人类别": "法人及非法人组织", "统一社会信用代码": enterprise.uscc,
                         "行政处罚决定书文号": number, "违法行为类型": "生产销售不合格产品", "违法事实": "生产的制动软管经监督抽查不合格",
                         "处罚依据": "《中华人民共和国产品质量法》第四十九条", "处罚类别": "罚款；没收违法所得", "罚款金额（万元）": fine,
                         "处罚决定日期": decided.isoformat(), "处罚机关": AMR, "数据来源单位": AMR})
    path = tmp_path / "市场监管局双公示-行政处罚.csv"
    path.write_bytes(out.getvalue().encode("gbk"))  # as the department's system exports it
    return path


def current_class(enterprise) -> str | None:
    return RiskAssessment.objects.filter(enterprise=enterprise, is_current=True).values_list("risk_class", flat=True).first()


def test_penalty_upload_class_blacklist_feedback_and_public_report(page, live_server, tmp_path):
    world = build_measure_world()
    firm = world.maojian
    today = timezone.localdate()
    clerk = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-amr", username="amr-credit-clerk")
    county = make_user(Role.COUNTY_STAFF, region_code="420302", username="maojian-credit")
    city = make_user(Role.COUNTY_STAFF, region_code="420300", username="city-credit")
    finance = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-finance", username="finance-credit")
    before = current_class(firm)

    # --- the bureau uploads its penalty file ------------------------------------------------------------
    log_in(page, live_server, clerk.username)
    page.click("nav.sidenav >> text=导入双公示数据")
    page.select_option("#id_kind", "penalties")
    assert page.locator("#id_option_source").input_value() == "sy-amr"  # its own department, preset
    page.set_input_files("#id_file", str(penalty_file(tmp_path, firm, today - datetime.timedelta(days=12))))
    screenshot(page, "60-credit-penalty-upload")
    submit(page, "#import-form")
    page.wait_for_selector("#import-status")
    assert "3" in page.locator("#import-status").inner_text()
    screenshot(page, "61-credit-penalty-report")
    assert CreditFact.objects.filter(enterprise=firm, kind="penalty").count() == 3

    # the class changed (3 × 10 points less 10 for its insurance and chief quality officer: C),
    # and its explanation names the penalties
    after = current_class(firm)
    assert after == "C" and after != before
    page.goto(live_server.url + reverse("credit:enterprise-class", args=[firm.pk]))
    no_server_error(page)
    assert "C类" in page.locator("#risk-class").inner_text()
    explanation = page.locator("#explanation").inner_text()
    assert "十市监处罚〔2026〕501号" in explanation and "十市监处罚〔2026〕502号" in explanation
    screenshot(page, "62-credit-class-explanation")
    log_out(page)

    # --- 茅箭区 proposes the enterprise for the serious-dishonesty list -----------------------------------------
    log_in(page, live_server, county.username)
    page.goto(f"{live_server.url}{reverse('credit:list-entry-propose')}?enterprise={firm.pk}")
    no_server_error(page)
    for fact in CreditFact.objects.filter(enterprise=firm, kind="penalty"):
        page.check(f"#propose-form input[name=facts][value='{fact.pk}']")
    page.fill("#id_grounds", "一年内三次因生产销售不合格产品受到较重行政处罚，拟列入严重违法失信名单。")
    page.fill("#id_legal_basis", "《市场监督管理严重违法失信名单管理办法》第二条、第九条")
    submit(page, "#propose-form")
    entry = ListEntry.objects.get(enterprise=firm)
    assert entry.status == ListEntryStatus.PROPOSED and entry.approval_required
    assert page.locator("#form-approve").count() == 0  # a county cannot approve its own proposal
    screenshot(page, "63-credit-list-proposed")
    log_out(page)

    # --- the city approves ---------------------------------------------------------------------------------
    log_in(page, live_server, city.username)
    page.goto(live_server.url + reverse("credit:list-approval-queue"))
    no_server_error(page)
    assert firm.name in page.locator("main").inner_text()
    with page.expect_navigation():
        page.click(f"main a >> text={firm.name}")
    page.fill("#form-approve textarea[name=note]", "同意列入。")
    submit(page, "#form-approve")
    entry.refresh_from_db()
    assert entry.status == ListEntryStatus.APPROVED and entry.approved_by == city
    screenshot(page, "64-credit-list-approved")
    log_out(page)

    # --- the county notifies the enterprise and publishes the listing ---------------------------------------
    log_in(page, live_server, county.username)
    page.goto(live_server.url + reverse("credit:list-entry-detail", args=[entry.pk]))
    page.fill("#form-notify input[name=decision_no]", "十茅市监信列〔2026〕1号")
    submit(page, "#form-notify")
    submit(page, "#form-publish")
    entry.refresh_from_db()
    assert entry.status == ListEntryStatus.PUBLISHED and entry.fact is not None
    assert current_class(firm) == "D"  # on the serious-dishonesty list
    screenshot(page, "65-credit-list-published")
    log_out(page)

    # --- the finance bureau feeds back on its case ------------------------------------------------------------
    case = MeasureCase.objects.filter(enterprise=firm, executing_department__code="sy-finance").order_by("pk").first()
    assert case is not None and case.status == CaseStatus.OPEN
    log_in(page, live_server, finance.username)
    page.click("nav.sidenav >> text=联合奖惩任务")
    no_server_error(page)
    assert firm.name in page.locator("main").inner_text()
    page.goto(live_server.url + reverse("credit:case-detail", args=[case.pk]))
    page.select_option("#feedback-form select[name=outcome]", "restricted")
    page.fill("#feedback-form input[name=matter]", "2026年市级政府采购项目（办公设备）投标")
    page.fill("#feedback-form textarea[name=note]", "依据联合惩戒措施，不予接受其投标。")
    submit(page, "#feedback-form")
    case.refresh_from_db()
    assert case.status == CaseStatus.FED_BACK and case.feedback.get().outcome == "restricted"
    screenshot(page, "66-credit-case-feedback")
    log_out(page)

    # --- the public finds the enterprise by two characters and prints its report --------------------------------
    fragment = "精工" if "精工" in firm.name else firm.name[2:4]
    page.goto(live_server.url + reverse("credit:public-search"))
    page.fill("#credit-q", fragment)
    with page.expect_navigation():
        page.press("#credit-q", "Enter")
    no_server_error(page)
    with page.expect_navigation():
        page.click(f"main a >> text={firm.name}")
    no_server_error(page)
    public = page.locator("main").inner_text()
    assert "十市监处罚〔2026〕501号" in public and "严重违法失信名单" in public
    assert "C类" not in public and "D类" not in public  # the class is not public
    screenshot(page, "67-credit-public-page")
    # the report link, fetched in the visitor's browser session (opening it would start
    # Chromium's PDF viewer)
    response = page.request.get(live_server.url + page.locator("#print-report").get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    report = CreditReport.objects.get(enterprise=firm, audience="public")
    page.goto(live_server.url + reverse("credit:verify"))
    page.fill("main input[name=code]", report.code.lower().replace("-", ""))
    with page.expect_navigation():
        page.press("main input[name=code]", "Enter")
    no_server_error(page)
    verdict = page.locator("main").inner_text()
    assert "报告有效" in verdict and firm.name in verdict
    screenshot(page, "68-credit-report-verified")
