"""Forms of core's pages. They validate and report in Chinese next to the field;
they never save — the views pass the cleaned data to ``core.services``."""

from __future__ import annotations

import datetime

import django_filters as filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules as rules_registry
from .accounts import can_log_in
from .filtersets import ObjectChangeFilterSet
from .models import Department
from .services import DEPARTMENT_EDITABLE


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确（注意区分大小写）。"),
        "inactive": _("该账号已停用，请联系市级管理员。"),
        "service_account": _("服务账号只能通过接口令牌访问，不能登录网页。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].error_messages["required"] = _("请填写用户名")
        self.fields["password"].error_messages["required"] = _("请填写密码")

    def confirm_login_allowed(self, user):
        if getattr(user, "is_service_account", False):
            raise ValidationError(self.error_messages["service_account"], code="service_account")
        if not user.is_active:
            raise ValidationError(self.error_messages["inactive"], code="inactive")
        if not can_log_in(user):
            raise ValidationError(self.error_messages["inactive"], code="inactive")


class RuleOverrideForm(forms.Form):
    """An effective-dated value for one registered rule (city admin)."""

    rule = forms.CharField(widget=forms.HiddenInput)
    value = forms.CharField(label=_("新取值"), max_length=2000)
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput)
    reason = forms.CharField(label=_("调整依据"), max_length=255, help_text=_("文件名称、文号或会议纪要"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].error_messages["required"] = _("请填写新取值")
        self.fields["effective_from"].error_messages["required"] = _("请填写生效日期")
        self.fields["effective_from"].error_messages["invalid"] = _("生效日期格式应为 年-月-日，例如 2026-07-01")
        self.fields["reason"].error_messages["required"] = _("请填写调整依据")

    def clean_rule(self):
        name = self.cleaned_data["rule"]
        try:
            return rules_registry.get(name)
        except ValidationError:
            raise ValidationError(_("未知规则 %(name)s"), params={"name": name}) from None

    def clean(self):
        data = super().clean()
        rule = data.get("rule")
        if rule is not None and "value" in data:
            try:
                data["value"] = rule.clean(data["value"])
            except ValidationError as exc:
                self.add_error("value", exc)
        if "reason" in data and not data["reason"].strip():
            self.add_error("reason", _("请填写调整依据"))
        return data


class DepartmentForm(forms.ModelForm):
    """The editable facts of a department (``services.DEPARTMENT_EDITABLE``)."""

    class Meta:
        model = Department
        fields = list(DEPARTMENT_EDITABLE)
        widgets = {"valid_from": DateInput, "valid_to": DateInput, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        successors = Department.objects.restrict(user, "view").order_by("region__sort_order", "code")
        if self.instance.pk:
            successors = successors.exclude(pk=self.instance.pk)
        self.fields["successor"].queryset = successors
        self.fields["successor"].required = False
        self.fields["name"].error_messages["required"] = _("请填写部门名称")

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("撤销日期不能早于设立日期"))
        successor = data.get("successor")
        # the new successor must not be this department or one of its predecessors
        if successor is not None and self.instance.pk and successor.pk in self.instance.lineage_ids():
            self.add_error("successor", _("承继关系不能形成循环"))
        return data

    def changes(self) -> dict:
        """Only the fields the user changed, for ``services.update_department``."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in DEPARTMENT_EDITABLE}


def audited_model_choices() -> list[tuple[str, str]]:
    """("app.model", "名称（app.model）") for every Zhiliang model and the user model."""
    from .roles import zhiliang_models

    choices = []
    for model in sorted(zhiliang_models(), key=lambda m: m._meta.label_lower):
        key = model._meta.label_lower
        choices.append((key, f"{model._meta.verbose_name}（{key}）"))
    return choices


class ObjectChangeFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = _("日期格式应为 年-月-日")
        self.fields["change_set"].error_messages["invalid"] = _("变更集编号应为整数")
        self.fields["model"].error_messages["invalid_choice"] = _("未知的对象类型：%(value)s")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return data


class ObjectChangeUIFilterSet(ObjectChangeFilterSet):
    """The API's change-log FilterSet, with date pickers and an object-type list for the page."""

    model = filters.ChoiceFilter(field_name="content_type", method="filter_model", label=_("对象类型"))
    date_from = filters.DateFilter(method="filter_date_from", label=_("起始日期"), widget=DateInput)
    date_to = filters.DateFilter(method="filter_date_to", label=_("截止日期"), widget=DateInput)

    class Meta(ObjectChangeFilterSet.Meta):
        form = ObjectChangeFilterForm
        fields = ["actor_name", "action", "model", "object_id", "date_from", "date_to", "request_id", "change_set"]

    LABELS = {
        "actor_name": _("操作人"),
        "action": _("操作"),
        "object_id": _("对象编号"),
        "request_id": _("请求编号"),
        "change_set": _("变更集"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("actor", "since", "until", "source"):
            self.filters.pop(name, None)
        self.filters["model"].extra["choices"] = audited_model_choices()
        for name, label in self.LABELS.items():
            self.filters[name].label = label
        self.filters["action"].extra["empty_label"] = _("全部")
        self.filters["model"].extra["empty_label"] = _("全部")

    def filter_date_from(self, queryset, name, value):
        start = datetime.datetime.combine(value, datetime.time.min, tzinfo=timezone.get_current_timezone())
        return queryset.filter(time__gte=start)

    def filter_date_to(self, queryset, name, value):
        end = datetime.datetime.combine(value + datetime.timedelta(days=1), datetime.time.min, tzinfo=timezone.get_current_timezone())
        return queryset.filter(time__lt=end)

    @property
    def qs(self):
        """Nothing when a filter is invalid (the form shows why), never a silently wider list."""
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs
