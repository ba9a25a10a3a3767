"""Test data for joint reward and punishment (联合奖惩).

:func:`build_measure_world` — the credit registry of ``facts_data`` (茅箭's 精工 ``maojian``,
张湾's 车桥 ``zhangwan`` …) with the default catalogue installed (through the services).

:func:`make_entry` — a published list entry.  The list services are written by another part
of the app; until they exist the entry row is written directly (as the system), and the
events they will emit are emitted here with the agreed payload (:func:`publish`,
:func:`remove`, :func:`class_event`), delivered after commit as the task worker would.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from zhiliang.core import events
from zhiliang.core.audit import SYSTEM
from zhiliang.credit.catalogue import ORDER_44, install_default_catalogue
from zhiliang.credit.choices import ListEntryStatus, ListKind
from zhiliang.credit.models import ListEntry
from zhiliang.enterprises.models import Enterprise
from zhiliang.testing.fixtures import as_system, department, region

from .facts_data import CreditRegistry, build_credit_registry

D = datetime.date
#: a publication on the Friday before the National Day 2024 holiday (1–7 October; Sunday 29
#: September and Saturday 12 October are working days): 20 working days later is 30 October
PUBLISHED = D(2024, 9, 27)
FEEDBACK_DUE = D(2024, 10, 30)
#: the catalogue's measures on the serious-dishonesty list and their executing departments
SERIOUS_CODES = {"LHCJ-SL-01": "sy-finance", "LHCJ-SL-02": "sy-ggzy", "LHCJ-SL-03": "sy-finance", "LHCJ-SL-04": "sy-hrss",
                 "LHCJ-SL-05": "sy-propaganda", "LHCJ-SL-06": "sy-amr", "LHCJ-SL-07": "sy-amr", "LHCJ-SL-08": "sy-amr"}
CLASS_A_CODES = {"LHJL-CA-01", "LHJL-CA-02"}


@dataclass
class MeasureWorld:
    credit: CreditRegistry

    @property
    def maojian(self) -> Enterprise:
        return self.credit.maojian

    @property
    def zhangwan(self) -> Enterprise:
        return self.credit.zhangwan


def build_measure_world() -> MeasureWorld:
    credit = build_credit_registry()
    with as_system("联合奖惩测试数据"):
        install_default_catalogue(actor=SYSTEM)
    return MeasureWorld(credit)


def make_entry(enterprise: Enterprise, *, list_kind: str = ListKind.SERIOUS, published_on: datetime.date = PUBLISHED,
               decision_no: str = "十市监信列〔2024〕1号") -> ListEntry:
    with as_system("名单测试数据"):
        return ListEntry.objects.create(
            list_kind=list_kind, enterprise=enterprise, region=enterprise.region, deciding_region=region("420300"),
            department=department("sy-amr"), grounds="生产销售不合格产品，情节严重，受到较重行政处罚", legal_basis=ORDER_44,
            decision_no=decision_no, status=ListEntryStatus.PUBLISHED, proposed_on=published_on, approval_required=False,
            decided_on=published_on, published_on=published_on,
        )


def emit_event(name: str, payload: dict, *, subject=None, enterprise: Enterprise | None = None):
    """Emit a domain event as the system (delivered on commit)."""
    with as_system("测试事件"):
        return events.emit(name, payload, subject=subject, enterprise_key=enterprise.search_key if enterprise else "",
                           region=enterprise.region if enterprise else None)


def publish(entry: ListEntry):
    """The list services' ``credit.list_entry_published`` for ``entry``."""
    return emit_event("credit.list_entry_published", {
        "entry": entry.pk, "enterprise": entry.enterprise.search_key, "list_kind": entry.list_kind,
        "published_on": entry.published_on.isoformat(), "region": entry.region.code,
    }, subject=entry, enterprise=entry.enterprise)


def remove(entry: ListEntry, removed_on: datetime.date, way: str = "application"):
    """The list services' ``credit.list_entry_removed`` for ``entry``."""
    with as_system("名单测试数据"):
        ListEntry.objects.filter(pk=entry.pk).update(status=ListEntryStatus.REMOVED, removed_on=removed_on, removal_way=way)
    return emit_event("credit.list_entry_removed", {
        "entry": entry.pk, "enterprise": entry.enterprise.search_key, "list_kind": entry.list_kind,
        "removed_on": removed_on.isoformat(), "way": way,
    }, subject=entry, enterprise=entry.enterprise)


def class_event(enterprise: Enterprise, old: str | None, new: str | None, name: str = "credit.class_changed"):
    """The class services' ``credit.class_changed`` (or ``class_computed``)."""
    return emit_event(name, {"enterprise": enterprise.search_key, "old_class": old, "new_class": new, "score": "0",
                             "rule_set": "zl-credit-class-1", "outcome": "changed", "trigger": "test"}, enterprise=enterprise)
