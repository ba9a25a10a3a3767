"""The sampling app's FilterSets — one per model, shared by the staff pages and the API
(STYLE.md §1, §6).

The queryset a FilterSet receives has already been restricted to what the user may see
(``restrict(user, "view")``); filters only narrow it.  Codes are used where people and other
systems know them: region ``420302`` (its whole subtree), category ``auto-parts`` (with its
descendants), plan code ``SY-2026-01``; ids where a row has no code (lab, enterprise).
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils import timezone

from zhiliang.core.filtersets import YearFilter
from zhiliang.enterprises.filtersets import CategoryCodeFilter, IdFilter, RegionCodeFilter, RegistryFilterSet

from .choices import (
    BulletinStatus,
    Conclusion,
    DrawKind,
    DrawStatus,
    Level,
    ObjectionStatus,
    Place,
    PlanKind,
    PlanStatus,
    RectificationStatus,
    ReferralStatus,
    ReportStatus,
    SampleStatus,
    Source,
    TaskStatus,
)
from .models import (
    Bulletin,
    Draw,
    Objection,
    Rectification,
    Referral,
    Sample,
    SamplingPlan,
    SamplingTask,
    TestReport,
)


class PlanRefFilter(filters.CharFilter):
    """A plan by its code (``SY-2026-01``) or its id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "抽查计划（计划编号或编号 id）")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        prefix = f"{self.field_name}__" if self.field_name else ""
        q = Q(**{f"{prefix}code": value})
        if value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
            q |= Q(**{f"{prefix}pk": int(value)})
        return qs.filter(q)


class SamplingPlanFilterSet(RegistryFilterSet):
    q = filters.CharFilter(method="filter_q", label="计划编号或名称包含")
    year = YearFilter(field_name="year", label="年度")
    level = filters.ChoiceFilter(choices=Level.choices, label="抽查层级")
    status = filters.ChoiceFilter(choices=PlanStatus.choices, label="状态")
    kind = filters.ChoiceFilter(choices=PlanKind.choices, label="抽查类型")
    place = filters.ChoiceFilter(choices=Place.choices, label="抽样环节")
    source = filters.ChoiceFilter(choices=Source.choices, label="来源")
    region = RegionCodeFilter(field_name="region", label="组织区划代码（含下级）")
    department = filters.CharFilter(field_name="department__code", label="组织部门代码")
    category = CategoryCodeFilter(field_name="categories", label="抽查产品类别代码（含下级类别）")

    class Meta:
        model = SamplingPlan
        fields = ("q", "year", "level", "status", "kind", "place", "source", "region", "department", "category")

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))


class DrawFilterSet(RegistryFilterSet):
    plan = PlanRefFilter(field_name="plan")
    kind = filters.ChoiceFilter(choices=DrawKind.choices, label="抽取对象")
    status = filters.ChoiceFilter(choices=DrawStatus.choices, label="状态")
    based_on = IdFilter(field_name="based_on_id", label="依据的企业抽取编号")

    class Meta:
        model = Draw
        fields = ("plan", "kind", "status", "based_on")


class SamplingTaskFilterSet(RegistryFilterSet):
    plan = PlanRefFilter(field_name="plan")
    draw = IdFilter(field_name="draw_id", label="抽取记录编号")
    region = RegionCodeFilter(field_name="region", label="区划代码（含下级）")
    status = filters.ChoiceFilter(choices=TaskStatus.choices, label="状态")
    category = CategoryCodeFilter(field_name="category")
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    lab = IdFilter(field_name="lab_id", label="承检机构编号")
    year = YearFilter(field_name="plan__year", label="计划年度")

    class Meta:
        model = SamplingTask
        fields = ("plan", "draw", "region", "status", "category", "enterprise", "lab", "year")


class SampleFilterSet(RegistryFilterSet):
    q = filters.CharFilter(method="filter_q", label="样品编号、产品名称、生产企业或受检单位名称包含")
    sample_no = filters.CharFilter(field_name="sample_no", label="样品编号（精确）")
    plan = PlanRefFilter(field_name="plan")
    status = filters.ChoiceFilter(choices=SampleStatus.choices, label="状态")
    conclusion = filters.ChoiceFilter(choices=Conclusion.choices, label="检验结论")
    level = filters.ChoiceFilter(choices=Level.choices, label="抽查层级")
    place = filters.ChoiceFilter(choices=Place.choices, label="抽样环节")
    source = filters.ChoiceFilter(choices=Source.choices, label="来源")
    region = RegionCodeFilter(field_name="region", label="抽样地区代码（含下级）")
    producer_region = RegionCodeFilter(field_name="producer_region", label="生产企业所在区划代码（含下级）")
    category = CategoryCodeFilter(field_name="category")
    lab = IdFilter(field_name="lab_id", label="承检机构编号")
    producer = IdFilter(field_name="producer_id", label="生产企业编号")
    task = IdFilter(field_name="task_id", label="抽查任务编号")
    bulletin = IdFilter(field_name="bulletin_id", label="结果公告编号")
    unmatched = filters.BooleanFilter(method="filter_unmatched", label="导入的、生产企业尚未匹配的样品")
    sampled = filters.DateFromToRangeFilter(field_name="sampled_on", label="抽样日期（_after 起，_before 止，均含）")
    year = YearFilter(field_name="sampled_on__year", label="抽样年度")

    class Meta:
        model = Sample
        fields = ("q", "sample_no", "plan", "status", "conclusion", "level", "place", "source", "region", "producer_region", "category",
                  "lab", "producer", "task", "bulletin", "unmatched", "sampled", "year")

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(sample_no__icontains=value) | Q(product_name__icontains=value) | Q(producer_name__icontains=value)
            | Q(sampled_unit_name__icontains=value)
        )

    def filter_unmatched(self, queryset, name, value):
        unmatched = Q(source=Source.IMPORTED, producer__isnull=True)
        return queryset.filter(unmatched) if value else queryset.exclude(unmatched)


class TestReportFilterSet(RegistryFilterSet):
    __test__ = False

    sample = IdFilter(field_name="sample_id", label="样品编号 id")
    sample_no = filters.CharFilter(field_name="sample__sample_no", label="样品编号")
    lab = IdFilter(field_name="lab_id", label="检验检测机构编号")
    status = filters.ChoiceFilter(choices=ReportStatus.choices, label="状态")
    conclusion = filters.ChoiceFilter(choices=Conclusion.choices, label="检验结论")
    is_retest = filters.BooleanFilter(field_name="is_retest", label="复检报告")

    class Meta:
        model = TestReport
        fields = ("sample", "sample_no", "lab", "status", "conclusion", "is_retest")


class ObjectionFilterSet(RegistryFilterSet):
    sample = IdFilter(field_name="sample_id", label="样品编号 id")
    status = filters.ChoiceFilter(choices=ObjectionStatus.choices, label="状态")
    region = RegionCodeFilter(field_name="sample__region", label="抽样地区代码（含下级）")
    filed = filters.DateFromToRangeFilter(field_name="filed_on", label="申请日期（_after 起，_before 止，均含）")

    class Meta:
        model = Objection
        fields = ("sample", "status", "region", "filed")


class OverdueFilter(filters.BooleanFilter):
    """Rows whose open step is past its due date today (``true``), or not (``false``)."""

    def __init__(self, *args, overdue_q=None, **kwargs):
        self.overdue_q = overdue_q
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        q = self.overdue_q(timezone.localdate())
        return qs.filter(q) if value else qs.exclude(q)


def rectification_overdue_q(today):
    """Open steps past their date: the re-check (ordered, not rechecked) or the second re-check window."""
    return (Q(status=RectificationStatus.ORDERED, rechecked_on__isnull=True, recheck_due__lt=today)
            | Q(status=RectificationStatus.PUBLISHED, second_rechecked_on__isnull=True, second_recheck_until__lt=today))


def referral_overdue_q(today):
    return Q(status=ReferralStatus.SENT, reply_due__lt=today)


class RectificationFilterSet(RegistryFilterSet):
    status = filters.ChoiceFilter(choices=RectificationStatus.choices, label="状态")
    region = RegionCodeFilter(field_name="region")
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    sample = IdFilter(field_name="sample_id", label="样品编号 id")
    overdue = OverdueFilter(overdue_q=rectification_overdue_q, label="已逾期（复查或再次复查期限已过仍未办理）")

    class Meta:
        model = Rectification
        fields = ("status", "region", "enterprise", "sample", "overdue")


class ReferralFilterSet(RegistryFilterSet):
    status = filters.ChoiceFilter(choices=ReferralStatus.choices, label="状态")
    region = RegionCodeFilter(field_name="region")
    sample = IdFilter(field_name="sample_id", label="样品编号 id")
    overdue = OverdueFilter(overdue_q=referral_overdue_q, label="已逾期（回复期限已过仍未回复）")

    class Meta:
        model = Referral
        fields = ("status", "region", "sample", "overdue")


class BulletinFilterSet(RegistryFilterSet):
    plan = PlanRefFilter(field_name="plan")
    status = filters.ChoiceFilter(choices=BulletinStatus.choices, label="状态")
    year = YearFilter(field_name="plan__year", label="计划年度")
    level = filters.ChoiceFilter(field_name="plan__level", choices=Level.choices, label="抽查层级")

    class Meta:
        model = Bulletin
        fields = ("plan", "status", "year", "level")


__all__ = [
    "BulletinFilterSet",
    "DrawFilterSet",
    "ObjectionFilterSet",
    "PlanRefFilter",
    "RectificationFilterSet",
    "ReferralFilterSet",
    "SampleFilterSet",
    "SamplingPlanFilterSet",
    "SamplingTaskFilterSet",
    "TestReportFilterSet",
    "rectification_overdue_q",
    "referral_overdue_q",
]
