"""Test data for the one-stop credit query and the credit report, built through the services.

:func:`build_query_world` — the credit registry (``facts_data.build_credit_registry``) and, on
茅箭's 精工 (``maojian``):

* ``recent`` — a public fine decided 30 days ago (2025 tiers: general, repair after 3 months:
  not yet eligible);
* ``old`` — a public fine decided on ``facts_data.DECIDED`` (Order 45, 3 years' publicity,
  repair from 2025-03-20: eligible), carrying the legal representative's and a person's ID
  number (:data:`FACT_ID_NUMBER`, :data:`PERSON_ID_NUMBER`);
* ``hidden`` — a simple-procedure penalty (never public);
* ``expired`` — a fine of 2020 whose publicity has ended;
* ``licence`` — a production licence (public, no end);

and on 张湾's 车桥 (``zhangwan``) one public fine (``other``).  Accounts: county staff of 茅箭区
and of 张湾区, 精工's and 车桥's enterprise accounts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from zhiliang.core.choices import Role
from zhiliang.credit.choices import FactKind
from zhiliang.credit.models import CreditFact
from zhiliang.testing.fixtures import department, make_user

from .facts_data import CreditRegistry, build_credit_registry, penalty_fields, record

D = datetime.date
FACT_ID_NUMBER = "420302199002023456"
PERSON_ID_NUMBER = "42030219851212777X"


@dataclass
class QueryWorld:
    credit: CreditRegistry
    recent: CreditFact
    old: CreditFact
    hidden: CreditFact
    expired: CreditFact
    licence: CreditFact
    other: CreditFact
    county: object
    other_county: object
    firm: object
    other_firm: object

    @property
    def maojian(self):
        return self.credit.maojian

    @property
    def zhangwan(self):
        return self.credit.zhangwan


def licence_fields(enterprise, **overrides):
    values = {
        "kind": FactKind.LICENCE, "source_department": department("sy-amr"), "source_record_id": "XK-2025-0001",
        "decision_no": "JY14203020012345", "party_name": enterprise.name, "party_uscc": enterprise.uscc or "",
        "title": "食品经营许可证", "content": "预包装食品销售", "decided_on": D(2025, 3, 3), "valid_from": D(2025, 3, 3),
        "valid_until": D(2030, 3, 2), "authority": "十堰市茅箭区市场监督管理局",
    }
    values.update(overrides)
    return values


def build_query_world() -> QueryWorld:
    credit = build_credit_registry()
    today = timezone.localdate()
    m = credit.maojian
    recent = record(**penalty_fields(m, source_record_id="十市监罚〔2026〕7号", decision_no="十市监罚〔2026〕7号",
                                     decided_on=today - datetime.timedelta(days=30), title="销售不合格汽车配件"))[0]
    old = record(**penalty_fields(m, legal_rep_name="李建国", legal_rep_id_type="身份证", legal_rep_id_number=FACT_ID_NUMBER,
                                  person_id_type="身份证", person_id_number=PERSON_ID_NUMBER))[0]
    hidden = record(**penalty_fields(m, source_record_id="十市监简罚〔2025〕3号", decision_no="十市监简罚〔2025〕3号", procedure="simple",
                                     decided_on=D(2025, 5, 6)))[0]
    expired = record(**penalty_fields(m, source_record_id="十市监罚〔2020〕1号", decision_no="十市监罚〔2020〕1号", decided_on=D(2020, 1, 6)))[0]
    licence = record(**licence_fields(m))[0]
    other = record(**penalty_fields(credit.zhangwan, source_record_id="十市监罚〔2025〕88号", decision_no="十市监罚〔2025〕88号",
                                    decided_on=D(2025, 8, 8)))[0]
    return QueryWorld(
        credit=credit, recent=recent, old=old, hidden=hidden, expired=expired, licence=licence, other=other,
        county=make_user(Role.COUNTY_STAFF, region_code="420302"),
        other_county=make_user(Role.COUNTY_STAFF, region_code="420303"),
        firm=make_user(Role.ENTERPRISE, organisation=m),
        other_firm=make_user(Role.ENTERPRISE, organisation=credit.zhangwan),
    )
