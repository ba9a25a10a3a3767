"""The staff pages of credit facts and credit-risk classes: the fact list (filters, scope,
exports), a fact's page (personal data masked and revealed with a log, history, revoke, undo a
wrong match), the matching review queue (confirm, reject, tie by hand — the class follows), the
class explanation and overview, the menu, and the 双公示 upload as department staff use it."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from zhiliang.core.audit import mask_value
from zhiliang.core.choices import Role
from zhiliang.core.models import ObjectChange
from zhiliang.core.navigation import menu_for
from zhiliang.credit import selectors
from zhiliang.credit.choices import FactKind, FactStatus, MatchStatus
from zhiliang.credit.importers import id_check_char
from zhiliang.credit.models import CreditFact, RiskAssessment
from zhiliang.exchange.choices import JobStatus
from zhiliang.exchange.models import ImportJob
from zhiliang.exchange.forms import ImportForm
from zhiliang.testing.fixtures import department, make_user

from .facts_data import build_credit_registry, penalty_fields, record

D = datetime.date
pytestmark = pytest.mark.django_db

FACT_ID = "42030219700101001" + id_check_char("42030219700101001")  # fictional, valid check character
AMR = "十堰市市场监督管理局"


@pytest.fixture
def world():
    return build_credit_registry()


def login(client, user):
    client.force_login(user)
    return client


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def recorded(capture, **values) -> CreditFact:
    """Record a fact as SYSTEM and deliver its events (the class is recomputed on commit)."""
    with capture(execute=True):
        fact, _ = record(**values)
    return CreditFact.objects.get(pk=fact.pk)


def current_class(enterprise) -> RiskAssessment:
    return RiskAssessment.objects.get(enterprise=enterprise, is_current=True)


def counted_facts(enterprise) -> set[int]:
    """The fact ids the enterprise's current class counted (its explanation)."""
    return {f["id"] for item in current_class(enterprise).explanation for f in item.get("facts") or []}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- pages by role and region ----------------------------------------------------------------------------


def test_the_pages_render_for_county_department_and_city_staff_and_404_across_regions(
        client, world, county_user, other_county_user, department_user, city_admin, django_capture_on_commit_callbacks):
    hidden = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, procedure="simple", source_record_id="S-1"))
    assert not hidden.is_publishable and hidden.region.code == "420302"
    assessment = current_class(world.maojian)
    urls = [reverse("credit:fact-detail", args=[hidden.pk]), reverse("credit:assessment-detail", args=[assessment.pk]),
            reverse("credit:enterprise-class", args=[world.maojian.pk])]
    for user in (county_user, department_user, city_admin):
        login(client, user)
        html = page(client, reverse("credit:fact-list"))
        assert reverse("credit:fact-detail", args=[hidden.pk]) in html, user.username
        for url in urls:
            page(client, url)
        page(client, reverse("credit:review-queue"))
        page(client, reverse("credit:class-overview"))
    login(client, other_county_user)
    assert reverse("credit:fact-detail", args=[hidden.pk]) not in page(client, reverse("credit:fact-list"), all="1")
    for url in urls:
        assert client.get(url).status_code == 404, url
    # another department's staff read the shared fact as what it says — no record id, history or identity numbers —
    # and may neither change, revoke nor reveal anything
    login(client, make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com"))
    html = page(client, urls[0])
    assert 'id="public-only"' in html and hidden.decision_no in html
    for absent in ("S-1", 'id="history"', 'id="revoke-form"', "core/reveal"):
        assert absent not in html, absent
    reveal = reverse("core:reveal", args=["credit.creditfact", hidden.pk, "legal_rep_id_number"])
    assert client.post(reveal).status_code == 403


def test_the_list_filters_and_marks_the_end_of_publicity(client, world, county_user, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    current = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, source_record_id="N-1", decision_no="十市监罚〔2026〕1号",
                                                                             decided_on=today - datetime.timedelta(days=20)))
    expired = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, source_record_id="N-2", decision_no="十市监罚〔2020〕2号",
                                                                             decided_on=D(2020, 1, 6)))
    licence = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, kind=FactKind.LICENCE, source_record_id="L-1",
                                                                             decision_no="十市监许〔2026〕3号", procedure="",
                                                                             decided_on=today - datetime.timedelta(days=5)))
    login(client, county_user)
    url = reverse("credit:fact-list")

    def listed(**params) -> set[int]:
        response = client.get(url, params)
        assert response.status_code == 200
        return {f.pk for f in response.context["page"].object_list}

    assert listed() == {current.pk, expired.pk, licence.pk}
    assert listed(kind="penalty") == {current.pk, expired.pk}
    assert listed(expired="true") == {expired.pk}
    assert listed(public="true", kind="penalty") == {current.pk}
    assert listed(q="〔2020〕") == {expired.pk}
    assert listed(source="sy-amr", region="420302", decided_after="2025-01-01") == {current.pk, licence.pk}
    assert listed(region="420303") == set()
    html = page(client, url, kind="penalty")
    assert "已过公示期" in html and expired.publicity_ends_on.isoformat() in html


def test_the_exports_contain_the_filtered_rows(client, world, county_user, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    kept = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, source_record_id="E-1", decision_no="十市监罚〔2024〕7号",
                                                                          legal_rep_id_number=FACT_ID))
    recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, kind=FactKind.LICENCE, source_record_id="E-2",
                                                                  decision_no="十市监许〔2024〕8号", procedure=""))
    login(client, county_user)
    response = client.get(reverse("credit:fact-export", args=["csv"]), {"kind": "penalty"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["编号", "信息类别", "来源部门/单位", "来源记录编号", "行政相对人名称"]
    assert [(r[0], r[10]) for r in rows[1:]] == [(str(kept.pk), "十市监罚〔2024〕7号")]
    assert FACT_ID not in response.content.decode("utf-8-sig") and FACT_ID[-4:] not in response.content.decode("utf-8-sig")
    response = client.get(reverse("credit:fact-export", args=["xlsx"]), {"kind": "licence"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [(v[1], v[10]) for v in values] == [("行政许可", "十市监许〔2024〕8号")]
    assert client.get(reverse("credit:fact-export", args=["pdf"])).status_code == 404


# --- one fact -----------------------------------------------------------------------------------------


def test_identity_numbers_are_masked_and_revealed_with_a_log_only_for_permitted_users(
        client, world, county_user, other_county_user, department_user, city_admin, django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, legal_rep_id_number=FACT_ID, legal_rep_id_type="身份证",
                                                                          received={"cf_xdr_mc": world.maojian.name, "cf_fr_sfzh": FACT_ID}))
    url = reverse("credit:fact-detail", args=[fact.pk])
    reveal = reverse("core:reveal", args=["credit.creditfact", fact.pk, "legal_rep_id_number"])
    for user in (city_admin, county_user, department_user):
        html = page(login(client, user), url)
        assert FACT_ID not in html, user.username  # neither in the field nor in the fields as received
        assert mask_value(FACT_ID) in html
        # the 显示 button: core.view_personal_data (county and department staff, not the city admin) within the own scope
        assert (f'hx-post="{reveal}"' in html) == (user in (county_user, department_user)), user.username
    # a county whose scope holds the fact only as public cannot reveal
    assert f'hx-post="{reveal}"' not in page(login(client, other_county_user), url)
    assert client.post(reveal).status_code == 403
    login(client, city_admin)
    assert client.post(reveal).status_code == 403
    login(client, county_user)
    response = client.post(reveal, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and FACT_ID in response.content.decode()
    log = ObjectChange.objects.get(action="view_personal", content_type=ContentType.objects.get_for_model(CreditFact), object_id=str(fact.pk))
    assert log.actor_id == county_user.pk and log.after == {"fields": ["legal_rep_id_number"]}
    # the history on the page shows the viewing
    assert "查看个人信息" in page(client, url)


def test_a_fact_visible_only_because_it_is_public_shows_only_its_public_fields(
        client, world, county_user, other_county_user, django_capture_on_commit_callbacks):
    """Another county's public penalty: the page and the export give what the public sees (as the
    API does) — no record id, fields as received, history or match; its own county sees it all."""
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, source_record_id="CF-SECRET-1", legal_rep_id_number=FACT_ID,
                                                                          received={"cf_xdr_mc": world.maojian.name, "cf_fr_sfzh": FACT_ID}))
    url = reverse("credit:fact-detail", args=[fact.pk])
    html = page(login(client, other_county_user), url)
    assert 'id="public-only"' in html and fact.decision_no in html and fact.party_name in html
    for hidden in ("CF-SECRET-1", "cf_fr_sfzh", mask_value(FACT_ID), 'id="history"', 'id="received"', 'id="revoke-form"'):
        assert hidden not in html, hidden
    rows = list(csv.reader(io.StringIO(client.get(reverse("credit:fact-export", args=["csv"]), {"all": "1"}).content.decode("utf-8-sig"))))
    [row] = [r for r in rows[1:] if r[0] == str(fact.pk)]
    assert (row[3], row[7], row[9], row[10]) == ("", "", "", fact.decision_no)  # record id, match, region blank; 文号 public
    # the list, as the export: the row's region and match blank
    listed = page(client, reverse("credit:fact-list") + "?all=1")
    cells = _row_cells(listed, fact.pk)
    assert fact.decision_no in cells[2] and cells[5:7] == ["—", "—"], cells
    html = page(login(client, county_user), url)
    assert 'id="public-only"' not in html and "CF-SECRET-1" in html and 'id="history"' in html
    rows = list(csv.reader(io.StringIO(client.get(reverse("credit:fact-export", args=["csv"])).content.decode("utf-8-sig"))))
    [row] = [r for r in rows[1:] if r[0] == str(fact.pk)]
    assert (row[3], row[9]) == ("CF-SECRET-1", world.maojian.region.name)
    cells = _row_cells(page(client, reverse("credit:fact-list")), fact.pk)
    assert cells[5] == world.maojian.region.name and cells[6] == "按统一社会信用代码匹配", cells


def _row_cells(html: str, pk: int) -> list[str]:
    """The text of each cell of the fact list's row for fact ``pk``."""
    row = re.search(rf'<tr data-fact="{pk}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_revoke_from_the_page(client, world, county_user, other_county_user, django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, decided_on=timezone.localdate() - datetime.timedelta(days=30)))
    assert fact.id in counted_facts(world.maojian)
    url = reverse("credit:fact-revoke", args=[fact.pk])
    # another county sees the public fact but may not change it
    assert login(client, other_county_user).post(url, {"on": timezone.localdate().isoformat(), "reason": "x"}).status_code == 403
    login(client, county_user)
    html = page(client, reverse("credit:fact-detail", args=[fact.pk]))
    assert 'id="revoke-form"' in html and f'value="{timezone.localdate().isoformat()}"' in html  # the date input shows today
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"on": timezone.localdate().isoformat(), "reason": "十政复决〔2026〕5号撤销原处罚"}, follow=True)
    fact.refresh_from_db()
    assert fact.status == FactStatus.REVOKED and fact.revoked_on == timezone.localdate()
    assert any("已登记撤销" in m for m in messages_of(response))
    html = response.content.decode()
    assert "十政复决〔2026〕5号撤销原处罚" in html and 'id="revoke-form"' not in html  # the reason in the history, no second revoke
    assert fact.pk not in counted_facts(world.maojian)  # a revoked fact no longer counts
    # twice: refused with the service's message
    response = client.post(url, {"on": timezone.localdate().isoformat(), "reason": "再次"}, follow=True)
    assert any("已于" in m and "撤销" in m for m in messages_of(response))


def test_a_county_does_not_revoke_another_bureaus_fact(client, world, county_user, department_user, django_capture_on_commit_callbacks):
    """County staff of 茅箭区 could revoke the 商务局's penalty on a 茅箭 enterprise; revoking is
    the source department's (as deciding an objection to it is): no form, and a POST is refused
    naming the department. The market-supervision line's own facts they still revoke."""
    theirs = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, source_department=department("sy-com"),
                                                                            source_record_id="十商罚〔2026〕1号", decision_no="十商罚〔2026〕1号"))
    login(client, county_user)
    assert 'id="revoke-form"' not in page(client, reverse("credit:fact-detail", args=[theirs.pk]))
    response = client.post(reverse("credit:fact-revoke", args=[theirs.pk]), {"on": timezone.localdate().isoformat(), "reason": "x"}, follow=True)
    assert any("该信用信息由“十堰市商务局”提供，撤销须由提供部门" in m for m in messages_of(response))
    assert CreditFact.objects.get(pk=theirs.pk).status == FactStatus.ACTIVE
    ours = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian))  # 市场监管局's
    assert 'id="revoke-form"' in page(client, reverse("credit:fact-detail", args=[ours.pk]))
    commerce = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com")
    assert 'id="revoke-form"' in page(login(client, commerce), reverse("credit:fact-detail", args=[theirs.pk]))


# --- the review queue ----------------------------------------------------------------------------------


def test_confirming_a_candidate_ties_the_fact_and_recomputes_the_class(client, world, department_user, django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(None, party_name=world.maojian.name, severity="serious"))
    assert fact.match_status == MatchStatus.CANDIDATE and fact.candidate == world.maojian
    assert not RiskAssessment.objects.filter(enterprise=world.maojian).exists()
    login(client, department_user)
    html = page(client, reverse("credit:review-queue"))
    assert f'id="fact-{fact.pk}"' in html and world.maojian.address in html and world.maojian.uscc in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credit:review-confirm", args=[fact.pk]), {"reason": "住所、法定代表人一致"})
    assert response.status_code == 302 and response["Location"] == reverse("credit:review-queue")
    fact.refresh_from_db()
    assert (fact.match_status, fact.enterprise, fact.region.code) == (MatchStatus.CONFIRMED, world.maojian, "420302")
    assert fact.pk in counted_facts(world.maojian) and current_class(world.maojian).trigger.startswith("credit.match_confirmed#")
    change = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(CreditFact), object_id=str(fact.pk)).latest("pk")
    assert "住所、法定代表人一致" in change.reason and change.actor_id == department_user.pk
    html = page(client, reverse("credit:fact-detail", args=[fact.pk]))  # the history in the clerk's words
    assert "主体匹配：按名称匹配，待核对 → 人工确认" in html and "match_status" not in html
    assert not selectors.review_queue(department_user).filter(pk=fact.pk).exists()
    assert f'id="fact-{fact.pk}"' not in page(client, reverse("credit:review-queue"))


def test_rejecting_leaves_the_fact_unmatched_for_tying_by_hand(client, world, department_user, django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(None, party_name=world.maojian.name))
    login(client, department_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credit:review-reject", args=[fact.pk]), {"reason": "同名不同主体"}, follow=True)
    assert any("不是" in m for m in messages_of(response))
    fact.refresh_from_db()
    assert (fact.match_status, fact.enterprise, fact.candidate) == (MatchStatus.UNMATCHED, None, None)
    assert not RiskAssessment.objects.filter(enterprise=world.maojian).exists()
    html = response.content.decode()
    assert f'id="fact-{fact.pk}"' in html and f'id="q-{fact.pk}"' in html  # still queued, with the search box
    # confirm without choosing: refused; an unknown enterprise: refused
    response = client.post(reverse("credit:review-confirm", args=[fact.pk]), {}, follow=True)
    assert any("请先在名录库中查找" in m for m in messages_of(response))
    client.post(reverse("credit:review-confirm", args=[fact.pk]), {"enterprise": 10**9})
    fact.refresh_from_db()
    assert fact.match_status == MatchStatus.UNMATCHED
    # tied by hand to the enterprise found by the search
    search = client.get(reverse("sampling:enterprise-search"), {"field": "enterprise", "q": "车桥"}).content.decode()
    assert f'value="{world.zhangwan.pk}"' in search
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("credit:review-confirm", args=[fact.pk]), {"enterprise": world.zhangwan.pk, "reason": "工商档案核实"})
    fact.refresh_from_db()
    assert (fact.match_status, fact.enterprise) == (MatchStatus.CONFIRMED, world.zhangwan)
    assert fact.pk in counted_facts(world.zhangwan)


def test_undoing_a_wrong_merge_returns_the_fact_to_the_queue_and_the_class_loses_it(
        client, world, county_user, department_user, django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, severity="serious"))
    assert fact.match_status == MatchStatus.USCC and fact.pk in counted_facts(world.maojian)
    before = current_class(world.maojian)
    login(client, county_user)
    url = reverse("credit:fact-unmatch", args=[fact.pk])
    response = client.post(url, {"reason": ""}, follow=True)  # a reason is required
    assert any("原因" in m for m in messages_of(response))
    fact.refresh_from_db()
    assert fact.match_status == MatchStatus.USCC
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "统一社会信用代码录入错误，实为另一主体"})
    # the unmatched fact is city-wide: out of the county's own list (it still reads it while it is public)
    assert response.status_code == 302 and response["Location"] == reverse("credit:fact-detail", args=[fact.pk])
    assert reverse("credit:fact-detail", args=[fact.pk]) not in page(client, reverse("credit:fact-list"))
    fact.refresh_from_db()
    assert (fact.match_status, fact.enterprise, fact.region) == (MatchStatus.UNMATCHED, None, None)
    assert fact.pk not in counted_facts(world.maojian)
    after = current_class(world.maojian)
    assert after.pk != before.pk and after.score < before.score and after.trigger.startswith("credit.match_undone#")
    assert selectors.review_queue(department_user).filter(pk=fact.pk).exists()
    assert f'id="fact-{fact.pk}"' in page(login(client, department_user), reverse("credit:review-queue"))
    # the history of the class: both rows, on the current one's page
    html = page(client, reverse("credit:assessment-detail", args=[after.pk]))
    assert reverse("credit:assessment-detail", args=[before.pk]) in html


def test_a_county_undoing_the_match_of_a_non_public_fact_is_sent_back_to_the_list(client, world, county_user, django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, procedure="simple"))
    login(client, county_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credit:fact-unmatch", args=[fact.pk]), {"reason": "同名不同主体"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("credit:fact-list")
    assert any("已撤销与" in m for m in messages_of(response))
    assert client.get(reverse("credit:fact-detail", args=[fact.pk])).status_code == 404  # now city-wide, out of the county's scope


def test_the_queue_is_closed_to_roles_without_the_permission(client, world, django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(None, party_name=world.maojian.name))
    lab = make_user(Role.LAB, region_code="420302")
    login(client, lab)
    assert client.get(reverse("credit:review-queue")).status_code == 403
    assert client.post(reverse("credit:review-confirm", args=[fact.pk])).status_code == 403
    fact.refresh_from_db()
    assert fact.match_status == MatchStatus.CANDIDATE


# --- classes ------------------------------------------------------------------------------------------


def test_the_class_page_lists_the_facts_that_produced_the_class(client, world, county_user, other_county_user, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    penalty = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, severity="serious", decided_on=today - datetime.timedelta(days=40)))
    failure = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, kind=FactKind.SAMPLING_FAILURE, source_record_id="SY-2026-001",
                                                                             decision_no="", procedure="", decided_on=today - datetime.timedelta(days=20)))
    licence = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, kind=FactKind.LICENCE, source_record_id="XK-1",
                                                                             procedure=""))
    assessment = current_class(world.maojian)
    assert counted_facts(world.maojian) == {penalty.pk, failure.pk}  # a licence is neutral
    login(client, county_user)
    response = client.get(reverse("credit:enterprise-class", args=[world.maojian.pk]))
    assert response.status_code == 200 and response.context["assessment"] == assessment
    html = response.content.decode()
    for fact in (penalty, failure):
        assert f'href="{reverse("credit:fact-detail", args=[fact.pk])}"' in html
    assert reverse("credit:fact-detail", args=[licence.pk]) not in html
    assert "RULE_CREDIT_CLASS_PENALTY_POINTS" in html and "RULE_CREDIT_CLASS_THRESHOLDS" in html
    from zhiliang.core import rules as rule_registry

    assert rule_registry.get("RULE_CREDIT_CLASS_THRESHOLDS").title in html  # each rule by its name in Chinese
    assert "记录信用信息（事件 " in html and "credit.fact_recorded#" not in html  # what triggered the recomputation
    assert assessment.get_risk_class_display() in html and 'data-indicator="penalty_serious"' in html
    # the enterprise with no class: 404, and another county's class: 404
    assert client.get(reverse("credit:enterprise-class", args=[world.zhangwan.pk])).status_code == 404
    assert f'href="{reverse("enterprises:enterprise-detail", args=[world.maojian.pk])}"' in html  # staff: the registry's page
    login(client, other_county_user)
    assert client.get(reverse("credit:assessment-detail", args=[assessment.pk])).status_code == 404
    # the enterprise's own account: its class, linking to the page it may open (its public page, D14)
    firm = make_user(Role.ENTERPRISE, organisation=world.maojian)
    html = page(login(client, firm), reverse("credit:assessment-detail", args=[assessment.pk]))
    enterprise_link = re.search(r'<dt>企业</dt><dd><a href="([^"]+)"', html).group(1)
    assert enterprise_link == reverse("enterprises:public-enterprise", args=[world.maojian.pk])
    assert client.get(enterprise_link).status_code == 200


def test_the_overview_counts_classes_per_region_within_scope(client, world, county_user, department_user, django_capture_on_commit_callbacks):
    recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, severity="serious", source_record_id="O-1"))
    recorded(django_capture_on_commit_callbacks, **penalty_fields(world.zhangwan, severity="serious", source_record_id="O-2"))
    recorded(django_capture_on_commit_callbacks, **penalty_fields(world.zhangwan, severity="serious", source_record_id="O-3"))
    classes = {e: current_class(e).risk_class for e in (world.maojian, world.zhangwan)}

    def counts(user) -> dict[str, dict[str, int]]:
        response = login(client, user).get(reverse("credit:class-overview"))
        assert response.status_code == 200
        return {r.region.code: {c: n for c, n in r.counts.items() if n} for r in response.context["rows"]}

    assert counts(county_user) == {"420302": {classes[world.maojian]: 1}}
    assert counts(department_user) == {"420302": {classes[world.maojian]: 1}, "420303": {classes[world.zhangwan]: 1}}
    html = client.get(reverse("credit:class-overview")).content.decode()
    options = json.loads(html.split('<script id="chart-classes" type="application/json">')[1].split("</script>")[0])
    assert [s["name"] for s in options["series"]] == ["A类", "B类", "C类", "D类"] and "vendor/echarts.min.js" in html


# --- menu and upload -------------------------------------------------------------------------------------


def test_the_menu_entries_follow_the_permissions(world, county_user, department_user):

    def labels(user) -> set[str]:
        return {str(e["label"]) for e in menu_for(user)}

    assert {"信用信息", "主体匹配核对", "信用风险分类", "导入双公示数据"} <= labels(department_user)
    assert {"信用信息", "主体匹配核对", "信用风险分类"} <= labels(county_user) and "导入双公示数据" not in labels(county_user)
    assert not {"信用信息", "信用风险分类"} & labels(make_user(Role.LAB, region_code="420302"))


def penalty_csv(**changes) -> SimpleUploadedFile:
    today = timezone.localdate()
    row = {"行政相对人名称": "十堰东风精工汽车零部件有限公司", "行政相对人类别": "法人及非法人组织", "统一社会信用代码": "",
           "行政处罚决定书文号": "十市监处罚〔2026〕901号", "违法行为类型": "生产不合格产品", "处罚类别": "罚款", "罚款金额（万元）": "3",
           "处罚决定日期": (today - datetime.timedelta(days=10)).isoformat(), "处罚机关": AMR, "数据来源单位": AMR}
    row.update(changes)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    return SimpleUploadedFile("penalties.csv", out.getvalue().encode("utf-8"))


def test_the_upload_page_is_the_source_departments_not_a_countys(client, county_user):
    assert login(client, county_user).get(reverse("credit:fact-import")).status_code == 403
    assert "导入双公示数据" not in page(client, reverse("credit:fact-list"))  # nor in the menu


@pytest.mark.parametrize(("name", "content", "message"), [
    ("penalties.csv", b"", "选中的文件是空的（0 字节）"),
    ("penalties.csv", b"\xef\xbb\xbf\r\n,,,\r\n\r\n", "选中的文件只有空行，没有表头和数据"),
    ("处罚.xls", b"\xd0\xcf\x11\xe0 old excel", "旧的 .xls 请先在 Excel 中另存为 .xlsx"),
])
def test_a_refused_upload_stays_on_the_credit_page_with_what_to_do(client, department_user, name, content, message):
    """An empty or .xls file sent from 导入双公示数据 landed on the general import page, among
    the sampling options; the clerk stays on this page, with the choices made and the reason."""
    login(client, department_user)
    response = client.post(reverse("credit:fact-import"), {"kind": "licences", "option_source": "sy-amr", "good_rows": "on",
                                                           "file": SimpleUploadedFile(name, content)})
    html = response.content.decode()
    assert response.status_code == 400 and message in html and "导入双公示数据" in html
    assert '<option value="licences" selected>' in html and 'name="good_rows" checked' in html
    assert "抽查层级" not in html and not ImportJob.objects.exists()


def test_the_import_page_offers_only_the_kinds_the_user_may_import(client, county_user, department_user):
    """County staff were offered 行政处罚（双公示） and refused after uploading."""
    kinds = {c for c, _ in ImportForm(user=county_user).fields["kind"].choices}
    assert "penalties" not in kinds and "licences" not in kinds and "enterprises" in kinds
    assert {"penalties", "licences"} <= {c for c, _ in ImportForm(user=department_user).fields["kind"].choices}
    html = page(login(client, county_user), reverse("exchange:imports"))
    assert 'value="penalties"' not in html and 'name="option_source"' not in html  # nor the 双公示 kinds' option


def test_department_staff_upload_a_penalty_file_and_read_the_row_report(client, world, department_user, django_capture_on_commit_callbacks):
    login(client, department_user)
    html = page(client, reverse("credit:fact-import"))
    assert '<option value="sy-amr" selected>' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("credit:fact-import"), {"kind": "penalties", "option_source": "sy-amr", "file": penalty_csv(),
                                                               "reason": "3月行政处罚"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exchange:import-detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.report["counts"]["created"] == 1 and job.department == department("sy-amr")
    fact = CreditFact.objects.get()
    assert (fact.source_department, fact.match_status, fact.candidate) == (department("sy-amr"), MatchStatus.CANDIDATE, world.maojian)
    assert "已导入" in page(client, response["Location"])
    # in the department's queue
    assert selectors.review_queue(department_user).filter(pk=fact.pk).exists()


def test_the_history_names_related_rows_instead_of_their_ids(world):
    """After a match was confirmed the history read 企业：— → 2394, 区划：— → 8."""
    from zhiliang.core.views import history_rows
    from zhiliang.testing.fixtures import region

    zhushan = region("420323")
    rows = history_rows(CreditFact, [{"enterprise_id": [None, world.maojian.pk], "region_id": [None, zhushan.pk]},
                                     {"candidate_id": [world.maojian.pk, None], "match_status": ["candidate", "confirmed"]}])
    assert rows[0] == [("企业", None, world.maojian.name), ("区划", None, "竹山县")]
    assert rows[1][0] == ("按名称匹配的候选企业", world.maojian.name, None) and rows[1][1][1] == "按名称匹配，待核对"
