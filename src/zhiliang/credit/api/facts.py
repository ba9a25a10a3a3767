"""The credit facts and credit-risk classes under ``/api/v1/credit/`` (read-only).

* ``credit/facts`` — what the user may see (``restrict``: county staff their county's facts,
  department staff their department's, others what is public today), filtered with the pages'
  ``CreditFactFilterSet``.  Identity numbers (``legal_rep_id_number``, ``person_id_number``)
  are **always** masked, whoever asks (docs/api.md: the API gives no raw personal data; a
  permitted user reveals one value at a time on the fact's page, and the viewing is logged).
  A fact the user sees only because it is public gives only ``CreditFact.public_fields``
  (the rest ``null``).
* ``credit/assessments`` — credit-risk classes with their explanation (``docs/credit-class.md``
  §6), scoped like the pages (county staff their county's, the enterprise its own).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers

from zhiliang.core.api.base import ModelSerializer, OwnRowsSerializerMixin, OwnRowsViewMixin, ScopedReadOnlyViewSet
from zhiliang.core.audit import mask_value
from zhiliang.enterprises.api.views import IdLookupMixin
from zhiliang.sampling.api.serializers import enum

from ..choices import (
    FactKind,
    FactStatus,
    MatchStatus,
    PartyKind,
    Procedure,
    RiskClass,
    Severity,
)
from ..facts_read import publicity_over
from ..filtersets import CreditFactFilterSet, RiskAssessmentFilterSet
from ..models import CreditFact, RiskAssessment

TAG = "质量信用"
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="编号")


class MaskedField(serializers.CharField):
    """A personal field: all but the last few characters are ``*``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return mask_value(value)


#: fields every reader of a visible fact gets (the public ones and the row's identity)
ALWAYS = frozenset({"id", *CreditFact.public_fields, "kind_label", "status", "publicity_over"})


class CreditFactSerializer(OwnRowsSerializerMixin, ModelSerializer):
    """信用信息. A fact the reader sees only because it is public or shared with their
    department gives its public fields; the others (record id, identity numbers, fields as
    received, match) are null."""

    open_fields = ALWAYS

    kind = enum(FactKind.choices, read_only=True, help_text="信息类别")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="信息类别名称")
    source_department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="来源部门代码")
    party_kind = enum(PartyKind.choices, read_only=True, allow_null=True, help_text="行政相对人类别")
    legal_rep_id_number = MaskedField(help_text="法定代表人证件号码（脱敏，只显示末 4 位）")
    person_id_number = MaskedField(help_text="自然人证件号码（脱敏，只显示末 4 位）")
    enterprise = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text="匹配的企业编号")
    candidate = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text="按名称匹配的候选企业编号（待核对）")
    match_status = enum(MatchStatus.choices, read_only=True, allow_null=True, help_text="主体匹配")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="区划代码（未匹配时为空）")
    procedure = enum(Procedure.choices, read_only=True, allow_blank=True, allow_null=True, help_text="程序")
    severity = enum(Severity.choices, read_only=True, allow_blank=True, allow_null=True, help_text="严重程度")
    status = enum(FactStatus.choices, read_only=True, help_text="状态")
    fine_wan = serializers.DecimalField(max_digits=14, decimal_places=6, read_only=True, allow_null=True, help_text="罚款金额（万元）")
    confiscated_wan = serializers.DecimalField(max_digits=14, decimal_places=6, read_only=True, allow_null=True,
                                               help_text="没收违法所得、非法财物金额（万元）")
    party_codes = serializers.JSONField(read_only=True, allow_null=True, help_text="其他代码（工商注册号、组织机构代码等）")
    received = serializers.JSONField(read_only=True, allow_null=True, help_text="来源提供的原始字段（证件号码已脱敏）")
    publicity_over = serializers.SerializerMethodField(help_text="已过公示期（公示截止日当天起不再公示）")

    class Meta:
        model = CreditFact
        fields = ("id", "kind", "kind_label", "source_department", "source_name", "source_key", "source_record_id", "party_kind", "party_name",
                  "party_uscc", "party_codes", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number", "person_id_type",
                  "person_id_number", "enterprise", "match_status", "candidate", "region", "title", "content", "legal_basis", "decision_no",
                  "decided_on", "valid_from", "valid_until", "procedure", "is_warning_only", "is_criticism_or_low_fine", "fine_wan",
                  "confiscated_wan", "licence_action", "severity", "authority", "authority_code", "regime", "is_publishable", "publish_due",
                  "published_on", "publicity_ends_on", "publicity_over", "status", "revoked_on", "repaired_on", "disputed", "received",
                  "first_seen_at", "last_seen_at")
        read_only_fields = fields
        #: null for a fact the reader sees only because it is public
        extra_kwargs = {name: {"allow_null": True} for name in (
            "source_key", "source_record_id", "legal_rep_id_type", "person_id_type", "regime", "is_publishable", "publish_due",
            "revoked_on", "repaired_on", "authority_code", "first_seen_at", "last_seen_at", "is_warning_only", "is_criticism_or_low_fine")}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_publicity_over(self, obj) -> bool:
        return publicity_over(obj)


@extend_schema_field({"type": "array", "items": {"type": "object", "additionalProperties": True},
                      "description": "分类依据：每条为一个计分指标（indicator、group、label、points、facts、rule、window/cap），"
                                     "或直接判定的情形（override、class），最后一条为按分值的分类（classification、score）；见 docs/credit-class.md §6"})
class ExplanationField(serializers.JSONField):
    pass


class RiskAssessmentSerializer(ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="企业名称")
    enterprise_uscc = serializers.CharField(source="enterprise.uscc", read_only=True, allow_null=True, help_text="企业统一社会信用代码")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="企业所在区划代码")
    risk_class = enum(RiskClass.choices, read_only=True, help_text="信用风险分类")
    score = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True, help_text="风险分值")
    explanation = ExplanationField(read_only=True)

    class Meta:
        model = RiskAssessment
        fields = ("id", "enterprise", "enterprise_name", "enterprise_uscc", "region", "risk_class", "score", "rule_set", "explanation",
                  "computed_at", "trigger", "is_current")
        read_only_fields = fields


def _views(summary: str):
    return extend_schema_view(
        list=extend_schema(summary=f"{summary}列表", tags=[TAG]),
        retrieve=extend_schema(summary=f"{summary}详情", tags=[TAG], parameters=[ID_PARAM]),
    )


@_views("信用信息")
class CreditFactViewSet(OwnRowsViewMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """信用信息 — staff of the fact's county, its source department (and its lineage), the
    enterprise itself; others see what is public today (public fields only)."""

    queryset = CreditFact.objects.select_related("source_department", "region").order_by("-decided_on", "-pk")
    serializer_class = CreditFactSerializer
    filterset_class = CreditFactFilterSet


@_views("信用风险分类结果")
class RiskAssessmentViewSet(IdLookupMixin, ScopedReadOnlyViewSet):
    """信用风险分类结果 — the enterprise's county staff, department staff, the enterprise itself;
    every recomputation is a row (``current=true`` for the current class only)."""

    queryset = RiskAssessment.objects.select_related("enterprise", "region").order_by("enterprise_id", "-computed_at", "-pk")
    serializer_class = RiskAssessmentSerializer
    filterset_class = RiskAssessmentFilterSet


#: (prefix under /api/v1/, viewset, basename) — registered by credit.api.urls
routes: list = [
    ("credit/facts", CreditFactViewSet, "credit-fact"),
    ("credit/assessments", RiskAssessmentViewSet, "credit-assessment"),
]
#: plain paths (non-viewset endpoints), in the v1 namespace
urlpatterns: list = []
