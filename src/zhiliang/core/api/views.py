"""core's API endpoints under ``/api/v1/`` (see ``docs/api.md``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import rules as rules_registry
from .. import services
from ..filtersets import (
    APITokenFilterSet,
    ChangeSetFilterSet,
    DepartmentFilterSet,
    DomainEventFilterSet,
    MembershipFilterSet,
    ObjectChangeFilterSet,
    RegionFilterSet,
    RuleOverrideFilterSet,
)
from ..models import APIToken, ChangeSet, Department, DomainEvent, Membership, ObjectChange, Region, RuleOverride
from ..permissions import restrict
from . import serializers as s
from .base import (
    AuditedAPIMixin,
    ScopedAPIView,
    ScopedReadOnlyViewSet,
    ServiceCreateMixin,
    ServiceDestroyMixin,
    ServiceUpdateMixin,
)

CODE_PARAM = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="代码")


@extend_schema_view(
    list=extend_schema(summary="行政区划列表", tags=["参考数据"]),
    retrieve=extend_schema(summary="行政区划详情", tags=["参考数据"], parameters=[CODE_PARAM]),
)
class RegionViewSet(ScopedReadOnlyViewSet):
    """行政区划 — public reference data (GB/T 2260 codes and local codes)."""

    public = True
    queryset = Region.objects.select_related("parent")
    serializer_class = s.RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"


@extend_schema_view(
    list=extend_schema(summary="部门列表", tags=["参考数据"]),
    retrieve=extend_schema(summary="部门详情", tags=["参考数据"], parameters=[CODE_PARAM]),
    partial_update=extend_schema(summary="修改部门（市级管理员）", tags=["参考数据"], parameters=[CODE_PARAM]),
)
class DepartmentViewSet(ServiceUpdateMixin, ScopedReadOnlyViewSet):
    """部门 / 责任单位 — readable by everyone; changed by a city admin (``PATCH``)."""

    public = True
    queryset = Department.objects.select_related("region", "successor")
    serializer_class = s.DepartmentSerializer
    write_serializer_class = s.DepartmentUpdateSerializer
    filterset_class = DepartmentFilterSet
    lookup_field = "code"

    def update_object(self, instance, data):
        return services.update_department(actor=self.request.user, department=instance, **data)


RULE_ON_PARAM = OpenApiParameter(
    "on", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="取值针对的日期（YYYY-MM-DD），缺省为今天"
)


@extend_schema_view(
    list=extend_schema(
        summary="规则列表（含当日取值）",
        tags=["规则"],
        parameters=[RULE_ON_PARAM, OpenApiParameter("group", OpenApiTypes.STR, OpenApiParameter.QUERY, description="分组，如 监督抽查")],
    ),
    retrieve=extend_schema(
        summary="规则详情（含调整历史）",
        tags=["规则"],
        parameters=[RULE_ON_PARAM, OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description="规则名")],
    ),
)
class RuleViewSet(AuditedAPIMixin, viewsets.GenericViewSet):
    """规则 — the registry of RULES.md with the value in force on a date."""

    serializer_class = s.RuleSerializer
    filter_backends: list = []
    lookup_field = "name"
    lookup_value_regex = "[^/]+"

    def _on(self) -> datetime.date:
        raw = self.request.query_params.get("on")
        if raw in (None, ""):
            return timezone.localdate()
        try:
            on = parse_date(raw)
        except ValueError:
            on = None
        if on is None:
            raise exceptions.ValidationError({"on": [f"日期格式应为 YYYY-MM-DD，收到“{raw}”"]})
        return on

    def _overrides(self) -> dict[str, list[RuleOverride]]:
        by_rule: dict[str, list[RuleOverride]] = {}
        for override in restrict(RuleOverride.objects.order_by("rule", "-effective_from"), self.request.user, "view"):
            by_rule.setdefault(override.rule, []).append(override)
        return by_rule

    def list(self, request, *args, **kwargs):
        on = self._on()
        group = request.query_params.get("group")
        overrides = self._overrides()
        rows = [
            s.RuleSerializer.build(rule, on, overrides.get(rule.name, []))
            for rule in rules_registry.all_rules()
            if not group or rule.group == group
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.RuleSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        name = kwargs[self.lookup_field]
        rule = next((r for r in rules_registry.all_rules() if r.name == name), None)
        if rule is None:
            raise exceptions.NotFound(f"规则“{name}”不存在")
        on = self._on()
        return Response(s.RuleSerializer(s.RuleSerializer.build(rule, on, self._overrides().get(rule.name, []))).data)


@extend_schema_view(
    list=extend_schema(summary="规则调整列表", tags=["规则"]),
    retrieve=extend_schema(summary="规则调整详情", tags=["规则"]),
    create=extend_schema(summary="新增规则调整（市级管理员）", tags=["规则"], description="同一规则同一生效日期再次提交时，替换原取值。"),
    destroy=extend_schema(summary="删除规则调整（市级管理员）", tags=["规则"]),
)
class RuleOverrideViewSet(ServiceCreateMixin, ServiceDestroyMixin, ScopedReadOnlyViewSet):
    """规则调整 — effective-dated local values of a rule, set by a city admin."""

    queryset = RuleOverride.objects.all()
    serializer_class = s.RuleOverrideSerializer
    filterset_class = RuleOverrideFilterSet

    def create_object(self, data):
        return services.set_rule_override(actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.remove_rule_override(actor=self.request.user, override=instance)


@extend_schema_view(
    list=extend_schema(summary="成员资格列表", tags=["用户"]),
    retrieve=extend_schema(summary="成员资格详情", tags=["用户"]),
)
class MembershipViewSet(ScopedReadOnlyViewSet):
    """成员资格 — who holds which role where, within the caller's scope."""

    queryset = Membership.objects.select_related("user", "role", "region", "department", "organisation_type")
    serializer_class = s.MembershipSerializer
    filterset_class = MembershipFilterSet


class MeView(ScopedAPIView):
    """我 — the calling user, their memberships and roles, the token in use."""

    @extend_schema(summary="当前用户", tags=["用户"], responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user, context={"token": request.auth}).data)


AUDIT_PERMS_MESSAGE = "仅审计监督人员和市级管理员可查看变更记录"


@extend_schema_view(
    list=extend_schema(summary="变更记录列表（审计）", tags=["审计"]),
    retrieve=extend_schema(summary="变更记录详情（审计）", tags=["审计"]),
)
class ObjectChangeViewSet(ScopedReadOnlyViewSet):
    """变更记录 — the change log; auditors and city admins only."""

    queryset = ObjectChange.objects.select_related("content_type")
    serializer_class = s.ObjectChangeSerializer
    filterset_class = ObjectChangeFilterSet
    required_perms = ("core.view_objectchange",)
    required_perms_message = AUDIT_PERMS_MESSAGE


@extend_schema_view(
    list=extend_schema(summary="变更集列表（审计）", tags=["审计"]),
    retrieve=extend_schema(summary="变更集详情（审计）", tags=["审计"]),
)
class ChangeSetViewSet(ScopedReadOnlyViewSet):
    """变更集 — bulk jobs (imports) and what they wrote; auditors and city admins only."""

    queryset = ChangeSet.objects.all()
    serializer_class = s.ChangeSetSerializer
    filterset_class = ChangeSetFilterSet
    required_perms = ("core.view_changeset",)
    required_perms_message = AUDIT_PERMS_MESSAGE


@extend_schema_view(
    list=extend_schema(
        summary="领域事件列表",
        tags=["事件"],
        description="按区划限定可见范围。其他部门的系统可按 since 与 ordering=created_at 增量拉取，并按事件 id 去重。",
    ),
    retrieve=extend_schema(summary="领域事件详情", tags=["事件"]),
)
class DomainEventViewSet(ScopedReadOnlyViewSet):
    """领域事件 — the outbox, readable within the caller's regions."""

    queryset = DomainEvent.objects.select_related("subject_type", "region")
    serializer_class = s.DomainEventSerializer
    filterset_class = DomainEventFilterSet


TOKEN_BY_TOKEN_MESSAGE = "不能用接口令牌签发新令牌：请登录网页后创建，或由管理员用命令 zhiliang token issue 签发"


@extend_schema_view(
    list=extend_schema(summary="我的令牌", tags=["令牌"]),
    retrieve=extend_schema(summary="令牌详情", tags=["令牌"]),
)
class APITokenViewSet(ServiceCreateMixin, ScopedReadOnlyViewSet):
    """接口令牌 — the caller's own tokens.  The secret is shown once, at creation;
    a token's security fields never change; it can only be revoked."""

    queryset = APIToken.objects.select_related("user")
    serializer_class = s.APITokenSerializer
    write_serializer_class = s.APITokenCreateSerializer
    filterset_class = APITokenFilterSet
    create_action = None  # every signed-in user may create tokens for themself

    def get_queryset(self):
        return super().get_queryset().filter(user=self.request.user)

    def get_response_serializer_class(self):
        return s.APITokenIssuedSerializer if getattr(self, "action", None) == "create" else s.APITokenSerializer

    @extend_schema(
        summary="创建令牌（明文只返回一次）",
        tags=["令牌"],
        responses={201: s.APITokenIssuedSerializer, 403: OpenApiResponse(description=TOKEN_BY_TOKEN_MESSAGE)},
    )
    def create(self, request, *args, **kwargs):
        if isinstance(request.auth, APIToken):
            raise exceptions.PermissionDenied(TOKEN_BY_TOKEN_MESSAGE)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, plaintext = services.issue_token(actor=request.user, user=request.user, **serializer.validated_data)
        context = {**self.get_serializer_context(), "plaintext": plaintext}
        return Response(s.APITokenIssuedSerializer(token, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="吊销令牌", tags=["令牌"], request=None, responses=s.APITokenSerializer)
    @action(detail=True, methods=["post"], scoped_action="change")
    def revoke(self, request, *args, **kwargs):
        token = services.revoke_token(actor=request.user, token=self.get_object())
        return Response(s.APITokenSerializer(token).data)
