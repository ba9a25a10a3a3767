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

from zhiliang.core.models import DomainModel
from zhiliang.core.permissions import Scope

from .choices import FactKind, FactStatus, MatchStatus, PartyKind, Procedure, RiskClass, Severity


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

    kind = models.CharField("信息类别", max_length=20, choices=FactKind.choices, db_index=True)
    # --- the source -----------------------------------------------------------------------
    source_department = models.ForeignKey("core.Department", verbose_name="来源部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_name = models.CharField("数据来源单位", max_length=100, blank=True)
    source_key = models.CharField("来源标识", max_length=60, editable=False, help_text="来源部门代码，或来源单位的统一社会信用代码、名称")
    source_record_id = models.CharField("来源记录编号", max_length=100, help_text="如处罚决定书文号、许可文书号、样品编号")
    # --- the party ------------------------------------------------------------------------
    party_kind = models.CharField("行政相对人类别", max_length=20, choices=PartyKind.choices, default=PartyKind.LEGAL_ENTITY)
    party_name = models.CharField("行政相对人名称", max_length=200)
    party_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    party_codes = models.JSONField("其他代码", default=dict, blank=True, help_text="工商注册号、组织机构代码、税务登记号等")
    legal_rep_name = models.CharField("法定代表人", max_length=60, blank=True)
    legal_rep_id_type = models.CharField("法定代表人证件类型", max_length=20, blank=True)
    legal_rep_id_number = models.CharField("法定代表人证件号码", max_length=30, blank=True)
    person_id_type = models.CharField("证件类型", max_length=20, blank=True)
    person_id_number = models.CharField("证件号码", max_length=30, blank=True)
    # --- matching to the registry -----------------------------------------------------------
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name="企业", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_facts")
    match_status = models.CharField("主体匹配", max_length=12, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED, db_index=True)
    candidate = models.ForeignKey("enterprises.Enterprise", verbose_name="按名称匹配的候选企业", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
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
    publicity_ends_on = models.DateField("公示截止（当日起不再公示）", null=True, blank=True, db_index=True)
    status = models.CharField("状态", max_length=10, choices=FactStatus.choices, default=FactStatus.ACTIVE, db_index=True)
    revoked_on = models.DateField("撤销日期", null=True, blank=True)
    repaired_on = models.DateField("信用修复日期", null=True, blank=True)
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
                     "authority", "published_on", "publicity_ends_on")
    scope = Scope(region="region", department="source_department", owner="enterprise", public=public_facts,
                  roles={"department_staff": ("view", "add", "change"), "county_staff": ("view", "change"), "enterprise": ("view",)})

    class Meta:
        verbose_name = "信用信息"
        verbose_name_plural = "信用信息"
        ordering = ["-decided_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "source_key", "source_record_id"], name="credit_fact_one_per_source_record")]
        indexes = [
            models.Index(fields=["enterprise", "kind", "decided_on"], name="credit_fact_enterprise"),
            models.Index(fields=["match_status", "kind"], name="credit_fact_match"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_no or self.source_record_id} {self.party_name}"


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
