"""Read-side queries of objections (信用信息异议) and repair applications (信用修复申请), shared
by the pages and the API (pure reads, permission-aware).

* :func:`pending_objections` / :func:`pending_repairs` — the review queues: pending requests the
  user may decide (:func:`deciders_q`), earliest deadline first;
* :func:`may_decide` — whether the user decides this request;
* :func:`overdue` — those of them past their deadline on a day;
* :func:`own_objections` / :func:`own_repairs` — what an enterprise account filed (its own
  memberships' scope, not merely what it may see).
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from zhiliang.core.choices import Role
from zhiliang.core.permissions import can, memberships, restrict, restrict_q

from .choices import ObjectionStatus, RepairStatus
from .models import FactObjection, RepairApplication

_RELATED = ("fact", "enterprise", "region", "department")


def deciders_q(user, department: str = "department") -> Q | None:
    """The requests ``user`` decides among those in its scope (``None``: all of them): the
    reviewing department decides (信息提供单位 for an objection, the deciding department for a
    repair) — its staff and its successor's; county staff (县市区市场监管人员, no department)
    those of the market-supervision line (the city bureau and its predecessors, in their region's
    scope), of a department seated in their region (the county's own bureau) or of none; the
    city admin every one.  A county does not decide on another bureau's fact (安监, 环保 …).
    ``department`` is the path to the reviewing department (``source_department`` for a fact
    itself: who may revoke it)."""
    from zhiliang.core.models import Department
    from zhiliang.core.reference_data import MARKET_SUPERVISION_CODE

    if user.is_superuser:
        return None
    q = Q(pk__in=[])
    market_supervision = None
    for m in memberships(user):
        if m.role.name == Role.CITY_ADMIN:
            return None
        if m.department_id:
            q |= Q(**{f"{department}__in": m.department.lineage_ids()})
        elif m.region_id:
            if market_supervision is None:
                bureau = Department.objects.filter(code=MARKET_SUPERVISION_CODE).first()
                market_supervision = bureau.lineage_ids() if bureau is not None else []
            q |= (Q(**{f"{department}__isnull": True}) | Q(**{f"{department}__region": m.region_id})
                  | Q(**{f"{department}__in": market_supervision}))
    return q


def _decidable(queryset, user):
    q = deciders_q(user)
    qs = restrict(queryset, user, "change")
    return qs if q is None else qs.filter(q)


def may_revoke(user, fact) -> bool:
    """Whether ``user`` may record the revocation of ``fact``: who may change it and decides for
    its source department (:func:`deciders_q`) — a county's staff not another bureau's fact."""
    q = deciders_q(user, "source_department")
    return can(fact, user, "change") and (q is None or type(fact)._base_manager.filter(q, pk=fact.pk).exists())


def may_decide(user, obj) -> bool:
    return can(obj, user, "change") and _decidable(type(obj)._base_manager.filter(pk=obj.pk), user).exists()


def pending_objections(user) -> QuerySet[FactObjection]:
    qs = FactObjection.objects.filter(status=ObjectionStatus.PENDING).select_related(*_RELATED)
    return _decidable(qs, user).order_by("review_due", "pk")


def pending_repairs(user) -> QuerySet[RepairApplication]:
    qs = RepairApplication.objects.filter(status=RepairStatus.PENDING).select_related(*_RELATED)
    return _decidable(qs, user).order_by("decision_due", "pk")


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
