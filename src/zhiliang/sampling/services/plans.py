"""Plans (抽查计划): their categories and test items (检验项目), quotas by county and category
(任务分配), sampling ratios by credit-risk class, approval and the plan's public notice.

A plan is edited only while it is a draft; approval checks it is complete (categories, a
test item for each category, quotas) and is given by someone other than the plan's author
(separation of duties: the author's account is the actor of the ``sampling.plan_created``
event; system work is exempt).  Risk ratios are stored in percent, as the rule
RULE_SAMPLING_CREDIT_CLASS_RATIOS is ({"A": 5, "B": 10, "C": 30, "D": 60}).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhiliang.core.actors import not_future
from zhiliang.core import audit, search
from zhiliang.core.choices import RegionLevel
from zhiliang.core.events import emit, service
from zhiliang.core.models import DomainEvent
from zhiliang.core.permissions import recheck

from .. import rules
from ..choices import Level, Place, PlanKind, PlanStatus, Source
from ..judgement import check_item_limits
from ..models import Quota, SamplingPlan, TestItem
from ..search_kinds import PLAN_KIND

RISK_CLASSES = ("A", "B", "C", "D")
#: the region levels that may organise a local plan of each level
PLAN_REGION_LEVELS = {
    Level.COUNTY: (RegionLevel.COUNTY, RegionLevel.ZONE),
    Level.CITY: (RegionLevel.CITY,),
    Level.PROVINCIAL: (RegionLevel.PROVINCE,),
    Level.NATIONAL: (RegionLevel.NATION,),
}
#: county-level units a quota can be given to
QUOTA_REGION_LEVELS = (RegionLevel.COUNTY, RegionLevel.ZONE)
#: what :func:`update_test_item` may change (the category stays: remove and add instead)
TEST_ITEM_FIELDS = ("name", "direction", "standard", "clause", "unit", "limit_low", "limit_high", "requirement")
PLAN_FIELDS = (
    "code", "title", "year", "level", "kind", "place", "region", "department", "organiser_name", "risk_ratios",
    "exclude_local_inspectors", "starts_on", "ends_on", "description",
)


# --- helpers ---------------------------------------------------------------------------------------


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def _number(value: Any):
    """A percentage as JSON keeps it: an int when whole, else a float."""
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def _risk_ratios(value: Any, on: datetime.date) -> dict[str, Any]:
    """The plan's ratios in percent; ``None`` → the rule in force on ``on``."""
    if value is None:
        return {cls: _number(fraction * 100) for cls, fraction in rules.credit_class_ratios(on).items()}
    if not isinstance(value, dict) or set(value) != set(RISK_CLASSES):
        raise ValidationError({"risk_ratios": "信用风险分类抽查比例须且只能包含 A、B、C、D 四类（百分比）"})
    ratios = {}
    for cls in RISK_CLASSES:
        try:
            number = Decimal(str(value[cls]).strip().rstrip("%"))
        except (InvalidOperation, ValueError):
            raise ValidationError({"risk_ratios": f"{cls} 类的抽查比例“{value[cls]}”不是数值"}) from None
        if not number.is_finite() or not 0 <= number <= 100:
            raise ValidationError({"risk_ratios": f"{cls} 类的抽查比例须在 0 至 100（%）之间，收到 {value[cls]}"})
        ratios[cls] = _number(number)
    ordered = [Decimal(str(ratios[c])) for c in RISK_CLASSES]
    if ordered != sorted(ordered):
        raise ValidationError({"risk_ratios": "信用风险分类抽查比例应 A 类最低、D 类最高（A ≤ B ≤ C ≤ D）"})
    return ratios


def _check_plan(plan: SamplingPlan) -> None:
    """The organiser must fit the level (local plans) and the dates must make sense."""
    errors: dict[str, str] = {}
    if plan.level not in Level.values:
        errors["level"] = f"抽查层级“{plan.level}”无效"
    elif plan.source == Source.LOCAL and plan.region_id:
        allowed = PLAN_REGION_LEVELS[Level(plan.level)]
        if plan.region.level not in allowed:
            labels = "、".join(str(RegionLevel(lv).label) for lv in allowed)
            errors["region"] = f"{Level(plan.level).label}抽查计划的组织区划应为{labels}，“{plan.region}”不是"
        elif plan.department_id and plan.department.region_id != plan.region_id:
            errors["department"] = f"组织部门“{plan.department}”不属于组织区划“{plan.region}”"
    if plan.starts_on and plan.ends_on and plan.ends_on < plan.starts_on:
        errors["ends_on"] = f"结束日期 {plan.ends_on:%Y-%m-%d} 早于开始日期 {plan.starts_on:%Y-%m-%d}"
    if plan.year and not 2000 <= plan.year <= 2100:
        errors["year"] = f"年度 {plan.year} 无效：应在 2000 至 2100 之间"
    elif plan.year and plan.starts_on and not plan.year - 1 <= plan.starts_on.year <= plan.year:  # a year's plan may start the December before
        errors["starts_on"] = f"开始日期 {plan.starts_on:%Y-%m-%d} 与计划年度 {plan.year} 年不符"
    if plan.code and SamplingPlan.objects.filter(code=plan.code).exclude(pk=plan.pk).exists():
        errors["code"] = f"计划编号“{plan.code}”已被使用"
    if errors:
        raise ValidationError(errors)
    plan.full_clean(exclude=["categories"], validate_unique=False)


def _require_draft(plan: SamplingPlan, what: str) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(f"抽查计划“{plan.title}”{plan.get_status_display()}，不能{what}（仅草拟状态可修改）")


def _check_categories(plan: SamplingPlan, categories) -> list:
    categories = list(categories)
    if len({c.pk for c in categories}) != len(categories):
        raise ValidationError({"categories": "抽查产品类别重复"})
    return categories


def _payload(plan: SamplingPlan, **extra: Any) -> dict[str, Any]:
    return {"plan": plan.code, "title": plan.title, "year": plan.year, "level": plan.level, "status": plan.status, **extra}


def _creator_id(plan: SamplingPlan) -> int | None:
    return (
        DomainEvent.objects.filter(name="sampling.plan_created", subject_type=audit._content_type(SamplingPlan), subject_id=str(plan.pk))
        .values_list("actor_id", flat=True)
        .first()
    )


# --- plans -----------------------------------------------------------------------------------------


@service(event="sampling.plan_created")
def create_plan(*, actor, code: str, title: str, year: int, level: str, region, department=None, kind: str = PlanKind.ROUTINE,
                place: str = Place.FACTORY, categories=(), risk_ratios=None, exclude_local_inspectors: bool = False,
                starts_on: datetime.date | None = None, ends_on: datetime.date | None = None, description: str = "",
                organiser_name: str = "", source: str = Source.LOCAL) -> SamplingPlan:
    """A draft plan. ``risk_ratios`` (percent per class A–D) default to the rule in force at
    the plan's start (or 1 January of its year)."""
    plan = SamplingPlan(
        code=(code or "").strip(), title=(title or "").strip(), year=year, level=level, kind=kind, place=place, region=region,
        department=department, organiser_name=organiser_name, exclude_local_inspectors=exclude_local_inspectors,
        starts_on=starts_on, ends_on=ends_on, description=description, source=source, status=PlanStatus.DRAFT,
    )
    categories = _check_categories(plan, categories)
    _check_plan(plan)
    plan.risk_ratios = _risk_ratios(risk_ratios, starts_on or datetime.date(plan.year, 1, 1))
    plan.save()
    plan.categories.set(categories)
    recheck(plan, actor, "add")
    search.index_object(PLAN_KIND, plan)
    emit("sampling.plan_created", _payload(plan, categories=[c.code for c in categories], risk_ratios=plan.risk_ratios),
         subject=plan, region=plan.region)
    return plan


@service(event="sampling.plan_changed")
def update_plan(*, actor, plan: SamplingPlan, **changes: Any) -> SamplingPlan:
    """Change a draft plan (``categories`` replaces the list; the test items and quotas of a
    category taken off the plan go with it)."""
    _require_draft(plan, "修改")
    categories = changes.pop("categories", None)
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError(f"不可修改的字段：{'、'.join(sorted(unknown))}")
    recheck(plan, actor, "change")  # the plan as it was must be the actor's
    if "risk_ratios" in changes:
        changes["risk_ratios"] = _risk_ratios(changes["risk_ratios"], plan.starts_on or datetime.date(plan.year, 1, 1))
    changed = []
    for name, value in changes.items():
        field = plan._meta.get_field(name)
        current = getattr(plan, field.attname)
        new = value.pk if field.many_to_one and value is not None else value
        if isinstance(new, str):
            new = new.strip()
            value = new
        if current != new:
            setattr(plan, name, value)
            changed.append(name)
    removed: list[str] = []
    if categories is not None:
        categories = _check_categories(plan, categories)
        keep = {c.pk for c in categories}
        old = list(plan.categories.all())
        gone = [c for c in old if c.pk not in keep]
        if gone or keep != {c.pk for c in old}:
            changed.append("categories")
        if gone:
            ids = [c.pk for c in gone]
            TestItem.objects.filter(plan=plan, category_id__in=ids).delete()
            Quota.objects.filter(plan=plan, category_id__in=ids).delete()
            removed = [c.code for c in gone]
    if changed:
        _check_plan(plan)
        plan.save()
        if categories is not None:
            plan.categories.set(categories)
    recheck(plan, actor, "change")
    if changed:
        search.index_object(PLAN_KIND, plan)
    emit("sampling.plan_changed", _payload(plan, change="plan", fields=changed, removed_categories=removed), subject=plan, region=plan.region)
    return plan


@service(event="sampling.plan_changed")
def add_test_item(*, actor, plan: SamplingPlan, category, name: str, direction: str, standard: str = "", clause: str = "",
                  unit: str = "", limit_low=None, limit_high=None, requirement: str = "") -> TestItem:
    """A test item of one of the plan's categories; its limits must fit the direction
    (不大于: upper limit; 不小于: lower limit; 范围: both; 定性: the requirement, no limits)."""
    _require_draft(plan, "增加检验项目")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写检验项目名称"})
    if not plan.categories.filter(pk=category.pk).exists():
        raise ValidationError({"category": f"产品类别“{category}”不在抽查计划“{plan.title}”的抽查类别中"})
    if TestItem.objects.filter(plan=plan, category=category, name=name).exists():
        raise ValidationError({"name": f"产品类别“{category}”已有检验项目“{name}”"})
    low, high = check_item_limits(name, direction, limit_low, limit_high, requirement)
    last = TestItem.objects.filter(plan=plan, category=category).order_by("-sort_order").values_list("sort_order", flat=True).first()
    item = TestItem(plan=plan, category=category, name=name, direction=direction, standard=(standard or "").strip(),
                    clause=(clause or "").strip(), unit=(unit or "").strip(), limit_low=low, limit_high=high,
                    requirement=(requirement or "").strip(), sort_order=(last or 0) + 1)
    item.full_clean()
    item.save()
    recheck(item, actor, "add")
    recheck(plan, actor, "change")
    emit("sampling.plan_changed", _payload(plan, change="test_item_added", category=category.code, item=name), subject=plan, region=plan.region)
    return item


@service(event="sampling.plan_changed")
def update_test_item(*, actor, item: TestItem, **changes: Any) -> TestItem:
    """Change a test item of a draft plan: any of ``TEST_ITEM_FIELDS`` (the others keep their
    values); the limits are checked again against the (new) direction, as when adding."""
    plan = item.plan
    _require_draft(plan, "修改检验项目")
    unknown = set(changes) - set(TEST_ITEM_FIELDS)
    if unknown:
        raise ValidationError(f"不可修改的字段：{'、'.join(sorted(unknown))}")
    recheck(item, actor, "change")
    values = {name: getattr(item, name) for name in TEST_ITEM_FIELDS}
    values.update(changes)
    for name in ("name", "standard", "clause", "unit", "requirement"):
        values[name] = (values[name] or "").strip()
    if not values["name"]:
        raise ValidationError({"name": "请填写检验项目名称"})
    if TestItem.objects.filter(plan=plan, category_id=item.category_id, name=values["name"]).exclude(pk=item.pk).exists():
        raise ValidationError({"name": f"产品类别“{item.category}”已有检验项目“{values['name']}”"})
    values["limit_low"], values["limit_high"] = check_item_limits(values["name"], values["direction"], values["limit_low"],
                                                                  values["limit_high"], values["requirement"])
    before = item.name
    changed = [name for name in TEST_ITEM_FIELDS if getattr(item, name) != values[name]]
    for name in changed:
        setattr(item, name, values[name])
    if changed:
        item.full_clean()
        item.save()
    recheck(item, actor, "change")
    recheck(plan, actor, "change")
    emit("sampling.plan_changed", _payload(plan, change="test_item_changed", category=item.category.code, item=item.name,
                                           previous_name=before, fields=changed), subject=plan, region=plan.region)
    return item


@service(event="sampling.plan_changed")
def remove_test_item(*, actor, item: TestItem) -> None:
    """Take a test item off a draft plan."""
    plan = item.plan
    _require_draft(plan, "删除检验项目")
    recheck(item, actor, "change")
    payload = _payload(plan, change="test_item_removed", category=item.category.code, item=item.name)
    item.delete()
    recheck(plan, actor, "change")
    emit("sampling.plan_changed", payload, subject=plan, region=plan.region)


@service(event="sampling.plan_changed")
def set_quota(*, actor, plan: SamplingPlan, region, category, quantity: int) -> Quota | None:
    """How many enterprises of ``category`` the plan samples in the county ``region``
    (a county-level unit inside the plan's region); ``quantity = 0`` removes the quota."""
    _require_draft(plan, "分配任务")
    if region.level not in QUOTA_REGION_LEVELS:
        raise ValidationError({"region": f"任务只能分配到县市区（或功能区），“{region}”不是"})
    if region.pk not in plan.region.subtree_ids():
        raise ValidationError({"region": f"“{region}”不在抽查计划的组织区划“{plan.region}”内"})
    if not plan.categories.filter(pk=category.pk).exists():
        raise ValidationError({"category": f"产品类别“{category}”不在抽查计划“{plan.title}”的抽查类别中"})
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise ValidationError({"quantity": f"抽查企业数“{quantity}”不是整数"}) from None
    if quantity < 0:
        raise ValidationError({"quantity": "抽查企业数不能为负数"})
    quota = Quota.objects.filter(plan=plan, region=region, category=category).first()
    if quantity == 0:
        if quota is not None:
            recheck(quota, actor, "change")
            quota.delete()
        quota = None
    else:
        creating = quota is None
        quota = quota or Quota(plan=plan, region=region, category=category)
        quota.quantity = quantity
        quota.full_clean()
        quota.save()
        recheck(quota, actor, "add" if creating else "change")
    recheck(plan, actor, "change")
    emit("sampling.plan_changed", _payload(plan, change="quota", region=region.code, category=category.code, quantity=quantity),
         subject=plan, region=plan.region)
    return quota


@service(event="sampling.plan_approved")
def approve_plan(*, actor, plan: SamplingPlan, on: datetime.date | None = None) -> SamplingPlan:
    """Draft → approved. The plan must be complete: at least one category, test items for
    every category, quotas; the approver must not be the plan's author."""
    on = _today(on)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(f"抽查计划“{plan.title}”{plan.get_status_display()}，只有草拟的计划可以批准")
    not_future(actor, on, "approved_on", "批准日期")
    categories = list(plan.categories.all())
    problems = []
    if not categories:
        problems.append("未确定抽查产品类别")
    with_items = set(TestItem.objects.filter(plan=plan).values_list("category_id", flat=True))
    missing = [c.name for c in categories if c.pk not in with_items]
    if missing:
        problems.append(f"以下类别没有检验项目：{'、'.join(missing)}")
    if not Quota.objects.filter(plan=plan).exists():
        problems.append("未分配任务（各县市区、各类别的抽查企业数）")
    if problems:
        raise ValidationError(f"抽查计划“{plan.title}”不完整，不能批准：{'；'.join(problems)}")
    approver_id = getattr(actor, "pk", None)
    if approver_id is not None and approver_id == _creator_id(plan):
        raise PermissionDenied("抽查计划须由拟订人以外的人员批准（审批分离）")
    recheck(plan, actor, "change")
    plan.status = PlanStatus.APPROVED
    plan.approved_on = on
    plan.approved_by = actor if approver_id is not None else None
    plan.save()
    recheck(plan, actor, "change")
    search.index_object(PLAN_KIND, plan)
    emit("sampling.plan_approved", _payload(plan, approved_on=on, approved_by=audit.actor_name(actor)), subject=plan, region=plan.region)
    return plan


@service(event="sampling.plan_published")
def publish_plan(*, actor, plan: SamplingPlan, on: datetime.date | None = None) -> SamplingPlan:
    """Approved → published: the 抽查计划公告 is public from ``on``."""
    on = _today(on)
    if plan.status != PlanStatus.APPROVED:
        raise ValidationError(f"抽查计划“{plan.title}”{plan.get_status_display()}，只有已批准的计划可以公告")
    if plan.approved_on and on < plan.approved_on:
        raise ValidationError({"published_on": f"公告日期 {on:%Y-%m-%d} 早于批准日期 {plan.approved_on:%Y-%m-%d}"})
    not_future(actor, on, "published_on", "公告日期")
    recheck(plan, actor, "change")
    plan.status = PlanStatus.PUBLISHED
    plan.published_on = on
    plan.save()
    recheck(plan, actor, "change")
    search.index_object(PLAN_KIND, plan)
    emit("sampling.plan_published", _payload(plan, published_on=on), subject=plan, region=plan.region, is_public=True)
    return plan


@service(event="sampling.plan_closed")
def close_plan(*, actor, plan: SamplingPlan, on: datetime.date | None = None) -> SamplingPlan:
    """Published → closed (完成). A plan imported from another authority's bulletin records
    finished sampling and may be closed from any status."""
    on = _today(on)
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError(f"抽查计划“{plan.title}”已完成")
    if plan.source != Source.IMPORTED and plan.status != PlanStatus.PUBLISHED:
        raise ValidationError(f"抽查计划“{plan.title}”{plan.get_status_display()}，只有已公告的计划可以完成")
    if plan.published_on and on < plan.published_on:
        raise ValidationError(f"完成日期 {on:%Y-%m-%d} 早于公告日期 {plan.published_on:%Y-%m-%d}")
    not_future(actor, on, "closed_on", "完成日期")
    recheck(plan, actor, "change")
    plan.status = PlanStatus.CLOSED
    plan.save()
    recheck(plan, actor, "change")
    search.index_object(PLAN_KIND, plan)
    emit("sampling.plan_closed", _payload(plan, closed_on=on), subject=plan, region=plan.region, is_public=True)
    return plan
