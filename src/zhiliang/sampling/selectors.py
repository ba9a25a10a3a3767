"""Read queries of the sample life cycle shared by the views, the API and the dashboards:
what a user may see, the work waiting for each role, and what is overdue.

Every query starts from ``restrict(user, …)`` (STYLE.md §3)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from zhiliang.core.choices import Role
from zhiliang.core.permissions import memberships
from zhiliang.core.reference_data import CITY_CODE

from . import rules
from .choices import Conclusion, ObjectionStatus, RectificationStatus, ReferralStatus, SampleStatus
from .models import Objection, Quota, Rectification, Referral, Sample

SAMPLE_RELATED = ("plan", "region", "category", "producer", "producer_region", "sampled_unit", "lab")


def is_sampling_admin(actor) -> bool:
    """SYSTEM, a superuser or the city admin: may act in a lab's stead (receipt, reports)."""
    from zhiliang.core.actors import is_user

    return not is_user(actor) or actor.is_superuser or any(m.role.name == Role.CITY_ADMIN for m in memberships(actor))


def samples_for(user, action: str = "view") -> QuerySet[Sample]:
    """The samples ``user`` may see (county staff: their county's; department staff: their
    department's plans; a lab: those sent to it; an enterprise: its own, as producer or
    sampled unit; the public: those in a published bulletin)."""
    return Sample.objects.restrict(user, action).select_related(*SAMPLE_RELATED)


def assigned_lab(sample: Sample):
    """The lab a sample goes to without a reason (改送其他检验机构的原因): the one the lab draw
    gave its task, else the one named when it was registered; ``None`` when none was."""
    if sample.task_id and sample.task.lab_id:
        return sample.task.lab
    return sample.lab


def original_lab(sample: Sample):
    """The lab the sample was sent to first: ``Sample.lab`` becomes the re-test lab when an
    objection is accepted, the first report keeps who tested it."""
    first = sample.reports.filter(is_retest=False).select_related("lab").first()
    return first.lab if first is not None else sample.lab


def retest_deadline_of(sample: Sample) -> datetime.date | None:
    """The last day to apply for a re-test (None while the result is not served)."""
    if sample.served_on is None:
        return None
    return rules.retest_deadline(sample.served_on, is_food=bool(sample.category and sample.category.is_food))


def can_object(sample: Sample, today: datetime.date) -> bool:
    """May a re-test still be applied for (failing, served, no objection yet, in time)?"""
    deadline = retest_deadline_of(sample)
    return (
        sample.status == SampleStatus.NOTIFIED
        and sample.conclusion == Conclusion.FAIL
        and deadline is not None
        and today <= deadline
        and not Objection.objects.filter(sample=sample).exists()
    )


# --- overdue lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overdue:
    """One late step: the record, which step, its label, the due day and days late."""

    obj: Any
    step: str
    label: str
    due_on: datetime.date
    days_late: int


STEP_LABELS = {
    "correction": "整改期限已过，尚未复查",
    "recheck": "复查逾期",
    "publication": "复查不合格，逾期未公告",
    "second_recheck": "再次复查逾期",
    "reply": "异地核查处置逾期未回复",
}


def _overdue(obj, step: str, due_on: datetime.date, today: datetime.date) -> Overdue | None:
    if due_on is None or due_on >= today:
        return None
    return Overdue(obj, step, STEP_LABELS[step], due_on, (today - due_on).days)


def overdue_rectifications(user, today: datetime.date) -> list[Overdue]:
    """Rectifications whose current step's window has passed without the step: correction
    (60 days) or re-check (75 days) with no re-check recorded, a failed re-check not
    published within RULE_SAMPLING_PUBLISH_WD, a second re-check not done by the end of its
    window.  Oldest due first."""
    rows = (
        Rectification.objects.restrict(user, "view")
        .filter(status__in=(RectificationStatus.ORDERED, RectificationStatus.PUBLISHED))
        .select_related("sample", "enterprise", "region")
    )
    found = []
    for rect in rows:
        item = None
        if rect.status == RectificationStatus.ORDERED and rect.rechecked_on is None:
            item = _overdue(rect, "recheck", rect.recheck_due, today) or _overdue(rect, "correction", rect.correction_due, today)
        elif rect.status == RectificationStatus.ORDERED and rect.recheck_passed is False and rect.published_on is None:
            item = _overdue(rect, "publication", rules.publication_due(rect.rechecked_on), today)
        elif rect.status == RectificationStatus.PUBLISHED and rect.second_rechecked_on is None:
            item = _overdue(rect, "second_recheck", rect.second_recheck_until, today)
        if item is not None:
            found.append(item)
    return sorted(found, key=lambda o: (o.due_on, o.obj.pk))


def overdue_referrals(user, today: datetime.date) -> list[Overdue]:
    """Referrals to a home authority whose reply is late.  Oldest due first."""
    rows = (
        Referral.objects.restrict(user, "view")
        .filter(status=ReferralStatus.SENT, reply_due__lt=today)
        .select_related("sample", "region")
        .order_by("reply_due", "pk")
    )
    return [Overdue(r, "reply", STEP_LABELS["reply"], r.reply_due, (today - r.reply_due).days) for r in rows]


# --- work queues --------------------------------------------------------------------------------------


def samples_to_send(user) -> QuerySet[Sample]:
    """Registered, not yet sent to a lab (sampling staff)."""
    return samples_for(user, "change").filter(status=SampleStatus.REGISTERED)


def samples_to_receive(user) -> QuerySet[Sample]:
    """Sent, not yet received (a lab: the samples sent to it)."""
    return samples_for(user, "change").filter(status=SampleStatus.SENT)


def reports_to_write(user) -> QuerySet[Sample]:
    """Received samples and accepted re-tests without an issued report of that round (labs)."""
    return samples_for(user, "change").filter(status__in=(SampleStatus.RECEIVED, SampleStatus.RETEST))


def results_to_notify(user) -> QuerySet[Sample]:
    """Reported results not yet served on the enterprise."""
    return samples_for(user, "change").filter(status=SampleStatus.REPORTED)


def objections_to_decide(user) -> QuerySet[Objection]:
    return Objection.objects.restrict(user, "change").filter(status=ObjectionStatus.FILED).select_related("sample")


def results_to_finalise(user, today: datetime.date) -> list[Sample]:
    """Failing first results whose objection window has ended with no objection."""
    rows = samples_for(user, "change").filter(status=SampleStatus.NOTIFIED, conclusion=Conclusion.FAIL, objection__isnull=True)
    return [s for s in rows if (deadline := retest_deadline_of(s)) is not None and today > deadline]


def open_objection_windows(user, today: datetime.date) -> list[tuple[Sample, datetime.date]]:
    """Failing results the user (an enterprise) may still object to, with the deadline."""
    rows = samples_for(user).filter(status=SampleStatus.NOTIFIED, conclusion=Conclusion.FAIL, objection__isnull=True)
    return [(s, d) for s in rows if (d := retest_deadline_of(s)) is not None and today <= d]


def _in_shiyan_q(prefix: str) -> Q:
    return Q(**{f"{prefix}__path__contains": f"/{CITY_CODE}/"})


def rectifications_to_order(user) -> QuerySet[Sample]:
    """Final failing results with a local producer or seller and no rectification yet."""
    return (
        samples_for(user, "change")
        .filter(status=SampleStatus.FINAL, conclusion=Conclusion.FAIL, rectification__isnull=True)
        .filter(_in_shiyan_q("producer__region") | _in_shiyan_q("sampled_unit__region"))
    )


def referrals_to_send(user) -> QuerySet[Sample]:
    """Final failing results of a producer registered outside Shiyan, not yet referred."""
    return (
        samples_for(user, "change")
        .filter(status=SampleStatus.FINAL, conclusion=Conclusion.FAIL, referral__isnull=True, producer__isnull=False)
        .exclude(_in_shiyan_q("producer__region"))
    )


@dataclass(frozen=True)
class WorkQueue:
    key: str
    label: str
    items: Any

    @property
    def count(self) -> int:
        items = self.items
        return items.count() if hasattr(items, "count") and not isinstance(items, list) else len(items)


def work_queues(user, today: datetime.date) -> list[WorkQueue]:
    """The work waiting for ``user``, by the roles they hold (staff, lab, enterprise)."""
    roles = {m.role.name for m in memberships(user)}
    staff = bool(roles & {Role.COUNTY_STAFF, Role.DEPARTMENT_STAFF, Role.CITY_ADMIN}) or getattr(user, "is_superuser", False)
    queues: list[WorkQueue] = []
    if staff:
        queues += [
            WorkQueue("to_send", "待送检样品", samples_to_send(user)),
            WorkQueue("to_notify", "待送达检验结果", results_to_notify(user)),
            WorkQueue("objections", "待处理复检申请", objections_to_decide(user)),
            WorkQueue("to_finalise", "复检期满待确定结论", results_to_finalise(user, today)),
            WorkQueue("to_rectify", "待责令整改", rectifications_to_order(user)),
            WorkQueue("to_refer", "待异地移送", referrals_to_send(user)),
            WorkQueue("overdue_rectifications", "整改逾期", overdue_rectifications(user, today)),
            WorkQueue("overdue_referrals", "异地核查处置逾期", overdue_referrals(user, today)),
        ]
    if Role.LAB in roles:
        queues += [
            WorkQueue("to_receive", "待收样", samples_to_receive(user)),
            WorkQueue("to_report", "待出具检验报告", reports_to_write(user)),
        ]
    if Role.ENTERPRISE in roles:
        queues += [WorkQueue("may_object", "可申请复检的不合格结果", open_objection_windows(user, today))]
    return queues


# --- quotas beyond the registry ----------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaShortfall:
    """A quota larger than the enterprises that could be drawn for it."""

    quota: Quota
    eligible: int

    @property
    def message(self) -> str:
        return gettext("%(region)s %(category)s 配额 %(quota)s 家，符合条件的企业仅 %(eligible)s 家") % {
            "region": self.quota.region.name, "category": self.quota.category.name, "quota": self.quota.quantity, "eligible": self.eligible,
        }


def eligible_enterprise_counts(quotas) -> dict[int, int]:
    """Per quota (by id), the enterprises the draw's pool would hold for it (``pools``): in
    operation, in the quota's county (its subtree), having the category or one below it — as
    a main category or by a registered product.  The 6-month ban is not applied (it depends on
    the day the pool is frozen), so the draw may find fewer still.  One query per category."""
    from zhiliang.enterprises.choices import OPERATING_STATUSES
    from zhiliang.enterprises.models import Enterprise, Product

    counts: dict[int, int] = {}
    by_category: dict[int, list] = {}
    for quota in quotas:
        by_category.setdefault(quota.category_id, []).append(quota)
    for group in by_category.values():
        subtree = group[0].category.descendant_ids()
        quota_of_region = {rid: quota for quota in group for rid in quota.region.subtree_ids()}
        having = (Q(pk__in=Enterprise.categories.through.objects.filter(productcategory_id__in=subtree).values("enterprise_id"))
                  | Q(pk__in=Product.objects.filter(category_id__in=subtree).values("enterprise_id")))
        rows = (Enterprise.objects.filter(having, status__in=list(OPERATING_STATUSES), region_id__in=list(quota_of_region))
                .order_by().values("region_id").annotate(n=Count("pk")))
        for quota in group:
            counts[quota.pk] = 0
        for row in rows:
            counts[quota_of_region[row["region_id"]].pk] += row["n"]
    return counts


def quota_shortfalls(plan) -> list[QuotaShortfall]:
    """The plan's quotas asking for more enterprises than its county has of the category
    (accepted — the county may register more — but worth a warning), in the quota table's order
    (county, then category)."""
    quotas = list(plan.quotas.select_related("region", "category"))
    if not quotas:
        return []
    quotas.sort(key=lambda q: (q.region.sort_order, q.region.code, q.category.sort_order, q.category.code))
    eligible = eligible_enterprise_counts(quotas)
    return [QuotaShortfall(q, eligible[q.pk]) for q in quotas if q.quantity > eligible[q.pk]]
