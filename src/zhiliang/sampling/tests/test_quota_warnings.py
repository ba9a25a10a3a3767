"""A quota (任务分配) larger than the enterprises the draw could find for it is accepted — the
county may register more — but said: the plan's page and the saved quota warn "茅箭区 饮料 配额
4 家，符合条件的企业仅 1 家".  The count is the pool's (``sampling.pools``): in operation, in the
county, having the category (or one below it) as a main category or by a registered product."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from zhiliang.core.audit import SYSTEM
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services as registry_services
from zhiliang.enterprises.tests.views_data import category
from zhiliang.sampling import selectors
from zhiliang.sampling.models import Quota
from zhiliang.sampling.services import plans
from zhiliang.testing.fixtures import as_system, region

from .samples_data import build_world, make_plan

pytestmark = pytest.mark.django_db

AUTO = "汽车零部件及配件"
DRINKS = "饮料（含瓶装水）"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def draft(world):
    """A 茅箭区 draft plan: auto parts × 2 (one enterprise has them), drinks × 1 (one of two
    makers in operation)."""
    plan, _ = make_plan(code="SY-MJ-2024-DRAFT", approve=False)
    return plan


def set_quota(plan, code, quantity, county="420302"):
    with as_system():
        return plans.set_quota(actor=SYSTEM, plan=plan, region=region(county), category=category(code), quantity=quantity)


def warnings(plan) -> list[str]:
    return [s.message for s in selectors.quota_shortfalls(plan)]


def test_the_counts_are_the_pools_enterprises(draft, world):
    counts = selectors.eligible_enterprise_counts(draft.quotas.select_related("region", "category"))
    by_category = {q.category.code: counts[q.pk] for q in draft.quotas.select_related("category")}
    # auto parts: 精工 (by its main category and its product); 张湾's is in another county, the
    # one outside Shiyan in none; drinks: 武当泉 — 东风山泉 is revoked
    assert by_category == {"auto-parts": 1, "food-drinks": 1}
    with as_system():
        # a maker known only by its registered products counts, once
        maker = registry_services.create_enterprise(actor=SYSTEM, uscc=make_uscc("91420302MA4A9C8D7"), name="十堰茅箭制动器厂",
                                                    region=region("420302"), address="十堰市茅箭区")
        registry_services.save_product(actor=SYSTEM, enterprise=maker, category=category("auto-parts"), brand="茅箭", name="制动器",
                                       model="ZD-1", standards=["QC/T 239-2015"])
        registry_services.save_product(actor=SYSTEM, enterprise=maker, category=category("auto-parts"), brand="茅箭", name="制动蹄",
                                       model="ZD-2", standards=["QC/T 239-2015"])
    counts = selectors.eligible_enterprise_counts(draft.quotas.select_related("region", "category"))
    assert {q.category.code: counts[q.pk] for q in draft.quotas.select_related("category")} == {"auto-parts": 2, "food-drinks": 1}


def test_a_parent_category_counts_the_makers_of_the_ones_below_it(world):
    with as_system():
        plan = plans.create_plan(actor=SYSTEM, code="SY-MJ-2024-FOOD", title="2024年茅箭区食品监督抽查", year=2024, level="county",
                                 region=region("420302"), categories=[category("food")])
    set_quota(plan, "food", 3)
    assert warnings(plan) == ["茅箭区 食品及食品相关产品 配额 3 家，符合条件的企业仅 1 家"]  # 武当泉 (drinks)


def test_a_quota_beyond_the_registry_is_kept_and_warned_about(draft):
    assert warnings(draft) == [f"茅箭区 {AUTO} 配额 2 家，符合条件的企业仅 1 家"]
    quota = set_quota(draft, "food-drinks", 4)
    assert Quota.objects.get(pk=quota.pk).quantity == 4  # accepted, not capped
    # in the quota table's order (categories by their sort order: drinks before auto parts)
    assert warnings(draft) == [f"茅箭区 {DRINKS} 配额 4 家，符合条件的企业仅 1 家", f"茅箭区 {AUTO} 配额 2 家，符合条件的企业仅 1 家"]
    set_quota(draft, "auto-parts", 1)
    set_quota(draft, "food-drinks", 1)
    assert warnings(draft) == []


def test_a_county_without_any_such_enterprise_says_none(world):
    plan, _ = make_plan(code="SY-2024-CITY", level="city", region_code="420300", department_code="sy-amr", approve=False)
    set_quota(plan, "food-drinks", 2, county="420303")  # 张湾区 has no drinks maker
    assert f"张湾区 {DRINKS} 配额 2 家，符合条件的企业仅 0 家" in warnings(plan)


# --- on the pages -------------------------------------------------------------------------------------


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_saving_a_quota_beyond_the_registry_warns_and_the_plan_page_keeps_saying_it(draft, county_user):
    client = Client()
    client.force_login(county_user)
    auto = f"q_{region('420302').pk}_{category('auto-parts').pk}"
    drinks = f"q_{region('420302').pk}_{category('food-drinks').pk}"
    response = client.post(reverse("sampling:plan-quotas", args=[draft.pk]), {auto: "1", drinks: "4"}, follow=True)
    said = messages_of(response)
    assert any("已保存任务分配" in m for m in said)
    assert f"茅箭区 {DRINKS} 配额 4 家，符合条件的企业仅 1 家" in said
    assert not any(AUTO in m for m in said)  # 1 of 1: nothing to say
    assert Quota.objects.get(plan=draft, category=category("food-drinks")).quantity == 4
    html = client.get(reverse("sampling:plan-detail", args=[draft.pk])).content.decode()
    section = html[html.index('id="quotas"'):html.index('id="draws"')]
    assert 'id="quota-warnings"' in section and f"茅箭区 {DRINKS} 配额 4 家，符合条件的企业仅 1 家" in section
    assert f"{AUTO} 配额" not in section
    assert f"茅箭区 {DRINKS} 配额 4 家" in client.get(reverse("sampling:plan-quotas", args=[draft.pk])).content.decode()

    client.post(reverse("sampling:plan-quotas", args=[draft.pk]), {auto: "1", drinks: "1"})
    html = client.get(reverse("sampling:plan-detail", args=[draft.pk])).content.decode()
    assert 'id="quota-warnings"' not in html
