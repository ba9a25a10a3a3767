"""The read-only API of credit facts and credit-risk classes (/api/v1/credit/facts/,
/api/v1/credit/assessments/): scoped like the pages, filtered with the pages' FilterSets,
identity numbers always masked, public-only readers get the public fields only."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zhiliang.core.audit import mask_value
from zhiliang.core.choices import Role
from zhiliang.core.models import ObjectChange
from zhiliang.credit.choices import FactKind
from zhiliang.credit.importers import id_check_char
from zhiliang.credit.models import CreditFact, RiskAssessment
from zhiliang.testing.fixtures import make_user

from .facts_data import build_credit_registry, penalty_fields, record

pytestmark = pytest.mark.django_db

FACT_ID = "42030219800202002" + id_check_char("42030219800202002")
FACTS = "v1:credit-fact-list"
ASSESSMENTS = "v1:credit-assessment-list"


@pytest.fixture
def world():
    return build_credit_registry()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def recorded(capture, **values) -> CreditFact:
    with capture(execute=True):
        return record(**values)[0]


def test_facts_are_scoped_and_identity_numbers_always_masked(world, county_user, other_county_user, department_user, city_admin,
                                                             django_capture_on_commit_callbacks):
    hidden = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, procedure="simple", source_record_id="A-1",
                                                                            legal_rep_id_number=FACT_ID))
    detail = reverse("v1:credit-fact-detail", args=[hidden.pk])
    for user in (county_user, department_user, city_admin):
        assert hidden.pk in ids(api(user).get(reverse(FACTS))), user.username
        response = api(user).get(detail)
        assert response.status_code == 200 and FACT_ID not in response.content.decode()
        assert response.json()["legal_rep_id_number"] == mask_value(FACT_ID)  # even with core.view_personal_data
    # another department reads the shared fact's public fields only (no identity number, not even masked), and cannot change it
    other_department = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com")
    assert hidden.pk in ids(api(other_department).get(reverse(FACTS)))
    shared = api(other_department).get(detail).json()
    assert shared["decision_no"] == hidden.decision_no and shared["legal_rep_id_number"] is None and shared["received"] is None
    assert api(other_department).patch(detail, {"title": "改"}, format="json").status_code == 405  # the API only reads facts
    for user in (other_county_user, make_user(Role.ENTERPRISE, organisation=world.zhangwan)):
        assert hidden.pk not in ids(api(user).get(reverse(FACTS))), user.username
        assert api(user).get(detail).status_code == 404
    # the enterprise itself
    assert api(make_user(Role.ENTERPRISE, organisation=world.maojian)).get(detail).status_code == 200
    assert APIClient().get(detail).status_code == 401
    assert api(county_user).get(reverse("v1:credit-fact-detail", args=["abc"])).status_code == 404
    assert not ObjectChange.objects.filter(action="view_personal").exists()  # the API never unmasks, so logs nothing


def test_a_public_only_reader_gets_the_public_fields(world, county_user, other_county_user, django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, legal_rep_id_number=FACT_ID,
                                                                          received={"cf_wsh": "十市监罚〔2024〕101号"}))
    url = reverse("v1:credit-fact-detail", args=[fact.pk])
    outsider = api(other_county_user).get(url).json()
    assert outsider["party_name"] == world.maojian.name and outsider["decision_no"] == fact.decision_no
    assert outsider["publicity_ends_on"] == fact.publicity_ends_on.isoformat() and outsider["publicity_over"] is False
    assert outsider["legal_rep_id_number"] is None and outsider["received"] is None and outsider["match_status"] is None
    staff = api(county_user).get(url).json()
    assert staff["received"] == {"cf_wsh": "十市监罚〔2024〕101号"} and staff["match_status"] == "uscc" and staff["region"] == "420302"
    listed = {row["id"]: row for row in api(other_county_user).get(reverse(FACTS)).json()["results"]}
    assert listed[fact.pk]["legal_rep_id_number"] is None


def test_the_fact_filters_are_the_pages(world, county_user, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    current = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, source_record_id="F-1", decision_no="十市监罚〔2026〕11号",
                                                                             decided_on=today - datetime.timedelta(days=3)))
    old = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, source_record_id="F-2", decision_no="十市监罚〔2020〕12号",
                                                                         decided_on=datetime.date(2020, 1, 6)))
    licence = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, kind=FactKind.LICENCE, source_record_id="F-3",
                                                                             procedure=""))
    client = api(county_user)
    url = reverse(FACTS)
    assert ids(client.get(url, {"kind": "licence"})) == {licence.pk}
    assert ids(client.get(url, {"expired": "true"})) == {old.pk}
    assert ids(client.get(url, {"q": "〔2026〕11"})) == {current.pk}
    assert ids(client.get(url, {"decided_after": (today - datetime.timedelta(days=10)).isoformat()})) == {current.pk}
    assert ids(client.get(url, {"source": "sy-amr", "enterprise_uscc": world.maojian.uscc})) == {current.pk, old.pk, licence.pk}
    assert ids(client.get(url, {"source": "no-such-dept"})) == set()
    assert ids(client.get(url, {"region": "420303"})) == set()


def test_assessments_carry_their_explanation_and_are_scoped(world, county_user, other_county_user, department_user,
                                                           django_capture_on_commit_callbacks):
    fact = recorded(django_capture_on_commit_callbacks, **penalty_fields(world.maojian, severity="serious",
                                                                          decided_on=timezone.localdate() - datetime.timedelta(days=30)))
    assessment = RiskAssessment.objects.get(enterprise=world.maojian, is_current=True)
    url = reverse("v1:credit-assessment-detail", args=[assessment.pk])
    body = api(county_user).get(url).json()
    assert (body["risk_class"], body["enterprise_uscc"], body["region"], body["is_current"]) == (
        assessment.risk_class, world.maojian.uscc, "420302", True)
    assert fact.pk in {f["id"] for item in body["explanation"] for f in item.get("facts") or []}
    assert body["explanation"] == assessment.explanation and "classification" in body["explanation"][-1]
    assert assessment.pk in ids(api(department_user).get(reverse(ASSESSMENTS), {"risk_class": assessment.risk_class, "current": "true"}))
    assert ids(api(department_user).get(reverse(ASSESSMENTS), {"current": "false"})) == set()
    assert api(other_county_user).get(url).status_code == 404
    assert assessment.pk not in ids(api(other_county_user).get(reverse(ASSESSMENTS)))
    assert api(make_user(Role.ENTERPRISE, organisation=world.maojian)).get(url).status_code == 200
