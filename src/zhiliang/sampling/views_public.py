"""The public pages of the sampling app under /choucha/ (anonymous, throttled per IP like the
public search): published plans (抽查计划公告), published draw records with their
verification data, result bulletins (抽查结果公告) with their downloads, and the city's pass
rate by year and category.

Every query starts from ``restrict(…, None)``: only what is published, whoever asks (a signed-in
staff user sees the same public page).  No personal data: inspectors are never named, inspector
and lab draws show only their hashes, samples only ``Sample.public_fields``."""

from __future__ import annotations

import json

from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zhiliang.core.permissions import get_for_user, restrict
from zhiliang.core.views import paginate, throttle

from . import rules
from .choices import Conclusion, Direction, DrawKind, Level
from .models import Bulletin, Draw, Quota, Sample, SamplingPlan, TestItem

#: one rate for every public sampling page (the same setting as the public search)
public_page = throttle("sampling-public", "PUBLIC_QUERY_RATE", ("ip",), method="GET")

#: the draw engine's documentation (docs/draw.md) and the command that re-runs a draw
VERIFY_COMMAND = "zhiliang draw verify"
DOCS_DRAW = "docs/draw.md"


def _year_choices(qs, field: str = "year") -> list[int]:
    return sorted({y for y in qs.order_by().values_list(field, flat=True).distinct() if y}, reverse=True)


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# --- index ----------------------------------------------------------------------------------------


@public_page
def index(request):
    """监督抽查 — the public entry: the latest plans, draws and bulletins."""
    plans = restrict(SamplingPlan.objects.all(), None).select_related("region").order_by("-published_on", "-pk")[:5]
    draws = restrict(Draw.objects.all(), None).select_related("plan").order_by("-published_at", "-pk")[:5]
    bulletins = restrict(Bulletin.objects.all(), None).select_related("plan").order_by("-published_on", "-pk")[:5]
    return render(request, "sampling/public/index.html", {"plans": plans, "draws": draws, "bulletins": bulletins})


# --- plans ----------------------------------------------------------------------------------------


@public_page
def plan_list(request):
    """抽查计划公告 — the published plans, newest first; filter by year and level."""
    qs = restrict(SamplingPlan.objects.select_related("region").prefetch_related("categories"), None)
    years = _year_choices(qs)
    year, level = _int(request.GET.get("year")), request.GET.get("level") or ""
    if year:
        qs = qs.filter(year=year)
    if level in Level.values:
        qs = qs.filter(level=level)
    page = paginate(request, qs.order_by("-year", "-published_on", "code"), per_page=20)
    return render(request, "sampling/public/plan_list.html", {
        "page": page, "years": years, "year": year, "level": level, "levels": Level.choices,
    })


@public_page
def plan_detail(request, pk: int):
    """One published plan: categories, test items, quotas by county, its published draws and bulletins."""
    plan = get_for_user(SamplingPlan.objects.select_related("region", "department"), None, pk=pk)
    categories = list(plan.categories.order_by("sort_order", "code"))
    items = list(restrict(TestItem.objects.filter(plan=plan), None).select_related("category"))
    items_by_category: dict[int, list] = {}
    for item in items:
        item.limit_text = limit_text(item)
        items_by_category.setdefault(item.category_id, []).append(item)
    for category in items_by_category:  # categories named only by their test items
        if category not in {c.pk for c in categories}:
            categories.append(next(i.category for i in items if i.category_id == category))
    quotas = list(restrict(Quota.objects.filter(plan=plan), None).select_related("region", "category"))
    quota_categories = sorted({q.category for q in quotas}, key=lambda c: (c.sort_order, c.code))
    quota_rows: dict[int, dict] = {}
    for q in quotas:
        row = quota_rows.setdefault(q.region_id, {"region": q.region, "cells": {}, "total": 0})
        row["cells"][q.category_id] = q.quantity
        row["total"] += q.quantity
    quota_table = [
        {"region": row["region"], "cells": [row["cells"].get(c.pk) for c in quota_categories], "total": row["total"]}
        for row in sorted(quota_rows.values(), key=lambda r: (r["region"].sort_order, r["region"].code))
    ]
    column_totals = [sum(q.quantity for q in quotas if q.category_id == c.pk) for c in quota_categories]
    return render(request, "sampling/public/plan_detail.html", {
        "plan": plan,
        "categories": [{"category": c, "items": items_by_category.get(c.pk, [])} for c in categories],
        "quota_categories": quota_categories,
        "quota_table": quota_table,
        "column_totals": column_totals,
        "quota_total": sum(column_totals),
        "draws": restrict(Draw.objects.filter(plan=plan), None).order_by("frozen_at", "pk"),
        "bulletins": restrict(Bulletin.objects.filter(plan=plan), None).order_by("-published_on", "-pk"),
        "ratios": _ratios(plan),
    })


def _number(value) -> str:
    text = format(value.normalize(), "f") if value is not None else ""
    return text


def limit_text(item) -> str:
    """A test item's limit as published: ≤ 0.5, ≥ 10, 2–8, or the qualitative requirement."""
    unit = f" {item.unit}" if item.unit else ""
    if item.direction == Direction.MAX:
        return f"≤ {_number(item.limit_high)}{unit}"
    if item.direction == Direction.MIN:
        return f"≥ {_number(item.limit_low)}{unit}"
    if item.direction == Direction.RANGE:
        return f"{_number(item.limit_low)}～{_number(item.limit_high)}{unit}"
    return item.requirement or _("符合标准要求")


def _ratios(plan) -> list[tuple[str, str]]:
    ratios = plan.risk_ratios or {}
    out = []
    for cls in ("A", "B", "C", "D"):
        if cls in ratios:
            try:
                out.append((cls, f"{float(ratios[cls]) * 100:g}%"))
            except (TypeError, ValueError):
                continue
    return out


# --- draw records -----------------------------------------------------------------------------------


@public_page
def draw_list(request):
    """抽取记录 — every published draw, newest first."""
    qs = restrict(Draw.objects.select_related("plan"), None)
    kind = request.GET.get("kind") or ""
    if kind in DrawKind.values:
        qs = qs.filter(kind=kind)
    page = paginate(request, qs.order_by("-published_at", "-pk"), per_page=20)
    return render(request, "sampling/public/draw_list.html", {"page": page, "kind": kind, "kinds": DrawKind.choices})


def _public_draw(pk: int) -> Draw:
    return get_for_user(Draw.objects.select_related("plan", "based_on"), None, pk=pk)


RESULT_LABELS = {
    "rank": "序号", "stratum": "分层", "region": "县市区", "region_name": "县市区", "category": "产品类别",
    "category_name": "产品类别", "key": "名录标识", "uscc": "统一社会信用代码", "name": "企业名称",
    "enterprise": "企业名称", "enterprise_name": "企业名称", "credit_class": "信用风险分类", "hmac": "排序值（HMAC-SHA256）",
    "score": "排序值（HMAC-SHA256）", "product": "产品",
}


def result_table(draw: Draw) -> tuple[list[str], list[list]]:
    """The published result of an enterprise draw as (headers, rows); nothing for the others."""
    if not draw.pool_is_public:
        return [], []
    rows = draw.result or []
    if not rows:
        return [], []
    if not all(isinstance(r, dict) for r in rows):
        return [_("抽中")], [[r] for r in rows]
    keys: list[str] = []
    for r in rows:
        for k in r:
            if k not in keys and not isinstance(r[k], (dict, list)):
                keys.append(k)
    headers = [RESULT_LABELS.get(k, k) for k in keys]
    return headers, [[r.get(k, "") for k in keys] for r in rows]


def draw_record(draw: Draw) -> dict:
    """The published draw record (the JSON ``zhiliang draw verify`` reads).  Inspector and lab
    draws: only hashes — their pools and results hold personal or commercial data."""
    record = _engine_record(draw)
    if record is None:
        record = {
            "algorithm": draw.algorithm,
            "plan": draw.plan.code,
            "kind": draw.kind,
            "on_date": draw.on_date.isoformat(),
            "pool_sha256": draw.pool_hash,
            "pool_size": draw.pool_size,
            "excluded_count": draw.excluded_count,
            "seed_commitment": draw.seed_commitment,
            "seed": draw.seed,
            "public_value": draw.public_value,
            "result_sha256": draw.result_hash,
            "result": draw.result,
        }
    if not draw.pool_is_public:
        record = {k: v for k, v in record.items() if k not in PRIVATE_RECORD_KEYS}
        record["result_published"] = False
    return record


#: keys of a record never published for inspector and lab draws
PRIVATE_RECORD_KEYS = {"result", "pool", "quotas", "excluded", "exclusions", "assignments"}


def _engine_record(draw: Draw) -> dict | None:
    """The draw engine's own record of ``draw``, when the engine provides one."""
    try:
        from . import draw as engine
    except ImportError:
        return None
    build = getattr(engine, "record_of", None) or getattr(engine, "draw_record", None)
    if build is None:
        return None
    return build(draw)


@public_page
def draw_detail(request, pk: int):
    draw = _public_draw(pk)
    headers, rows = result_table(draw)
    return render(request, "sampling/public/draw_detail.html", {
        "draw": draw, "headers": headers, "rows": rows, "verify_command": VERIFY_COMMAND,
        "followups": restrict(Draw.objects.filter(based_on=draw), None).order_by("kind", "pk"),
    })


@public_page
def draw_pool(request, pk: int):
    """The frozen enterprise pool file, byte for byte (its SHA-256 is the published pool hash).
    Inspector and lab pools are never downloadable: 404."""
    draw = _public_draw(pk)
    if not draw.pool_is_public or not draw.pool_file:
        raise Http404(_("该抽取记录的名录不公开"))
    try:
        handle = draw.pool_file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("名录文件不存在")) from exc
    name = draw.pool_file.name.rsplit("/", 1)[-1] or f"draw-{draw.pk}-pool.json"
    return FileResponse(handle, as_attachment=True, filename=name)


@public_page
def draw_record_json(request, pk: int):
    draw = _public_draw(pk)
    body = json.dumps(draw_record(draw), ensure_ascii=False, indent=2, sort_keys=True, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}-record.json"'
    return response


@public_page
def draw_howto(request):
    """如何验证抽取结果 — the short version of docs/draw.md."""
    return render(request, "sampling/public/draw_howto.html", {"verify_command": VERIFY_COMMAND, "docs_path": DOCS_DRAW})


# --- result bulletins ----------------------------------------------------------------------------------


def public_samples(bulletin: Bulletin):
    return (
        restrict(Sample.objects.filter(bulletin=bulletin), None)
        .select_related("region")
        .only(*[f for f in Sample.public_fields if f != "region"], "region__name", "bulletin_id", "place", "category_id")
        .order_by("conclusion", "pk")
    )


@public_page
def bulletin_list(request):
    """抽查结果公告 — the published bulletins with their counts."""
    qs = restrict(Bulletin.objects.select_related("plan"), None).annotate(
        tested=Count("samples"), failed=Count("samples", filter=Q(samples__conclusion=Conclusion.FAIL)),
    )
    years = _year_choices(qs, "plan__year")
    year, level = _int(request.GET.get("year")), request.GET.get("level") or ""
    if year:
        qs = qs.filter(plan__year=year)
    if level in Level.values:
        qs = qs.filter(plan__level=level)
    page = paginate(request, qs.order_by("-published_on", "-pk"), per_page=20)
    return render(request, "sampling/public/bulletin_list.html", {
        "page": page, "years": years, "year": year, "level": level, "levels": Level.choices,
    })


@public_page
def bulletin_detail(request, pk: int):
    bulletin = get_for_user(Bulletin.objects.select_related("plan", "plan__region"), None, pk=pk)
    samples = list(public_samples(bulletin))
    failed = sum(1 for s in samples if s.conclusion == Conclusion.FAIL)
    return render(request, "sampling/public/bulletin_detail.html", {
        "bulletin": bulletin, "samples": samples, "tested": len(samples), "failed": failed,
        "rate": rules.pass_rate(len(samples) - failed, len(samples)),
    })


@public_page
def bulletin_export(request, pk: int, fmt: str):
    """The bulletin's table as XLSX or CSV (``exports.bulletin_table``)."""
    bulletin = get_for_user(Bulletin.objects.select_related("plan"), None, pk=pk)
    from . import exports

    return exports.bulletin_response(bulletin, fmt, user=None)


# --- pass rate ------------------------------------------------------------------------------------------


@public_page
def pass_rate(request):
    """The city's sampling pass rate (city level and above: seed §二's ≥ 90 % target) by year,
    and by category for a chosen year — from published results only (``user=None``)."""
    from .views_stats import public_pass_rates

    return render(request, "sampling/public/pass_rate.html", public_pass_rates(year=_int(request.GET.get("year"))))
