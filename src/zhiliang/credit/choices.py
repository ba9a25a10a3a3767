"""Enumerations of the credit app, with their official Chinese labels."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class FactKind(models.TextChoices):
    """信用信息类别 — what a department knows about an entity."""

    PENALTY = "penalty", _("行政处罚")
    LICENCE = "licence", _("行政许可")
    SAMPLING_FAILURE = "sampling_failure", _("监督抽查不合格")
    SAMPLING_REFUSAL = "sampling_refusal", _("拒绝监督抽查")
    COMPLAINT = "complaint", _("经核实的消费投诉")
    RECALL = "recall", _("缺陷产品召回")
    SERIOUS_LIST = "serious_list", _("列入严重违法失信名单")
    ABNORMAL_LIST = "abnormal_list", _("列入经营异常名录")
    STANDARD_CHECK = "standard_check", _("企业标准自我声明检查结果")
    AWARD = "award", _("奖励表彰")
    RED_LIST = "red_list", _("守信红名单")


#: kinds that count against an entity (the others are neutral or in its favour)
ADVERSE_KINDS = frozenset({FactKind.PENALTY, FactKind.SAMPLING_FAILURE, FactKind.SAMPLING_REFUSAL, FactKind.COMPLAINT,
                           FactKind.RECALL, FactKind.SERIOUS_LIST, FactKind.ABNORMAL_LIST})


class Severity(models.TextChoices):
    """失信信息严重程度 (国办发〔2025〕22号 tiers)."""

    MINOR = "minor", _("轻微")
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("严重")


class Procedure(models.TextChoices):
    """处罚程序 — only ordinary-procedure penalties are published."""

    ORDINARY = "ordinary", _("普通程序")
    SIMPLE = "simple", _("简易程序")


class PartyKind(models.TextChoices):
    """行政相对人类别 (双公示 cf_xdr_lb)."""

    LEGAL_ENTITY = "legal_entity", _("法人及非法人组织")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    NATURAL_PERSON = "natural_person", _("自然人")


class MatchStatus(models.TextChoices):
    """主体匹配 — how a fact was tied to a registry entity; a name-only match waits for review."""

    USCC = "uscc", _("按统一社会信用代码匹配")
    IDENTIFIER = "identifier", _("按原注册号/组织机构代码匹配")
    CANDIDATE = "candidate", _("按名称匹配，待核对")
    CONFIRMED = "confirmed", _("人工确认")
    UNMATCHED = "unmatched", _("未匹配")


class FactStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    REVOKED = "revoked", _("已撤销")
    REPAIRED = "repaired", _("已信用修复")


class RiskClass(models.TextChoices):
    """信用风险分类 (SAMR 国市监信发〔2022〕6号): A low risk … D high risk."""

    A = "A", _("A类（信用风险低）")
    B = "B", _("B类（信用风险一般）")
    C = "C", _("C类（信用风险较高）")
    D = "D", _("D类（信用风险高）")


class ListKind(models.TextChoices):
    """名单 — the lists an entity may be put on; entering one opens the joint measures."""

    SERIOUS = "serious", _("严重违法失信名单")
    RED = "red", _("守信红名单")


class ListEntryStatus(models.TextChoices):
    """列入名单的流程: proposal → approval one level up → notice → publication (measures in force)
    → removal; a proposal may be rejected or withdrawn before publication."""

    PROPOSED = "proposed", _("已提出，待批准")
    APPROVED = "approved", _("已批准，待告知")
    NOTIFIED = "notified", _("已告知，待公示")
    PUBLISHED = "published", _("已公示，惩戒措施执行中")
    REMOVED = "removed", _("已移出")
    REJECTED = "rejected", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")


class RemovalWay(models.TextChoices):
    """移出名单的方式."""

    APPLICATION = "application", _("依申请提前移出")
    AUTOMATIC = "automatic", _("期满自动移出")
    REVOKED = "revoked", _("列入决定被撤销")


class MeasureKind(models.TextChoices):
    PUNISHMENT = "punishment", _("失信惩戒")
    REWARD = "reward", _("守信激励")


class MeasureTrigger(models.TextChoices):
    """What puts an entity under a catalogue measure."""

    SERIOUS_LIST = "serious_list", _("列入严重违法失信名单")
    RED_LIST = "red_list", _("列入守信红名单")
    CLASS_A = "class_a", _("信用风险分类为A类")
    CLASS_D = "class_d", _("信用风险分类为D类")


class CaseStatus(models.TextChoices):
    """联合奖惩案件: open until the executing department first feeds back; closed when the
    entity leaves the list (or the measure's duration ends)."""

    OPEN = "open", _("待反馈")
    FED_BACK = "fed_back", _("已反馈")
    CLOSED = "closed", _("已结束")


class FeedbackOutcome(models.TextChoices):
    """执行部门的反馈."""

    NORMAL = "normal", _("正常办理（未发现需限制事项）")
    RESTRICTED = "restricted", _("已限制/不予办理")
    FAST_TRACKED = "fast_tracked", _("已予容缺受理/绿色通道")
    REDUCED = "reduced", _("已减少检查频次")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class ObjectionStatus(models.TextChoices):
    """信用信息异议."""

    PENDING = "pending", _("核查中")
    UPHELD = "upheld", _("异议成立，已更正或撤销")
    REJECTED = "rejected", _("异议不成立，维持")


class RepairStatus(models.TextChoices):
    """信用修复申请."""

    PENDING = "pending", _("审核中")
    GRANTED = "granted", _("准予修复")
    REFUSED = "refused", _("不予修复")


#: 有效期至 for a decision without an end: the national 双公示 data standard writes 2099-12-31
#: ("2099/12/31 的含义为长期"); departments often send the word itself
LONG_TERM = datetime.date(2099, 12, 31)
LONG_TERM_WORDS = frozenset({"长期", "长期有效", "永久", "永久有效", "无期限", "无固定期限", "终身"})
