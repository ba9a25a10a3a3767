"""双随机 supervision sampling (监督抽查): plans with their test items and quotas, verifiable
random draws, sampling tasks, samples and their chain of custody, test reports, objections
and re-tests, rectification of failing products, referrals to a producer's home authority,
and result bulletins (seed §三(六)2, §二, §五(一); RULES.md "Supervision sampling").

Scoping: a county's staff see the work done in their county (``region``); a department's
staff the work of the plans it organised (``department``); a lab the samples sent to it and
an enterprise its own samples (``owner``); the public what was published.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from zhiliang.core.models import DomainModel
from zhiliang.core.permissions import Scope

from .choices import (
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

#: county staff run the sampling of their county; department staff that of their department's plans
STAFF_WORK = {"county_staff": ("view", "add", "change"), "department_staff": ("view", "add", "change")}
PUBLISHED_PLAN_STATUSES = (PlanStatus.PUBLISHED, PlanStatus.CLOSED)


class SamplingPlan(DomainModel):
    """抽查计划 — a year's sampling plan of one level and organiser: product categories with
    their test items, quotas by county and category, sampling ratios by credit-risk class,
    approval and the plan's public notice (抽查计划公告).  Imported bulletins of national or
    provincial sampling create closed plans with ``source = imported``."""

    code = models.CharField("计划编号", max_length=40, unique=True)
    title = models.CharField("计划名称", max_length=150)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    level = models.CharField("抽查层级", max_length=12, choices=Level.choices)
    kind = models.CharField("抽查类型", max_length=12, choices=PlanKind.choices, default=PlanKind.ROUTINE)
    place = models.CharField("抽样环节", max_length=10, choices=Place.choices, default=Place.FACTORY)
    region = models.ForeignKey("core.Region", verbose_name="组织区划", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", verbose_name="组织部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organiser_name = models.CharField("组织机关", max_length=100, blank=True, help_text="国家、省级等外部机关的名称（导入的公告）")
    categories = models.ManyToManyField("enterprises.ProductCategory", verbose_name="抽查产品类别", blank=True, related_name="sampling_plans")
    risk_ratios = models.JSONField("信用风险分类抽查比例", default=dict, blank=True, help_text="各类每年抽查的百分比，如 {\"A\": 5, \"B\": 10, \"C\": 30, \"D\": 60}")
    exclude_local_inspectors = models.BooleanField("检查人员回避企业所在区划", default=False)
    starts_on = models.DateField("开始日期", null=True, blank=True)
    ends_on = models.DateField("结束日期", null=True, blank=True)
    description = models.TextField("说明", blank=True)
    status = models.CharField("状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT, db_index=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="批准人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_on = models.DateField("批准日期", null=True, blank=True)
    published_on = models.DateField("公告日期", null=True, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.LOCAL)

    scope = Scope(region="region", department="department", public=Q(status__in=PUBLISHED_PLAN_STATUSES), roles=STAFF_WORK)

    class Meta:
        verbose_name = "抽查计划"
        verbose_name_plural = "抽查计划"
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_exempt_from_repeat_ban(self) -> bool:
        """Follow-up of a failure and emergency sampling may re-sample within 6 months."""
        return self.kind in (PlanKind.FOLLOW_UP, PlanKind.EMERGENCY)


class TestItem(DomainModel):
    """检验项目 — one test of a category in a plan: the standard and clause, the limit,
    the unit and how a measured value is judged."""

    __test__ = False  # not a pytest class

    plan = models.ForeignKey(SamplingPlan, verbose_name="抽查计划", on_delete=models.CASCADE, related_name="test_items")
    category = models.ForeignKey("enterprises.ProductCategory", verbose_name="产品类别", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("检验项目", max_length=100)
    standard = models.CharField("依据标准", max_length=100, blank=True)
    clause = models.CharField("条款", max_length=30, blank=True)
    unit = models.CharField("单位", max_length=20, blank=True)
    direction = models.CharField("判定方向", max_length=12, choices=Direction.choices, default=Direction.MAX)
    limit_low = models.DecimalField("下限", max_digits=14, decimal_places=4, null=True, blank=True)
    limit_high = models.DecimalField("上限", max_digits=14, decimal_places=4, null=True, blank=True)
    requirement = models.CharField("技术要求", max_length=200, blank=True, help_text="定性项目的要求，如“应有中文标志”")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    scope = Scope(region="plan__region", department="plan__department", public=Q(plan__status__in=PUBLISHED_PLAN_STATUSES),
                  roles=STAFF_WORK)

    class Meta:
        verbose_name = "检验项目"
        verbose_name_plural = "检验项目"
        ordering = ["plan_id", "category_id", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction="qualitative") | Q(direction="max", limit_high__isnull=False) | Q(direction="min", limit_low__isnull=False)
                | Q(direction="range", limit_low__isnull=False, limit_high__isnull=False),
                name="test_item_limit_for_direction",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Quota(DomainModel):
    """任务分配 — how many enterprises of a category a plan samples in a county."""

    plan = models.ForeignKey(SamplingPlan, verbose_name="抽查计划", on_delete=models.CASCADE, related_name="quotas")
    region = models.ForeignKey("core.Region", verbose_name="县市区", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("enterprises.ProductCategory", verbose_name="产品类别", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField("抽查企业数", validators=[MinValueValidator(1)])

    scope = Scope(region="region", department="plan__department", public=Q(plan__status__in=PUBLISHED_PLAN_STATUSES), roles=STAFF_WORK)

    class Meta:
        verbose_name = "任务分配"
        verbose_name_plural = "任务分配"
        ordering = ["plan_id", "region__sort_order", "category_id"]
        constraints = [models.UniqueConstraint(fields=["plan", "region", "category"], name="quota_unique")]

    def __str__(self) -> str:
        return f"{self.region} {self.category} × {self.quantity}"


class Draw(DomainModel):
    """抽取记录 — one verifiable random draw (``sampling.draw``): the frozen pool file and its
    SHA-256, the committed seed (its hash published before the draw, the seed after), the
    optional public value mixed in, the algorithm version and the result.  Enterprise pools
    are published in full; inspector and lab pools hold personal or commercial data, so only
    their hashes are public and auditors verify them in full."""

    plan = models.ForeignKey(SamplingPlan, verbose_name="抽查计划", on_delete=models.PROTECT, related_name="draws")
    kind = models.CharField("抽取对象", max_length=12, choices=DrawKind.choices)
    based_on = models.ForeignKey("self", verbose_name="依据的企业抽取", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups")
    algorithm = models.CharField("算法版本", max_length=20)
    status = models.CharField("状态", max_length=10, choices=DrawStatus.choices, default=DrawStatus.FROZEN)
    pool_file = models.FileField("名录文件", upload_to="sampling/draws/", max_length=200)
    pool_hash = models.CharField("名录 SHA-256", max_length=64)
    pool_size = models.PositiveIntegerField("名录条数", default=0)
    excluded_count = models.PositiveIntegerField("排除条数", default=0)
    seed_commitment = models.CharField("随机种子承诺（SHA-256）", max_length=64)
    seed = models.CharField("随机种子", max_length=64, blank=True, help_text="抽取后公开")
    public_value = models.CharField("公开随机值", max_length=100, blank=True, help_text="如当日公布的彩票开奖号码")
    result = models.JSONField("抽取结果", default=list, blank=True)
    result_hash = models.CharField("结果 SHA-256", max_length=64, blank=True)
    on_date = models.DateField("抽取基准日")
    frozen_at = models.DateTimeField("冻结时间")
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)

    scope = Scope(region="plan__region", department="plan__department", public=Q(status=DrawStatus.PUBLISHED), roles=STAFF_WORK)
    #: the change log must not reveal the seed before the draw (only its commitment); the
    #: result is long and stands hashed in ``result_hash``, the file in ``pool_hash``
    audit_snapshot_exclude = ("seed", "result", "pool_file")

    class Meta:
        verbose_name = "抽取记录"
        verbose_name_plural = "抽取记录"
        ordering = ["-frozen_at", "pk"]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.get_kind_display()} #{self.pk}"

    @property
    def pool_is_public(self) -> bool:
        return self.kind == DrawKind.ENTERPRISE


class SamplingTask(DomainModel):
    """抽查任务 — one drawn enterprise (and product) to be sampled, with the drawn inspectors
    and lab.  Not visible to the enterprise: sampling is unannounced.  A refusal (拒检) is
    recorded with its consequences: a credit fact (event) and priority in the next plan."""

    plan = models.ForeignKey(SamplingPlan, verbose_name="抽查计划", on_delete=models.PROTECT, related_name="tasks")
    draw = models.ForeignKey(Draw, verbose_name="抽取记录", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="受检企业", on_delete=models.PROTECT, related_name="sampling_tasks")
    product = models.ForeignKey("enterprises.Product", verbose_name="抽检产品", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey("enterprises.ProductCategory", verbose_name="产品类别", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", verbose_name="组织部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    inspectors = models.ManyToManyField("enterprises.Inspector", verbose_name="执法检查人员", blank=True, related_name="sampling_tasks")
    lab = models.ForeignKey("enterprises.TestingAgency", verbose_name="承检机构", null=True, blank=True, on_delete=models.PROTECT, related_name="sampling_tasks")
    credit_class = models.CharField("信用风险分类", max_length=1, default="B")
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED, db_index=True)
    due_on = models.DateField("完成期限", null=True, blank=True)
    refused_on = models.DateField("拒检日期", null=True, blank=True)
    note = models.TextField("备注", blank=True)

    scope = Scope(region="region", department="department", roles=STAFF_WORK)

    class Meta:
        verbose_name = "抽查任务"
        verbose_name_plural = "抽查任务"
        ordering = ["plan_id", "region_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "enterprise", "category"], name="task_unique_per_plan")]

    def __str__(self) -> str:
        return f"{self.plan.code} · {self.enterprise}"


class Bulletin(DomainModel):
    """抽查结果公告 — the published result table of a plan (RULES.md's standard columns),
    due within 20 working days (RULE_SAMPLING_PUBLISH_WD)."""

    plan = models.ForeignKey(SamplingPlan, verbose_name="抽查计划", on_delete=models.PROTECT, related_name="bulletins")
    number = models.CharField("公告编号", max_length=60, unique=True)
    title = models.CharField("标题", max_length=150)
    due_on = models.DateField("应公布日期", null=True, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT)
    note = models.TextField("说明", blank=True)

    scope = Scope(region="plan__region", department="plan__department", public=Q(status=BulletinStatus.PUBLISHED), roles=STAFF_WORK)

    class Meta:
        verbose_name = "抽查结果公告"
        verbose_name_plural = "抽查结果公告"
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Sample(DomainModel):
    """样品 — one sampled batch: what was taken where, from whom, by whom, its chain of custody
    to the lab, and its result.  ``conclusion`` is the final one (a re-test replaces the first
    result, kept in ``first_conclusion``); statistics read ``conclusion``.  Imported results of
    other authorities are samples with ``source = imported`` (they feed the 6-month ban and the
    by-level statistics); an imported row whose producer is not matched has no ``producer`` and
    waits on the review list."""

    sample_no = models.CharField("样品编号", max_length=40, unique=True)
    plan = models.ForeignKey(SamplingPlan, verbose_name="抽查计划", on_delete=models.PROTECT, related_name="samples")
    task = models.ForeignKey(SamplingTask, verbose_name="抽查任务", null=True, blank=True, on_delete=models.PROTECT, related_name="samples")
    level = models.CharField("抽查层级", max_length=12, choices=Level.choices, editable=False)
    region = models.ForeignKey("core.Region", verbose_name="抽样地区", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", verbose_name="组织部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("enterprises.ProductCategory", verbose_name="产品类别", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("enterprises.Product", verbose_name="产品", null=True, blank=True, on_delete=models.SET_NULL, related_name="samples")
    product_name = models.CharField("产品名称", max_length=120)
    trademark = models.CharField("商标", max_length=60, blank=True)
    model = models.CharField("规格型号", max_length=120, blank=True)
    standard = models.CharField("执行标准", max_length=100, blank=True)
    batch_no = models.CharField("生产日期/批号", max_length=60, blank=True)
    production_date = models.DateField("生产日期", null=True, blank=True)
    producer = models.ForeignKey("enterprises.Enterprise", verbose_name="标称生产企业", null=True, blank=True, on_delete=models.PROTECT, related_name="produced_samples")
    producer_name = models.CharField("标称生产企业名称", max_length=150)
    producer_region = models.ForeignKey("core.Region", verbose_name="生产企业所在区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sampled_unit = models.ForeignKey("enterprises.Enterprise", verbose_name="受检单位", null=True, blank=True, on_delete=models.PROTECT, related_name="sampled_samples")
    sampled_unit_name = models.CharField("受检单位名称", max_length=150, blank=True)
    place = models.CharField("抽样环节", max_length=10, choices=Place.choices, default=Place.FACTORY)
    platform = models.CharField("电商平台", max_length=60, blank=True)
    shop = models.CharField("网店名称", max_length=100, blank=True)
    order_no = models.CharField("订单号", max_length=60, blank=True)
    page_url = models.URLField("商品页面地址", max_length=300, blank=True)
    quantity_tested = models.PositiveIntegerField("检验样品数量", default=1)
    quantity_reserve = models.PositiveIntegerField("备用样品数量", default=1)
    unit = models.CharField("计量单位", max_length=10, default="件")
    price_paid = models.DecimalField("购样费用（元）", max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)])
    sampled_on = models.DateField("抽样日期", db_index=True)
    sampled_by = models.ManyToManyField("enterprises.Inspector", verbose_name="抽样人员", blank=True, related_name="samples")
    lab = models.ForeignKey("enterprises.TestingAgency", verbose_name="承检机构", null=True, blank=True, on_delete=models.PROTECT, related_name="samples")
    lab_change_reason = models.TextField("改送其他检验机构的原因", blank=True,
                                         help_text="改送抽取或登记时指定的承检机构以外的机构检验时必填")
    sent_on = models.DateField("送样日期", null=True, blank=True)
    received_on = models.DateField("收样日期", null=True, blank=True)
    received_condition = models.CharField("样品状态", max_length=100, blank=True, help_text="收样时样品及封条状况")
    status = models.CharField("状态", max_length=12, choices=SampleStatus.choices, default=SampleStatus.REGISTERED, db_index=True)
    first_conclusion = models.CharField("初检结论", max_length=4, choices=Conclusion.choices, blank=True)
    conclusion = models.CharField("检验结论", max_length=4, choices=Conclusion.choices, blank=True, db_index=True)
    failing_items = models.JSONField("不合格项目", default=list, blank=True)
    concluded_on = models.DateField("结论日期", null=True, blank=True)
    notified_on = models.DateField("告知日期", null=True, blank=True)
    notice_method = models.CharField("送达方式", max_length=14, choices=NoticeMethod.choices, blank=True)
    served_on = models.DateField("送达日期", null=True, blank=True, help_text="公告送达为公告期满之日；复检申请期限自此起算")
    exemption = models.CharField("六个月内重复抽查豁免", max_length=12, blank=True, choices=PlanKind.choices)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.LOCAL)
    bulletin = models.ForeignKey(Bulletin, verbose_name="结果公告", null=True, blank=True, on_delete=models.SET_NULL, related_name="samples")
    source_row = models.JSONField("导入原始行", default=dict, blank=True)

    #: what the public bulletin shows (RULES.md's standard table)
    public_fields = ("sample_no", "product_name", "trademark", "model", "batch_no", "production_date", "producer_name",
                     "sampled_unit_name", "region", "sampled_on", "conclusion", "failing_items", "level")
    scope = Scope(region="region", department="department", owner=("producer", "sampled_unit", "lab"),
                  public=Q(bulletin__status=BulletinStatus.PUBLISHED),
                  roles={**STAFF_WORK, "lab": ("view", "change"), "enterprise": ("view",)})

    class Meta:
        verbose_name = "样品"
        verbose_name_plural = "样品"
        ordering = ["-sampled_on", "-pk"]
        indexes = [
            # the 6-month ban (producer + date); level and conclusion let the by-enterprise
            # statistics group by producer from the index alone
            models.Index(fields=["producer", "sampled_on", "level", "conclusion"], name="sample_producer_date"),
            models.Index(fields=["level", "sampled_on"], name="sample_level_date"),
            models.Index(fields=["producer_region", "level", "sampled_on"], name="sample_county_stats"),
            # every column the pass-rate tables read (stats.py): PostgreSQL answers them by an
            # index-only scan (bench/bench_sampling_stats.py)
            models.Index(fields=["sampled_on", "level", "conclusion", "producer_region", "category", "place", "producer", "bulletin",
                                 "region"], name="sample_stats"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_no} {self.product_name}"

    @property
    def batch_label(self) -> str:
        """生产日期/批号 as the pages and the notice print it: the batch, the production date
        beside it when it says more (“B230815（2023-08-15）”), or the date alone."""
        day = self.production_date.isoformat() if self.production_date else ""
        if self.batch_no and day and day != self.batch_no:
            return f"{self.batch_no}（{day}）"
        return self.batch_no or day or "—"


class SampleAttachment(DomainModel):
    """样品附件 — page captures and the purchase record of an online sample, photos, the
    sampling form, report scans."""

    KINDS = (("photo", "现场照片"), ("page_capture", "网页截图"), ("purchase", "购样凭证"), ("form", "抽样单"), ("report", "检验报告"), ("other", "其他"))

    sample = models.ForeignKey(Sample, verbose_name="样品", on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("类型", max_length=14, choices=KINDS, default="other")
    file = models.FileField("文件", upload_to="sampling/attachments/%Y/", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    description = models.CharField("说明", max_length=200, blank=True)

    #: the change log keeps the SHA-256 (and the event the file name): a FieldFile is not JSON
    audit_snapshot_exclude = ("file",)
    scope = Scope(region="sample__region", department="sample__department", owner=("sample__producer", "sample__sampled_unit", "sample__lab"),
                  roles={**STAFF_WORK, "lab": ("view", "add"), "enterprise": ("view",)})

    class Meta:
        verbose_name = "样品附件"
        verbose_name_plural = "样品附件"
        ordering = ["sample_id", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.description}".strip()


class TestReport(DomainModel):
    """检验报告 — a lab's report on a sample (or on its reserve, in a re-test).  The conclusion
    is derived from the item results, never typed."""

    __test__ = False

    sample = models.ForeignKey(Sample, verbose_name="样品", on_delete=models.PROTECT, related_name="reports")
    lab = models.ForeignKey("enterprises.TestingAgency", verbose_name="检验检测机构", on_delete=models.PROTECT, related_name="reports")
    report_no = models.CharField("报告编号", max_length=60, unique=True)
    is_retest = models.BooleanField("复检报告", default=False)
    tested_on = models.DateField("检验日期", null=True, blank=True)
    issued_on = models.DateField("签发日期", null=True, blank=True)
    status = models.CharField("状态", max_length=8, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    conclusion = models.CharField("检验结论", max_length=4, choices=Conclusion.choices, blank=True, editable=False)
    failing_items = models.JSONField("不合格项目", default=list, blank=True, editable=False)
    note = models.TextField("备注", blank=True)

    scope = Scope(region="sample__region", department="sample__department", owner=("lab", "sample__producer", "sample__sampled_unit"),
                  roles={"county_staff": ("view",), "department_staff": ("view",), "lab": ("view", "add", "change"), "enterprise": ("view",)})

    class Meta:
        verbose_name = "检验报告"
        verbose_name_plural = "检验报告"
        ordering = ["sample_id", "is_retest", "pk"]
        constraints = [models.UniqueConstraint(fields=["sample", "is_retest"], name="report_one_per_sample_and_round")]

    def __str__(self) -> str:
        return self.report_no


class TestResult(DomainModel):
    """检验结果 — one item of a report: the measured value, the limit and unit copied from
    the plan's test item, and the judgement derived from them."""

    __test__ = False

    report = models.ForeignKey(TestReport, verbose_name="检验报告", on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(TestItem, verbose_name="检验项目", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("检验项目", max_length=100)
    standard = models.CharField("依据标准", max_length=100, blank=True)
    unit = models.CharField("单位", max_length=20, blank=True)
    direction = models.CharField("判定方向", max_length=12, choices=Direction.choices)
    limit_low = models.DecimalField("下限", max_digits=14, decimal_places=4, null=True, blank=True)
    limit_high = models.DecimalField("上限", max_digits=14, decimal_places=4, null=True, blank=True)
    requirement = models.CharField("技术要求", max_length=200, blank=True)
    measured = models.CharField("实测值", max_length=60, help_text="数值，或定性项目的“符合/不符合”")
    passed = models.BooleanField("单项判定合格", editable=False)

    scope = Scope(region="report__sample__region", department="report__sample__department",
                  owner=("report__lab", "report__sample__producer", "report__sample__sampled_unit"),
                  roles={"county_staff": ("view",), "department_staff": ("view",), "lab": ("view", "add", "change"), "enterprise": ("view",)})

    class Meta:
        verbose_name = "检验结果"
        verbose_name_plural = "检验结果"
        ordering = ["report_id", "pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.measured}"

    @property
    def measured_text(self) -> str:
        """The result with its unit when it is a number (“0.12 mg/kg”); a word stands alone (“未检出”, not “未检出 g/kg”)."""
        from decimal import Decimal, InvalidOperation

        try:
            Decimal(self.measured.strip())
        except (InvalidOperation, ValueError):
            return self.measured
        return f"{self.measured} {self.unit}".strip()


class Objection(DomainModel):
    """复检申请 — an enterprise's objection to a result, within RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL
    (15 days) or, for food, RULE_SAMPLING_RETEST_WD_FOOD (7 working days) of being served; the
    re-test on the reserve sample is final and the fee falls on the applicant if it confirms
    the first result, on the organiser if not."""

    sample = models.OneToOneField(Sample, verbose_name="样品", on_delete=models.PROTECT, related_name="objection")
    filed_on = models.DateField("申请日期")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人账号", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deadline = models.DateField("申请期限", editable=False)
    reason = models.TextField("异议理由")
    status = models.CharField("状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.FILED)
    decided_on = models.DateField("处理日期", null=True, blank=True)
    decision_note = models.TextField("处理意见", blank=True)
    retest_lab = models.ForeignKey("enterprises.TestingAgency", verbose_name="复检机构", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result_changed = models.BooleanField("复检结论改变初检结论", null=True, blank=True)
    fee_bearer = models.CharField("复检费用承担", max_length=10, choices=FeeBearer.choices, blank=True)

    scope = Scope(region="sample__region", department="sample__department", owner=("sample__producer", "sample__sampled_unit"),
                  roles={**STAFF_WORK, "enterprise": ("view", "add")})

    class Meta:
        verbose_name = "复检申请"
        verbose_name_plural = "复检申请"
        ordering = ["-filed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.sample.sample_no} 复检申请"


class Rectification(DomainModel):
    """不合格产品后处理 — the steps after a final failing result (Order 18 Arts. 45–48): stop
    producing/selling at once, correction within 60 days, re-check (复查) within 75 days; a
    failed re-check is reported upward and published; a second re-check 60–90 days after
    publication; failing again → suspension, then licence revocation.  Every due date is on
    the calendar; the overdue list shows what is late."""

    sample = models.OneToOneField(Sample, verbose_name="样品", on_delete=models.PROTECT, related_name="rectification")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="整改企业", on_delete=models.PROTECT, related_name="rectifications")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    ordered_on = models.DateField("责令整改日期")
    stop_sale = models.BooleanField("责令停止生产销售", default=True)
    correction_due = models.DateField("整改期限")
    recheck_due = models.DateField("复查期限")
    rechecked_on = models.DateField("复查日期", null=True, blank=True)
    recheck_passed = models.BooleanField("复查合格", null=True, blank=True)
    published_on = models.DateField("不合格公告日期", null=True, blank=True)
    second_recheck_from = models.DateField("再次复查起始", null=True, blank=True)
    second_recheck_until = models.DateField("再次复查截止", null=True, blank=True)
    second_rechecked_on = models.DateField("再次复查日期", null=True, blank=True)
    second_passed = models.BooleanField("再次复查合格", null=True, blank=True)
    suspended_on = models.DateField("停业整顿日期", null=True, blank=True)
    status = models.CharField("状态", max_length=14, choices=RectificationStatus.choices, default=RectificationStatus.ORDERED, db_index=True)
    note = models.TextField("备注", blank=True)

    scope = Scope(region="region", department="sample__department", owner="enterprise", roles={**STAFF_WORK, "enterprise": ("view",)})

    class Meta:
        verbose_name = "不合格产品后处理"
        verbose_name_plural = "不合格产品后处理"
        ordering = ["recheck_due", "pk"]

    def __str__(self) -> str:
        return f"{self.enterprise} 整改（{self.sample.sample_no}）"


class Referral(DomainModel):
    """异地核查处置 — a failing result of a producer outside Shiyan referred to its home
    authority with the documents; the reply is tracked.  The local seller's obligations are
    handled here (its own rectification)."""

    sample = models.OneToOneField(Sample, verbose_name="样品", on_delete=models.PROTECT, related_name="referral")
    region = models.ForeignKey("core.Region", verbose_name="移送地区", on_delete=models.PROTECT, related_name="+")
    authority = models.CharField("生产企业所在地监管部门", max_length=100)
    sent_on = models.DateField("移送日期")
    reply_due = models.DateField("回复期限")
    replied_on = models.DateField("回复日期", null=True, blank=True)
    reply = models.TextField("核查处置情况", blank=True)
    status = models.CharField("状态", max_length=8, choices=ReferralStatus.choices, default=ReferralStatus.SENT)

    scope = Scope(region="region", department="sample__department", roles=STAFF_WORK)

    class Meta:
        verbose_name = "异地核查处置"
        verbose_name_plural = "异地核查处置"
        ordering = ["reply_due", "pk"]

    def __str__(self) -> str:
        return f"{self.sample.sample_no} → {self.authority}"
