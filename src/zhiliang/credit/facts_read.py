"""Read-side queries of the staff pages and API of credit facts and credit-risk classes (pure
reads, permission-aware).  ``credit.selectors`` holds the queries other parts of the app share
(``review_queue``, ``facts_of``); these are the fact pages' own.

* :func:`staff_facts` — the fact list: the user's own scope (county, department lineage), or
  with ``include_public`` also what is public today anywhere;
* :func:`history` — the change log of one object (the audit rows, personal fields already
  masked in them), newest first;
* :func:`received_rows` — the fields as the source sent them, any identity number masked;
* :func:`explanation_rows` — ``RiskAssessment.explanation`` (``docs/credit-class.md`` §6) as
  table rows, each counted fact with ``visible`` (the reader may open it);
* :func:`class_counts` — current classes per region within the reader's scope;
* :func:`export_rows` — the list's rows for CSV/XLSX (never personal data).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Case, Count, QuerySet, Value, When
from django.utils import timezone

from zhiliang.core.audit import mask_value
from zhiliang.core.models import ObjectChange, Region
from zhiliang.core.permissions import restrict, restrict_q
from zhiliang.enterprises.choices import EnterpriseStatus
from zhiliang.enterprises.models import Enterprise
from zhiliang.enterprises.selectors import user_region_ids

from .choices import FactKind, RiskClass
from .importers import looks_like_person_id
from .models import CreditFact, RiskAssessment

FACT_RELATED = ("source_department", "enterprise", "candidate", "region")


def staff_facts(user, *, include_public: bool = False) -> QuerySet[CreditFact]:
    """The facts of the staff list: those the user's own memberships cover (not merely public),
    or every fact the user may see when ``include_public``."""
    qs = CreditFact.objects.select_related(*FACT_RELATED)
    if include_public:
        return restrict(qs, user, "view")
    q = restrict_q(CreditFact, user, "view", own_scope_only=True)
    return qs if q is None else qs.filter(q)


def with_own(facts: QuerySet[CreditFact], user) -> QuerySet[CreditFact]:
    """``own`` on each fact: the user's own memberships cover it.  A fact seen only because it is
    shared or public shows its public fields only (the list, the export, the API)."""
    q = restrict_q(CreditFact, user, "view", own_scope_only=True)
    if q is None:
        return facts.annotate(own=Value(True, output_field=BooleanField()))
    return facts.annotate(own=Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField()))


def publicity_over(fact: CreditFact, today: datetime.date | None = None) -> bool:
    """已过公示期: the publicity end day has come (on the end day the fact leaves public view)."""
    today = today or timezone.localdate()
    return fact.publicity_ends_on is not None and fact.publicity_ends_on <= today


def history(obj) -> QuerySet[ObjectChange]:
    """The change-log rows of ``obj``, newest first (personal fields are masked in them)."""
    kind = ContentType.objects.get_for_model(type(obj), for_concrete_model=False)
    return ObjectChange.objects.filter(content_type=kind, object_id=str(obj.pk)).select_related("change_set").order_by("-time", "-pk")


def received_rows(fact: CreditFact) -> list[tuple[str, Any]]:
    """The source's own fields (``received``) in their order, an identity number masked even if
    a source sent it unmasked (the importers already mask theirs)."""
    rows = []
    for key, value in (fact.received or {}).items():
        text = value if isinstance(value, str) else ("" if value is None else str(value))
        rows.append((key, mask_value(text) if looks_like_person_id(text.strip().upper()) else value))
    return rows


# --- classes -----------------------------------------------------------------------------------------


@dataclass
class ExplanationRow:
    """One line of the class's explanation: an indicator, an override or the classification."""

    kind: str  # "indicator" | "override" | "classification"
    label: str
    group: str = ""
    code: str = ""
    points: Any = None
    risk_class: str = ""
    rules: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)


def explanation_rows(assessment: RiskAssessment, user) -> list[ExplanationRow]:
    """The stored explanation as rows; each fact reference gets ``visible`` (the user may open
    the fact) and ``kind_label``."""
    items = assessment.explanation or []
    ids = {f.get("id") for item in items for f in item.get("facts") or [] if isinstance(f.get("id"), int)}
    visible = set(restrict(CreditFact.objects.filter(pk__in=ids), user, "view").values_list("pk", flat=True)) if ids else set()
    kinds = dict(FactKind.choices)
    rows = []
    for item in items:
        rules = [{**r, "title": _rule_title(r.get("name"))} for r in (item.get("rule"), item.get("window"), item.get("cap")) if r]
        facts = [{**f, "visible": f.get("id") in visible, "kind_label": kinds.get(f.get("kind"), f.get("kind"))}
                 for f in item.get("facts") or []]
        if "override" in item:
            rows.append(ExplanationRow("override", item.get("label", ""), code=item["override"], risk_class=item.get("class") or "",
                                       rules=rules, facts=facts))
        elif "classification" in item:
            rows.append(ExplanationRow("classification", item.get("label", ""), points=item.get("score"),
                                       risk_class=item.get("classification") or "", rules=rules))
        else:
            rows.append(ExplanationRow("indicator", item.get("label", ""), group=item.get("group", ""), code=item.get("indicator", ""),
                                       points=item.get("points"), rules=rules, facts=facts))
    return rows


def _rule_title(name) -> str:
    from django.core.exceptions import ValidationError

    from zhiliang.core import rules as rule_registry

    try:
        return rule_registry.get(name).title
    except ValidationError:  # a rule of an older rule set, no longer in the catalogue
        return ""


def assessments(user) -> QuerySet[RiskAssessment]:
    return restrict(RiskAssessment.objects.select_related("enterprise", "region", "computed_by"), user, "view")


def enterprise_history(assessment: RiskAssessment, user) -> QuerySet[RiskAssessment]:
    """Every class of the assessment's enterprise the user may see, newest first."""
    return assessments(user).filter(enterprise_id=assessment.enterprise_id).order_by("-computed_at", "-pk")


@dataclass
class ClassRow:
    region: Region | None
    counts: dict[str, int]
    unclassified: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def class_counts(user) -> list[ClassRow]:
    """Current classes per region within the user's scope (``restrict``), plus the enterprises in
    operation in the user's regions that have no class yet (the pools treat them as B)."""
    classes = [c.value for c in RiskClass]
    grid: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(classes, 0))
    rows = assessments(user).filter(is_current=True).values("region_id", "risk_class").annotate(n=Count("pk")).order_by()
    for row in rows:
        grid[row["region_id"]][row["risk_class"]] += row["n"]
    region_ids = user_region_ids(user)
    waiting = Enterprise.objects.filter(status=EnterpriseStatus.ACTIVE).exclude(risk_assessments__is_current=True)
    if region_ids is not None:
        waiting = waiting.filter(region_id__in=region_ids)
    unclassified = dict(waiting.values_list("region_id").annotate(n=Count("pk")).order_by())
    for region_id in unclassified:
        _ = grid[region_id]  # a region with only unclassified enterprises gets its row
    regions = Region.objects.in_bulk([pk for pk in grid if pk is not None])
    out = [ClassRow(regions.get(pk), grid[pk], unclassified.get(pk, 0)) for pk in grid]
    return sorted(out, key=lambda r: (r.region is None, getattr(r.region, "sort_order", 0), getattr(r.region, "code", "")))


# --- export ------------------------------------------------------------------------------------------

EXPORT_HEADER = ["编号", "信息类别", "来源部门/单位", "来源记录编号", "行政相对人名称", "行政相对人类别", "统一社会信用代码", "主体匹配",
                 "匹配企业", "区划", "决定书文号", "事项", "决定日期", "罚款金额（万元）", "没收金额（万元）", "严重程度", "应予公示",
                 "公示日期", "公示截止日期", "已过公示期", "状态", "撤销日期"]


def export_rows(facts: QuerySet[CreditFact], user, limit: int):
    """One row per fact, in :data:`EXPORT_HEADER`'s order (no identity numbers, not even masked);
    a fact the user sees only because it is public gives its public fields only (as the API)."""
    today = timezone.localdate()
    for f in with_own(facts, user)[:limit].iterator(chunk_size=2000):
        own = f.own
        yield [
            f.pk, f.get_kind_display(), f.source_name or (f.source_department.name if f.source_department else f.source_key),
            f.source_record_id if own else "", f.party_name, f.get_party_kind_display() if own else "", f.party_uscc,
            f.get_match_status_display() if own else "", f.enterprise.name if own and f.enterprise else "",
            f.region.name if own and f.region else "", f.decision_no, f.title, f.decided_on,
            f.fine_wan, f.confiscated_wan, f.get_severity_display() if own and f.severity else "",
            ("是" if f.is_publishable else "否") if own else "",
            f.published_on, f.publicity_ends_on, "是" if publicity_over(f, today) else "否", f.get_status_display(),
            f.revoked_on if own else None,
        ]
