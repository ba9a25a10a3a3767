"""Objections to credit facts and credit repair, through the services (``credit.services.disputes``):
the repair waiting periods of both regimes worked day by day, the deadlines across a holiday,
what a granted repair does to the public view and the class, what an objection does to the fact,
and who may file and decide."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhiliang.core.audit import SYSTEM
from zhiliang.core.models import DomainEvent
from zhiliang.credit import disputes_read
from zhiliang.credit.choices import FactStatus, ObjectionStatus, RepairStatus
from zhiliang.credit.models import CreditFact, RiskAssessment
from zhiliang.credit.selectors import public_facts_of
from zhiliang.credit.services import classes as class_services
from zhiliang.credit.services import disputes
from zhiliang.sampling.tests.samples_data import acting
from zhiliang.testing.fixtures import department

from .disputes_data import REPAIR_FROM, build_disputes, objection, repair, upload
from .facts_data import penalty_fields, record

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_disputes()


def on_day(monkeypatch, day: datetime.date) -> None:
    """Make ``day`` today (the public view, the class and the services' defaults read it)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def fact_ids(assessment) -> set[int]:
    return {ref["id"] for item in assessment.explanation for ref in item.get("facts") or ()}


def decide_objection(actor, obj, *, upheld: bool, note: str = "经核查", decided_on=None):
    with acting(actor):
        return disputes.decide_objection(actor=actor, objection=obj, upheld=upheld, note=note, decided_on=decided_on)


def decide_repair(actor, application, *, granted: bool, note: str = "", decided_on=None):
    with acting(actor):
        return disputes.decide_repair(actor=actor, application=application, granted=granted, note=note, decided_on=decided_on)


# --- eligibility, worked day by day ----------------------------------------------------------------

FOOD = {"title": "经营不符合食品安全标准的食品", "legal_basis": "《中华人民共和国食品安全法》第一百二十四条"}
SPECIAL_EQUIPMENT = {"title": "使用未经检验的特种设备", "legal_basis": "《中华人民共和国特种设备安全法》第八十四条"}
TIERS = {"decided_on": D(2026, 1, 5)}  # after the 2025-12-25 switch: the 2025 severity tiers


@pytest.mark.parametrize("fields, first_day", [
    pytest.param({}, D(2025, 3, 20), id="order45-fine-6-months"),
    pytest.param(FOOD, D(2025, 9, 20), id="order45-food-1-year"),
    pytest.param(SPECIAL_EQUIPMENT, D(2025, 9, 20), id="order45-special-equipment-1-year"),
    pytest.param({**TIERS, "severity": "general"}, D(2026, 4, 5), id="tiers-general-3-months"),
    pytest.param({**TIERS, "severity": "serious"}, D(2027, 1, 5), id="tiers-serious-1-year"),
])
def test_repair_is_refused_the_day_before_with_the_date_and_accepted_on_the_day(world, fields, first_day):
    fact = record(**penalty_fields(world.maojian, source_record_id="W-1", **fields))[0]
    with pytest.raises(ValidationError) as refused:
        repair(world.firm, fact, applied_on=first_day - datetime.timedelta(days=1))
    assert f"最早可于 {first_day:%Y-%m-%d} 申请" in str(refused.value)
    application = repair(world.firm, fact, applied_on=first_day)
    assert (application.status, application.eligible_from, application.applied_on) == (RepairStatus.PENDING, first_day, first_day)


@pytest.mark.parametrize("fields, reason", [
    pytest.param({"licence_action": "吊销食品经营许可证"}, "依法不予信用修复", id="licence-revocation-never"),
    pytest.param({**TIERS, "severity": "minor"}, "轻微失信信息公示期满自动停止公示", id="tiers-minor-none"),
    # not published (yet): no publicity to end — counted from the decision it read "可于…申请"
    pytest.param({"published_on": None}, "该信息未公示，无需修复", id="not-published-none"),
])
def test_repair_is_refused_with_the_reason_when_the_fact_cannot_be_repaired(world, fields, reason):
    fact = record(**penalty_fields(world.maojian, source_record_id="W-2", **fields))[0]
    for day in (D(2026, 6, 1), D(2029, 1, 1)):
        with pytest.raises(ValidationError, match=reason):
            repair(world.firm, fact, applied_on=day)


def test_a_repair_needs_a_commitment_letter_and_one_pending_per_fact(world):
    with pytest.raises(ValidationError, match="请上传信用修复承诺书"):
        repair(world.firm, world.fact, commitment=None)
    application = repair(world.firm, world.fact, proof=upload("缴款凭证.pdf", b"%PDF-1.4 paid"))
    assert application.commitment_sha256 == hashlib.sha256(b"%PDF-1.4 commitment").hexdigest()
    assert application.proof_sha256 == hashlib.sha256(b"%PDF-1.4 paid").hexdigest()
    with application.commitment.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4 commitment"
    with pytest.raises(ValidationError, match="已有审核中的信用修复申请"):
        repair(world.firm, world.fact)


def test_the_reviewing_department_decides_and_a_county_not_on_another_bureaus_fact(world):
    """A commerce bureau's penalty: its staff decide the objection and the repair; the county's
    market-supervision staff (who decide on the market-supervision line's facts) do not, and
    their queues do not offer them."""
    fact = record(**penalty_fields(world.maojian, source_record_id="十商罚〔2024〕3号", decision_no="十商罚〔2024〕3号",
                                   source_department=department("sy-com")))[0]
    filed = objection(world.firm, fact)
    applied = repair(world.firm, world.fact)  # the market-supervision bureau's fact: the county may decide
    assert disputes_read.may_decide(world.county, applied) and applied in disputes_read.pending_repairs(world.county)
    assert not disputes_read.may_decide(world.county, filed) and filed not in disputes_read.pending_objections(world.county)
    with pytest.raises(PermissionDenied, match="由十堰市商务局核查处理"):
        decide_objection(world.county, filed, upheld=False)
    assert filed in disputes_read.pending_objections(world.commerce)
    decided = decide_objection(world.commerce, filed, upheld=False, note="经核查，处罚事实清楚")
    assert decided.status == ObjectionStatus.REJECTED


# --- deadlines across National Day 2024 ---------------------------------------------------------------


def test_deadlines_count_working_days_across_national_day_2024(world):
    """Filed on Friday 2024-09-27: Sunday 09-29 is a make-up working day, 10-01…10-07 are off,
    Saturday 10-12 is a make-up working day.  10 working days → 10-16; 15 → 10-23."""
    fact = record(**penalty_fields(world.maojian, source_record_id="W-3", decided_on=D(2024, 3, 1)))[0]
    filed = objection(world.firm, fact, filed_on=D(2024, 9, 27))
    assert filed.review_due == D(2024, 10, 16)
    applied = repair(world.firm, fact, applied_on=D(2024, 9, 27))
    assert applied.decision_due == D(2024, 10, 23)


# --- granted and refused repair ------------------------------------------------------------------------


def test_a_granted_repair_takes_the_fact_out_of_public_view_that_day_and_recomputes_the_class(
        world, monkeypatch, django_capture_on_commit_callbacks):
    application = repair(world.firm, world.fact)
    on_day(monkeypatch, D(2025, 3, 31))
    assert world.fact in public_facts_of(world.maojian)
    with acting(SYSTEM):
        before = class_services.recompute_class(actor=SYSTEM, enterprise=world.maojian, trigger="测试")
    assert world.fact.pk in fact_ids(before)
    on_day(monkeypatch, D(2025, 4, 1))
    with django_capture_on_commit_callbacks(execute=True):
        decide_repair(world.amr, application, granted=True, note="已履行处罚决定")
    assert world.fact not in public_facts_of(world.maojian)
    fact = CreditFact.objects.get(pk=world.fact.pk)
    assert (fact.status, fact.repaired_on, fact.publicity_ends_on) == (FactStatus.REPAIRED, D(2025, 4, 1), D(2025, 4, 1))
    current = RiskAssessment.objects.get(enterprise=world.maojian, is_current=True)
    ended = DomainEvent.objects.get(name="credit.publicity_ended")
    assert current.trigger == f"credit.publicity_ended#{ended.pk}"
    assert current.pk != before.pk and world.fact.pk not in fact_ids(current)  # the repaired fact no longer counts
    assert current.score < before.score
    decided = DomainEvent.objects.get(name="credit.repair_decided")
    assert decided.payload["granted"] is True and decided.enterprise_key == world.maojian.search_key


def test_a_refused_repair_needs_a_reason_and_leaves_the_fact_public(world, monkeypatch):
    application = repair(world.firm, world.fact)
    on_day(monkeypatch, D(2025, 4, 1))
    with pytest.raises(ValidationError, match="不予修复的，请说明理由"):
        decide_repair(world.county, application, granted=False)
    decide_repair(world.county, application, granted=False, note="罚款尚未缴清")
    assert world.fact in public_facts_of(world.maojian)
    assert CreditFact.objects.get(pk=world.fact.pk).status == FactStatus.ACTIVE
    assert not DomainEvent.objects.filter(name="credit.publicity_ended").exists()
    with pytest.raises(ValidationError, match="不能再审核"):
        decide_repair(world.county, application, granted=True)


def test_only_staff_of_the_source_department_or_the_county_decide_a_repair(world):
    application = repair(world.firm, world.fact)
    for outsider in (world.commerce, world.other_county, world.firm):
        with pytest.raises(PermissionDenied):
            decide_repair(outsider, application, granted=True, decided_on=D(2025, 4, 1))
    assert decide_repair(world.amr, application, granted=True, decided_on=D(2025, 4, 1)).status == RepairStatus.GRANTED


# --- objections -------------------------------------------------------------------------------------------


def test_an_objection_marks_the_fact_disputed_and_keeps_its_evidence_hash(world):
    filed = objection(world.firm, world.fact, evidence=upload("复议决定书.pdf", b"%PDF-1.4 decision"), filed_on=D(2024, 11, 4))
    assert CreditFact.objects.get(pk=world.fact.pk).disputed
    assert (filed.department.code, filed.region, filed.enterprise) == ("sy-amr", world.maojian.region, world.maojian)
    assert filed.evidence_sha256 == hashlib.sha256(b"%PDF-1.4 decision").hexdigest()
    event = DomainEvent.objects.get(name="credit.objection_filed")
    assert event.payload["evidence_sha256"] == filed.evidence_sha256 and event.payload["review_due"] == "2024-11-18"
    with pytest.raises(ValidationError, match="已有核查中的异议"):
        objection(world.firm, world.fact)


def test_an_upheld_objection_revokes_the_fact(world):
    filed = objection(world.firm, world.fact, filed_on=D(2024, 11, 4))
    decided = decide_objection(world.amr, filed, upheld=True, note="处罚已被复议撤销", decided_on=D(2024, 11, 8))
    fact = CreditFact.objects.get(pk=world.fact.pk)
    assert decided.status == ObjectionStatus.UPHELD
    assert (fact.status, fact.revoked_on, fact.disputed) == (FactStatus.REVOKED, D(2024, 11, 8), False)
    assert fact not in public_facts_of(world.maojian)
    assert DomainEvent.objects.filter(name="credit.fact_revoked").count() == 1


def test_a_rejected_objection_restores_the_fact(world):
    filed = objection(world.firm, world.fact, filed_on=D(2024, 11, 4))
    with pytest.raises(ValidationError, match="请填写处理意见"):
        decide_objection(world.county, filed, upheld=False, note=" ")
    decide_objection(world.county, filed, upheld=False, note="处罚决定合法有效", decided_on=D(2024, 11, 8))
    fact = CreditFact.objects.get(pk=world.fact.pk)
    assert (fact.status, fact.disputed) == (FactStatus.ACTIVE, False)
    assert fact in public_facts_of(world.maojian)
    with pytest.raises(ValidationError, match="不能再处理"):
        decide_objection(world.county, filed, upheld=True)


def test_an_enterprise_cannot_object_to_or_repair_another_enterprises_fact(world):
    assert world.other_fact in public_facts_of(world.credit.zhangwan)  # public, so the account may read it
    with pytest.raises(PermissionDenied):
        objection(world.firm, world.other_fact)
    with pytest.raises(PermissionDenied):
        repair(world.firm, world.other_fact)
    assert not CreditFact.objects.get(pk=world.other_fact.pk).disputed


def test_staff_may_file_on_the_enterprises_behalf_and_others_may_not_decide(world):
    filed = objection(world.county, world.fact)
    assert filed.filed_by == world.county
    for outsider in (world.commerce, world.other_county, world.firm, world.lab):
        with pytest.raises(PermissionDenied):
            decide_objection(outsider, filed, upheld=True)
    with pytest.raises(PermissionDenied):
        objection(world.lab, world.other_fact)


# --- the queues ------------------------------------------------------------------------------------------


def test_overdue_lists_pending_requests_after_their_last_day_in_the_reviewers_scope(world):
    filed = objection(world.firm, world.fact, filed_on=D(2024, 9, 27))
    applied = repair(world.firm, world.fact, applied_on=REPAIR_FROM)
    assert filed.review_due == D(2024, 10, 16)
    assert list(disputes_read.overdue(world.county, D(2024, 10, 16))["objections"]) == []
    assert list(disputes_read.overdue(world.county, D(2024, 10, 17))["objections"]) == [filed]
    assert list(disputes_read.overdue(world.amr, D(2024, 10, 17))["objections"]) == [filed]
    assert list(disputes_read.overdue(world.other_county, D(2024, 10, 17))["objections"]) == []
    assert list(disputes_read.overdue(world.commerce, D(2024, 10, 17))["objections"]) == []
    day_after = applied.decision_due + datetime.timedelta(days=1)
    assert list(disputes_read.overdue(world.county, applied.decision_due)["repairs"]) == []
    assert list(disputes_read.overdue(world.county, day_after)["repairs"]) == [applied]
    assert list(disputes_read.pending_repairs(world.firm)) == []  # the enterprise files, it does not decide
    assert list(disputes_read.own_repairs(world.firm)) == [applied]
    assert list(disputes_read.own_objections(world.other_firm)) == []
