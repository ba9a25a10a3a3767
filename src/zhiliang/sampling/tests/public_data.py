"""Published and unpublished sampling records for the public-page tests, built through the
services: plans (``samples_data.make_plan``), the enterprise and inspector draws
(``services.draws``), bulletins (``services.bulletins``); the results themselves are rows
(``results_data.add``), as in the statistics tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from zhiliang.core.audit import SYSTEM
from zhiliang.enterprises import services as registry_services
from zhiliang.enterprises.tests.views_data import Registry, build_registry
from zhiliang.sampling.choices import Level
from zhiliang.sampling.models import Bulletin, Draw, Sample, SamplingPlan
from zhiliang.sampling.services import draws
from zhiliang.sampling.services.bulletins import create_bulletin, publish_bulletin
from zhiliang.sampling.tests.results_data import add
from zhiliang.sampling.tests.samples_data import make_plan
from zhiliang.testing.fixtures import as_system, department, region

D = datetime.date
INSPECTOR_NAMES = ("周明", "陈刚")
LAB_NAME = "十堰市产品质量监督检验所"


@dataclass
class Published:
    registry: Registry
    plan: SamplingPlan            # published county plan (茅箭区), with test items and quotas
    draft_plan: SamplingPlan      # a draft: not public
    enterprise_draw: Draw         # published enterprise draw of ``plan`` (through ``services.draws``)
    inspector_draw: Draw          # published inspector draw (only hashes public)
    frozen_draw: Draw             # frozen pool of an approved, unpublished plan
    bulletin: Bulletin            # published: one pass (茅箭 精工 制动鼓) and one fail (张湾)
    draft_bulletin: Bulletin      # draft: its sample is not public
    passed: Sample
    failed: Sample
    unpublished: Sample


def build_published() -> Published:
    registry = build_registry()
    with as_system("测试抽取数据"):
        registry_services.save_inspector(actor=SYSTEM, name=INSPECTOR_NAMES[1], department=department("mj-amr"), region=region("420302"),
                                         certificate_number="42030200109", qualifications=["enforcement", "sampling"],
                                         phone="13907190000")
    plan, _items = make_plan()
    draft_plan, _ = make_plan(code="SY-MJ-2024-02", approve=False)
    approved_plan, _ = make_plan(code="SY-MJ-2024-03", publish=False)
    with as_system("测试抽取"):
        enterprise_draw = draws.freeze_enterprise_pool(actor=SYSTEM, plan=plan, on=D(2024, 3, 1))
        draws.run_draw(actor=SYSTEM, draw=enterprise_draw, public_value="20240301-福彩3D-527")
        inspector_draw = draws.draw_inspectors(actor=SYSTEM, enterprise_draw=enterprise_draw, public_value="20240301-福彩3D-527",
                                               on=D(2024, 3, 1))
        draws.publish_draw(actor=SYSTEM, draw=enterprise_draw)
        draws.publish_draw(actor=SYSTEM, draw=inspector_draw)
        frozen_draw = draws.freeze_enterprise_pool(actor=SYSTEM, plan=approved_plan, on=D(2024, 3, 1))
    for d in (enterprise_draw, inspector_draw, frozen_draw):
        d.refresh_from_db()

    passed = add(1, 0, level=Level.COUNTY, plan_obj=plan, on=D(2024, 4, 10), concluded_on=D(2024, 4, 25), producer=registry.maojian,
                 product_name="制动鼓", model="JG-3502", batch_no="2024-03-01", trademark="精工", sampled_unit_name=registry.maojian.name)[0]
    failed = add(0, 1, level=Level.COUNTY, plan_obj=plan, on=D(2024, 4, 12), concluded_on=D(2024, 4, 26), producer=registry.zhangwan,
                 product_name="制动蹄片", model="ZP-01", batch_no="20240302", failing_items=("摩擦系数", "标志"),
                 sampled_unit_name=registry.zhangwan.name, sample_region="420302")[0]
    with as_system("测试结果公告"):
        bulletin = create_bulletin(actor=SYSTEM, plan=plan, number="茅市监抽〔2024〕1号", title="2024年茅箭区产品质量监督抽查结果公告",
                                   samples=[passed, failed])
        publish_bulletin(actor=SYSTEM, bulletin=bulletin, on=D(2024, 5, 10))
    unpublished = add(0, 1, level=Level.COUNTY, plan_obj=plan, on=D(2024, 4, 15), concluded_on=D(2024, 4, 28), producer=registry.maojian,
                      product_name="未公告的刹车片", model="SP-9", failing_items=("耐磨性",))[0]
    with as_system("测试结果公告"):
        draft_bulletin = create_bulletin(actor=SYSTEM, plan=plan, number="茅市监抽〔2024〕2号", title="2024年茅箭区第二批抽查结果公告（草拟）",
                                         samples=[unpublished])
    bulletin.refresh_from_db()
    return Published(registry, plan, draft_plan, enterprise_draw, inspector_draw, frozen_draw, bulletin, draft_bulletin,
                     passed, failed, unpublished)
