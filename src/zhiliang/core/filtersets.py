"""core's FilterSets — one per model, used by both the UI and the API (STYLE.md §1, §6).

The queryset a FilterSet receives has already been restricted to what the
user may see; filters only narrow it.  Codes are used where people and other
systems know them (region ``420302``, department ``sy-amr``, model
``core.department``) rather than database ids.
"""

from __future__ import annotations

import datetime
import re

import django_filters as filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from .choices import ChangeAction, DepartmentKind, RegionLevel, Role
from .models import APIToken, ChangeSet, Department, DomainEvent, Membership, ObjectChange, Region, RuleOverride


@extend_schema_field({"type": "integer", "description": "年度，如 2024"})
class YearFilter(filters.CharFilter):
    """A year; a value that is no year (``abc``, ``1e50``) matches nothing."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        text = str(value).strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or not 0 < int(text) < 10_000:
            return qs.none()
        return qs.filter(**{self.field_name: int(text)})


MODEL_LABEL = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


def _subtree_q(field: str, code: str) -> Q:
    """Rows whose ``field`` (a region FK) lies in the subtree of region ``code``."""
    region = Region.objects.filter(code=code).only("path").first()
    if region is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": region.path})


class RegionFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="名称或代码包含")
    level = filters.ChoiceFilter(choices=RegionLevel.choices, label="层级")
    parent = filters.CharFilter(field_name="parent__code", label="上级区划代码")
    within = filters.CharFilter(method="filter_within", label="在此区划之下（含本级），区划代码")

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "within", "is_local_code"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_within(self, queryset, name, value):
        region = Region.objects.filter(code=value).only("path").first()
        return queryset.filter(path__startswith=region.path) if region else queryset.none()


class DepartmentFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="名称、简称或代码包含")
    region = filters.CharFilter(method="filter_region", label="所属区划代码（含下级）")
    kind = filters.ChoiceFilter(choices=DepartmentKind.choices, label="类型")
    current = filters.BooleanFilter(method="filter_current", label="今天仍存续")
    is_responsible_unit = filters.BooleanFilter(label="纲要责任单位")

    class Meta:
        model = Department
        fields = ["q", "region", "kind", "current", "is_responsible_unit"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__icontains=value))

    def filter_region(self, queryset, name, value):
        return queryset.filter(_subtree_q("region", value))

    def filter_current(self, queryset, name, value):
        from django.utils import timezone

        alive = Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())
        return queryset.filter(alive) if value else queryset.exclude(alive)


class MembershipFilterSet(filters.FilterSet):
    user = filters.CharFilter(field_name="user__username", label="用户名")
    role = filters.ChoiceFilter(field_name="role__name", choices=Role.choices, label="角色")
    region = filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    department = filters.CharFilter(field_name="department__code", label="部门代码")
    active = filters.BooleanFilter(method="filter_active", label="今天有效")

    class Meta:
        model = Membership
        fields = ["user", "role", "region", "department", "active"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(_subtree_q("region", value))

    def filter_active(self, queryset, name, value):
        from django.utils import timezone

        today = timezone.localdate()
        active = (Q(valid_from__isnull=True) | Q(valid_from__lte=today)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        return queryset.filter(active) if value else queryset.exclude(active)


def _filter_model(queryset, name, value):
    """``app_label.model`` (e.g. ``core.department``); anything else matches nothing."""
    if not MODEL_LABEL.match(value.strip().lower()):
        return queryset.none()
    app_label, model = value.strip().lower().split(".", 1)
    return queryset.filter(**{f"{name}__app_label": app_label, f"{name}__model": model})


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 time, compared in UTC: an offset PostgreSQL cannot hold (``-21:28``) is
    no 500; a time that cannot be expressed in UTC (year 1 at ``-01:00``) matches nothing."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        try:
            value = value.astimezone(datetime.timezone.utc)
        except (OverflowError, ValueError):
            return qs.none()
        return super().filter(qs, value)


class IdNumberFilter(filters.NumberFilter):
    """A database id given as a number; one that cannot be an id (1.5, -5e200) matches nothing
    (a huge value would otherwise overflow the database driver: a 500)."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if value != value.to_integral_value() or not 0 < value <= 2**63 - 1:
            return qs.none()
        return super().filter(qs, int(value))


class ObjectChangeFilterSet(filters.FilterSet):
    actor = IdNumberFilter(field_name="actor_id", label="操作人编号")
    actor_name = filters.CharFilter(field_name="actor_name", lookup_expr="icontains", label="操作人姓名包含")
    action = filters.ChoiceFilter(choices=ChangeAction.choices, label="操作")
    model = filters.CharFilter(field_name="content_type", method="filter_model", label="对象类型，如 core.department")
    object_id = filters.CharFilter(label="对象编号")
    since = UtcIsoDateTimeFilter(field_name="time", lookup_expr="gte", label="起始时间（含）")
    until = UtcIsoDateTimeFilter(field_name="time", lookup_expr="lt", label="截止时间（不含）")
    request_id = filters.CharFilter(label="请求编号")
    change_set = IdNumberFilter(field_name="change_set_id", label="变更集编号")
    source = filters.CharFilter(label="来源")

    class Meta:
        model = ObjectChange
        fields = ["actor", "actor_name", "action", "model", "object_id", "since", "until", "request_id", "change_set", "source"]

    def filter_model(self, queryset, name, value):
        return _filter_model(queryset, name, value)


class ChangeSetFilterSet(filters.FilterSet):
    kind = filters.CharFilter(label="类型")
    actor = IdNumberFilter(field_name="actor_id", label="操作人编号")
    file_sha256 = filters.CharFilter(label="文件 SHA-256")
    request_id = filters.CharFilter(label="请求编号")
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="起始时间（含）")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="截止时间（不含）")

    class Meta:
        model = ChangeSet
        fields = ["kind", "actor", "file_sha256", "request_id", "since", "until"]


class DomainEventFilterSet(filters.FilterSet):
    name = filters.CharFilter(method="filter_name", label="事件名；以“.”结尾时按前缀，如 sampling.")
    enterprise_key = filters.CharFilter(label="企业键（统一社会信用代码等）")
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="起始时间（含）")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="截止时间（不含）")
    region = filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    subject_type = filters.CharFilter(field_name="subject_type", method="filter_model", label="对象类型，如 core.department")
    subject_id = filters.CharFilter(label="对象编号")
    request_id = filters.CharFilter(label="请求编号")
    ordering = filters.OrderingFilter(fields=(("created_at", "created_at"),), label="排序：created_at（先早后晚，拉取时用）或 -created_at")

    class Meta:
        model = DomainEvent
        fields = ["name", "enterprise_key", "since", "until", "region", "subject_type", "subject_id", "request_id"]

    def filter_name(self, queryset, name, value):
        if value.endswith("."):
            return queryset.filter(name__startswith=value)
        return queryset.filter(name=value)

    def filter_region(self, queryset, name, value):
        return queryset.filter(_subtree_q("region", value))

    def filter_model(self, queryset, name, value):
        return _filter_model(queryset, name, value)


class APITokenFilterSet(filters.FilterSet):
    active = filters.BooleanFilter(method="filter_active", label="可用（未过期、未吊销）")

    class Meta:
        model = APIToken
        fields = ["active", "read_only"]

    def filter_active(self, queryset, name, value):
        from django.utils import timezone

        usable = Q(revoked_at__isnull=True, expires_at__gt=timezone.now())
        return queryset.filter(usable) if value else queryset.exclude(usable)


class RuleOverrideFilterSet(filters.FilterSet):
    rule = filters.CharFilter(label="规则名，如 RULE_SAMPLING_REPEAT_6M")

    class Meta:
        model = RuleOverride
        fields = ["rule"]
