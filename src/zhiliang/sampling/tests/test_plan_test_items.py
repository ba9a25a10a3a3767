"""Test items (检验项目) of a plan: no negative limits, and a draft plan's items can be changed
and removed — through the services and from the plan's page, by those who may change the draft
(county staff of its county), POST only with the CSRF token, refused once the plan is approved,
and written to the change log."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from zhiliang.core.audit import SYSTEM
from zhiliang.core.models import DomainEvent, ObjectChange
from zhiliang.enterprises.tests.views_data import category
from zhiliang.sampling.models import TestItem
from zhiliang.sampling.services import plans
from zhiliang.testing.fixtures import as_system

from .samples_data import acting, build_world, make_plan

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def draft(world):
    plan, items = make_plan(code="SY-MJ-2024-DRAFT", approve=False)
    return plan, items


# --- no negative limits -----------------------------------------------------------------------------


@pytest.mark.parametrize("direction, low, high, field, label", [
    ("max", None, "-0.5", "limit_high", "上限"),
    ("min", "-1", None, "limit_low", "下限"),
])
def test_a_negative_content_limit_is_refused_naming_the_item_and_the_limit(draft, direction, low, high, field, label):
    plan, _ = draft
    with as_system(), pytest.raises(ValidationError) as err:
        plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="铅含量", direction=direction,
                            limit_low=low, limit_high=high)
    assert list(err.value.message_dict) == [field]
    assert f"检验项目“铅含量”的{label}不能为负数" in err.value.message_dict[field][0]
    assert not TestItem.objects.filter(plan=plan, name="铅含量").exists()


def test_a_deviation_judged_in_a_range_may_go_below_zero(draft):
    """外廓尺寸偏差 −1 %～+1 % (GB 21861): a tolerance, not a content."""
    plan, _ = draft
    with as_system():
        item = plans.add_test_item(actor=SYSTEM, plan=plan, category=category("auto-parts"), name="外廓尺寸偏差", direction="range",
                                   unit="%", limit_low="-1.0", limit_high="1.0")
    assert TestItem.objects.get(pk=item.pk).limit_low == -1


def test_a_zero_limit_is_a_limit(draft):
    plan, _ = draft
    with as_system():
        item = plans.add_test_item(actor=SYSTEM, plan=plan, category=category("food-drinks"), name="致病菌", direction="max", limit_high="0")
    assert TestItem.objects.get(pk=item.pk).limit_high == 0


# --- changing and removing through the service ----------------------------------------------------------


def test_a_draft_plans_item_is_changed_and_its_limits_checked_again(draft):
    plan, items = draft
    runout = items["runout"]
    with as_system():
        plans.update_test_item(actor=SYSTEM, item=runout, name=" 径向圆跳动 ", direction="range", standard="QC/T 316-2023",
                               clause="4.5", limit_low="0.01", limit_high="0.04")
        with pytest.raises(ValidationError) as err:
            plans.update_test_item(actor=SYSTEM, item=TestItem.objects.get(pk=runout.pk), direction="max", limit_low=None,
                                   limit_high="-0.04")
        assert "检验项目“径向圆跳动”的上限不能为负数" in err.value.message_dict["limit_high"][0]
        with pytest.raises(ValidationError, match="按“不大于限值”判定，只填上限"):
            plans.update_test_item(actor=SYSTEM, item=TestItem.objects.get(pk=runout.pk), direction="max")
        with pytest.raises(ValidationError, match="已有检验项目“硬度”"):
            plans.update_test_item(actor=SYSTEM, item=TestItem.objects.get(pk=runout.pk), name="硬度")
        with pytest.raises(ValidationError, match="不可修改的字段：category"):
            plans.update_test_item(actor=SYSTEM, item=TestItem.objects.get(pk=runout.pk), category=category("food-drinks"))
    item = TestItem.objects.get(pk=runout.pk)
    assert (item.name, item.direction, item.standard, item.clause) == ("径向圆跳动", "range", "QC/T 316-2023", "4.5")
    assert (str(item.limit_low.normalize()), str(item.limit_high.normalize())) == ("0.01", "0.04")
    event = DomainEvent.objects.get(name="sampling.plan_changed", subject_id=str(plan.pk), payload__change="test_item_changed")
    assert event.payload["item"] == "径向圆跳动" and event.payload["previous_name"] == "径向跳动"
    assert set(event.payload["fields"]) == {"name", "direction", "standard", "clause", "limit_low", "limit_high"}
    change = ObjectChange.objects.filter(content_type__model="testitem", object_id=str(runout.pk), action="update").get()
    assert change.before["name"] == "径向跳动" and change.after["name"] == "径向圆跳动"


def test_an_approved_plans_items_can_be_neither_changed_nor_removed(world):
    item = world.items["runout"]  # the world's plan is published
    with as_system():
        with pytest.raises(ValidationError, match="不能修改检验项目（仅草拟状态可修改）"):
            plans.update_test_item(actor=SYSTEM, item=item, limit_high="0.08")
        with pytest.raises(ValidationError, match="不能删除检验项目（仅草拟状态可修改）"):
            plans.remove_test_item(actor=SYSTEM, item=item)
    assert TestItem.objects.get(pk=item.pk).limit_high == item.limit_high


def test_another_county_may_not_change_our_draft_items(draft, other_county_user):
    _, items = draft
    with acting(other_county_user), pytest.raises(PermissionDenied):
        plans.update_test_item(actor=other_county_user, item=items["runout"], limit_high="0.5")
    with acting(other_county_user), pytest.raises(PermissionDenied):
        plans.remove_test_item(actor=other_county_user, item=items["runout"])
    assert TestItem.objects.filter(pk=items["runout"].pk).exists()


# --- from the plan's page ---------------------------------------------------------------------------------


def login(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def edit_url(plan, item):
    return reverse("sampling:plan-test-item-edit", args=[plan.pk, item.pk])


def remove_url(plan, item):
    return reverse("sampling:plan-test-item-remove", args=[plan.pk, item.pk])


def item_form(item, **changes):
    data = {"name": item.name, "direction": item.direction, "standard": item.standard, "clause": item.clause, "unit": item.unit,
            "limit_low": "" if item.limit_low is None else str(item.limit_low), "requirement": item.requirement,
            "limit_high": "" if item.limit_high is None else str(item.limit_high)}
    data.update(changes)
    return data


def test_county_staff_change_and_remove_a_draft_plans_items_from_its_page(draft, county_user):
    plan, items = draft
    client = login(county_user)
    html = client.get(reverse("sampling:plan-detail", args=[plan.pk])).content.decode()
    for item in items.values():
        assert f'href="{edit_url(plan, item)}"' in html
        assert re.search(rf'<form method="post" action="{remove_url(plan, item)}"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', html)

    runout = items["runout"]
    form = client.get(edit_url(plan, runout))
    assert form.status_code == 200 and 'id="test-item-form"' in form.content.decode() and 'name="category"' not in form.content.decode()
    # a negative limit: refused next to the field, nothing saved
    response = client.post(edit_url(plan, runout), item_form(runout, limit_high="-0.05"))
    assert response.status_code == 400 and "检验项目“径向跳动”的上限不能为负数" in response.content.decode()
    assert TestItem.objects.get(pk=runout.pk).limit_high == runout.limit_high
    # the change, through the service
    response = client.post(edit_url(plan, runout), item_form(runout, name="径向圆跳动", clause="4.5", limit_high="0.04"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("sampling:plan-detail", args=[plan.pk])
    assert any("已修改检验项目“径向圆跳动”" in m for m in messages_of(response))
    item = TestItem.objects.get(pk=runout.pk)
    assert (item.name, item.clause, str(item.limit_high.normalize())) == ("径向圆跳动", "4.5", "0.04")
    change = ObjectChange.objects.get(content_type__model="testitem", object_id=str(runout.pk), action="update")
    assert change.actor_id == county_user.pk and change.source == "web" and "修改抽查计划 SY-MJ-2024-DRAFT 的检验项目“径向跳动”" in change.reason

    # removal: POST only
    marking = items["marking"]
    assert client.get(remove_url(plan, marking)).status_code == 405
    response = client.post(remove_url(plan, marking), follow=True)
    assert any("已删除检验项目“标志”" in m for m in messages_of(response))
    assert not TestItem.objects.filter(pk=marking.pk).exists()
    removed = ObjectChange.objects.get(content_type__model="testitem", object_id=str(marking.pk), action="delete")
    assert removed.actor_id == county_user.pk and "删除抽查计划 SY-MJ-2024-DRAFT 的检验项目“标志”" in removed.reason
    assert DomainEvent.objects.filter(name="sampling.plan_changed", subject_id=str(plan.pk), payload__change="test_item_removed",
                                      payload__item="标志").exists()


def test_the_items_page_offers_the_same_actions_and_comes_back_to_itself(draft, county_user):
    plan, items = draft
    client = login(county_user)
    html = client.get(reverse("sampling:plan-test-items", args=[plan.pk])).content.decode()
    assert f'href="{edit_url(plan, items["hardness"])}"' in html and f'action="{remove_url(plan, items["hardness"])}"' in html
    response = client.post(remove_url(plan, items["hardness"]), {"back": "items"})
    assert response.status_code == 302 and response.url == reverse("sampling:plan-test-items", args=[plan.pk])
    assert not TestItem.objects.filter(pk=items["hardness"].pk).exists()


def test_a_removal_without_the_csrf_token_is_refused(draft, county_user):
    plan, items = draft
    client = login(county_user, enforce_csrf_checks=True)
    assert client.post(remove_url(plan, items["runout"])).status_code == 403
    assert client.post(edit_url(plan, items["runout"]), item_form(items["runout"], limit_high="0.5")).status_code == 403
    assert TestItem.objects.get(pk=items["runout"].pk).limit_high == items["runout"].limit_high


def test_no_item_actions_once_the_plan_is_approved(world, county_user):
    plan, item = world.plan, world.items["runout"]  # published
    client = login(county_user)
    html = client.get(reverse("sampling:plan-detail", args=[plan.pk])).content.decode()
    assert item.name in html and edit_url(plan, item) not in html and remove_url(plan, item) not in html
    assert client.get(edit_url(plan, item)).status_code == 403
    assert client.post(edit_url(plan, item), item_form(item, limit_high="0.5")).status_code == 403
    assert client.post(remove_url(plan, item)).status_code == 403
    assert TestItem.objects.get(pk=item.pk).limit_high == item.limit_high


def test_another_county_finds_nothing_and_the_auditor_may_only_look(draft, other_county_user, auditor):
    plan, items = draft
    runout = items["runout"]
    other = login(other_county_user)
    assert other.get(edit_url(plan, runout)).status_code == 404
    assert other.post(remove_url(plan, runout)).status_code == 404
    watcher = login(auditor)
    html = watcher.get(reverse("sampling:plan-detail", args=[plan.pk])).content.decode()
    assert runout.name in html and edit_url(plan, runout) not in html and remove_url(plan, runout) not in html
    assert watcher.post(remove_url(plan, runout)).status_code == 403
    assert watcher.post(edit_url(plan, runout), item_form(runout, limit_high="0.5")).status_code == 403
    assert TestItem.objects.get(pk=runout.pk).limit_high == runout.limit_high


def test_a_refused_row_is_named_above_the_table(draft, county_user):
    """The table is wider than the screen: a refused limit sat in a column out of sight and the
    page seemed to do nothing. The refusal is said at the top, with the row and the column."""
    plan, items = draft
    category_pk = items["hardness"].category_id
    data = {"item-TOTAL_FORMS": "3", "item-INITIAL_FORMS": "0", "item-MIN_NUM_FORMS": "0", "item-MAX_NUM_FORMS": "50",
            "item-0-category": str(category_pk), "item-0-name": "铅含量", "item-0-direction": "max", "item-0-limit_high": "-5"}
    response = login(county_user).post(reverse("sampling:plan-test-items", args=[plan.pk]), data)
    assert response.status_code == 400
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("未保存：第 1 行：上限：检验项目“铅含量”的上限不能为负数")
    assert not TestItem.objects.filter(plan=plan, name="铅含量").exists()
