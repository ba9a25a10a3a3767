"""Test data for the credit app, built through the services (shared by the credit helpers).

:func:`build_credit_registry` — the registry of ``enterprises.tests.views_data`` (茅箭区: 精工
``maojian`` and 山泉 ``maojian_food``; 张湾区: 车桥 ``zhangwan``) plus an old 茅箭 enterprise known
only by its legacy codes (``old``: no USCC, a 工商注册号 :data:`OLD_REGNO` and a 组织机构代码
:data:`OLD_ORGCODE`).  :data:`OLD_USCC` is a valid USCC whose characters 9–17 are that org code
(the old enterprise's new code, unknown to the registry).

:func:`penalty_fields` — the ``record_fact`` keywords of an ordinary-procedure 双公示 penalty;
:func:`record` records one (as SYSTEM unless told otherwise) and returns ``(fact, outcome)``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import IdentifierScheme
from zhiliang.core.identity import orgcode_check_char
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services as registry_services
from zhiliang.enterprises.models import Enterprise
from zhiliang.enterprises.tests.views_data import Registry, build_registry
from zhiliang.credit.choices import FactKind
from zhiliang.credit.services import facts
from zhiliang.sampling.tests.samples_data import acting
from zhiliang.testing.fixtures import as_system, department, region

D = datetime.date

OLD_REGNO = "420302000012345"
OLD_ORGCODE = "7071234" + "5" + orgcode_check_char("70712345")
OLD_USCC = make_uscc("91420302" + OLD_ORGCODE)
#: a decision date before the National Day 2024 holiday (Order 45 in force)
DECIDED = D(2024, 9, 20)


@dataclass
class CreditRegistry:
    registry: Registry
    old: Enterprise

    @property
    def maojian(self) -> Enterprise:
        return self.registry.maojian

    @property
    def maojian_food(self) -> Enterprise:
        return self.registry.maojian_food

    @property
    def zhangwan(self) -> Enterprise:
        return self.registry.zhangwan


def build_credit_registry() -> CreditRegistry:
    registry = build_registry()
    with as_system("信用测试数据"):
        old = registry_services.create_enterprise(actor=SYSTEM, uscc=None, name="十堰市茅箭区老字号五金厂", region=region("420302"),
                                                  address="十堰市茅箭区人民路3号")
        registry_services.add_identifier(actor=SYSTEM, enterprise=old, scheme=IdentifierScheme.REGNO, value=OLD_REGNO, source="工商档案")
        registry_services.add_identifier(actor=SYSTEM, enterprise=old, scheme=IdentifierScheme.ORGCODE, value=OLD_ORGCODE, source="工商档案")
    return CreditRegistry(registry, old)


def penalty_fields(enterprise: Enterprise | None = None, **overrides: Any) -> dict[str, Any]:
    """An ordinary-procedure fine of the market-supervision bureau (sy-amr) on ``DECIDED``."""
    values: dict[str, Any] = {
        "kind": FactKind.PENALTY,
        "source_department": department("sy-amr"),
        "source_record_id": "十市监罚〔2024〕101号",
        "decision_no": "十市监罚〔2024〕101号",
        "party_name": enterprise.name if enterprise is not None else "十堰某某商贸有限公司",
        "party_uscc": (enterprise.uscc or "") if enterprise is not None else "",
        "title": "生产销售不合格产品",
        "content": "罚款人民币伍万元",
        "legal_basis": "《中华人民共和国产品质量法》第四十九条",
        "procedure": "ordinary",
        "fine_wan": "5",
        "decided_on": DECIDED,
        "authority": "十堰市市场监督管理局",
    }
    values.update(overrides)
    return values


def record(actor=SYSTEM, **values: Any):
    """``facts.record_fact`` in an audit context of ``actor``; returns ``(fact, outcome)``."""
    with acting(actor):
        return facts.record_fact(actor=actor, **values)
