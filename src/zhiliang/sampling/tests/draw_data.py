"""Registry rows and plans for the pool and draw tests, built through the services
(``enterprises.services``, ``sampling.services.plans``); earlier samples — what the 6-month
ban and "not the same lab twice running" read — are written directly, as imported results are."""

from __future__ import annotations

import datetime
import itertools
import json

from zhiliang.core.audit import SYSTEM
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services as registry
from zhiliang.enterprises.models import Enterprise, Inspector, Product, TestingAgency
from zhiliang.enterprises.tests.views_data import category
from zhiliang.sampling.models import Sample, SamplingPlan
from zhiliang.sampling.services import plans
from zhiliang.testing.fixtures import as_system, department, region

D = datetime.date
_serial = itertools.count(1)


def enterprise(name: str, *, region_code: str = "420302", categories=("auto-parts",), status: str = "active", uscc: bool = True) -> Enterprise:
    n = next(_serial)
    with as_system("抽取测试企业"):
        return registry.create_enterprise(
            actor=SYSTEM, uscc=make_uscc(f"91{region_code if region_code.isdigit() else '420300'}MA{n:07d}") if uscc else None, name=name,
            region=region(region_code), status=status, categories=[category(c) for c in categories],
        )


def product(owner: Enterprise, *, category_code: str = "auto-parts", brand: str = "精工", name: str = "制动鼓", model: str = "JG-3502",
            standards=("QC/T 316-2023",)) -> Product:
    with as_system("抽取测试产品"):
        made, _ = registry.save_product(actor=SYSTEM, enterprise=owner, category=category(category_code), brand=brand, name=name,
                                        model=model, standards=list(standards))
    return made


def inspector(name: str, *, region_code: str = "420302", department_code: str = "mj-amr", active: bool = True) -> Inspector:
    with as_system("抽取测试人员"):
        return registry.save_inspector(actor=SYSTEM, name=name, department=department(department_code), region=region(region_code),
                                       certificate_number=f"T{next(_serial):08d}", is_active=active)


def lab(name: str, *, categories=("auto",), valid_until: datetime.date | None = None, capacity: int = 100, active: bool = True) -> TestingAgency:
    n = next(_serial)
    with as_system("抽取测试机构"):
        return registry.save_agency(actor=SYSTEM, name=name, cma_number=f"2217{n:08d}", cma_valid_until=valid_until, region=region("420302"),
                                    monthly_capacity=capacity, is_active=active, categories=[category(c) for c in categories])


def conflict(owner: Enterprise, *, agency=None, person=None, reason: str = "近亲属在该企业任职") -> None:
    with as_system("抽取测试利益冲突"):
        registry.declare_conflict(actor=SYSTEM, enterprise=owner, reason=reason, agency=agency, inspector=person)


def plan(code: str, *, quotas: dict[tuple[str, str], int] | None = None, level: str = "county", region_code: str = "420302",
         department_code: str | None = "mj-amr", kind: str = "routine", place: str = "factory", year: int = 2026,
         categories=None, risk_ratios=None, exclude_local_inspectors: bool = False, approve: bool = True,
         ends_on: datetime.date | None = None, organiser_name: str = "") -> SamplingPlan:
    """A plan with a qualitative test item per category and its quotas, approved by SYSTEM."""
    quotas = {("420302", "auto-parts"): 2} if quotas is None else quotas
    codes = list(categories or dict.fromkeys(c for _, c in quotas))
    with as_system("抽取测试计划"):
        made = plans.create_plan(
            actor=SYSTEM, code=code, title=f"{year}年{code}监督抽查计划", year=year, level=level, region=region(region_code),
            department=department(department_code) if department_code else None, kind=kind, place=place,
            categories=[category(c) for c in codes], risk_ratios=risk_ratios, exclude_local_inspectors=exclude_local_inspectors,
            ends_on=ends_on, organiser_name=organiser_name,
        )
        for c in codes:
            plans.add_test_item(actor=SYSTEM, plan=made, category=category(c), name="标志", direction="qualitative", requirement="应有中文标志")
        for (region_code_, c), n in quotas.items():
            plans.set_quota(actor=SYSTEM, plan=made, region=region(region_code_), category=category(c), quantity=n)
        if approve and quotas:
            plans.approve_plan(actor=SYSTEM, plan=made, on=D(year, 1, 2))
    return made


def provincial_plan(code: str = "HB-2020-01", year: int = 2020) -> SamplingPlan:
    """An upper-level plan that earlier samples belong to (its results bar the lower levels)."""
    return plan(code, level="provincial", region_code="420000", department_code=None, year=year, approve=False,
                organiser_name="湖北省市场监督管理局")


def earlier_sample(*, of: SamplingPlan, producer: Enterprise, on: datetime.date, made: Product | None = None, category_code="auto-parts",
                   trademark: str | None = None, model: str | None = None, standard: str | None = None, tested_by=None) -> Sample:
    """A sample taken earlier (as an imported bulletin row or an earlier plan's sample is)."""
    with as_system("抽取测试既往样品"):
        return Sample.objects.create(
            sample_no=f"S{next(_serial):08d}", plan=of, level=of.level, region=producer.region, producer=producer,
            producer_name=producer.name, product=made, product_name=made.name if made else "样品",
            trademark=made.brand if trademark is None and made else (trademark or ""),
            model=made.model if model is None and made else (model or ""),
            standard=(made.standards[0] if made and made.standards else "") if standard is None else standard,
            category=category(category_code), sampled_on=on, lab=tested_by,
        )


def pool_lines(data: bytes) -> list[dict]:
    """The item lines of a pool file as dicts."""
    return [json.loads(line) for line in data.decode("utf-8").split("\n")[1:-1]]


def line_of(data: bytes, key: str, stratum_prefix: str = "") -> dict:
    found = [x for x in pool_lines(data) if x["key"] == key and x["stratum"].startswith(stratum_prefix)]
    assert len(found) == 1, f"{key} appears {len(found)} times"
    return found[0]
