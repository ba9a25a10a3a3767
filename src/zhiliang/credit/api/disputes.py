"""Objections (信用信息异议) and credit repair applications (信用修复申请) under /api/v1/credit/.

``credit/objections`` and ``credit/repairs``: list and detail of what the user may see
(``restrict``: the enterprise its own, staff their region's and department's; outside → 404);
``POST`` (multipart, with the files) files one for an enterprise account through
``services.disputes`` (roles without ``add`` get 403); ``POST …/<id>/decide/`` lets the reviewing
staff decide (``change`` in scope, else 403).  The files themselves are not served here: the
detail gives their SHA-256 and the page URL that serves them (``credit:dispute-file``).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from zhiliang.core.api.base import ModelSerializer, ScopedReadOnlyViewSet, ServiceCreateMixin
from zhiliang.core.api.parsers import JSONParser
from zhiliang.enterprises.api.serializers import ScopedPrimaryKeyRelatedField
from zhiliang.enterprises.api.views import IdLookupMixin

from ..choices import ObjectionStatus, RepairStatus
from ..models import CreditFact, FactObjection, RepairApplication
from ..services import disputes as services

TAG = "质量信用"
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="编号")


def _file_url(request, kind: str, obj, field: str) -> str | None:
    if not getattr(obj, field):
        return None
    url = reverse("credit:dispute-file", kwargs={"kind": kind, "pk": obj.pk, "field": field})
    return request.build_absolute_uri(url) if request is not None else url


def _status(choices):
    labels = "；".join(f"{value} {label}" for value, label in choices)

    @extend_schema_field({"type": "string", "allOf": [{"enum": [str(v) for v, _ in choices]}], "description": labels})
    class StatusField(serializers.ChoiceField):
        pass

    return StatusField(choices=choices, read_only=True, help_text=labels)


class FactObjectionSerializer(ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="企业名称")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="区划代码")
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="核查部门代码")
    status = _status(ObjectionStatus.choices)
    evidence_url = serializers.SerializerMethodField(help_text="证明材料下载地址（无材料时为 null）")

    class Meta:
        model = FactObjection
        fields = ("id", "fact", "enterprise", "enterprise_name", "region", "department", "filed_on", "grounds", "evidence_sha256",
                  "evidence_url", "review_due", "status", "decided_on", "decision_note", "created_at", "updated_at")

    @extend_schema_field(OpenApiTypes.URI)
    def get_evidence_url(self, obj) -> str | None:
        return _file_url(self.context.get("request"), "objection", obj, "evidence")


class RepairApplicationSerializer(ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="企业名称")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="区划代码")
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="审核部门代码")
    status = _status(RepairStatus.choices)
    commitment_url = serializers.SerializerMethodField(help_text="信用修复承诺书下载地址")
    proof_url = serializers.SerializerMethodField(help_text="履行证明材料下载地址（无材料时为 null）")

    class Meta:
        model = RepairApplication
        fields = ("id", "fact", "enterprise", "enterprise_name", "region", "department", "applied_on", "eligible_from", "statement",
                  "commitment_sha256", "commitment_url", "proof_sha256", "proof_url", "decision_due", "status", "decided_on",
                  "decision_note", "created_at", "updated_at")

    @extend_schema_field(OpenApiTypes.URI)
    def get_commitment_url(self, obj) -> str | None:
        return _file_url(self.context.get("request"), "repair", obj, "commitment")

    @extend_schema_field(OpenApiTypes.URI)
    def get_proof_url(self, obj) -> str | None:
        return _file_url(self.context.get("request"), "repair", obj, "proof")


class FactObjectionWriteSerializer(serializers.Serializer):
    """File an objection to one of the enterprise's own facts (``file_objection``)."""

    fact = ScopedPrimaryKeyRelatedField(queryset=CreditFact.objects.all(), help_text="信用信息 id")
    grounds = serializers.CharField(max_length=5000, help_text="异议理由")
    evidence = serializers.FileField(required=False, allow_null=True, help_text="证明材料（不超过 20 MB）")


class RepairApplicationWriteSerializer(serializers.Serializer):
    """Apply for credit repair of one of the enterprise's own facts (``apply_repair``)."""

    fact = ScopedPrimaryKeyRelatedField(queryset=CreditFact.objects.all(), help_text="信用信息 id")
    statement = serializers.CharField(max_length=5000, help_text="修复理由（履行义务、消除影响情况）")
    commitment = serializers.FileField(help_text="信用修复承诺书（不超过 20 MB）")
    proof = serializers.FileField(required=False, allow_null=True, help_text="履行证明材料")


class DecideFactObjectionSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="true 异议成立（撤销该信息）；false 不成立（维持）")
    note = serializers.CharField(max_length=5000, help_text="处理意见")


class DecideRepairApplicationSerializer(serializers.Serializer):
    granted = serializers.BooleanField(help_text="true 准予修复（当日起停止公示）；false 不予修复（须说明理由）")
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, help_text="审核意见")


def _views(summary, create):
    return extend_schema_view(
        list=extend_schema(summary=f"{summary}列表", tags=[TAG]),
        retrieve=extend_schema(summary=f"{summary}详情", tags=[TAG], parameters=[ID_PARAM]),
        create=extend_schema(summary=create, tags=[TAG]),
    )


class _DisputeViewSet(ServiceCreateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def _decide(self, request, body_class, call):
        obj = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        result = call(obj, dict(body.validated_data))
        return Response(type(self).serializer_class(result, context=self.get_serializer_context()).data)


@_views("信用信息异议", "提出信用信息异议（企业，本企业的信息；multipart 上传证明材料）")
class FactObjectionViewSet(_DisputeViewSet):
    """信用信息异议：企业对本企业的信用信息提出异议（附证明材料），由来源部门在期限内核查处理；核查期间该信息标注“异议处理中”。
    企业看到本企业的异议，核查部门和县市区工作人员看到其管辖范围内的。"""

    queryset = FactObjection.objects.select_related("enterprise", "region", "department")
    serializer_class = FactObjectionSerializer
    write_serializer_class = FactObjectionWriteSerializer

    def create_object(self, data):
        return services.file_objection(actor=self.request.user, fact=data["fact"], grounds=data["grounds"],
                                       evidence=data.get("evidence"), filed_on=timezone.localdate())

    @extend_schema(summary="核查处理信用信息异议", tags=[TAG], parameters=[ID_PARAM], request=DecideFactObjectionSerializer,
                   responses={200: FactObjectionSerializer})
    @action(detail=True, methods=["post"], serializer_class=DecideFactObjectionSerializer, scoped_action="change")
    def decide(self, request, pk=None):
        return self._decide(request, DecideFactObjectionSerializer, lambda o, d: services.decide_objection(
            actor=request.user, objection=o, upheld=d["upheld"], note=d["note"], decided_on=timezone.localdate()))


@_views("信用修复申请", "申请信用修复（企业，本企业的信息；multipart 上传承诺书和证明材料）")
class RepairApplicationViewSet(_DisputeViewSet):
    """信用修复申请：失信信息公示满规定期限后，企业附信用修复承诺书和履行义务的证明申请提前停止公示，由作出决定的部门审核。
    企业看到本企业的申请，审核部门和县市区工作人员看到其管辖范围内的。"""

    queryset = RepairApplication.objects.select_related("enterprise", "region", "department")
    serializer_class = RepairApplicationSerializer
    write_serializer_class = RepairApplicationWriteSerializer

    def create_object(self, data):
        return services.apply_repair(actor=self.request.user, fact=data["fact"], statement=data["statement"], commitment=data["commitment"],
                                     proof=data.get("proof"), applied_on=timezone.localdate())

    @extend_schema(summary="审核信用修复申请", tags=[TAG], parameters=[ID_PARAM], request=DecideRepairApplicationSerializer,
                   responses={200: RepairApplicationSerializer})
    @action(detail=True, methods=["post"], serializer_class=DecideRepairApplicationSerializer, scoped_action="change")
    def decide(self, request, pk=None):
        return self._decide(request, DecideRepairApplicationSerializer, lambda a, d: services.decide_repair(
            actor=request.user, application=a, granted=d["granted"], note=d.get("note", ""), decided_on=timezone.localdate()))


#: (prefix under /api/v1/, viewset, basename) — registered by credit.api.urls
routes: list = [
    ("credit/objections", FactObjectionViewSet, "credit-objection"),
    ("credit/repairs", RepairApplicationViewSet, "credit-repair"),
]
#: plain paths (non-viewset endpoints), in the v1 namespace
urlpatterns: list = []
