"""联合奖惩 — joint reward and punishment (seed §三(七)): the measure catalogue, the cases that
apply a measure to an enterprise for its executing department, and that department's feedback.

* :func:`save_measure` — the city admin maintains the catalogue (``credit.measure_saved``);
* :func:`open_cases` — an enterprise enters a list or takes a class: one case per active
  catalogue measure of that trigger, for the measure's executing department, feedback due
  ``rules.feedback_due(on)`` (RULE_CREDIT_MEASURE_FEEDBACK_WD working days), ending
  ``duration_months`` later when the measure has a duration.  Idempotent: an open case of the
  same measure and enterprise is kept (``credit.cases_opened``);
* :func:`close_cases` — the enterprise leaves the list or the class (``credit.cases_closed``);
* :func:`feedback` — the executing department reports what it did; the first report moves
  the case to FED_BACK (``credit.measure_feedback``);
* :func:`recompute_feedback_due` — when a calendar year is loaded, deadlines counted over
  it (perhaps with the provisional calendar) are counted again;
* :func:`close_expired` — the daily job ``credit-measure-cases``: cases whose ``ends_on``
  has come are closed (``ends_on`` is the first day the measure no longer applies;
  ``credit.cases_closed`` per enterprise and ``credit.cases_expired`` per run).

Event handlers (registered by :func:`register`, run as SYSTEM):

* ``credit.list_entry_published`` ``{"entry", "enterprise", "list_kind", "published_on", …}``
  → open SERIOUS_LIST / RED_LIST cases tied to the entry;
* ``credit.list_entry_removed`` ``{"entry", "enterprise", "list_kind", "removed_on", "way"}``
  → close that entry's cases;
* ``credit.class_changed`` / ``credit.class_computed`` ``{"enterprise", "old_class",
  "new_class", …}`` → class A opens CLASS_A cases, D opens CLASS_D; leaving A or D closes them.
  Nothing is written (and no event emitted) when the cases already are as they should be.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhiliang.core import workdays
from zhiliang.core.events import emit, service
from zhiliang.core.permissions import can, recheck, require

from zhiliang.core.actors import is_user, not_future
from .. import rules
from ..choices import CaseStatus, FeedbackOutcome, ListKind, MeasureTrigger, RiskClass
from ..models import ListEntry, Measure, MeasureCase, MeasureFeedback, RiskAssessment

log = logging.getLogger("zhiliang.credit")

#: what ``save_measure(**fields)`` accepts
MEASURE_FIELDS = ("code", "kind", "trigger", "domain", "cause", "legal_basis", "content", "requesting_department",
                  "executing_department", "duration_months", "is_active")
#: the trigger of each list kind
LIST_TRIGGERS = {ListKind.SERIOUS: MeasureTrigger.SERIOUS_LIST, ListKind.RED: MeasureTrigger.RED_LIST}
#: the trigger of each credit class that has measures
CLASS_TRIGGERS = {RiskClass.A: MeasureTrigger.CLASS_A, RiskClass.D: MeasureTrigger.CLASS_D}
OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.FED_BACK)


def _date(value, default: datetime.date | None = None) -> datetime.date | None:
    if value in (None, ""):
        return default
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return default



def _plain_date(value: datetime.date | None) -> datetime.date | None:
    """A ``WorkingDate`` as a plain date (what the model field holds)."""
    return None if value is None else datetime.date(value.year, value.month, value.day)


# --- the catalogue ----------------------------------------------------------------------------------


@service(event="credit.measure_saved")
def save_measure(*, actor, measure: Measure | None = None, **fields: Any) -> Measure:
    """Create (``measure=None``) or change a catalogue measure — the city admin's work (the
    role holding ``credit.add_measure`` / ``credit.change_measure``)."""
    unknown = sorted(set(fields) - set(MEASURE_FIELDS))
    if unknown:
        raise ValidationError(f"联合奖惩措施没有这些字段：{'、'.join(unknown)}")
    created = measure is None
    if created:
        measure = Measure()
    elif is_user(actor):
        require(measure, actor, "change")

    def current(name):
        return Measure._meta.get_field(name).value_from_object(measure)

    before = {name: current(name) for name in MEASURE_FIELDS if name in fields}
    for name, value in fields.items():
        setattr(measure, name, value.strip() if isinstance(value, str) else value)
    measure.full_clean()
    measure.save()
    recheck(measure, actor, "add" if created else "change")
    changed = sorted(name for name, old in before.items() if current(name) != old)
    emit("credit.measure_saved", {"measure": measure.pk, "code": measure.code, "created": created, "changed": changed,
                                  "trigger": measure.trigger, "executing_department": measure.executing_department.code},
         subject=measure, is_public=True)
    return measure


# --- opening and closing cases ----------------------------------------------------------------------


def _catalogue(trigger: str):
    return Measure.objects.filter(trigger=trigger, is_active=True).select_related("executing_department").order_by("code")


def _open_of(enterprise, trigger: str, list_entry=None):
    qs = MeasureCase.objects.filter(enterprise=enterprise, measure__trigger=trigger, status__in=OPEN_STATUSES)
    if list_entry is not None:
        qs = qs.filter(list_entry=list_entry)
    return qs


def _missing_measures(enterprise, trigger: str) -> list[Measure]:
    """Active catalogue measures of ``trigger`` without an open case of ``enterprise``."""
    held = set(MeasureCase.objects.filter(enterprise=enterprise, status__in=OPEN_STATUSES).values_list("measure_id", flat=True))
    return [m for m in _catalogue(trigger) if m.pk not in held]


@service(event="credit.cases_opened")
def open_cases(*, actor, enterprise, trigger: str, on: datetime.date, list_entry: ListEntry | None = None,
               assessment: RiskAssessment | None = None) -> list[MeasureCase]:
    """One case per active catalogue measure of ``trigger`` for ``enterprise`` from ``on``;
    a measure that already has an open case of the enterprise keeps it.  Returns the open
    cases of the trigger's measures (new and kept)."""
    if trigger not in MeasureTrigger.values:
        raise ValidationError({"trigger": f"未知的适用情形“{trigger}”"})
    if enterprise.region_id is None:
        raise ValidationError(f"企业“{enterprise.name}”没有所在区划，无法确定联合奖惩案件的区划")
    due = _plain_date(rules.feedback_due(on))
    measures = list(_catalogue(trigger))
    kept = {c.measure_id: c for c in MeasureCase.objects.filter(enterprise=enterprise, measure__in=measures, status__in=OPEN_STATUSES)}
    created: list[MeasureCase] = []
    for measure in measures:
        if measure.pk in kept:
            continue
        case = MeasureCase(
            measure=measure, enterprise=enterprise, region_id=enterprise.region_id, executing_department=measure.executing_department,
            list_entry=list_entry, assessment=assessment, opened_on=on, feedback_due=due,
            ends_on=workdays.add_calendar_months(on, measure.duration_months) if measure.duration_months else None,
        )
        case.save()
        recheck(case, actor, "add")
        created.append(case)
    emit("credit.cases_opened", {
        "enterprise": enterprise.search_key, "trigger": trigger, "opened_on": on, "feedback_due": due,
        "list_entry": list_entry.pk if list_entry is not None else None, "created": [c.pk for c in created],
        "kept": sorted(c.pk for c in kept.values()),
        "departments": sorted({c.executing_department.code for c in created}),
    }, subject=list_entry or assessment, enterprise_key=enterprise.search_key, region=enterprise.region)
    return sorted([*created, *kept.values()], key=lambda c: c.measure.code)


def _close(case: MeasureCase, *, actor, on: datetime.date, reason: str) -> None:
    case.status = CaseStatus.CLOSED
    case.closed_on = max(on, case.opened_on)
    case.close_reason = reason[:200]
    case.save()
    recheck(case, actor, "change")


@service(event="credit.cases_closed")
def close_cases(*, actor, enterprise, trigger: str, on: datetime.date, reason: str, list_entry: ListEntry | None = None) -> list[MeasureCase]:
    """Close the open cases of ``enterprise`` under ``trigger`` (only those of ``list_entry``
    when given) on ``on``, with the reason.  Returns the cases closed."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "请说明结束联合奖惩措施的原因"})
    cases = list(_open_of(enterprise, trigger, list_entry).select_related("measure").order_by("pk"))
    for case in cases:
        _close(case, actor=actor, on=on, reason=reason.strip())
    emit("credit.cases_closed", {"enterprise": enterprise.search_key, "trigger": trigger, "closed_on": on, "reason": reason.strip(),
                                 "list_entry": list_entry.pk if list_entry is not None else None, "cases": [c.pk for c in cases]},
         subject=list_entry, enterprise_key=enterprise.search_key, region=enterprise.region)
    return cases


@service(event="credit.cases_expired")
def close_expired(*, actor, on: datetime.date) -> str:
    """The daily job: close every open case whose ``ends_on`` is ``on`` or earlier (one
    ``credit.cases_closed`` per enterprise, and the run's ``credit.cases_expired``
    ``{"on", "cases"}``).  Returns a one-line summary."""
    cases = list(MeasureCase.objects.select_for_update().filter(status__in=OPEN_STATUSES, ends_on__isnull=False, ends_on__lte=on)
                 .select_related("enterprise", "enterprise__region").order_by("pk"))
    by_enterprise: dict[int, list[MeasureCase]] = defaultdict(list)
    for case in cases:
        _close(case, actor=actor, on=on, reason=f"措施期限届满（{case.ends_on:%Y-%m-%d}）")
        by_enterprise[case.enterprise_id].append(case)
    for group in by_enterprise.values():
        enterprise = group[0].enterprise
        emit("credit.cases_closed", {"enterprise": enterprise.search_key, "trigger": None, "closed_on": on, "reason": "措施期限届满",
                                     "list_entry": None, "cases": [c.pk for c in group]},
             enterprise_key=enterprise.search_key, region=enterprise.region)
    emit("credit.cases_expired", {"on": on, "cases": [c.pk for c in cases]})
    return f"结束期限届满的联合奖惩措施 {len(cases)} 件" if cases else "没有期限届满的联合奖惩措施"


@service(event="credit.case_deadlines_recomputed")
def recompute_feedback_due(*, actor, year: int) -> list[MeasureCase]:
    """A working-day calendar year was loaded (or corrected): the feedback deadline of every
    open case whose window (opening … deadline) touches ``year`` is counted again — one
    counted with the provisional calendar may move.  Returns the cases whose deadline moved."""
    moved = []
    for case in (MeasureCase.objects.select_for_update().filter(status=CaseStatus.OPEN, opened_on__year__lte=year, feedback_due__year__gte=year)
                 .order_by("pk")):
        due = _plain_date(rules.feedback_due(case.opened_on))
        if due != case.feedback_due:
            case.feedback_due = due
            case.save()
            recheck(case, actor, "change")
            moved.append(case)
    emit("credit.case_deadlines_recomputed", {"year": year, "cases": [c.pk for c in moved]})
    return moved


# --- feedback -----------------------------------------------------------------------------------------


@service(event="credit.measure_feedback")
def feedback(*, actor, case: MeasureCase, outcome: str, occurred_on: datetime.date, matter: str = "", note: str = "") -> MeasureFeedback:
    """The executing department (or the city admin) reports what it did on one occasion.  A
    closed case takes no more feedback; the first report moves an open case to FED_BACK."""
    if is_user(actor):  # SYSTEM work (demo data, imports) is not scoped
        if not can(case, actor, "view"):
            raise PermissionDenied("联合奖惩案件不存在或无权查看")
        require(case, actor, "change")
    case = MeasureCase.objects.select_for_update().select_related("measure", "enterprise").get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(f"案件已于 {case.closed_on:%Y-%m-%d} 结束（{case.close_reason}），不能再反馈")
    errors: dict[str, str] = {}
    if outcome not in FeedbackOutcome.values:
        errors["outcome"] = f"未知的执行情况“{outcome}”"
    if occurred_on is None:
        errors["occurred_on"] = "请填写办理日期"
    elif occurred_on < case.opened_on:
        errors["occurred_on"] = f"办理日期 {occurred_on:%Y-%m-%d} 早于案件发起日期 {case.opened_on:%Y-%m-%d}"
    if errors:
        raise ValidationError(errors)
    not_future(actor, occurred_on, "occurred_on", "办理日期")
    item = MeasureFeedback(case=case, outcome=outcome, occurred_on=occurred_on, matter=(matter or "").strip()[:200], note=(note or "").strip(),
                           reported_by=actor if is_user(actor) else None)
    item.save()
    recheck(item, actor, "add")
    first = case.status == CaseStatus.OPEN
    if first:
        case.status = CaseStatus.FED_BACK
        case.save()
        recheck(case, actor, "change")
    emit("credit.measure_feedback", {"case": case.pk, "feedback": item.pk, "measure": case.measure.code, "outcome": outcome,
                                     "occurred_on": occurred_on, "first": first, "on_time": first and timezone.localdate() <= case.feedback_due},
         subject=item, enterprise_key=case.enterprise.search_key, region=case.region)
    return item


# --- event handlers -------------------------------------------------------------------------------------


def _enterprise(key):
    from zhiliang.enterprises.models import Enterprise

    from ..classes import _key_to_id

    found = _key_to_id(key)
    if not found:
        return None
    return Enterprise.objects.filter(**{found[0]: found[1]}).select_related("region").first()


def _entry_and_enterprise(payload: dict):
    entry = None
    if str(payload.get("entry") or "").isdigit():
        entry = ListEntry.objects.select_related("enterprise", "enterprise__region").filter(pk=int(payload["entry"])).first()
    enterprise = entry.enterprise if entry is not None else _enterprise(payload.get("enterprise"))
    return entry, enterprise


def _event_day(event) -> datetime.date:
    return timezone.localdate(event.created_at) if event.created_at else timezone.localdate()


def _system(reason: str):
    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.core.choices import ChangeSource

    return SYSTEM, audit_context(actor=SYSTEM, reason=reason[:255], source=ChangeSource.TASK)


def _on_list_entry_published(event) -> None:
    payload = event.payload if isinstance(event.payload, dict) else {}
    trigger = LIST_TRIGGERS.get(payload.get("list_kind"))
    entry, enterprise = _entry_and_enterprise(payload)
    if trigger is None or enterprise is None:
        log.warning("event %s: no list kind or enterprise (%s): no joint measures", event.pk, payload)
        return
    if not _missing_measures(enterprise, trigger):
        return
    label = ListKind(payload["list_kind"]).label
    actor, context = _system(f"列入{label}（{enterprise.name}），发起联合奖惩")
    with context:
        open_cases(actor=actor, enterprise=enterprise, trigger=trigger, on=_date(payload.get("published_on"), _event_day(event)), list_entry=entry)


def _on_list_entry_removed(event) -> None:
    from ..choices import RemovalWay

    payload = event.payload if isinstance(event.payload, dict) else {}
    trigger = LIST_TRIGGERS.get(payload.get("list_kind"))
    entry, enterprise = _entry_and_enterprise(payload)
    if trigger is None or enterprise is None or not _open_of(enterprise, trigger, entry).exists():
        return
    way = payload.get("way")
    way_label = RemovalWay(way).label if way in RemovalWay.values else (way or "")
    reason = f"移出{ListKind(payload['list_kind']).label}" + (f"（{way_label}）" if way_label else "")
    actor, context = _system(f"{reason}（{enterprise.name}），结束联合奖惩")
    with context:
        close_cases(actor=actor, enterprise=enterprise, trigger=trigger, on=_date(payload.get("removed_on"), _event_day(event)),
                    reason=reason, list_entry=entry)


def _on_class_event(event) -> None:
    """Class A opens the CLASS_A measures, D the CLASS_D ones; any other class (or none)
    closes the measures of the class left."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    enterprise = _enterprise(payload.get("enterprise") or event.enterprise_key)
    if enterprise is None:
        return
    new = payload.get("new_class")
    on = _event_day(event)
    for klass, trigger in CLASS_TRIGGERS.items():
        label = RiskClass(klass).label
        if new == klass:
            if _missing_measures(enterprise, trigger):
                assessment = RiskAssessment.objects.filter(enterprise=enterprise, is_current=True).first()
                actor, context = _system(f"信用风险分类为{label}（{enterprise.name}），发起联合奖惩")
                with context:
                    open_cases(actor=actor, enterprise=enterprise, trigger=trigger, on=on, assessment=assessment)
        elif _open_of(enterprise, trigger).exists():
            actor, context = _system(f"信用风险分类不再为{label}（{enterprise.name}），结束联合奖惩")
            with context:
                close_cases(actor=actor, enterprise=enterprise, trigger=trigger, on=on,
                            reason=f"信用风险分类调整为{new or '未分类'}，不再为{klass}类")


def _on_calendar_loaded(year: int) -> None:
    actor, context = _system(f"{year}年工作日历已载入，重新计算联合奖惩反馈期限")
    with context:
        recompute_feedback_due(actor=actor, year=year)


def _daily_job(*, actor, on) -> str:
    return close_expired(actor=actor, on=on)


def register() -> None:
    """Wire this part into the platform (called from ``CreditConfig.ready``): the list and class
    event handlers, the daily expiry job, the recount of deadlines when a calendar year loads."""
    from zhiliang.core.daily import register_daily
    from zhiliang.core.events import on_event

    on_event("credit.list_entry_published")(_on_list_entry_published)
    on_event("credit.list_entry_removed")(_on_list_entry_removed)
    on_event("credit.class_changed")(_on_class_event)
    on_event("credit.class_computed")(_on_class_event)
    register_daily("credit-measure-cases", "结束期限届满的联合奖惩措施", _daily_job)
    workdays.on_calendar_loaded(_on_calendar_loaded)
