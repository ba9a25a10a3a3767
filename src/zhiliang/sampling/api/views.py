"""The sampling endpoints under ``/api/v1/sampling/``.

Every queryset starts from ``restrict(user, "view")`` (the base class: outside the scope →
404); a write on a visible object needs the model's ``change`` in scope (403 otherwise); every
write calls a service of :mod:`zhiliang.sampling.services` with ``actor=`` the API user, inside
the request's audit context, and a service's ``ValidationError`` comes back as a 400 naming the
field.  Published plans, draw records and bulletins may be read anonymously; the rest needs a
token.  A draw's seed is hidden until the draw is drawn; inspector and lab pools are
downloadable by auditors only.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from zhiliang.core.api.base import ScopedReadOnlyViewSet, ServiceCreateMixin, ServiceUpdateMixin
from zhiliang.enterprises.api.views import IdLookupMixin

from ..filtersets import (
    BulletinFilterSet,
    DrawFilterSet,
    ObjectionFilterSet,
    RectificationFilterSet,
    ReferralFilterSet,
    SampleFilterSet,
    SamplingPlanFilterSet,
    SamplingTaskFilterSet,
    TestReportFilterSet,
)
from ..models import (
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
from ..services import bulletins as bulletin_services
from ..services import draws as draw_services
from ..services import plans as plan_services
from ..services import samples as sample_services
from . import serializers as s

TAG = "监督抽查"
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="编号")


def _today(data) -> object:
    return data.get("on") or timezone.localdate()


def _views(summary, *, create=None, update=None):
    views = {
        "list": extend_schema(summary=f"{summary}列表", tags=[TAG]),
        "retrieve": extend_schema(summary=f"{summary}详情", tags=[TAG], parameters=[ID_PARAM]),
    }
    if create:
        views["create"] = extend_schema(summary=create, tags=[TAG])
    if update:
        views["partial_update"] = extend_schema(summary=update, tags=[TAG], parameters=[ID_PARAM])
    return extend_schema_view(**views)


def _post(summary, request, response, *, created=False, description=""):
    """Schema of a POST action on an object."""
    code = 201 if created else 200
    return extend_schema(summary=summary, description=description, tags=[TAG], parameters=[ID_PARAM], request=request,
                         responses={code: response})


class ActionMixin:
    """POST actions on an object: 404/403 first (``get_object``), then validate the body and
    call a service; the answer is the object (or what the service made) as read."""

    read_serializer_class = None

    def get_response_serializer_class(self):
        return self.read_serializer_class or self.serializer_class

    def act(self, request, body_class, call, *, answer_class=None, created=False):
        obj = self.get_object()
        body = body_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        result = call(obj, dict(body.validated_data))
        answer = (answer_class or self.read_serializer_class)(result, context=self.get_serializer_context())
        return Response(answer.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- plans ---------------------------------------------------------------------------------------


@_views("抽查计划", create="新建抽查计划（草拟）", update="修改草拟的抽查计划")
class PlanViewSet(ActionMixin, ServiceCreateMixin, ServiceUpdateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """抽查计划 — published ones are public; staff see and work on their region's and department's."""

    public = True
    queryset = SamplingPlan.objects.select_related("region", "department").prefetch_related("categories", "test_items__category",
                                                                                              "quotas__region", "quotas__category")
    serializer_class = s.PlanSerializer
    read_serializer_class = s.PlanSerializer
    write_serializer_class = s.PlanWriteSerializer
    filterset_class = SamplingPlanFilterSet

    def create_object(self, data):
        data["categories"] = list(data.get("categories") or [])
        return plan_services.create_plan(actor=self.request.user, **data)

    def update_object(self, instance, data):
        if "categories" in data:
            data["categories"] = list(data["categories"])
        plan_services.update_plan(actor=self.request.user, plan=instance, **data)
        return self.get_queryset().get(pk=instance.pk)

    def _refreshed(self, plan):
        return self.get_queryset().get(pk=plan.pk)

    @_post("批准抽查计划", s.OnSerializer, s.PlanSerializer, description="计划须完整（类别、检验项目、任务分配），且由拟订人以外的人员批准")
    @action(detail=True, methods=["post"], serializer_class=s.OnSerializer)
    def approve(self, request, pk=None):
        return self.act(request, s.OnSerializer, lambda p, d: plan_services.approve_plan(actor=request.user, plan=p, on=_today(d)))

    @_post("发布抽查计划公告", s.OnSerializer, s.PlanSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.OnSerializer)
    def publish(self, request, pk=None):
        return self.act(request, s.OnSerializer, lambda p, d: plan_services.publish_plan(actor=request.user, plan=p, on=_today(d)))

    @_post("结束抽查计划", s.OnSerializer, s.PlanSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.OnSerializer)
    def close(self, request, pk=None):
        return self.act(request, s.OnSerializer, lambda p, d: plan_services.close_plan(actor=request.user, plan=p, on=_today(d)))

    @_post("添加检验项目", s.TestItemWriteSerializer, s.PlanSerializer, created=True)
    @action(detail=True, methods=["post"], url_path="test-items", serializer_class=s.TestItemWriteSerializer)
    def test_items(self, request, pk=None):
        def call(plan, data):
            plan_services.add_test_item(actor=request.user, plan=plan, **data)
            return self._refreshed(plan)

        return self.act(request, s.TestItemWriteSerializer, call, created=True)

    @_post("设置任务分配（县市区 × 类别）", s.QuotaWriteSerializer, s.PlanSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.QuotaWriteSerializer)
    def quotas(self, request, pk=None):
        def call(plan, data):
            plan_services.set_quota(actor=request.user, plan=plan, **data)
            return self._refreshed(plan)

        return self.act(request, s.QuotaWriteSerializer, call)

    @_post("冻结检查对象名录", s.OnSerializer, s.DrawSerializer, created=True,
           description="记录名录的 SHA-256 和随机种子的承诺值（种子在抽取后公开）；排除项及原因写入名录文件")
    @action(detail=True, methods=["post"], serializer_class=s.OnSerializer)
    def freeze(self, request, pk=None):
        return self.act(request, s.OnSerializer,
                        lambda p, d: draw_services.freeze_enterprise_pool(actor=request.user, plan=p, on=d.get("on")),
                        answer_class=s.DrawSerializer, created=True)


# --- draws ---------------------------------------------------------------------------------------


@_views("抽取记录")
class DrawViewSet(ActionMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """抽取记录 — published ones are public.  ``seed`` is null until the draw is drawn; inspector
    and lab draws show no result and no pool (only their hashes)."""

    public = True
    queryset = Draw.objects.select_related("plan")
    serializer_class = s.DrawSerializer
    read_serializer_class = s.DrawSerializer
    filterset_class = DrawFilterSet

    @_post("执行抽取", s.PublicValueSerializer, s.DrawSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.PublicValueSerializer)
    def run(self, request, pk=None):
        return self.act(request, s.PublicValueSerializer,
                        lambda d, data: draw_services.run_draw(actor=request.user, draw=d, public_value=data.get("public_value", "")))

    @_post("抽取执法检查人员（依据企业抽取）", s.PublicValueSerializer, s.DrawSerializer, created=True)
    @action(detail=True, methods=["post"], serializer_class=s.PublicValueSerializer)
    def inspectors(self, request, pk=None):
        return self.act(request, s.PublicValueSerializer,
                        lambda d, data: draw_services.draw_inspectors(actor=request.user, enterprise_draw=d,
                                                                      public_value=data.get("public_value", "")),
                        created=True)

    @_post("抽取检验检测机构（依据企业抽取）", s.PublicValueSerializer, s.DrawSerializer, created=True)
    @action(detail=True, methods=["post"], serializer_class=s.PublicValueSerializer)
    def labs(self, request, pk=None):
        return self.act(request, s.PublicValueSerializer,
                        lambda d, data: draw_services.draw_labs(actor=request.user, enterprise_draw=d,
                                                                public_value=data.get("public_value", "")),
                        created=True)

    @_post("公布抽取记录", None, s.DrawSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.DrawSerializer)
    def publish(self, request, pk=None):
        draw = self.get_object()
        draw = draw_services.publish_draw(actor=request.user, draw=draw)
        return Response(s.DrawSerializer(draw, context=self.get_serializer_context()).data)

    @extend_schema(summary="下载名录文件", tags=[TAG], parameters=[ID_PARAM],
                   description="企业名录：能查看该抽取记录的人均可下载；执法检查人员和检验检测机构名录：仅审计监督人员",
                   responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="冻结时的名录文件，逐字节")})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def pool(self, request, pk=None):
        from ..views import may_download_pool

        draw = self.get_object()
        if not may_download_pool(draw, request.user):
            raise PermissionDenied("执法检查人员和检验检测机构名录含个人或商业信息，仅审计监督人员可下载核验")
        if not draw.pool_file:
            raise exceptions.NotFound("名录文件不存在")
        try:
            handle = draw.pool_file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise exceptions.NotFound("名录文件不存在") from exc
        return FileResponse(handle, as_attachment=True, filename=draw.pool_file.name.rsplit("/", 1)[-1],
                            content_type="application/octet-stream")


# --- tasks ---------------------------------------------------------------------------------------


@_views("抽查任务")
class TaskViewSet(ActionMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """抽查任务 — not public (sampling is unannounced): staff of the task's region and department."""

    queryset = SamplingTask.objects.select_related("plan", "enterprise", "category", "region", "department", "lab").prefetch_related("inspectors")
    serializer_class = s.TaskSerializer
    read_serializer_class = s.TaskSerializer
    filterset_class = SamplingTaskFilterSet

    @_post("登记拒检", s.RefuseSerializer, s.TaskSerializer, description="记入企业信用（事件 sampling.task_refused），下一年度优先抽查")
    @action(detail=True, methods=["post"], serializer_class=s.RefuseSerializer)
    def refuse(self, request, pk=None):
        return self.act(request, s.RefuseSerializer, lambda t, d: sample_services.refuse_sampling(actor=request.user, task=t, **d))


# --- samples -------------------------------------------------------------------------------------


@_views("样品", create="登记样品（六个月内重复抽查的，拒绝并说明原因）")
class SampleViewSet(ActionMixin, ServiceCreateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """样品 — staff of the sample's region and department, the lab it was sent to, the producer
    and the sampled unit (their accounts); others see it once published in a bulletin."""

    queryset = Sample.objects.select_related("plan", "region", "department", "category", "producer_region").prefetch_related(
        "sampled_by", "attachments")
    serializer_class = s.SampleSerializer
    read_serializer_class = s.SampleSerializer
    write_serializer_class = s.SampleWriteSerializer
    filterset_class = SampleFilterSet

    def create_object(self, data):
        data["inspectors"] = list(data.get("inspectors") or [])
        data["sample_no"] = data.get("sample_no") or None  # empty: numbered by the service
        return sample_services.register_sample(actor=self.request.user, **data)

    def _refreshed(self, sample):
        return self.get_queryset().get(pk=sample.pk)

    @_post("送样（样品流转）", s.SendSerializer, s.SampleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.SendSerializer)
    def send(self, request, pk=None):
        return self.act(request, s.SendSerializer, lambda x, d: sample_services.send_sample(actor=request.user, sample=x, **d))

    @_post("收样（承检机构）", s.ReceiveSerializer, s.SampleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ReceiveSerializer)
    def receive(self, request, pk=None):
        return self.act(request, s.ReceiveSerializer, lambda x, d: sample_services.receive_sample(actor=request.user, sample=x, **d))

    @_post("上传附件（网页截图、购样凭证等）", s.AttachmentWriteSerializer, s.SampleSerializer, created=True)
    @action(detail=True, methods=["post"], serializer_class=s.AttachmentWriteSerializer, parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        def call(sample, data):
            upload = data["file"]
            sample_services.add_attachment(actor=request.user, sample=sample, kind=data["kind"], name=upload.name,
                                           content=upload.read(), description=data.get("description", ""))
            return self._refreshed(sample)

        return self.act(request, s.AttachmentWriteSerializer, call, created=True)

    @_post("告知检验结果（送达）", s.NotifySerializer, s.SampleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.NotifySerializer)
    def notify(self, request, pk=None):
        return self.act(request, s.NotifySerializer, lambda x, d: sample_services.notify_result(actor=request.user, sample=x, **d))

    @_post("确定检验结论（复检申请期限届满且未申请复检）", s.OnSerializer, s.SampleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.OnSerializer)
    def finalise(self, request, pk=None):
        return self.act(request, s.OnSerializer,
                        lambda x, d: sample_services.finalise_result(actor=request.user, sample=x, on=_today(d)))

    @_post("责令整改", s.OnSerializer, s.RectificationSerializer, created=True)
    @action(detail=True, methods=["post"], serializer_class=s.OnSerializer)
    def rectification(self, request, pk=None):
        return self.act(request, s.OnSerializer,
                        lambda x, d: sample_services.order_rectification(actor=request.user, sample=x, on=_today(d)),
                        answer_class=s.RectificationSerializer, created=True)

    @_post("移送生产企业所在地监管部门（异地核查处置）", s.ReferSerializer, s.ReferralSerializer, created=True)
    @action(detail=True, methods=["post"], serializer_class=s.ReferSerializer)
    def referral(self, request, pk=None):
        return self.act(request, s.ReferSerializer,
                        lambda x, d: sample_services.refer_to_home_authority(actor=request.user, sample=x, **d),
                        answer_class=s.ReferralSerializer, created=True)

    @_post("核对导入结果的生产企业", s.MatchSerializer, s.SampleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.MatchSerializer)
    def match(self, request, pk=None):
        return self.act(request, s.MatchSerializer,
                        lambda x, d: bulletin_services.match_imported_sample(actor=request.user, sample=x, enterprise=d["enterprise"]))


# --- reports -------------------------------------------------------------------------------------


@_views("检验报告", create="保存检验报告草稿（只填实测值，结论由各项目判定得出）")
class ReportViewSet(ActionMixin, ServiceCreateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """检验报告 — the lab's own, and the staff and enterprise of the sample."""

    queryset = TestReport.objects.select_related("sample", "lab").prefetch_related("results")
    serializer_class = s.ReportSerializer
    read_serializer_class = s.ReportSerializer
    write_serializer_class = s.ReportWriteSerializer
    filterset_class = TestReportFilterSet

    def create_object(self, data):
        return sample_services.save_report(actor=self.request.user, **data)

    @_post("签发检验报告", s.OnSerializer, s.ReportSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.OnSerializer)
    def issue(self, request, pk=None):
        return self.act(request, s.OnSerializer, lambda r, d: sample_services.issue_report(actor=request.user, report=r, on=_today(d)))


# --- objections, rectifications, referrals -------------------------------------------------------


@_views("复检申请", create="申请复检（企业；期限届满的不予受理）")
class ObjectionViewSet(ActionMixin, ServiceCreateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    queryset = Objection.objects.select_related("sample")
    serializer_class = s.ObjectionSerializer
    read_serializer_class = s.ObjectionSerializer
    write_serializer_class = s.ObjectionWriteSerializer
    filterset_class = ObjectionFilterSet

    def create_object(self, data):
        return sample_services.file_objection(actor=self.request.user, sample=data["sample"], on=_today(data), reason=data["reason"])

    @_post("处理复检申请", s.DecideSerializer, s.ObjectionSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.DecideSerializer)
    def decide(self, request, pk=None):
        return self.act(request, s.DecideSerializer, lambda o, d: sample_services.decide_objection(actor=request.user, objection=o, **d))


@_views("不合格产品后处理")
class RectificationViewSet(ActionMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    queryset = Rectification.objects.select_related("sample", "enterprise", "region")
    serializer_class = s.RectificationSerializer
    read_serializer_class = s.RectificationSerializer
    filterset_class = RectificationFilterSet

    @_post("登记复查", s.PassedSerializer, s.RectificationSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.PassedSerializer)
    def recheck(self, request, pk=None):
        return self.act(request, s.PassedSerializer, lambda r, d: sample_services.record_recheck(actor=request.user, rectification=r, **d))

    @_post("公告复查不合格", s.OnSerializer, s.RectificationSerializer)
    @action(detail=True, methods=["post"], url_path="publish-failure", serializer_class=s.OnSerializer)
    def publish_failure(self, request, pk=None):
        return self.act(request, s.OnSerializer,
                        lambda r, d: sample_services.publish_recheck_failure(actor=request.user, rectification=r, on=_today(d)))

    @_post("登记再次复查", s.PassedSerializer, s.RectificationSerializer)
    @action(detail=True, methods=["post"], url_path="second-recheck", serializer_class=s.PassedSerializer)
    def second_recheck(self, request, pk=None):
        return self.act(request, s.PassedSerializer,
                        lambda r, d: sample_services.record_second_recheck(actor=request.user, rectification=r, **d))


@_views("异地核查处置")
class ReferralViewSet(ActionMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    queryset = Referral.objects.select_related("sample", "region")
    serializer_class = s.ReferralSerializer
    read_serializer_class = s.ReferralSerializer
    filterset_class = ReferralFilterSet

    @_post("登记核查处置回复", s.ReplySerializer, s.ReferralSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ReplySerializer)
    def reply(self, request, pk=None):
        return self.act(request, s.ReplySerializer, lambda r, d: sample_services.record_referral_reply(actor=request.user, referral=r, **d))


# --- bulletins ------------------------------------------------------------------------------------------


@_views("抽查结果公告", create="新建结果公告（草拟）")
class BulletinViewSet(ActionMixin, ServiceCreateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """抽查结果公告 — published ones are public, with the standard table of their results."""

    public = True
    queryset = Bulletin.objects.select_related("plan").prefetch_related("samples__region")
    serializer_class = s.BulletinSerializer
    read_serializer_class = s.BulletinSerializer
    write_serializer_class = s.BulletinWriteSerializer
    filterset_class = BulletinFilterSet

    def create_object(self, data):
        if "samples" in data:
            data["samples"] = list(data["samples"])
        return bulletin_services.create_bulletin(actor=self.request.user, **data)

    @_post("发布结果公告", s.OnSerializer, s.BulletinSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.OnSerializer)
    def publish(self, request, pk=None):
        return self.act(request, s.OnSerializer,
                        lambda b, d: bulletin_services.publish_bulletin(actor=request.user, bulletin=b, on=_today(d)))


__all__ = [
    "BulletinViewSet",
    "DrawViewSet",
    "ObjectionViewSet",
    "PlanViewSet",
    "RectificationViewSet",
    "ReferralViewSet",
    "ReportViewSet",
    "SampleViewSet",
    "TaskViewSet",
]
