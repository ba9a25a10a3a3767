"""Read-side queries of credit facts (pure reads, permission-aware)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import BooleanField, Case, QuerySet, Value, When

from zhiliang.core.permissions import restrict, restrict_q

from .choices import MatchStatus, PartyKind
from .models import CreditFact, CreditReport


def review_queue(user) -> QuerySet[CreditFact]:
    """Facts waiting for staff to tie them to an enterprise, within the user's scope: name-only
    candidates first (confirm or reject), then unmatched facts of organisations (tie by hand).
    Natural persons are never matched, so they are not queued."""
    qs = CreditFact.objects.filter(match_status__in=(MatchStatus.CANDIDATE, MatchStatus.UNMATCHED)).exclude(
        party_kind=PartyKind.NATURAL_PERSON
    )
    # "candidate" sorts before "unmatched": the order of the credit_fact_review_queue index
    return restrict(qs, user, "change").select_related("candidate", "source_department").order_by("match_status", "-first_seen_at", "-pk")


def facts_of(enterprise, user) -> QuerySet[CreditFact]:
    """Every fact of ``enterprise`` the user may see (staff: expired, revoked and non-public
    facts too, with their history; others: the public ones)."""
    return restrict(CreditFact.objects.filter(enterprise=enterprise), user, "view").select_related("source_department")


def public_facts_of(enterprise) -> QuerySet[CreditFact]:
    """The facts of ``enterprise`` anyone may read today (``models.public_facts``, through the
    one permission mechanism as the anonymous public)."""
    return restrict(CreditFact.objects.filter(enterprise=enterprise), None, "view").select_related("source_department")


# --- the one-stop credit query (一站式信用查询, seed §三(七)) ---------------------------------------

#: rows read per kind of fact (the newest); the count says how many there are in all
PROFILE_LIMIT = 50

#: what a public fact row holds (``CreditFact.public_fields`` only — never ``personal_fields``)
PUBLIC_FACT_FIELDS = ("pk", *(f for f in CreditFact.public_fields if f != "kind"), "kind", "source_department__name")
#: what staff and the enterprise itself see besides (the personal fields only masked)
STAFF_FACT_FIELDS = (
    *PUBLIC_FACT_FIELDS, "status", "is_publishable", "procedure", "severity", "source_record_id", "revoked_on", "repaired_on",
    "publish_due", "match_status", "is_criticism_or_low_fine", "is_warning_only", "legal_rep_id_number", "person_id_number",
)
#: the personal fields of a fact: masked for staff and the enterprise, absent from public rows
PERSONAL = tuple(CreditFact.personal_fields)


def _is_public_expr():
    from django.db.models import BooleanField

    from .models import public_facts

    return Case(When(public_facts(), then=Value(True)), default=Value(False), output_field=BooleanField())


def profile_audience(enterprise, user, *, public: bool) -> str:
    """``"public"``, ``"enterprise"`` (an enterprise account of this enterprise, not staff) or
    ``"staff"``."""
    from zhiliang.core.permissions import is_staff_user

    if public or user is None or not getattr(user, "is_authenticated", False):
        return "public"
    if getattr(user, "is_superuser", False) or is_staff_user(user):
        return "staff"
    from zhiliang.enterprises.selectors import own_enterprise_ids

    return "enterprise" if enterprise.pk in own_enterprise_ids(user) else "public"


def _enterprise_facts(enterprise) -> dict:
    """The basic public registration facts (``Enterprise.public_fields``, no personal data)."""
    region = enterprise.region if enterprise.region_id else None
    return {
        "id": enterprise.pk, "name": enterprise.name, "uscc": enterprise.uscc or "", "legal_rep_name": enterprise.legal_rep_name,
        "entity_type": enterprise.entity_type, "legal_rep_title": str(enterprise.legal_rep_title),
        "region": region.name if region else "", "address": enterprise.address, "status": enterprise.status,
        "status_label": str(enterprise.get_status_display()), "established_on": enterprise.established_on,
        "registered_capital": enterprise.registered_capital, "industry_code": enterprise.industry_code,
    }


def credit_profile(enterprise, user, *, public: bool, on=None) -> dict:
    """Everything of ``enterprise``'s credit that the viewer may see, each part through
    ``restrict()`` (the public: ``restrict(…, None)``), in a constant number of queries:

    * ``kinds`` — facts grouped by kind (``FactKind`` order), each with its ``count`` and at most
      :data:`PROFILE_LIMIT` newest ``rows`` (dicts); public rows hold only
      ``CreditFact.public_fields`` (no personal data at all), staff/enterprise rows also the
      status, the publication flags and the personal fields masked;
    * ``assessment`` — the current credit-risk class with its explanation (staff and the
      enterprise itself only; ``None`` for the public);
    * ``lists`` — list entries (the public: published ones);
    * ``cases``, ``objections``, ``repairs`` — staff and the enterprise only (``None`` else).

    ``on`` (default today) is the date the profile is stated for; what is public is always
    judged for today (``models.public_facts``)."""
    from django.db.models import Count, F, Window
    from django.db.models.functions import RowNumber
    from django.utils import timezone

    from zhiliang.core.audit import mask_value

    from .choices import FactKind
    from .models import FactObjection, ListEntry, MeasureCase, RepairApplication, RiskAssessment

    on = on or timezone.localdate()
    audience = profile_audience(enterprise, user, public=public)
    viewer = None if audience == "public" else user
    full = audience != "public"

    base = restrict(CreditFact.objects.filter(enterprise=enterprise), viewer, "view")
    counts = {row["kind"]: row["n"] for row in base.order_by().values("kind").annotate(n=Count("pk"))}
    rows_qs = base.annotate(
        row_no=Window(RowNumber(), partition_by=[F("kind")], order_by=[F("decided_on").desc(nulls_last=True), F("pk").desc()]),
    )
    fields = STAFF_FACT_FIELDS if full else PUBLIC_FACT_FIELDS
    if full:
        rows_qs = rows_qs.annotate(is_public=_is_public_expr())
        fields = (*fields, "is_public")
        # a fact the viewer reads only as public or shared (another county's, another department's):
        # no identity numbers, not even masked — as its own page and the API give it
        own_q = restrict_q(CreditFact, viewer, "view", own_scope_only=True)
        if own_q is not None:
            rows_qs = rows_qs.annotate(own=Case(When(own_q, then=Value(True)), default=Value(False), output_field=BooleanField()))
            fields = (*fields, "own")
    rows_by_kind: dict[str, list] = {}
    for row in rows_qs.filter(row_no__lte=PROFILE_LIMIT).order_by("kind", "row_no").values(*fields):
        row["id"] = row.pop("pk")
        row["source_department"] = row.pop("source_department__name") or ""
        row["kind_label"] = str(FactKind(row["kind"]).label)
        if full:
            from .choices import FactStatus

            row["status_label"] = str(FactStatus(row["status"]).label)
            own = row.pop("own", True)
            for name in PERSONAL:
                row[name] = mask_value(row[name]) if own else ""
        rows_by_kind.setdefault(row["kind"], []).append(row)
    kinds = [
        {"kind": kind.value, "label": str(kind.label), "count": counts[kind.value], "rows": rows_by_kind.get(kind.value, []),
         "limited": counts[kind.value] > len(rows_by_kind.get(kind.value, []))}
        for kind in FactKind if counts.get(kind.value)
    ]

    assessment = None
    if full:
        current = restrict(RiskAssessment.objects.filter(enterprise=enterprise, is_current=True), viewer, "view").first()
        if current is not None:
            assessment = {"risk_class": current.risk_class, "label": str(current.get_risk_class_display()), "score": current.score,
                          "rule_set": current.rule_set, "computed_at": current.computed_at, "explanation": current.explanation}

    entries_qs = restrict(ListEntry.objects.filter(enterprise=enterprise), viewer, "view").order_by("-proposed_on", "-pk")
    entries = []
    for e in entries_qs[:PROFILE_LIMIT]:
        row = {"id": e.pk, "list_kind": e.list_kind, "list_label": str(e.get_list_kind_display()), "grounds": e.grounds,
               "legal_basis": e.legal_basis, "decision_no": e.decision_no, "decided_on": e.decided_on, "published_on": e.published_on,
               "removal_apply_from": e.removal_apply_from, "auto_removal_on": e.auto_removal_on}
        if full:
            row.update(status=e.status, status_label=str(e.get_status_display()), proposed_on=e.proposed_on, removed_on=e.removed_on,
                       removal_applied_on=e.removal_applied_on, removal_way=str(e.get_removal_way_display()) if e.removal_way else "")
        entries.append(row)

    cases = objections = repairs = None
    if full:
        cases = [
            {"id": c.pk, "measure_code": c.measure.code, "measure": c.measure.content, "domain": c.measure.domain,
             "kind_label": str(c.measure.get_kind_display()), "executing_department": c.executing_department.name,
             "status": c.status, "status_label": str(c.get_status_display()), "opened_on": c.opened_on, "feedback_due": c.feedback_due,
             "ends_on": c.ends_on, "closed_on": c.closed_on}
            for c in restrict(MeasureCase.objects.filter(enterprise=enterprise), viewer, "view")
            .select_related("measure", "executing_department").order_by("-opened_on", "-pk")[:PROFILE_LIMIT]
        ]
        objections = [
            {"id": o.pk, "fact_id": o.fact_id, "status": o.status, "status_label": str(o.get_status_display()), "filed_on": o.filed_on,
             "review_due": o.review_due, "decided_on": o.decided_on, "grounds": o.grounds, "decision_note": o.decision_note}
            for o in restrict(FactObjection.objects.filter(enterprise=enterprise), viewer, "view")
            .defer("evidence").order_by("-filed_on", "-pk")[:PROFILE_LIMIT]
        ]
        repairs = [
            {"id": r.pk, "fact_id": r.fact_id, "status": r.status, "status_label": str(r.get_status_display()), "applied_on": r.applied_on,
             "decision_due": r.decision_due, "decided_on": r.decided_on, "eligible_from": r.eligible_from, "decision_note": r.decision_note}
            for r in restrict(RepairApplication.objects.filter(enterprise=enterprise), viewer, "view")
            .defer("commitment", "proof").order_by("-applied_on", "-pk")[:PROFILE_LIMIT]
        ]

    return {
        "audience": audience,
        "on": on,
        "enterprise": _enterprise_facts(enterprise),
        "kinds": kinds,
        "counts": {k["kind"]: k["count"] for k in kinds},
        "total_facts": sum(counts.values()),
        "assessment": assessment,
        "lists": entries,
        "cases": cases,
        "objections": objections,
        "repairs": repairs,
    }


# --- the credit report's verification ----------------------------------------------------------------

#: the verification code's alphabet: no 0/O, 1/I/L (unambiguous on paper)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16
CODE_GROUP = 4


def normalise_code(text: str | None) -> str:
    """A code as typed (lower case, spaces, missing or extra dashes, full-width characters) in
    its printed form; ``""`` when it cannot be a code."""
    import unicodedata

    raw = "".join(ch for ch in unicodedata.normalize("NFKC", text or "").upper() if ch.isalnum())
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return ""
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def to_json(value: Any) -> Any:
    """``value`` as plain JSON data (dates ISO strings, decimals strings, lazy labels text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def canonical_json(snapshot: Any) -> bytes:
    """The canonical form the digest is computed over: keys sorted, no spaces, UTF-8."""
    return json.dumps(snapshot, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def digest_of(snapshot: Any) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def summary_of(snapshot: dict) -> dict:
    """The short summary of a report shown on verification: enterprise, counts per kind, the
    class (when the report holds one), lists."""
    snapshot = snapshot if isinstance(snapshot, dict) else {}
    kinds = snapshot.get("kinds") or []
    assessment = snapshot.get("assessment") or None
    return {
        "enterprise": snapshot.get("enterprise") or {},
        "as_of": snapshot.get("on"),
        "kinds": [{"label": k.get("label"), "count": k.get("count")} for k in kinds if isinstance(k, dict)],
        "total_facts": snapshot.get("total_facts", 0),
        "risk_class": (assessment or {}).get("label") if isinstance(assessment, dict) else None,
        "lists": [{"label": e.get("list_label"), "decision_no": e.get("decision_no"), "published_on": e.get("published_on")}
                  for e in snapshot.get("lists") or [] if isinstance(e, dict)],
    }


def verify_report(code: str) -> dict:
    """What a printed code proves.  The code is the capability: a report is found by its code
    alone (``CreditReport`` has no public rows for ``restrict``), and only what was printed is
    shown (its snapshot's summary — a public report's holds no personal data; a staff report's
    summary is counts and names only)."""
    normal = normalise_code(code)
    report = CreditReport.objects.select_related("enterprise").filter(code=normal).first() if normal else None
    if report is None:
        return {"found": False, "code": normal or (code or "").strip()[:40]}
    return {
        "found": True,
        "code": report.code,
        "report": report,
        "enterprise_name": (report.snapshot or {}).get("enterprise", {}).get("name") if isinstance(report.snapshot, dict) else "",
        "enterprise": report.enterprise,
        "issued_at": report.issued_at,
        "audience": report.get_audience_display(),
        "digest": report.digest,
        "matches": digest_of(report.snapshot) == report.digest,
        "summary": summary_of(report.snapshot),
    }
