"""The pools built from the registry (``sampling.pools``): who is in the enterprise, inspector
and lab pools, who is excluded and why (the reason is written in the pool file)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from zhiliang.core.audit import SYSTEM
from zhiliang.enterprises.models import Enterprise
from zhiliang.sampling import pools
from zhiliang.sampling.choices import TaskStatus
from zhiliang.sampling.models import SamplingTask
from zhiliang.sampling.services import draws
from zhiliang.testing.fixtures import as_system

from .draw_data import D, conflict, earlier_sample, enterprise, inspector, lab, line_of, plan, pool_lines, product, provincial_plan

pytestmark = pytest.mark.django_db


def key(e: Enterprise) -> str:
    return e.search_key


# --- the enterprise pool ---------------------------------------------------------------------------------


def test_the_enterprise_pool_holds_the_quota_regions_enterprises_of_the_category_by_category_or_product():
    by_category = enterprise("十堰甲汽配有限公司")
    by_product = enterprise("十堰乙机械有限公司", categories=())
    product(by_product, name="制动蹄", model="ZD-1")
    elsewhere = enterprise("张湾丙汽配有限公司", region_code="420303")
    other_category = enterprise("十堰丁饮品有限公司", categories=("food-drinks",))
    no_uscc = enterprise("十堰戊汽配经营部", uscc=False)
    built = pools.enterprise_pool(plan("SY-MJ-2026-01"), D(2026, 3, 2))
    keys = {x["key"]: x for x in pool_lines(built.data)}
    assert set(keys) == {key(by_category), key(by_product), key(no_uscc)}
    assert keys[key(by_category)]["stratum"] == "420302|auto-parts|B"
    assert key(no_uscc) == f"enterprise:{no_uscc.pk}" and keys[key(no_uscc)]["name"] == "十堰戊汽配经营部"
    assert keys[key(by_product)]["sub"] == [f"product:{by_product.products.get().pk}"]
    assert key(elsewhere) not in keys and key(other_category) not in keys
    assert (built.eligible, built.excluded) == (3, 0)
    assert built.header["quotas"] == {"420302|auto-parts": 2}
    assert built.header["ratios"] == {"A": "0.05", "B": "0.1", "C": "0.3", "D": "0.6"}


def test_a_quota_of_a_broad_category_takes_its_sub_categories():
    drinks = enterprise("十堰泉水饮品有限公司", categories=("food-drinks",))
    tea = enterprise("十堰武当茶业有限公司", categories=("food-tea",))
    built = pools.enterprise_pool(plan("SY-MJ-2026-02", quotas={("420302", "food"): 3}), D(2026, 3, 2))
    assert {x["stratum"] for x in pool_lines(built.data)} == {"420302|food|B"}
    assert {x["key"] for x in pool_lines(built.data)} == {key(drinks), key(tea)}


def test_an_enterprise_not_in_operation_is_listed_as_excluded_with_its_status():
    enterprise("十堰甲汽配有限公司")
    revoked = enterprise("十堰吊销汽配有限公司", status="revoked")
    built = pools.enterprise_pool(plan("SY-MJ-2026-03"), D(2026, 3, 2))
    assert line_of(built.data, key(revoked))["excluded"] == "不在经营：登记状态为吊销"
    assert (built.eligible, built.excluded) == (1, 1)


def test_credit_classes_come_from_the_registered_provider_and_default_to_b():
    a = enterprise("十堰守信汽配有限公司")
    d = enterprise("十堰高风险汽配有限公司")
    b = enterprise("十堰普通汽配有限公司")
    pools.register_credit_class_provider(lambda ids, on: {a.pk: "A", d.pk: "D"})
    try:
        built = pools.enterprise_pool(plan("SY-MJ-2026-04"), D(2026, 3, 2))
        assert {x["key"]: x["stratum"] for x in pool_lines(built.data)} == {
            key(a): "420302|auto-parts|A", key(d): "420302|auto-parts|D", key(b): "420302|auto-parts|B"}
        pools.register_credit_class_provider(lambda ids, on: {a.pk: "E"})
        with pytest.raises(ValueError, match="信用风险分类只能是"):
            pools.enterprise_pool(plan("SY-MJ-2026-05"), D(2026, 3, 2))
    finally:
        pools.register_credit_class_provider(None)


def test_the_plans_ratios_in_percent_become_exact_fractions_in_the_header():
    enterprise("十堰甲汽配有限公司")
    built = pools.enterprise_pool(plan("SY-MJ-2026-06", risk_ratios={"A": 2.5, "B": 10, "C": 40, "D": 100}), D(2026, 3, 2))
    assert built.header["ratios"] == {"A": "0.025", "B": "0.1", "C": "0.4", "D": "1"}


def test_an_enterprise_that_refused_sampling_within_a_year_is_a_priority_item():
    refuser = enterprise("十堰拒检汽配有限公司")
    long_ago = enterprise("十堰旧事汽配有限公司")
    other = enterprise("十堰普通汽配有限公司")
    earlier = plan("SY-MJ-2025-09", year=2025)
    with as_system():
        SamplingTask.objects.create(plan=earlier, enterprise=refuser, category=refuser.categories.get(), region=refuser.region,
                                    status=TaskStatus.REFUSED, refused_on=D(2025, 6, 1))
        SamplingTask.objects.create(plan=earlier, enterprise=long_ago, category=long_ago.categories.get(), region=long_ago.region,
                                    status=TaskStatus.REFUSED, refused_on=D(2025, 3, 1))
    built = pools.enterprise_pool(plan("SY-MJ-2026-07"), D(2026, 3, 2))
    assert line_of(built.data, key(refuser))["priority"] == 1
    assert line_of(built.data, key(long_ago))["priority"] == 0
    assert line_of(built.data, key(other))["priority"] == 0


# --- the 6-month repeat ban ----------------------------------------------------------------------------------


@pytest.fixture
def sampled_by_the_province():
    """The issue's example: 精工 制动鼓 JG-3502 (QC/T 316-2023) sampled by the province on 2020-01-10."""
    maker = enterprise("十堰东风精工汽车零部件有限公司")
    drum = product(maker)
    earlier_sample(of=provincial_plan(), producer=maker, made=drum, on=D(2020, 1, 10))
    return maker, drum


def test_a_provincial_result_bars_a_county_plan_through_the_same_day_six_months_later(sampled_by_the_province):
    maker, _ = sampled_by_the_province
    county = plan("SY-MJ-2020-01", year=2020)
    for day in (D(2020, 6, 30), D(2020, 7, 10)):
        reason = line_of(pools.enterprise_pool(county, day).data, key(maker))["excluded"]
        assert reason.startswith("6个月内不得重复抽查：该企业本类唯一的已登记产品已于 2020-01-10 被省级抽查")
        assert "2020-07-10（含）前不得再次抽查" in reason
    assert line_of(pools.enterprise_pool(county, D(2020, 7, 11)).data, key(maker))["excluded"] == ""


def test_a_follow_up_plan_is_exempt_from_the_ban(sampled_by_the_province):
    maker, drum = sampled_by_the_province
    follow_up = plan("SY-MJ-2020-02", year=2020, kind="follow_up")
    line = line_of(pools.enterprise_pool(follow_up, D(2020, 3, 2)).data, key(maker))
    assert line["excluded"] == "" and line["sub"] == [f"product:{drum.pk}"]


def test_a_city_result_does_not_bar_a_county_plan_of_another_authority():
    maker = enterprise("十堰甲汽配有限公司")
    drum = product(maker)
    city = plan("SY-2020-01", level="city", region_code="420300", department_code="sy-amr", quotas={("420303", "auto-parts"): 1}, year=2020)
    earlier_sample(of=city, producer=maker, made=drum, on=D(2020, 1, 10))
    assert line_of(pools.enterprise_pool(plan("SY-MJ-2020-03", year=2020), D(2020, 3, 2)).data, key(maker))["excluded"] == ""


def test_only_the_barred_product_leaves_the_pool_when_the_enterprise_has_others(sampled_by_the_province):
    maker, drum = sampled_by_the_province
    shoe = product(maker, name="制动蹄", model="ZD-7")
    line = line_of(pools.enterprise_pool(plan("SY-MJ-2020-04", year=2020), D(2020, 3, 2)).data, key(maker))
    assert line["excluded"] == "" and line["sub"] == [f"product:{shoe.pk}"]


def test_the_same_product_without_a_standard_in_the_bulletin_is_still_the_same_product():
    maker = enterprise("十堰甲汽配有限公司")
    drum = product(maker)
    earlier_sample(of=provincial_plan(), producer=maker, on=D(2020, 1, 10), trademark="精工", model="JG 3502", standard="")
    reason = line_of(pools.enterprise_pool(plan("SY-MJ-2020-05", year=2020), D(2020, 3, 2)).data, key(maker))["excluded"]
    assert reason.startswith("6个月内不得重复抽查：该企业本类唯一的已登记产品已于 2020-01-10 被省级抽查")
    assert drum.brand == "精工"


def test_an_enterprise_without_registered_products_is_barred_in_the_category_it_was_sampled_in():
    maker = enterprise("十堰甲汽配有限公司", categories=("auto-parts", "food-drinks"))
    earlier_sample(of=provincial_plan(), producer=maker, on=D(2020, 1, 10), trademark="无", model="散装", standard="")
    county = plan("SY-MJ-2020-06", year=2020, quotas={("420302", "auto-parts"): 1, ("420302", "food-drinks"): 1})
    data = pools.enterprise_pool(county, D(2020, 3, 2)).data
    assert line_of(data, key(maker), "420302|auto-parts")["excluded"].startswith("6个月内不得重复抽查：该企业本类产品已于 2020-01-10")
    assert line_of(data, key(maker), "420302|food-drinks")["excluded"] == ""


def test_market_sampling_leaves_the_ban_to_the_registration_of_the_sample(sampled_by_the_province):
    maker, _ = sampled_by_the_province
    market = plan("SY-MJ-2020-07", year=2020, place="market")
    line = line_of(pools.enterprise_pool(market, D(2020, 3, 2)).data, key(maker))
    assert line["excluded"] == "" and line["sub"] == []  # the product is chosen on site


# --- inspectors and labs ---------------------------------------------------------------------------------------


def drawn_tasks(made_plan, on=D(2026, 3, 2)):
    with as_system():
        frozen = draws.freeze_enterprise_pool(actor=SYSTEM, plan=made_plan, on=on)
        drawn = draws.run_draw(actor=SYSTEM, draw=frozen, public_value="1")
    return drawn, pools.task_rows(SamplingTask.objects.filter(draw=drawn))


def test_the_inspector_pool_excludes_conflicts_of_interest_and_when_asked_the_enterprises_own_county():
    maker = enterprise("十堰甲汽配有限公司")
    local_a, local_b = inspector("周明"), inspector("陈刚")
    far_a = inspector("吴刚", region_code="420303", department_code="zw-amr")
    far_b = inspector("郑强", region_code="420303", department_code="zw-amr")
    far_c = inspector("孙立", region_code="420303", department_code="zw-amr")
    inspector("退休人员", active=False)
    conflict(maker, person=far_c, reason="配偶在该企业任职")
    made_plan = plan("SY-MJ-2026-10", exclude_local_inspectors=True, quotas={("420302", "auto-parts"): 1})
    enterprise_draw, tasks = drawn_tasks(made_plan)
    built = pools.inspector_pool(made_plan, tasks, D(2026, 3, 2), enterprise_draw.result_hash)
    reasons = {x["key"]: x["excluded"] for x in pool_lines(built.data)}
    assert reasons == {
        f"inspector:{local_a.pk}": "回避：与企业同属茅箭区", f"inspector:{local_b.pk}": "回避：与企业同属茅箭区",
        f"inspector:{far_a.pk}": "", f"inspector:{far_b.pk}": "", f"inspector:{far_c.pk}": "利益冲突：配偶在该企业任职",
    }
    assert built.header["per_stratum"] == 2 and built.header["based_on"] == enterprise_draw.result_hash
    assert {x["stratum"] for x in pool_lines(built.data)} == {f"{maker.search_key}|auto-parts"}


def test_too_few_inspectors_left_is_refused_naming_the_enterprise():
    maker = enterprise("十堰甲汽配有限公司")
    only = inspector("周明")
    conflicted = inspector("陈刚")
    conflict(maker, person=conflicted)
    made_plan = plan("SY-MJ-2026-11", quotas={("420302", "auto-parts"): 1})
    enterprise_draw, tasks = drawn_tasks(made_plan)
    with pytest.raises(ValidationError) as refused:
        pools.inspector_pool(made_plan, tasks, D(2026, 3, 2), enterprise_draw.result_hash)
    message = refused.value.message_dict["inspectors"][0]
    assert message.startswith("企业“十堰甲汽配有限公司”（汽车零部件及配件）可抽取的执法检查人员只有 1 名，少于规定的 2 名")
    assert "名录库在岗 2 名，因利益冲突排除 1 名" in message and only.is_active


def test_the_lab_pool_keeps_only_accredited_labs_with_capacity_and_no_conflict_and_not_the_last_lab():
    maker = enterprise("十堰甲汽配有限公司")
    drum = product(maker)
    good = lab("十堰市产品质量监督检验所", categories=("auto",))
    expired = lab("过期检测所", valid_until=D(2026, 1, 31))
    food_only = lab("食品检测中心", categories=("food",))
    full = lab("满负荷检测所", capacity=0)
    conflicted = lab("关联检测所")
    last_time = lab("上次检测所")
    lab("停用检测所", active=False)
    conflict(maker, agency=conflicted, reason="该机构曾为企业提供咨询")
    earlier = plan("SY-MJ-2025-01", year=2025)
    previous = earlier_sample(of=earlier, producer=maker, made=drum, on=D(2025, 5, 6), tested_by=last_time)
    made_plan = plan("SY-MJ-2026-12", quotas={("420302", "auto-parts"): 1})
    enterprise_draw, tasks = drawn_tasks(made_plan)
    built = pools.lab_pool(made_plan, tasks, D(2026, 3, 2), enterprise_draw.result_hash)
    reasons = {x["key"]: x["excluded"] for x in pool_lines(built.data)}
    assert reasons == {
        f"lab:{good.pk}": "",
        f"lab:{expired.pk}": "资质认定证书已于 2026-01-31 到期",
        f"lab:{food_only.pk}": "资质认定范围不含汽车零部件及配件",
        f"lab:{full.pk}": "本月检测能力已满（已安排 0 批次，月检测能力 0 批次）",
        f"lab:{conflicted.pk}": "利益冲突：该机构曾为企业提供咨询",
        f"lab:{last_time.pk}": f"该企业上次同类抽查（样品编号 {previous.sample_no}）由该机构检验，不得连续两次由同一机构承检",
    }
    assert built.header["per_stratum"] == 1 and built.header["capacity"] == {f"lab:{good.pk}": 100}


def test_no_lab_left_for_an_enterprise_is_refused_naming_it():
    enterprise("十堰甲汽配有限公司")
    lab("食品检测中心", categories=("food",))
    made_plan = plan("SY-MJ-2026-13", quotas={("420302", "auto-parts"): 1})
    enterprise_draw, tasks = drawn_tasks(made_plan)
    with pytest.raises(ValidationError) as refused:
        pools.lab_pool(made_plan, tasks, D(2026, 3, 2), enterprise_draw.result_hash)
    assert refused.value.message_dict["lab"][0].startswith("企业“十堰甲汽配有限公司”（汽车零部件及配件）没有可抽取的检验检测机构")


def test_the_enterprise_pool_file_is_canonical(sampled_by_the_province):
    """The builder writes its lines itself (for speed): the strict reader, which compares each
    line with ``draw.item_line``, must read back exactly what the fast reader reads."""
    from zhiliang.sampling import draw

    maker, _ = sampled_by_the_province
    product(maker, name="制动蹄", model="ZD-7")
    product(maker, name="轮毂", model="LG-1")
    enterprise("十堰\"引号\"\\汽配有限公司")
    enterprise("十堰注销汽配有限公司", status="cancelled")
    enterprise("十堰无码汽配经营部", uscc=False)
    data = pools.enterprise_pool(plan("SY-MJ-2020-08", year=2020), D(2020, 3, 2)).data
    assert draw.parse_pool(data, strict=True).strata == draw.parse_pool(data).strata
