"""Enumerations of the sampling app, with their official Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """抽查层级 — who organised the sampling; a higher level's result bars the lower
    levels' re-sampling for six months (RULE_SAMPLING_REPEAT_6M)."""

    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


#: higher number = higher level
LEVEL_RANK = {Level.COUNTY: 1, Level.CITY: 2, Level.PROVINCIAL: 3, Level.NATIONAL: 4}
#: the levels of the county ranking (seed §五(一): provincial and above)
UPPER_LEVELS = (Level.NATIONAL, Level.PROVINCIAL)


def levels_at_or_above(level: str) -> list[str]:
    return [lv for lv, rank in LEVEL_RANK.items() if rank >= LEVEL_RANK[Level(level)]]


class PlanKind(models.TextChoices):
    """抽查类型 — follow-up and emergency sampling are exempt from the 6-month ban."""

    ROUTINE = "routine", _("监督抽查")
    FOLLOW_UP = "follow_up", _("不合格跟踪抽查")
    EMERGENCY = "emergency", _("应急抽查")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    APPROVED = "approved", _("已批准")
    PUBLISHED = "published", _("已公告")
    CLOSED = "closed", _("已完成")


class Source(models.TextChoices):
    LOCAL = "local", _("本系统")
    IMPORTED = "imported", _("公告导入")


class Place(models.TextChoices):
    """抽样环节"""

    FACTORY = "factory", _("生产环节")
    MARKET = "market", _("流通环节")
    ONLINE = "online", _("电子商务（网上抽查）")


class Direction(models.TextChoices):
    """判定方向 — how a measured value is judged against the limit."""

    MAX = "max", _("不大于限值")
    MIN = "min", _("不小于限值")
    RANGE = "range", _("在范围内")
    QUALITATIVE = "qualitative", _("定性（符合/不符合）")


class DrawKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("检查对象（企业）")
    INSPECTOR = "inspector", _("执法检查人员")
    LAB = "lab", _("检验检测机构")


class DrawStatus(models.TextChoices):
    FROZEN = "frozen", _("名录已冻结")
    DRAWN = "drawn", _("已抽取")
    PUBLISHED = "published", _("已公布")


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待抽样")
    SAMPLED = "sampled", _("已抽样")
    REFUSED = "refused", _("拒绝抽样")
    CANCELLED = "cancelled", _("已取消")


class SampleStatus(models.TextChoices):
    REGISTERED = "registered", _("已抽样")
    SENT = "sent", _("已送检")
    RECEIVED = "received", _("实验室已收样")
    REPORTED = "reported", _("已出具报告")
    NOTIFIED = "notified", _("已告知企业")
    RETEST = "retest", _("复检中")
    FINAL = "final", _("结果已确定")


class Conclusion(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已签发")


class NoticeMethod(models.TextChoices):
    """送达方式"""

    ACCOUNT = "account", _("企业账户")
    POST = "post", _("邮寄/直接送达")
    PUBLIC_NOTICE = "public_notice", _("公告送达")


class ObjectionStatus(models.TextChoices):
    FILED = "filed", _("已申请")
    ACCEPTED = "accepted", _("已受理，复检中")
    REJECTED = "rejected", _("不予受理")
    DECIDED = "decided", _("复检已完成")


class FeeBearer(models.TextChoices):
    """复检费用承担 — the applicant if the re-test confirms the first result, else the organiser."""

    APPLICANT = "applicant", _("申请人")
    AUTHORITY = "authority", _("组织抽查的部门")


class RectificationStatus(models.TextChoices):
    ORDERED = "ordered", _("责令整改中")
    PASSED = "passed", _("复查合格")
    PUBLISHED = "published", _("复查不合格，已公告")
    SECOND_PASSED = "second_passed", _("再次复查合格")
    SUSPENDED = "suspended", _("责令停业整顿")
    REVOKED = "revoked", _("吊销许可")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("已移送")
    REPLIED = "replied", _("已回复")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    PUBLISHED = "published", _("已发布")
