"""Objections to credit facts (信用信息异议) and credit repair (信用修复): every write of
:class:`~zhiliang.credit.models.FactObjection` and :class:`~zhiliang.credit.models.RepairApplication`
is here (STYLE.md §2).

* :func:`file_objection` — the enterprise (its own account, or staff on its behalf) disputes a
  fact; one pending objection per fact; reviewed by the fact's source department (the county of
  the enterprise sees it too, and alone when there is no department) by ``review_due``
  (``rules.objection_review_due``); the fact is marked ``disputed`` meanwhile;
* :func:`decide_objection` — upheld: the data was wrong and the fact is revoked
  (``facts.revoke_fact``); rejected: the fact stands; either way it is no longer disputed unless
  another objection is pending;
* :func:`apply_repair` — the enterprise asks to stop the publicity early; refused with the reason
  or the first eligible date from ``rules.repair_eligibility``; a commitment letter (a file) is
  required, proof of performance optional; one pending application per fact; decided by
  ``decision_due`` (``rules.repair_decision_due``);
* :func:`decide_repair` — granted: ``facts.end_publicity(..., repaired=True)`` — the fact leaves
  every public view that day, and the class is recomputed by the handler of
  ``credit.publicity_ended``; refused: a reason is required and the fact stays.

Uploaded files are stored with their SHA-256 (as ``sampling.services.samples.add_attachment``
does), at most :data:`MAX_FILE_BYTES`, PDF, JPG or PNG only (the
extension and the first bytes agree, ``core.uploads``) — staff open them.

Events (payloads JSON, ``enterprise_key`` = the enterprise's ``search_key``):
``credit.objection_filed`` ``{"objection", "fact", "filed_on", "review_due", "department",
"evidence_sha256"}``; ``credit.objection_decided`` ``{"objection", "fact", "upheld",
"decided_on", "late"}``; ``credit.repair_applied`` ``{"application", "fact", "applied_on",
"eligible_from", "decision_due", "commitment_sha256", "proof_sha256"}``;
``credit.repair_decided`` ``{"application", "fact", "granted", "decided_on", "late"}``.
"""

from __future__ import annotations

import datetime
import hashlib
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from zhiliang.core.actors import is_user
from zhiliang.core.events import emit, service
from zhiliang.core.permissions import (
    can,
    codename,
    has_perm,
    in_own_scope,
    recheck,
    require,
)
from zhiliang.core.uploads import document_problem

from .. import disputes_read, rules
from ..choices import FactStatus, ObjectionStatus, RepairStatus
from ..models import CreditFact, FactObjection, RepairApplication
from . import facts as fact_services

#: the largest evidence, commitment or proof file accepted
MAX_FILE_BYTES = 20 * 1024 * 1024



def _require_decider(actor, obj) -> None:
    require(obj, actor, "change")
    if not disputes_read.may_decide(actor, obj):
        raise PermissionDenied(f"由{obj.department.name}核查处理")


def _text(value) -> str:
    return (value or "").strip()


def _key(enterprise) -> str:
    return enterprise.search_key if enterprise is not None else ""


def _read(upload, field: str, label: str) -> tuple[str, bytes] | None:
    """(file name, content) of an uploaded file (``UploadedFile`` or any ``File``), ``None``
    when none was given; refused when empty or too large."""
    if not upload:
        return None
    name = os.path.basename((getattr(upload, "name", "") or "").replace("\\", "/")).strip()
    if not name:
        raise ValidationError({field: f"{label}缺少文件名"})
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read()
    if not content:
        raise ValidationError({field: f"{label}“{name}”是空文件"})
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError({field: f"{label}“{name}”超过 {MAX_FILE_BYTES // (1024 * 1024)} MB"})
    problem = document_problem(name, content[:16])
    if problem:
        raise ValidationError({field: f"{label}：{problem}"})
    return name, content


def _store(obj, field: str, read: tuple[str, bytes] | None) -> str:
    """Save the file into ``obj.<field>`` (not the row), its name as uploaded into
    ``obj.<field>_name`` (storage may rewrite it: blanks, a suffix for a name taken), and return
    its SHA-256 ("" without file)."""
    if read is None:
        return ""
    name, content = read
    getattr(obj, field).save(name, ContentFile(content), save=False)
    setattr(obj, f"{field}_name", name[:200])
    return hashlib.sha256(content).hexdigest()


def _discard(obj, *fields: str) -> None:
    for field in fields:
        stored = getattr(obj, field)
        if stored:
            stored.delete(save=False)


def _require_party(actor, fact: CreditFact, model, what: str) -> None:
    """The enterprise's own account (``add``) or staff who review such requests (``change``) in
    whose own scope the fact lies; SYSTEM always.  Another enterprise's public fact is not the
    account's own: refused."""
    if not is_user(actor):
        return
    if not (has_perm(actor, codename(model, "add")) or has_perm(actor, codename(model, "change"))):
        raise PermissionDenied(f"无权提出{what}")
    if not in_own_scope(fact, actor, "view"):
        raise PermissionDenied(f"只能对本企业的信用信息提出{what}")


def _require_filed(obj, actor) -> None:
    """After the save: the row is in the actor's scope to add (enterprise) or to change (staff)."""
    if is_user(actor) and not (can(obj, actor, "add") or can(obj, actor, "change")):
        raise PermissionDenied(f"无权提出{type(obj)._meta.verbose_name}")


def _matched(fact: CreditFact, what: str):
    if fact.enterprise_id is None:
        raise ValidationError({"fact": f"该信用信息尚未关联到名录库中的企业，不能提出{what}"})
    return fact.enterprise


def _not_before(day: datetime.date, earlier: datetime.date, field: str, label: str, earlier_label: str) -> None:
    if day < earlier:
        raise ValidationError({field: f"{label} {day:%Y-%m-%d} 早于{earlier_label} {earlier:%Y-%m-%d}"})


# --- objections -----------------------------------------------------------------------------


@service(event="credit.objection_filed")
def file_objection(*, actor, fact: CreditFact, grounds: str, evidence=None, filed_on: datetime.date | None = None) -> FactObjection:
    """信用信息异议: the enterprise disputes ``fact`` with its grounds and optional evidence."""
    filed_on = filed_on or timezone.localdate()
    _require_party(actor, fact, FactObjection, "异议")
    enterprise = _matched(fact, "异议")
    if fact.status == FactStatus.REVOKED:
        raise ValidationError({"fact": f"该信用信息已于 {fact.revoked_on:%Y-%m-%d} 撤销，无需再提出异议"})
    if FactObjection.objects.filter(fact=fact, status=ObjectionStatus.PENDING).exists():
        raise ValidationError({"fact": "该信用信息已有核查中的异议，请等待处理结果"})
    if not _text(grounds):
        raise ValidationError({"grounds": "请填写异议理由"})
    read = _read(evidence, "evidence", "证明材料")
    objection = FactObjection(
        fact=fact, enterprise=enterprise, region=enterprise.region, department=fact.source_department, filed_on=filed_on,
        filed_by=actor if is_user(actor) else None, grounds=_text(grounds), review_due=rules.objection_review_due(filed_on),
    )
    objection.evidence_sha256 = _store(objection, "evidence", read)
    try:
        objection.full_clean()
        objection.save()
        _require_filed(objection, actor)
        fact.disputed = True
        fact.save()
    except Exception:
        _discard(objection, "evidence")
        raise
    emit("credit.objection_filed", {
        "objection": objection.pk, "fact": fact.pk, "filed_on": filed_on, "review_due": objection.review_due,
        "department": fact.source_department.code if fact.source_department_id else None, "evidence_sha256": objection.evidence_sha256,
    }, subject=objection, enterprise_key=_key(enterprise), region=objection.region)
    return objection


@service(event="credit.objection_decided")
def decide_objection(*, actor, objection: FactObjection, upheld: bool, note: str, decided_on: datetime.date | None = None) -> FactObjection:
    """Decide an objection (who: ``disputes_read.deciders_q``):
    upheld — the fact is revoked (the data was wrong); rejected — it stands."""
    decided_on = decided_on or timezone.localdate()
    if is_user(actor):
        _require_decider(actor, objection)
    objection = FactObjection.objects.select_for_update().select_related("fact").get(pk=objection.pk)
    if objection.status != ObjectionStatus.PENDING:
        raise ValidationError(f"该异议已处理（{objection.get_status_display()}），不能再处理")
    if not _text(note):
        raise ValidationError({"note": "请填写处理意见（异议成立的，说明更正或撤销的内容；不成立的，说明理由）"})
    _not_before(decided_on, objection.filed_on, "decided_on", "处理日期", "异议提出日期")
    fact = objection.fact
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    objection.decided_on = decided_on
    objection.decided_by = actor if is_user(actor) else None
    objection.decision_note = _text(note)
    objection.save()
    if upheld and fact.status != FactStatus.REVOKED:
        fact = fact_services.revoke_fact(actor=actor, fact=fact, on=decided_on)
    fact.disputed = FactObjection.objects.filter(fact=fact, status=ObjectionStatus.PENDING).exists()
    fact.save()
    recheck(objection, actor, "change")
    emit("credit.objection_decided", {
        "objection": objection.pk, "fact": fact.pk, "upheld": bool(upheld), "decided_on": decided_on,
        "late": decided_on > objection.review_due,
    }, subject=objection, enterprise_key=_key(objection.enterprise), region=objection.region)
    return objection


# --- credit repair ----------------------------------------------------------------------------


@service(event="credit.repair_applied")
def apply_repair(*, actor, fact: CreditFact, statement: str, commitment, proof=None, applied_on: datetime.date | None = None) -> RepairApplication:
    """信用修复申请: the enterprise (its own facts) or staff on its behalf, with the commitment
    letter (required) and proof of performance (optional)."""
    applied_on = applied_on or timezone.localdate()
    _require_party(actor, fact, RepairApplication, "信用修复申请")
    enterprise = _matched(fact, "信用修复申请")
    refusal = rules.repair_refusal(fact, applied_on)
    if refusal:
        raise ValidationError({"fact": refusal})
    if RepairApplication.objects.filter(fact=fact, status=RepairStatus.PENDING).exists():
        raise ValidationError({"fact": "该信用信息已有审核中的信用修复申请，请等待审核结果"})
    if not _text(statement):
        raise ValidationError({"statement": "请说明履行法定义务、纠正违法行为、消除不良影响的情况"})
    commitment_read = _read(commitment, "commitment", "信用修复承诺书")
    if commitment_read is None:
        raise ValidationError({"commitment": "请上传信用修复承诺书"})
    proof_read = _read(proof, "proof", "履行证明材料")
    eligible, _reason = rules.repair_eligibility(fact)
    application = RepairApplication(
        fact=fact, enterprise=enterprise, region=enterprise.region, department=fact.source_department, applied_on=applied_on,
        applied_by=actor if is_user(actor) else None, eligible_from=eligible, statement=_text(statement),
        decision_due=rules.repair_decision_due(applied_on),
    )
    application.commitment_sha256 = _store(application, "commitment", commitment_read)
    application.proof_sha256 = _store(application, "proof", proof_read)
    try:
        application.full_clean()
        application.save()
        _require_filed(application, actor)
    except Exception:
        _discard(application, "commitment", "proof")
        raise
    emit("credit.repair_applied", {
        "application": application.pk, "fact": fact.pk, "applied_on": applied_on, "eligible_from": eligible,
        "decision_due": application.decision_due, "commitment_sha256": application.commitment_sha256, "proof_sha256": application.proof_sha256,
    }, subject=application, enterprise_key=_key(enterprise), region=application.region)
    return application


@service(event="credit.repair_decided")
def decide_repair(*, actor, application: RepairApplication, granted: bool, note: str, decided_on: datetime.date | None = None) -> RepairApplication:
    """Decide a repair application (who: ``disputes_read.deciders_q``): granted — the fact's
    publicity stops on ``decided_on`` (status "repaired"); refused — the reason is required
    and the fact stays public."""
    decided_on = decided_on or timezone.localdate()
    if is_user(actor):
        _require_decider(actor, application)
    application = RepairApplication.objects.select_for_update().select_related("fact").get(pk=application.pk)
    if application.status != RepairStatus.PENDING:
        raise ValidationError(f"该信用修复申请已审核（{application.get_status_display()}），不能再审核")
    if not granted and not _text(note):
        raise ValidationError({"note": "不予修复的，请说明理由"})
    _not_before(decided_on, application.applied_on, "decided_on", "决定日期", "申请日期")
    application.status = RepairStatus.GRANTED if granted else RepairStatus.REFUSED
    application.decided_on = decided_on
    application.decided_by = actor if is_user(actor) else None
    application.decision_note = _text(note)
    application.save()
    if granted:
        fact_services.end_publicity(actor=actor, fact=application.fact, on=decided_on, repaired=True,
                                    reason=f"信用修复申请（{application.applied_on:%Y-%m-%d}）准予修复")
    recheck(application, actor, "change")
    emit("credit.repair_decided", {
        "application": application.pk, "fact": application.fact_id, "granted": bool(granted), "decided_on": decided_on,
        "late": decided_on > application.decision_due,
    }, subject=application, enterprise_key=_key(application.enterprise), region=application.region)
    return application
