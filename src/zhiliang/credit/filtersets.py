"""The credit app's FilterSets — one per model, shared by the staff pages and the API
(STYLE.md §1, §6).

The queryset a FilterSet receives has already been restricted to what the user may see
(``restrict(user, "view")``); filters only narrow it.  Codes where people and other systems
know them: region ``420302`` (its whole subtree), source department ``sy-amr``; ids where a row
has no code (enterprise).  The pages use the ``…UIFilterSet`` variants (choice lists instead of
typed codes, only the page's filters).
"""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import BooleanFilter, ChoiceFilter

from zhiliang.core.forms import DateInput
from zhiliang.core.models import Department
from zhiliang.enterprises.filtersets import (
    IdFilter,
    RegionCodeFilter,
    RegistryFilterSet,
)
from zhiliang.enterprises.forms import (
    YES_NO,
    RegionChoiceFilter,
    _UIFilterSet,
    region_choices,
)

from .choices import FactKind, FactStatus, MatchStatus, RiskClass
from .models import CreditFact, RiskAssessment, public_facts


class CreditFactFilterSet(RegistryFilterSet):
    q = filters.CharFilter(method="filter_q", label="行政相对人名称、决定书文号或来源记录编号包含；或完整的统一社会信用代码")
    kind = filters.ChoiceFilter(choices=FactKind.choices, label="信息类别")
    source = filters.CharFilter(method="filter_source", label="来源部门代码（如 sy-amr，含其前身部门）")
    match_status = filters.ChoiceFilter(choices=MatchStatus.choices, label="主体匹配")
    status = filters.ChoiceFilter(choices=FactStatus.choices, label="状态")
    public = filters.BooleanFilter(method="filter_public", label="今天向社会公示")
    expired = filters.BooleanFilter(method="filter_expired", label="已过公示期")
    region = RegionCodeFilter(field_name="region", label="区划代码（含下级）")
    decided_after = filters.DateFilter(field_name="decided_on", lookup_expr="gte", label="决定日期自（含）")
    decided_before = filters.DateFilter(field_name="decided_on", lookup_expr="lte", label="决定日期至（含）")
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    enterprise_uscc = filters.CharFilter(method="filter_enterprise_uscc", label="企业统一社会信用代码")

    class Meta:
        model = CreditFact
        fields = ("q", "kind", "source", "match_status", "status", "public", "expired", "region", "decided_after", "decided_before",
                  "enterprise", "enterprise_uscc")

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        q = Q(party_name__icontains=value) | Q(decision_no__icontains=value) | Q(source_record_id__icontains=value)
        if len(value) == 18 and value.isascii():
            q |= Q(party_uscc=value.upper())
        return queryset.filter(q)

    def filter_source(self, queryset, name, value):
        department = Department.objects.filter(code=(value or "").strip()).first()
        if department is None:
            return queryset.none()
        return queryset.filter(source_department__in=department.lineage_ids())

    def filter_public(self, queryset, name, value):
        public = CreditFact._base_manager.filter(public_facts()).values("pk")
        return queryset.filter(pk__in=public) if value else queryset.exclude(pk__in=public)

    def filter_expired(self, queryset, name, value):
        expired = Q(publicity_ends_on__isnull=False, publicity_ends_on__lte=timezone.localdate())
        return queryset.filter(expired) if value else queryset.exclude(pk__in=CreditFact._base_manager.filter(expired).values("pk"))

    def filter_enterprise_uscc(self, queryset, name, value):
        return queryset.filter(enterprise__uscc=(value or "").strip().upper())


class RiskAssessmentFilterSet(RegistryFilterSet):
    risk_class = filters.ChoiceFilter(choices=RiskClass.choices, label="信用风险分类")
    region = RegionCodeFilter(field_name="region", label="企业所在区划代码（含下级）")
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    enterprise_uscc = filters.CharFilter(method="filter_enterprise_uscc", label="企业统一社会信用代码")
    current = filters.BooleanFilter(field_name="is_current", label="只看当前结果（false：历史结果）")
    rule_set = filters.CharFilter(field_name="rule_set", label="规则版本，如 zl-credit-class-1")

    class Meta:
        model = RiskAssessment
        fields = ("risk_class", "region", "enterprise", "enterprise_uscc", "current", "rule_set")

    def filter_enterprise_uscc(self, queryset, name, value):
        return queryset.filter(enterprise__uscc=(value or "").strip().upper())


# --- the pages' filters -------------------------------------------------------------------------------


def source_choices():
    return [("", _("全部"))] + [(d.code, d.name) for d in Department.objects.order_by("code")]


class CreditFactUIFilterSet(_UIFilterSet, CreditFactFilterSet):
    ui_fields = ("q", "kind", "source", "match_status", "status", "public", "expired", "region", "decided_after", "decided_before")
    kind = ChoiceFilter(choices=FactKind.choices, label=_("信息类别"), empty_label=_("全部"))
    source = ChoiceFilter(method="filter_source", label=_("来源部门"), choices=source_choices, empty_label=None)
    match_status = ChoiceFilter(choices=MatchStatus.choices, label=_("主体匹配"), empty_label=_("全部"))
    status = ChoiceFilter(choices=FactStatus.choices, label=_("状态"), empty_label=_("全部"))
    public = BooleanFilter(method="filter_public", label=_("今天公示中"), widget=forms.Select(choices=YES_NO))
    expired = BooleanFilter(method="filter_expired", label=_("已过公示期"), widget=forms.Select(choices=YES_NO))
    region = RegionChoiceFilter(field_name="region", label=_("区划"), choices=region_choices)
    decided_after = filters.DateFilter(field_name="decided_on", lookup_expr="gte", label=_("决定日期自"),
                                       widget=DateInput())
    decided_before = filters.DateFilter(field_name="decided_on", lookup_expr="lte", label=_("至"),
                                        widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].label = _("相对人名称或文号")


__all__ = ["CreditFactFilterSet", "CreditFactUIFilterSet", "RiskAssessmentFilterSet"]
