"""Forms of the registry's staff pages.  Writes go through ``services``; a form
only validates and says which fields the user changed (``changes()``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import BooleanFilter, ChoiceFilter

from zhiliang.core.audit import mask_value
from zhiliang.core.forms import DateInput
from zhiliang.core.identity import person_id_problem
from zhiliang.core.models import Region
from zhiliang.core.permissions import codename, memberships, role_permissions

from .choices import EnterpriseStatus, IdType
from .filtersets import (
    CategoryCodeFilter,
    EnterpriseFilterSet,
    InspectorFilterSet,
    RegionCodeFilter,
    TestingAgencyFilterSet,
)
from .models import Enterprise, ProductCategory

#: the fields staff edit on the enterprise page (a subset of ``services.ENTERPRISE_FIELDS``)
EDITABLE = (
    "uscc", "name", "entity_type", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number", "region", "address",
    "industry_code", "registered_capital", "established_on", "status", "scale", "chief_quality_officer", "cqo_phone",
    "liability_insured", "insurance_until", "categories",
)


def regions_for(user, action: str = "change"):
    """The regions in which ``user`` may ``action`` enterprises (the choices of the region field)."""
    perm = codename(Enterprise, action)
    qs = Region.objects.order_by("sort_order", "code")
    if getattr(user, "is_superuser", False):
        return qs
    ids: set[int] = set()
    for m in memberships(user):
        if perm not in role_permissions(m.role):
            continue
        if m.region_id is None:
            return qs
        ids.update(m.region.subtree_ids())
    return qs.filter(pk__in=ids)


class EnterpriseForm(forms.ModelForm):
    """The editable facts of an enterprise.  Personal data (the legal
    representative's ID number, the CQO's phone) is never sent to the browser:
    the fields start empty with the masked value as a hint; empty = unchanged."""

    PERSONAL = ("legal_rep_id_number", "cqo_phone")

    class Meta:
        model = Enterprise
        fields = list(EDITABLE)
        widgets = {
            "established_on": DateInput,
            "insurance_until": DateInput,
            "categories": forms.CheckboxSelectMultiple,
            "address": forms.TextInput(attrs={"size": 60}),
            "name": forms.TextInput(attrs={"size": 50}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for(user)
        self.fields["categories"].queryset = ProductCategory.objects.order_by("sort_order", "code")
        self.fields["categories"].required = False
        self.fields["name"].error_messages["required"] = _("请填写企业名称")
        if self.instance.pk and self.instance.uscc:
            # a registered USCC cannot change (services.update_enterprise)
            self.fields["uscc"].disabled = True
            self.fields["uscc"].help_text = _("统一社会信用代码一经登记不能修改")
        for name in self.PERSONAL:
            field = self.fields[name]
            current = getattr(self.instance, name, "")
            self.initial[name] = ""
            field.required = False
            if current:
                field.widget.attrs["placeholder"] = mask_value(current)
                field.help_text = _("个人信息不在页面显示；留空表示不修改，填写则替换原值。")

    def clean(self):
        data = super().clean()
        if data.get("insurance_until") and not data.get("liability_insured"):
            self.add_error("insurance_until", _("未投保产品质量安全责任保险时不能填写保险有效期"))
        number = (data.get("legal_rep_id_number") or "").strip().upper()
        if number:
            data["legal_rep_id_number"] = number
            id_type = data.get("legal_rep_id_type") or ""
            problem = person_id_problem("居民身份证" if id_type == IdType.RESIDENT_ID else id_type, number)
            if problem:
                self.add_error("legal_rep_id_number", problem)
        return data

    def changes(self) -> dict:
        """Only the fields the user changed, for ``services.update_enterprise``."""
        out = {}
        for name in self.changed_data:
            if name not in EDITABLE or self.fields[name].disabled:
                continue
            value = self.cleaned_data[name]
            if name in self.PERSONAL and not value:
                continue
            if name == "uscc":
                value = value or None
            out[name] = list(value) if name == "categories" else value
        return out


# --- the list pages' filters: the API's FilterSets with choice lists instead of typed codes -------------


YES_NO = [("", _("全部")), ("true", _("是")), ("false", _("否"))]


def region_choices():
    return [("", _("全部"))] + [
        (r.code, ("　" if r.level in ("county", "zone") else "") + r.name)
        for r in Region.objects.filter(level__in=("city", "county", "zone", "outside")).order_by("sort_order", "code")
    ]


def category_choices():
    rows = list(ProductCategory.objects.order_by("sort_order", "code").values_list("code", "name", "parent_id"))
    return [("", _("全部"))] + [(code, ("　" if parent else "") + name) for code, name, parent in rows]


class RegionChoiceFilter(RegionCodeFilter):
    field_class = forms.ChoiceField


class CategoryChoiceFilter(CategoryCodeFilter):
    field_class = forms.ChoiceField


def _yes_no(label):
    return BooleanFilter(label=label, widget=forms.Select(choices=YES_NO))


class _UIFilterSet:
    """Drop the API-only filters from the page's form."""

    ui_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.filters):
            if name not in self.ui_fields:
                del self.filters[name]


class EnterpriseUIFilterSet(_UIFilterSet, EnterpriseFilterSet):
    ui_fields = ("region", "status", "category", "scale", "entity_type", "liability_insured")
    region = RegionChoiceFilter(field_name="region", label=_("所在区划"), choices=region_choices)
    status = ChoiceFilter(choices=EnterpriseStatus.choices, label=_("登记状态"), empty_label=_("全部"))
    category = CategoryChoiceFilter(field_name="categories", label=_("产品类别"), choices=category_choices)
    liability_insured = _yes_no(_("已投保质量安全责任险"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["scale"].label = _("企业规模")
        self.filters["scale"].extra["empty_label"] = _("全部")
        self.filters["entity_type"].label = _("主体类型")
        self.filters["entity_type"].extra["empty_label"] = _("全部")


class TestingAgencyUIFilterSet(_UIFilterSet, TestingAgencyFilterSet):
    ui_fields = ("q", "category", "region", "active")
    category = ChoiceFilter(method="filter_category", label=_("资质认定范围"), choices=category_choices, empty_label=None)
    region = RegionChoiceFilter(field_name="region", label=_("所在区划"), choices=region_choices)
    active = _yes_no(_("在用"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].label = _("名称、CMA 编号")


def department_choices():
    from zhiliang.core.models import Department

    return [("", _("全部"))] + list(Department.objects.order_by("region__sort_order", "code").values_list("code", "name"))


class InspectorUIFilterSet(_UIFilterSet, InspectorFilterSet):
    ui_fields = ("q", "region", "department", "qualification", "active")
    region = RegionChoiceFilter(field_name="region", label=_("所属区划"), choices=region_choices)
    department = ChoiceFilter(field_name="department__code", label=_("所属部门"), choices=department_choices, empty_label=None)
    active = _yes_no(_("在岗"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].label = _("姓名或执法证号")
        self.filters["qualification"].label = _("资格")
        self.filters["qualification"].extra["empty_label"] = _("全部")
