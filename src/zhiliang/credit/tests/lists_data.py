"""Test data for the lists (services only): the credit registry of ``facts_data`` with a penalty
of 茅箭's 精工 and the people who act on a listing — two county staff of 茅箭区 (the proposer
and a colleague), county staff of 张湾区, city staff (a county-staff role at 十堰市), the city
admin and 精工's own enterprise account.

:func:`act` runs one service in an audit context of its actor; :func:`published_entry` walks a
county proposal through approval, notice and publication with given dates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from zhiliang.core.choices import Role
from zhiliang.credit.models import CreditFact, ListEntry
from zhiliang.credit.services import lists
from zhiliang.sampling.tests.samples_data import acting
from zhiliang.testing.fixtures import make_user

from .facts_data import CreditRegistry, build_credit_registry, penalty_fields, record

D = datetime.date


@dataclass
class ListWorld:
    credit: CreditRegistry
    penalty: CreditFact
    proposer: object
    colleague: object
    zhangwan_staff: object
    city_staff: object
    city_admin: object
    enterprise_user: object

    @property
    def maojian(self):
        return self.credit.maojian

    @property
    def zhangwan(self):
        return self.credit.zhangwan


def build_list_world() -> ListWorld:
    credit = build_credit_registry()
    penalty = record(**penalty_fields(credit.maojian, fine_wan="80", licence_action="吊销生产许可证"))[0]
    return ListWorld(
        credit=credit,
        penalty=penalty,
        proposer=make_user(Role.COUNTY_STAFF, region_code="420302"),
        colleague=make_user(Role.COUNTY_STAFF, region_code="420302"),
        zhangwan_staff=make_user(Role.COUNTY_STAFF, region_code="420303"),
        city_staff=make_user(Role.COUNTY_STAFF, region_code="420300"),
        city_admin=make_user(Role.CITY_ADMIN, region_code="420300"),
        enterprise_user=make_user(Role.ENTERPRISE, organisation=credit.maojian),
    )


def act(fn, actor, **kwargs):
    """Call the service ``fn`` as ``actor`` inside an audit context of that actor."""
    with acting(actor):
        return fn(actor=actor, **kwargs)


def proposed_entry(world: ListWorld, enterprise=None, **kwargs) -> ListEntry:
    kwargs.setdefault("grounds", "生产销售不合格汽车制动部件，被吊销生产许可证")
    kwargs.setdefault("legal_basis", "《市场监督管理严重违法失信名单管理办法》第九条")
    kwargs.setdefault("facts", [world.penalty] if enterprise is None else [])
    return act(lists.propose, world.proposer, enterprise=enterprise or world.maojian, **kwargs)


def published_entry(world: ListWorld, *, decided_on: datetime.date, published_on: datetime.date, enterprise=None,
                    decision_no: str = "十茅市监信〔2024〕1号", **proposal) -> ListEntry:
    entry = proposed_entry(world, enterprise=enterprise, **proposal)
    if entry.approval_required:
        entry = act(lists.approve, world.city_staff, entry=entry, note="同意")
    entry = act(lists.notify, world.proposer, entry=entry, decision_no=decision_no, decided_on=decided_on, notified_on=decided_on,
                method="直接送达")
    return act(lists.publish, world.proposer, entry=entry, published_on=published_on)
