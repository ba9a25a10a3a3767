"""The list pages: staff pages for the right roles, the workflow through POSTed forms (CSRF
enforced), the enterprise's removal application, the public list and publications."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhiliang.core.choices import Role
from zhiliang.credit.choices import ListEntryStatus, ListKind, RemovalWay
from zhiliang.credit.models import ListEntry, ListPublication
from zhiliang.credit.services import lists
from zhiliang.enterprises.tests.views_data import ID_NUMBER
from zhiliang.testing.fixtures import make_user

from .lists_data import act, build_list_world, proposed_entry, published_entry

D = datetime.date
S = ListEntryStatus


@pytest.fixture
def world(db):
    return build_list_world()


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post_form(client: Client, page_url: str, action_url: str, data: dict):
    """GET the page (the CSRF cookie and token), then POST the form to ``action_url`` with it."""
    page = client.get(page_url)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token, "the page has no form with a CSRF token"
    return client.post(action_url, {**data, "csrfmiddlewaretoken": token.group(1)}, follow=True)


def action_url(entry, step):
    return reverse("credit:list-entry-action", kwargs={"pk": entry.pk, "step": step})


def detail_url(entry):
    return reverse("credit:list-entry-detail", kwargs={"pk": entry.pk})


def test_the_whole_workflow_through_the_pages(world):
    proposer = csrf_client(world.proposer)
    propose_url = reverse("credit:list-entry-propose")
    page = proposer.get(propose_url, {"enterprise": world.maojian.pk})
    assert page.status_code == 200 and world.penalty.decision_no in page.content.decode()
    response = post_form(proposer, f"{propose_url}?enterprise={world.maojian.pk}", propose_url, {
        "enterprise": world.maojian.pk, "list_kind": ListKind.SERIOUS, "facts": [world.penalty.pk],
        "grounds": "生产销售不合格产品，情节严重", "legal_basis": "《市场监督管理严重违法失信名单管理办法》第九条"})
    entry = ListEntry.objects.get()
    assert response.redirect_chain[-1][0] == detail_url(entry)
    assert list(entry.facts.all()) == [world.penalty]
    assert 'id="form-approve"' not in response.content.decode()  # the proposer cannot approve

    city = csrf_client(world.city_staff)
    queue = city.get(reverse("credit:list-approval-queue"))
    assert entry in queue.context["entries"]
    assert entry not in proposer.get(reverse("credit:list-approval-queue")).context["entries"]
    response = post_form(city, detail_url(entry), action_url(entry, "approve"), {"note": "同意"})
    assert "已批准" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == S.APPROVED

    post_form(proposer, detail_url(entry), action_url(entry, "notify"), {
        "decision_no": "十茅市监信〔2024〕1号", "decided_on": "2024-09-20", "notified_on": "2024-09-23", "method": "直接送达"})
    entry.refresh_from_db()
    assert (entry.status, entry.publish_due) == (S.NOTIFIED, D(2024, 10, 23))
    post_form(proposer, detail_url(entry), action_url(entry, "publish"), {"published_on": "2024-10-21"})
    entry.refresh_from_db()
    assert entry.status == S.PUBLISHED and entry.fact is not None

    page = proposer.get(detail_url(entry)).content.decode()
    assert "十茅市监信〔2024〕1号" in page and 'id="entry-history"' in page and 'id="form-remove"' in page
    public = Client().get(reverse("credit:public-list")).content.decode()
    assert world.maojian.name in public and "十茅市监信〔2024〕1号" in public


def test_a_refused_action_says_why_on_the_page(world):
    entry = proposed_entry(world)
    response = post_form(csrf_client(world.city_staff), detail_url(entry), action_url(entry, "publish"), {"published_on": "2026-01-05"})
    assert "该名单记录当前状态为“已提出，待批准”，不能公示" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == S.PROPOSED


def test_a_refused_step_shows_its_form_again_as_it_was_typed(world):
    entry = act(lists.approve, world.city_staff, entry=proposed_entry(world))
    client = Client()
    client.force_login(world.proposer)
    response = client.post(action_url(entry, "notify"), {"decision_no": "十茅市监信〔2026〕21号", "decided_on": "2026-11-20",
                                                          "notified_on": "2026-11-18", "method": "邮寄送达"})
    html = response.content.decode()
    assert response.status_code == 400 and "告知日期 2026-11-18 早于列入决定日期 2026-11-20" in html
    assert 'value="十茅市监信〔2026〕21号"' in html and 'value="邮寄送达"' in html and 'value="2026-11-18"' in html
    entry.refresh_from_db()
    assert entry.status == S.APPROVED


def test_a_post_without_the_csrf_token_is_refused(world):
    entry = proposed_entry(world)
    response = csrf_client(world.city_staff).post(action_url(entry, "approve"), {"note": "同意"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == S.PROPOSED


def test_the_staff_pages_render_for_the_roles(world):
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    publication = act(lists.publish_periodic_list, world.city_admin, list_kind=ListKind.SERIOUS, period_start=D(2024, 10, 1),
                      period_end=D(2024, 10, 31), number="2024年第10期", published_on=D(2024, 11, 1))
    for user in (world.proposer, world.city_staff, world.city_admin, world.zhangwan_staff):
        client = Client()
        client.force_login(user)
        for url in (reverse("credit:list-entry-list"), detail_url(entry), reverse("credit:list-publication-list"),
                    reverse("credit:list-publication-detail", kwargs={"pk": publication.pk})):
            assert client.get(url).status_code == 200, (user, url)
        listed = client.get(reverse("credit:list-entry-list"), {"status": S.PUBLISHED, "region": "420302"}).context["page"].object_list
        assert entry in listed
    city = Client()
    city.force_login(world.city_staff)
    assert city.get(reverse("credit:list-publication-create")).status_code == 200
    county = Client()
    county.force_login(world.proposer)
    assert county.get(reverse("credit:list-publication-create")).status_code == 403
    assert county.get(reverse("credit:list-entry-propose"), {"q": "精工"}).status_code == 200
    assert Client().get(reverse("credit:list-entry-list")).status_code == 302  # anonymous → login


def test_a_county_proposes_only_its_own_countys_enterprises(world):
    client = Client()
    client.force_login(world.proposer)  # 茅箭区
    url = reverse("credit:list-entry-propose")
    picked = client.get(url, {"q": world.zhangwan.name[2:6]}).context["enterprises"]
    assert world.zhangwan not in picked
    assert world.maojian in client.get(url, {"q": world.maojian.name[2:6]}).context["enterprises"]
    assert client.get(url, {"enterprise": world.zhangwan.pk}).status_code == 404


def test_another_countys_proposal_is_404_to_county_staff(world):
    entry = proposed_entry(world)
    client = Client()
    client.force_login(world.zhangwan_staff)
    assert client.get(detail_url(entry)).status_code == 404
    assert entry not in client.get(reverse("credit:list-entry-list")).context["page"].object_list
    assert client.post(action_url(entry, "withdraw"), {"reason": "x"}).status_code == 404


def test_the_enterprise_applies_for_removal_from_its_own_entry_page(world):
    today = timezone.localdate()
    entry = published_entry(world, decided_on=today - datetime.timedelta(days=420), published_on=today - datetime.timedelta(days=400))
    assert entry.removal_apply_from <= today
    client = csrf_client(world.enterprise_user)
    page = client.get(detail_url(entry)).content.decode()
    assert 'id="form-removal-apply"' in page and 'id="form-remove"' not in page and 'id="entry-history"' not in page
    assert 'id="id_removal-apply_applied_on"' not in page  # applied online: on the day it is submitted
    staff = Client()
    staff.force_login(world.proposer)
    ways = [v for v, _label in staff.get(detail_url(entry)).context["actions"][-1]["form"].fields["way"].choices]
    assert ways == [RemovalWay.REVOKED]  # not applied for yet, not due: only a revocation
    response = post_form(client, detail_url(entry), reverse("credit:removal-apply", kwargs={"pk": entry.pk}),
                         {"applied_on": (today + datetime.timedelta(days=30)).isoformat(), "reason": "已缴纳罚款并完成整改"})
    assert "已提交移出申请" in response.content.decode()
    entry.refresh_from_db()
    assert entry.removal_applied_on == today


def test_an_enterprise_sees_only_its_own_entries_on_the_staff_pages(world):
    """Another enterprise's published entry is public on the public list, but its workflow (approval,
    notice) is not: 404 to an enterprise account, as for another enterprise's objections."""
    own = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    other = published_entry(world, enterprise=world.credit.old, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21),
                            decision_no="十茅市监信〔2024〕7号", facts=[])
    client = Client()
    client.force_login(world.enterprise_user)
    assert client.get(detail_url(other)).status_code == 404
    assert client.post(reverse("credit:removal-apply", kwargs={"pk": other.pk}), {"reason": "冒名申请"}).status_code == 404
    listed = client.get(reverse("credit:list-entry-list"))
    assert list(listed.context["page"].object_list) == [own]
    html = listed.content.decode()
    assert reverse("credit:list-approval-queue") not in html and reverse("credit:list-publication-list") not in html
    # staff see every published entry, with the tabs their role opens; the filters offer the special zones, "全部" for none
    admin = Client()
    admin.force_login(world.city_admin)
    listed = admin.get(reverse("credit:list-entry-list"))
    assert ("4203K1", "　十堰经济技术开发区") in listed.context["filterset"].form.fields["region"].choices
    html = listed.content.decode()
    for name in ("list_kind", "status"):
        assert re.search(rf'<select name="{name}"[^>]*>\s*<option value=""[^>]*>全部</option>', html), name
    staff = Client()
    staff.force_login(world.zhangwan_staff)
    assert staff.get(detail_url(other)).status_code == 200
    assert reverse("credit:list-publication-list") in staff.get(reverse("credit:list-entry-list")).content.decode()


def test_the_removal_form_is_not_offered_before_the_day(world):
    today = timezone.localdate()
    entry = published_entry(world, decided_on=today - datetime.timedelta(days=40), published_on=today - datetime.timedelta(days=30))
    client = Client()
    client.force_login(world.enterprise_user)
    page = client.get(detail_url(entry)).content.decode()
    assert 'id="form-removal-apply"' not in page
    assert entry.removal_apply_from.isoformat() in page


def test_the_public_list_shows_only_published_entries_without_personal_data(world):
    published = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    proposal = act(lists.propose, world.zhangwan_staff, enterprise=world.zhangwan, grounds="拒绝监督抽查，情节严重")
    response = Client().get(reverse("credit:public-list"))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert rows == [published] and proposal not in rows
    html = response.content.decode()
    assert world.zhangwan.name not in html and ID_NUMBER not in html and world.maojian.legal_rep_name not in html


def test_a_publication_is_created_by_the_city_and_shown_to_the_public(world):
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    city = csrf_client(world.city_staff)
    create = reverse("credit:list-publication-create")
    data = {"list_kind": ListKind.SERIOUS, "number": "2024年第10期", "period_start": "2024-10-01", "period_end": "2024-10-31",
            "published_on": "2024-11-01"}
    response = post_form(city, create, create, data)
    publication = ListPublication.objects.get()
    assert response.redirect_chain[-1][0] == reverse("credit:list-publication-detail", kwargs={"pk": publication.pk})
    again = post_form(city, create, create, {**data, "number": "重复"})
    assert "已公布" in again.content.decode() and ListPublication.objects.count() == 1
    public = Client()
    assert "2024年第10期" in public.get(reverse("credit:public-list-publications")).content.decode()
    detail = public.get(reverse("credit:public-list-publication-detail", kwargs={"pk": publication.pk}))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert 'id="publication-added"' in html and world.maojian.name in html and entry.decision_no in html


def test_the_api_lists_published_entries_to_the_public_with_public_fields(world):
    published = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    proposed_entry(world, enterprise=world.credit.old)
    from rest_framework.test import APIClient

    rows = APIClient().get(reverse("v1:credit-list-entry-list")).json()["results"]
    assert [r["id"] for r in rows] == [published.pk]
    assert "approval_note" not in rows[0] and rows[0]["enterprise_uscc"] == world.maojian.uscc
    staff = APIClient()
    staff.force_authenticate(make_user(Role.COUNTY_STAFF, region_code="420302"))
    assert len(staff.get(reverse("v1:credit-list-entry-list"), {"status": S.PROPOSED}).json()["results"]) == 1


def test_a_published_entry_read_by_another_county_department_or_enterprise_gives_its_public_fields_only(world):
    """Any signed-in account got every field of a published entry through the API — the
    approval note, the notice, an enterprise's removal application. Only the entry's own
    county, department and enterprise do; the others read what the public reads."""
    from rest_framework.test import APIClient

    published = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    url = reverse("v1:credit-list-entry-detail", args=[published.pk])

    def read(user):
        client = APIClient()
        client.force_authenticate(user)
        response = client.get(url)
        assert response.status_code == 200
        return response.json()

    own = read(make_user(Role.COUNTY_STAFF, region_code="420302"))
    assert own["status"] == S.PUBLISHED and own["proposed_on"] is not None
    for outsider in (make_user(Role.COUNTY_STAFF, region_code="420303"),
                     make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com"),
                     make_user(Role.ENTERPRISE, organisation=world.zhangwan)):
        theirs = read(outsider)
        assert theirs["decision_no"] == published.decision_no and theirs["enterprise_uscc"] == world.maojian.uscc
        assert (theirs["status"], theirs["proposed_on"], theirs["approval_note"], theirs["notice_method"]) == (None, None, None, None)
