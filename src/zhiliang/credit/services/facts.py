"""Credit facts: recording what a department knows, tying it to a registry enterprise, and
undoing a wrong tie (STYLE.md §2: every write of facts is here).

* :func:`record_fact` — idempotent per (kind, source, source record id): a first receipt
  creates the fact ("created"); the same source re-sending the same record moves only
  ``last_seen_at`` ("unchanged", no change-log row); a corrected record is saved with its
  before/after in the change log ("updated").  Another source's record is another fact:
  sources never overwrite each other.  The party is matched (``credit.matching``) on creation
  and when the party's identity changes — a match staff confirmed or undid stands otherwise.
  Dates follow ``credit.rules``: regime, publishability, publication deadline, publication
  (a 双公示 record is published by its source: its given 公示 date, else its decision date),
  publicity end.
* :func:`confirm_match` / :func:`reject_match` — staff decide on a name-only candidate (or tie
  an unmatched fact to an enterprise by hand);
* :func:`unmatch` — undo a wrong tie: the fact goes back to the review queue unmatched, the
  reason and the former enterprise in the change log and the event;
* :func:`revoke_fact` — the decision was revoked: the fact leaves public view at once (the
  rule allows 3 working days; the deadline is in the event);
* :func:`end_publicity` — publicity stops early: a granted credit repair, or a listing removed
  from its list;
* :func:`announce_import` — the one event of a bulk import (``importers.bulk_import_penalties``),
  which writes its facts set-wise rather than through :func:`record_fact`.

Region of a fact = its enterprise's region; ``None`` (city-wide) while unmatched.

Events (payloads JSON; ``enterprise_key`` = ``Enterprise.search_key`` when matched):

* ``credit.fact_recorded`` — ``{"fact", "kind", "source", "source_record_id", "outcome"
  ("created" | "updated" | "unchanged"), "match_status", "enterprise" (key or null),
  "decided_on", "severity"}``; emitted for every receipt (consumers ignore "unchanged");
* ``credit.fact_changed`` — on "updated", with ``"changed": [field names]`` and the previous
  ``"previous_enterprise"`` (key or null) when the match moved;
* ``credit.match_confirmed`` / ``credit.match_rejected`` / ``credit.match_undone``
  (``"reason"``, ``"previous_enterprise"``) / ``credit.fact_revoked`` (``"revoked_on"``,
  ``"withdraw_due"``) / ``credit.publicity_ended`` (``"ended_on"``, ``"repaired"``, ``"reason"``);
* ``credit.facts_imported`` — ``{"change_set", "kind", "created", "source"}``, subject the
  import's change set: the facts it created are those with ``created_in`` = that change set
  (one event per import instead of one per fact; facts it updated have their own events).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from zhiliang.core.events import emit, service
from zhiliang.core.permissions import codename, has_perm, recheck, require

from zhiliang.core.actors import is_user, not_future
from .. import rules
from ..choices import FactKind, FactStatus, MatchStatus, PartyKind, Procedure, Severity
from ..matching import match_party, source_key_of
from ..models import CreditFact

#: the fields a source may send (``record_fact(**fields)``)
FIELDS = (
    "party_kind", "party_uscc", "party_codes", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number", "person_id_type",
    "person_id_number", "title", "content", "legal_basis", "decision_no", "decided_on", "valid_from", "valid_until", "procedure",
    "is_warning_only", "is_criticism_or_low_fine", "fine_wan", "confiscated_wan", "licence_action", "severity", "authority",
    "authority_code", "published_on", "received",
)
#: a change of these re-runs the matching
IDENTITY_FIELDS = ("party_kind", "party_uscc", "party_codes", "party_name")
#: what makes a re-sent record "the same" (``last_seen_at`` and derived fields aside)
COMPARED = (*FIELDS, "party_name", "source_name", "source_department_id")
MATCHED = (MatchStatus.USCC, MatchStatus.IDENTIFIER, MatchStatus.CONFIRMED)

_NOT_GIVEN = object()


def _key(enterprise) -> str | None:
    return enterprise.search_key if enterprise is not None else None


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value)


def _clean(kind: str, source_record_id: str, party_name: str, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise TypeError(f"record_fact() got unexpected fields: {', '.join(unknown)}")
    if kind not in FactKind.values:
        raise ValidationError({"kind": f"未知的信用信息类别“{kind}”"})
    if not _text(source_record_id):
        raise ValidationError({"source_record_id": "缺少来源记录编号（如处罚决定书文号、样品编号）"})
    if not _text(party_name):
        raise ValidationError({"party_name": "缺少行政相对人名称"})
    values = dict(fields)
    for name in ("party_kind", "procedure", "severity"):
        values[name] = _text(values.get(name))
    values["party_kind"] = values["party_kind"] or PartyKind.LEGAL_ENTITY
    if values["party_kind"] not in PartyKind.values:
        raise ValidationError({"party_kind": f"未知的行政相对人类别“{values['party_kind']}”"})
    if values["procedure"] and values["procedure"] not in Procedure.values:
        raise ValidationError({"procedure": f"未知的处罚程序“{values['procedure']}”"})
    if values["severity"] and values["severity"] not in Severity.values:
        raise ValidationError({"severity": f"未知的严重程度“{values['severity']}”"})
    for name in ("fine_wan", "confiscated_wan"):
        if values.get(name) is not None:
            values[name] = Decimal(str(values[name]))
    for name in ("valid_from", "valid_until", "decided_on", "published_on"):
        value = values.get(name)
        if isinstance(value, datetime.datetime):
            values[name] = value.date()
    if values.get("valid_from") and values.get("valid_until") and values["valid_until"] < values["valid_from"]:
        raise ValidationError({"valid_until": f"有效期至 {values['valid_until']:%Y-%m-%d} 早于有效期自 {values['valid_from']:%Y-%m-%d}"})
    values["received"] = json.loads(json.dumps(values.get("received") or {}, cls=DjangoJSONEncoder))
    values["party_codes"] = {k: _text(v) for k, v in (values.get("party_codes") or {}).items() if _text(v)}
    values["party_uscc"] = _text(values.get("party_uscc")).upper()
    values["party_name"] = _text(party_name)
    values["source_record_id"] = _text(source_record_id)
    return values


def _derive(fact: CreditFact, published_on) -> None:
    """Regime, publishability, deadline, publication and publicity end from the rules."""
    fact.regime = rules.regime_on(fact.decided_on) if fact.decided_on else ""
    fact.is_publishable = rules.is_publishable(fact)
    fact.publish_due = rules.publish_due(fact.decided_on) if fact.kind == FactKind.PENALTY and fact.is_publishable and fact.decided_on else None
    if published_on is _NOT_GIVEN:
        published_on = fact.decided_on if fact.is_publishable else None
    fact.published_on = published_on if fact.is_publishable else None
    fact.publicity_ends_on = rules.publicity_end(fact) if fact.published_on else None
    if fact.repaired_on and (fact.publicity_ends_on is None or fact.repaired_on < fact.publicity_ends_on):
        fact.publicity_ends_on = fact.repaired_on


def _apply_match(fact: CreditFact) -> None:
    match = match_party(uscc=fact.party_uscc, codes=fact.party_codes, name=fact.party_name, party_kind=fact.party_kind)
    fact.enterprise = match.enterprise
    fact.candidate = match.candidate
    fact.match_status = match.status
    fact.region = match.enterprise.region if match.enterprise is not None else None


def _payload(fact: CreditFact, **extra) -> dict[str, Any]:
    return {
        "fact": fact.pk, "kind": fact.kind, "source": fact.source_key, "source_record_id": fact.source_record_id,
        "match_status": fact.match_status, "enterprise": _key(fact.enterprise), "decided_on": fact.decided_on,
        "severity": fact.severity, **extra,
    }


def _emit(name: str, fact: CreditFact, **extra) -> None:
    emit(name, _payload(fact, **extra), subject=fact, enterprise_key=_key(fact.enterprise) or "", region=fact.region)


def _require_staff_write(actor, fact: CreditFact, action: str) -> None:
    """A user may write a fact they may ``action`` (SYSTEM may always)."""
    if getattr(actor, "is_authenticated", False):
        require(fact, actor, action)


@service(event="credit.fact_recorded")
def record_fact(*, actor, kind: str, source_record_id: str, party_name: str, source_department=None, source_name: str = "",
                source_code: str = "", **fields) -> tuple[CreditFact, str]:
    """Record one fact as received from its source; returns ``(fact, outcome)``."""
    published_on = fields.pop("published_on", _NOT_GIVEN)
    values = _clean(kind, source_record_id, party_name, fields)
    source_key = source_key_of(source_department, source_name, source_code)
    if not source_key:
        raise ValidationError({"source_name": "请指定来源部门或数据来源单位"})
    source_name = _text(source_name) or (source_department.name if source_department is not None else "")
    values.update(source_name=source_name, source_department_id=source_department.pk if source_department is not None else None)
    now = timezone.now()
    fact = CreditFact.objects.select_for_update().filter(kind=kind, source_key=source_key, source_record_id=values["source_record_id"]).first()

    if fact is None:
        fact = CreditFact(kind=kind, source_key=source_key, first_seen_at=now, last_seen_at=now, **values)
        _apply_match(fact)
        _derive(fact, published_on)
        if getattr(actor, "is_authenticated", False) and not has_perm(actor, codename(CreditFact, "add")):
            raise PermissionDenied("无权新增信用信息")
        fact.save()
        # a department records its own facts: a user may only add facts inside their scope
        recheck(fact, actor, "add")
        _emit("credit.fact_recorded", fact, outcome="created")
        return fact, "created"

    _require_staff_write(actor, fact, "change")
    before = {name: getattr(fact, name) for name in (*COMPARED, "enterprise_id", "published_on")}
    same = all(before[name] == values.get(name, before[name]) for name in COMPARED) and (
        published_on is _NOT_GIVEN or published_on == fact.published_on
    )
    if same:
        CreditFact.objects.filter(pk=fact.pk).update(last_seen_at=now)
        fact.last_seen_at = now
        _emit("credit.fact_recorded", fact, outcome="unchanged")
        return fact, "unchanged"

    identity_changed = any(before[name] != values.get(name, before[name]) for name in IDENTITY_FIELDS)
    for name, value in values.items():
        setattr(fact, name, value)
    fact.last_seen_at = now
    if identity_changed:
        _apply_match(fact)
    _derive(fact, published_on)
    fact.save()
    recheck(fact, actor, "view")
    changed = sorted(name for name in before if before[name] != getattr(fact, name))
    previous = before["enterprise_id"]
    extra = {"changed": changed}
    if previous != fact.enterprise_id:
        from zhiliang.enterprises.models import Enterprise

        extra["previous_enterprise"] = _key(Enterprise.objects.filter(pk=previous).first()) if previous else None
    _emit("credit.fact_recorded", fact, outcome="updated")
    _emit("credit.fact_changed", fact, **extra)
    return fact, "updated"


@service(event="credit.match_confirmed")
def confirm_match(*, actor, fact: CreditFact, enterprise) -> CreditFact:
    """Staff confirm that ``fact`` is about ``enterprise`` (a name candidate, or an unmatched
    fact tied by hand)."""
    _require_staff_write(actor, fact, "change")
    if fact.match_status not in (MatchStatus.CANDIDATE, MatchStatus.UNMATCHED):
        raise ValidationError({"enterprise": f"该信用信息已{fact.get_match_status_display()}，如有错误请先撤销匹配"})
    if enterprise is None:
        raise ValidationError({"enterprise": "请选择企业"})
    fact.enterprise = enterprise
    fact.region = enterprise.region
    fact.candidate = None
    fact.match_status = MatchStatus.CONFIRMED
    fact.save()
    recheck(fact, actor, "change")
    _emit("credit.match_confirmed", fact)
    return fact


@service(event="credit.match_rejected")
def reject_match(*, actor, fact: CreditFact) -> CreditFact:
    """Staff reject a name-only candidate: the fact stays unmatched (and is kept)."""
    _require_staff_write(actor, fact, "change")
    if fact.match_status != MatchStatus.CANDIDATE:
        raise ValidationError({"candidate": "该信用信息没有待核对的候选企业"})
    rejected = fact.candidate
    fact.candidate = None
    fact.match_status = MatchStatus.UNMATCHED
    fact.save()
    recheck(fact, actor, "change")
    _emit("credit.match_rejected", fact, rejected=_key(rejected))
    return fact


@service(event="credit.match_undone")
def unmatch(*, actor, fact: CreditFact, reason: str) -> CreditFact:
    """Undo a wrong tie: the fact is unmatched again (back in the review queue, city-wide
    until staff tie it anew); a re-sent identical record does not re-tie it.  The actor must
    be allowed to change the fact before; afterwards it may have left a county's scope."""
    if not _text(reason):
        raise ValidationError({"reason": "请说明撤销匹配的原因"})
    _require_staff_write(actor, fact, "change")
    if fact.match_status not in MATCHED:
        raise ValidationError({"enterprise": f"该信用信息{fact.get_match_status_display()}，没有可撤销的匹配"})
    previous = fact.enterprise
    fact.enterprise = None
    fact.candidate = None
    fact.region = None
    fact.match_status = MatchStatus.UNMATCHED
    fact.save()
    emit("credit.match_undone", _payload(fact, reason=_text(reason), previous_enterprise=_key(previous)), subject=fact,
         enterprise_key=_key(previous) or "", region=previous.region if previous is not None else None)
    return fact


@service(event="credit.fact_revoked")
def revoke_fact(*, actor, fact: CreditFact, on: datetime.date) -> CreditFact:
    """The decision was revoked (e.g. by review or court, or a re-test overturned a failure):
    the fact leaves public view at once — within the 3 working days the rule allows — and
    stays visible to permitted staff with its history."""
    _require_staff_write(actor, fact, "change")
    from ..disputes_read import may_revoke

    if is_user(actor) and not may_revoke(actor, fact):
        source = fact.source_department.name if fact.source_department_id else fact.source_name
        raise PermissionDenied(f"该信用信息由“{source}”提供，撤销须由提供部门（或其承继单位）登记")
    if fact.status == FactStatus.REVOKED:
        raise ValidationError({"status": f"该信用信息已于 {fact.revoked_on:%Y-%m-%d} 撤销"})
    if fact.decided_on and on < fact.decided_on:
        raise ValidationError({"revoked_on": f"撤销日期 {on:%Y-%m-%d} 早于决定日期 {fact.decided_on:%Y-%m-%d}"})
    not_future(actor, on, "revoked_on", "撤销日期")  # revoked now: not on a later day
    fact.status = FactStatus.REVOKED
    fact.revoked_on = on
    fact.save()
    recheck(fact, actor, "view")
    _emit("credit.fact_revoked", fact, revoked_on=on, withdraw_due=rules.withdraw_due(on))
    return fact


@service(event="credit.publicity_ended")
def end_publicity(*, actor, fact: CreditFact, on: datetime.date, reason: str, repaired: bool = False) -> CreditFact:
    """Stop the publicity of ``fact`` early, from ``on`` (the fact leaves every public view that
    day and stays visible to permitted staff with its history): a granted credit repair
    (``repaired=True``: status "repaired") or the removal of a listing from its list.  An end
    already earlier than ``on`` stands."""
    _require_staff_write(actor, fact, "change")
    if fact.status == FactStatus.REVOKED:
        raise ValidationError({"status": f"该信用信息已于 {fact.revoked_on:%Y-%m-%d} 撤销"})
    if not _text(reason):
        raise ValidationError({"reason": "请说明停止公示的原因"})
    if fact.publicity_ends_on is None or on < fact.publicity_ends_on:
        fact.publicity_ends_on = on
    if repaired:
        fact.status = FactStatus.REPAIRED
        fact.repaired_on = on
    fact.save()
    recheck(fact, actor, "view")
    _emit("credit.publicity_ended", fact, ended_on=on, repaired=repaired, reason=_text(reason))
    return fact


@service(event="credit.facts_imported")
def announce_import(change_set, *, actor, kind: str, created: int, source: str = "") -> None:
    """The event of a bulk import that created ``created`` facts of ``kind`` in ``change_set``
    (the class of each enterprise concerned is recomputed on delivery)."""
    emit("credit.facts_imported", {"change_set": change_set.pk, "kind": str(kind), "created": created, "source": source},
         subject=change_set)
