"""The pages of joint reward and punishment (联合奖惩), in the ``credit`` namespace.

| URL | name | who |
|---|---|---|
| ``/staff/credit/measures/`` | ``measure-list`` | every signed-in user (the catalogue is public policy) |
| ``/staff/credit/measures/new/``, ``…/<pk>/edit/`` | ``measure-create``, ``measure-edit`` | city admin (``credit.add_measure`` / ``change_measure``) |
| ``/staff/credit/cases/`` | ``case-inbox`` | ``credit.view_measurecase``: the department's targets, overdue in red |
| ``/staff/credit/cases/<pk>/`` | ``case-detail`` (+ ``case-feedback`` POST) | the case in scope; feedback by the executing department |
| ``/staff/credit/cases/statistics/`` | ``case-statistics`` | ``credit.view_measurecase``: tables and a chart |
| ``/xinyong/cuoshi/`` | ``public-measure-list`` | the public (throttled) |

Every page starts from ``restrict``; every write goes through ``services.measures``.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhiliang.core.forms import DateInput
from zhiliang.core.models import Department
from zhiliang.core.permissions import can, get_for_user, has_perm, restrict
from zhiliang.core.views import apply_errors, fetch, paginate, public_throttle, require_perm, staff_required, web_context

from . import measures_read
from .choices import CaseStatus, FeedbackOutcome, MeasureKind, MeasureTrigger
from .models import Measure, MeasureCase
from .services import measures as services

public_page = public_throttle("credit-public")
CASE_PERMISSION = "credit.view_measurecase"
#: the list part's entry page (linked when it is there)
LIST_ENTRY_URL_NAME = "credit:list-entry-detail"


# --- forms -----------------------------------------------------------------------------------------------


class DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MeasureForm(forms.ModelForm):
    """The catalogue fields; validated here, saved by ``services.measures.save_measure``."""

    requesting_department = DepartmentChoice(queryset=Department.objects.none(), label=gettext_lazy("发起部门"))
    executing_department = DepartmentChoice(queryset=Department.objects.none(), label=gettext_lazy("实施部门"))

    class Meta:
        model = Measure
        fields = list(services.MEASURE_FIELDS)
        widgets = {"legal_basis": forms.Textarea(attrs={"rows": 3}), "content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(valid_to__isnull=True).order_by("code")
        self.fields["requesting_department"].queryset = departments
        self.fields["executing_department"].queryset = departments


class FeedbackForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("执行情况"), choices=FeedbackOutcome.choices)
    matter = forms.CharField(label=gettext_lazy("办理事项"), max_length=200, required=False,
                             help_text=gettext_lazy("如政府采购项目名称、补贴申请编号"))
    occurred_on = forms.DateField(label=gettext_lazy("办理日期"), widget=DateInput(),
                                  initial=timezone.localdate)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False, choices=[("", gettext_lazy("全部")), *CaseStatus.choices])
    trigger = forms.ChoiceField(label=gettext_lazy("适用情形"), required=False, choices=[("", gettext_lazy("全部")), *MeasureTrigger.choices])
    overdue = forms.BooleanField(label=gettext_lazy("只看逾期未反馈"), required=False)


class MeasureFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"), required=False, choices=[("", gettext_lazy("全部")), *MeasureKind.choices])
    trigger = forms.ChoiceField(label=gettext_lazy("适用情形"), required=False, choices=[("", gettext_lazy("全部")), *MeasureTrigger.choices])


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("发起日期自"), required=False, widget=DateInput())
    end = forms.DateField(label=gettext_lazy("至"), required=False, widget=DateInput())


# --- helpers -------------------------------------------------------------------------------------------


def _filtered_measures(request, qs):
    form = MeasureFilterForm(request.GET or None)
    if form.is_valid():
        for name in ("kind", "trigger"):
            if form.cleaned_data[name]:
                qs = qs.filter(**{name: form.cleaned_data[name]})
    return form, qs.select_related("requesting_department", "executing_department").order_by("kind", "code")


def _fetch_case(request, pk: int) -> MeasureCase:
    qs = MeasureCase.objects.select_related("measure", "measure__requesting_department", "enterprise", "region", "executing_department",
                                            "list_entry", "assessment")
    return fetch(qs, request.user, pk=pk)


def list_entry_url(case: MeasureCase) -> str | None:
    if case.list_entry_id is None:
        return None
    try:
        return reverse(LIST_ENTRY_URL_NAME, kwargs={"pk": case.list_entry_id})
    except NoReverseMatch:
        return None




def _date_param(value, default: datetime.date) -> datetime.date:
    return value if isinstance(value, datetime.date) else default


# --- the catalogue -----------------------------------------------------------------------------------------


@login_required
def measure_list(request):
    """奖惩措施目录: every measure (inactive ones marked) for signed-in users."""
    form, measures = _filtered_measures(request, restrict(Measure.objects.all(), request.user, "view"))
    return render(request, "credit/measures/measure_list.html", {
        "form": form, "object_list": measures, "may_add": has_perm(request.user, "credit.add_measure"),
        "may_change": has_perm(request.user, "credit.change_measure"),
    })


@public_page
def public_measure_list(request):
    """联合奖惩措施 — the public catalogue (active measures)."""
    form, measures = _filtered_measures(request, restrict(Measure.objects.all(), None, "view"))
    return render(request, "credit/measures/public_measure_list.html", {"form": form, "object_list": measures})


def _measure_form_page(request, measure: Measure | None):
    copy = Measure.objects.get(pk=measure.pk) if measure is not None else None  # the form mutates its instance
    form = MeasureForm(request.POST if request.method == "POST" else None, instance=copy)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.MEASURE_FIELDS}
        try:
            with web_context(request, f"{'修改' if measure else '新增'}联合奖惩措施 {fields['code']}"):
                saved = services.save_measure(actor=request.user, measure=measure, **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存联合奖惩措施 %(code)s。") % {"code": saved.code})
            return redirect("credit:measure-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "credit/measures/measure_form.html", {"form": form, "measure": measure}, status=status)


@require_perm("credit.add_measure")
def measure_create(request):
    return _measure_form_page(request, None)


@require_perm("credit.change_measure")
def measure_edit(request, pk: int):
    measure = get_for_user(Measure.objects.all(), request.user, "change", pk=pk)
    return _measure_form_page(request, measure)


# --- cases ---------------------------------------------------------------------------------------------------


@staff_required  # an enterprise reads the measures applied to it on its credit page
@require_perm(CASE_PERMISSION)
def case_inbox(request):
    """联合奖惩任务: the cases the user's department executes (a county's staff: its county's),
    open ones due first; overdue ones in red with the working days overdue."""
    today = timezone.localdate()
    cases = measures_read.department_inbox(request.user)
    form = CaseFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            cases = cases.filter(status=data["status"])
        if data["trigger"]:
            cases = cases.filter(measure__trigger=data["trigger"])
        if data["overdue"]:
            cases = cases.filter(status=CaseStatus.OPEN, feedback_due__lt=today)
    page = paginate(request, cases)
    for case in page.object_list:
        case.days_overdue = measures_read.overdue_days(case, today)
    return render(request, "credit/measures/case_inbox.html", {
        "form": form, "page": page, "today": today, "overdue_count": measures_read.overdue_cases(request.user, today).count(),
    })


def _case_page(request, case: MeasureCase, form: FeedbackForm | None = None, status: int = 200):
    may_feedback = case.status != CaseStatus.CLOSED and can(case, request.user, "change")
    if form is None and may_feedback:
        form = FeedbackForm(initial={"occurred_on": timezone.localdate()})
    return render(request, "credit/measures/case_detail.html", {
        "case": case, "feedback": restrict(case.feedback.select_related("reported_by"), request.user, "view").order_by("-occurred_on", "-pk"),
        "form": form if may_feedback else None, "days_overdue": measures_read.overdue_days(case),
        "list_entry_url": list_entry_url(case),
    }, status=status)


@staff_required  # an enterprise reads the measures applied to it on its credit page
@require_perm(CASE_PERMISSION)
def case_detail(request, pk: int):
    return _case_page(request, _fetch_case(request, pk))


@require_POST
@staff_required
@require_perm(CASE_PERMISSION)
def case_feedback(request, pk: int):
    """执行反馈: the executing department reports what it did (through ``services.measures.feedback``)."""
    case = _fetch_case(request, pk)
    if not can(case, request.user, "change"):
        raise PermissionDenied(_("无权反馈此联合奖惩案件：只有实施部门可以反馈"))
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            with web_context(request, f"联合奖惩执行反馈：{case.measure.code} {case.enterprise.name}"):
                services.feedback(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记执行反馈。"))
            return redirect("credit:case-detail", pk=case.pk)
    return _case_page(request, case, form, status=400)


def _bar_chart(title: str, rows: list[dict]) -> dict:
    names = [r["executing_department__name"] for r in rows]
    series = [(_("发起"), "opened", "#2f6fb0"), (_("已反馈"), "fed_back", "#3a9a5b"), (_("逾期未反馈"), "overdue", "#c0392b")]
    return {
        "title": {"text": title, "left": "center"},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 40, "right": 20, "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 30 if len(names) > 4 else 0}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": label, "type": "bar", "data": [r[key] for r in rows], "itemStyle": {"color": colour}} for label, key, colour in series],
    }


@staff_required  # an enterprise reads the measures applied to it on its credit page
@require_perm(CASE_PERMISSION)
def case_statistics(request):
    """联合奖惩统计: per measure and per executing department, the cases opened in a period, fed
    back, overdue, and the feedback by outcome; a bar chart per department."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, end = datetime.date(today.year, 1, 1), today
    if form.is_valid():
        start = _date_param(form.cleaned_data["start"], start)
        end = _date_param(form.cleaned_data["end"], end)
    if end < start:
        start, end = end, start
    stats = measures_read.measure_statistics(request.user, start, end, today)
    charts = {}
    if stats["by_department"]:
        charts["chart-measure-departments"] = _bar_chart(
            _("%(start)s 至 %(end)s 联合奖惩案件（按实施部门）") % {"start": start.isoformat(), "end": end.isoformat()}, stats["by_department"])
    return render(request, "credit/measures/case_statistics.html", {"form": form, "stats": stats, "charts": charts, "start": start, "end": end})


urlpatterns = [
    path("staff/credit/measures/", measure_list, name="measure-list"),
    path("staff/credit/measures/new/", measure_create, name="measure-create"),
    path("staff/credit/measures/<int:pk>/edit/", measure_edit, name="measure-edit"),
    path("staff/credit/cases/", case_inbox, name="case-inbox"),
    path("staff/credit/cases/statistics/", case_statistics, name="case-statistics"),
    path("staff/credit/cases/<int:pk>/", case_detail, name="case-detail"),
    path("staff/credit/cases/<int:pk>/feedback/", case_feedback, name="case-feedback"),
    path("xinyong/cuoshi/", public_measure_list, name="public-measure-list"),
]
