"""Recording facts: idempotent per source record, never overwritten by another source, matched
to the registry (a name match waits for review), a wrong merge undone, revocation; the events
and the change log."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.models import DomainEvent, ObjectChange
from zhiliang.credit import selectors
from zhiliang.credit.choices import FactKind, FactStatus, MatchStatus, PartyKind
from zhiliang.credit.models import CreditFact
from zhiliang.credit.services import facts
from zhiliang.sampling.tests.samples_data import acting
from zhiliang.testing.fixtures import as_system, department, make_user

from .facts_data import DECIDED, OLD_REGNO, build_credit_registry, penalty_fields, record

D = datetime.date
pytestmark = pytest.mark.django_db


def changes(fact) -> list[ObjectChange]:
    return list(ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(CreditFact), object_id=str(fact.pk)).order_by("pk"))


def event(name) -> DomainEvent:
    """The one event of that name (each test here causes one)."""
    return DomainEvent.objects.get(name=name)


def test_a_new_record_is_created_matched_and_announced():
    world = build_credit_registry()
    fact, outcome = record(**penalty_fields(world.maojian))
    assert outcome == "created"
    assert (fact.enterprise, fact.match_status, fact.region) == (world.maojian, MatchStatus.USCC, world.maojian.region)
    assert (fact.source_key, fact.source_name) == ("sy-amr", "十堰市市场监督管理局")
    recorded = event("credit.fact_recorded")
    assert recorded.enterprise_key == world.maojian.uscc
    assert recorded.payload["outcome"] == "created" and recorded.payload["kind"] == FactKind.PENALTY


def test_the_same_record_again_is_unchanged_and_leaves_no_change_row():
    world = build_credit_registry()
    fact, _ = record(**penalty_fields(world.maojian))
    first_seen, rows = fact.first_seen_at, len(changes(fact))
    again, outcome = record(**penalty_fields(world.maojian))
    assert outcome == "unchanged" and again.pk == fact.pk
    fresh = CreditFact.objects.get(pk=fact.pk)
    assert fresh.first_seen_at == first_seen and fresh.last_seen_at > first_seen
    assert len(changes(fact)) == rows
    assert CreditFact.objects.count() == 1


def test_a_corrected_record_is_updated_with_before_and_after():
    world = build_credit_registry()
    fact, _ = record(**penalty_fields(world.maojian))
    updated, outcome = record(**penalty_fields(world.maojian, fine_wan="8", content="罚款人民币捌万元"))
    assert outcome == "updated" and updated.pk == fact.pk
    last = changes(fact)[-1]
    assert last.action == "update" and "fine_wan" in last.diff and "content" in last.diff
    changed = event("credit.fact_changed")
    assert set(changed.payload["changed"]) >= {"fine_wan", "content"}
    assert changed.enterprise_key == world.maojian.uscc


def test_another_source_never_overwrites_a_fact():
    world = build_credit_registry()
    ours, _ = record(**penalty_fields(world.maojian))
    theirs, outcome = record(**penalty_fields(world.maojian, source_department=department("sy-com"), content="另一来源的内容"))
    assert outcome == "created" and theirs.pk != ours.pk
    assert CreditFact.objects.get(pk=ours.pk).content == "罚款人民币伍万元"
    by_name, outcome = record(**penalty_fields(world.maojian, source_department=None, source_name="湖北省市场监督管理局"))
    assert outcome == "created" and by_name.source_key == "湖北省市场监督管理局"


def test_a_source_is_required():
    build_credit_registry()
    with pytest.raises(ValidationError) as exc:
        record(**penalty_fields(None, source_department=None))
    assert "来源" in str(exc.value)


def test_an_unmatched_fact_is_kept_city_wide():
    build_credit_registry()
    fact, _ = record(**penalty_fields(None, party_name="外地某贸易公司"))
    assert (fact.enterprise, fact.match_status, fact.region) == (None, MatchStatus.UNMATCHED, None)
    assert event("credit.fact_recorded").enterprise_key == ""


def test_a_name_match_waits_for_review_and_staff_confirm_it():
    world = build_credit_registry()
    fact, _ = record(**penalty_fields(None, party_name=world.zhangwan.name))
    assert (fact.match_status, fact.candidate, fact.enterprise) == (MatchStatus.CANDIDATE, world.zhangwan, None)
    city = make_user(Role.CITY_ADMIN, region_code="420300")
    assert fact in selectors.review_queue(city)
    with acting(city):
        facts.confirm_match(actor=city, fact=fact, enterprise=world.zhangwan)
    fact.refresh_from_db()
    assert (fact.match_status, fact.enterprise, fact.region, fact.candidate) == (MatchStatus.CONFIRMED, world.zhangwan, world.zhangwan.region, None)
    assert fact not in selectors.review_queue(city)
    assert event("credit.match_confirmed").enterprise_key == world.zhangwan.uscc
    # the source re-sending the record does not undo the staff's confirmation
    _, outcome = record(**penalty_fields(None, party_name=world.zhangwan.name))
    assert outcome == "unchanged"
    assert CreditFact.objects.get(pk=fact.pk).match_status == MatchStatus.CONFIRMED


def test_a_rejected_candidate_leaves_the_fact_unmatched_but_kept():
    world = build_credit_registry()
    fact, _ = record(**penalty_fields(None, party_name=world.zhangwan.name))
    with as_system():
        facts.reject_match(actor=SYSTEM, fact=fact)
    fact.refresh_from_db()
    assert (fact.match_status, fact.candidate, fact.enterprise) == (MatchStatus.UNMATCHED, None, None)
    assert event("credit.match_rejected").payload["rejected"] == world.zhangwan.uscc
    with as_system(), pytest.raises(ValidationError):
        facts.reject_match(actor=SYSTEM, fact=fact)


def test_a_wrong_merge_is_undone_and_stays_undone():
    world = build_credit_registry()
    fact, _ = record(**penalty_fields(None, party_name="十堰市茅箭区老字号五金厂", party_codes={"regno": OLD_REGNO}))
    assert (fact.enterprise, fact.match_status) == (world.old, MatchStatus.IDENTIFIER)
    with as_system(), pytest.raises(ValidationError):
        facts.unmatch(actor=SYSTEM, fact=fact, reason="  ")
    with as_system():
        facts.unmatch(actor=SYSTEM, fact=fact, reason="注册号录入错误，系同名另一家")
    fact.refresh_from_db()
    assert (fact.enterprise, fact.match_status, fact.region) == (None, MatchStatus.UNMATCHED, None)
    undone = event("credit.match_undone")
    assert undone.payload["previous_enterprise"] == world.old.search_key and undone.payload["reason"].startswith("注册号")
    assert changes(fact)[-1].diff["enterprise_id"][0] == world.old.pk
    assert fact in selectors.review_queue(make_user(Role.CITY_ADMIN, region_code="420300"))
    _, outcome = record(**penalty_fields(None, party_name="十堰市茅箭区老字号五金厂", party_codes={"regno": OLD_REGNO}))
    assert outcome == "unchanged" and CreditFact.objects.get(pk=fact.pk).enterprise is None
    with as_system():
        facts.confirm_match(actor=SYSTEM, fact=fact, enterprise=world.maojian)
    assert CreditFact.objects.get(pk=fact.pk).enterprise == world.maojian


def test_a_changed_party_is_matched_again():
    world = build_credit_registry()
    fact, _ = record(**penalty_fields(None, party_name="外地某贸易公司"))
    updated, outcome = record(**penalty_fields(world.maojian))
    assert outcome == "updated" and (updated.enterprise, updated.region) == (world.maojian, world.maojian.region)
    assert event("credit.fact_changed").payload["previous_enterprise"] is None


def test_natural_persons_are_kept_unmatched_and_out_of_the_queue():
    world = build_credit_registry()
    fact, _ = record(**penalty_fields(None, party_name=world.zhangwan.name, party_kind=PartyKind.NATURAL_PERSON,
                                      person_id_type="身份证", person_id_number="420303199001011234"))
    assert fact.match_status == MatchStatus.UNMATCHED
    assert fact not in selectors.review_queue(make_user(Role.CITY_ADMIN, region_code="420300"))


def test_revocation_is_announced_with_the_withdrawal_deadline():
    world = build_credit_registry()
    fact, _ = record(**penalty_fields(world.maojian))
    with as_system():
        facts.revoke_fact(actor=SYSTEM, fact=fact, on=D(2024, 9, 30))
    fact.refresh_from_db()
    assert (fact.status, fact.revoked_on) == (FactStatus.REVOKED, D(2024, 9, 30))
    assert event("credit.fact_revoked").payload["withdraw_due"] == "2024-10-10"
    with as_system(), pytest.raises(ValidationError):
        facts.revoke_fact(actor=SYSTEM, fact=fact, on=D(2024, 10, 1))
    other, _ = record(**penalty_fields(world.maojian, source_record_id="X-2"))
    with as_system(), pytest.raises(ValidationError):
        facts.revoke_fact(actor=SYSTEM, fact=other, on=DECIDED - datetime.timedelta(days=1))


def test_who_may_record_and_change_facts():
    world = build_credit_registry()
    dept = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-amr")
    fact, outcome = record(actor=dept, **penalty_fields(world.maojian))
    assert outcome == "created"
    lab = make_user(Role.LAB, region_code="420302")
    with pytest.raises(PermissionDenied):
        record(actor=lab, **penalty_fields(world.maojian, source_record_id="X-3"))
    other_dept = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com")
    with acting(other_dept), pytest.raises(PermissionDenied):
        facts.revoke_fact(actor=other_dept, fact=fact, on=D(2024, 9, 30))
    assert CreditFact.objects.get(pk=fact.pk).status == FactStatus.ACTIVE


def test_facts_of_an_enterprise_for_staff_and_the_public():
    from django.contrib.auth.models import AnonymousUser

    world = build_credit_registry()
    public, _ = record(**penalty_fields(world.maojian))
    simple, _ = record(**penalty_fields(world.maojian, source_record_id="X-4", procedure="simple"))
    staff = make_user(Role.COUNTY_STAFF, region_code="420302")
    assert set(selectors.facts_of(world.maojian, staff)) == {public, simple}
    assert set(selectors.facts_of(world.maojian, make_user(Role.COUNTY_STAFF, region_code="420303"))) <= {public}
    assert set(selectors.facts_of(world.maojian, AnonymousUser())) == set(selectors.public_facts_of(world.maojian))
    assert simple not in selectors.public_facts_of(world.maojian)
