"""Joint reward and punishment endpoints under ``/api/v1/credit/``.

* ``credit/measures/`` — the catalogue (read-only; active measures public);
* ``credit/cases/`` — the cases in the caller's scope (read-only), and
  ``credit/cases/{id}/feedback/`` (POST) — the executing department's feedback, through
  ``services.measures.feedback``;
* ``credit/match/`` (GET ``?uscc=…&name=…`` repeatable, or POST ``{"queries": […], "domain"}``)
  — for procurement, bidding and subsidy systems: which enterprises a code or name is, the lists
  they are on and the measures in force (:func:`zhiliang.credit.measures_read.match`).  Needs a
  token (a read-only one is enough, also for POST: the match changes nothing); throttled like
  every endpoint.
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from zhiliang.core.api.base import ModelSerializer, ScopedAPIView, ScopedReadOnlyViewSet
from zhiliang.core.permissions import has_perm
from zhiliang.enterprises.api.views import IdLookupMixin

from .. import measures_read
from ..measures_read import clean_text
from ..choices import CaseStatus, FeedbackOutcome, MeasureKind, MeasureTrigger
from ..models import Measure, MeasureCase, MeasureFeedback
from ..services import measures as services

TAG = "联合奖惩"
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="编号")


def enum(choices, **kwargs):
    """A choice field documented with an inline enum (field names such as ``kind`` and
    ``status`` carry other choice sets in other apps; a shared component name would collide)."""
    values = [str(value) for value, _label in choices]
    help_text = "；".join(f"{value} {label}" for value, label in choices)

    @extend_schema_field({"type": "string", "allOf": [{"enum": values}], "description": help_text})
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=choices, help_text=help_text, **kwargs)


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="部门代码，如 sy-finance")
    name = serializers.CharField()


# --- the catalogue and the cases ----------------------------------------------------------------------


class MeasureSerializer(ModelSerializer):
    kind = enum(MeasureKind.choices, read_only=True)
    trigger = enum(MeasureTrigger.choices, read_only=True)
    requesting_department = DepartmentRefSerializer(read_only=True)
    executing_department = DepartmentRefSerializer(read_only=True)
    duration_months = serializers.IntegerField(read_only=True, allow_null=True, help_text="期限（月）；null：在列（保持分类）期间")

    class Meta:
        model = Measure
        fields = ["id", "code", "kind", "trigger", "domain", "cause", "legal_basis", "content", "requesting_department",
                  "executing_department", "duration_months", "is_active"]
        read_only_fields = fields


class FeedbackSerializer(ModelSerializer):
    outcome = enum(FeedbackOutcome.choices, read_only=True)

    class Meta:
        model = MeasureFeedback
        fields = ["id", "case", "outcome", "matter", "occurred_on", "note", "created_at"]
        read_only_fields = fields


class EnterpriseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uscc = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class CaseSerializer(ModelSerializer):
    measure = MeasureSerializer(read_only=True)
    enterprise = EnterpriseRefSerializer(read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="区划代码")
    executing_department = DepartmentRefSerializer(read_only=True)
    status = enum(CaseStatus.choices, read_only=True)
    feedback = FeedbackSerializer(many=True, read_only=True)

    class Meta:
        model = MeasureCase
        fields = ["id", "measure", "enterprise", "region", "executing_department", "list_entry", "opened_on", "feedback_due", "ends_on",
                  "status", "closed_on", "close_reason", "feedback"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not has_perm(request.user, "credit.view_measurefeedback"):
            data["feedback"] = []  # the departments' feedback is theirs: the enterprise sees its cases, not their notes
        return data


class FeedbackWriteSerializer(serializers.Serializer):
    outcome = enum(FeedbackOutcome.choices)
    occurred_on = serializers.DateField(required=False, help_text="办理日期（默认今天）")
    matter = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="办理事项，如政府采购项目名称、补贴申请编号")
    note = serializers.CharField(required=False, allow_blank=True, help_text="说明")


def _values(choices) -> str:
    return "；".join(f"{value} {label}" for value, label in choices)


class MeasureFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=MeasureKind.choices, help_text=_values(MeasureKind.choices))
    trigger = filters.ChoiceFilter(choices=MeasureTrigger.choices, help_text=_values(MeasureTrigger.choices))
    domain = filters.CharFilter(help_text="领域，如 政府采购、招标投标、财政补贴、行政许可、评优评先、日常监管")
    executing_department = filters.CharFilter(field_name="executing_department__code", help_text="实施部门代码，如 sy-finance")

    class Meta:
        model = Measure
        fields = ["kind", "trigger", "domain", "executing_department"]


class CaseFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CaseStatus.choices, help_text=_values(CaseStatus.choices))
    trigger = filters.ChoiceFilter(field_name="measure__trigger", choices=MeasureTrigger.choices, help_text=_values(MeasureTrigger.choices))
    measure = filters.CharFilter(field_name="measure__code", help_text="措施编号，如 LHCJ-SL-01")
    enterprise_uscc = filters.CharFilter(field_name="enterprise__uscc", lookup_expr="iexact", help_text="对象企业的统一社会信用代码")
    opened_after = filters.DateFilter(field_name="opened_on", lookup_expr="gte", help_text="发起日期不早于")
    opened_before = filters.DateFilter(field_name="opened_on", lookup_expr="lte", help_text="发起日期不晚于")
    overdue = filters.BooleanFilter(method="filter_overdue", help_text="true：逾期未反馈；false：其余")

    class Meta:
        model = MeasureCase
        fields = ["status", "trigger", "measure", "enterprise_uscc", "opened_after", "opened_before", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status=CaseStatus.OPEN, feedback_due__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


@extend_schema_view(
    list=extend_schema(summary="联合奖惩措施目录", tags=[TAG]),
    retrieve=extend_schema(summary="联合奖惩措施详情", tags=[TAG], parameters=[ID_PARAM]),
)
class MeasureViewSet(IdLookupMixin, ScopedReadOnlyViewSet):
    """联合奖惩措施目录 — public policy: the active measures anyone may read."""

    public = True
    queryset = Measure.objects.select_related("requesting_department", "executing_department").order_by("kind", "code")
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet


@extend_schema_view(
    list=extend_schema(summary="联合奖惩案件列表", tags=[TAG], description="实施部门看到本部门实施的案件，县级工作人员看到本县的案件；企业看到针对本企业的案件，不含各部门的反馈。"),
    retrieve=extend_schema(summary="联合奖惩案件详情", tags=[TAG], parameters=[ID_PARAM]),
)
class CaseViewSet(IdLookupMixin, ScopedReadOnlyViewSet):
    """联合奖惩案件 — a measure applied to an enterprise for its executing department."""

    queryset = (MeasureCase.objects.select_related("measure", "measure__requesting_department", "measure__executing_department",
                                                    "enterprise", "region", "executing_department")
                .prefetch_related("feedback").order_by("feedback_due", "pk"))
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet

    @extend_schema(summary="登记执行反馈", tags=[TAG], parameters=[ID_PARAM], request=FeedbackWriteSerializer, responses={201: FeedbackSerializer},
                   description="只有案件的实施部门（或市级管理员）可以反馈；已结束的案件不能反馈；首次反馈后案件状态为“已反馈”。")
    @action(detail=True, methods=["post"], serializer_class=FeedbackWriteSerializer, scoped_action="change")
    def feedback(self, request, pk=None):
        case = self.get_object()
        body = FeedbackWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        item = services.feedback(actor=request.user, case=case, outcome=data["outcome"], occurred_on=data.get("occurred_on") or timezone.localdate(),
                                 matter=data.get("matter", ""), note=data.get("note", ""))
        return Response(FeedbackSerializer(item).data, status=status.HTTP_201_CREATED)


# --- the match -------------------------------------------------------------------------------------------


class MatchQuerySerializer(serializers.Serializer):
    uscc = serializers.CharField(required=False, allow_blank=False, max_length=40, help_text="统一社会信用代码（18位）")
    name = serializers.CharField(required=False, allow_blank=False, max_length=200, help_text="企业名称或其主要部分（至少两个字）")

    def validate(self, attrs):
        if bool(attrs.get("uscc")) == bool(attrs.get("name")):
            raise serializers.ValidationError("每个查询须且只须给出 uscc 或 name 之一")
        return attrs


class MatchRequestSerializer(serializers.Serializer):
    queries = MatchQuerySerializer(many=True, help_text=f"查询，每个为 {{\"uscc\": …}} 或 {{\"name\": …}}，最多 {measures_read.MAX_QUERIES} 个")
    domain = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                   help_text="只返回该领域的措施，如 政府采购、招标投标、财政补贴、行政许可、评优评先、日常监管")

    def validate_queries(self, value):
        if not value:
            raise serializers.ValidationError("请至少给出一个查询")
        if len(value) > measures_read.MAX_QUERIES:
            raise serializers.ValidationError(f"一次最多 {measures_read.MAX_QUERIES} 个查询，收到 {len(value)} 个")
        return value


class ListInForceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="serious 严重违法失信名单；red 守信红名单")
    kind_label = serializers.CharField()
    decision_no = serializers.CharField(help_text="列入决定书文号")
    decided_on = serializers.DateField(allow_null=True)
    published_on = serializers.DateField(allow_null=True)
    grounds = serializers.CharField(help_text="列入事由")
    legal_basis = serializers.CharField()


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="open 待反馈；fed_back 已反馈")
    opened_on = serializers.DateField()
    feedback_due = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)


class MeasureInForceSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField(help_text="punishment 失信惩戒；reward 守信激励")
    trigger = serializers.CharField()
    domain = serializers.CharField()
    cause = serializers.CharField()
    legal_basis = serializers.CharField()
    content = serializers.CharField()
    requesting_department = DepartmentRefSerializer()
    executing_department = DepartmentRefSerializer()
    duration_months = serializers.IntegerField(allow_null=True)
    case = CaseRefSerializer(allow_null=True, help_text="调用者有权查看时为对应的联合奖惩案件，否则为 null")


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MatchedEnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uscc = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    region = RegionRefSerializer(allow_null=True)
    status = serializers.CharField()


class MatchSerializer(serializers.Serializer):
    enterprise = MatchedEnterpriseSerializer()
    match_score = serializers.FloatField(help_text="1.0：统一社会信用代码或名称完全一致；0.95：与曾用名一致；0.9：去掉地名前缀、括号中的地名和组织形式后一致；其余为去掉这些后名称字对（bigram）的 Dice 相似度（曾用名再乘 0.95），不低于 0.6")
    matched_on = serializers.CharField(help_text="uscc、name、former_name、similar_name、similar_former_name")
    lists = ListInForceSerializer(many=True)
    measures = MeasureInForceSerializer(many=True)


class MatchAnswerSerializer(serializers.Serializer):
    query = serializers.DictField(child=serializers.CharField())
    error = serializers.CharField(allow_null=True, help_text="查询本身有误时的说明，如统一社会信用代码校验失败")
    matches = MatchSerializer(many=True, help_text=f"最多 {measures_read.MAX_MATCHES} 个，按 match_score 由高到低")


class MatchResponseSerializer(serializers.Serializer):
    domain = serializers.CharField(allow_null=True)
    results = MatchAnswerSerializer(many=True)


class SignedIn(BasePermission):
    """Any authenticated caller (a read-only token too: the match writes nothing)."""

    message = "请使用令牌或登录后调用"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


MATCH_DESCRIPTION = (
    "供政府采购、招标投标、财政补贴等系统核查主体：按统一社会信用代码或名称匹配企业，返回其在列名单（公开信息）与"
    f"正在执行的联合奖惩措施。每次最多 {measures_read.MAX_QUERIES} 个查询；每个查询最多返回 {measures_read.MAX_MATCHES} 个匹配，"
    f"名称相似度低于 {measures_read.MIN_SCORE} 的不返回。不含任何个人信息。"
)


MAX_QUERY_CHARS = 200


class MatchView(ScopedAPIView):
    """联合奖惩核查 — which enterprise a code or name is, and what applies to it."""

    permission_classes = [SignedIn]

    def _answer(self, queries, domain: str):
        domain = clean_text(domain or "").strip()
        if domain:
            known = sorted(set(Measure.objects.values_list("domain", flat=True)))
            if domain not in known:  # a typo must not read as "no measures in this domain"
                raise exceptions.ValidationError({"domain": [f"未知的领域“{domain}”，可选：{'、'.join(known)}"]})
        return Response({"domain": domain or None, "results": measures_read.match(queries, self.request.user, domain)})

    @extend_schema(summary="联合奖惩核查（查询参数）", tags=[TAG], description=MATCH_DESCRIPTION, responses=MatchResponseSerializer, parameters=[
        OpenApiParameter("uscc", OpenApiTypes.STR, many=True, description="统一社会信用代码，可重复"),
        OpenApiParameter("name", OpenApiTypes.STR, many=True, description="企业名称，可重复"),
        OpenApiParameter("domain", OpenApiTypes.STR, description="只返回该领域的措施，如 政府采购"),
    ])
    def get(self, request):
        queries = [{"uscc": v} for v in request.query_params.getlist("uscc") if v.strip()]
        queries += [{"name": v} for v in request.query_params.getlist("name") if v.strip()]
        if not queries:
            raise exceptions.ValidationError({"queries": ["请给出 uscc 或 name 参数"]})
        if len(queries) > measures_read.MAX_QUERIES:
            raise exceptions.ValidationError({"queries": [f"一次最多 {measures_read.MAX_QUERIES} 个查询，收到 {len(queries)} 个"]})
        too_long = [v for q in queries for v in q.values() if len(v) > MAX_QUERY_CHARS]
        if too_long:
            raise exceptions.ValidationError({"queries": [f"查询“{too_long[0][:20]}…”过长：最多 {MAX_QUERY_CHARS} 个字符"]})
        return self._answer(queries, request.query_params.get("domain", "")[:60])

    @extend_schema(summary="联合奖惩核查（批量）", tags=[TAG], description=MATCH_DESCRIPTION, request=MatchRequestSerializer,
                   responses=MatchResponseSerializer)
    def post(self, request):
        body = MatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        queries = [{k: v for k, v in q.items() if v} for q in body.validated_data["queries"]]
        return self._answer(queries, body.validated_data.get("domain", ""))


#: (prefix under /api/v1/, viewset, basename) — registered by credit.api.urls
routes: list = [
    ("credit/measures", MeasureViewSet, "credit-measure"),
    ("credit/cases", CaseViewSet, "credit-case"),
]


def _paths():
    from django.urls import path

    return [path("credit/match/", MatchView.as_view(), name="credit-match")]


#: plain paths (non-viewset endpoints), in the v1 namespace
urlpatterns: list = _paths()
