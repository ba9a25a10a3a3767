"""RULES.md "Credit", worked examples with dates across the National Day 2024 holiday (10/1–10/7
off; Sunday 9/29 and Saturday 10/12 working days) and on both sides of the 2025-12-25 switch
from Order 45 to the 2025 severity tiers."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from zhiliang.core.audit import SYSTEM
from zhiliang.core.permissions import restrict
from zhiliang.credit import rules
from zhiliang.credit.choices import FactKind, Severity
from zhiliang.credit.models import CreditFact
from zhiliang.credit.services import facts
from zhiliang.testing.fixtures import as_system, make_user

from .facts_data import build_credit_registry, penalty_fields, record

D = datetime.date
pytestmark = pytest.mark.django_db


def fact(**values) -> CreditFact:
    values.setdefault("kind", FactKind.PENALTY)
    return CreditFact(**values)


def test_publication_deadline_is_20_working_days_over_the_national_day_holiday():
    # 9/23–27 (5), Sun 9/29 (6), 9/30 (7), 10/8–11 (11), Sat 10/12 (12), 10/14–18 (17), 10/21–23 (20)
    assert rules.publish_due(D(2024, 9, 20)) == D(2024, 10, 23)


def test_a_revoked_penalty_is_withdrawn_within_3_working_days():
    assert rules.withdraw_due(D(2024, 9, 30)) == D(2024, 10, 10)


@pytest.mark.parametrize(("decided_on", "regime"), [
    (D(2025, 12, 24), "order45"),
    (D(2025, 12, 25), "tiers2025"),
    (D(2021, 9, 1), "order45"),
    (D(2026, 3, 1), "tiers2025"),
])
def test_the_regime_is_the_one_in_force_on_the_decision_date(decided_on, regime):
    assert rules.regime_on(decided_on) == regime


def test_a_deployment_may_move_the_switch_date():
    from zhiliang.core import services as core_services

    with as_system():
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_CREDIT_REGIME", value="order45", effective_from=D(2026, 1, 1),
                                        reason="本省延后施行")
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_CREDIT_REGIME", value="tiers2025", effective_from=D(2026, 3, 1),
                                        reason="本省施行")
    assert [rules.regime_on(d) for d in (D(2025, 12, 30), D(2026, 1, 1), D(2026, 2, 28), D(2026, 3, 1))] == [
        "tiers2025", "order45", "order45", "tiers2025"]


def test_order45_publicity_is_3_months_for_a_low_fine_and_3_years_otherwise():
    published = D(2024, 9, 25)
    assert rules.publicity_end(fact(decided_on=D(2024, 9, 20), published_on=published, is_criticism_or_low_fine=True)) == D(2024, 12, 25)
    assert rules.publicity_end(fact(decided_on=D(2024, 9, 20), published_on=published)) == D(2027, 9, 25)
    # the regime goes by the decision date: a serious tier does not matter under Order 45
    assert rules.publicity_end(fact(decided_on=D(2025, 12, 24), published_on=D(2025, 12, 30), severity=Severity.MINOR)) == D(2028, 12, 30)


def test_order45_publicity_lasts_as_long_as_a_longer_restriction():
    long = fact(decided_on=D(2024, 9, 20), published_on=D(2024, 9, 25), valid_until=D(2029, 6, 30))
    assert rules.publicity_end(long) == D(2029, 7, 1)


def test_a_month_end_publication_ends_on_the_last_day_of_a_shorter_month():
    assert rules.publicity_end(fact(decided_on=D(2025, 11, 28), published_on=D(2025, 11, 30), is_criticism_or_low_fine=True)) == D(2026, 2, 28)


@pytest.mark.parametrize(("severity", "ends"), [
    (Severity.MINOR, D(2026, 4, 10)),
    (Severity.GENERAL, D(2027, 1, 10)),
    (Severity.SERIOUS, D(2029, 1, 10)),
])
def test_2025_tiers_minor_3_months_general_1_year_serious_3_years(severity, ends):
    assert rules.publicity_end(fact(decided_on=D(2026, 1, 5), published_on=D(2026, 1, 10), severity=severity)) == ends


def test_under_the_tiers_a_low_fine_without_a_tier_is_minor_and_other_penalties_general():
    assert rules.publicity_end(fact(decided_on=D(2026, 1, 5), published_on=D(2026, 1, 10), is_criticism_or_low_fine=True)) == D(2026, 4, 10)
    assert rules.publicity_end(fact(decided_on=D(2026, 1, 5), published_on=D(2026, 1, 10))) == D(2027, 1, 10)


def test_favourable_facts_have_no_publicity_end():
    assert rules.publicity_end(fact(kind=FactKind.LICENCE, decided_on=D(2026, 1, 5), published_on=D(2026, 1, 5))) is None


def test_simple_procedure_and_warning_only_penalties_are_not_publishable():
    assert rules.is_publishable(fact(procedure="ordinary"))
    assert rules.is_publishable(fact(procedure=""))
    assert not rules.is_publishable(fact(procedure="simple"))
    assert not rules.is_publishable(fact(procedure="ordinary", is_warning_only=True))
    assert rules.is_publishable(fact(kind=FactKind.LICENCE, procedure="simple"))


def test_record_fact_stores_what_the_rules_derive():
    world = build_credit_registry()
    penalty, _ = record(**penalty_fields(world.maojian))
    assert (penalty.regime, penalty.is_publishable, penalty.publish_due) == ("order45", True, D(2024, 10, 23))
    assert (penalty.published_on, penalty.publicity_ends_on) == (D(2024, 9, 20), D(2027, 9, 20))
    given, _ = record(**penalty_fields(world.maojian, source_record_id="十市监罚〔2024〕102号", published_on=D(2024, 10, 8),
                                       is_criticism_or_low_fine=True))
    assert (given.published_on, given.publicity_ends_on) == (D(2024, 10, 8), D(2025, 1, 8))
    simple, _ = record(**penalty_fields(world.maojian, source_record_id="十市监罚〔2024〕103号", procedure="simple"))
    warning, _ = record(**penalty_fields(world.maojian, source_record_id="十市监罚〔2024〕104号", is_warning_only=True))
    for hidden in (simple, warning):
        assert not hidden.is_publishable and hidden.published_on is None and hidden.publish_due is None
    public = set(restrict(CreditFact.objects.all(), AnonymousUser()).values_list("pk", flat=True))
    assert simple.pk not in public and warning.pk not in public


def test_a_fact_is_public_the_day_before_its_publicity_end_and_gone_on_the_end_day(monkeypatch):
    world = build_credit_registry()
    penalty, _ = record(**penalty_fields(world.maojian, is_criticism_or_low_fine=True))
    assert penalty.publicity_ends_on == D(2024, 12, 20)

    def public_on(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return restrict(CreditFact.objects.all(), AnonymousUser()).filter(pk=penalty.pk).exists()

    assert not public_on(D(2024, 9, 19))  # before its publication
    assert public_on(D(2024, 9, 20))
    assert public_on(D(2024, 12, 19))
    assert not public_on(D(2024, 12, 20))
    # permitted staff still see it, with its history
    staff = make_user("county_staff", region_code="420302")
    assert restrict(CreditFact.objects.all(), staff).filter(pk=penalty.pk).exists()


def test_a_revoked_fact_leaves_public_view_at_once():
    world = build_credit_registry()
    penalty, _ = record(**penalty_fields(world.maojian, decided_on=timezone.localdate() - datetime.timedelta(days=10)))
    assert restrict(CreditFact.objects.all(), AnonymousUser()).filter(pk=penalty.pk).exists()
    with as_system():
        facts.revoke_fact(actor=SYSTEM, fact=penalty, on=timezone.localdate())
    assert not restrict(CreditFact.objects.all(), AnonymousUser()).filter(pk=penalty.pk).exists()
