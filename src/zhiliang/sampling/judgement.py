"""How a test result is judged (pure functions, no writes): the limits of a test item checked
against its judgement direction, and each measured value judged against them.  The services
(plans: test items; samples: reports) and the demo use these, so a conclusion can never
disagree with its items."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from .choices import Direction
from .models import Sample, TestResult

QUALITATIVE_PASS = frozenset({"符合", "合格"})
QUALITATIVE_FAIL = frozenset({"不符合", "不合格"})
#: below the detection limit: passes an upper limit
NOT_DETECTED = frozenset({"未检出", "ND", "N.D."})


def _decimal(value: Any, field: str, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label}“{value}”不是数值"}) from None
    if not number.is_finite():
        raise ValidationError({field: f"{label}“{value}”不是有限数值"})
    return number


def check_limits(name: str, direction: str, limit_low: Any, limit_high: Any, requirement: str) -> tuple[Decimal | None, Decimal | None]:
    """The limits of an item checked against its judgement direction (shared with the lab's
    free items in ``samples.save_report``). Returns the limits as decimals."""
    label = f"检验项目“{name}”"
    if direction not in Direction.values:
        raise ValidationError({"direction": f"{label}的判定方向“{direction}”无效，应为：{'、'.join(str(d.label) for d in Direction)}"})
    low = _decimal(limit_low, "limit_low", f"{label}的下限")
    high = _decimal(limit_high, "limit_high", f"{label}的上限")
    if direction == Direction.MAX:
        if high is None:
            raise ValidationError({"limit_high": f"{label}按“不大于限值”判定，须填写上限"})
        if low is not None:
            raise ValidationError({"limit_low": f"{label}按“不大于限值”判定，只填上限；有上下限的请选“在范围内”"})
    elif direction == Direction.MIN:
        if low is None:
            raise ValidationError({"limit_low": f"{label}按“不小于限值”判定，须填写下限"})
        if high is not None:
            raise ValidationError({"limit_high": f"{label}按“不小于限值”判定，只填下限；有上下限的请选“在范围内”"})
    elif direction == Direction.RANGE:
        if low is None or high is None:
            raise ValidationError({"limit_low" if low is None else "limit_high": f"{label}按“在范围内”判定，须同时填写下限和上限"})
        if low > high:
            raise ValidationError({"limit_low": f"{label}的下限 {low} 大于上限 {high}"})
    else:
        if low is not None or high is not None:
            raise ValidationError({"limit_low" if low is not None else "limit_high": f"{label}为定性项目，不填数值限值"})
        if not (requirement or "").strip():
            raise ValidationError({"requirement": f"{label}为定性项目，须填写技术要求（如“应有中文标志”）"})
    return low, high


def check_item_limits(name: str, direction: str, limit_low: Any, limit_high: Any, requirement: str) -> tuple[Decimal | None, Decimal | None]:
    """The limits of a plan's test item: as :func:`check_limits`, and a 不大于/不小于 limit —
    a content, a count, a migration — never below 0.  A range may go below 0: deviations and
    tolerances (外廓尺寸偏差 −1 %～+1 %, GB 21861) are judged in a range."""
    low, high = check_limits(name, direction, limit_low, limit_high, requirement)
    if direction in (Direction.MAX, Direction.MIN):
        field, value, what = ("limit_high", high, "上限") if direction == Direction.MAX else ("limit_low", low, "下限")
        if value is not None and value < 0:
            raise ValidationError({field: f"检验项目“{name}”的{what}不能为负数（填写的是 {value}）；"
                                          f"偏差等可为负值的项目请按“在范围内”判定，填写下限和上限"})
    return low, high


def judge(name: str, direction: str, low: Decimal | None, high: Decimal | None, measured: Any) -> tuple[str, bool]:
    """(the measured value as recorded, passed) — the judgement derived from the value, the
    limits and the direction (limits inclusive: 不大于 = ≤, 不小于 = ≥)."""
    text = unicodedata.normalize("NFKC", "" if measured is None else str(measured)).strip()
    if not text:
        raise ValidationError({"measured": f"检验项目“{name}”未填写实测值"})
    if len(text) > 60:
        raise ValidationError({"measured": f"检验项目“{name}”的实测值过长（不超过 60 字）"})
    if direction == Direction.QUALITATIVE:
        if text in QUALITATIVE_PASS:
            return text, True
        if text in QUALITATIVE_FAIL:
            return text, False
        raise ValidationError({"measured": f"检验项目“{name}”为定性项目，实测值应为“符合/不符合”或“合格/不合格”，收到“{text}”"})
    if direction == Direction.MAX and text.upper() in NOT_DETECTED:
        return text, True
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValidationError({"measured": f"检验项目“{name}”为数值项目，实测值“{text}”不是数值"})
    if direction == Direction.MAX:
        return text, value <= high
    if direction == Direction.MIN:
        return text, value >= low
    return text, low <= value <= high


def build_results(sample: Sample, results: list[dict]) -> list[TestResult]:
    if not results:
        raise ValidationError({"results": "请至少录入一个检验项目的结果"})
    built, names = [], set()
    for row in results:
        item = row.get("item")
        if item is not None:
            if item.plan_id != sample.plan_id or item.category_id != sample.category_id:
                raise ValidationError({"results": f"检验项目“{item.name}”不是本样品所属计划、所属类别的检验项目"})
            name, direction, low, high = item.name, item.direction, item.limit_low, item.limit_high
            standard, unit, requirement = item.standard, item.unit, item.requirement
        else:
            name = (row.get("name") or "").strip()
            if not name:
                raise ValidationError({"results": "检验项目须指明计划中的项目，或填写项目名称和判定方向"})
            direction, requirement = row.get("direction") or "", (row.get("requirement") or "").strip()
            low, high = check_limits(name, direction, row.get("limit_low"), row.get("limit_high"), requirement)
            standard, unit = (row.get("standard") or "").strip(), (row.get("unit") or "").strip()
        if name in names:
            raise ValidationError({"results": f"检验项目“{name}”重复"})
        names.add(name)
        measured, passed = judge(name, direction, low, high, row.get("measured"))
        built.append(TestResult(item=item, name=name, standard=standard, unit=unit, direction=direction, limit_low=low,
                                limit_high=high, requirement=requirement, measured=measured, passed=passed))
    return built
