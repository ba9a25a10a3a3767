"""The serious-dishonesty list (质量失信黑名单 / 严重违法失信名单, SAMR Order 44) and the red list
(守信红名单): one entry's whole life, and the list published for a period (seed §三(七)).

* :func:`propose` — county or city staff (or a department's staff) propose an enterprise of
  their scope with grounds and the facts they rest on; whether approval one level up is needed
  follows RULE_CREDIT_SERIOUS_LIST_PROVINCIAL_APPROVAL on the day (the red list needs none);
* :func:`approve` / :func:`reject` — a county's proposal is decided by the city (not by the
  county, never by the proposer); :func:`record_external_approval` — a city decision's
  provincial approval is an external document recorded here; :func:`withdraw` — the proposing
  side takes a proposal back before publication;
* :func:`notify` — the decision and the notice to the enterprise (publication due within 20
  working days, ``rules.list_publish_due``); :func:`publish` — the entry is published and
  records the listing fact (``serious_list`` / ``red_list``) through ``facts.record_fact``;
* :func:`apply_removal` — the enterprise (or staff for it) applies for removal, from 1 year
  after publication; :func:`remove` — the entry leaves the list and the listing fact's
  publicity ends; :func:`remove_due` — the daily job removing entries on their 3-year day;
* :func:`publish_periodic_list` — the list as published for a period (city level).

``checks`` holds the permission tests the pages use (who may approve, who is the proposing
side, who may publish the periodic list, whether a user is the listed enterprise).

Events (payloads JSON; ``enterprise`` = ``Enterprise.search_key``): ``credit.list_entry_proposed``,
``…_approved`` (``"external": true`` for a provincial document), ``…_rejected``,
``…_withdrawn``, ``…_notified``, ``…_published`` (``{"entry", "enterprise", "list_kind",
"published_on", "region"}``), ``…_removal_applied``, ``…_removed`` (``{"entry", "enterprise",
"list_kind", "removed_on", "way"}``), ``credit.list_published`` and ``credit.list_removals_run``
(the daily job's summary: ``{"on", "removed", "failed", "summary"}``).
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.choices import ChangeSource, RegionLevel, Role
from zhiliang.core.events import emit, service
from zhiliang.core.permissions import (
    CITY_WIDE_LEVELS,
    can,
    codename,
    has_perm,
    memberships,
    recheck,
    require,
    role_permissions,
)

from zhiliang.core.actors import is_user, not_future
from .. import rules
from ..choices import FactKind, FactStatus, ListEntryStatus, ListKind, RemovalWay, Severity
from ..models import CreditFact, ListEntry, ListPublication
from . import facts as fact_services

S = ListEntryStatus

#: what each step needs the entry's status to be, and what the step is called in messages
STEP_LABELS = {
    "approve": "批准", "reject": "不予批准", "withdraw": "撤回", "external": "录入上级批准文书", "notify": "告知",
    "publish": "公示", "apply_removal": "申请移出", "remove": "移出名单",
}


# --- helpers ------------------------------------------------------------------------------------


def _text(value) -> str:
    return (value or "").strip()



def _is_super(actor) -> bool:
    return bool(getattr(actor, "is_superuser", False)) and bool(getattr(actor, "is_active", False))


def _state(entry: ListEntry, step: str, *allowed: str) -> None:
    """Refuse a step the entry's current status does not allow, in Chinese."""
    if entry.status not in allowed:
        raise ValidationError({"status": f"该名单记录当前状态为“{entry.get_status_display()}”，不能{STEP_LABELS[step]}"})


def _date(value, label: str, name: str) -> datetime.date:
    if value is None or value == "":
        raise ValidationError({name: f"请填写{label}"})
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({name: f"{label}“{value}”不是有效日期（格式：2026-01-31）"}) from None
    return value


def _not_before(value: datetime.date, earliest: datetime.date | None, name: str, label: str, earlier_label: str) -> None:
    if earliest is not None and value < earliest:
        raise ValidationError({name: f"{label} {value:%Y-%m-%d} 早于{earlier_label} {earliest:%Y-%m-%d}"})




def _payload(entry: ListEntry, **extra) -> dict:
    return {"entry": entry.pk, "enterprise": entry.enterprise.search_key, "list_kind": entry.list_kind, "status": entry.status, **extra}


def _emit(name: str, entry: ListEntry, payload: dict | None = None, *, is_public: bool = False) -> None:
    emit(name, payload if payload is not None else _payload(entry), subject=entry, enterprise_key=entry.enterprise.search_key,
         region=entry.region, is_public=is_public)


def _staff_memberships(actor, perm: str):
    """The actor's memberships (staff side) whose role holds ``perm``."""
    return [m for m in memberships(actor) if m.role.name not in (Role.ENTERPRISE, Role.LAB) and perm in role_permissions(m.role)]


def _acting_membership(actor, enterprise):
    """The actor's membership through which they may propose a listing of ``enterprise``: one
    holding ``add`` on the list whose region covers the enterprise's, the nearest first."""
    perm = codename(ListEntry, "add")
    found = [m for m in _staff_memberships(actor, perm) if m.region_id and enterprise.region_id in m.region.subtree_ids()]
    found.sort(key=lambda m: -len(m.region.path or ""))
    return found[0] if found else None


def _may_approve(actor, entry: ListEntry) -> bool:
    """A county's proposal is approved by the level above: a user whose membership lies above the
    deciding region (city staff or admin) with ``change`` on the entry, not the proposer."""
    if not is_user(actor) or entry.proposed_by_id == actor.pk or not can(entry, actor, "change"):
        return False
    if _is_super(actor):
        return True
    deciding = entry.deciding_region
    perm = codename(ListEntry, "change")
    return any(
        m.region_id and m.region_id != deciding.pk and deciding.pk in m.region.subtree_ids()
        for m in _staff_memberships(actor, perm)
    )


def _require_approver(actor, entry: ListEntry) -> None:
    if not is_user(actor):
        return
    if entry.proposed_by_id == actor.pk:
        raise PermissionDenied("提出人不能批准（或驳回）本人提出的列入申请")
    require(entry, actor, "change")
    if not _may_approve(actor, entry):
        raise PermissionDenied(f"{entry.deciding_region.name}提出的列入申请须由上一级（市级）工作人员审批")


def _is_proposing_side(actor, entry: ListEntry) -> bool:
    """The proposer, or staff of the deciding region itself (the same county or city)."""
    if not is_user(actor):
        return True
    if not can(entry, actor, "change"):
        return False
    if _is_super(actor) or entry.proposed_by_id == actor.pk:
        return True
    return any(m.region_id == entry.deciding_region_id for m in _staff_memberships(actor, codename(ListEntry, "change")))


def _may_publish_lists(actor) -> bool:
    """City staff or admin (a membership at city level or above holding ``change`` on list entries
    or ``add`` on publications); the system."""
    if not is_user(actor):
        return True
    if _is_super(actor):
        return True
    perms = (codename(ListEntry, "change"), codename(ListPublication, "add"))
    return any(
        m.region_id and m.region.level in CITY_WIDE_LEVELS and m.role.name not in (Role.ENTERPRISE, Role.LAB)
        and any(p in role_permissions(m.role) for p in perms)
        for m in memberships(actor)
    )


def _is_own_enterprise(actor, entry: ListEntry) -> bool:
    """An enterprise account acting for the listed enterprise."""
    from django.contrib.contenttypes.models import ContentType

    if not is_user(actor):
        return False
    kind = ContentType.objects.get_for_model(type(entry.enterprise))
    return any(m.role.name == Role.ENTERPRISE and m.organisation_type_id == kind.pk and str(m.organisation_id) == str(entry.enterprise_id)
               for m in memberships(actor))


@contextmanager
def _fact_writer(actor, permitted: bool, reason: str):
    """The actor writes the listing fact when their role allows it; otherwise (county staff may
    publish a listing but not add facts) the system writes it for them, in a nested context
    that keeps the request id and names the listing in its reason."""
    if not is_user(actor) or permitted:
        yield actor
        return
    with audit_context(actor=SYSTEM, reason=reason[:255], source=ChangeSource.SYSTEM):
        yield SYSTEM


def _authority(entry: ListEntry) -> str:
    if entry.department_id:
        return entry.department.name
    return f"{entry.deciding_region.name}市场监督管理局"


#: the permission checks the pages use to offer only the actions a user may take (plain
#: functions, not services: they change nothing)
checks = SimpleNamespace(
    acting_membership=_acting_membership, may_approve=_may_approve, is_proposing_side=_is_proposing_side,
    may_publish_lists=_may_publish_lists, is_own_enterprise=_is_own_enterprise,
)


# --- the workflow -------------------------------------------------------------------------------


@service(event="credit.list_entry_proposed")
def propose(*, actor, enterprise, grounds: str, list_kind: str = ListKind.SERIOUS, legal_basis: str = "", facts=(),
            department=None) -> ListEntry:
    """Propose listing ``enterprise`` (status "proposed")."""
    if list_kind not in ListKind.values:
        raise ValidationError({"list_kind": f"未知的名单“{list_kind}”"})
    if not _text(grounds):
        raise ValidationError({"grounds": "请填写列入事由"})
    if enterprise is None:
        raise ValidationError({"enterprise": "请选择企业"})
    today = timezone.localdate()
    deciding = enterprise.region
    if is_user(actor):
        if not has_perm(actor, codename(ListEntry, "add")):
            raise PermissionDenied("无权提出列入名单")
        membership = _acting_membership(actor, enterprise)
        if membership is None and not _is_super(actor):
            raise PermissionDenied(f"{enterprise.name}（{enterprise.region.name}）不在您的管辖范围内")
        if membership is not None:
            deciding = membership.region
            department = department or membership.department
    if deciding.level not in (RegionLevel.COUNTY, RegionLevel.CITY):
        raise ValidationError({"deciding_region": f"列入决定由县市区或市级机关作出，{deciding.name}不能提出"})
    facts = list(facts or ())
    foreign = [f for f in facts if f.enterprise_id != enterprise.pk]
    if foreign:
        raise ValidationError({"facts": f"所选信用信息不属于{enterprise.name}：{'；'.join(str(f) for f in foreign)}"})
    active = ListEntry.objects.filter(enterprise=enterprise, list_kind=list_kind).exclude(
        status__in=(S.REMOVED, S.REJECTED, S.WITHDRAWN)).first()
    if active is not None:
        raise ValidationError({"enterprise": f"{enterprise.name}已有一条{active.get_list_kind_display()}记录（{active.get_status_display()}），不能重复提出"})
    entry = ListEntry(
        list_kind=list_kind, enterprise=enterprise, region=enterprise.region, deciding_region=deciding, department=department,
        grounds=_text(grounds), legal_basis=_text(legal_basis), status=S.PROPOSED, proposed_by=actor if is_user(actor) else None,
        proposed_on=today, approval_required=rules.approval_required(today) if list_kind == ListKind.SERIOUS else False,
    )
    entry.save()
    if facts:
        entry.facts.set(facts)
    recheck(entry, actor, "add")
    _emit("credit.list_entry_proposed", entry, _payload(entry, deciding_region=deciding.code, approval_required=entry.approval_required,
                                                          facts=[f.pk for f in facts]))
    return entry


@service(event="credit.list_entry_approved")
def approve(*, actor, entry: ListEntry, note: str = "") -> ListEntry:
    """The city approves a county's proposal (status "approved")."""
    _state(entry, "approve", S.PROPOSED)
    if not entry.approval_required:
        raise ValidationError({"status": "该列入申请提出时无须上一级批准，可直接告知企业"})
    if entry.deciding_region.level != RegionLevel.COUNTY:
        raise ValidationError({"status": f"{entry.deciding_region.name}作出的列入决定由省级批准，请录入省级批准文书"})
    _require_approver(actor, entry)
    today = timezone.localdate()
    entry.status = S.APPROVED
    entry.approved_by = actor if is_user(actor) else None
    entry.approved_on = today
    entry.approval_note = _text(note)
    entry.save()
    recheck(entry, actor, "view")
    _emit("credit.list_entry_approved", entry, _payload(entry, approved_on=today, external=False, note=entry.approval_note))
    return entry


@service(event="credit.list_entry_rejected")
def reject(*, actor, entry: ListEntry, note: str) -> ListEntry:
    """The level above does not approve (status "rejected"): the reason is required."""
    _state(entry, "reject", S.PROPOSED)
    if not _text(note):
        raise ValidationError({"note": "请填写不予批准的理由"})
    if entry.deciding_region.level != RegionLevel.COUNTY:
        raise ValidationError({"status": f"{entry.deciding_region.name}作出的列入决定由省级批准，未获批准时请撤回"})
    _require_approver(actor, entry)
    entry.status = S.REJECTED
    entry.approved_by = actor if is_user(actor) else None
    entry.approved_on = timezone.localdate()
    entry.approval_note = _text(note)
    entry.save()
    recheck(entry, actor, "view")
    _emit("credit.list_entry_rejected", entry, _payload(entry, note=entry.approval_note))
    return entry


@service(event="credit.list_entry_withdrawn")
def withdraw(*, actor, entry: ListEntry, reason: str) -> ListEntry:
    """The proposing side takes the entry back before publication (status "withdrawn")."""
    _state(entry, "withdraw", S.PROPOSED, S.APPROVED, S.NOTIFIED)
    if not _text(reason):
        raise ValidationError({"reason": "请填写撤回原因"})
    if is_user(actor):
        require(entry, actor, "change")
        if not _is_proposing_side(actor, entry):
            raise PermissionDenied(f"只有提出方（{entry.deciding_region.name}）可以撤回列入申请")
    entry.status = S.WITHDRAWN
    entry.removal_note = _text(reason)
    entry.save()
    recheck(entry, actor, "view")
    _emit("credit.list_entry_withdrawn", entry, _payload(entry, reason=_text(reason)))
    return entry


@service(event="credit.list_entry_approved")
def record_external_approval(*, actor, entry: ListEntry, document_no: str, document_on) -> ListEntry:
    """A city decision's approval by the province: the external document's number and date."""
    _state(entry, "external", S.PROPOSED)
    if not entry.approval_required:
        raise ValidationError({"status": "该列入申请提出时无须上一级批准，可直接告知企业"})
    if entry.deciding_region.level == RegionLevel.COUNTY:
        raise ValidationError({"status": f"{entry.deciding_region.name}提出的列入申请由市级在系统中审批，不录入外部文书"})
    if not _text(document_no):
        raise ValidationError({"document_no": "请填写上级批准文书文号"})
    document_on = _date(document_on, "上级批准文书日期", "document_on")
    not_future(actor, document_on, "document_on", "上级批准文书日期")
    if is_user(actor):
        require(entry, actor, "change")
        if not _is_proposing_side(actor, entry):
            raise PermissionDenied(f"上级批准文书由作出决定的{entry.deciding_region.name}录入")
    entry.status = S.APPROVED
    entry.external_approval_no = _text(document_no)
    entry.external_approval_on = document_on
    entry.approved_on = document_on
    entry.save()
    recheck(entry, actor, "view")
    _emit("credit.list_entry_approved", entry, _payload(entry, approved_on=document_on, external=True, document_no=entry.external_approval_no))
    return entry


@service(event="credit.list_entry_notified")
def notify(*, actor, entry: ListEntry, decision_no: str, decided_on, notified_on, method: str) -> ListEntry:
    """The listing decision is made and the enterprise told (status "notified"); publication is
    due within 20 working days of the decision."""
    allowed = (S.APPROVED,) if entry.approval_required else (S.PROPOSED, S.APPROVED)
    if entry.status == S.PROPOSED and entry.approval_required:
        raise ValidationError({"status": f"该名单记录当前状态为“{entry.get_status_display()}”，须经上一级批准后才能告知"})
    _state(entry, "notify", *allowed)
    if not _text(decision_no):
        raise ValidationError({"decision_no": "请填写列入决定书文号"})
    if not _text(method):
        raise ValidationError({"method": "请填写告知方式（如直接送达、邮寄送达、公告送达）"})
    decided_on = _date(decided_on, "列入决定日期", "decided_on")
    notified_on = _date(notified_on, "告知日期", "notified_on")
    not_future(actor, decided_on, "decided_on", "列入决定日期")
    not_future(actor, notified_on, "notified_on", "告知日期")
    _not_before(notified_on, decided_on, "notified_on", "告知日期", "列入决定日期")
    if is_user(actor):
        require(entry, actor, "change")
    entry.status = S.NOTIFIED
    entry.decision_no = _text(decision_no)
    entry.decided_on = decided_on
    entry.notified_on = notified_on
    entry.notice_method = _text(method)
    entry.publish_due = rules.list_publish_due(decided_on)
    entry.save()
    recheck(entry, actor, "view")
    _emit("credit.list_entry_notified", entry, _payload(entry, decision_no=entry.decision_no, decided_on=decided_on,
                                                          notified_on=notified_on, publish_due=entry.publish_due))
    return entry


@service(event="credit.list_entry_published")
def publish(*, actor, entry: ListEntry, published_on) -> ListEntry:
    """Publish the entry (status "published"): removal dates from the rules, and the listing
    fact recorded (it counts in the class and shows on the credit pages)."""
    _state(entry, "publish", S.NOTIFIED)
    published_on = _date(published_on, "公示日期", "published_on")
    not_future(actor, published_on, "published_on", "公示日期")
    _not_before(published_on, entry.decided_on, "published_on", "公示日期", "列入决定日期")
    if is_user(actor):
        require(entry, actor, "change")
    entry.removal_apply_from, entry.auto_removal_on = rules.list_removal_dates(published_on)
    serious = entry.list_kind == ListKind.SERIOUS
    if not serious:
        entry.removal_apply_from = None  # the red list ends on its day: nothing to apply for
    enterprise = entry.enterprise
    with _fact_writer(actor, has_perm(actor, codename(CreditFact, "add")), f"{entry.get_list_kind_display()}公示：{enterprise.name} {entry.decision_no}") as writer:
        fact, _ = fact_services.record_fact(
            actor=writer, kind=FactKind.SERIOUS_LIST if serious else FactKind.RED_LIST, source_department=entry.department,
            source_name="" if entry.department_id else _authority(entry), source_record_id=entry.decision_no,
            party_name=enterprise.name, party_uscc=enterprise.uscc or "", decided_on=entry.decided_on, published_on=published_on,
            title=entry.get_list_kind_display(), content=entry.grounds, legal_basis=entry.legal_basis, decision_no=entry.decision_no,
            authority=_authority(entry), severity=Severity.SERIOUS if serious else "",
        )
        if fact.enterprise_id != enterprise.pk:  # an enterprise without a USCC: tie the fact to it by hand
            fact = fact_services.confirm_match(actor=writer, fact=fact, enterprise=enterprise)
    entry.status = S.PUBLISHED
    entry.published_on = published_on
    entry.fact = fact
    entry.save()
    recheck(entry, actor, "view")
    _emit("credit.list_entry_published", entry, {"entry": entry.pk, "enterprise": enterprise.search_key, "list_kind": entry.list_kind,
                                                "published_on": published_on.isoformat(), "region": entry.region.code}, is_public=True)
    return entry


@service(event="credit.list_entry_removal_applied")
def apply_removal(*, actor, entry: ListEntry, applied_on, reason: str) -> ListEntry:
    """The enterprise (its own entry, on the day) or staff for it (also a paper application of
    an earlier day, never a later one) apply for early removal from the serious-dishonesty
    list, allowed from ``removal_apply_from`` (1 year after publication).  A red-list entry
    is not applied off: it ends on its day or when the listing authority removes it."""
    _state(entry, "apply_removal", S.PUBLISHED)
    if entry.list_kind != ListKind.SERIOUS:
        raise ValidationError(f"{entry.get_list_kind_display()}不需申请移出：有效期满自动移出，不再符合条件的由列入机关移出")
    applied_on = _date(applied_on, "申请日期", "applied_on")
    not_future(actor, applied_on, "applied_on", "申请日期")
    if not _text(reason):
        raise ValidationError({"reason": "请填写申请移出的理由（已履行义务、纠正违法行为等）"})
    if is_user(actor) and not can(entry, actor, "change"):
        if not _is_own_enterprise(actor, entry):
            raise PermissionDenied("只有被列入的企业本身或有管辖权的工作人员可以申请移出")
        if applied_on != timezone.localdate():  # staff may record a paper application of an earlier day
            raise ValidationError({"applied_on": f"企业在线申请的申请日期为提交当日（{timezone.localdate():%Y-%m-%d}）"})
    if entry.removal_apply_from and applied_on < entry.removal_apply_from:
        raise ValidationError({"applied_on": f"列入名单满1年后方可申请移出：自 {entry.removal_apply_from:%Y-%m-%d} 起可申请"
                                             f"（申请日期 {applied_on:%Y-%m-%d}）"})
    if entry.removal_applied_on:
        raise ValidationError({"applied_on": f"已于 {entry.removal_applied_on:%Y-%m-%d} 提出移出申请，正在处理"})
    entry.removal_applied_on = applied_on
    entry.removal_application = _text(reason)
    entry.save()
    recheck(entry, actor, "view")
    _emit("credit.list_entry_removal_applied", entry, _payload(entry, applied_on=applied_on))
    return entry


@service(event="credit.list_entry_removed")
def remove(*, actor, entry: ListEntry, way: str, removed_on, note: str = "") -> ListEntry:
    """The entry leaves the list (status "removed"); the listing fact leaves public view that
    day."""
    _state(entry, "remove", S.PUBLISHED)
    if way not in RemovalWay.values:
        raise ValidationError({"way": f"未知的移出方式“{way}”"})
    removed_on = _date(removed_on, "移出日期", "removed_on")
    not_future(actor, removed_on, "removed_on", "移出日期")
    _not_before(removed_on, entry.published_on, "removed_on", "移出日期", "公示日期")
    if way == RemovalWay.APPLICATION:
        if entry.list_kind != ListKind.SERIOUS:
            raise ValidationError({"way": f"{entry.get_list_kind_display()}不依申请移出"})
        if not entry.removal_applied_on:
            raise ValidationError({"way": "企业尚未申请移出，不能依申请移出"})
        _not_before(removed_on, entry.removal_applied_on, "removed_on", "移出日期", "申请日期")
    if way == RemovalWay.AUTOMATIC and entry.auto_removal_on and removed_on < entry.auto_removal_on:
        raise ValidationError({"removed_on": f"期满自动移出日期为 {entry.auto_removal_on:%Y-%m-%d}，{removed_on:%Y-%m-%d} 尚未期满"})
    if way == RemovalWay.REVOKED and not _text(note):
        raise ValidationError({"note": "请说明撤销列入决定的文书"})
    if is_user(actor):
        require(entry, actor, "change")
    entry.status = S.REMOVED
    entry.removed_on = removed_on
    entry.removal_way = way
    entry.removal_note = _text(note)
    entry.removed_by = actor if is_user(actor) else None
    if entry.fact_id and entry.fact.status != FactStatus.REVOKED:  # a revoked fact already left public view
        reason = f"{RemovalWay(way).label}：{entry.get_list_kind_display()} {entry.enterprise.name}"
        with _fact_writer(actor, can(entry.fact, actor, "change") if is_user(actor) else True, reason) as writer:
            fact_services.end_publicity(actor=writer, fact=entry.fact, on=removed_on, reason=reason)
    entry.save()
    recheck(entry, actor, "view")
    _emit("credit.list_entry_removed", entry, {"entry": entry.pk, "enterprise": entry.enterprise.search_key, "list_kind": entry.list_kind,
                                              "removed_on": removed_on.isoformat(), "way": way}, is_public=True)
    return entry


@service(event="credit.list_removals_run")
def remove_due(*, actor, on: datetime.date) -> str:
    """The daily job: remove every published entry whose automatic-removal day has come (on
    that day, even when the job runs late); idempotent (removed entries are not published)."""
    due = ListEntry.objects.filter(status=S.PUBLISHED, auto_removal_on__lte=on).select_related("enterprise", "region", "fact").order_by("pk")
    count, failed = 0, []
    for entry in due:
        try:
            remove(actor=actor, entry=entry, way=RemovalWay.AUTOMATIC, removed_on=entry.auto_removal_on, note="列入满3年，期满自动移出")
        except ValidationError as exc:  # one entry's problem must not stop the others; it is named in the summary
            failed.append(f"#{entry.pk} {entry.enterprise.name}：{'；'.join(exc.messages)}")
            continue
        count += 1
    summary = f"{on:%Y-%m-%d}：{count} 条名单记录期满自动移出" if count else f"{on:%Y-%m-%d}：没有期满应移出的名单记录"
    summary += f"；{len(failed)} 条未能移出（{'；'.join(failed)}）" if failed else ""
    emit("credit.list_removals_run", {"on": on, "removed": count, "failed": len(failed), "summary": summary})
    return summary


# --- the periodic publication -------------------------------------------------------------------


def _row(entry: ListEntry) -> dict:
    return {
        "entry": entry.pk, "enterprise": entry.enterprise.name, "uscc": entry.enterprise.uscc or "", "region": entry.region.name,
        "region_code": entry.region.code, "grounds": entry.grounds, "decision_no": entry.decision_no,
        "decided_on": entry.decided_on.isoformat() if entry.decided_on else None,
        "published_on": entry.published_on.isoformat() if entry.published_on else None,
        "removed_on": entry.removed_on.isoformat() if entry.removed_on else None,
        "removal_way": entry.get_removal_way_display() if entry.removal_way else "",
    }


def _period_snapshot(list_kind: str, period_start: datetime.date, period_end: datetime.date) -> tuple[list, list, list]:
    """(in force at ``period_end``, published within the period, removed within the period)."""
    qs = ListEntry.objects.filter(list_kind=list_kind, status__in=(S.PUBLISHED, S.REMOVED), published_on__isnull=False).select_related(
        "enterprise", "region").order_by("published_on", "pk")
    in_force = [e for e in qs if e.published_on <= period_end and (e.removed_on is None or e.removed_on > period_end)]
    added = [e for e in qs if period_start <= e.published_on <= period_end]
    removed = [e for e in qs if e.removed_on is not None and period_start <= e.removed_on <= period_end]
    return [_row(e) for e in in_force], [_row(e) for e in added], [_row(e) for e in removed]


@service(event="credit.list_published")
def publish_periodic_list(*, actor, list_kind: str, period_start, period_end, number: str, published_on=None) -> ListPublication:
    """Publish the list for a period (city level): the entries in force at its end and those
    added and removed within it, kept as published."""
    if list_kind not in ListKind.values:
        raise ValidationError({"list_kind": f"未知的名单“{list_kind}”"})
    if not _text(number):
        raise ValidationError({"number": "请填写期号（如“2026年第10期”）"})
    period_start = _date(period_start, "统计期自", "period_start")
    period_end = _date(period_end, "统计期至", "period_end")
    published_on = _date(published_on, "公布日期", "published_on") if published_on else timezone.localdate()
    not_future(actor, published_on, "published_on", "公布日期")
    _not_before(period_end, period_start, "period_end", "统计期至", "统计期自")
    _not_before(published_on, period_end, "published_on", "公布日期", "统计期截止日")
    if not _may_publish_lists(actor):
        raise PermissionDenied("名单定期公布由市级工作人员办理")
    existing = ListPublication.objects.filter(list_kind=list_kind, period_end=period_end).first()
    if existing is not None:
        raise ValidationError({"period_end": f"{ListKind(list_kind).label}截至 {period_end:%Y-%m-%d} 的一期已公布（{existing.number}），不能重复公布"})
    entries, added, removed = _period_snapshot(list_kind, period_start, period_end)
    publication = ListPublication.objects.create(
        list_kind=list_kind, number=_text(number), period_start=period_start, period_end=period_end, published_on=published_on,
        published_by=actor if is_user(actor) else None, entries=entries, added=added, removed=removed,
    )
    recheck(publication, actor, "view")
    emit("credit.list_published", {"publication": publication.pk, "list_kind": list_kind, "number": publication.number,
                                   "period_start": period_start, "period_end": period_end, "published_on": published_on,
                                   "in_force": len(entries), "added": len(added), "removed": len(removed)},
         subject=publication, is_public=True)
    return publication


def register() -> None:
    """Wire this part into the platform (called from ``CreditConfig.ready``): the daily
    automatic removal."""
    from zhiliang.core.daily import register_daily

    register_daily("credit-list-removals", "严重违法失信名单期满自动移出", remove_due)
