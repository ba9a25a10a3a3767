"""Reads of the joint reward and punishment part (联合奖惩): the department's inbox, overdue
cases, statistics, and the match used by procurement, bidding and subsidy systems.  Every
query starts from ``restrict()``; the writes are in :mod:`zhiliang.credit.services.measures`.

**Match** (:func:`match`): a query is a USCC or a name.  A valid USCC matches the enterprise
holding it (score 1.0); an invalid one is answered with what is wrong with it.  A name finds
candidates through ``core.search`` (the name, its core without region prefix and legal form,
and each half of the core — so one wrong character still finds it) and scores them: the
exact name 1.0, an exact former name 0.95, the same core under another region prefix or legal
form 0.9, otherwise the character-bigram Dice similarity of the cores (a former name's times
0.95) — the 字号 and trade tell enterprises apart, and the 十堰市…有限公司 around them, which
most names share, would otherwise make strangers look alike; matches below :data:`MIN_SCORE` are dropped, the best
:data:`MAX_MATCHES` kept.  Each match carries the lists in force (public information) and the
measures in force: the catalogue measures of the lists it is on, and the measures of the
cases the caller may see (a class-based case reveals the credit class, which is not public).
No personal data: the enterprise's id, USCC, name, region and status only.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from zhiliang.core import search, workdays
from zhiliang.core.permissions import restrict
from zhiliang.core.uscc import validate_uscc

from .choices import CaseStatus, FeedbackOutcome, ListEntryStatus, ListKind, MeasureTrigger
from .models import ListEntry, Measure, MeasureCase, MeasureFeedback

OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.FED_BACK)
LIST_TRIGGERS = {ListKind.SERIOUS: MeasureTrigger.SERIOUS_LIST, ListKind.RED: MeasureTrigger.RED_LIST}
MIN_SCORE = 0.6
MAX_MATCHES = 5
MAX_QUERIES = 100
FORMER_NAME_FACTOR = 0.95
#: the same 字号 and trade under another region prefix or legal form
SAME_CORE_SCORE = 0.9
#: candidates read from the index per search term
CANDIDATES_PER_TERM = 50


# --- the department's cases ------------------------------------------------------------------------------


def department_inbox(user):
    """The cases the user works on or oversees: a department's staff the cases it executes, a
    county's staff its county's, the city admin and the auditor all.  Due first."""
    return (restrict(MeasureCase.objects.all(), user, "view")
            .select_related("measure", "enterprise", "region", "executing_department", "list_entry")
            .order_by("feedback_due", "pk"))


def overdue_cases(user, on: datetime.date | None = None):
    """Open cases (no feedback yet) past their feedback deadline on ``on`` (default today)."""
    on = on or timezone.localdate()
    return department_inbox(user).filter(status=CaseStatus.OPEN, feedback_due__lt=on)


def overdue_days(case: MeasureCase, on: datetime.date | None = None) -> int:
    """Working days past the feedback deadline of an open case (0 when not overdue)."""
    on = on or timezone.localdate()
    if case.status != CaseStatus.OPEN or case.feedback_due >= on:
        return 0
    return int(workdays.working_days_between(case.feedback_due, on))


def measure_statistics(user, start: datetime.date, end: datetime.date, on: datetime.date | None = None) -> dict[str, Any]:
    """Figures for the cases opened from ``start`` to ``end`` (inclusive) that the user may see:
    per measure and per executing department the cases opened, fed back (at least one
    report), still open past their deadline on ``on`` (default today: overdue), and their
    feedback by outcome; the outcome totals and the grand totals."""
    on = on or timezone.localdate()
    cases = restrict(MeasureCase.objects.filter(opened_on__gte=start, opened_on__lte=end), user, "view")
    counts = dict(
        opened=Count("pk", distinct=True),
        fed_back=Count("pk", filter=Q(feedback__isnull=False), distinct=True),
        overdue=Count("pk", filter=Q(status=CaseStatus.OPEN, feedback_due__lt=on), distinct=True),
        closed=Count("pk", filter=Q(status=CaseStatus.CLOSED), distinct=True),
    )
    feedback = restrict(MeasureFeedback.objects.filter(case__in=cases.values("pk")), user, "view")
    outcome_by_measure: dict[int, dict[str, int]] = defaultdict(dict)
    outcome_by_department: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_outcome = {value: 0 for value in FeedbackOutcome.values}
    for row in feedback.values("case__measure_id", "case__executing_department_id", "outcome").annotate(n=Count("pk")).order_by():
        outcome_by_measure[row["case__measure_id"]][row["outcome"]] = outcome_by_measure[row["case__measure_id"]].get(row["outcome"], 0) + row["n"]
        outcome_by_department[row["case__executing_department_id"]][row["outcome"]] += row["n"]
        by_outcome[row["outcome"]] += row["n"]

    def outcomes(found: dict[str, int]) -> list[int]:
        return [found.get(value, 0) for value in FeedbackOutcome.values]

    by_measure = [
        {**row, "outcomes": outcomes(outcome_by_measure.get(row["measure_id"], {})),
         "feedback": sum(outcome_by_measure.get(row["measure_id"], {}).values())}
        for row in cases.values("measure_id", "measure__code", "measure__domain", "measure__content", "measure__kind",
                                "executing_department__name").annotate(**counts).order_by("measure__code")
    ]
    by_department = [
        {**row, "outcomes": outcomes(outcome_by_department.get(row["executing_department_id"], {})),
         "feedback": sum(outcome_by_department.get(row["executing_department_id"], {}).values())}
        for row in cases.values("executing_department_id", "executing_department__code", "executing_department__name")
        .annotate(**counts).order_by("executing_department__code")
    ]
    totals = cases.aggregate(**counts)
    totals["feedback"] = sum(by_outcome.values())
    return {"start": start, "end": end, "on": on, "by_measure": by_measure, "by_department": by_department,
            "by_outcome": by_outcome, "outcome_labels": list(FeedbackOutcome.labels), "totals": totals}


# --- the match -------------------------------------------------------------------------------------------

REGION_PREFIXES = ("湖北省", "十堰市", "茅箭区", "张湾区", "郧阳区", "郧西县", "竹山县", "竹溪县", "房县", "丹江口市", "十堰", "湖北")
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "合作社", "个体工商户", "厂", "店")


def clean_text(text: str | None) -> str:
    """``text`` without control characters (a NUL cannot even reach PostgreSQL)."""
    return "".join(ch for ch in (text or "") if not unicodedata.category(ch).startswith("C"))


def normalise_name(name: str | None) -> str:
    """NFKC (full-width brackets folded), lower case, whitespace and control characters removed."""
    return "".join(clean_text(unicodedata.normalize("NFKC", name or "")).lower().split())


_BRACKETED = re.compile(r"\([^()]{1,8}\)")


def bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} if len(text) > 1 else ({text} if text else set())


def dice(a: str, b: str) -> float:
    """Character-bigram Dice similarity of two normalised names, in [0, 1]."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def core_name(name: str) -> str:
    """A normalised name without a leading region, a short bracketed part (a place or
    country: 东风华丰(十堰)汽车部件, 某某(中国)) and a trailing legal form (十堰精工汽车零部件
    有限公司 → 精工汽车零部件)."""
    core = _BRACKETED.sub("", name) or name
    for prefix in REGION_PREFIXES:
        if core.startswith(prefix) and len(core) > len(prefix) + 1:
            core = core[len(prefix):]
            break
    for form in LEGAL_FORMS:
        if core.endswith(form) and len(core) > len(form) + 1:
            core = core[: -len(form)]
            break
    return core


def similarity(query: str, name: str) -> float:
    """How alike two different normalised names are: :data:`SAME_CORE_SCORE` for the same core
    (十堰精工汽车零部件有限公司 and 精工汽车零部件公司), else the Dice similarity of the cores —
    十堰市华康食品有限公司 and 十堰市精工食品有限公司 share 7 of their 10 bigrams (0.7), their
    cores 华康食品 and 精工食品 one of 3 (0.33)."""
    query_core, name_core = core_name(query), core_name(name)
    return SAME_CORE_SCORE if query_core == name_core else dice(query_core, name_core)


def name_score(query: str, enterprise) -> tuple[float, str]:
    """(score, how) of an enterprise for a normalised name query."""
    name = normalise_name(enterprise.name)
    if query == name:
        return 1.0, "name"
    formers = [normalise_name(f) for f in (enterprise.former_names or []) if isinstance(f, str)]
    if query in formers:
        return FORMER_NAME_FACTOR, "former_name"
    best, how = similarity(query, name), "similar_name"
    for former in formers:
        score = FORMER_NAME_FACTOR * similarity(query, former)
        if score > best:
            best, how = score, "similar_former_name"
    return round(best, 3), how


def _search_terms(query: str) -> list[str]:
    core = core_name(query)
    half = len(core) // 2
    terms = [query, core]
    if len(core) >= 4:
        terms += [core[:half], core[half:]]
    return [t for t in dict.fromkeys(terms) if len(t) >= 2]


def name_candidates(query: str) -> set[int]:
    """Ids of enterprises the index finds for a normalised name (see :func:`_search_terms`)."""
    ids: set[int] = set()
    for term in _search_terms(query):
        try:
            found = search.search(term, kinds=["enterprise"], user=None, per_page=CANDIDATES_PER_TERM)
        except search.QueryTooShort:
            continue
        ids.update(int(hit.object_id) for hit in found.hits if str(hit.object_id).isdigit())
    return ids


def _enterprise_dict(enterprise) -> dict[str, Any]:
    return {"id": enterprise.pk, "uscc": enterprise.uscc or None, "name": enterprise.name,
            "region": {"code": enterprise.region.code, "name": enterprise.region.name} if enterprise.region_id else None,
            "status": enterprise.status}


def _measure_dict(measure: Measure) -> dict[str, Any]:
    return {"code": measure.code, "kind": measure.kind, "trigger": measure.trigger, "domain": measure.domain, "cause": measure.cause,
            "legal_basis": measure.legal_basis, "content": measure.content,
            "requesting_department": {"code": measure.requesting_department.code, "name": measure.requesting_department.name},
            "executing_department": {"code": measure.executing_department.code, "name": measure.executing_department.name},
            "duration_months": measure.duration_months}


def _case_dict(case: MeasureCase) -> dict[str, Any]:
    return {"id": case.pk, "status": case.status, "opened_on": case.opened_on, "feedback_due": case.feedback_due, "ends_on": case.ends_on}


def in_force(enterprise_ids: list[int], user, domain: str = "") -> dict[int, dict[str, list]]:
    """For each enterprise: the lists it is on (published entries) and the measures in force
    (catalogue measures of those lists, and of the open cases ``user`` may see), the measures
    only of ``domain`` when given."""
    result: dict[int, dict[str, list]] = {pk: {"lists": [], "measures": []} for pk in enterprise_ids}
    if not enterprise_ids:
        return result
    triggers: dict[int, set[str]] = defaultdict(set)
    for entry in ListEntry.objects.filter(enterprise_id__in=enterprise_ids, status=ListEntryStatus.PUBLISHED).order_by("published_on", "pk"):
        result[entry.enterprise_id]["lists"].append({
            "kind": entry.list_kind, "kind_label": str(entry.get_list_kind_display()), "decision_no": entry.decision_no,
            "decided_on": entry.decided_on, "published_on": entry.published_on, "grounds": entry.grounds, "legal_basis": entry.legal_basis,
        })
        triggers[entry.enterprise_id].add(LIST_TRIGGERS[entry.list_kind])
    measures = Measure.objects.select_related("requesting_department", "executing_department")
    if domain:
        measures = measures.filter(domain=domain)
    catalogue = list(measures.filter(is_active=True, trigger__in={t for ts in triggers.values() for t in ts}).order_by("code"))
    cases: dict[tuple[int, int], MeasureCase] = {}
    case_qs = restrict(MeasureCase.objects.filter(enterprise_id__in=enterprise_ids, status__in=OPEN_STATUSES), user, "view")
    if domain:
        case_qs = case_qs.filter(measure__domain=domain)
    case_measures: dict[int, Measure] = {}
    for case in case_qs.select_related("measure", "measure__requesting_department", "measure__executing_department").order_by("pk"):
        cases[(case.enterprise_id, case.measure_id)] = case
        case_measures[case.measure_id] = case.measure
    for pk in enterprise_ids:
        chosen = {m.pk: m for m in catalogue if m.trigger in triggers[pk]}
        chosen.update({mid: case_measures[mid] for (eid, mid) in cases if eid == pk})
        for measure in sorted(chosen.values(), key=lambda m: m.code):
            case = cases.get((pk, measure.pk))
            result[pk]["measures"].append({**_measure_dict(measure), "case": _case_dict(case) if case is not None else None})
    return result


def _match_one(query: dict[str, str]) -> tuple[list[tuple[Any, float, str]], str | None]:
    from zhiliang.enterprises.models import Enterprise

    if query.get("uscc"):
        checked = validate_uscc(query["uscc"])
        if not checked.valid:
            return [], f"统一社会信用代码“{query['uscc']}”无效：{'；'.join(checked.errors)}"
        found = Enterprise.objects.select_related("region").filter(uscc=checked.code).first()
        return ([(found, 1.0, "uscc")] if found is not None else []), None
    name = normalise_name(query.get("name"))
    if len(name) < 2:
        return [], f"名称“{query.get('name', '')}”过短：请至少输入两个字"
    ids = name_candidates(name)
    scored = []
    for enterprise in Enterprise.objects.select_related("region").filter(pk__in=ids):
        score, how = name_score(name, enterprise)
        if score >= MIN_SCORE:
            scored.append((enterprise, score, how))
    scored.sort(key=lambda item: (-item[1], item[0].name, item[0].pk))
    return scored[:MAX_MATCHES], None


def match(queries: list[dict[str, str]], user, domain: str = "") -> list[dict[str, Any]]:
    """Answer each query (``{"uscc": …}`` or ``{"name": …}``): its matches, best first, each
    with ``match_score``, the lists and the measures in force (see the module docstring)."""
    domain = clean_text(domain).strip()
    found = [_match_one(q) for q in queries]
    ids = sorted({e.pk for matches, _ in found for e, _, _ in matches})
    details = in_force(ids, user, domain)
    answers = []
    for query, (matches, error) in zip(queries, found):
        answers.append({
            "query": query, "error": error,
            "matches": [{"enterprise": _enterprise_dict(e), "match_score": score, "matched_on": how, **details[e.pk]} for e, score, how in matches],
        })
    return answers
