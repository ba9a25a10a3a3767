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

from zhiliang.core import rules, workdays

from .choices import ADVERSE_KINDS, FactKind, Procedure, Severity

REGIME = "RULE_CREDIT_REGIME"
ORDER45 = "order45"
TIERS2025 = "tiers2025"
PUBLISH_WD = "RULE_CREDIT_PENALTY_PUBLISH_WD"
WITHDRAW_WD = "RULE_CREDIT_PENALTY_WITHDRAW_WD"
SHORT_MONTHS = "RULE_CREDIT_PUBLICITY_SHORT_MONTHS"
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
