"""Writes of the credit-risk class (信用风险分类): a recomputation adds a
:class:`~zhiliang.credit.models.RiskAssessment` row and makes it current, keeping the earlier
rows as history — unless the class and its explanation are what they were, when nothing is
written.  The computation itself is :func:`zhiliang.credit.classes.compute`.

Events (``@service`` declares one event that must be emitted, so the always-emitted one is
declared and the conditional one is emitted besides it):

* ``credit.class_computed`` — every :func:`recompute_class`, payload ``{"enterprise",
  "old_class", "new_class", "score", "rule_set", "outcome": "created"|"changed"|"updated"|
  "unchanged"|"unclassified", "trigger"}`` ("updated": same class, new explanation);
* ``credit.class_changed`` — in addition, when the class others see changed: the class
  before (B when there was none, as the sampling pools assume) differs from the new one
  (``None``: no longer classified); same payload; subscribers that care only about changes
  listen to this one;
* ``credit.classes_recomputed`` — one per batch of :func:`recompute_batch` (the daily job),
  ``{"on", "enterprises", "created", "changed", "updated", "unchanged", "unclassified"}``, with a
  ``credit.class_changed`` per enterprise whose class changed.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from zhiliang.core.events import emit, service
from zhiliang.core.permissions import recheck

from .. import classes
from ..models import RiskAssessment


def _payload(enterprise, old, result: classes.Result, outcome: str, trigger: str) -> dict[str, Any]:
    return {"enterprise": enterprise.search_key, "old_class": old.risk_class if old else None, "new_class": result.risk_class,
            "score": result.score, "rule_set": result.rule_set, "outcome": outcome, "trigger": trigger}


def _outcome(result: classes.Result, current) -> str:
    """What a result means against the current row: "created" (a first class), "changed"
    (another class), "updated" (same class, another explanation), "unchanged", or
    "unclassified" (the current row ends)."""
    if result.risk_class is None:
        return "unclassified" if current is not None else "unchanged"
    if current is None:
        return "created"
    if current.risk_class != result.risk_class:
        return "changed"
    if current.rule_set == result.rule_set and current.explanation == result.explanation:
        return "unchanged"
    return "updated"


def _row(*, actor, enterprise_id: int, region_id: int, result: classes.Result, trigger: str) -> RiskAssessment:
    return RiskAssessment(
        enterprise_id=enterprise_id, region_id=region_id, risk_class=result.risk_class, score=result.score, rule_set=result.rule_set,
        explanation=result.explanation, computed_at=timezone.now(), trigger=trigger[:100], is_current=True,
        computed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _apply(*, actor, enterprise, result: classes.Result, current: RiskAssessment | None, trigger: str) -> tuple[RiskAssessment | None, str]:
    """Write ``result`` over ``current``: (the current row afterwards, outcome)."""
    outcome = _outcome(result, current)
    if outcome == "unchanged":
        return current, outcome
    if current is not None:
        RiskAssessment.objects.filter(pk=current.pk).update(is_current=False)
    if outcome == "unclassified":  # the current row ends, history stays
        return None, outcome
    assessment = _row(actor=actor, enterprise_id=enterprise.pk, region_id=enterprise.region_id, result=result, trigger=trigger)
    assessment.enterprise = enterprise
    assessment.save()
    recheck(assessment, actor, "add")
    return assessment, outcome


def _emit(enterprise, region, old, result, outcome, trigger, subject, *, computed: bool) -> None:
    payload = _payload(enterprise, old, result, outcome, trigger)
    if computed:
        emit("credit.class_computed", payload, subject=subject, enterprise_key=enterprise.search_key, region=region)
    if (old.risk_class if old is not None else classes.DEFAULT_CLASS) != result.risk_class and outcome != "unchanged":
        emit("credit.class_changed", payload, subject=subject, enterprise_key=enterprise.search_key, region=region)


@service(event="credit.class_computed")
def recompute_class(*, actor, enterprise, trigger: str = "", on: datetime.date | None = None) -> RiskAssessment | None:
    """Recompute ``enterprise``'s class for ``on`` (default today) and keep it: a new current
    row when the class or its explanation changed, else the current row as it was.  Returns
    the current row (``None`` for a cancelled enterprise, which is no longer classified)."""
    on = on or timezone.localdate()
    current = RiskAssessment.objects.select_for_update().filter(enterprise=enterprise, is_current=True).first()
    result = classes.compute(enterprise, on)
    assessment, outcome = _apply(actor=actor, enterprise=enterprise, result=result, current=current, trigger=trigger)
    _emit(enterprise, enterprise.region, current, result, outcome, trigger, assessment or current, computed=True)
    return assessment


@dataclass(frozen=True)
class _Firm:
    """The enterprise fields the rule set and the events read (no model instance per row)."""

    pk: int
    uscc: str | None
    status: str
    liability_insured: bool
    insurance_until: datetime.date | None
    chief_quality_officer: str
    region_id: int

    @property
    def search_key(self) -> str:
        return self.uscc or f"enterprise:{self.pk}"


@dataclass(frozen=True)
class _Current:
    pk: int
    risk_class: str
    rule_set: str
    explanation: list


@service(event="credit.classes_recomputed")
def recompute_batch(*, actor, enterprise_ids: Sequence[int], on: datetime.date | None = None, trigger: str = "每日重新计算",
                    rule_values: dict[str, Any] | None = None) -> dict[str, int]:
    """Recompute the classes of a batch of enterprises in one transaction, reading their facts,
    current rows and the rules once (``rule_values``: as :func:`classes.rule_values` gave them
    for ``on``, when the caller read them already).  Returns the count per outcome."""
    from zhiliang.core.models import Region
    from zhiliang.enterprises.models import Enterprise

    on = on or timezone.localdate()
    ids = list(enterprise_ids)
    values = rule_values or classes.rule_values(on)
    facts: dict[int, list] = {pk: [] for pk in ids}
    for fact in classes.facts_query(ids):
        facts[fact["enterprise_id"]].append(fact)
    current = {row[1]: _Current(row[0], *row[2:]) for row in RiskAssessment.objects.select_for_update().filter(enterprise_id__in=ids, is_current=True)
               .order_by().values_list("pk", "enterprise_id", "risk_class", "rule_set", "explanation")}
    firms = [_Firm(*row) for row in Enterprise.objects.filter(pk__in=ids).order_by("pk").values_list(
        "pk", "uscc", "status", "liability_insured", "insurance_until", "chief_quality_officer", "region_id")]
    counts: Counter[str] = Counter()
    decided = []
    for firm in firms:
        result = classes.evaluate(firm, facts[firm.pk], on, values)
        old = current.get(firm.pk)
        outcome = _outcome(result, old)
        counts[outcome] += 1
        if outcome != "unchanged":
            decided.append((firm, old, result, outcome))
    # the writes in bulk: end the replaced rows, add the new ones, then the events
    ended = [old.pk for _, old, _, _ in decided if old is not None]
    if ended:
        RiskAssessment.objects.filter(pk__in=ended).update(is_current=False)
    # (the change log names each new row after its enterprise: load those enterprises at once)
    owners = Enterprise.objects.in_bulk([f.pk for f, _, _, outcome in decided if outcome != "unclassified"])
    new_rows = []
    for f, _, r, outcome in decided:
        if outcome != "unclassified":
            row = _row(actor=actor, enterprise_id=f.pk, region_id=f.region_id, result=r, trigger=trigger)
            row.enterprise = owners[f.pk]
            new_rows.append(row)
    made = RiskAssessment.objects.bulk_create(new_rows)
    regions = Region.objects.in_bulk({f.region_id for f, _, _, _ in decided})
    rows = iter(made)
    for firm, old, result, outcome in decided:
        assessment = next(rows) if outcome != "unclassified" else None
        if assessment is not None:
            recheck(assessment, actor, "add")
        subject = assessment or RiskAssessment(pk=old.pk)
        _emit(firm, regions[firm.region_id], old, result, outcome, trigger, subject, computed=False)
    summary = {"on": on, "enterprises": len(ids), **{k: counts[k] for k in ("created", "changed", "updated", "unchanged", "unclassified")}}
    emit("credit.classes_recomputed", summary)
    return dict(counts)
