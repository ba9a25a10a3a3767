"""The joint reward and punishment pages: the department's inbox with overdue cases in red,
the case page and its feedback form (another department: 404), the statistics page with its
chart, the catalogue for staff and the public, and its editing by the city admin."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse

from zhiliang.core.choices import Role
from zhiliang.core.navigation import menu_for
from zhiliang.core.tests.test_views import external_urls
from zhiliang.credit.choices import CaseStatus
from zhiliang.credit.models import Measure, MeasureCase
from zhiliang.testing.fixtures import make_user

from .measures_data import build_measure_world, make_entry, publish

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    world = build_measure_world()
    with django_capture_on_commit_callbacks(execute=True):
        publish(make_entry(world.maojian))
    return world


def staff(code: str):
    return make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code=code)


def signed_in(client, user):
    client.force_login(user)
    return client


def case(code: str) -> MeasureCase:
    return MeasureCase.objects.get(measure__code=code)


def test_the_inbox_lists_the_departments_cases_with_overdue_in_red(world, client):
    response = signed_in(client, staff("sy-finance")).get(reverse("credit:case-inbox"))
    assert response.status_code == 200
    listed = {c.measure.code for c in response.context["page"].object_list}
    assert listed == {"LHCJ-SL-01", "LHCJ-SL-03"}
    html = response.content.decode()
    # opened 2024-09-27, due 2024-10-30: long overdue today
    assert f'data-case="{case("LHCJ-SL-01").pk}" class="overdue"' in html and "逾期" in html and 'id="overdue-count"' in html
    assert external_urls(html) == []


def test_the_inbox_filters_by_status_and_trigger(world, client):
    finance = signed_in(client, staff("sy-finance"))
    assert not finance.get(reverse("credit:case-inbox"), {"status": CaseStatus.CLOSED}).context["page"].object_list
    assert not finance.get(reverse("credit:case-inbox"), {"trigger": "class_a"}).context["page"].object_list
    assert len(finance.get(reverse("credit:case-inbox"), {"trigger": "serious_list", "overdue": "on"}).context["page"].object_list) == 2


def test_the_case_page_takes_feedback_from_the_executing_department(world, client):
    target = case("LHCJ-SL-01")
    finance = signed_in(client, staff("sy-finance"))
    page = finance.get(reverse("credit:case-detail", args=[target.pk]))
    assert page.status_code == 200 and 'id="feedback-form"' in page.content.decode()
    html = page.content.decode()
    assert world.maojian.name in html and "十市监信列〔2024〕1号" in html
    assert f'href="{reverse("credit:list-entry-detail", args=[target.list_entry_id])}" id="list-entry-link"' in html
    response = finance.post(reverse("credit:case-feedback", args=[target.pk]),
                            {"outcome": "restricted", "matter": "十堰市2024年办公设备采购项目", "occurred_on": "2024-10-15", "note": "投标被否决"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == CaseStatus.FED_BACK
    html = finance.get(reverse("credit:case-detail", args=[target.pk])).content.decode()
    assert "十堰市2024年办公设备采购项目" in html and "已限制/不予办理" in html


def test_the_enterprise_reads_its_measures_on_its_credit_page_not_the_departments_work(world, client):
    """The cases are the executing departments' work: the enterprise account gets 403 on those
    pages, and its credit page names the measure without the department's feedback or who gave it."""
    target = case("LHCJ-SL-01")
    signed_in(client, staff("sy-finance")).post(reverse("credit:case-feedback", args=[target.pk]), {
        "outcome": "restricted", "matter": "十堰市2024年办公设备采购项目", "occurred_on": "2024-10-15", "note": "投标被否决（内部说明）"})
    county = signed_in(client, make_user(Role.COUNTY_STAFF, region_code="420302"))
    assert "投标被否决（内部说明）" in county.get(reverse("credit:case-detail", args=[target.pk])).content.decode()  # a county reads it
    firm = signed_in(client, make_user(Role.ENTERPRISE, organisation=world.maojian))
    for url in (reverse("credit:case-inbox"), reverse("credit:case-detail", args=[target.pk]), reverse("credit:case-statistics")):
        assert firm.get(url).status_code == 403, url
    assert firm.post(reverse("credit:case-feedback", args=[target.pk]), {"outcome": "normal", "occurred_on": "2024-10-15"}).status_code == 403
    html = firm.get(reverse("credit:my-credit")).content.decode()
    assert "LHCJ-SL-01" in html and "投标被否决" not in html and "办公设备采购项目" not in html


def test_a_wrong_feedback_is_shown_on_the_form(world, client):
    target = case("LHCJ-SL-01")
    response = signed_in(client, staff("sy-finance")).post(reverse("credit:case-feedback", args=[target.pk]),
                                                           {"outcome": "restricted", "occurred_on": "2024-09-01"})
    assert response.status_code == 400 and "早于案件发起日期" in response.content.decode()
    assert not target.feedback.exists()


def test_another_department_gets_404_and_a_county_may_only_read(world, client):
    target = case("LHCJ-SL-01")
    hrss = signed_in(client, staff("sy-hrss"))
    assert hrss.get(reverse("credit:case-detail", args=[target.pk])).status_code == 404
    assert hrss.post(reverse("credit:case-feedback", args=[target.pk]), {"outcome": "normal", "occurred_on": "2024-10-15"}).status_code == 404
    county = signed_in(client, make_user(Role.COUNTY_STAFF, region_code="420302"))
    page = county.get(reverse("credit:case-detail", args=[target.pk]))
    assert page.status_code == 200 and 'id="feedback-form"' not in page.content.decode()
    assert county.post(reverse("credit:case-feedback", args=[target.pk]), {"outcome": "normal", "occurred_on": "2024-10-15"}).status_code == 403
    assert not target.feedback.exists()


def test_the_statistics_page_shows_tables_and_a_chart(world, client):
    admin = signed_in(client, make_user(Role.CITY_ADMIN, region_code="420300"))
    response = admin.get(reverse("credit:case-statistics"), {"start": "2024-01-01", "end": "2024-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="total-opened">8<' in html
    assert 'value="2024-01-01"' in html and 'value="2024-12-31"' in html  # the period applied shows in its inputs
    options = json.loads(re.search(r'<script id="chart-measure-departments" type="application/json">(.*?)</script>', html).group(1))
    series = {s["name"]: s["data"] for s in options["series"]}
    assert sum(series["发起"]) == 8 and sum(series["逾期未反馈"]) == 8
    assert "vendor/echarts.min.js" in html and external_urls(html) == []


def test_the_catalogue_is_public_and_the_city_admin_edits_it(world, client):
    anonymous = client.get(reverse("credit:public-measure-list"))
    assert anonymous.status_code == 200
    html = anonymous.content.decode()
    assert "LHCJ-SL-01" in html and "国家市场监督管理总局令第44号" in html and external_urls(html) == []
    county = signed_in(client, make_user(Role.COUNTY_STAFF, region_code="420302"))
    page = county.get(reverse("credit:measure-list"))
    assert page.status_code == 200 and "measure-create" not in page.content.decode()
    assert county.get(reverse("credit:measure-create")).status_code == 403
    admin = signed_in(client, make_user(Role.CITY_ADMIN, region_code="420300"))
    measure = Measure.objects.get(code="LHCJ-SL-03")
    response = admin.post(reverse("credit:measure-edit", args=[measure.pk]), {
        "code": measure.code, "kind": measure.kind, "trigger": measure.trigger, "domain": measure.domain, "cause": measure.cause,
        "legal_basis": measure.legal_basis, "content": measure.content, "requesting_department": measure.requesting_department_id,
        "executing_department": measure.executing_department_id, "duration_months": "24"})  # is_active unticked
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.duration_months, measure.is_active) == (24, False)
    public = client.get(reverse("credit:public-measure-list")).content.decode()
    assert 'data-code="LHCJ-SL-03"' not in public and 'data-code="LHCJ-SL-01"' in public


def test_the_menu_shows_the_entries_to_those_who_may_use_them(world):
    labels = {str(e["label"]) for e in menu_for(staff("sy-finance"))}
    assert {"联合奖惩任务", "奖惩措施目录", "联合奖惩统计"} <= labels
    lab = make_user(Role.LAB, region_code="420302")
    assert "联合奖惩任务" not in {str(e["label"]) for e in menu_for(lab)}


def test_anonymous_users_are_sent_to_sign_in(world, client):
    for name in ("credit:case-inbox", "credit:case-statistics", "credit:measure-list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
