"""The credit rules of RULES.md ("Credit") as functions of the rule registry.

Each function names the rule it applies; the numbers come from ``core.rules.value`` on the
date the rule is applied (the decision date), so an effective-dated override or a change of
regulation (``RULE_CREDIT_REGIME``, default switch 2025-12-25) takes effect by date.

* :func:`regime_on` — Order 45 (3 months / 3 years) or the 2025 severity tiers, chosen by the
  decision date;
* :func:`publish_due` — a penalty is published within 20 working days of the decision;
* :func:`withdraw_due` — a revoked penalty is withdrawn within 3 working days;
* :func:`is_publishable` — simple-procedure and warning-only penalties are not published;
* :func:`publicity_end` — the first day a fact is no longer public (``publicity_ends_on``).

Publicity counts from the day the fact was published (or, for a record its source published
itself without a date, from the decision date): a period of n months ends on the same
calendar day n months later (``workdays.add_calendar_months``) — from that day on the fact
leaves every public view (``models.public_facts``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from zhiliang.core import rules, workdays

from .choices import ADVERSE_KINDS, FactKind, Procedure, Severity

REGIME = "RULE_CREDIT_REGIME"
ORDER45 = "order45"
TIERS2025 = "tiers2025"
REGIME_LABELS = {ORDER45: _("总局令第45号（公示3个月或3年）"), TIERS2025: _("2025年分类公示（轻微、一般、严重）")}
PUBLISH_WD = "RULE_CREDIT_PENALTY_PUBLISH_WD"
WITHDRAW_WD = "RULE_CREDIT_PENALTY_WITHDRAW_WD"
SHORT_MONTHS = "RULE_CREDIT_PUBLICITY_SHORT_MONTHS"
LOW_FINE = "RULE_CREDIT_LOW_FINE_WAN"
LONG_YEARS = "RULE_CREDIT_PUBLICITY_LONG_YEARS"
TIER_MONTHS = {
    Severity.MINOR: "RULE_CREDIT_TIER_MINOR_MAX_MONTHS",
    Severity.GENERAL: "RULE_CREDIT_TIER_GENERAL_MAX_MONTHS",
    Severity.SERIOUS: "RULE_CREDIT_TIER_SERIOUS_MAX_MONTHS",
}


def regime_on(decided_on: datetime.date | None) -> str:
    """``"order45"`` or ``"tiers2025"``: the regime in force on the decision date
    (RULE_CREDIT_REGIME, a choice rule with an effective date).  Without a decision date:
    today's regime."""
    return rules.value(REGIME, decided_on)


def publish_due(decided_on: datetime.date) -> datetime.date:
    """The last day to publish a penalty: the 20th working day after the decision
    (RULE_CREDIT_PENALTY_PUBLISH_WD, SAMR Order 45)."""
    return workdays.add_working_days(decided_on, rules.value(PUBLISH_WD, decided_on))


def withdraw_due(revoked_on: datetime.date) -> datetime.date:
    """The last day to withdraw a revoked penalty from public view: the 3rd working day
    after the revocation (RULE_CREDIT_PENALTY_WITHDRAW_WD)."""
    return workdays.add_working_days(revoked_on, rules.value(WITHDRAW_WD, revoked_on))


def is_publishable(fact) -> bool:
    """Only ordinary-procedure penalties that are more than a warning are published (Order
    45); a penalty whose procedure is not stated counts as ordinary (双公示 data holds only
    published penalties).  Other kinds are published by their source."""
    if fact.kind != FactKind.PENALTY:
        return True
    return fact.procedure != Procedure.SIMPLE and not fact.is_warning_only


def low_fine_thresholds() -> Callable[[str, datetime.date | None], Decimal]:
    """较低数额罚款: ``(party_kind, decided_on) →`` the largest fine (万元, inclusive) that counts
    as low for this kind of party, by the value of RULE_CREDIT_LOW_FINE_WAN in force on the
    decision date (the province sets it; Order 45 art. 14).  The rule's overrides are read
    once, now (``rules.in_force``): an import reads it once per file, and its checks may run
    in a thread that must not use the database."""
    on_date = rules.in_force(LOW_FINE)
    return lambda party_kind, decided_on: Decimal(str(on_date(decided_on)[party_kind]))


def tier_of(fact) -> str:
    """The severity tier under the 2025 regime: the one given, else minor for 通报批评 or a
    low fine, else general."""
    if fact.severity:
        return fact.severity
    return Severity.MINOR if fact.is_criticism_or_low_fine else Severity.GENERAL


def publicity_start(fact) -> datetime.date | None:
    return fact.published_on or fact.decided_on


def publicity_end(fact) -> datetime.date | None:
    """The first day ``fact`` is no longer public, or ``None`` when its publicity has no end
    (licences, awards and other favourable facts) or no start date is known.

    Adverse facts, by the regime in force at the decision date:

    * Order 45 (penalties): 3 months for 通报批评 or a low fine, 3 years otherwise — longer when
      the restriction (``valid_until``) lasts longer;
    * 2025 tiers (and every adverse non-penalty fact): minor 3 months, general 1 year,
      serious 3 years, stopping automatically at the maximum.
    """
    if fact.kind not in ADVERSE_KINDS:
        return None
    start = publicity_start(fact)
    if start is None:
        return None
    on = fact.decided_on or start
    if fact.kind == FactKind.PENALTY and regime_on(on) == ORDER45:
        if fact.is_criticism_or_low_fine:
            return workdays.add_calendar_months(start, rules.value(SHORT_MONTHS, on))
        end = workdays.add_calendar_months(start, 12 * rules.value(LONG_YEARS, on))
        if fact.valid_until and fact.valid_until >= end:
            end = fact.valid_until + datetime.timedelta(days=1)
        return end
    return workdays.add_calendar_months(start, rules.value(TIER_MONTHS[Severity(tier_of(fact))], on))


# --- lists, objections, repair, joint measures --------------------------------------------------

LIST_PUBLISH_WD = "RULE_CREDIT_SERIOUS_LIST_PUBLISH_WD"
LIST_APPLY_YEARS = "RULE_CREDIT_SERIOUS_LIST_REMOVAL_APPLY_YEARS"
LIST_AUTO_YEARS = "RULE_CREDIT_SERIOUS_LIST_AUTO_REMOVAL_YEARS"
LIST_APPROVAL = "RULE_CREDIT_SERIOUS_LIST_PROVINCIAL_APPROVAL"
OBJECTION_WD = "RULE_CREDIT_OBJECTION_REVIEW_WD"
REPAIR_WD = "RULE_CREDIT_REPAIR_DECISION_WD"
FEEDBACK_WD = "RULE_CREDIT_MEASURE_FEEDBACK_WD"
REPAIR_MONTHS = "RULE_CREDIT_REPAIR_MONTHS"
REPAIR_MONTHS_FOOD_DRUG = "RULE_CREDIT_REPAIR_MONTHS_FOOD_DRUG"
TIER_REPAIR_MONTHS = {Severity.GENERAL: "RULE_CREDIT_TIER_GENERAL_REPAIR_MONTHS", Severity.SERIOUS: "RULE_CREDIT_TIER_SERIOUS_REPAIR_MONTHS"}

#: words of a licence action that bar credit repair (suspension, licence revocation, bans)
NO_REPAIR_ACTIONS = ("吊销", "责令停产停业", "责令关闭", "停业", "撤销许可", "限制从业", "禁止从业")
#: words that put a penalty in the food / drugs / special-equipment domains (1-year repair wait)
FOOD_DRUG_WORDS = ("食品", "药品", "特种设备", "医疗器械", "化妆品", "疫苗")


def approval_required(on: datetime.date | None = None) -> bool:
    """Whether a county or city listing needs approval one level up
    (RULE_CREDIT_SERIOUS_LIST_PROVINCIAL_APPROVAL, switchable: a 2025 draft removes the step)."""
    return bool(rules.value(LIST_APPROVAL, on))


def list_publish_due(decided_on: datetime.date) -> datetime.date:
    """The last day to publish a listing decision: 20 working days (Order 44)."""
    return workdays.add_working_days(decided_on, rules.value(LIST_PUBLISH_WD, decided_on))


def list_removal_dates(published_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(first day removal may be applied for, day of automatic removal): 1 and 3 years after
    publication (Order 44), on the same calendar day."""
    return (
        workdays.add_calendar_months(published_on, 12 * rules.value(LIST_APPLY_YEARS, published_on)),
        workdays.add_calendar_months(published_on, 12 * rules.value(LIST_AUTO_YEARS, published_on)),
    )


def objection_review_due(filed_on: datetime.date) -> datetime.date:
    return workdays.add_working_days(filed_on, rules.value(OBJECTION_WD, filed_on))


def repair_decision_due(applied_on: datetime.date) -> datetime.date:
    return workdays.add_working_days(applied_on, rules.value(REPAIR_WD, applied_on))


def feedback_due(opened_on: datetime.date) -> datetime.date:
    return workdays.add_working_days(opened_on, rules.value(FEEDBACK_WD, opened_on))


def is_food_drug_special(fact) -> bool:
    """A penalty in the food, drugs or special-equipment domains (its title, legal basis or
    content names one) waits a year for repair instead of six months."""
    text = f"{fact.title} {fact.legal_basis} {fact.content}"
    return any(word in text for word in FOOD_DRUG_WORDS)


def repair_eligibility(fact) -> tuple[datetime.date | None, str]:
    """(first day a repair may be applied for, reason) — ``None`` with the reason when the
    fact cannot be repaired.

    * not adverse, not public, already ended or repaired: nothing to repair;
    * a penalty with suspension, closure, licence revocation or a ban: never (Order 45);
    * Order 45 regime: 3-month penalties (通报批评 / low fine) have nothing to repair early —
      eligible from publication; others after 6 months of publicity, 1 year for food, drugs,
      special equipment (信用修复管理办法);
    * 2025 tiers (and every adverse non-penalty fact): minor — none needed (stops at 3 months);
      general after 3 months; serious after 1 year.
    """
    from .choices import FactStatus

    if fact.kind not in ADVERSE_KINDS:
        return None, "该信息不属于失信信息，无需修复"
    if fact.kind == FactKind.SERIOUS_LIST:
        return None, "严重违法失信名单通过申请移出名单办理，不适用信用修复"
    if fact.status != FactStatus.ACTIVE:
        return None, f"该信息状态为“{fact.get_status_display()}”，无需修复"
    start = fact.published_on  # publicity is what repair ends: a fact not published has none to end
    if start is None or not fact.is_publishable:
        return None, "该信息未公示，无需修复"
    if fact.kind == FactKind.PENALTY and any(word in (fact.licence_action or "") for word in NO_REPAIR_ACTIONS):
        return None, f"处罚含“{fact.licence_action}”，依法不予信用修复"
    on = fact.decided_on or start
    if fact.kind == FactKind.PENALTY and regime_on(on) == ORDER45:
        if fact.is_criticism_or_low_fine:
            return start, "公示期3个月的处罚信息，公示后即可申请提前停止公示"
        if is_food_drug_special(fact):
            months = rules.value(REPAIR_MONTHS_FOOD_DRUG, on)
            return workdays.add_calendar_months(start, months), f"食品、药品、特种设备领域的处罚，公示满{months}个月后可申请"
        months = rules.value(REPAIR_MONTHS, on)
        return workdays.add_calendar_months(start, months), f"行政处罚信息公示满{months}个月后可申请"
    tier = Severity(tier_of(fact))
    if tier == Severity.MINOR:
        return None, "轻微失信信息公示期满自动停止公示，无需修复"
    months = rules.value(TIER_REPAIR_MONTHS[tier], on)
    return workdays.add_calendar_months(start, months), f"{tier.label}失信信息公示满{months}个月后可申请"


def repair_refusal(fact, on: datetime.date) -> str:
    """Why a repair of ``fact`` may not be applied for on ``on`` ("" when it may): the rule's
    reason, the end of its publicity, or the first eligible date."""
    eligible, reason = repair_eligibility(fact)
    if eligible is None:
        return reason
    if fact.publicity_ends_on is not None and fact.publicity_ends_on <= on:
        return f"该信息已于 {fact.publicity_ends_on:%Y-%m-%d} 停止公示，无需修复"
    if on < eligible:
        return f"{reason}；最早可于 {eligible:%Y-%m-%d} 申请信用修复（{on:%Y-%m-%d} 尚不能申请）"
    return ""
