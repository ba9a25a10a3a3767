"""Domain-event handlers of the credit app: facts from the other apps' events.

* ``sampling.sample_judged`` — a **final failing** result (``payload["final"]`` and conclusion
  ``fail``; imported results of other authorities, ``"source": "imported"``, too) becomes a
  ``SAMPLING_FAILURE`` fact of the producer: source = the organising authority (the plan's
  department, else the organiser's name), record id = the sample number, severity general,
  decided on the conclusion date.  It is public once the result is: a local result when its
  bulletin is published, an imported one (already published by its authority) at once.
  A final **passing** result of a sample that has an active failure fact (a re-test or a
  corrected bulletin overturned the failure) revokes that fact.
* ``sampling.bulletin_published`` — the failure facts of the bulletin's samples are published
  on the bulletin's date.
* ``sampling.task_refused`` — a ``SAMPLING_REFUSAL`` fact of the refusing enterprise (record id:
  the plan code and the enterprise), public from the refusal date.
* ``sampling.imported_sample_matched`` with no producer (staff undid a wrong producer) — the
  failure fact is untied too (``facts.unmatch``).

Each handler writes through ``services.facts`` as SYSTEM (in a nested audit context keeping the
event's request id) and is idempotent: ``core.events`` runs a handler once per event, and
receiving the same thing again (another event about the same sample) leaves the fact
"unchanged".
"""

from __future__ import annotations

import datetime
import logging

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.events import on_event

from .choices import FactKind, FactStatus, Severity
from .models import CreditFact

log = logging.getLogger("zhiliang.credit")


def _date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _sample(event):
    from zhiliang.sampling.models import Sample

    if not event.subject_id:
        return None
    return Sample.objects.select_related("plan", "department", "producer", "bulletin", "plan__region").filter(pk=event.subject_id).first()


def _source_of(sample) -> dict:
    """The organising authority of the sample's plan."""
    if sample.department_id:
        return {"source_department": sample.department}
    plan = sample.plan
    if plan.department_id:
        return {"source_department": plan.department}
    return {"source_name": plan.organiser_name or f"{plan.region.name}市场监督管理局"}


def _published_on(sample) -> datetime.date | None:
    from zhiliang.sampling.choices import BulletinStatus, Source

    if sample.source == Source.IMPORTED:
        return sample.concluded_on or sample.sampled_on
    if sample.bulletin_id and sample.bulletin.status == BulletinStatus.PUBLISHED:
        return sample.bulletin.published_on
    return None


def _failure_fields(sample) -> dict:
    codes = {} if sample.producer is None else {
        i.scheme: i.value for i in sample.producer.identifiers.filter(scheme__in=("regno", "orgcode", "taxno"))}
    items = "、".join(str(i.get("name", i) if isinstance(i, dict) else i) for i in (sample.failing_items or []))
    producer = sample.producer
    return {
        "party_name": producer.name if producer is not None else sample.producer_name,
        "party_uscc": (producer.uscc or "") if producer is not None else "",
        "party_codes": codes,
        "title": f"监督抽查不合格：{sample.product_name}",
        "content": f"{sample.product_name}（{sample.trademark or '无商标'} {sample.model}）不合格项目：{items or '见检验报告'}",
        "decided_on": sample.concluded_on or sample.sampled_on,
        "severity": Severity.GENERAL,
        "published_on": _published_on(sample),
        "received": {"sample_no": sample.sample_no, "level": sample.level, "plan": sample.plan.code, "place": sample.place,
                     "sampled_on": sample.sampled_on, "failing_items": sample.failing_items, "source": sample.source},
    }


def _record_failure(sample, reason: str) -> None:
    from .services import facts

    fields = _failure_fields(sample)
    party_name = fields.pop("party_name")
    if not party_name:
        log.warning("sample %s fails but names no producer: no credit fact", sample.sample_no)
        return
    with audit_context(actor=SYSTEM, reason=reason, source="task"):
        facts.record_fact(actor=SYSTEM, kind=FactKind.SAMPLING_FAILURE, source_record_id=sample.sample_no, party_name=party_name,
                          **_source_of(sample), **fields)


def _existing_failure(sample) -> CreditFact | None:
    from .matching import source_key_of

    key = source_key_of(**_source_of(sample))
    return CreditFact.objects.filter(kind=FactKind.SAMPLING_FAILURE, source_key=key, source_record_id=sample.sample_no).first()


@on_event("sampling.sample_judged")
def sample_judged(event) -> None:
    payload = event.payload or {}
    if not payload.get("final"):
        return
    sample = _sample(event)
    if sample is None:
        return
    if payload.get("conclusion") == "fail":
        _record_failure(sample, f"监督抽查不合格（样品 {sample.sample_no}）")
    elif payload.get("conclusion") == "pass":
        fact = _existing_failure(sample)
        if fact is not None and fact.status == FactStatus.ACTIVE:
            from .services import facts

            on = _date(payload.get("concluded_on")) or sample.concluded_on or datetime.date.today()
            with audit_context(actor=SYSTEM, reason=f"复检（更正）结论合格，撤销不合格信息（样品 {sample.sample_no}）", source="task"):
                facts.revoke_fact(actor=SYSTEM, fact=fact, on=max(on, fact.decided_on or on))


@on_event("sampling.bulletin_published")
def bulletin_published(event) -> None:
    from zhiliang.sampling.models import Bulletin

    bulletin = Bulletin.objects.filter(pk=event.subject_id).first() if event.subject_id else None
    if bulletin is None:
        return
    for sample in bulletin.samples.filter(conclusion="fail").select_related("plan", "department", "producer", "bulletin", "plan__region"):
        if _existing_failure(sample) is not None:
            _record_failure(sample, f"抽查结果公告“{bulletin.number}”发布")


@on_event("sampling.task_refused")
def task_refused(event) -> None:
    from zhiliang.sampling.models import SamplingTask

    from .services import facts

    task = SamplingTask.objects.select_related("plan", "plan__region", "department", "enterprise").filter(pk=event.subject_id).first() if event.subject_id else None
    if task is None:
        return
    payload = event.payload or {}
    enterprise = task.enterprise
    codes = {i.scheme: i.value for i in enterprise.identifiers.filter(scheme__in=("regno", "orgcode", "taxno"))}
    source = {"source_department": task.department or task.plan.department} if (task.department_id or task.plan.department_id) else {
        "source_name": task.plan.organiser_name or f"{task.plan.region.name}市场监督管理局"}
    refused_on = _date(payload.get("refused_on")) or task.refused_on
    with audit_context(actor=SYSTEM, reason=f"拒绝监督抽查（{task.plan.code}）", source="task"):
        facts.record_fact(
            actor=SYSTEM, kind=FactKind.SAMPLING_REFUSAL, source_record_id=f"{task.plan.code}/{enterprise.search_key}",
            party_name=enterprise.name, party_uscc=enterprise.uscc or "", party_codes=codes, title="拒绝监督抽查", content=task.note,
            decided_on=refused_on, severity=Severity.GENERAL, published_on=refused_on,
            received={"plan": task.plan.code, "level": task.plan.level, "category": payload.get("category"), "refused_on": refused_on},
            **source,
        )


@on_event("sampling.imported_sample_matched")
def imported_sample_matched(event) -> None:
    """Staff undid the producer of an imported result: its failure fact is untied as well (a
    new producer comes with ``sampling.sample_judged`` and re-ties it)."""
    from .choices import MatchStatus
    from .services import facts

    payload = event.payload or {}
    if payload.get("producer"):
        return
    sample = _sample(event)
    fact = _existing_failure(sample) if sample is not None else None
    if fact is None or fact.match_status not in (MatchStatus.USCC, MatchStatus.IDENTIFIER, MatchStatus.CONFIRMED):
        return
    with audit_context(actor=SYSTEM, reason=f"抽查结果（样品 {sample.sample_no}）的生产企业匹配已撤销", source="task"):
        facts.unmatch(actor=SYSTEM, fact=fact, reason="抽查结果的生产企业匹配已撤销")
