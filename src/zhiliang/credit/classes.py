"""信用风险分类 — the explainable credit-risk class A (low) … D (high) of an enterprise
(SAMR 国市监信发〔2022〕6号), computed from its credit facts by rule set ``zl-credit-class-1``
(``docs/credit-class.md``).

* :func:`compute` is a pure read: the indicators of the enterprise on a date, each with the
  facts (id, kind, date, record) and the rule (name, value) that gave its points; the score;
  the thresholds; any override.  Every number is a rule (``RULE_CREDIT_CLASS_*``), read for
  the date, so a rule override changes the result.
* :func:`register` (called from ``CreditConfig.ready``) registers the event handlers that
  recompute the class when a fact changes, the daily job (:func:`recompute_all`), and the
  sampling pools' credit-class provider (:func:`current_classes`).

The writes are in :mod:`zhiliang.credit.services.classes`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiliang.core import rules
from zhiliang.core import workdays
from zhiliang.enterprises.choices import EnterpriseStatus

from .choices import FactKind, FactStatus, RiskClass, Severity

RULE_SET = "zl-credit-class-1"
DEFAULT_CLASS = RiskClass.B.value

#: the rules of the rule set (their values for a date are read once per computation)
RULE_NAMES = (
    "RULE_CREDIT_CLASS_PENALTY_YEARS", "RULE_CREDIT_CLASS_PENALTY_POINTS",
    "RULE_CREDIT_CLASS_SAMPLING_YEARS", "RULE_CREDIT_CLASS_SAMPLING_FAILURE_POINTS", "RULE_CREDIT_CLASS_SAMPLING_REFUSAL_POINTS",
    "RULE_CREDIT_CLASS_COMPLAINT_YEARS", "RULE_CREDIT_CLASS_COMPLAINT_POINTS", "RULE_CREDIT_CLASS_COMPLAINT_MAX_POINTS",
    "RULE_CREDIT_CLASS_RECALL_YEARS", "RULE_CREDIT_CLASS_RECALL_POINTS", "RULE_CREDIT_CLASS_ABNORMAL_LIST_POINTS",
    "RULE_CREDIT_CLASS_AWARD_YEARS", "RULE_CREDIT_CLASS_AWARD_POINTS", "RULE_CREDIT_CLASS_RED_LIST_POINTS",
    "RULE_CREDIT_CLASS_INSURANCE_POINTS", "RULE_CREDIT_CLASS_CQO_POINTS", "RULE_CREDIT_CLASS_THRESHOLDS",
    "RULE_CREDIT_CLASS_SERIOUS_LIST_D", "RULE_CREDIT_CLASS_REVOKED_D",
)

#: the SAMR guidance's four groups of indicators
BASIC, VIOLATIONS, QUALITY, OTHER = "基础信息", "违法违规信息", "质量信息", "其他信息"

#: the explanation is stored in Chinese whatever the language of the request that recomputed it
TIER_LABELS = {Severity.MINOR: "轻微", Severity.GENERAL: "一般", Severity.SERIOUS: "严重"}
#: kinds the rule set reads (licences and standard-check results are neutral)
KINDS_READ = (FactKind.PENALTY, FactKind.SAMPLING_FAILURE, FactKind.SAMPLING_REFUSAL, FactKind.COMPLAINT, FactKind.RECALL,
              FactKind.SERIOUS_LIST, FactKind.ABNORMAL_LIST, FactKind.AWARD, FactKind.RED_LIST)
#: kinds that hold while listed (in force from their start until their end), not by a look-back window
LISTINGS = (FactKind.SERIOUS_LIST, FactKind.ABNORMAL_LIST, FactKind.RED_LIST)
#: fields of a fact the computation reads
FACT_FIELDS = ("pk", "enterprise_id", "kind", "status", "source_record_id", "decision_no", "title", "severity", "is_criticism_or_low_fine", "decided_on",
               "valid_from", "valid_until", "published_on", "publicity_ends_on", "first_seen_at")


@dataclass(frozen=True)
class Result:
    """The class (``None``: not classified — a cancelled enterprise), the risk score and the
    explanation: a list of JSON items, one per indicator that gave points, then the override
    that decided the class if any, and last the classification by thresholds."""

    risk_class: str | None
    score: Decimal
    explanation: list[dict[str, Any]] = field(default_factory=list)
    rule_set: str = RULE_SET


# --- rules and facts ------------------------------------------------------------------------------------


def rule_values(on: datetime.date) -> dict[str, Any]:
    """The value of each rule of the rule set in force on ``on``."""
    return {name: rules.value(name, on) for name in RULE_NAMES}


def _rule(values: Mapping[str, Any], name: str, key: str | None = None) -> dict[str, Any]:
    value = values[name]
    return {"name": name, "key": key, "value": value[key]} if key is not None else {"name": name, "value": value}


def fact_day(fact: Mapping[str, Any]) -> datetime.date:
    """The day a fact counts from: its decision, else its validity start, its publication, or
    the day it was first received."""
    day = fact["decided_on"] or fact["valid_from"] or fact["published_on"]
    if day is None:
        seen = fact["first_seen_at"]
        day = timezone.localdate(seen) if timezone.is_aware(seen) else seen.date()
    return day


def _listed_on(fact: Mapping[str, Any], on: datetime.date) -> bool:
    """A listing is in force from its start through its 有效期至 (inclusive), and no longer
    once its publicity has ended (the end day excluded, as on the public pages)."""
    start = fact["valid_from"] or fact["decided_on"] or fact["published_on"]
    if start is not None and start > on:
        return False
    if fact["valid_until"] is not None and fact["valid_until"] < on:
        return False
    return not (fact["publicity_ends_on"] is not None and fact["publicity_ends_on"] <= on)


def _within(fact: Mapping[str, Any], on: datetime.date, years: int) -> bool:
    """Decided within the last ``years`` years: after the same day ``years`` years earlier,
    and not after ``on``."""
    day = fact_day(fact)
    return workdays.add_calendar_months(on, -12 * int(years)) < day <= on


def _fact_ref(fact: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": fact["pk"], "kind": fact["kind"], "date": fact_day(fact).isoformat(),
            "record": fact["decision_no"] or fact["source_record_id"], "title": fact["title"]}


def facts_query(enterprise_ids: Iterable[int]):
    """Active facts of the enterprises, of the kinds the rule set reads (as dicts)."""
    from .models import CreditFact

    return (CreditFact.objects.filter(enterprise_id__in=list(enterprise_ids), status=FactStatus.ACTIVE, kind__in=KINDS_READ)
            .order_by("enterprise_id", "decided_on", "pk").values(*FACT_FIELDS))


# --- the computation ------------------------------------------------------------------------------------------


def compute(enterprise, on: datetime.date | None = None) -> Result:
    """The credit-risk class of ``enterprise`` on ``on`` (default today) from its active facts
    in force on that day and the rules in force on that day.  Reads only."""
    on = on or timezone.localdate()
    return evaluate(enterprise, list(facts_query([enterprise.pk])), on, rule_values(on))


def evaluate(enterprise, facts: Sequence[Mapping[str, Any]], on: datetime.date, values: Mapping[str, Any]) -> Result:
    """:func:`compute` on facts and rule values already read (the batch recomputation reads
    them for many enterprises at once)."""
    items: list[dict[str, Any]] = []
    score = 0

    def indicator(code: str, group: str, label: str, points: int, used: list, rule: dict, **extra) -> None:
        nonlocal score
        if not points:
            return
        score += points
        items.append({"indicator": code, "group": group, "label": label, "points": points,
                      "facts": [_fact_ref(f) for f in used], "rule": rule, **extra})

    by_kind: dict[str, list] = defaultdict(list)
    for fact in facts:
        if fact["status"] == FactStatus.ACTIVE:
            by_kind[fact["kind"]].append(fact)

    # 违法违规信息: penalties by severity, abnormal-operations listing
    years = values["RULE_CREDIT_CLASS_PENALTY_YEARS"]
    window = _rule(values, "RULE_CREDIT_CLASS_PENALTY_YEARS")
    tiers: dict[str, list] = defaultdict(list)
    for fact in by_kind[FactKind.PENALTY]:
        if _within(fact, on, years):
            # the tier publicity follows (``rules.tier_of``): the one given, else minor for 通报批评 or a low fine
            given = fact["severity"] if fact["severity"] in Severity.values else None
            tiers[given or (Severity.MINOR if fact["is_criticism_or_low_fine"] else Severity.GENERAL)].append(fact)
    for tier in (Severity.SERIOUS, Severity.GENERAL, Severity.MINOR):
        used = tiers[tier]
        rule = _rule(values, "RULE_CREDIT_CLASS_PENALTY_POINTS", tier.value)
        indicator(f"penalty_{tier.value}", VIOLATIONS, f"近{years}年{TIER_LABELS[tier]}行政处罚 {len(used)} 项", rule["value"] * len(used), used,
                  rule, window=window)
    listed = [f for f in by_kind[FactKind.ABNORMAL_LIST] if _listed_on(f, on)]
    if listed:
        indicator("abnormal_list", VIOLATIONS, "列入经营异常名录", values["RULE_CREDIT_CLASS_ABNORMAL_LIST_POINTS"], listed,
                  _rule(values, "RULE_CREDIT_CLASS_ABNORMAL_LIST_POINTS"))

    # 质量信息: sampling failures and refusals, verified complaints, recalls
    years = values["RULE_CREDIT_CLASS_SAMPLING_YEARS"]
    window = _rule(values, "RULE_CREDIT_CLASS_SAMPLING_YEARS")
    for kind, code, name, what in ((FactKind.SAMPLING_FAILURE, "sampling_failure", "RULE_CREDIT_CLASS_SAMPLING_FAILURE_POINTS", "监督抽查不合格"),
                                   (FactKind.SAMPLING_REFUSAL, "sampling_refusal", "RULE_CREDIT_CLASS_SAMPLING_REFUSAL_POINTS", "拒绝监督抽查")):
        used = [f for f in by_kind[kind] if _within(f, on, years)]
        indicator(code, QUALITY, f"近{years}年{what} {len(used)} 次", values[name] * len(used), used, _rule(values, name), window=window)
    years = values["RULE_CREDIT_CLASS_COMPLAINT_YEARS"]
    used = [f for f in by_kind[FactKind.COMPLAINT] if _within(f, on, years)]
    cap = values["RULE_CREDIT_CLASS_COMPLAINT_MAX_POINTS"]
    indicator("complaint", QUALITY, f"近{years}年经核实的消费投诉 {len(used)} 件", min(values["RULE_CREDIT_CLASS_COMPLAINT_POINTS"] * len(used), cap),
              used, _rule(values, "RULE_CREDIT_CLASS_COMPLAINT_POINTS"), window=_rule(values, "RULE_CREDIT_CLASS_COMPLAINT_YEARS"),
              cap=_rule(values, "RULE_CREDIT_CLASS_COMPLAINT_MAX_POINTS"))
    years = values["RULE_CREDIT_CLASS_RECALL_YEARS"]
    used = [f for f in by_kind[FactKind.RECALL] if _within(f, on, years)]
    indicator("recall", QUALITY, f"近{years}年缺陷产品召回 {len(used)} 次", values["RULE_CREDIT_CLASS_RECALL_POINTS"] * len(used), used,
              _rule(values, "RULE_CREDIT_CLASS_RECALL_POINTS"), window=_rule(values, "RULE_CREDIT_CLASS_RECALL_YEARS"))

    # 其他信息 (in its favour): awards, red list
    years = values["RULE_CREDIT_CLASS_AWARD_YEARS"]
    used = [f for f in by_kind[FactKind.AWARD] if _within(f, on, years)]
    if used:
        indicator("award", OTHER, f"近{years}年获奖励表彰", -values["RULE_CREDIT_CLASS_AWARD_POINTS"], used,
                  _rule(values, "RULE_CREDIT_CLASS_AWARD_POINTS"), window=_rule(values, "RULE_CREDIT_CLASS_AWARD_YEARS"))
    used = [f for f in by_kind[FactKind.RED_LIST] if _listed_on(f, on)]
    if used:
        indicator("red_list", OTHER, "列入守信红名单", -values["RULE_CREDIT_CLASS_RED_LIST_POINTS"], used, _rule(values, "RULE_CREDIT_CLASS_RED_LIST_POINTS"))

    # 基础信息 (in its favour): product-liability insurance in force, a chief quality officer
    if enterprise.liability_insured and (enterprise.insurance_until is None or enterprise.insurance_until >= on):
        indicator("liability_insurance", BASIC, "投保产品质量安全责任保险" + (f"（至 {enterprise.insurance_until:%Y-%m-%d}）" if enterprise.insurance_until else ""),
                  -values["RULE_CREDIT_CLASS_INSURANCE_POINTS"], [], _rule(values, "RULE_CREDIT_CLASS_INSURANCE_POINTS"))
    if enterprise.chief_quality_officer.strip():
        indicator("chief_quality_officer", BASIC, "设首席质量官", -values["RULE_CREDIT_CLASS_CQO_POINTS"], [],
                  _rule(values, "RULE_CREDIT_CLASS_CQO_POINTS"))

    # the class by thresholds, then the overrides
    limits = values["RULE_CREDIT_CLASS_THRESHOLDS"]
    if score >= limits["D_min"]:
        by_score = RiskClass.D
    elif score >= limits["C_min"]:
        by_score = RiskClass.C
    elif score <= limits["A_max"]:
        by_score = RiskClass.A
    else:
        by_score = RiskClass.B
    final: str | None = by_score.value
    if enterprise.status == EnterpriseStatus.CANCELLED:
        final = None
        items.append({"override": "cancelled", "label": "企业已注销，不再分类", "facts": [], "rule": None, "class": None})
    elif enterprise.status == EnterpriseStatus.REVOKED and values["RULE_CREDIT_CLASS_REVOKED_D"]:
        final = RiskClass.D.value
        items.append({"override": "revoked", "label": "营业执照被吊销，判为D类", "facts": [], "rule": _rule(values, "RULE_CREDIT_CLASS_REVOKED_D"),
                      "class": final})
    else:
        listed = [f for f in by_kind[FactKind.SERIOUS_LIST] if _listed_on(f, on)]
        if listed and values["RULE_CREDIT_CLASS_SERIOUS_LIST_D"]:
            final = RiskClass.D.value
            items.append({"override": "serious_list", "label": "列入严重违法失信名单，判为D类", "facts": [_fact_ref(f) for f in listed],
                          "rule": _rule(values, "RULE_CREDIT_CLASS_SERIOUS_LIST_D"), "class": final})
    items.append({"classification": by_score.value, "score": score, "label": f"风险分 {score} 分，按分值为{by_score.value}类",
                  "rule": _rule(values, "RULE_CREDIT_CLASS_THRESHOLDS")})
    return Result(final, Decimal(score), items)


# --- reads for other apps -------------------------------------------------------------------------------------


def current_classes(enterprise_ids: Sequence[int], on: datetime.date | None = None) -> dict[int, str]:
    """The current class of each enterprise (B when it has none), in one query — the sampling
    pools' provider (``sampling.pools.register_credit_class_provider``).  The class is the
    latest computed one (``RiskAssessment.is_current``); ``on`` is accepted for the
    provider's signature."""
    from django.db import connection

    from .models import RiskAssessment

    ids = list(enterprise_ids)
    current = RiskAssessment.objects.filter(is_current=True).exclude(risk_class=DEFAULT_CLASS).order_by()
    if len(ids) <= 500:  # few: ask for them; many: one scan of the current rows not B (no huge IN list)
        current = current.filter(enterprise_id__in=ids)
    sql, params = current.values_list("enterprise_id", "risk_class").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = dict(cursor.fetchall())
    return {pk: found.get(pk, DEFAULT_CLASS) for pk in ids}


def current_class(enterprise) -> str:
    return current_classes([enterprise.pk])[enterprise.pk]


# --- recomputation: events and the daily job --------------------------------------------------------------------

#: events of the facts services after which the enterprises concerned are recomputed
FACT_EVENTS = ("credit.fact_recorded", "credit.fact_changed", "credit.fact_revoked", "credit.match_confirmed", "credit.match_undone",
               "credit.publicity_ended")
#: what a recomputation's trigger ("event#id") says to a clerk
TRIGGER_LABELS = {
    "credit.fact_recorded": _("记录信用信息"), "credit.fact_changed": _("信用信息变更"), "credit.fact_revoked": _("信用信息撤销"),
    "credit.match_confirmed": _("确认主体匹配"), "credit.match_undone": _("撤销主体匹配"), "credit.publicity_ended": _("停止公示"),
    "credit.facts_imported": _("批量导入信用信息"),
}


def trigger_label(trigger: str) -> str:
    """"credit.fact_recorded#0555…" → "记录信用信息（事件 0555…）"; other text as it is."""
    name, _sep, ref = (trigger or "").partition("#")
    label = TRIGGER_LABELS.get(name)
    return f"{label}（事件 {ref[:8]}）" if label and ref else str(label or trigger)


#: payload keys of the facts services' events naming an enterprise concerned (``search_key``s)
_PAYLOAD_KEYS = ("enterprise", "previous_enterprise")


def _key_to_id(value: Any) -> tuple[str, Any] | None:
    """An ``Enterprise.search_key`` as ("pk", id) or ("uscc", code)."""
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("enterprise:"):
        tail = value.split(":", 1)[1]
        return ("pk", int(tail)) if tail.isdigit() else None
    return "uscc", value


def enterprises_of_event(event) -> list:
    """The enterprises a fact event concerns: the subject fact's enterprise, the event's
    enterprise key, and any enterprise named in the payload (e.g. the one a wrong match was
    undone from)."""
    from django.db.models import Q

    from zhiliang.enterprises.models import Enterprise

    from .models import CreditFact

    pks: set[int] = set()
    usccs: set[str] = set()
    values: list[Any] = [event.enterprise_key]
    payload = event.payload if isinstance(event.payload, dict) else {}
    values += [payload.get(k) for k in _PAYLOAD_KEYS]
    for value in values:
        found = _key_to_id(value)
        if found:
            (pks if found[0] == "pk" else usccs).add(found[1])
    if event.subject_id and event.subject_id.isdigit():
        from django.contrib.contenttypes.models import ContentType

        if event.subject_type_id == ContentType.objects.get_for_model(CreditFact).pk:
            owner = CreditFact.objects.filter(pk=int(event.subject_id)).values_list("enterprise_id", flat=True).first()
            if owner:
                pks.add(owner)
    if not pks and not usccs:
        return []
    return list(Enterprise.objects.filter(Q(pk__in=pks) | Q(uscc__in=usccs)).order_by("pk"))


def on_fact_event(event) -> None:
    """Handler: recompute the class of each enterprise a fact event concerns, as the system.
    Idempotent: delivery runs it once per event, and a recomputation that changes nothing
    adds nothing."""
    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.core.choices import ChangeSource

    from .services.classes import recompute_class

    if event.name == "credit.fact_recorded" and (event.payload or {}).get("outcome") != "created":
        return  # a re-sent record changed nothing; a corrected one comes with credit.fact_changed
    for enterprise in enterprises_of_event(event):
        with audit_context(actor=SYSTEM, reason=f"信用信息变更（{event.name}），重新计算信用风险分类", source=ChangeSource.TASK):
            recompute_class(actor=SYSTEM, enterprise=enterprise, trigger=f"{event.name}#{event.pk}")


def on_facts_imported(event) -> None:
    """Handler of ``credit.facts_imported``: recompute, as the system, the class of every
    enterprise the import's new facts were matched to, :data:`BATCH` at a time."""
    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.core.choices import ChangeSource

    from .models import CreditFact
    from .services.classes import recompute_batch

    payload = event.payload if isinstance(event.payload, dict) else {}
    ids = list(CreditFact.objects.filter(created_in_id=payload.get("change_set"), enterprise__isnull=False)
               .order_by("enterprise_id").values_list("enterprise_id", flat=True).distinct())
    with audit_context(actor=SYSTEM, reason=f"导入信用信息（{event.name}），重新计算信用风险分类", source=ChangeSource.TASK):
        values = rule_values(timezone.localdate())
        for start in range(0, len(ids), BATCH):
            recompute_batch(actor=SYSTEM, enterprise_ids=ids[start:start + BATCH], trigger=f"{event.name}#{event.pk}", rule_values=values)


BATCH = 500


def recompute_all(*, actor, on: datetime.date | None = None, batch: int = BATCH) -> str:
    """The daily job: recompute every enterprise's class for ``on`` (facts leave their
    windows and listings end with the calendar), ``batch`` enterprises per transaction.
    Returns a one-line summary."""
    from zhiliang.enterprises.models import Enterprise

    from .services.classes import recompute_batch

    on = on or timezone.localdate()
    ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    totals: dict[str, int] = defaultdict(int)
    values = rule_values(on)
    for start in range(0, len(ids), batch):
        for outcome, count in recompute_batch(actor=actor, enterprise_ids=ids[start:start + batch], on=on, rule_values=values).items():
            totals[outcome] += count
    return (f"共 {len(ids)} 家企业，{totals['created']} 家首次分类，{totals['changed']} 家分类变化，"
            f"{totals['updated']} 家依据变化，{totals['unchanged']} 家不变，{totals['unclassified']} 家不再分类")


def daily_job(*, actor, on) -> str:
    return recompute_all(actor=actor, on=on)


def register() -> None:
    """Wire the class into the platform (call from ``CreditConfig.ready``): the fact-event
    handlers, the daily recomputation, and the sampling pools' class provider."""
    from zhiliang.core.daily import register_daily
    from zhiliang.core.events import on_event
    from zhiliang.sampling.pools import register_credit_class_provider

    for name in FACT_EVENTS:
        on_event(name)(on_fact_event)
    on_event("credit.facts_imported")(on_facts_imported)
    register_daily("credit-classes", "重新计算企业信用风险分类", daily_job)
    register_credit_class_provider(current_classes)
