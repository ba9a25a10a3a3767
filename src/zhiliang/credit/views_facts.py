"""Staff pages of credit facts and credit-risk classes under /staff/credit/: the fact list (with
CSV/XLSX export), a fact with its fields as received and its history (revoke, undo a wrong
match), the matching review queue (confirm / reject a name candidate, tie an organisation by
hand), the class explanation and the class overview, and the 双公示 upload for department staff
(a form that posts to the exchange app's import page with the source department filled in).

Every query starts from ``restrict``/``get_for_user`` (outside the user's scope → 404; a role
without the model's permission → 403); every write goes through ``credit.services.facts``
inside the request's audit context (``web_context``) with the user's reason, and a service's
refusal comes back as a message in Chinese.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhiliang.core.audit import mask_value
from zhiliang.core.forms import DateInput
from zhiliang.core.models import Department
from zhiliang.core.permissions import (
    can,
    has_perm,
    in_own_scope,
    is_staff_user,
    memberships,
    restrict,
)
from zhiliang.core.views import fetch, form_errors_message, history_rows, paginate, require_perm, staff_required, web_context
from zhiliang.enterprises.models import Enterprise
from zhiliang.enterprises.selectors import may_reveal

from . import disputes_read, facts_read, selectors
from .choices import FactKind, FactStatus, MatchStatus, RiskClass
from .filtersets import CreditFactUIFilterSet
from .models import CreditFact, RiskAssessment
from .services import facts as fact_services

P = "staff/credit/"

# --- helpers ----------------------------------------------------------------------------------------






def _fact(request, pk: int, action: str = "view") -> CreditFact:
    return fetch(CreditFact.objects.select_related(*facts_read.FACT_RELATED, "enterprise__region", "candidate__region"),
                 request.user, action, pk=pk)


def _run(request, call, *, reason: str, success: str) -> bool:
    """Run a service call in the request's audit context; the outcome as a message."""
    try:
        with web_context(request, reason):
            call()
    except ValidationError as exc:
        messages.error(request, _("未办理：%(errors)s") % {"errors": form_errors_message(exc)})
        return False
    except PermissionDenied as exc:
        messages.error(request, _("未办理：%(errors)s") % {"errors": str(exc) or _("无权执行此操作")})
        return False
    messages.success(request, success)
    return True


def _form_message(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
    return "；".join(parts)


class RevokeForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("撤销日期"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("撤销依据"), max_length=200, help_text=gettext_lazy("如复议决定书、判决书文号，或撤销原因"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)
    enterprise = forms.IntegerField(required=False, widget=forms.HiddenInput)


# --- the fact list ------------------------------------------------------------------------------------


def _filtered(request):
    params = request.GET.copy()
    for key in ("page", "all"):
        params.pop(key, None)
    include_public = request.GET.get("all") == "1"
    qs = facts_read.staff_facts(request.user, include_public=include_public)
    filterset = CreditFactUIFilterSet(params, queryset=qs, request=request)
    results = filterset.qs if filterset.is_valid() else qs.none()
    return filterset, results.order_by("-decided_on", "-pk"), include_public


@staff_required
def fact_list(request):
    """信用信息: the facts of the user's scope (county, department lineage); with ``all=1`` also
    what is public today elsewhere.  Filters shared with the API (``CreditFactFilterSet``)."""
    filterset, results, include_public = _filtered(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "credit/facts/fact_list.html", {
        "page": paginate(request, facts_read.with_own(results, request.user)), "filterset": filterset, "include_public": include_public,
        "query": query.urlencode(), "today": timezone.localdate(),
        "can_review": has_perm(request.user, "credit.change_creditfact"),
    })


#: at most this many rows in one export (narrow the filters for more)
EXPORT_LIMIT = 50_000


@staff_required
def fact_export(request, fmt: str):
    """The filtered rows of the list as CSV (UTF-8 with BOM) or XLSX — no identity numbers."""
    from zhiliang.sampling.exports import to_csv, to_xlsx

    _filterset, results, _all = _filtered(request)
    rows = facts_read.export_rows(results, request.user, EXPORT_LIMIT)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        body, content_type = to_csv(facts_read.EXPORT_HEADER, rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = to_xlsx(facts_read.EXPORT_HEADER, rows, title=_("信用信息（导出于 %(day)s）") % {"day": timezone.localdate()}, sheet="信用信息")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404(_("不支持的格式：%(fmt)s") % {"fmt": fmt})
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="credit-facts-{stamp}.{fmt}"'
    return response


# --- one fact -----------------------------------------------------------------------------------------


@staff_required
def fact_detail(request, pk: int):
    """Every field of the fact (identity numbers masked, with the logged “显示” for users who may
    see personal data of this fact), the fields as received, first/last seen, the change history,
    and the actions the user may take."""
    fact = _fact(request, pk)
    user = request.user
    if not in_own_scope(fact, user):  # visible only because it is public: what the public sees (as the API gives it)
        return render(request, "credit/facts/fact_public.html", {"fact": fact})
    may_change = can(fact, user, "change")
    changes = list(facts_read.history(fact)[:200])
    return render(request, "credit/facts/fact_detail.html", {
        "fact": fact,
        "masked": {name: mask_value(getattr(fact, name)) for name in CreditFact.personal_fields},
        "can_reveal": may_reveal(fact, user),
        "model_label": CreditFact._meta.label_lower,
        "received": facts_read.received_rows(fact),
        "history": list(zip(changes, history_rows(CreditFact, [c.diff for c in changes]), strict=True)),
        "publicity_over": facts_read.publicity_over(fact),
        "revoke_form": RevokeForm(initial={"on": timezone.localdate()}, auto_id="id_revoke_%s")
        if fact.status != FactStatus.REVOKED and disputes_read.may_revoke(user, fact) else None,
        "unmatch_form": ReasonForm(auto_id="id_unmatch_%s") if may_change and fact.match_status in fact_services.MATCHED else None,
        "in_queue": may_change and fact.match_status in (MatchStatus.CANDIDATE, MatchStatus.UNMATCHED),
        "assessment": _current_assessment(fact.enterprise, user) if fact.enterprise_id else None,
    })


def _current_assessment(enterprise, user):
    return facts_read.assessments(user).filter(enterprise=enterprise, is_current=True).first()


def _after(request, fact: CreditFact):
    """Back to the fact if the user still sees it (an undone match may take it out of a
    county's scope), else to the list."""
    if restrict(CreditFact.objects.filter(pk=fact.pk), request.user, "view").exists():
        return redirect("credit:fact-detail", pk=fact.pk)
    return redirect("credit:fact-list")


@require_POST
@staff_required
def fact_revoke(request, pk: int):
    fact = _fact(request, pk, "change")
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未办理：%(errors)s") % {"errors": _form_message(form)})
        return redirect("credit:fact-detail", pk=fact.pk)
    on, reason = form.cleaned_data["on"], form.cleaned_data["reason"]
    _run(request, lambda: fact_services.revoke_fact(actor=request.user, fact=fact, on=on),
         reason=f"撤销信用信息 {fact.decision_no or fact.source_record_id}：{reason}",
         success=_("已登记撤销（%(day)s），该信息不再公示。") % {"day": on.isoformat()})
    return _after(request, fact)


@require_POST
@staff_required
def fact_unmatch(request, pk: int):
    """Undo a wrong tie: the fact goes back to the review queue; the enterprise's class is
    recomputed without it (credit.match_undone)."""
    fact = _fact(request, pk, "change")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未办理：%(errors)s") % {"errors": _form_message(form)})
        return redirect("credit:fact-detail", pk=fact.pk)
    reason = form.cleaned_data["reason"]
    name = fact.enterprise.name if fact.enterprise_id else ""
    _run(request, lambda: fact_services.unmatch(actor=request.user, fact=fact, reason=reason),
         reason=f"撤销信用信息 {fact.decision_no or fact.source_record_id} 与“{name}”的匹配：{reason}",
         success=_("已撤销与“%(name)s”的匹配，该信息回到主体匹配核对队列。") % {"name": name})
    return _after(request, fact)


# --- the review queue ---------------------------------------------------------------------------------


@require_perm("credit.change_creditfact")
def review_queue(request):
    """主体匹配核对: name-only candidates first (the fact beside the candidate enterprise), then
    unmatched organisations to tie by hand (search the registry)."""
    queue = selectors.review_queue(request.user)
    return render(request, "credit/facts/review_queue.html", {
        "page": paginate(request, queue),
        "candidates": queue.filter(match_status=MatchStatus.CANDIDATE).count(),
        "unmatched": queue.filter(match_status=MatchStatus.UNMATCHED).count(),
    })


def _queued(request, pk: int) -> CreditFact:
    """A fact of the user's review queue (404 otherwise, 403 without the permission)."""
    if not has_perm(request.user, "credit.change_creditfact"):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    fact = selectors.review_queue(request.user).filter(pk=pk).select_related("candidate__region").first()
    if fact is None:
        _fact(request, pk)  # 404 when not visible at all
        raise Http404(_("该信用信息不在待核对队列中"))
    return fact


@require_POST
@login_required
def review_confirm(request, pk: int):
    """“确认”: the candidate (or the enterprise chosen by search, ``enterprise``) is the party."""
    fact = _queued(request, pk)
    form = OptionalReasonForm(request.POST)
    form.is_valid()
    chosen = (form.cleaned_data or {}).get("enterprise")
    if chosen:
        enterprise = restrict(Enterprise.objects.all(), request.user, "view").filter(pk=chosen).first()
        if enterprise is None:
            messages.error(request, _("未办理：所选企业不存在"))
            return redirect("credit:review-queue")
    elif fact.candidate_id:
        enterprise = fact.candidate
    else:
        messages.error(request, _("未办理：请先在名录库中查找并选择一家企业（%(party)s）") % {"party": fact.party_name})
        return redirect("credit:review-queue")
    note = (form.cleaned_data or {}).get("reason") or ("确认候选企业" if enterprise.pk == fact.candidate_id else "人工匹配")
    _run(request, lambda: fact_services.confirm_match(actor=request.user, fact=fact, enterprise=enterprise),
         reason=f"主体匹配核对：信用信息 {fact.decision_no or fact.source_record_id}（{fact.party_name}）为“{enterprise.name}”：{note}",
         success=_("已确认“%(party)s”为名录库中的“%(name)s”。") % {"party": fact.party_name, "name": enterprise.name})
    return redirect("credit:review-queue")


@require_POST
@login_required
def review_reject(request, pk: int):
    """“不是该企业”: the candidate is dropped; the fact stays, unmatched, for tying by hand."""
    fact = _queued(request, pk)
    form = OptionalReasonForm(request.POST)
    form.is_valid()
    note = (form.cleaned_data or {}).get("reason") or "不是该企业"
    name = fact.candidate.name if fact.candidate_id else ""
    _run(request, lambda: fact_services.reject_match(actor=request.user, fact=fact),
         reason=f"主体匹配核对：信用信息 {fact.decision_no or fact.source_record_id}（{fact.party_name}）不是“{name}”：{note}",
         success=_("已记录“%(party)s”不是“%(name)s”；该信息仍待人工匹配。") % {"party": fact.party_name, "name": name})
    return redirect("credit:review-queue")


# --- classes ------------------------------------------------------------------------------------------


def _assessment_page(request, assessment: RiskAssessment):
    return render(request, "credit/facts/assessment_detail.html", {
        "assessment": assessment,
        "rows": facts_read.explanation_rows(assessment, request.user),
        "history": facts_read.enterprise_history(assessment, request.user),
        "class_labels": dict(RiskClass.choices),
        # the registry's staff page for staff; an enterprise account reads its own on the public page (decision D14)
        "staff_page": request.user.is_superuser or is_staff_user(request.user),
    })


@login_required
def assessment_detail(request, pk: int):
    """信用风险分类结果: the class, score, rule set, the explanation as a table, and the
    enterprise's earlier classes — within the user's scope (a county its county's)."""
    assessment = fetch(RiskAssessment.objects.select_related("enterprise__region", "region", "computed_by"), request.user, pk=pk)
    return _assessment_page(request, assessment)


@login_required
def enterprise_class(request, pk: int):
    """The enterprise's current class (404 when it has none the user may see)."""
    if not has_perm(request.user, "credit.view_riskassessment"):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    assessment = facts_read.assessments(request.user).select_related("enterprise__region").filter(enterprise_id=pk, is_current=True).first()
    if assessment is None:
        raise Http404(_("该企业还没有您可查看的信用风险分类结果"))
    return _assessment_page(request, assessment)


@require_perm("credit.view_riskassessment")
def class_overview(request):
    """信用风险分类: enterprises per class per region within the user's scope (table and chart)."""
    rows = facts_read.class_counts(request.user)
    classes = [c.value for c in RiskClass]
    totals = {c: sum(r.counts[c] for r in rows) for c in classes}
    labels = [r.region.name if r.region else _("未定区划") for r in rows]
    colours = {"A": "#2e7d32", "B": "#1565c0", "C": "#ef6c00", "D": "#c62828"}
    chart = {
        "title": {"text": _("各县市区企业信用风险分类"), "left": "center"},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0},
        "grid": {"top": 60, "left": 48, "right": 24, "bottom": 70},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0, "rotate": 30 if len(labels) > 6 else 0}},
        "yAxis": {"type": "value", "name": _("企业数"), "minInterval": 1},
        "series": [{"type": "bar", "name": f"{c}类", "stack": "class", "data": [r.counts[c] for r in rows],
                    "itemStyle": {"color": colours[c]}, "barMaxWidth": 46} for c in classes],
    }
    return render(request, "credit/facts/class_overview.html", {
        "rows": rows, "classes": classes, "class_labels": dict(RiskClass.choices), "totals": totals, "total": sum(totals.values()),
        "unclassified": sum(r.unclassified for r in rows), "charts": {"chart-classes": chart},
    })


# --- 双公示 upload ---------------------------------------------------------------------------------------


@require_perm("credit.add_creditfact")  # the source departments' staff (the upload itself is an exchange import job)
def fact_import(request):
    """导入双公示数据: the exchange import form for penalties and licences, with the source
    department preset to the uploader's own department; a valid upload becomes an import job
    (its page shows every row's outcome), a refused one is shown here with what to do."""
    from zhiliang.exchange.forms import ImportForm
    from zhiliang.exchange.views import submit_upload

    own = []
    for m in memberships(request.user):
        if m.department_id and m.department.code not in [d.code for d in own]:
            own.append(m.department)
    departments = own or list(Department.objects.filter(valid_to__isnull=True).order_by("code"))
    kinds = [(k, FactKind(v).label) for k, v in (("penalties", FactKind.PENALTY), ("licences", FactKind.LICENCE))]
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["kind"].choices = kinds
    if request.method == "POST" and form.is_valid():
        job = submit_upload(request, form)
        if job is not None:
            return redirect("exchange:import-detail", pk=job.pk)
    chosen = form["kind"].value() or "penalties"
    source = form["option_source"].value() if form.is_bound else (own[0].code if own else "")
    return render(request, "credit/facts/fact_import.html", {
        "kinds": kinds, "departments": departments, "own": own, "form": form, "chosen": chosen, "source": source,
    }, status=400 if request.method == "POST" else 200)


# --- URLs and menu ------------------------------------------------------------------------------------

urlpatterns = [
    path(f"{P}facts/", fact_list, name="fact-list"),
    path(f"{P}facts/export.<str:fmt>", fact_export, name="fact-export"),
    path(f"{P}facts/import/", fact_import, name="fact-import"),
    path(f"{P}facts/review/", review_queue, name="review-queue"),
    path(f"{P}facts/review/<int:pk>/confirm/", review_confirm, name="review-confirm"),
    path(f"{P}facts/review/<int:pk>/reject/", review_reject, name="review-reject"),
    path(f"{P}facts/<int:pk>/", fact_detail, name="fact-detail"),
    path(f"{P}facts/<int:pk>/revoke/", fact_revoke, name="fact-revoke"),
    path(f"{P}facts/<int:pk>/unmatch/", fact_unmatch, name="fact-unmatch"),
    path(f"{P}classes/", class_overview, name="class-overview"),
    path(f"{P}classes/<int:pk>/", assessment_detail, name="assessment-detail"),
    path(f"{P}enterprises/<int:pk>/class/", enterprise_class, name="enterprise-class"),
]
