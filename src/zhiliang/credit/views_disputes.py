"""Pages of objections to credit facts (信用信息异议) and credit repair (信用修复), namespace
``credit``.

Enterprise accounts (or staff on the enterprise's behalf):

* ``objection-file`` (``/staff/credit/facts/<pk>/objection/``) and ``repair-apply``
  (``/staff/credit/facts/<pk>/repair/``) — the fact (its public fields), the rule and, for a
  repair, the first eligible date or the reason it cannot be repaired; the form posts through
  ``services.disputes`` with its files.  A fact that is not the account's own is 404 (even a
  public one), a role without the request's permission 403;
* ``my-disputes`` (``/staff/credit/my/disputes/``) — the enterprise's objections and repair
  applications with status and deadlines.

Staff: ``objection-queue`` / ``objection-detail`` and ``repair-queue`` / ``repair-detail`` (the
decision form for those who may decide), overdue requests flagged; ``dispute-file`` downloads
evidence, commitment letters and proof for whoever may see the request (404 otherwise).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiliang.core import rules as rule_registry
from zhiliang.core.permissions import (
    codename,
    get_for_user,
    has_perm,
    in_own_scope,
    restrict,
)
from zhiliang.core.uploads import document_problem
from zhiliang.core.views import apply_errors, fetch, paginate, web_context

from . import disputes_read, rules
from .choices import FactStatus, ObjectionStatus, RepairStatus
from .models import CreditFact, FactObjection, RepairApplication
from .services import disputes as services

MAX_FILE_BYTES = services.MAX_FILE_BYTES


def today():
    return timezone.localdate()


def _posted(request):
    """The POST data of a form page, ``None`` on GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


def _files(request):
    return request.FILES if request.method == "POST" else None


# --- forms ------------------------------------------------------------------------------------


def _checked_file(upload):
    """The service's checks (size, PDF/JPG/PNG) at the form's field, before anything is stored."""
    if not upload:
        return upload
    if upload.size > MAX_FILE_BYTES:
        raise forms.ValidationError(_("文件过大：不能超过 %(mb)s MB") % {"mb": MAX_FILE_BYTES // 1024 // 1024})
    head = upload.read(16)
    upload.seek(0)
    problem = document_problem(upload.name or "", head)
    if problem:
        raise forms.ValidationError(problem)
    return upload


class ObjectionForm(forms.Form):
    grounds = forms.CharField(label=gettext_lazy("异议理由"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=gettext_lazy("说明哪项信息有误、正确的情况是什么"))
    evidence = forms.FileField(label=gettext_lazy("证明材料"), required=False, help_text=gettext_lazy("如复议决定书、判决书、缴款凭证；PDF、JPG 或 PNG，不超过 20 MB"))

    def clean_evidence(self):
        return _checked_file(self.cleaned_data.get("evidence"))


class RepairForm(forms.Form):
    statement = forms.CharField(label=gettext_lazy("修复理由"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                                help_text=gettext_lazy("履行法定义务、纠正违法行为、消除不良影响的情况"))
    commitment = forms.FileField(label=gettext_lazy("信用修复承诺书"), help_text=gettext_lazy("加盖公章的承诺书扫描件；PDF、JPG 或 PNG，不超过 20 MB"))
    proof = forms.FileField(label=gettext_lazy("履行证明材料"), required=False, help_text=gettext_lazy("如罚款缴纳凭证、整改报告；PDF、JPG 或 PNG，不超过 20 MB"))

    def clean_commitment(self):
        return _checked_file(self.cleaned_data.get("commitment"))

    def clean_proof(self):
        return _checked_file(self.cleaned_data.get("proof"))


class DecideObjectionForm(forms.Form):
    upheld = forms.TypedChoiceField(label=gettext_lazy("核查结论"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                    choices=(("1", gettext_lazy("异议成立，撤销该信息")), ("0", gettext_lazy("异议不成立，维持该信息"))))
    note = forms.CharField(label=gettext_lazy("处理意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class DecideRepairForm(forms.Form):
    granted = forms.TypedChoiceField(label=gettext_lazy("审核结论"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                     choices=(("1", gettext_lazy("准予修复，当日起停止公示")), ("0", gettext_lazy("不予修复"))))
    note = forms.CharField(label=gettext_lazy("审核意见"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=gettext_lazy("不予修复的，须说明理由"))




# --- helpers ------------------------------------------------------------------------------------


def _fact_for_request(request, pk: int, model) -> CreditFact:
    """The fact an account may file a request on: the role must hold the model's ``add``
    (enterprise) or ``change`` (staff on its behalf) — else 403 — and the fact must lie in the
    user's own scope — else 404, also for another enterprise's public fact."""
    user = request.user
    if not (has_perm(user, codename(model, "add")) or has_perm(user, codename(model, "change"))):
        raise PermissionDenied(_("您的角色无权提出%(what)s") % {"what": model._meta.verbose_name})
    fact = get_for_user(CreditFact.objects.select_related("enterprise", "source_department"), user, "view", pk=pk)
    if not in_own_scope(fact, user, "view") or fact.enterprise_id is None:
        raise Http404(_("信用信息不存在"))
    return fact


def _fetch(model, user, pk: int, action: str = "view"):
    """404 outside the scope, 403 without the model's view permission or the action."""
    qs = model.objects.select_related("fact", "fact__source_department", "enterprise", "region", "department", "decided_by")
    return fetch(qs, user, action, pk=pk)


def _status_filter(request, qs, choices, default: str):
    status = request.GET.get("status", default)
    if status not in dict(choices):
        status = ""
    return (qs.filter(status=status) if status else qs), status


# --- enterprise: file -------------------------------------------------------------------------------


@login_required
def objection_file(request, pk: int):
    fact = _fact_for_request(request, pk, FactObjection)
    day = today()
    pending = FactObjection.objects.filter(fact=fact, status=ObjectionStatus.PENDING).first()
    revoked = fact.status == FactStatus.REVOKED
    form = ObjectionForm(_posted(request), _files(request)) if pending is None and not revoked else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            with web_context(request, f"提出信用信息异议：{fact}"):
                services.file_objection(actor=request.user, fact=fact, grounds=form.cleaned_data["grounds"],
                                        evidence=form.cleaned_data["evidence"], filed_on=day)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已提交异议，核查期间该信息标注“异议处理中”。"))
            return redirect("credit:my-disputes")
    return render(request, "credit/disputes/objection_file.html", {
        "fact": fact, "form": form, "pending": pending, "revoked": revoked, "today": day, "review_due": rules.objection_review_due(day),
        "review_wd": rule_registry.value(rules.OBJECTION_WD, day),
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


@login_required
def repair_apply(request, pk: int):
    fact = _fact_for_request(request, pk, RepairApplication)
    day = today()
    eligible, reason = rules.repair_eligibility(fact)
    refusal = rules.repair_refusal(fact, day)
    pending = RepairApplication.objects.filter(fact=fact, status=RepairStatus.PENDING).first()
    form = RepairForm(_posted(request), _files(request)) if pending is None and not refusal else None
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            with web_context(request, f"申请信用修复：{fact}"):
                services.apply_repair(actor=request.user, fact=fact, statement=d["statement"], commitment=d["commitment"],
                                      proof=d["proof"], applied_on=day)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已提交信用修复申请。"))
            return redirect("credit:my-disputes")
    return render(request, "credit/disputes/repair_apply.html", {
        "fact": fact, "form": form, "pending": pending, "today": day, "eligible": eligible, "reason": reason, "refusal": refusal,
        "decision_due": rules.repair_decision_due(day), "decision_wd": rule_registry.value(rules.REPAIR_WD, day),
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


@login_required
def my_disputes(request):
    """本企业的异议与信用修复申请 (enterprise accounts; staff on their behalf see their scope's)."""
    user = request.user
    if not (has_perm(user, "credit.add_factobjection") or has_perm(user, "credit.add_repairapplication")):
        raise PermissionDenied(_("此页面供企业账号查看本企业的异议与信用修复申请"))
    return render(request, "credit/disputes/my_disputes.html", {
        "objections": list(disputes_read.own_objections(user)[:200]), "repairs": list(disputes_read.own_repairs(user)[:200]),
        "today": today(),
    })


# --- staff: queues and decisions ---------------------------------------------------------------------


@login_required
def objection_queue(request):
    if not has_perm(request.user, "credit.view_factobjection"):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    qs = restrict(FactObjection.objects.select_related("fact", "enterprise", "region", "department"), request.user, "view")
    qs, status = _status_filter(request, qs, ObjectionStatus.choices, ObjectionStatus.PENDING)
    day = today()
    return render(request, "credit/disputes/objection_queue.html", {
        "page": paginate(request, qs.order_by("review_due", "-pk") if status == ObjectionStatus.PENDING else qs.order_by("-filed_on", "-pk")),
        "status": status, "statuses": ObjectionStatus.choices, "today": day,
        "overdue_count": disputes_read.overdue(request.user, day)["objections"].count(),
    })


@login_required
def objection_detail(request, pk: int):
    objection = _fetch(FactObjection, request.user, pk)
    may_decide = objection.status == ObjectionStatus.PENDING and disputes_read.may_decide(request.user, objection)
    form = None
    if may_decide:
        form = DecideObjectionForm(_posted(request))
    elif request.method == "POST":
        _fetch(FactObjection, request.user, pk, "change")  # 403 for those who may only look
        if objection.status == ObjectionStatus.PENDING:
            raise PermissionDenied(_("由%(department)s核查处理") % {"department": objection.department.name})
        messages.error(request, _("该异议已处理，不能再处理。"))
        return redirect("credit:objection-detail", pk=objection.pk)
    if request.method == "POST" and form.is_valid():
        try:
            with web_context(request, f"处理信用信息异议：{objection.fact}"):
                services.decide_objection(actor=request.user, objection=objection, upheld=form.cleaned_data["upheld"],
                                          note=form.cleaned_data["note"], decided_on=today())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已处理异议。"))
            return redirect("credit:objection-detail", pk=objection.pk)
    return render(request, "credit/disputes/objection_detail.html", {
        "objection": objection, "fact": objection.fact, "form": form, "today": today(),
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


@login_required
def repair_queue(request):
    if not has_perm(request.user, "credit.view_repairapplication"):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    qs = restrict(RepairApplication.objects.select_related("fact", "enterprise", "region", "department"), request.user, "view")
    qs, status = _status_filter(request, qs, RepairStatus.choices, RepairStatus.PENDING)
    day = today()
    return render(request, "credit/disputes/repair_queue.html", {
        "page": paginate(request, qs.order_by("decision_due", "-pk") if status == RepairStatus.PENDING else qs.order_by("-applied_on", "-pk")),
        "status": status, "statuses": RepairStatus.choices, "today": day,
        "overdue_count": disputes_read.overdue(request.user, day)["repairs"].count(),
    })


@login_required
def repair_detail(request, pk: int):
    application = _fetch(RepairApplication, request.user, pk)
    may_decide = application.status == RepairStatus.PENDING and disputes_read.may_decide(request.user, application)
    form = None
    if may_decide:
        form = DecideRepairForm(_posted(request))
    elif request.method == "POST":
        _fetch(RepairApplication, request.user, pk, "change")
        if application.status == RepairStatus.PENDING:
            raise PermissionDenied(_("由%(department)s审核") % {"department": application.department.name})
        messages.error(request, _("该信用修复申请已审核，不能再审核。"))
        return redirect("credit:repair-detail", pk=application.pk)
    if request.method == "POST" and form.is_valid():
        try:
            with web_context(request, f"审核信用修复申请：{application.fact}"):
                services.decide_repair(actor=request.user, application=application, granted=form.cleaned_data["granted"],
                                       note=form.cleaned_data["note"], decided_on=today())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已审核信用修复申请。"))
            return redirect("credit:repair-detail", pk=application.pk)
    return render(request, "credit/disputes/repair_detail.html", {
        "application": application, "fact": application.fact, "form": form, "today": today(),
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


#: kind in the URL → (model, its file fields)
FILES = {"objection": (FactObjection, ("evidence",)), "repair": (RepairApplication, ("commitment", "proof"))}


@login_required
def dispute_file(request, kind: str, pk: int, field: str):
    """An objection's evidence, a repair's commitment letter or proof — for whoever may see the
    request (the enterprise, the reviewing staff); 404 otherwise."""
    if kind not in FILES or field not in FILES[kind][1]:
        raise Http404(_("文件不存在"))
    model = FILES[kind][0]
    obj = get_for_user(model.objects.all(), request.user, "view", pk=pk)
    stored = getattr(obj, field)
    if not stored:
        raise Http404(_("文件不存在"))
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404(_("文件不存在")) from exc
    return FileResponse(handle, as_attachment=True, filename=getattr(obj, f"{field}_name", "") or stored.name.rsplit("/", 1)[-1])


urlpatterns = [
    path("staff/credit/facts/<int:pk>/objection/", objection_file, name="objection-file"),
    path("staff/credit/facts/<int:pk>/repair/", repair_apply, name="repair-apply"),
    path("staff/credit/my/disputes/", my_disputes, name="my-disputes"),
    path("staff/credit/objections/", objection_queue, name="objection-queue"),
    path("staff/credit/objections/<int:pk>/", objection_detail, name="objection-detail"),
    path("staff/credit/repairs/", repair_queue, name="repair-queue"),
    path("staff/credit/repairs/<int:pk>/", repair_detail, name="repair-detail"),
    path("staff/credit/disputes/<str:kind>/<int:pk>/<str:field>/", dispute_file, name="dispute-file"),
]
