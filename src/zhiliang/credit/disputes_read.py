"""Read-side queries of objections (信用信息异议) and repair applications (信用修复申请), shared
by the pages and the API (pure reads, permission-aware).

* :func:`pending_objections` / :func:`pending_repairs` — the review queues: pending requests the
  user may decide (the reviewing department's staff, the enterprise's county), earliest deadline
  first;
* :func:`overdue` — those of them past their deadline on a day;
* :func:`own_objections` / :func:`own_repairs` — what an enterprise account filed (its own
  memberships' scope, not merely what it may see).
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from zhiliang.core.permissions import restrict, restrict_q

from .choices import ObjectionStatus, RepairStatus
from .models import FactObjection, RepairApplication

_RELATED = ("fact", "enterprise", "region", "department")


def pending_objections(user) -> QuerySet[FactObjection]:
    qs = FactObjection.objects.filter(status=ObjectionStatus.PENDING).select_related(*_RELATED)
    return restrict(qs, user, "change").order_by("review_due", "pk")


def pending_repairs(user) -> QuerySet[RepairApplication]:
    qs = RepairApplication.objects.filter(status=RepairStatus.PENDING).select_related(*_RELATED)
    return restrict(qs, user, "change").order_by("decision_due", "pk")


def overdue(user, on: datetime.date) -> dict[str, QuerySet]:
    """``{"objections": …, "repairs": …}``: pending requests whose deadline (the last day to
    decide) is before ``on``."""
    return {
        "objections": pending_objections(user).filter(review_due__lt=on),
        "repairs": pending_repairs(user).filter(decision_due__lt=on),
    }


def _own(queryset, user):
    q = restrict_q(queryset.model, user, "view", own_scope_only=True)
    return queryset if q is None else queryset.filter(q)


def own_objections(user) -> QuerySet[FactObjection]:
    return _own(FactObjection.objects.select_related(*_RELATED), user).order_by("-filed_on", "-pk")


def own_repairs(user) -> QuerySet[RepairApplication]:
    return _own(RepairApplication.objects.select_related(*_RELATED), user).order_by("-applied_on", "-pk")
