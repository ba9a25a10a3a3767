"""Pass-rate statistics and the county ranking (seed §二, §五(一); RULES.md "Supervision sampling").

合格率 = qualified batches / tested batches (``rules.pass_rate``), over the samples that have a
conclusion.  ``Sample.conclusion`` is the *final* one — a re-test replaces the first result
(kept in ``first_conclusion``) — so a re-test that overturns a failure changes the rate.
Imported results of other authorities (``source = imported``) count like our own: they are
what the by-level tables and the ranking of provincial-and-above results are made of.

Everything is aggregated in the database (one ``GROUP BY`` per table, never a row loaded):
``bench/bench_sampling_stats.py`` measures each table over 1 000 000 results on PostgreSQL.

Tables (:func:`pass_rate_table`, ``by``):

* ``county`` — by the **producer's** county (``Sample.producer_region``): the 8 counties and
  2 zones of Shiyan in their official order, every one listed (zero when nothing was
  tested); results whose producer is outside Shiyan or not matched are one row, 市外/未匹配.
* ``category`` (未分类 for results without a category), ``level`` (national → county),
  ``period`` (``period="month"`` or ``"quarter"`` of 抽查时间), ``enterprise`` (matched
  producers, most tested first; the results of unmatched producers are one row, 未匹配 —
  they are on the review list), ``place`` (factory, market, online).

Each row carries the target of RULE_SAMPLING_PASS_RATE_TARGET (90 %, in force on the last day
of the window) and whether the rate is below it.

**Who sees what.**  The tables are aggregates of samples, and a user's aggregate counts only
the samples that user may see (``restrict(Sample, user, "view")``) — so no aggregate reveals
a result its reader could not open:

* ``user=None`` — internal callers (the county assessment, the operator's command, the
  ranking): every result;
* the public (anonymous) — results published in our bulletins only (``Sample.scope.public``);
  imported results are public at their source and are not re-counted here;
* staff — their scope: county staff their county's samples (plus everything published),
  department staff their department's plans' samples, the city admin and auditors all;
* labs and enterprises — their own samples plus everything published.

The county ranking (:func:`county_ranking`) takes no user: it is the official input of the
county assessment, computed over every provincial-and-above result; the pages show it to
staff, and to the public once the year's assessment is published (a view's decision).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear, TruncMonth, TruncQuarter
from django.utils import timezone

from zhiliang.core.models import Region
from zhiliang.core.permissions import restrict
from zhiliang.core.reference_data import CITY_CODE
from zhiliang.enterprises.models import Enterprise, ProductCategory

from . import rules
from .choices import UPPER_LEVELS, Conclusion, Level, Place
from .models import Sample

#: the dimensions of :func:`pass_rate_table`, with their column heading
DIMENSIONS = {
    "county": "县市区（生产企业所在地）",
    "category": "产品类别",
    "level": "抽查层级",
    "period": "期间",
    "enterprise": "生产企业",
    "place": "抽样环节",
}
PERIODS = ("month", "quarter")
OTHER_COUNTY_KEY, OTHER_COUNTY_LABEL = "other", "市外/未匹配"
NO_CATEGORY_LABEL = "未分类"
UNMATCHED_KEY, UNMATCHED_LABEL = "unmatched", "未匹配的生产企业（待核对）"
LEVEL_ORDER = (Level.NATIONAL, Level.PROVINCIAL, Level.CITY, Level.COUNTY)


@dataclass(slots=True)
class StatRow:
    """One line of a pass-rate table: the group's key and label, tested and qualified batches,
    the rate in % (one decimal; ``None`` when nothing was tested), the target and whether the
    rate is below it."""

    key: Any
    label: str
    tested: int
    qualified: int
    rate: Decimal | None
    target: Decimal
    below_target: bool

    @property
    def failed(self) -> int:
        return self.tested - self.qualified

    @classmethod
    def of(cls, key: Any, label: str, tested: int, qualified: int, target: Decimal) -> StatRow:
        return cls(key, label, tested, qualified, *_rate_and_flag(qualified, tested, target))


@lru_cache(maxsize=65536)
def _rate_and_flag(qualified: int, tested: int, target: Decimal) -> tuple[Decimal | None, Decimal, bool]:
    """(rate, target, below target) — ``rules.pass_rate`` depends on the counts only, and the
    enterprise table repeats the same small pairs 10^5 times."""
    rate = rules.pass_rate(qualified, tested)
    return rate, target, rate is not None and rate < target


def total(rows: Iterable[StatRow], *, label: str = "合计") -> StatRow:
    """The 合计 line of a table (the rows of one table do not overlap)."""
    rows = list(rows)
    target = rows[0].target if rows else rules.pass_rate_target()
    return StatRow.of("total", label, sum(r.tested for r in rows), sum(r.qualified for r in rows), target)


# --- the filtered, scoped base -------------------------------------------------------------------------


def _levels(level) -> list[str] | None:
    if not level:
        return None
    levels = [level] if isinstance(level, str) else list(level)
    unknown = [str(lv) for lv in levels if lv not in Level.values]
    if unknown:
        raise ValueError(f"未知的抽查层级“{'、'.join(unknown)}”，可选：{'、'.join(Level.values)}")
    return [str(lv) for lv in levels]


def window(year: int | None = None, date_from: datetime.date | None = None,
           date_to: datetime.date | None = None) -> tuple[datetime.date | None, datetime.date | None]:
    """The 抽查时间 window: the year, narrowed by ``date_from``/``date_to``."""
    lo, hi = date_from, date_to
    if year:
        lo = max(lo, datetime.date(year, 1, 1)) if lo else datetime.date(year, 1, 1)
        hi = min(hi, datetime.date(year, 12, 31)) if hi else datetime.date(year, 12, 31)
    return lo, hi


def results(*, level=None, year=None, date_from=None, date_to=None, user=None, county=None, category=None):
    """The samples with a (final) conclusion in the window, as ``user`` may see them."""
    qs = Sample.objects.filter(conclusion__in=(Conclusion.PASS, Conclusion.FAIL))
    if user is not None:
        qs = restrict(qs, user, "view")
    levels = _levels(level)
    if levels:
        qs = qs.filter(level__in=levels) if len(levels) > 1 else qs.filter(level=levels[0])
    lo, hi = window(year, date_from, date_to)
    if lo:
        qs = qs.filter(sampled_on__gte=lo)
    if hi:
        qs = qs.filter(sampled_on__lte=hi)
    if county:
        region = county if isinstance(county, Region) else Region.objects.filter(code=county).first()
        if region is None:
            raise ValueError(f"未知的县市区“{county}”（请填写区划代码，如 420323）")
        qs = qs.filter(producer_region=region)
    if category:
        cat = category if isinstance(category, ProductCategory) else ProductCategory.objects.filter(code=category).first()
        if cat is None:
            raise ValueError(f"未知的产品类别“{category}”（请填写类别代码，如 food-drinks）")
        qs = qs.filter(category__in=cat.descendant_ids())
    return qs.order_by()  # no default ordering: it would join the GROUP BY


def _counts(qs, *group: str):
    """``GROUP BY group``: tested and qualified per group.  Counted on ``conclusion``, not on
    ``id``: the statistics index (``sample_stats``) holds every column the tables read, so
    PostgreSQL answers from the index alone (an index-only scan, a third of the table's size)."""
    return qs.values(*group).annotate(**_COUNTS).order_by()


#: tested and qualified batches (every counted row has a conclusion)
_COUNTS = {"tested": Count("conclusion"), "qualified": Count("conclusion", filter=Q(conclusion=Conclusion.PASS))}


def target_on(year=None, date_from=None, date_to=None) -> Decimal:
    """The pass-rate target in force on the last day of the window (today when open)."""
    _, hi = window(year, date_from, date_to)
    today = timezone.localdate()
    return rules.pass_rate_target(min(hi, today) if hi else today)


@contextmanager
def reporting():
    """Run the aggregate queries of one table.  On PostgreSQL, for this transaction only: no JIT
    (compiling cost 0.3 s and saved nothing on these one-pass aggregates) and a work_mem
    large enough for the by-enterprise hash aggregate (10^5 groups) not to spill to disk
    (measured with bench/bench_sampling_stats.py).  Elsewhere: nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


def counties() -> list[Region]:
    """The 8 counties and 2 zones of Shiyan, in their official order."""
    return list(Region.objects.filter(parent__code=CITY_CODE, level__in=("county", "zone")).order_by("sort_order", "code"))


# --- the tables ----------------------------------------------------------------------------------------


def pass_rate_table(*, by: str, level=None, year: int | None = None, date_from: datetime.date | None = None,
                    date_to: datetime.date | None = None, user=None, period: str = "month", county=None, category=None,
                    limit: int | None = None) -> list[StatRow]:
    """合格率 by ``by`` (see the module docstring); ``level`` is one level or several.  Filters:
    the year and/or dates of 抽查时间, the producer's ``county`` (region code), a ``category``
    (code, with its sub-categories); ``limit`` keeps the largest groups of the enterprise table."""
    if by not in DIMENSIONS:
        raise ValueError(f"未知的统计维度“{by}”，可选：{'、'.join(DIMENSIONS)}")
    qs = results(level=level, year=year, date_from=date_from, date_to=date_to, user=user, county=county, category=category)
    target = target_on(year, date_from, date_to)
    with reporting():
        return _TABLES[by](qs, target, period=period, levels=_levels(level), limit=limit)


def _by_county(qs, target, **_) -> list[StatRow]:
    counted = {r["producer_region_id"]: r for r in _counts(qs, "producer_region_id")}
    rows = []
    for region in counties():
        r = counted.pop(region.pk, {"tested": 0, "qualified": 0})
        rows.append(StatRow.of(region.code, region.name, r["tested"], r["qualified"], target))
    tested = sum(r["tested"] for r in counted.values())
    if tested:
        rows.append(StatRow.of(OTHER_COUNTY_KEY, OTHER_COUNTY_LABEL, tested, sum(r["qualified"] for r in counted.values()), target))
    return rows


def _by_category(qs, target, **_) -> list[StatRow]:
    counted = {r["category_id"]: r for r in _counts(qs, "category_id")}
    categories = {c.pk: c for c in ProductCategory.objects.filter(pk__in=[pk for pk in counted if pk])}
    ordered = sorted((pk for pk in counted if pk), key=lambda pk: (categories[pk].sort_order, categories[pk].code))
    rows = [StatRow.of(categories[pk].code, categories[pk].name, counted[pk]["tested"], counted[pk]["qualified"], target) for pk in ordered]
    if None in counted:
        rows.append(StatRow.of("", NO_CATEGORY_LABEL, counted[None]["tested"], counted[None]["qualified"], target))
    return rows


def _by_level(qs, target, levels=None, **_) -> list[StatRow]:
    counted = {r["level"]: r for r in _counts(qs, "level")}
    shown = [lv for lv in LEVEL_ORDER if not levels or lv in levels]
    return [StatRow.of(str(lv), str(Level(lv).label), counted.get(lv, {}).get("tested", 0), counted.get(lv, {}).get("qualified", 0), target)
            for lv in shown]


def _by_period(qs, target, period="month", **_) -> list[StatRow]:
    if period not in PERIODS:
        raise ValueError(f"未知的期间“{period}”，可选：month（月）、quarter（季度）")
    trunc = TruncMonth("sampled_on") if period == "month" else TruncQuarter("sampled_on")
    counted = _counts(qs.annotate(period=trunc), "period")
    rows = []
    for r in sorted(counted, key=lambda r: r["period"]):
        day = r["period"]
        day = day.date() if isinstance(day, datetime.datetime) else day
        if period == "month":
            key, label = f"{day:%Y-%m}", f"{day.year}年{day.month}月"
        else:
            quarter = (day.month - 1) // 3 + 1
            key, label = f"{day.year}-Q{quarter}", f"{day.year}年第{quarter}季度"
        rows.append(StatRow.of(key, label, r["tested"], r["qualified"], target))
    return rows


def _by_enterprise(qs, target, limit=None, **_) -> list[StatRow]:
    """Matched producers one row each (the name joined to the *groups*, after aggregating: a
    join before the GROUP BY would read every sample's row); the unmatched results are one
    row, 未匹配 — they are on the review list (``importers.unmatched_imported``), not yet an
    enterprise."""
    grouped = _counts(qs.filter(producer__isnull=False), "producer_id")
    if limit:
        grouped = grouped.order_by("-tested", "producer_id")[:limit]
    sql, params = grouped.query.sql_with_params()
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT g.producer_id, e.name, g.tested, g.qualified FROM ({sql}) g JOIN {table} e ON e.id = g.producer_id "
                       "ORDER BY g.tested DESC, e.name, g.producer_id", params)
        found = cursor.fetchall()
    rows = [StatRow.of(pk, name, tested, qualified, target) for pk, name, tested, qualified in found]
    unmatched = qs.filter(producer__isnull=True).aggregate(**_COUNTS)
    if unmatched["tested"]:
        rows.append(StatRow.of(UNMATCHED_KEY, UNMATCHED_LABEL, unmatched["tested"], unmatched["qualified"], target))
    return rows


def _by_place(qs, target, **_) -> list[StatRow]:
    counted = {r["place"]: r for r in _counts(qs, "place")}
    return [StatRow.of(str(p), str(p.label), counted.get(p, {}).get("tested", 0), counted.get(p, {}).get("qualified", 0), target)
            for p in Place]


_TABLES = {"county": _by_county, "category": _by_category, "level": _by_level, "period": _by_period,
           "enterprise": _by_enterprise, "place": _by_place}


def trend(*, unit: str = "year", level=None, year: int | None = None, date_from=None, date_to=None, county=None, category=None,
          user=None) -> list[StatRow]:
    """合格率 per year (``unit="year"``) or month (``"month"``), optionally for one county
    (the producer's) or category — the line of the charts, with the 90 % target."""
    if unit not in ("year", "month"):
        raise ValueError(f"未知的趋势单位“{unit}”，可选：year（年）、month（月）")
    if unit == "month":
        return pass_rate_table(by="period", period="month", level=level, year=year, date_from=date_from, date_to=date_to,
                               county=county, category=category, user=user)
    qs = results(level=level, year=year, date_from=date_from, date_to=date_to, user=user, county=county, category=category)
    with reporting():
        counted = sorted(_counts(qs.annotate(y=ExtractYear("sampled_on")), "y"), key=lambda r: r["y"])
    today = timezone.localdate()
    return [StatRow.of(r["y"], f"{r['y']}年", r["tested"], r["qualified"], rules.pass_rate_target(min(datetime.date(r["y"], 12, 31), today)))
            for r in counted]


# --- the county ranking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    code: str
    name: str
    tested: int
    qualified: int
    rate: Decimal | None
    #: 1 = best; equal rates share a rank; None = no results, not ranked
    rank: int | None
    #: among the bottom counties: cannot be graded A this year (seed §五(一))
    bottom: bool
    note: str = ""

    @property
    def failed(self) -> int:
        return self.tested - self.qualified


@dataclass(frozen=True)
class Ranking:
    year: int
    levels: tuple[str, ...]
    bottom_count: int
    rows: list[RankRow]
    explanation: list[str] = field(default_factory=list)

    @property
    def bottom(self) -> list[RankRow]:
        return [r for r in self.rows if r.bottom]

    @property
    def unranked(self) -> list[RankRow]:
        return [r for r in self.rows if r.rank is None]


def _names(rows: Iterable[RankRow]) -> str:
    return "、".join(r.name for r in rows)


def county_ranking(*, year: int, levels: Iterable[str] = UPPER_LEVELS) -> Ranking:
    """The counties ranked by the pass rate of ``levels`` (provincial and above) results of
    ``year``, by the producer's county.  The rule, as the explanation states it:

    * rates are compared exactly (qualified/tested as a fraction), shown to one decimal;
      equal rates share a rank (1, 2, 2, 4);
    * the bottom ``RULE_SAMPLING_BOTTOM_COUNTIES`` (3) places cannot be graded A: a county is
      among them when fewer than 3 ranked counties have a strictly lower rate — so a tie
      across the boundary marks every tied county (nobody escapes, or is caught, by a coin
      toss) — except a county whose rate equals the best rate (when everyone ties, nobody is
      "bottom");
    * a county without any such result in the year is not ranked and not marked (no result
      is not a low rate); the explanation names it, for attention to its sampling coverage.
    """
    levels = tuple(str(lv) for lv in (levels if not isinstance(levels, str) else [levels]))
    n = rules.bottom_counties(datetime.date(year, 12, 31))
    with reporting():
        counted = {r["producer_region_id"]: r for r in _counts(results(level=levels, year=year), "producer_region_id")}
    regions = counties()
    measured = []
    for region in regions:
        r = counted.get(region.pk)
        if r and r["tested"]:
            measured.append((region, r["tested"], r["qualified"], Fraction(r["qualified"], r["tested"])))
    fractions = [m[3] for m in measured]
    best = max(fractions) if fractions else None
    rows: list[RankRow] = []
    for region, tested, qualified, frac in sorted(measured, key=lambda m: (-m[3], m[0].sort_order)):
        rank = 1 + sum(1 for f in fractions if f > frac)
        lower = sum(1 for f in fractions if f < frac)
        bottom = lower < n and frac != best
        tied = [m[0].name for m in measured if m[3] == frac and m[0].pk != region.pk]
        notes = []
        if tied:
            notes.append(f"与{'、'.join(tied)}并列")
        if bottom:
            notes.append("末位，当年不得评为A等")
        rows.append(RankRow(region.code, region.name, tested, qualified, rules.pass_rate(qualified, tested), rank, bottom, "；".join(notes)))
    for region in regions:
        if region.pk not in {m[0].pk for m in measured}:
            rows.append(RankRow(region.code, region.name, 0, 0, None, None, False, "无结果，不参与排名"))
    return Ranking(year, levels, n, rows, _explain(year, levels, n, rows))


def _explain(year: int, levels: tuple[str, ...], n: int, rows: list[RankRow]) -> list[str]:
    level_names = "、".join(str(Level(lv).label) for lv in LEVEL_ORDER if lv in levels)
    lines = [
        f"排名依据：{year}年{level_names}监督抽查结果，按生产企业所在县市区统计合格率（合格批次 ÷ 检验批次，复检结果取代初检结果）；"
        "合格率按精确比值比较，显示保留一位小数。",
        "合格率相同者名次相同（如两个第 2 名之后为第 4 名）。",
    ]
    ranked = [r for r in rows if r.rank is not None]
    unranked = [r for r in rows if r.rank is None]
    bottom = [r for r in ranked if r.bottom]
    if not ranked:
        lines.append(f"{year}年没有任何县市区的{level_names}抽查结果，无法排名，不标记末位。")
    else:
        lines.append(f"末位 {n} 名当年不得评为A等（纲要§五(一)；名次数见规则管理中的“省级及以上抽查合格率排名末位、当年不得评为A等的县市区数”）：{_names(bottom) or '无'}。")
        if len(bottom) > n:
            lines.append(f"末位第 {n} 名处合格率相同的县市区均列入末位，因此共 {len(bottom)} 个（不以抽签等方式取舍）。")
        best_rate = ranked[0].rate
        spared = [r for r in ranked if not r.bottom and sum(1 for o in ranked if o.rank > r.rank) < n]
        if len(bottom) < n:
            reason = f"参与排名的县市区只有 {len(ranked)} 个；" if len(ranked) <= n else ""
            lines.append(f"{reason}合格率最高（{best_rate}%）的{_names(spared)}不列入末位，因此末位不足 {n} 个。")
    if unranked:
        lines.append(f"{_names(unranked)} {year}年无{level_names}抽查结果，不参与排名，也不列入末位（没有结果不等于合格率低）；请关注其抽查覆盖。")
    return lines
