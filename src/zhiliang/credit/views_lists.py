"""The pages of the serious-dishonesty and red lists (namespace ``credit``).

Staff, under /staff/credit/lists/: the entries (filters: list, status, region), one entry with
its facts, the workflow actions this user may take in its current status and its history from
the change log, the proposal form, the approval queue, the periodic publications.  An
enterprise account sees its own entry and, from the first day allowed, applies for removal.
Public, under /xinyong/mingdan/: the entries in force and the periodic publications.

Every query starts from ``restrict``/``get_for_user`` (outside the scope → 404); every write
goes through ``services.lists`` in the request's audit context."""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhiliang.core.models import ObjectChange
from zhiliang.core.permissions import can, get_for_user, has_perm, is_staff_user, restrict, restrict_q
from zhiliang.core.views import apply_errors, fetch, paginate, public_throttle, staff_required, web_context
from zhiliang.enterprises.forms import region_choices
from zhiliang.enterprises.models import Enterprise

from .api.lists import ListEntryFilterSet, ListPublicationFilterSet
from .choices import ListEntryStatus, ListKind, RemovalWay
from .models import CreditFact, ListEntry, ListPublication
from .services import lists as services

S = ListEntryStatus
DateInput = functools.partial(forms.DateInput, attrs={"type": "date"}, format="%Y-%m-%d")
public_page = public_throttle("credit-public")


def today():
    return timezone.localdate()


# --- forms ----------------------------------------------------------------------------------------


class ProposeForm(forms.Form):
    list_kind = forms.ChoiceField(label=gettext_lazy("名单"), choices=ListKind.choices, initial=ListKind.SERIOUS)
    facts = forms.ModelMultipleChoiceField(label=gettext_lazy("依据的信用信息"), queryset=CreditFact.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    grounds = forms.CharField(label=gettext_lazy("列入事由"), widget=forms.Textarea(attrs={"rows": 4}))
    legal_basis = forms.CharField(label=gettext_lazy("列入依据"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=gettext_lazy("如《市场监督管理严重违法失信名单管理办法》第二条"))

    def __init__(self, *args, facts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if facts is not None:
            self.fields["facts"].queryset = facts


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("不予批准的理由"), widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤回原因"), widget=forms.Textarea(attrs={"rows": 2}))


class ExternalApprovalForm(forms.Form):
    document_no = forms.CharField(label=gettext_lazy("省级批准文书文号"), max_length=100)
    document_on = forms.DateField(label=gettext_lazy("批准文书日期"), widget=DateInput(), initial=today)


class NotifyForm(forms.Form):
    decision_no = forms.CharField(label=gettext_lazy("列入决定书文号"), max_length=100)
    decided_on = forms.DateField(label=gettext_lazy("列入决定日期"), widget=DateInput(), initial=today)
    notified_on = forms.DateField(label=gettext_lazy("告知日期"), widget=DateInput(), initial=today)
    method = forms.CharField(label=gettext_lazy("告知方式"), max_length=40, initial=gettext_lazy("直接送达"),
                             help_text=gettext_lazy("直接送达、邮寄送达、公告送达等"))


class PublishForm(forms.Form):
    published_on = forms.DateField(label=gettext_lazy("公示日期"), widget=DateInput(), initial=today)


class RemoveForm(forms.Form):
    way = forms.ChoiceField(label=gettext_lazy("移出方式"), choices=RemovalWay.choices)
    removed_on = forms.DateField(label=gettext_lazy("移出日期"), widget=DateInput(), initial=today)
    note = forms.CharField(label=gettext_lazy("移出说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RemovalApplyForm(forms.Form):
    applied_on = forms.DateField(label=gettext_lazy("申请日期"), widget=DateInput(), initial=today)
    reason = forms.CharField(label=gettext_lazy("申请理由"), widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=gettext_lazy("说明已履行的义务、纠正违法行为和消除不良影响的情况"))


class PublicationForm(forms.Form):
    list_kind = forms.ChoiceField(label=gettext_lazy("名单"), choices=ListKind.choices, initial=ListKind.SERIOUS)
    number = forms.CharField(label=gettext_lazy("期号"), max_length=40, help_text=gettext_lazy("如“2026年第10期”"))
    period_start = forms.DateField(label=gettext_lazy("统计期自"), widget=DateInput())
    period_end = forms.DateField(label=gettext_lazy("统计期至"), widget=DateInput())
    published_on = forms.DateField(label=gettext_lazy("公布日期"), widget=DateInput(), initial=today)


#: the workflow actions: step -> (form, service call, label, success message, audit reason)
STEPS = {
    "approve": (NoteForm, lambda u, e, d: services.approve(actor=u, entry=e, note=d["note"]), gettext_lazy("批准"), gettext_lazy("已批准列入申请。下一步：作出决定并告知企业。")),
    "reject": (RejectForm, lambda u, e, d: services.reject(actor=u, entry=e, note=d["note"]), gettext_lazy("不予批准"), gettext_lazy("已不予批准。")),
    "external-approval": (ExternalApprovalForm, lambda u, e, d: services.record_external_approval(
        actor=u, entry=e, document_no=d["document_no"], document_on=d["document_on"]), gettext_lazy("录入省级批准文书"), gettext_lazy("已录入省级批准文书。")),
    "notify": (NotifyForm, lambda u, e, d: services.notify(actor=u, entry=e, decision_no=d["decision_no"], decided_on=d["decided_on"],
                                                           notified_on=d["notified_on"], method=d["method"]),
               gettext_lazy("登记决定与告知"), gettext_lazy("已登记列入决定和告知；请在应公示日期前公示。")),
    "publish": (PublishForm, lambda u, e, d: services.publish(actor=u, entry=e, published_on=d["published_on"]), gettext_lazy("公示"),
                gettext_lazy("已公示，惩戒措施开始执行。")),
    "withdraw": (WithdrawForm, lambda u, e, d: services.withdraw(actor=u, entry=e, reason=d["reason"]), gettext_lazy("撤回"), gettext_lazy("已撤回。")),
    "remove": (RemoveForm, lambda u, e, d: services.remove(actor=u, entry=e, way=d["way"], removed_on=d["removed_on"], note=d["note"]),
               gettext_lazy("移出名单"), gettext_lazy("已移出名单，相关信用信息停止公示。")),
    "removal-apply": (RemovalApplyForm, lambda u, e, d: services.apply_removal(actor=u, entry=e, applied_on=d.get("applied_on") or today(),
                                                                                reason=d["reason"]),
                      gettext_lazy("申请移出"), gettext_lazy("已提交移出申请，等待审核。")),
}


def available_steps(entry: ListEntry, user) -> list[str]:
    """The workflow actions ``user`` may take on ``entry`` in its current status."""
    steps: list[str] = []
    may_change = can(entry, user, "change")
    if entry.status == S.PROPOSED:
        if entry.approval_required and entry.deciding_region.level == "county" and services.checks.may_approve(user, entry):
            steps += ["approve", "reject"]
        if entry.approval_required and entry.deciding_region.level != "county" and may_change and services.checks.is_proposing_side(user, entry):
            steps.append("external-approval")
        if not entry.approval_required and may_change:
            steps.append("notify")
    elif entry.status == S.APPROVED and may_change:
        steps.append("notify")
    elif entry.status == S.NOTIFIED and may_change:
        steps.append("publish")
    elif entry.status == S.PUBLISHED:
        if entry.list_kind == ListKind.SERIOUS and (may_change or services.checks.is_own_enterprise(user, entry)) and (
                not entry.removal_applied_on and (entry.removal_apply_from is None or today() >= entry.removal_apply_from)):
            steps.append("removal-apply")
        if may_change:
            steps.append("remove")
    if entry.status in (S.PROPOSED, S.APPROVED, S.NOTIFIED) and may_change and services.checks.is_proposing_side(user, entry):
        steps.append("withdraw")
    return steps


# --- helpers --------------------------------------------------------------------------------------






def _entries():
    return ListEntry.objects.select_related("enterprise", "region", "deciding_region", "department")


def _visible_entries(user, queryset=None):
    """The entries of the staff pages: staff see their scope's and every published one; an
    enterprise account only its own (another enterprise's entry is 404 here — the public list
    shows what is public of it)."""
    queryset = _entries() if queryset is None else queryset
    if user.is_superuser or is_staff_user(user):
        return restrict(queryset, user, "view")
    q = restrict_q(ListEntry, user, "view", own_scope_only=True)
    return queryset if q is None else queryset.filter(q)


def _list_nav(user) -> dict:
    """Which tabs of the lists' pages the user may open."""
    return {"queue": has_perm(user, "credit.change_listentry"), "publications": user.is_superuser or is_staff_user(user)}


def _applies_for_itself(user, entry: ListEntry) -> bool:
    """The enterprise applying online (dated the day it submits), not staff recording an application."""
    return not can(entry, user, "change") and services.checks.is_own_enterprise(user, entry)


def _params(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params


def history(obj, limit: int = 100):
    """The change-log rows of ``obj``, oldest first (who, when, what, why)."""
    kind = ContentType.objects.get_for_model(type(obj))
    return list(ObjectChange.objects.filter(content_type=kind, object_id=str(obj.pk)).order_by("time", "id")[:limit])


def publication_tables(publication: ListPublication) -> list[tuple]:
    """The three tables of a publication as published: (title, rows, key)."""
    return [
        (_("截至统计期末在列"), publication.entries, "entries"),
        (_("本期新列入"), publication.added, "added"),
        (_("本期移出"), publication.removed, "removed"),
    ]


# --- staff pages ----------------------------------------------------------------------------------


@login_required
def entry_list(request):
    """列入名单记录: what the user may see (own scope, plus published entries), with filters."""
    if not (request.user.is_superuser or is_staff_user(request.user) or has_perm(request.user, "credit.view_listentry")):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    qs = _visible_entries(request.user)
    filterset = ListEntryFilterSet(_params(request), queryset=qs)
    filterset.form.fields["region"] = forms.ChoiceField(label=_("区划"), choices=region_choices(), required=False)
    for name in ("list_kind", "status"):
        field = filterset.form.fields[name]
        field.empty_label = _("全部")
        field.widget.choices = list(field.choices)  # the widget took its copy of the choices when the form was built
    results = filterset.qs if filterset.is_valid() else qs.none()
    page = paginate(request, results.order_by("-proposed_on", "-pk"))
    return render(request, "credit/lists/entry_list.html", {
        "page": page, "filterset": filterset, "can_add": has_perm(request.user, "credit.add_listentry"),
        "waiting": restrict(ListEntry.objects.filter(status=S.PROPOSED), request.user, "change").count(),
        "list_nav": _list_nav(request.user),
    })


@login_required
def entry_detail(request, pk: int):
    entry = fetch(_visible_entries(request.user, _entries().select_related("proposed_by", "approved_by", "removed_by", "fact")),
                  request.user, pk=pk)
    return _detail(request, entry)


def _detail(request, entry: ListEntry, bound=None, status: int = 200):
    """The entry's page; ``bound`` — a refused action's form with what was typed and why."""
    user = request.user
    staff = user.is_superuser or is_staff_user(user)
    steps = available_steps(entry, user)
    forms_ = {step: _step_form(step, entry, user, auto_id=f"id_{step}_%s") for step in steps}
    if "notify" in forms_ and entry.decision_no:
        forms_["notify"].initial["decision_no"] = entry.decision_no
    if bound is not None and bound[0] in forms_:
        forms_[bound[0]] = bound[1]
    actions = [{"step": step, "label": STEPS[step][2], "form": forms_[step]} for step in steps]
    return render(request, "credit/lists/entry_detail.html", {
        "entry": entry, "staff": staff, "actions": actions,
        "facts": restrict(entry.facts.select_related("source_department"), user, "view"),
        "history": history(entry) if staff else [],
    }, status=status)


@require_POST
@login_required
def entry_step(request, pk: int, step: str):
    """One workflow action (approve, reject, external-approval, notify, publish, withdraw, remove,
    removal-apply) posted from the entry's page; refused, the page again with the form as typed
    and why."""
    if step not in STEPS:
        raise Http404(_("未知的操作"))
    entry = fetch(_visible_entries(request.user), request.user, pk=pk)
    call, label, success = STEPS[step][1:]
    if step == "publish" and entry.list_kind != ListKind.SERIOUS:
        success = _("已公示，激励措施开始执行。")
    form = _step_form(step, entry, request.user, data=request.POST, auto_id=f"id_{step}_%s")
    if form.is_valid():
        try:
            with web_context(request, f"{label}：{entry.get_list_kind_display()} {entry.enterprise.name}"):
                call(request.user, entry, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, _("未办理：%(errors)s") % {"errors": str(exc) or _("无权执行此操作")})
            return redirect("credit:list-entry-detail", pk=entry.pk)
        else:
            messages.success(request, success)
            return redirect("credit:list-entry-detail", pk=entry.pk)
    errors = "；".join(f"{form.fields[n].label if n in form.fields else ''}：{'；'.join(e)}".lstrip("：") for n, e in form.errors.items())
    messages.error(request, _("未办理：%(errors)s") % {"errors": errors})
    entry = fetch(_visible_entries(request.user, _entries().select_related("proposed_by", "approved_by", "removed_by", "fact")),
                  request.user, pk=pk)
    return _detail(request, entry, bound=(step, form), status=400)


def _step_form(step: str, entry: ListEntry, user, **kwargs):
    form = STEPS[step][0](**kwargs)
    if step == "removal-apply" and _applies_for_itself(user, entry):
        del form.fields["applied_on"]  # the enterprise applies on the day it submits
    if step == "remove":  # only the ways open to this entry today (never "on application" for the red list)
        form.fields["way"].choices = [(value, label) for value, label in RemovalWay.choices if value == RemovalWay.REVOKED
                                      or (value == RemovalWay.APPLICATION and entry.removal_applied_on)
                                      or (value == RemovalWay.AUTOMATIC and entry.auto_removal_on and entry.auto_removal_on <= today())]
    return form


def removal_apply(request, pk: int):
    return entry_step(request, pk, "removal-apply")


@login_required
def entry_propose(request):
    """The proposal form for one enterprise (``?enterprise=<pk>``): its facts, grounds, basis."""
    if not has_perm(request.user, "credit.add_listentry"):
        raise PermissionDenied(_("您的角色无权提出列入名单"))
    raw = request.GET.get("enterprise") or request.POST.get("enterprise") or ""
    if not raw.isdigit():
        return render(request, "credit/lists/entry_pick.html", {"q": request.GET.get("q", ""), "enterprises": _search_enterprises(request)})
    own = restrict_q(Enterprise, request.user, "view", own_scope_only=True)
    enterprises = Enterprise.objects.select_related("region")
    enterprise = get_for_user(enterprises if own is None else enterprises.filter(own), request.user, pk=int(raw))
    facts = restrict(CreditFact.objects.filter(enterprise=enterprise), request.user, "view").order_by("-decided_on", "-pk")
    form = ProposeForm(request.POST if request.method == "POST" else None, facts=facts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with web_context(request, f"提出列入{ListKind(data['list_kind']).label}：{enterprise.name}"):
                entry = services.propose(actor=request.user, enterprise=enterprise, grounds=data["grounds"], list_kind=data["list_kind"],
                                         legal_basis=data["legal_basis"], facts=list(data["facts"]))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已提出列入申请。") + (_("须经上一级批准。") if entry.approval_required else ""))
            return redirect("credit:list-entry-detail", pk=entry.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "credit/lists/entry_propose.html", {"form": form, "enterprise": enterprise}, status=status)


def _search_enterprises(request):
    """The enterprises of the proposer's own scope (a county proposes its own county's)."""
    from .views_query import find_enterprises

    q = (request.GET.get("q") or "").strip()[:100]
    return (find_enterprises(q, request.user, own_scope=True)[0] or []) if q else []


@login_required
def approval_queue(request):
    """Proposals waiting for this user's approval (a county's, for the city)."""
    if not has_perm(request.user, "credit.change_listentry"):
        raise PermissionDenied(_("您的角色无权审批列入申请"))
    qs = restrict(_entries().filter(status=S.PROPOSED, approval_required=True, deciding_region__level="county"), request.user, "change")
    rows = [e for e in qs.order_by("proposed_on", "pk") if services.checks.may_approve(request.user, e)]
    return render(request, "credit/lists/approval_queue.html", {"entries": rows, "list_nav": _list_nav(request.user)})


@staff_required
def publication_list(request):
    qs = restrict(ListPublication.objects.all(), request.user, "view")
    filterset = ListPublicationFilterSet(_params(request), queryset=qs)
    results = filterset.qs if filterset.is_valid() else qs.none()
    return render(request, "credit/lists/publication_list.html", {
        "page": paginate(request, results.order_by("-period_end", "-pk")), "filterset": filterset,
        "can_add": services.checks.may_publish_lists(request.user), "list_nav": _list_nav(request.user),
    })


@staff_required
def publication_detail(request, pk: int):
    publication = fetch(ListPublication.objects.all(), request.user, pk=pk)
    return render(request, "credit/lists/publication_detail.html", {"publication": publication, "tables": publication_tables(publication)})


@staff_required
def publication_create(request):
    if not services.checks.may_publish_lists(request.user):
        raise PermissionDenied(_("名单定期公布由市级工作人员办理"))
    form = PublicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with web_context(request, f"名单定期公布：{data['number']}"):
                publication = services.publish_periodic_list(actor=request.user, **data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("已公布 %(number)s。") % {"number": publication.number})
            return redirect("credit:list-publication-detail", pk=publication.pk)
    return render(request, "credit/lists/publication_form.html", {"form": form}, status=400 if request.method == "POST" else 200)


# --- public pages ---------------------------------------------------------------------------------


@public_page
def public_list(request):
    """The entries in force (published, not removed): no personal data."""
    qs = restrict(ListEntry.objects.select_related("enterprise", "region"), None, "view")
    kind = request.GET.get("list_kind") or ListKind.SERIOUS
    if kind not in ListKind.values:
        kind = ListKind.SERIOUS
    qs = qs.filter(list_kind=kind)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(enterprise__name__icontains=q) | qs.filter(enterprise__uscc=q.upper())
    page = paginate(request, qs.order_by("-published_on", "-pk"))
    return render(request, "credit/lists/public_list.html", {"page": page, "kind": kind, "kinds": ListKind.choices, "q": q})


@public_page
def public_publications(request):
    qs = restrict(ListPublication.objects.all(), None, "view").order_by("-period_end", "-pk")
    return render(request, "credit/lists/public_publications.html", {"page": paginate(request, qs)})


@public_page
def public_publication_detail(request, pk: int):
    publication = get_for_user(ListPublication.objects.all(), None, pk=pk)
    return render(request, "credit/lists/public_publication_detail.html", {"publication": publication, "tables": publication_tables(publication)})


P = "staff/credit/lists/"

urlpatterns = [
    path(f"{P}", entry_list, name="list-entry-list"),
    path(f"{P}new/", entry_propose, name="list-entry-propose"),
    path(f"{P}approvals/", approval_queue, name="list-approval-queue"),
    path(f"{P}publications/", publication_list, name="list-publication-list"),
    path(f"{P}publications/new/", publication_create, name="list-publication-create"),
    path(f"{P}publications/<int:pk>/", publication_detail, name="list-publication-detail"),
    path(f"{P}<int:pk>/", entry_detail, name="list-entry-detail"),
    path(f"{P}<int:pk>/removal-apply/", require_POST(removal_apply), name="removal-apply"),
    re_path(rf"^{P}(?P<pk>[0-9]+)/(?P<step>approve|reject|external-approval|notify|publish|withdraw|remove)/$", entry_step,
            name="list-entry-action"),
    path("xinyong/mingdan/", public_list, name="public-list"),
    path("xinyong/mingdan/gongbu/", public_publications, name="public-list-publications"),
    path("xinyong/mingdan/gongbu/<int:pk>/", public_publication_detail, name="public-list-publication-detail"),
]
