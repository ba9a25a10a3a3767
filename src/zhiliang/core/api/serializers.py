"""core's API serializers.  They validate and present; they never save —
writes go through :mod:`zhiliang.core.services` (see :mod:`.base`)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhiliang.core.api.fields import CodeRelatedField

from .. import rules as rules_registry
from ..models import (
    APIToken,
    ChangeSet,
    Department,
    DomainEvent,
    Membership,
    ObjectChange,
    Region,
    RuleOverride,
    User,
)


def _json(value):
    """A rule value as stored in JSON (decimals as strings, like ``Rule.clean``)."""
    from ..audit import _plain

    return _plain(value)


def _label(content_type) -> str | None:
    return f"{content_type.app_label}.{content_type.model}" if content_type is not None else None


class RegionSerializer(serializers.ModelSerializer):
    parent = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="上级区划代码")
    level_label = serializers.CharField(source="get_level_display", read_only=True, help_text="层级名称")
    # declared, not derived: a derived small/positive integer's bounds depend on the
    # database backend and would make the committed schema differ per database
    sort_order = serializers.IntegerField(read_only=True, help_text="排序")

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_label", "parent", "is_local_code", "sort_order"]


class DepartmentSerializer(serializers.ModelSerializer):
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="所属区划代码")
    successor = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="承继单位代码")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="类型名称")
    is_current = serializers.BooleanField(read_only=True, help_text="今天仍存续")

    class Meta:
        model = Department
        fields = [
            "id", "code", "name", "short_name", "kind", "kind_label", "region", "uscc", "valid_from", "valid_to",
            "successor", "is_current", "is_responsible_unit", "note", "updated_at",
        ]


class DepartmentUpdateSerializer(serializers.ModelSerializer):
    """What a city admin may change (``services.DEPARTMENT_EDITABLE``)."""

    successor = CodeRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False, help_text="承继单位代码"
    )

    class Meta:
        model = Department
        fields = ["name", "short_name", "kind", "uscc", "valid_from", "valid_to", "successor", "is_responsible_unit", "note"]


class MembershipSerializer(serializers.ModelSerializer):
    user = CodeRelatedField(slug_field="username", read_only=True, help_text="用户名")
    user_display = serializers.CharField(source="user.display_name", read_only=True, help_text="姓名")
    role = CodeRelatedField(slug_field="name", read_only=True, help_text="角色代码")
    role_label = serializers.SerializerMethodField(help_text="角色名称")
    region = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="区划代码")
    department = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="部门代码")
    organisation_type = serializers.SerializerMethodField(help_text="机构类型，如 enterprises.enterprise")

    class Meta:
        model = Membership
        fields = [
            "id", "user", "user_display", "role", "role_label", "region", "department", "organisation_type",
            "organisation_id", "valid_from", "valid_to", "created_at",
        ]

    def get_role_label(self, obj) -> str:
        from ..choices import Role

        return str(Role(obj.role.name).label) if obj.role.name in Role.values else obj.role.name

    def get_organisation_type(self, obj) -> str | None:
        return _label(obj.organisation_type)


class TokenInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    read_only = serializers.BooleanField()
    expires_at = serializers.DateTimeField()


class MeSerializer(serializers.ModelSerializer):
    """Who am I: the user, their memberships in force, their roles, the token in use."""

    memberships = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField(help_text="今天有效的角色代码")
    token = serializers.SerializerMethodField(help_text="本次请求使用的令牌（会话登录时为空）")

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "is_service_account", "service_description", "roles", "memberships", "token"]

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, obj):
        from ..permissions import memberships

        return MembershipSerializer(memberships(obj), many=True).data

    def get_roles(self, obj) -> list[str]:
        from ..permissions import memberships

        return sorted({m.role.name for m in memberships(obj)})

    @extend_schema_field(TokenInfoSerializer(allow_null=True))
    def get_token(self, obj):
        token = self.context.get("token")
        return TokenInfoSerializer(token).data if isinstance(token, APIToken) else None


class ObjectChangeSerializer(serializers.ModelSerializer):
    model = serializers.SerializerMethodField(help_text="对象类型，如 core.department")

    class Meta:
        model = ObjectChange
        fields = [
            "id", "time", "action", "model", "object_id", "object_repr", "before", "after", "diff", "actor", "actor_name",
            "request_id", "reason", "source", "change_set",
        ]

    def get_model(self, obj) -> str:
        return _label(obj.content_type)


class ChangeSetSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True, help_text="类型的名称，如“导入行政处罚（双公示）”")

    class Meta:
        model = ChangeSet
        fields = [
            "id", "kind", "kind_label", "file_name", "file_sha256", "counts", "actor", "actor_name", "reason", "source", "request_id",
            "created_at", "finished_at",
        ]


class DomainEventSerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField(help_text="对象类型，如 core.department")
    region = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="区划代码")
    version = serializers.IntegerField(read_only=True, help_text="事件内容的版本")

    class Meta:
        model = DomainEvent
        fields = [
            "id", "name", "version", "payload", "subject_type", "subject_id", "enterprise_key", "region", "is_public",
            "actor_name", "request_id", "created_at",
        ]

    def get_subject_type(self, obj) -> str | None:
        return _label(obj.subject_type)


class APITokenSerializer(serializers.ModelSerializer):
    """A token as listed: never its secret, only its first characters."""

    is_active = serializers.SerializerMethodField(help_text="可用（未过期、未吊销）")
    user = CodeRelatedField(slug_field="username", read_only=True, help_text="令牌所属用户")

    class Meta:
        model = APIToken
        fields = ["id", "name", "user", "prefix", "read_only", "expires_at", "last_used_at", "revoked_at", "created_at", "is_active"]
        read_only_fields = fields

    def get_is_active(self, obj) -> bool:
        from django.utils import timezone

        return obj.revoked_at is None and obj.expires_at > timezone.now()


class APITokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="用途说明，如“市场监管局数据同步”")
    read_only = serializers.BooleanField(default=True, help_text="只读令牌只能读取（缺省）；可写令牌可修改数据")
    days = serializers.IntegerField(
        default=90, min_value=1, max_value=settings.API_TOKEN_MAX_DAYS, help_text=f"有效天数，1 至 {settings.API_TOKEN_MAX_DAYS}"
    )


class APITokenIssuedSerializer(APITokenSerializer):
    token = serializers.SerializerMethodField(help_text="令牌明文：只在此时显示一次，请立即保存")

    class Meta(APITokenSerializer.Meta):
        fields = [*APITokenSerializer.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, obj) -> str:
        return self.context.get("plaintext", "")


class RuleOverrideSerializer(serializers.ModelSerializer):
    value = serializers.JSONField(help_text="取值（类型见规则的 kind）")

    class Meta:
        model = RuleOverride
        fields = ["id", "rule", "value", "effective_from", "reason", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # (rule, effective_from) is unique, but setting the same day again replaces the
        # value (services.set_rule_override), so no unique-together validator here.
        validators = []

    def validate_rule(self, value):
        try:
            return rules_registry.get(value).name
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_value(self, value):
        if "\x00" in str(value):
            raise serializers.ValidationError("取值不能包含空字符（\\0）")
        return value

    def validate(self, attrs):
        definition = rules_registry.REGISTRY.get(attrs.get("rule"))
        if definition is not None and "value" in attrs:
            try:
                attrs["value"] = definition.clean(attrs["value"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"value": exc.messages}) from None
        return attrs


class RuleSerializer(serializers.Serializer):
    """A registered rule (RULES.md), its value in force on ``on``, its overrides."""

    name = serializers.CharField()
    title = serializers.CharField()
    group = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    unit = serializers.CharField()
    source = serializers.CharField()
    description = serializers.CharField()
    default = serializers.JSONField(help_text="RULES.md 中的缺省值（当日适用的缺省）")
    on = serializers.DateField(help_text="取值所针对的日期")
    value = serializers.JSONField(help_text="该日期适用的取值")
    overridden = serializers.BooleanField(help_text="该日期的取值来自本地调整")
    overrides = RuleOverrideSerializer(many=True, help_text="调整历史（新的在前）")

    @staticmethod
    def build(rule: rules_registry.Rule, on: datetime.date, overrides: list[RuleOverride]) -> dict:
        in_force = next((o for o in overrides if o.effective_from <= on), None)
        return {
            "name": rule.name,
            "title": rule.title,
            "group": rule.group,
            "kind": rule.kind,
            "kind_label": rules_registry.KINDS[rule.kind],
            "unit": rule.unit,
            "source": rule.source,
            "description": rule.description,
            "default": _json(rule.default_on(on)),
            "on": on,
            "value": in_force.value if in_force is not None else _json(rule.default_on(on)),
            "overridden": in_force is not None,
            "overrides": overrides,
        }
