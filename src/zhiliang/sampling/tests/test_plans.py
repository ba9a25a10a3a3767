"""Plans through their services: defaults from the rules, validation of test items and quotas,
approval (complete plans only, by someone other than the author), publication, scope."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from zhiliang.core import search
from zhiliang.core import services as core_services
from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.models import DomainEvent
from zhiliang.enterprises.tests.views_data import category
from zhiliang.sampling.choices import PlanStatus
from zhiliang.sampling.models import Quota, SamplingPlan, TestItem
from zhiliang.sampling.search_kinds import PLAN_KIND
from zhiliang.sampling.services import plans
from zhiliang.testing.fixtures import as_system, department, make_user, region

from .samples_data import acting, make_plan

pytestmark = pytest.mark.django_db
D = datetime.date


def draft(actor=SYSTEM, **extra) -> SamplingPlan:
    data = {"code": "SY-MJ-2024-01", "title": "2024年茅箭区产品质量监督抽查计划", "year": 2024, "level": "county",
            "region": region("420302"), "department": department("mj-amr"), "categories": [category("auto-parts")]}
    data.update(extra)
    with acting(actor):
        return plans.create_plan(actor=actor, **data)


def test_a_new_plan_takes_the_risk_ratios_of_the_rule_in_percent():
    plan = draft()
    assert plan.status == PlanStatus.DRAFT
    assert plan.risk_ratios == {"A": 5, "B": 10, "C": 30, "D": 60}
    event = DomainEvent.objects.get(name="sampling.plan_created")
    assert event.payload["plan"] == "SY-MJ-2024-01" and event.payload["categories"] == ["auto-parts"]
    assert event.region.code == "420302"


def test_the_ratios_follow_the_rule_in_force_for_the_plan_year():
    with as_system():
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_SAMPLING_CREDIT_CLASS_RATIOS", value={"A": 3, "B": 12, "C": 40, "D": 80},
                                        effective_from=D(2025, 1, 1), reason="县级规则")
    assert draft(code="P-2024").risk_ratios == {"A": 5, "B": 10, "C": 30, "D": 60}
    assert draft(code="P-2025", year=2025).risk_ratios == {"A": 3, "B": 12, "C": 40, "D": 80}


@pytest.mark.parametrize("ratios, message", [
    ({"A": 5, "B": 10, "C": 30}, "须且只能包含 A、B、C、D 四类"),
    ({"A": 5, "B": 10, "C": 30, "D": 160}, "D 类的抽查比例须在 0 至 100"),
    ({"A": 5, "B": "十", "C": 30, "D": 60}, "B 类的抽查比例“十”不是数值"),
    ({"A": 50, "B": 10, "C": 30, "D": 60}, "A 类最低、D 类最高"),
])
def test_bad_risk_ratios_are_refused(ratios, message):
    with pytest.raises(ValidationError) as err:
        draft(risk_ratios=ratios)
    assert message in err.value.message_dict["risk_ratios"][0]
    assert not SamplingPlan.objects.exists()


def test_the_organiser_must_fit_the_level_and_the_code_be_unique():
    with pytest.raises(ValidationError, match="县级抽查计划的组织区划应为县市区、功能区"):
        draft(region=region("420300"), department=department("sy-amr"))
    with pytest.raises(ValidationError, match="组织部门“张湾区市场监督管理局”不属于组织区划“茅箭区”"):
        draft(department=department("zw-amr"))
    with pytest.raises(ValidationError, match="结束日期 2024-01-01 早于开始日期 2024-06-01"):
        draft(starts_on=D(2024, 6, 1), ends_on=D(2024, 1, 1))
    with pytest.raises(ValidationError, match="开始日期 2030-01-01 与计划年度 2024 年不符"):
        draft(starts_on=D(2030, 1, 1), ends_on=D(2030, 12, 31))
    with pytest.raises(ValidationError, match="年度 1900 无效：应在 2000 至 2100 之间"):
        draft(year=1900)
    draft()
    with pytest.raises(ValidationError, match="计划编号“SY-MJ-2024-01”已被使用"):
        draft()
    city = draft(code="SY-2024", level="city", region=region("420300"), department=department("sy-amr"))
    assert city.level == "city"


@pytest.mark.parametrize("direction, low, high, requirement, message", [
    ("max", None, None, "", "按“不大于限值”判定，须填写上限"),
    ("max", 1, 5, "", "只填上限；有上下限的请选“在范围内”"),
    ("min", None, 5, "", "按“不小于限值”判定，须填写下限"),
    ("range", 10, None, "", "须同时填写下限和上限"),
    ("range", 10, 5, "", "下限 10 大于上限 5"),
    ("qualitative", None, 1, "应有标志", "为定性项目，不填数值限值"),
    ("qualitative", None, None, "", "须填写技术要求"),
    ("max", None, "abc", "", "上限“abc”不是数值"),
    ("sideways", None, 1, "", "判定方向“sideways”无效"),
])
def test_a_test_item_limits_must_fit_its_direction(direction, low, high, requirement, message):
    plan = draft()
    with as_system(), pytest.raises(ValidationError) as err:
        plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="硬度", direction=direction,
                            limit_low=low, limit_high=high, requirement=requirement)
    assert message in str(err.value) and "检验项目“硬度”" in str(err.value)
    assert not TestItem.objects.exists()


def test_test_items_belong_to_the_plan_categories_and_are_ordered():
    plan = draft()
    with as_system():
        with pytest.raises(ValidationError, match="产品类别“饮料（含瓶装水）”不在抽查计划"):
            plans.add_test_item(actor=SYSTEM, plan=plan, category=category("food-drinks"), name="菌落总数", direction="max", limit_high=100)
        first = plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="硬度", direction="range",
                                    limit_low="180", limit_high="240", unit="HBW")
        second = plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="标志", direction="qualitative",
                                     requirement="应有永久性标志")
        with pytest.raises(ValidationError, match="已有检验项目“硬度”"):
            plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="硬度", direction="max", limit_high=1)
    assert (first.sort_order, second.sort_order) == (1, 2)
    first.refresh_from_db()
    assert (first.limit_low, first.limit_high) == (180, 240)


def test_quotas_go_to_counties_inside_the_plan_region():
    plan = draft()
    city = draft(code="SY-2024", level="city", region=region("420300"), department=department("sy-amr"))
    with as_system():
        with pytest.raises(ValidationError, match="“张湾区”不在抽查计划的组织区划“茅箭区”内"):
            plans.set_quota(actor=SYSTEM, plan=plan, region=region("420303"), category=category("auto-parts"), quantity=2)
        with pytest.raises(ValidationError, match="任务只能分配到县市区"):
            plans.set_quota(actor=SYSTEM, plan=city, region=region("420300"), category=category("auto-parts"), quantity=2)
        quota = plans.set_quota(actor=SYSTEM, plan=city, region=region("4203K1"), category=category("auto-parts"), quantity=3)
        assert quota.quantity == 3 and quota.region.code == "4203K1"
        assert plans.set_quota(actor=SYSTEM, plan=city, region=region("4203K1"), category=category("auto-parts"), quantity=5).pk == quota.pk
        assert Quota.objects.get(pk=quota.pk).quantity == 5
        assert plans.set_quota(actor=SYSTEM, plan=city, region=region("4203K1"), category=category("auto-parts"), quantity=0) is None
    assert not Quota.objects.filter(plan=city).exists()


def test_approval_needs_a_complete_plan():
    plan = draft(categories=[category("auto-parts"), category("food-drinks")])
    with as_system():
        with pytest.raises(ValidationError) as err:
            plans.approve_plan(actor=SYSTEM, plan=plan, on=D(2024, 3, 1))
        assert "以下类别没有检验项目：饮料（含瓶装水）、汽车零部件及配件" in str(err.value)
        assert "未分配任务" in str(err.value)
        plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="硬度", direction="max", limit_high=240)
        plans.add_test_item(actor=SYSTEM, plan=plan, category=category("food-drinks"), name="菌落总数", direction="max", limit_high=100)
        plans.set_quota(actor=SYSTEM, plan=plan, region=region("420302"), category=category("auto-parts"), quantity=1)
        plans.approve_plan(actor=SYSTEM, plan=plan, on=D(2024, 3, 1))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_on == D(2024, 3, 1)


def test_the_author_cannot_approve_their_own_plan(county_user):
    author = county_user
    colleague = make_user(Role.COUNTY_STAFF, region_code="420302", username="maojian-chief")
    plan = draft(actor=author)
    with acting(author):
        plans.add_test_item(actor=author, plan=plan, category=category("auto-parts"), name="硬度", direction="max", limit_high=240)
        plans.set_quota(actor=author, plan=plan, region=region("420302"), category=category("auto-parts"), quantity=1)
        with pytest.raises(PermissionDenied, match="须由拟订人以外的人员批准"):
            plans.approve_plan(actor=author, plan=plan, on=D(2024, 3, 1))
    with acting(colleague):
        plans.approve_plan(actor=colleague, plan=plan, on=D(2024, 3, 2))
    plan.refresh_from_db()
    assert plan.approved_by == colleague and plan.status == PlanStatus.APPROVED


def test_another_county_cannot_plan_for_ours(county_user, other_county_user):
    with pytest.raises(PermissionDenied):
        draft(actor=other_county_user)
    plan = draft(actor=county_user)
    with acting(other_county_user), pytest.raises(PermissionDenied):
        plans.update_plan(actor=other_county_user, plan=plan, title="张湾改的标题")
    with acting(county_user), pytest.raises(PermissionDenied):
        plans.update_plan(actor=county_user, plan=plan, region=region("420303"), department=None)  # moving it out of scope
    plan.refresh_from_db()
    assert plan.region.code == "420302" and plan.title == "2024年茅箭区产品质量监督抽查计划"


def test_update_changes_a_draft_only_and_dropping_a_category_drops_its_items_and_quotas():
    approved, _ = make_plan(publish=False)
    with as_system():
        with pytest.raises(ValidationError, match="已批准，不能修改"):
            plans.update_plan(actor=SYSTEM, plan=approved, title="新标题")
    plan = draft(code="SY-MJ-2024-10", categories=[category("auto-parts"), category("food-drinks")])
    with as_system():
        plans.add_test_item(actor=SYSTEM, plan=plan, category=category("food-drinks"), name="菌落总数", direction="max", limit_high=100)
        plans.set_quota(actor=SYSTEM, plan=plan, region=region("420302"), category=category("food-drinks"), quantity=1)
        plans.update_plan(actor=SYSTEM, plan=plan, title=" 修订后的计划 ", categories=[category("auto-parts")])
    plan.refresh_from_db()
    assert plan.title == "修订后的计划"
    assert list(plan.categories.values_list("code", flat=True)) == ["auto-parts"]
    assert not TestItem.objects.filter(plan=plan).exists() and not Quota.objects.filter(plan=plan).exists()
    event = DomainEvent.objects.get(name="sampling.plan_changed", subject_id=str(plan.pk), payload__change="plan")
    assert event.payload["fields"] == ["title", "categories"] and event.payload["removed_categories"] == ["food-drinks"]
    with as_system(), pytest.raises(ValidationError, match="不可修改的字段：status"):
        plans.update_plan(actor=SYSTEM, plan=plan, status="published")


def test_publication_makes_the_plan_public_and_close_ends_it():
    plan, _ = make_plan(publish=False)
    anonymous = AnonymousUser()
    assert not SamplingPlan.objects.restrict(anonymous).filter(pk=plan.pk).exists()
    assert search.search(plan.title[:6], kinds=[PLAN_KIND]).hits == []
    with as_system():
        with pytest.raises(ValidationError, match="公告日期 2024-02-01 早于批准日期 2024-03-01"):
            plans.publish_plan(actor=SYSTEM, plan=plan, on=D(2024, 2, 1))
        with pytest.raises(ValidationError, match="只有已公告的计划可以完成"):
            plans.close_plan(actor=SYSTEM, plan=plan, on=D(2024, 12, 31))
        plans.publish_plan(actor=SYSTEM, plan=plan, on=D(2024, 3, 5))
    assert SamplingPlan.objects.restrict(anonymous).filter(pk=plan.pk).exists()
    # the public search finds the plan's notice once it is published, not before
    assert [h.object_id for h in search.search(plan.title[:6], kinds=[PLAN_KIND]).hits] == [str(plan.pk)]
    event = DomainEvent.objects.get(name="sampling.plan_published")
    assert event.is_public and event.payload["published_on"] == "2024-03-05"
    with as_system():
        with pytest.raises(ValidationError, match="已公告，只有已批准的计划可以公告"):
            plans.publish_plan(actor=SYSTEM, plan=plan, on=D(2024, 3, 6))
        plans.close_plan(actor=SYSTEM, plan=plan, on=D(2024, 12, 31))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    assert DomainEvent.objects.filter(name="sampling.plan_closed", subject_id=str(plan.pk)).exists()


def test_remove_test_item_while_draft():
    plan = draft()
    with as_system():
        item = plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="硬度", direction="max", limit_high=240)
        plans.remove_test_item(actor=SYSTEM, item=item)
    assert not TestItem.objects.filter(plan=plan).exists()
