"""The quality-credit data center (seed §三(七), §三(一)5): credit facts from every
department, tied to registry entities by matching, published by date, and the credit-risk
class computed from them with its explanation.

A fact is never overwritten by another source: each is keyed by its source and the source's
own record id, and an enterprise's current credit view is derived from its facts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiliang.core.models import DomainModel, InsertOrderIndex
from zhiliang.core.permissions import Scope

from .choices import (
    CaseStatus,
    FactKind,
    FactStatus,
    FeedbackOutcome,
    ListEntryStatus,
    ListKind,
    MatchStatus,
    MeasureKind,
    MeasureTrigger,
    ObjectionStatus,
    PartyKind,
    Procedure,
    RemovalWay,
    RepairStatus,
    RiskClass,
    Severity,
)


def public_facts() -> Q:
    """The facts anyone may read today: publishable (ordinary procedure, not a warning only,
    or a non-penalty kind published by its source), active, published, and before the end of
    their publicity — on the end day a fact leaves every public view and feed."""
    today = timezone.localdate()
    return (
        Q(is_publishable=True, status=FactStatus.ACTIVE, published_on__isnull=False, published_on__lte=today)
        & (Q(publicity_ends_on__isnull=True) | Q(publicity_ends_on__gt=today))
    )


class CreditFact(DomainModel):
    """信用信息 — one thing a department knows about an entity: an administrative penalty or
    licence (双公示), a sampling failure or refusal, a verified complaint, a recall, a listing,
    an award … with its dates, severity, the fields as received, and when it was first and
    last seen.  Facts of natural persons and of entities outside the registry are kept (never
    dropped); their identity numbers are personal data, never public."""

    kind = models.CharField("信息类别", max_length=20, choices=FactKind.choices)
    #: the import or change that created the fact (``AuditedModel.created_in``), indexed by credit_fact_created_in
    created_in = models.ForeignKey("core.ChangeSet", verbose_name="所属变更集", null=True, blank=True, editable=False, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    # --- the source -----------------------------------------------------------------------
    source_department = models.ForeignKey("core.Department", verbose_name="来源部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_name = models.CharField("数据来源单位", max_length=100, blank=True)
    source_key = models.CharField("来源标识", max_length=60, editable=False, help_text="来源部门代码，或来源单位的统一社会信用代码、名称")
    source_record_id = models.CharField("来源记录编号", max_length=100, help_text="如处罚决定书文号、许可文书号、样品编号")
    # --- the party ------------------------------------------------------------------------
    party_kind = models.CharField("行政相对人类别", max_length=20, choices=PartyKind.choices, default=PartyKind.LEGAL_ENTITY)
    party_name = models.CharField("行政相对人名称", max_length=200)
    party_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    party_codes = models.JSONField("其他代码", default=dict, blank=True, help_text="工商注册号、组织机构代码、税务登记号等")
    legal_rep_name = models.CharField("法定代表人", max_length=60, blank=True)
    legal_rep_id_type = models.CharField("法定代表人证件类型", max_length=20, blank=True)
    legal_rep_id_number = models.CharField("法定代表人证件号码", max_length=30, blank=True)
    person_id_type = models.CharField("证件类型", max_length=20, blank=True)
    person_id_number = models.CharField("证件号码", max_length=30, blank=True)
    # --- matching to the registry -----------------------------------------------------------
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="企业", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_facts",
                                   db_index=False)  # credit_fact_enterprise (enterprise, kind, decided_on) serves it
    match_status = models.CharField("主体匹配", max_length=12, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED)
    candidate = models.ForeignKey("enterprises.Enterprise", verbose_name="按名称匹配的候选企业", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  db_index=False)  # credit_fact_candidate: the few facts that have one
    region = models.ForeignKey("core.Region", verbose_name="区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # --- what it says -----------------------------------------------------------------------
    title = models.CharField("事项", max_length=200, blank=True, help_text="违法行为类型、许可证书名称等")
    content = models.TextField("内容", blank=True)
    legal_basis = models.TextField("依据", blank=True)
    decision_no = models.CharField("决定书文号", max_length=100, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True, db_index=True)
    valid_from = models.DateField("有效期自", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    procedure = models.CharField("程序", max_length=10, choices=Procedure.choices, blank=True)
    is_warning_only = models.BooleanField("仅警告", default=False)
    is_criticism_or_low_fine = models.BooleanField("通报批评或较低数额罚款", default=False)
    fine_wan = models.DecimalField("罚款金额（万元）", max_digits=14, decimal_places=6, null=True, blank=True)
    confiscated_wan = models.DecimalField("没收违法所得、非法财物金额（万元）", max_digits=14, decimal_places=6, null=True, blank=True)
    licence_action = models.CharField("暂扣或吊销证照", max_length=200, blank=True)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices, blank=True)
    authority = models.CharField("决定机关", max_length=100, blank=True)
    authority_code = models.CharField("决定机关统一社会信用代码", max_length=18, blank=True)
    # --- publication --------------------------------------------------------------------------
    regime = models.CharField("适用的公示制度", max_length=12, blank=True, help_text="按决定日期适用的规则（RULE_CREDIT_REGIME）")
    is_publishable = models.BooleanField("应予公示", default=True, help_text="简易程序、仅警告的处罚不公示")
    publish_due = models.DateField("应公示日期", null=True, blank=True)
    published_on = models.DateField("公示日期", null=True, blank=True)
    publicity_ends_on = models.DateField("公示截止（当日起不再公示）", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=FactStatus.choices, default=FactStatus.ACTIVE)
    revoked_on = models.DateField("撤销日期", null=True, blank=True)
    repaired_on = models.DateField("信用修复日期", null=True, blank=True)
    disputed = models.BooleanField("异议处理中", default=False, help_text="有待核查的异议时为真（FactObjection）")
    # --- provenance ---------------------------------------------------------------------------
    received = models.JSONField("原始数据", default=dict, blank=True, help_text="来源提供的原始字段")
    first_seen_at = models.DateTimeField("首次接收时间", default=timezone.now, editable=False)
    last_seen_at = models.DateTimeField("最近接收时间", default=timezone.now, editable=False)

    personal_fields = ("legal_rep_id_number", "person_id_number")
    #: a source re-sending the same record moves only ``last_seen_at``: no change-log row
    audit_exempt_fields = ("last_seen_at",)
    #: what the public credit page may show
    public_fields = ("kind", "source_name", "party_name", "party_uscc", "legal_rep_name", "title", "content", "legal_basis",
                     "decision_no", "decided_on", "valid_from", "valid_until", "fine_wan", "confiscated_wan", "licence_action",
                     "authority", "published_on", "publicity_ends_on", "disputed")
    #: one database shared by all departments (§三(七)): every department's staff read every
    #: fact in their region — another department's read-only and without identity numbers (Q() would
    #: add nothing to an OR: "every row" is written as a condition every row meets)
    scope = Scope(region="region", department="source_department", owner="enterprise", public=public_facts, shared=Q(pk__isnull=False),
                  roles={"department_staff": ("view", "add", "change"), "county_staff": ("view", "change"), "enterprise": ("view",)})

    class Meta:
        verbose_name = "信用信息"
        verbose_name_plural = "信用信息"
        ordering = ["-decided_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "source_key", "source_record_id"], name="credit_fact_one_per_source_record")]
        # a write-heavy table (双公示 imports of millions of rows): each index earns its place —
        # kind is the unique constraint's first column; no text-pattern (_like) indexes, which
        # equality lookups never use; partial indexes where most rows have nothing to find
        # (most facts have no name-only candidate; the review queue holds unmatched organisations);
        # none on publicity_ends_on (public views reach facts through their enterprise, the staff
        # "expired" filter within a region's)
        indexes = [
            models.Index(fields=["enterprise", "kind", "decided_on"], name="credit_fact_enterprise"),
            models.Index(fields=["candidate"], condition=Q(candidate__isnull=False), name="credit_fact_candidate"),
            models.Index(fields=["match_status", "-first_seen_at", "-id"], name="credit_fact_review_queue",
                         condition=Q(match_status__in=(MatchStatus.CANDIDATE, MatchStatus.UNMATCHED)) & ~Q(party_kind=PartyKind.NATURAL_PERSON)),
            models.Index(fields=["party_uscc"], name="credit_fact_party_uscc"),
            # one import's facts (its event, its checks): change sets are numbered as they come
            InsertOrderIndex(fields=["created_in"], name="credit_fact_created_in"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_no or self.source_record_id} {self.party_name}"

    @property
    def regime_label(self) -> str:
        from .rules import REGIME_LABELS

        return REGIME_LABELS.get(self.regime, self.regime)


class RiskAssessment(DomainModel):
    """信用风险分类结果 — an enterprise's credit-risk class A (low) … D (high) as computed from
    its facts by the rule set in force, with the facts and rules that produced it.  Each
    recomputation adds a row; ``is_current`` marks the latest (history kept)."""

    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="risk_assessments")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    risk_class = models.CharField("信用风险分类", max_length=1, choices=RiskClass.choices)
    score = models.DecimalField("风险分值", max_digits=8, decimal_places=2)
    rule_set = models.CharField("规则版本", max_length=40)
    explanation = models.JSONField("分类依据", default=list, help_text="每条：指标、规则、涉及的信用信息、分值")
    computed_at = models.DateTimeField("计算时间", default=timezone.now)
    trigger = models.CharField("触发原因", max_length=100, blank=True)
    is_current = models.BooleanField("当前结果", default=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope = Scope(region="region", owner="enterprise", roles={"county_staff": ("view",), "department_staff": ("view",), "enterprise": ("view",)})

    class Meta:
        verbose_name = "信用风险分类结果"
        verbose_name_plural = "信用风险分类结果"
        ordering = ["enterprise_id", "-computed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["enterprise"], condition=Q(is_current=True), name="risk_one_current_per_enterprise")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.risk_class}"

    @property
    def trigger_label(self) -> str:
        from .classes import trigger_label

        return trigger_label(self.trigger)


# --- 名单 lists ------------------------------------------------------------------------------


def public_list_entries() -> Q:
    return Q(status=ListEntryStatus.PUBLISHED)


class ListEntry(DomainModel):
    """列入名单记录 — one entity's entry on the serious-dishonesty list (质量失信黑名单 /
    严重违法失信名单, SAMR Order 44) or the red list, through its whole life: proposal with
    grounds (linked facts) → approval one level up (a county proposal approved by the city in
    the system; a city decision's provincial approval recorded as an external document; the
    step follows RULE_CREDIT_SERIOUS_LIST_PROVINCIAL_APPROVAL at proposal time) → notice to the
    enterprise → publication (measures in force; a ``serious_list`` fact is recorded) → removal
    on application after 1 year or automatically after 3 years.  The row is never deleted: it
    is the entry's history."""

    list_kind = models.CharField("名单", max_length=10, choices=ListKind.choices, default=ListKind.SERIOUS, db_index=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="list_entries")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+", help_text="企业所在区划")
    deciding_region = models.ForeignKey("core.Region", verbose_name="作出决定的机关所在区划", on_delete=models.PROTECT, related_name="+",
                                        help_text="县市区提出的由市级批准；市级作出的报省级批准（外部文书）")
    department = models.ForeignKey("core.Department", verbose_name="提出部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField("列入事由")
    legal_basis = models.TextField("列入依据", blank=True)
    facts = models.ManyToManyField(CreditFact, verbose_name="依据的信用信息", blank=True, related_name="list_entries")
    decision_no = models.CharField("列入决定书文号", max_length=100, blank=True)
    status = models.CharField("状态", max_length=10, choices=ListEntryStatus.choices, default=ListEntryStatus.PROPOSED, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    proposed_on = models.DateField("提出日期", default=timezone.localdate)
    # --- approval one level up ----------------------------------------------------------------
    approval_required = models.BooleanField("须上一级批准", default=True, help_text="提出时按规则确定")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="批准人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_on = models.DateField("批准日期", null=True, blank=True)
    approval_note = models.TextField("批准意见", blank=True)
    external_approval_no = models.CharField("上级批准文书文号", max_length=100, blank=True, help_text="市级决定的省级批准文件")
    external_approval_on = models.DateField("上级批准文书日期", null=True, blank=True)
    # --- decision, notice and publication -----------------------------------------------------
    decided_on = models.DateField("列入决定日期", null=True, blank=True)
    notified_on = models.DateField("告知日期", null=True, blank=True)
    notice_method = models.CharField("告知方式", max_length=40, blank=True, help_text="直接送达、邮寄送达、公告送达等")
    publish_due = models.DateField("应公示日期", null=True, blank=True)
    published_on = models.DateField("公示日期", null=True, blank=True, db_index=True)
    removal_apply_from = models.DateField("可申请移出日期", null=True, blank=True)
    auto_removal_on = models.DateField("自动移出日期", null=True, blank=True, db_index=True)
    fact = models.ForeignKey(CreditFact, verbose_name="列入名单信用信息", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # --- removal ------------------------------------------------------------------------------
    removal_applied_on = models.DateField("申请移出日期", null=True, blank=True)
    removal_application = models.TextField("移出申请理由", blank=True)
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_way = models.CharField("移出方式", max_length=12, choices=RemovalWay.choices, blank=True)
    removal_note = models.TextField("移出说明", blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="移出操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    public_fields = ("list_kind", "enterprise", "grounds", "legal_basis", "decision_no", "decided_on", "published_on", "removal_apply_from", "auto_removal_on")
    #: every department acts on the lists (joint punishment): a published entry, and its history
    #: once removed, is read by all departments' staff; proposals stay with their department
    scope = Scope(region="region", department="department", owner="enterprise", public=public_list_entries,
                  shared=Q(status__in=(ListEntryStatus.PUBLISHED, ListEntryStatus.REMOVED)),
                  roles={"county_staff": ("view", "add", "change"), "department_staff": ("view", "add", "change"), "enterprise": ("view",)})

    class Meta:
        verbose_name = "列入名单记录"
        verbose_name_plural = "列入名单记录"
        ordering = ["-proposed_on", "-pk"]
        indexes = [models.Index(fields=["enterprise", "list_kind", "status"], name="credit_list_enterprise")]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} {self.enterprise}"

    def get_status_display(self) -> str:
        """The status's label; a published red-list entry's measures are rewards, not punishments."""
        if self.status == ListEntryStatus.PUBLISHED and self.list_kind == ListKind.RED:
            return _("已公示，激励措施执行中")
        return str(ListEntryStatus(self.status).label) if self.status in ListEntryStatus.values else self.status


class ListPublication(DomainModel):
    """名单定期公布 — the list as published for a period (e.g. a month): the entries in force at
    the period's end, and the entries added and removed since the previous publication.  What
    was published is kept as published (snapshots), so a later removal does not rewrite it."""

    list_kind = models.CharField("名单", max_length=10, choices=ListKind.choices, default=ListKind.SERIOUS)
    number = models.CharField("期号", max_length=40, help_text="如“2026年第10期”")
    period_start = models.DateField("统计期自")
    period_end = models.DateField("统计期至")
    published_on = models.DateField("公布日期")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="公布人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entries = models.JSONField("在列名单", default=list, help_text="每条：企业名称、统一社会信用代码、区划、列入事由、决定文号、列入日期")
    added = models.JSONField("本期新列入", default=list)
    removed = models.JSONField("本期移出", default=list)

    scope = Scope(public=Q(), roles={"county_staff": ("view",), "department_staff": ("view",)})

    class Meta:
        verbose_name = "名单定期公布"
        verbose_name_plural = "名单定期公布"
        ordering = ["-period_end", "-pk"]
        constraints = [models.UniqueConstraint(fields=["list_kind", "period_end"], name="credit_list_publication_one_per_period")]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} {self.number}"


# --- 联合奖惩 joint reward and punishment ----------------------------------------------------


class Measure(DomainModel):
    """联合奖惩措施目录 — one measure of the catalogue: its domain, cause (what puts an entity
    under it), legal basis, the measure itself, the requesting and the executing department,
    and how long it lasts (empty: while the entity is on the list or keeps the class)."""

    code = models.CharField("措施编号", max_length=20, unique=True)
    kind = models.CharField("类别", max_length=12, choices=MeasureKind.choices)
    trigger = models.CharField("适用情形", max_length=14, choices=MeasureTrigger.choices, db_index=True)
    domain = models.CharField("领域", max_length=60, help_text="如政府采购、招标投标、财政补贴、行政许可、评优评先、日常监管")
    cause = models.CharField("事由", max_length=200)
    legal_basis = models.TextField("依据")
    content = models.TextField("措施内容")
    requesting_department = models.ForeignKey("core.Department", verbose_name="发起部门", on_delete=models.PROTECT, related_name="+")
    executing_department = models.ForeignKey("core.Department", verbose_name="实施部门", on_delete=models.PROTECT, related_name="+")
    duration_months = models.PositiveSmallIntegerField("期限（月）", null=True, blank=True, help_text="留空：在列期间（或保持该分类期间）")
    is_active = models.BooleanField("启用", default=True)

    public_fields = ("code", "kind", "trigger", "domain", "cause", "legal_basis", "content", "requesting_department", "executing_department", "duration_months")
    scope = Scope(reference=True, public=Q(is_active=True), roles={})

    class Meta:
        verbose_name = "联合奖惩措施"
        verbose_name_plural = "联合奖惩措施目录"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.domain}：{self.content[:30]}"


class MeasureCase(DomainModel):
    """联合奖惩案件 — one catalogue measure applied to one entity, for its executing department:
    opened when the entity enters a list (or takes the class), fed back by that department,
    closed when the entity leaves the list or the duration ends.  Overdue when still open
    after ``feedback_due`` (RULE_CREDIT_MEASURE_FEEDBACK_WD)."""

    measure = models.ForeignKey(Measure, verbose_name="措施", on_delete=models.PROTECT, related_name="cases")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="对象企业", on_delete=models.PROTECT, related_name="measure_cases")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    executing_department = models.ForeignKey("core.Department", verbose_name="实施部门", on_delete=models.PROTECT, related_name="+")
    list_entry = models.ForeignKey(ListEntry, verbose_name="名单记录", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    assessment = models.ForeignKey(RiskAssessment, verbose_name="信用风险分类结果", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_on = models.DateField("发起日期")
    feedback_due = models.DateField("反馈期限")
    ends_on = models.DateField("措施截止日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True)
    closed_on = models.DateField("结束日期", null=True, blank=True)
    close_reason = models.CharField("结束原因", max_length=200, blank=True)

    scope = Scope(region="region", department="executing_department", owner="enterprise",
                  roles={"department_staff": ("view", "change"), "county_staff": ("view",), "enterprise": ("view",)})

    class Meta:
        verbose_name = "联合奖惩案件"
        verbose_name_plural = "联合奖惩案件"
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "enterprise"], condition=~Q(status=CaseStatus.CLOSED), name="credit_case_one_open_per_measure"),
        ]
        indexes = [models.Index(fields=["executing_department", "status", "feedback_due"], name="credit_case_department")]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.enterprise}"


class MeasureFeedback(DomainModel):
    """执行反馈 — what the executing department did on one occasion (a bid, a subsidy
    application, an inspection): processed normally, refused, fast-tracked …, with a note."""

    case = models.ForeignKey(MeasureCase, verbose_name="案件", on_delete=models.PROTECT, related_name="feedback")
    outcome = models.CharField("执行情况", max_length=14, choices=FeedbackOutcome.choices)
    matter = models.CharField("办理事项", max_length=200, blank=True, help_text="如政府采购项目名称、补贴申请编号")
    occurred_on = models.DateField("办理日期")
    note = models.TextField("说明", blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="反馈人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope = Scope(region="case__region", department="case__executing_department", roles={"department_staff": ("view", "add"), "county_staff": ("view",)})

    class Meta:
        verbose_name = "联合奖惩执行反馈"
        verbose_name_plural = "联合奖惩执行反馈"
        ordering = ["case_id", "-occurred_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_outcome_display()}"


# --- 异议与信用修复 objections and credit repair ----------------------------------------------


class FactObjection(DomainModel):
    """信用信息异议 — an enterprise disputes a fact; the source department (else the county of
    the enterprise) reviews it by ``review_due`` (RULE_CREDIT_OBJECTION_REVIEW_WD); the fact is
    marked ``disputed`` meanwhile; an upheld objection corrects or revokes the fact."""

    fact = models.ForeignKey(CreditFact, verbose_name="信用信息", on_delete=models.PROTECT, related_name="objections")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="credit_objections")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", verbose_name="核查部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    filed_on = models.DateField("提出日期", default=timezone.localdate)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    grounds = models.TextField("异议理由")
    evidence = models.FileField("证明材料", upload_to="credit/objections/%Y/", max_length=200, blank=True)
    evidence_name = models.CharField("证明材料文件名", max_length=200, blank=True, help_text="上传时的文件名（存储时可能改写）")
    evidence_sha256 = models.CharField("证明材料SHA-256", max_length=64, blank=True)
    review_due = models.DateField("核查期限")
    status = models.CharField("状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING, db_index=True)
    decided_on = models.DateField("处理日期", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_note = models.TextField("处理意见", blank=True)

    audit_snapshot_exclude = ("evidence",)
    scope = Scope(region="region", department="department", owner="enterprise",
                  roles={"enterprise": ("view", "add"), "department_staff": ("view", "change"), "county_staff": ("view", "change")})

    class Meta:
        verbose_name = "信用信息异议"
        verbose_name_plural = "信用信息异议"
        ordering = ["-filed_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["fact"], condition=Q(status=ObjectionStatus.PENDING), name="credit_objection_one_pending_per_fact")]

    def __str__(self) -> str:
        return f"异议 {self.fact}"


class RepairApplication(DomainModel):
    """信用修复申请 — an enterprise asks to stop the publicity of a fact early: eligible from
    ``eligible_from`` (credit.rules.repair_eligibility), with its commitment letter and proof of
    performance; reviewed by the source department by ``decision_due``
    (RULE_CREDIT_REPAIR_DECISION_WD); when granted the fact leaves public view that day and the
    class is recomputed."""

    fact = models.ForeignKey(CreditFact, verbose_name="信用信息", on_delete=models.PROTECT, related_name="repairs")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="credit_repairs")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", verbose_name="审核部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    applied_on = models.DateField("申请日期", default=timezone.localdate)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    eligible_from = models.DateField("可申请修复日期")
    statement = models.TextField("修复理由（履行义务、消除影响情况）")
    commitment = models.FileField("信用修复承诺书", upload_to="credit/repairs/%Y/", max_length=200)
    commitment_name = models.CharField("承诺书文件名", max_length=200, blank=True, help_text="上传时的文件名")
    commitment_sha256 = models.CharField("承诺书SHA-256", max_length=64)
    proof = models.FileField("履行证明材料", upload_to="credit/repairs/%Y/", max_length=200, blank=True)
    proof_name = models.CharField("证明材料文件名", max_length=200, blank=True, help_text="上传时的文件名")
    proof_sha256 = models.CharField("证明材料SHA-256", max_length=64, blank=True)
    decision_due = models.DateField("审核期限")
    status = models.CharField("状态", max_length=10, choices=RepairStatus.choices, default=RepairStatus.PENDING, db_index=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_note = models.TextField("审核意见", blank=True)

    audit_snapshot_exclude = ("commitment", "proof")
    scope = Scope(region="region", department="department", owner="enterprise",
                  roles={"enterprise": ("view", "add"), "department_staff": ("view", "change"), "county_staff": ("view", "change")})

    class Meta:
        verbose_name = "信用修复申请"
        verbose_name_plural = "信用修复申请"
        ordering = ["-applied_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["fact"], condition=Q(status=RepairStatus.PENDING), name="credit_repair_one_pending_per_fact")]

    def __str__(self) -> str:
        return f"信用修复 {self.fact}"


# --- 信用报告 the printable credit report -----------------------------------------------------


class CreditReport(DomainModel):
    """信用报告 — a printed credit report: what it said (``snapshot``), its SHA-256, and the
    verification code printed on it, which anyone can check on the site
    (/xinyong/verify/)."""

    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="credit_reports")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    code = models.CharField("验证码", max_length=20, unique=True)
    audience = models.CharField("版本", max_length=10, choices=(("public", "公众版"), ("staff", "工作人员版"), ("enterprise", "企业自查版")), default="public")
    issued_at = models.DateTimeField("出具时间", default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="出具给", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    digest = models.CharField("内容SHA-256", max_length=64)
    snapshot = models.JSONField("报告内容", default=dict)

    scope = Scope(region="region", owner="enterprise", roles={"county_staff": ("view",), "department_staff": ("view",), "enterprise": ("view",)})

    class Meta:
        verbose_name = "信用报告"
        verbose_name_plural = "信用报告"
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"信用报告 {self.code} {self.enterprise}"
