"""The sampling rules of RULES.md ("Supervision sampling") as functions of the rule registry.

Each function names the rule it applies; the numbers come from ``core.rules.value`` on the
date the rule is applied, so a deployment's override (effective-dated) takes effect.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from zhiliang.core import rules, workdays

from .choices import LEVEL_RANK, UPPER_LEVELS, Level

REPEAT_BAN = "RULE_SAMPLING_REPEAT_6M"


# --- the 6-month repeat-sampling ban (RULE_SAMPLING_REPEAT_6M) ---------------------------------


def product_part(value: str | None) -> str:
    """A trademark, model or standard compared loosely: NFKC, upper case, no spaces or
    punctuation between characters (``GB/T 1234－2008`` = ``gb/t1234-2008``)."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    return re.sub(r"[\s\-_/·.,，、()（）]+", "", text)


@dataclass(frozen=True)
class ProductKey:
    """同一产品: same producer + same standard + same trademark + same specification/model.
    When either side lacks the standard (imported bulletins often do), producer + trademark +
    model decide."""

    producer_id: int | None
    trademark: str
    model: str
    standard: str = ""

    @classmethod
    def of(cls, producer_id, trademark="", model="", standard="") -> ProductKey:
        return cls(producer_id, product_part(trademark), product_part(model), product_part(standard))

    def same_product(self, other: ProductKey) -> bool:
        if self.producer_id is None or self.producer_id != other.producer_id:
            return False
        if (self.trademark, self.model) != (other.trademark, other.model):
            return False
        return not (self.standard and other.standard) or self.standard == other.standard


def repeat_ban_until(sampled_on: datetime.date) -> datetime.date:
    """The last day a sample of ``sampled_on`` bars re-sampling: the same calendar day
    ``RULE_SAMPLING_REPEAT_6M`` months later, inclusive (2020-01-10 → 2020-07-10)."""
    return workdays.add_calendar_months(sampled_on, rules.value(REPEAT_BAN, sampled_on))


def is_barred_on(sampled_on: datetime.date, day: datetime.date) -> bool:
    """Does a sample taken on ``sampled_on`` bar re-sampling on ``day``?"""
    return sampled_on < day <= repeat_ban_until(sampled_on) or sampled_on == day


def earliest_barring_date(day: datetime.date) -> datetime.date:
    """A date before which no sample can bar ``day`` (a safe lower bound for the SQL filter;
    :func:`is_barred_on` decides exactly)."""
    months = rules.value(REPEAT_BAN, day)
    return workdays.add_calendar_months(day, -int(months)) - datetime.timedelta(days=3)


def bars_level(previous_level: str, previous_authority, level: str, authority) -> bool:
    """Does a previous sample of ``previous_level`` by ``previous_authority`` bar sampling at
    ``level`` by ``authority``?  The same authority may not re-sample, and a lower level may
    not re-sample what an upper level (national or provincial) sampled.  An authority is
    ``(level, region_id, department_id)``; there is one national and one provincial authority."""
    if previous_level in UPPER_LEVELS and LEVEL_RANK[Level(previous_level)] > LEVEL_RANK[Level(level)]:
        return True
    if previous_level != level:
        return False
    return level in UPPER_LEVELS or previous_authority == authority


@dataclass(frozen=True)
class Bar:
    """Why sampling is refused: the earlier sample and the day its ban ends."""

    sample_no: str
    level: str
    sampled_on: datetime.date
    until: datetime.date

    @property
    def message(self) -> str:
        return (
            f"同一产品 6 个月内不得重复抽查：该产品已于 {self.sampled_on:%Y-%m-%d} 被{Level(self.level).label}抽查"
            f"（样品编号 {self.sample_no}），{self.until:%Y-%m-%d}（含）前不得再次抽查。"
            f"不合格产品跟踪抽查、应急抽查不受此限。"
        )


def find_bar(key: ProductKey, *, level: str, authority, day: datetime.date, exclude_sample_id=None) -> Bar | None:
    """The earlier sample that bars sampling ``key`` at ``level`` by ``authority`` on ``day``,
    or ``None``.  Imported results of other authorities count (``source = imported``)."""
    from .models import Sample

    if key.producer_id is None:
        return None
    candidates = (
        Sample.objects.filter(producer_id=key.producer_id, sampled_on__gte=earliest_barring_date(day), sampled_on__lte=day)
        .exclude(pk=exclude_sample_id)
        .select_related("plan")
        .order_by("-sampled_on", "pk")
    )
    for sample in candidates:
        other = ProductKey.of(sample.producer_id, sample.trademark, sample.model, sample.standard)
        if not key.same_product(other):
            continue
        previous_authority = (sample.level, sample.plan.region_id, sample.plan.department_id)
        if bars_level(sample.level, previous_authority, level, authority) and is_barred_on(sample.sampled_on, day):
            return Bar(sample.sample_no, sample.level, sample.sampled_on, repeat_ban_until(sample.sampled_on))
    return None


def check_repeat_ban(key: ProductKey, *, plan, day: datetime.date, exclude_sample_id=None) -> None:
    """Refuse (``ValidationError`` on ``model``) a sample the 6-month ban forbids, unless the
    plan is a follow-up of a failure or emergency sampling."""
    if plan.is_exempt_from_repeat_ban:
        return
    bar = find_bar(key, level=plan.level, authority=(plan.level, plan.region_id, plan.department_id), day=day,
                   exclude_sample_id=exclude_sample_id)
    if bar is not None:
        raise ValidationError({"model": bar.message}, code="repeat_sampling")


# --- deadlines -------------------------------------------------------------------------------------


def retest_deadline(served_on: datetime.date, *, is_food: bool) -> datetime.date:
    """Last day to apply for a re-test: 15 days after being served (industrial products,
    RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL; a last day on a holiday moves to the next working
    day) or 7 working days (food, RULE_SAMPLING_RETEST_WD_FOOD), counted from the day after."""
    if is_food:
        return workdays.add_working_days(served_on, rules.value("RULE_SAMPLING_RETEST_WD_FOOD", served_on))
    return workdays.add_days(served_on, rules.value("RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL", served_on), extend_over_holidays=True)


def public_notice_served_on(notice_on: datetime.date) -> datetime.date:
    """Service by public notice: served when the notice period ends (RULE_SAMPLING_NOTICE_DAYS);
    no objection by then = the result is accepted."""
    return workdays.add_days(notice_on, rules.value("RULE_SAMPLING_NOTICE_DAYS", notice_on))


def rectification_dates(ordered_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(correction due, re-check due) after an order to correct: 60 and 75 days
    (RULE_SAMPLING_RECTIFY_DAYS, RULE_SAMPLING_RECHECK_DAYS)."""
    return (
        workdays.add_days(ordered_on, rules.value("RULE_SAMPLING_RECTIFY_DAYS", ordered_on)),
        workdays.add_days(ordered_on, rules.value("RULE_SAMPLING_RECHECK_DAYS", ordered_on)),
    )


def second_recheck_window(published_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The window of the second re-check: 60–90 days after the failing re-check was published."""
    return (
        workdays.add_days(published_on, rules.value("RULE_SAMPLING_SECOND_RECHECK_MIN_DAYS", published_on)),
        workdays.add_days(published_on, rules.value("RULE_SAMPLING_SECOND_RECHECK_MAX_DAYS", published_on)),
    )


def publication_due(concluded_on: datetime.date) -> datetime.date:
    """Results are published within 20 working days (RULE_SAMPLING_PUBLISH_WD)."""
    return workdays.add_working_days(concluded_on, rules.value("RULE_SAMPLING_PUBLISH_WD", concluded_on))


# --- ratios and rates ---------------------------------------------------------------------------------


def credit_class_ratios(on: datetime.date | None = None) -> dict[str, Decimal]:
    """Yearly sampling ratio per credit-risk class (RULE_SAMPLING_CREDIT_CLASS_RATIOS, in %),
    as fractions: {"A": 0.05, "B": 0.10, "C": 0.30, "D": 0.60}."""
    return {cls: Decimal(str(pct)) / 100 for cls, pct in rules.value("RULE_SAMPLING_CREDIT_CLASS_RATIOS", on).items()}


def pass_rate(qualified: int, tested: int) -> Decimal | None:
    """合格率 = qualified batches / tested batches, in % to one decimal (None when nothing was tested)."""
    if not tested:
        return None
    return (Decimal(qualified) * 100 / Decimal(tested)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def pass_rate_target(on: datetime.date | None = None) -> Decimal:
    return Decimal(str(rules.value("RULE_SAMPLING_PASS_RATE_TARGET", on)))


def bottom_counties(on: datetime.date | None = None) -> int:
    return int(rules.value("RULE_SAMPLING_BOTTOM_COUNTIES", on))
