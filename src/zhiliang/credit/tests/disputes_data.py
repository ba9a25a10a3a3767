"""Test data for objections and credit repair, built through the services.

:func:`build_disputes` — the credit registry (``facts_data.build_credit_registry``), a fine of
the city bureau (sy-amr) on 精工 decided on :data:`facts_data.DECIDED` (2024-09-20, Order 45,
3 years' publicity, repair from 2025-03-20), the same on 车桥 (张湾区), and the accounts: 精工's
enterprise account, 车桥's, county staff of 茅箭区 and of 张湾区, staff of the city bureau and of
the commerce bureau (sy-com), and a lab account.

:func:`upload` — an uploaded file as a form or the API would hand it over;
:func:`objection` / :func:`repair` — file one through the services as a given actor.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from zhiliang.core.choices import Role
from zhiliang.credit.models import CreditFact
from zhiliang.credit.services import disputes
from zhiliang.sampling.tests.samples_data import acting
from zhiliang.testing.fixtures import make_user

from .facts_data import CreditRegistry, build_credit_registry, penalty_fields, record

D = datetime.date
#: the first day the fine of ``build_disputes`` may be repaired (6 months after 2024-09-20)
REPAIR_FROM = D(2025, 3, 20)


@dataclass
class Disputes:
    credit: CreditRegistry
    fact: CreditFact
    other_fact: CreditFact
    firm: object
    other_firm: object
    county: object
    other_county: object
    amr: object
    commerce: object
    lab: object

    @property
    def maojian(self):
        return self.credit.maojian


def upload(name: str = "证明.pdf", content: bytes = b"%PDF-1.4 evidence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def build_disputes() -> Disputes:
    credit = build_credit_registry()
    fact = record(**penalty_fields(credit.maojian))[0]
    other = record(**penalty_fields(credit.zhangwan, source_record_id="十市监罚〔2024〕102号", decision_no="十市监罚〔2024〕102号"))[0]
    return Disputes(
        credit=credit, fact=fact, other_fact=other,
        firm=make_user(Role.ENTERPRISE, organisation=credit.maojian),
        other_firm=make_user(Role.ENTERPRISE, organisation=credit.zhangwan),
        county=make_user(Role.COUNTY_STAFF, region_code="420302"),
        other_county=make_user(Role.COUNTY_STAFF, region_code="420303"),
        amr=make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-amr"),
        commerce=make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com"),
        lab=make_user(Role.LAB, region_code="420302"),
    )


def objection(actor, fact, *, grounds: str = "处罚已被复议决定撤销，数据未同步", evidence=None, filed_on=None):
    with acting(actor):
        return disputes.file_objection(actor=actor, fact=fact, grounds=grounds, evidence=evidence, filed_on=filed_on)


def repair(actor, fact, *, applied_on=REPAIR_FROM, commitment="default", proof=None, statement: str = "罚款已缴清，不合格产品已召回"):
    with acting(actor):
        return disputes.apply_repair(actor=actor, fact=fact, statement=statement,
                                     commitment=upload("承诺书.pdf", b"%PDF-1.4 commitment") if commitment == "default" else commitment,
                                     proof=proof, applied_on=applied_on)
