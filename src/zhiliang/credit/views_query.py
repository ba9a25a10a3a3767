"""一站式信用查询 (seed §三(七)): the credit pages of an enterprise for staff, for the
enterprise itself and for the public, the printable credit report and its verification.

* staff: ``/staff/credit/`` (find an enterprise within one's own scope),
  ``/staff/credit/enterprises/<pk>/`` (its whole credit file; 404 outside one's scope),
  ``…/report.pdf`` (POST: issue the staff report);
* enterprise accounts: ``/staff/credit/my/`` (its own credit with the objection, repair and
  removal actions), ``/staff/credit/my/report.pdf`` (POST: its own report);
* public (anonymous, throttled like the public search: per address, per account when signed in): ``/xinyong/`` (search by a name
  fragment of two characters or a USCC), ``/xinyong/e/<key>/`` (the public credit page; the key
  is the enterprise's id as in ``/qiye/<id>/``, or its USCC), ``…/report.pdf`` (GET: issue a
  public report), ``/xinyong/verify/`` (check a printed report's code).

Every read goes through ``selectors.credit_profile`` (``restrict()`` on each part); reports are
issued by ``services.reports.issue_report``.
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, When
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiliang.core import search as core_search
from zhiliang.core.audit import audit_context
from zhiliang.core.choices import ChangeSource
from zhiliang.core.permissions import get_for_user, in_own_scope, restrict_q
from zhiliang.core.sections import render_sections
from zhiliang.core.views import form_errors_message, public_throttle, staff_required, web_context
from zhiliang.enterprises.filtersets import search_filter
from zhiliang.enterprises.models import Enterprise
from zhiliang.enterprises.selectors import own_enterprise_ids

from . import rules
from .choices import ADVERSE_KINDS, ListEntryStatus, ListKind
from .models import CreditFact
from .selectors import credit_profile, verify_report
from .services import reports

USCC_LIKE = re.compile(r"^[0-9A-Z]{18}$")
#: enterprises listed by a search (ranked); a longer query narrows
SEARCH_LIMIT = 50
#: the public pages share the public search's rate; issuing a report is a write: its own group
public_page = public_throttle("credit-public")
public_report_limit = public_throttle("credit-report")






def _staff_enterprise(user, pk: int) -> Enterprise:
    """The enterprise if it is within the user's own scope (its region), else 404."""
    enterprise = get_for_user(Enterprise.objects.select_related("region"), user, pk=pk)
    if not in_own_scope(enterprise, user):
        raise Http404(_("企业不存在或不在您的管辖范围内"))
    return enterprise


def _public_enterprise(key: str) -> Enterprise:
    """By id (as ``/qiye/<id>/``) or by USCC; 404 otherwise."""
    qs = Enterprise.objects.select_related("region")
    lookup = {"pk": int(key)} if key.isdigit() else {"uscc": key.upper()}
    return get_for_user(qs, None, **lookup)


def find_enterprises(query: str, user, *, own_scope: bool) -> tuple[list[Enterprise] | None, str]:
    """Enterprises matching a USCC (exactly; as printed, in groups with spaces or hyphens, too)
    or a name fragment of at least two characters (``core.search``), ranked; ``user=None``
    searches the public index.  With ``own_scope`` only enterprises within the user's own
    scope are kept.  Returns (enterprises, note) — ``None`` and why when the query is refused."""
    qs = Enterprise.objects.select_related("region")
    if own_scope:
        q = restrict_q(Enterprise, user, "view", own_scope_only=True)
        if q is not None:
            qs = qs.filter(q)
    code = re.sub(r"[\s\-－]", "", query).upper()
    if USCC_LIKE.match(code):
        from django.db.models import Q

        return list(qs.filter(Q(uscc=code) | Q(identifiers__value=code)).distinct()[:SEARCH_LIMIT]), ""
    if own_scope:
        # staff: the matches within their own scope (a county's 汽车 are a few dozen among
        # thousands city-wide — filtered before the limit, not after), by name
        if len(query) < core_search.MIN_QUERY_CHARS:
            return None, _("请至少输入两个字，或完整的统一社会信用代码")
        matches = search_filter(qs, "enterprise", query, uscc_field="uscc").order_by("name", "pk")
        found = list(matches[:SEARCH_LIMIT + 1])
        note = ""
        if len(found) > SEARCH_LIMIT:
            found = found[:SEARCH_LIMIT]
            note = _("匹配的企业超过 %(n)s 家，只列出前 %(n)s 家；请输入更完整的名称。") % {"n": SEARCH_LIMIT}
        return found, note
    try:
        results = core_search.search(query, kinds=["enterprise"], user=user, page=1, per_page=core_search.MAX_PER_PAGE)
    except ValidationError as exc:
        return None, form_errors_message(exc)
    ids = [int(h.object_id) for h in results.hits][:SEARCH_LIMIT]
    if not ids:
        return [], ""
    order = Case(*[When(pk=pk, then=i) for i, pk in enumerate(ids)], output_field=IntegerField())
    found = list(qs.filter(pk__in=ids).order_by(order))
    note = ""
    if results.count_is_estimate and len(ids) >= SEARCH_LIMIT:
        # the index's estimate counts the word in every kind of entry (products, samples …): no number
        note = _("匹配的企业超过 %(n)s 家，只列出最相关的 %(n)s 家；请输入更完整的名称。") % {"n": len(ids)}
    elif not results.count_is_estimate and results.count > len(ids):
        note = _("共 %(total)s 家企业匹配，只列出最相关的 %(n)s 家；请输入更完整的名称。") % {"total": results.count, "n": len(ids)}
    return found, note


def _pdf_response(report, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="credit-report-{report.code}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _verify_url(request) -> str:
    return request.build_absolute_uri(reverse("credit:verify"))


def _pending(profile) -> tuple[set, set]:
    """Facts with a pending objection / a pending repair application (from the profile)."""
    objected = {o["fact_id"] for o in profile.get("objections") or [] if o["status"] == "pending"}
    repairing = {r["fact_id"] for r in profile.get("repairs") or [] if r["status"] == "pending"}
    return objected, repairing


# --- staff ----------------------------------------------------------------------------------------


@staff_required
def staff_search(request):
    """企业信用查询: find an enterprise within one's own scope and open its credit file."""
    query = (request.GET.get("q") or "").strip()[:100]
    found, note = find_enterprises(query, request.user, own_scope=True) if query else ([], "")
    return render(request, "credit/query/staff_search.html", {"query": query, "enterprises": found, "note": note})


@staff_required
def enterprise_credit(request, pk: int):
    """企业信用档案: everything of the enterprise's credit the user may see, the other apps'
    sections of the enterprise page (samples …), and the report button."""
    enterprise = _staff_enterprise(request.user, pk)
    profile = credit_profile(enterprise, request.user, public=False)
    sections = [s for s in render_sections("enterprise", enterprise, request.user, public=False, request=request)
                if s.key not in ("credit", "basic")]
    objected, repairing = _pending(profile)
    return render(request, "credit/query/enterprise_credit.html", {
        "enterprise": enterprise, "profile": profile, "sections": sections, "objected": objected, "repairing": repairing,
    })


@staff_required
@require_POST
def staff_report(request, pk: int):
    """打印信用报告 (工作人员版): issue the report and return its PDF."""
    enterprise = _staff_enterprise(request.user, pk)
    with web_context(request, f"出具信用报告（工作人员版）：{enterprise.name}（{enterprise.uscc or enterprise.pk}）"):
        report, data = reports.issue_report(actor=request.user, enterprise=enterprise, audience="staff", verify_url=_verify_url(request))
    return _pdf_response(report, data)


# --- the enterprise's own account --------------------------------------------------------------------


def _own_enterprises(user) -> list[Enterprise]:
    return list(Enterprise.objects.filter(pk__in=own_enterprise_ids(user)).select_related("region").order_by("name"))


def _my_enterprise(request) -> tuple[Enterprise, list[Enterprise]]:
    own = _own_enterprises(request.user)
    if not own:
        raise PermissionDenied(_("您的账号未绑定企业，无法查看企业信用信息"))
    chosen = request.GET.get("e") or request.POST.get("e")
    if chosen:
        match = [e for e in own if str(e.pk) == chosen]
        if not match:
            raise Http404(_("企业不存在或不是您的企业"))
        return match[0], own
    return own[0], own


def _eligibility(row, today) -> dict:
    """The repair action of one adverse fact row: possible today, or why not (the rule's
    reason, the end of publicity, or the first eligible date)."""
    fact = CreditFact(publicity_ends_on=row.get("publicity_ends_on"),
                      **{k: row[k] for k in ("kind", "status", "published_on", "decided_on", "is_publishable", "licence_action",
                                             "is_criticism_or_low_fine", "title", "legal_basis", "content", "severity")})
    day, _reason = rules.repair_eligibility(fact)
    refusal = rules.repair_refusal(fact, today)
    ended = fact.publicity_ends_on is not None and fact.publicity_ends_on <= today
    return {"from": None if ended else day, "reason": refusal, "now": not refusal}


@login_required
def my_credit(request):
    """我的信用: the enterprise account's own credit, with 提出异议 / 申请信用修复 on each adverse
    fact and 申请移出 on its list entries."""
    enterprise, own = _my_enterprise(request)
    profile = credit_profile(enterprise, request.user, public=False)
    today = timezone.localdate()
    objected, repairing = _pending(profile)
    for kind in profile["kinds"]:
        for row in kind["rows"]:
            row["adverse"] = row["kind"] in ADVERSE_KINDS
            if row["adverse"] and row.get("status") == "active":
                row["repair"] = _eligibility(row, today)
    for entry in profile["lists"]:
        entry["may_apply_removal"] = (entry["list_kind"] == ListKind.SERIOUS and entry.get("status") == ListEntryStatus.PUBLISHED
                                      and not entry.get("removal_applied_on")
                                      and entry.get("removal_apply_from") is not None and entry["removal_apply_from"] <= today)
    return render(request, "credit/query/my_credit.html", {
        "enterprise": enterprise, "own": own, "profile": profile, "objected": objected, "repairing": repairing, "today": today,
    })


@login_required
@require_POST
def my_report(request):
    """企业自查版信用报告."""
    enterprise, _own = _my_enterprise(request)
    with web_context(request, f"出具信用报告（企业自查版）：{enterprise.name}"):
        report, data = reports.issue_report(actor=request.user, enterprise=enterprise, audience="enterprise",
                                            verify_url=_verify_url(request))
    return _pdf_response(report, data)


# --- public -------------------------------------------------------------------------------------------------


@public_page
def public_search(request):
    """信用查询: search enterprises by a name fragment (≥ 2 characters) or a USCC; public index only."""
    query = (request.GET.get("q") or "").strip()[:100]
    found, note = find_enterprises(query, None, own_scope=False) if query else ([], "")
    return render(request, "credit/query/public_search.html", {"query": query, "enterprises": found, "note": note})


@public_page
def public_credit(request, key: str):
    """The public credit page: public facts by kind, lists in force, objection marks."""
    enterprise = _public_enterprise(key)
    profile = credit_profile(enterprise, None, public=True)
    return render(request, "credit/query/public_credit.html", {"enterprise": enterprise, "profile": profile})


@public_report_limit
def public_report(request, key: str):
    """Issue a public credit report (公众版) and return its PDF."""
    enterprise = _public_enterprise(key)
    actor = request.user if request.user.is_authenticated else None  # an anonymous visitor: no user
    with audit_context(actor=actor, reason=f"出具信用报告（公众版）：{enterprise.name}（{enterprise.uscc or enterprise.pk}）",
                       source=ChangeSource.WEB):
        report, data = reports.issue_report(actor=actor, enterprise=enterprise, audience="public", verify_url=_verify_url(request))
    return _pdf_response(report, data)


@public_page
def verify(request):
    """报告验证: anyone enters a printed code and sees whether the report exists and matches."""
    code = (request.GET.get("code") or "").strip()[:40]
    result = verify_report(code) if code else None
    return render(request, "credit/query/verify.html", {"code": code, "result": result})


urlpatterns = [
    path("staff/credit/", staff_search, name="staff-search"),
    path("staff/credit/enterprises/<int:pk>/", enterprise_credit, name="enterprise-credit"),
    path("staff/credit/enterprises/<int:pk>/report.pdf", staff_report, name="staff-report"),
    path("staff/credit/my/", my_credit, name="my-credit"),
    path("staff/credit/my/report.pdf", my_report, name="my-report"),
    path("xinyong/", public_search, name="public-search"),
    path("xinyong/verify/", verify, name="verify"),
    path("xinyong/e/<str:key>/", public_credit, name="public-credit"),
    path("xinyong/e/<str:key>/report.pdf", public_report, name="public-report"),
]
