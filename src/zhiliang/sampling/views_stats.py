"""Pass-rate statistics pages (合格率统计) and the county ranking (县市区排名) for staff under
/staff/sampling/stats/, and the data of the public pass-rate page.

The figures come only from :mod:`.stats` (one ``GROUP BY`` per table), computed for the
reader: staff tables count the samples the user may see (``user=request.user``), the public
page counts published results only (an anonymous user — never ``user=None``, which means
"every result" to ``stats``).  The county ranking is the official, city-wide input of the
county assessment (``stats.county_ranking`` takes no user).  Charts are Apache ECharts options
built here and drawn by ``enterprises/charts.js``; the §二 target (RULE_SAMPLING_PASS_RATE_TARGET,
90 %) is a ``markLine`` on every rate chart.  Every table exports as CSV and XLSX
(:mod:`.exports`)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Min
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiliang.core.views import require_perm

from . import exports, rules, stats
from .choices import UPPER_LEVELS, Level
from .views_public import EXPORT_TYPES, download

#: the staff pages' permission: staff who work on sampling plans, the city admin and auditors
STATS_PERMISSION = "sampling.view_samplingplan"
#: seed §二's target counts city-level-and-above sampling
CITY_AND_ABOVE = (Level.NATIONAL, Level.PROVINCIAL, Level.CITY)
#: the level filter: one level, or a group of levels
LEVEL_GROUPS = {
    "upper": (gettext_lazy("省级及以上"), UPPER_LEVELS),
    "city_up": (gettext_lazy("市级及以上"), CITY_AND_ABOVE),
}
#: the enterprise table lists the producers with the most results (a county has thousands)
ENTERPRISE_LIMIT = 200
#: bars drawn in a chart; the table shows every row
CHART_BARS = 40

BLUE, RED, GREEN, GREY = "#1d4f91", "#b8262b", "#1e7b34", "#5f6b7a"

# --- filters ---------------------------------------------------------------------------------------


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def level_filter(value: str | None):
    """``(levels for stats, the choice as given)`` for the level filter's value."""
    value = value or ""
    if value in LEVEL_GROUPS:
        return list(LEVEL_GROUPS[value][1]), value
    if value in Level.values:
        return value, value
    return None, ""


def level_choices() -> list[tuple[str, str]]:
    return [("", _("全部层级")), *[(k, str(label)) for k, (label, _levels) in LEVEL_GROUPS.items()],
            *[(v, str(label)) for v, label in Level.choices]]


def years_with_results(user, level=None) -> list[int]:
    """The years that have results the user may see (newest first), and the current year."""
    span = stats.results(user=user, level=level).aggregate(lo=Min("sampled_on"), hi=Max("sampled_on"))
    this_year = timezone.localdate().year
    if not span["lo"]:
        return [this_year]
    return list(range(max(span["hi"].year, this_year), span["lo"].year - 1, -1))


def latest_year(user, level=None) -> int:
    """The latest year with results the user may see (the pages open on it), else this year."""
    hi = stats.results(user=user, level=level).aggregate(hi=Max("sampled_on"))["hi"]
    return hi.year if hi else timezone.localdate().year


def filters_from(request) -> dict:
    """The statistics filters of a request: dimension, level, year, dates, period."""
    by = request.GET.get("by") or "county"
    if by not in stats.DIMENSIONS:
        by = "county"
    levels, level_value = level_filter(request.GET.get("level"))
    date_from, date_to = _date(request.GET.get("date_from")), _date(request.GET.get("date_to"))
    year_param = request.GET.get("year")
    if year_param == "all":
        year = None
    else:
        year = _int(year_param) or (None if (date_from or date_to) else latest_year(request.user, levels))
    period = request.GET.get("period") if request.GET.get("period") in stats.PERIODS else "month"
    return {"by": by, "levels": levels, "level": level_value, "year": year, "date_from": date_from, "date_to": date_to,
            "period": period}


def table_for(f: dict, user) -> list:
    return stats.pass_rate_table(
        by=f["by"], level=f["levels"], year=f["year"], date_from=f["date_from"], date_to=f["date_to"], user=user,
        period=f["period"], limit=ENTERPRISE_LIMIT if f["by"] == "enterprise" else None,
    )


# --- charts ----------------------------------------------------------------------------------------


def _num(rate: Decimal | None):
    return float(rate) if rate is not None else None


def axis_floor(rates, target: Decimal) -> int:
    """The rate axis starts 10 points below the lowest rate (or target), on a multiple of 10."""
    values = [float(r) for r in rates if r is not None] + [float(target)]
    return max(0, int(min(values) // 10) * 10 - 10)


def target_line(target: Decimal, position: str = "end") -> dict:
    return {
        "symbol": "none", "silent": True,
        "lineStyle": {"color": RED, "type": "dashed", "width": 2},
        "label": {"formatter": _("目标 %(rate)s%%") % {"rate": _num(target)}, "position": position, "color": RED},
        "data": [{"yAxis": _num(target), "name": _("目标")}],
    }


def rate_bars(title: str, rows, target: Decimal, *, bottom_codes: frozenset = frozenset()) -> dict:
    """Bars of the pass rate per row; below-target (or bottom-ranked) bars red; the target as a markLine."""
    rows = [r for r in rows if r["rate"] is not None][:CHART_BARS]
    data = []
    for r in rows:
        red = r.get("bottom") or r["below"]
        data.append({"value": _num(r["rate"]), "itemStyle": {"color": RED if red else BLUE},
                     "tested": r["tested"], "qualified": r["qualified"]})
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 15}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 78, "bottom": 8, "top": 64, "containLabel": True},
        "xAxis": {"type": "category", "data": [r["label"] for r in rows],
                  "axisLabel": {"interval": 0, "rotate": 30 if len(rows) > 6 else 0}},
        "yAxis": {"type": "value", "name": _("合格率（%）"), "min": axis_floor([r["rate"] for r in rows], target), "max": 100},
        "series": [{"type": "bar", "name": _("合格率"), "data": data, "barMaxWidth": 46,
                    "label": {"show": True, "position": "top", "formatter": "{c}%"},
                    "markLine": target_line(target)}],
    }


def rate_line(title: str, rows, target: Decimal, *, with_counts: bool = True) -> dict:
    """The pass rate over time (line) with the tested batches (bars, right axis) and the target."""
    labels = [r["label"] for r in rows]
    series = [{"type": "line", "name": _("合格率（%）"), "data": [_num(r["rate"]) for r in rows], "yAxisIndex": 0,
               "symbolSize": 8, "itemStyle": {"color": BLUE}, "label": {"show": True, "formatter": "{c}%"},
               "connectNulls": True, "markLine": target_line(target, "insideEndTop"), "z": 3}]
    y_axes = [{"type": "value", "name": _("合格率（%）"), "min": axis_floor([r["rate"] for r in rows], target), "max": 100}]
    if with_counts:
        series.append({"type": "bar", "name": _("检验批次"), "data": [r["tested"] for r in rows], "yAxisIndex": 1,
                       "itemStyle": {"color": "#c9d6ea"}, "barMaxWidth": 36, "z": 1})
        y_axes.append({"type": "value", "name": _("批次"), "minInterval": 1, "splitLine": {"show": False}})
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 15}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 8, "right": 16, "bottom": 32, "top": 64, "containLabel": True},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": y_axes,
        "series": series,
    }


def row_dicts(rows) -> list[dict]:
    return [{"key": r.key, "label": r.label, "tested": r.tested, "qualified": r.qualified, "failed": r.failed,
             "rate": r.rate, "target": r.target, "below": r.below_target} for r in rows]


# --- staff: pass rates -------------------------------------------------------------------------------


def _describe(f: dict) -> str:
    parts = []
    if f["year"]:
        parts.append(_("%(year)s年") % {"year": f["year"]})
    if f["date_from"] or f["date_to"]:
        parts.append(f"{f['date_from'] or '…'} 至 {f['date_to'] or '…'}")
    if f["level"]:
        parts.append(str(dict(level_choices())[f["level"]]))
    return " · ".join(parts) or _("全部年度、全部层级")


@require_perm(STATS_PERMISSION)
def pass_rates(request):
    """合格率统计: one table by county, category, level, period, enterprise or place, with the
    filters, a bar chart of the table, and the trend by year and by month — all with the target."""
    user = request.user
    f = filters_from(request)
    rows = table_for(f, user)
    target = rows[0].target if rows else stats.target_on(f["year"], f["date_from"], f["date_to"])
    table = row_dicts(rows)
    if f["by"] == "enterprise":  # matched producers link to their registry page (the unmatched row has no page)
        for r in table:
            r["url"] = reverse("enterprises:enterprise-detail", args=[r["key"]]) if isinstance(r["key"], int) else ""
    total = stats.total(rows) if rows else None
    by_label = stats.DIMENSIONS[f["by"]]
    what = _describe(f)
    charts = {}
    # the table as bars (not periods: they are the monthly line below; not enterprises: hundreds of them)
    if any(r["rate"] is not None for r in table) and f["by"] not in ("period", "enterprise"):
        charts["chart-table"] = rate_bars(_("合格率（按%(by)s）") % {"by": by_label}, table, target)
    yearly = row_dicts(stats.trend(unit="year", level=f["levels"], user=user))
    if yearly:
        charts["chart-years"] = rate_line(_("历年合格率趋势"), yearly, yearly[-1]["target"])
    monthly_source = rows if f["by"] == "period" else stats.trend(
        unit="month", level=f["levels"], year=f["year"], date_from=f["date_from"], date_to=f["date_to"], user=user)
    monthly = row_dicts(monthly_source)
    if monthly:
        charts["chart-months"] = rate_line(
            _("%(what)s 合格率（按%(period)s）") % {"what": what, "period": _("季度") if f["by"] == "period" and f["period"] == "quarter" else _("月")},
            monthly, target)
    return render(request, "sampling/stats/pass_rates.html", {
        "f": f, "rows": table, "total": total, "target": target, "by_label": by_label, "what": what,
        "dimensions": list(stats.DIMENSIONS.items()), "levels": level_choices(),
        "years": years_with_results(user), "periods": [("month", _("按月")), ("quarter", _("按季度"))],
        "charts": charts, "query": request.GET.urlencode(), "enterprise_limit": ENTERPRISE_LIMIT,
    })


@require_perm(STATS_PERMISSION)
def pass_rates_export(request, fmt: str):
    """The table of the page (same filters) as CSV or XLSX."""
    if fmt not in EXPORT_TYPES:
        raise Http404(_("不支持的导出格式"))
    f = filters_from(request)
    rows = table_for(f, request.user)
    title = exports.stat_title(f["by"], level=f["levels"], year=f["year"])
    content = exports.stat_csv(rows, by=f["by"]) if fmt == "csv" else exports.stat_xlsx(rows, by=f["by"], title=title)
    return download(content, fmt, title)


# --- staff: the county ranking ---------------------------------------------------------------------------


def ranking_year(request) -> int:
    year = _int(request.GET.get("year"))
    if year and 2000 <= year <= 2100:
        return year
    return latest_year(None, list(UPPER_LEVELS))


@require_perm(STATS_PERMISSION)
def ranking(request):
    """县市区排名: the counties by their provincial-and-above pass rate of a year; the bottom three
    (RULE_SAMPLING_BOTTOM_COUNTIES) highlighted, with the rule and how it applied explained."""
    year = ranking_year(request)
    result = stats.county_ranking(year=year)
    target = rules.pass_rate_target(min(datetime.date(year, 12, 31), timezone.localdate()))
    ranked = [{"label": r.name, "rate": r.rate, "tested": r.tested, "qualified": r.qualified, "below": r.rate is not None and r.rate < target,
               "bottom": r.bottom} for r in result.rows if r.rank is not None]
    charts = {}
    if ranked:
        charts["chart-ranking"] = rate_bars(_("%(year)s年各县市区省级及以上监督抽查合格率") % {"year": year}, ranked, target)
        # the ranking colours bottom counties red, not those merely below the target
        for item, row in zip(charts["chart-ranking"]["series"][0]["data"], ranked):
            item["itemStyle"]["color"] = RED if row["bottom"] else (GREY if row["below"] else BLUE)
    years = years_with_results(None, list(UPPER_LEVELS))
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    return render(request, "sampling/stats/ranking.html", {
        "ranking": result, "year": year, "years": years, "charts": charts, "target": target,
        "level_names": "、".join(str(Level(lv).label) for lv in (Level.NATIONAL, Level.PROVINCIAL) if lv in result.levels),
    })


@require_perm(STATS_PERMISSION)
def ranking_export(request, fmt: str):
    if fmt not in EXPORT_TYPES:
        raise Http404(_("不支持的导出格式"))
    result = stats.county_ranking(year=ranking_year(request))
    content = exports.ranking_csv(result) if fmt == "csv" else exports.ranking_xlsx(result)
    return download(content, fmt, exports.ranking_title(result))


# --- the public pass-rate page ---------------------------------------------------------------------------


def public_pass_rates(*, year: int | None = None) -> dict:
    """The public page's figures: city-level-and-above results published in our bulletins, by
    year (the §二 target) and by category and county for ``year`` (default: the latest)."""
    public = AnonymousUser()
    levels = list(CITY_AND_ABOVE)
    yearly = row_dicts(stats.trend(unit="year", level=levels, user=public))
    years = [r["key"] for r in reversed(yearly)]
    if year not in years:
        year = years[0] if years else None
    by_category = row_dicts(stats.pass_rate_table(by="category", level=levels, year=year, user=public)) if year else []
    by_level = [r for r in row_dicts(stats.pass_rate_table(by="level", level=levels, year=year, user=public)) if r["tested"]] if year else []
    target = yearly[-1]["target"] if yearly else rules.pass_rate_target()
    charts = {}
    if yearly:
        charts["chart-years"] = rate_line(_("十堰市市级及以上监督抽查合格率（按年度）"), yearly, target)
    if any(r["rate"] is not None for r in by_category):
        year_target = next((r["target"] for r in yearly if r["key"] == year), target)
        charts["chart-categories"] = rate_bars(_("%(year)s年合格率（按产品类别）") % {"year": year}, by_category, year_target)
    return {"yearly": yearly, "years": years, "year": year, "by_category": by_category, "by_level": by_level,
            "target": target, "charts": charts}
