"""A small sampling world for the service and permission tests, built through the services:
the registry of ``enterprises.tests.views_data`` (茅箭区 and 张湾区 enterprises, a lab, an
inspector per county) plus a second 茅箭 inspector, a second lab, a producer outside Shiyan,
a food maker, and a published 茅箭区 county plan (auto parts and drinks) with its test items
and quotas.

Sampling tasks come from the draw (``services.draws.run_draw``); here they are written
directly (:func:`make_task`) so that the life-cycle tests do not depend on the draw engine."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.choices import Role
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services as registry_services
from zhiliang.enterprises.models import Enterprise, Inspector, TestingAgency
from zhiliang.enterprises.tests.views_data import Registry, build_registry, category
from zhiliang.sampling.models import SamplingPlan, SamplingTask, TestItem
from zhiliang.sampling.services import plans, samples
from zhiliang.testing.fixtures import as_system, department, make_user, region

D = datetime.date
PLAN_DAY = D(2024, 3, 1)
SAMPLED_ON = D(2024, 4, 10)


@contextmanager
def acting(actor):
    """An audit context for ``actor`` (a user, or SYSTEM)."""
    with audit_context(actor=actor, reason="测试", source="test"):
        yield actor


@dataclass
class World:
    registry: Registry
    plan: SamplingPlan
    items: dict[str, TestItem]
    inspectors: list[Inspector]
    lab: TestingAgency
    other_lab: TestingAgency
    outside: Enterprise
    food_maker: Enterprise
    users: dict[str, object] = field(default_factory=dict)

    @property
    def maojian(self) -> Enterprise:
        return self.registry.maojian

    def user(self, name: str):
        """Cached accounts: ``lab`` and ``other_lab`` (lab accounts), ``maojian`` and
        ``zhangwan`` (enterprise accounts), ``staff`` (茅箭区 county staff)."""
        if name not in self.users:
            if name == "staff":
                self.users[name] = make_user(Role.COUNTY_STAFF, region_code="420302")
            elif name in ("lab", "other_lab"):
                self.users[name] = make_user(Role.LAB, organisation=getattr(self, name))
            else:
                self.users[name] = make_user(Role.ENTERPRISE, organisation=getattr(self.registry, name))
        return self.users[name]


def make_plan(*, code="SY-MJ-2024-01", year=2024, level="county", region_code="420302", department_code="mj-amr", kind="routine",
              place="factory", on=PLAN_DAY, approve=True, publish=True, **extra) -> tuple[SamplingPlan, dict[str, TestItem]]:
    """A complete county plan (auto parts and drinks), approved and published by SYSTEM (unless told not to)."""
    with as_system("测试抽查计划"):
        plan = plans.create_plan(
            actor=SYSTEM, code=code, title=f"{year}年{code}产品质量监督抽查计划", year=year, level=level, region=region(region_code),
            department=department(department_code) if department_code else None, kind=kind, place=place,
            categories=[category("auto-parts"), category("food-drinks")], **extra,
        )
        items = {
            "hardness": plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="硬度", direction="range",
                                            standard="QC/T 316-2023", clause="4.2", unit="HBW", limit_low=180, limit_high=240),
            "marking": plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="标志", direction="qualitative",
                                           standard="QC/T 316-2023", clause="6.1", requirement="应有永久性标志"),
            "runout": plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="径向跳动", direction="max",
                                          unit="mm", limit_high="0.05"),
            "colonies": plans.add_test_item(actor=SYSTEM, plan=plan, category=category("food-drinks"), name="菌落总数", direction="max",
                                            standard="GB 19298-2014", unit="CFU/mL", limit_high=100),
        }
        county = plan.region if plan.region.level in ("county", "zone") else region("420302")
        plans.set_quota(actor=SYSTEM, plan=plan, region=county, category=category("auto-parts"), quantity=2)
        plans.set_quota(actor=SYSTEM, plan=plan, region=county, category=category("food-drinks"), quantity=1)
        if approve:
            plans.approve_plan(actor=SYSTEM, plan=plan, on=on)
        if approve and publish:
            plans.publish_plan(actor=SYSTEM, plan=plan, on=on)
    return plan, items


def build_world(**plan_options) -> World:
    registry = build_registry()
    with as_system("测试抽查数据"):
        second = registry_services.save_inspector(
            actor=SYSTEM, name="陈刚", department=department("mj-amr"), region=region("420302"), certificate_number="42030200109",
            qualifications=["enforcement", "sampling"],
        )
        other_lab = registry_services.save_agency(
            actor=SYSTEM, name="湖北省产品质量监督检验研究院", uscc=make_uscc("12420000MB1A2B3D5"), cma_number="221712340999",
            region=region("420302"), monthly_capacity=500, categories=[category("auto"), category("food")],
        )
        outside = registry_services.create_enterprise(
            actor=SYSTEM, uscc=make_uscc("91330106MA2B3C4D5"), name="浙江瑞安精密汽配有限公司", region=region("X00000"),
            address="浙江省瑞安市塘下镇", categories=[category("auto-parts")],
        )
        food_maker = registry_services.create_enterprise(
            actor=SYSTEM, uscc=make_uscc("91420302MA4A1B2F6"), name="十堰武当泉饮品有限公司", region=region("420302"),
            address="十堰市茅箭区五堰街道", categories=[category("food-drinks")],
        )
    plan, items = make_plan(**plan_options)
    return World(registry, plan, items, [registry.maojian_inspector, second], registry.agency, other_lab, outside, food_maker)


def make_task(world: World, enterprise=None, *, plan=None, category_code="auto-parts", product=None) -> SamplingTask:
    """A drawn task (written directly: the draw engine has its own tests)."""
    enterprise = enterprise or world.maojian
    plan = plan or world.plan
    with as_system("测试抽查任务"):
        task = SamplingTask.objects.create(
            plan=plan, enterprise=enterprise, category=category(category_code), region=enterprise.region, department=plan.department,
            product=product, lab=world.lab,
        )
        task.inspectors.set(world.inspectors)
    return task


def register(world: World, *, actor=SYSTEM, **data):
    """A factory sample of 茅箭's 精工 制动鼓 JG-3502 by default."""
    values = {"plan": world.plan, "sampled_on": SAMPLED_ON, "product": world.registry.product, "inspectors": world.inspectors,
              "region": region("420302"), "price_paid": "120.00"}
    values.update(data)
    with acting(actor):
        return samples.register_sample(actor=actor, **values)


AUTO_ITEMS = {"hardness": "硬度", "marking": "标志", "runout": "径向跳动"}


def good_auto_results(world: World, plan=None, **measured) -> list[dict]:
    """Results for the auto-parts items of ``plan`` (default: the world's plan); all pass
    unless ``measured`` says otherwise."""
    values = {"hardness": "205", "marking": "符合", "runout": "0.03"}
    values.update(measured)
    if plan is None or plan.pk == world.plan.pk:
        items = world.items
    else:
        items = {key: TestItem.objects.get(plan=plan, name=name) for key, name in AUTO_ITEMS.items()}
    return [{"item": items[key], "measured": value} for key, value in values.items()]


def through_lab(world: World, sample, *, results=None, sent_on=D(2024, 4, 11), received_on=D(2024, 4, 12), issued_on=D(2024, 4, 25),
                report_no=None):
    """Send, receive, report and issue; returns the issued report."""
    with as_system():
        samples.send_sample(actor=SYSTEM, sample=sample, lab=world.lab, on=sent_on)
    lab_user = world.user("lab")
    with acting(lab_user):
        samples.receive_sample(actor=lab_user, sample=sample, on=received_on, condition="封条完好")
        report = samples.save_report(actor=lab_user, sample=sample, report_no=report_no or f"BG-{sample.sample_no}",
                                     results=results if results is not None else good_auto_results(world, sample.plan),
                                     tested_on=received_on)
        samples.issue_report(actor=lab_user, report=report, on=issued_on)
    sample.refresh_from_db()
    return report


def failing_sample(world: World, *, notified_on=D(2024, 4, 26), method="account", **data):
    """A registered, tested, failing (硬度 260) and notified sample."""
    sample = register(world, **data)
    through_lab(world, sample, results=good_auto_results(world, sample.plan, hardness="260"))
    with as_system():
        samples.notify_result(actor=SYSTEM, sample=sample, on=notified_on, method=method)
    sample.refresh_from_db()
    return sample
