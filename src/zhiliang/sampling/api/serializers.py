"""The sampling API's serializers.  They validate and present; they never save — writes go
through :mod:`zhiliang.sampling.services` (see ``core/api/base.py``).

* A draw's ``seed`` is ``null`` until the draw is drawn (before, only its SHA-256 commitment
  is shown); the result of an inspector or lab draw is never listed here (it holds personal
  or commercial data: only its hash), and the pool file's URL is given only to those who may
  download it (``views.may_download_pool``).
* Choice fields are documented with inline enums (their names collide across apps).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhiliang.core.api.base import ModelSerializer
from zhiliang.core.api.fields import CodeRelatedField
from zhiliang.core.models import Department, Region
from zhiliang.enterprises.api.serializers import ScopedPrimaryKeyRelatedField
from zhiliang.enterprises.models import (
    Enterprise,
    Inspector,
    Product,
    ProductCategory,
    TestingAgency,
)

from ..choices import (
    BulletinStatus,
    Conclusion,
    Direction,
    DrawKind,
    DrawStatus,
    FeeBearer,
    Level,
    NoticeMethod,
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
from ..models import (
    Bulletin,
    Draw,
    Objection,
    Quota,
    Rectification,
    Referral,
    Sample,
    SampleAttachment,
    SamplingPlan,
    SamplingTask,
    TestItem,
    TestReport,
    TestResult,
)

# --- fields --------------------------------------------------------------------------------------


def enum(choices, *, read_only: bool = False, **kwargs):
    """A choice field documented with an inline enum.  The enum sits inside ``allOf`` so that
    drf-spectacular's enum hook leaves it inline: the field names (kind, level, source …)
    carry other choice sets in other apps, and a shared component name would collide."""
    values = [str(value) for value, _label in choices]
    labels = "；".join(f"{value} {label}" for value, label in choices)
    help_text = kwargs.pop("help_text", "")
    help_text = f"{help_text}（{labels}）" if help_text else labels
    allowed = [*values, ""] if kwargs.get("allow_blank") else values
    schema = {"type": "string", "allOf": [{"enum": allowed}], "description": help_text}

    @extend_schema_field(schema)
    class InlineChoiceField(serializers.ChoiceField):
        pass

    if read_only:
        return InlineChoiceField(choices=choices, read_only=True, help_text=help_text, **kwargs)
    return InlineChoiceField(choices=choices, help_text=help_text, **kwargs)


def region_code(**kwargs):
    return CodeRelatedField(slug_field="code", queryset=Region.objects.all(), help_text=kwargs.pop("help_text", "区划代码，如 420302"),
                                        **kwargs)


def category_code(**kwargs):
    return CodeRelatedField(slug_field="code", queryset=ProductCategory.objects.all(),
                                        help_text=kwargs.pop("help_text", "产品类别代码，如 auto-parts"), **kwargs)


class OnSerializer(serializers.Serializer):
    """An action done on a date (today when omitted)."""

    on = serializers.DateField(required=False, help_text="日期（默认今天）")


# --- plans ---------------------------------------------------------------------------------------


class TestItemSerializer(ModelSerializer):
    __test__ = False

    category = CodeRelatedField(slug_field="code", read_only=True, help_text="产品类别代码")
    direction = enum(Direction.choices, read_only=True, help_text="判定方向")

    class Meta:
        model = TestItem
        fields = ("id", "category", "name", "standard", "clause", "unit", "direction", "limit_low", "limit_high", "requirement", "sort_order")


class QuotaSerializer(ModelSerializer):
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="县市区代码")
    region_name = serializers.CharField(source="region.name", read_only=True, help_text="县市区名称")
    category = CodeRelatedField(slug_field="code", read_only=True, help_text="产品类别代码")

    class Meta:
        model = Quota
        fields = ("id", "region", "region_name", "category", "quantity")


class PlanSerializer(ModelSerializer):
    level = enum(Level.choices, read_only=True, help_text="抽查层级")
    level_label = serializers.CharField(source="get_level_display", read_only=True, help_text="抽查层级名称")
    kind = enum(PlanKind.choices, read_only=True, help_text="抽查类型")
    place = enum(Place.choices, read_only=True, help_text="抽样环节")
    status = enum(PlanStatus.choices, read_only=True, help_text="状态")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态名称")
    source = enum(Source.choices, read_only=True, help_text="来源")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="组织区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True, help_text="组织区划名称")
    department = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="组织部门代码")
    categories = CodeRelatedField(slug_field="code", many=True, read_only=True, help_text="抽查产品类别代码")
    risk_ratios = serializers.DictField(child=serializers.FloatField(), read_only=True,
                                        help_text="信用风险分类抽查比例（%），如 {\"A\": 5, \"B\": 10, \"C\": 30, \"D\": 60}")
    test_items = TestItemSerializer(many=True, read_only=True, help_text="检验项目")
    quotas = QuotaSerializer(many=True, read_only=True, help_text="任务分配")

    class Meta:
        model = SamplingPlan
        fields = ("id", "code", "title", "year", "level", "level_label", "kind", "place", "region", "region_name", "department",
                  "organiser_name", "categories", "risk_ratios", "exclude_local_inspectors", "starts_on", "ends_on", "description",
                  "status", "status_label", "approved_on", "published_on", "source", "test_items", "quotas", "created_at", "updated_at")


class PlanWriteSerializer(serializers.Serializer):
    """A draft plan (``create_plan``); on ``PATCH`` only the given fields change (``update_plan``)."""

    code = serializers.CharField(max_length=40, help_text="计划编号（唯一）")
    title = serializers.CharField(max_length=150, help_text="计划名称")
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="年度")
    level = enum(Level.choices, help_text="抽查层级")
    kind = enum(PlanKind.choices, required=False, help_text="抽查类型")
    place = enum(Place.choices, required=False, help_text="抽样环节")
    region = region_code(help_text="组织区划代码（县级计划为县市区，市级计划为 420300）")
    department = CodeRelatedField(slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True,
                                              help_text="组织部门代码，如 sy-amr")
    organiser_name = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="组织机关名称")
    categories = CodeRelatedField(slug_field="code", many=True, queryset=ProductCategory.objects.all(), required=False,
                                              help_text="抽查产品类别代码列表")
    risk_ratios = serializers.DictField(child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100),
                                        required=False, allow_null=True,
                                        help_text="信用风险分类抽查比例（%），A、B、C、D 四类；省略则按规则默认值")
    exclude_local_inspectors = serializers.BooleanField(required=False, help_text="检查人员回避企业所在区划")
    starts_on = serializers.DateField(required=False, allow_null=True, help_text="开始日期")
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="结束日期")
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, help_text="说明")


class TestItemWriteSerializer(serializers.Serializer):
    """A test item of one of the plan's categories (``add_test_item``)."""

    __test__ = False

    category = category_code()
    name = serializers.CharField(max_length=100, help_text="检验项目")
    direction = enum(Direction.choices, help_text="判定方向")
    standard = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="依据标准")
    clause = serializers.CharField(max_length=30, required=False, allow_blank=True, help_text="条款")
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="单位")
    limit_low = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True, help_text="下限")
    limit_high = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True, help_text="上限")
    requirement = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="技术要求（定性项目）")


class QuotaWriteSerializer(serializers.Serializer):
    region = region_code(help_text="县市区代码")
    category = category_code()
    quantity = serializers.IntegerField(min_value=0, max_value=1_000_000, help_text="抽查企业数（0 = 取消该分配）")


# --- draws ---------------------------------------------------------------------------------------


class DrawSerializer(ModelSerializer):
    plan = CodeRelatedField(slug_field="code", read_only=True, help_text="抽查计划编号")
    plan_id = serializers.IntegerField(read_only=True, help_text="抽查计划 id")
    kind = enum(DrawKind.choices, read_only=True, help_text="抽取对象")
    status = enum(DrawStatus.choices, read_only=True, help_text="状态")
    seed = serializers.SerializerMethodField(help_text="随机种子：抽取前为 null（只公布承诺值 seed_commitment）")
    result = serializers.SerializerMethodField(help_text="抽取结果；执法检查人员和检验检测机构的抽取为 null（只公布 result_hash）")
    pool_url = serializers.SerializerMethodField(help_text="名录文件下载地址；无权下载时为 null")

    class Meta:
        model = Draw
        fields = ("id", "plan", "plan_id", "kind", "based_on", "algorithm", "status", "on_date", "pool_size", "excluded_count", "pool_hash",
                  "seed_commitment", "seed", "public_value", "result", "result_hash", "frozen_at", "drawn_at", "published_at", "pool_url")

    @extend_schema_field({"type": "string", "nullable": True})
    def get_seed(self, obj) -> str | None:
        return obj.seed if obj.status != DrawStatus.FROZEN and obj.seed else None

    @extend_schema_field({"type": "array", "items": {"type": "object", "additionalProperties": True}, "nullable": True})
    def get_result(self, obj):
        if obj.status == DrawStatus.FROZEN or not obj.pool_is_public:
            return None
        return obj.result

    @extend_schema_field({"type": "string", "nullable": True})
    def get_pool_url(self, obj) -> str | None:
        from ..views import may_download_pool

        request = self.context.get("request")
        if request is None or not obj.pool_file or not may_download_pool(obj, request.user):
            return None
        from django.urls import reverse

        return request.build_absolute_uri(reverse("v1:sampling-draw-pool", args=[obj.pk]))


class PublicValueSerializer(serializers.Serializer):
    public_value = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                         help_text="公开随机值（可选，如当日公布的彩票开奖号码）")


# --- tasks ---------------------------------------------------------------------------------------


class InspectorRefSerializer(ModelSerializer):
    class Meta:
        model = Inspector
        fields = ("id", "name", "certificate_number")


class TaskSerializer(ModelSerializer):
    plan = CodeRelatedField(slug_field="code", read_only=True, help_text="抽查计划编号")
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="受检企业名称")
    category = CodeRelatedField(slug_field="code", read_only=True, help_text="产品类别代码")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="区划代码")
    department = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="组织部门代码")
    inspectors = InspectorRefSerializer(many=True, read_only=True, help_text="执法检查人员")
    lab_name = serializers.CharField(source="lab.name", read_only=True, allow_null=True, default=None, help_text="承检机构名称")
    status = enum(TaskStatus.choices, read_only=True, help_text="状态")

    class Meta:
        model = SamplingTask
        fields = ("id", "plan", "draw", "enterprise", "enterprise_name", "product", "category", "region", "department", "inspectors", "lab",
                  "lab_name", "credit_class", "status", "due_on", "refused_on", "note", "created_at", "updated_at")


class RefuseSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="拒检日期")
    note = serializers.CharField(max_length=5000, help_text="拒检情况（时间、地点、拒绝人员及理由）")


# --- samples -------------------------------------------------------------------------------------


class AttachmentSerializer(ModelSerializer):
    kind = enum(SampleAttachment.KINDS, read_only=True, help_text="附件类型")
    name = serializers.SerializerMethodField(help_text="文件名")

    class Meta:
        model = SampleAttachment
        fields = ("id", "kind", "name", "sha256", "description", "created_at")

    def get_name(self, obj) -> str:
        return obj.file.name.rsplit("/", 1)[-1] if obj.file else ""


class SampleSerializer(ModelSerializer):
    plan = CodeRelatedField(slug_field="code", read_only=True, help_text="抽查计划编号")
    level = enum(Level.choices, read_only=True, help_text="抽查层级")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="抽样地区代码")
    region_name = serializers.CharField(source="region.name", read_only=True, help_text="抽样地区名称")
    department = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="组织部门代码")
    category = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="产品类别代码")
    producer_region = CodeRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="生产企业所在区划代码")
    place = enum(Place.choices, read_only=True, help_text="抽样环节")
    status = enum(SampleStatus.choices, read_only=True, help_text="状态")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态名称")
    conclusion = enum(Conclusion.choices, read_only=True, allow_blank=True, help_text="检验结论（复检结论替代初检结论；未出结论为空）")
    first_conclusion = enum(Conclusion.choices, read_only=True, allow_blank=True, help_text="初检结论")
    notice_method = enum(NoticeMethod.choices, read_only=True, allow_blank=True, help_text="送达方式")
    source = enum(Source.choices, read_only=True, help_text="来源")
    failing_items = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="不合格项目")
    sampled_by = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="抽样人员编号")
    attachments = AttachmentSerializer(many=True, read_only=True, help_text="附件")

    class Meta:
        model = Sample
        fields = ("id", "sample_no", "plan", "task", "level", "region", "region_name", "department", "category", "product", "product_name",
                  "trademark", "model", "standard", "batch_no", "production_date", "producer", "producer_name", "producer_region",
                  "sampled_unit", "sampled_unit_name", "place", "platform", "shop", "order_no", "page_url", "quantity_tested",
                  "quantity_reserve", "unit", "price_paid", "sampled_on", "sampled_by", "lab", "lab_change_reason", "sent_on", "received_on", "received_condition",
                  "status", "status_label", "first_conclusion", "conclusion", "failing_items", "concluded_on", "notified_on", "notice_method",
                  "served_on", "source", "bulletin", "attachments", "created_at", "updated_at")


class SampleWriteSerializer(serializers.Serializer):
    """Register a sample (``register_sample``): from a drawn task, or chosen on site (market and
    online sampling) — the 6-month repeat ban is checked again and refused with its reason."""

    plan = ScopedPrimaryKeyRelatedField(queryset=SamplingPlan.objects.all(), help_text="抽查计划 id")
    task = ScopedPrimaryKeyRelatedField(queryset=SamplingTask.objects.all(), required=False, allow_null=True, help_text="抽查任务 id")
    sample_no = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True, help_text="样品编号（留空自动生成）")
    sampled_on = serializers.DateField(help_text="抽样日期")
    region = region_code(required=False, allow_null=True, help_text="抽样地区代码（默认为任务或生产企业所在区划）")
    category = category_code(required=False, allow_null=True)
    product = ScopedPrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True, help_text="名录中的产品 id")
    product_name = serializers.CharField(max_length=120, help_text="产品名称")
    trademark = serializers.CharField(max_length=60, required=False, allow_blank=True, help_text="商标")
    model = serializers.CharField(max_length=120, required=False, allow_blank=True, help_text="规格型号")
    standard = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="执行标准")
    batch_no = serializers.CharField(max_length=60, required=False, allow_blank=True, help_text="生产日期/批号")
    production_date = serializers.DateField(required=False, allow_null=True, help_text="生产日期")
    producer = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False, allow_null=True, help_text="标称生产企业 id（名录库）")
    producer_name = serializers.CharField(max_length=150, required=False, allow_blank=True, help_text="标称生产企业名称（不在名录库时）")
    sampled_unit = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False, allow_null=True, help_text="受检单位 id")
    sampled_unit_name = serializers.CharField(max_length=150, required=False, allow_blank=True, help_text="受检单位名称")
    place = enum(Place.choices, required=False, help_text="抽样环节（默认为计划的抽样环节）")
    platform = serializers.CharField(max_length=60, required=False, allow_blank=True, help_text="电商平台")
    shop = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="网店名称")
    order_no = serializers.CharField(max_length=60, required=False, allow_blank=True, help_text="订单号")
    page_url = serializers.URLField(max_length=300, required=False, allow_blank=True, help_text="商品页面地址")
    quantity_tested = serializers.IntegerField(min_value=1, max_value=100_000, required=False, help_text="检验样品数量")
    quantity_reserve = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True, help_text="备用样品数量")
    unit = serializers.CharField(max_length=10, required=False, help_text="计量单位")
    price_paid = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True, help_text="购样费用（元）")
    inspectors = ScopedPrimaryKeyRelatedField(queryset=Inspector.objects.all(), many=True, required=False, help_text="抽样人员 id 列表")
    lab = serializers.PrimaryKeyRelatedField(queryset=TestingAgency.objects.all(), required=False, allow_null=True, help_text="承检机构 id")


class SendSerializer(serializers.Serializer):
    lab = serializers.PrimaryKeyRelatedField(queryset=TestingAgency.objects.all(), help_text="承检机构 id")
    on = serializers.DateField(help_text="送样日期")
    lab_change_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                              help_text="改送其他检验机构的原因：送往抽取或登记时指定的承检机构以外的机构时必填")


class ReceiveSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="收样日期")
    condition = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="样品及封条状况")


class NotifySerializer(serializers.Serializer):
    on = serializers.DateField(help_text="告知日期")
    method = enum(NoticeMethod.choices, help_text="送达方式")


class AttachmentWriteSerializer(serializers.Serializer):
    kind = enum(SampleAttachment.KINDS, help_text="附件类型")
    file = serializers.FileField(help_text="文件（不超过 20 MB）")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="说明")


class ReferSerializer(serializers.Serializer):
    authority = serializers.CharField(max_length=100, help_text="生产企业所在地监管部门")
    on = serializers.DateField(help_text="移送日期")


class MatchSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), allow_null=True,
                                                    help_text="名录库中的企业 id；null 撤销错误的匹配")


# --- reports -------------------------------------------------------------------------------------


class ResultSerializer(ModelSerializer):
    direction = enum(Direction.choices, read_only=True, help_text="判定方向")

    class Meta:
        model = TestResult
        fields = ("id", "item", "name", "standard", "unit", "direction", "limit_low", "limit_high", "requirement", "measured", "passed")


class ReportSerializer(ModelSerializer):
    sample_no = serializers.CharField(source="sample.sample_no", read_only=True, help_text="样品编号")
    lab_name = serializers.CharField(source="lab.name", read_only=True, help_text="检验检测机构名称")
    status = enum(ReportStatus.choices, read_only=True, help_text="状态")
    conclusion = enum(Conclusion.choices, read_only=True, allow_blank=True, help_text="检验结论（由各项目判定得出）")
    failing_items = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="不合格项目")
    results = ResultSerializer(many=True, read_only=True, help_text="各项目结果")

    class Meta:
        model = TestReport
        fields = ("id", "sample", "sample_no", "lab", "lab_name", "report_no", "is_retest", "tested_on", "issued_on", "status", "conclusion",
                  "failing_items", "note", "results", "created_at", "updated_at")


class ResultWriteSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=TestItem.objects.all(), required=False, allow_null=True,
                                              help_text="计划中的检验项目 id；或填写 name 和 direction 等（计划外项目）")
    name = serializers.CharField(max_length=100, required=False, help_text="检验项目（计划外项目）")
    direction = enum(Direction.choices, required=False, help_text="判定方向（计划外项目）")
    standard = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="依据标准")
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="单位")
    limit_low = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True, help_text="下限")
    limit_high = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True, help_text="上限")
    requirement = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="技术要求")
    measured = serializers.CharField(max_length=60, help_text="实测值：数值，或定性项目的“符合/不符合”")


class ReportWriteSerializer(serializers.Serializer):
    """Save the draft report of a round (``save_report``): the measured values only — each
    item's judgement and the conclusion are derived."""

    sample = ScopedPrimaryKeyRelatedField(queryset=Sample.objects.all(), help_text="样品 id")
    report_no = serializers.CharField(max_length=60, help_text="报告编号")
    results = ResultWriteSerializer(many=True, help_text="各项目实测值")
    tested_on = serializers.DateField(required=False, allow_null=True, help_text="检验日期")
    is_retest = serializers.BooleanField(required=False, default=False, help_text="复检报告")
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, help_text="备注")

    def validate_results(self, value):
        rows = []
        for number, row in enumerate(value, 1):
            if row.get("item") is not None:
                rows.append({"item": row["item"], "measured": row["measured"]})
            elif row.get("name") and row.get("direction"):
                rows.append({k: v for k, v in row.items() if k != "item" and v is not None})
            else:
                raise serializers.ValidationError(f"第 {number} 项：须指明计划中的检验项目（item），或填写项目名称（name）和判定方向（direction）")
        return rows


# --- objections, rectification, referrals --------------------------------------------------------------


class ObjectionSerializer(ModelSerializer):
    sample_no = serializers.CharField(source="sample.sample_no", read_only=True, help_text="样品编号")
    status = enum(ObjectionStatus.choices, read_only=True, help_text="状态")
    fee_bearer = enum(FeeBearer.choices, read_only=True, allow_blank=True, help_text="复检费用承担")

    class Meta:
        model = Objection
        fields = ("id", "sample", "sample_no", "filed_on", "deadline", "reason", "status", "decided_on", "decision_note", "retest_lab",
                  "result_changed", "fee_bearer", "created_at", "updated_at")


class ObjectionWriteSerializer(serializers.Serializer):
    """File an objection (复检申请) within the deadline (``file_objection``)."""

    sample = ScopedPrimaryKeyRelatedField(queryset=Sample.objects.all(), help_text="样品 id")
    reason = serializers.CharField(max_length=5000, help_text="异议理由")
    on = serializers.DateField(required=False, help_text="申请日期（默认今天）")


class DecideSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true 受理并安排复检；false 不予受理（须说明理由）")
    on = serializers.DateField(help_text="处理日期")
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, help_text="处理意见")
    retest_lab = serializers.PrimaryKeyRelatedField(queryset=TestingAgency.objects.all(), required=False, allow_null=True,
                                                    help_text="复检机构 id（受理时）")


class RectificationSerializer(ModelSerializer):
    sample_no = serializers.CharField(source="sample.sample_no", read_only=True, help_text="样品编号")
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="整改企业名称")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="区划代码")
    status = enum(RectificationStatus.choices, read_only=True, help_text="状态")

    class Meta:
        model = Rectification
        fields = ("id", "sample", "sample_no", "enterprise", "enterprise_name", "region", "ordered_on", "stop_sale", "correction_due",
                  "recheck_due", "rechecked_on", "recheck_passed", "published_on", "second_recheck_from", "second_recheck_until",
                  "second_rechecked_on", "second_passed", "suspended_on", "status", "note", "created_at", "updated_at")


class PassedSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="复查日期")
    passed = serializers.BooleanField(help_text="复查合格")


class ReferralSerializer(ModelSerializer):
    sample_no = serializers.CharField(source="sample.sample_no", read_only=True, help_text="样品编号")
    region = CodeRelatedField(slug_field="code", read_only=True, help_text="移送地区代码")
    status = enum(ReferralStatus.choices, read_only=True, help_text="状态")

    class Meta:
        model = Referral
        fields = ("id", "sample", "sample_no", "region", "authority", "sent_on", "reply_due", "replied_on", "reply", "status", "created_at",
                  "updated_at")


class ReplySerializer(serializers.Serializer):
    on = serializers.DateField(help_text="回复日期")
    reply = serializers.CharField(max_length=5000, help_text="核查处置情况")


# --- bulletins ------------------------------------------------------------------------------------------


class BulletinRowSerializer(ModelSerializer):
    """One row of the published table (RULES.md's standard columns: ``Sample.public_fields``)."""

    region = serializers.CharField(source="region.name", read_only=True, help_text="抽样地区")
    level = enum(Level.choices, read_only=True, help_text="抽查层级")
    conclusion = enum(Conclusion.choices, read_only=True, allow_blank=True, help_text="检验结论")
    failing_items = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="不合格项目")

    class Meta:
        model = Sample
        fields = ("id", *Sample.public_fields)


class BulletinSerializer(ModelSerializer):
    plan = CodeRelatedField(slug_field="code", read_only=True, help_text="抽查计划编号")
    plan_id = serializers.IntegerField(read_only=True, help_text="抽查计划 id")
    status = enum(BulletinStatus.choices, read_only=True, help_text="状态")
    samples = BulletinRowSerializer(many=True, read_only=True, help_text="公告的抽查结果")

    class Meta:
        model = Bulletin
        fields = ("id", "plan", "plan_id", "number", "title", "due_on", "published_on", "status", "note", "samples", "created_at", "updated_at")


class BulletinWriteSerializer(serializers.Serializer):
    """A draft bulletin of a plan's final results (``create_bulletin``)."""

    plan = ScopedPrimaryKeyRelatedField(queryset=SamplingPlan.objects.all(), help_text="抽查计划 id")
    number = serializers.CharField(max_length=60, help_text="公告编号")
    title = serializers.CharField(max_length=150, help_text="标题")
    samples = ScopedPrimaryKeyRelatedField(queryset=Sample.objects.all(), many=True, required=False,
                                           help_text="收录的样品 id；省略则收录该计划已确定结论、尚未公告的全部样品")
