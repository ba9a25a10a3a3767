"""The public pages of the sampling app under /choucha/ (anonymous, throttled like the
public search): published plans (抽查计划公告), published draw records with their
verification data, result bulletins (抽查结果公告) with their downloads, and the city's pass
rate by year and category.

Every query starts from ``restrict(…, None)``: only what is published, whoever asks (a signed-in
staff user sees the same public page).  No personal data: inspectors are never named, inspector
and lab draws show only their hashes, samples only ``Sample.public_fields``."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zhiliang.core.permissions import get_for_user, restrict
from zhiliang.core.views import paginate, public_throttle

from . import rules
from .choices import Conclusion, Direction, DrawKind, Level
from .models import Bulletin, Draw, Quota, Sample, SamplingPlan, TestItem

#: one rate for every public sampling page (the same setting as the public search)
public_page = public_throttle("sampling-public")

#: the draw engine's documentation (docs/draw.md) and the command that re-runs a draw
VERIFY_COMMAND = "zhiliang draw verify"
DOCS_DRAW = "docs/draw.md"


#: newest plan notice first; imported plans (no notice of ours) after, on SQLite and PostgreSQL alike
NEWEST_NOTICE = F("published_on").desc(nulls_last=True)


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
    plans = restrict(SamplingPlan.objects.all(), None).select_related("region").order_by(NEWEST_NOTICE, "-pk")[:5]
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
    page = paginate(request, qs.order_by("-year", NEWEST_NOTICE, "code"), per_page=20)
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
    """A limit without trailing zeros (0.0500 → 0.05)."""
    return format(value.normalize(), "f") if value is not None else ""


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
    """The plan's yearly sampling ratio per credit-risk class, in percent (as ``plans`` stores them)."""
    ratios = plan.risk_ratios or {}
    out = []
    for cls in ("A", "B", "C", "D"):
        if cls in ratios:
            try:
                out.append((cls, f"{float(ratios[cls]):g}%"))
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


def _stratum_label(stratum: str, regions: dict, categories: dict) -> str:
    """``420302|auto-parts|B`` → 茅箭区 · 汽车零部件 · B 类 (parts not known are shown as they are)."""
    parts = stratum.split("|")
    out = []
    for i, part in enumerate(parts):
        if part in regions:
            out.append(regions[part])
        elif part in categories:
            out.append(categories[part])
        elif i == len(parts) - 1 and part in ("A", "B", "C", "D"):
            out.append(_("%(cls)s 类") % {"cls": part})
        else:
            out.append(part)
    return " · ".join(out)


def _enterprise_names(keys: list[str]) -> dict[str, str]:
    """Names of drawn enterprises by their key (``Enterprise.search_key``: the USCC, or
    ``enterprise:<pk>``) — registration facts, public reference data."""
    from zhiliang.enterprises.models import Enterprise

    usccs = [k for k in keys if not k.startswith("enterprise:")]
    pks = [int(k.split(":", 1)[1]) for k in keys if k.startswith("enterprise:") and k.split(":", 1)[1].isdigit()]
    names = {}
    qs = restrict(Enterprise.objects.all(), None)
    for uscc, name in qs.filter(uscc__in=usccs).values_list("uscc", "name"):
        names[uscc] = name
    for pk, name in qs.filter(pk__in=pks).values_list("pk", "name"):
        names[f"enterprise:{pk}"] = name
    return names


def _product_names(subs: list[str]) -> dict[str, str]:
    """``product:<pk>`` → "制动鼓（JG-3502）": the drawn product, as the registry publishes it."""
    from zhiliang.enterprises.models import Product

    pks = [int(s.split(":", 1)[1]) for s in subs if s.startswith("product:") and s.split(":", 1)[1].isdigit()]
    out = {}
    for pk, name, model in restrict(Product.objects.filter(pk__in=pks), None).values_list("pk", "name", "model"):
        out[f"product:{pk}"] = f"{name}（{model}）" if model else name
    return out


def result_table(draw: Draw) -> tuple[list[str], list[list]]:
    """The published result of an enterprise draw as (headers, rows): stratum, order, the
    enterprise (name and key) and the drawn product; nothing for inspector and lab draws,
    whose results hold personal or commercial data."""
    from zhiliang.core.models import Region
    from zhiliang.enterprises.models import ProductCategory

    picks = [p for p in (draw.result or []) if isinstance(p, dict)]
    if not draw.pool_is_public or not picks:
        return [], []
    parts = {part for p in picks for part in str(p.get("stratum", "")).split("|")}
    regions = dict(Region.objects.filter(code__in=parts).values_list("code", "name"))
    categories = dict(ProductCategory.objects.filter(code__in=parts).values_list("code", "name"))
    names = _enterprise_names([str(p.get("key", "")) for p in picks])
    products = _product_names([str(p.get("sub") or "") for p in picks])
    headers = [_("分层（县市区 · 产品类别 · 信用风险分类）"), _("层内序号"), _("企业"), _("名录标识"), _("抽检产品")]
    rows = []
    for p in picks:
        key = str(p.get("key", ""))
        priority = _("（优先）") if p.get("priority") else ""
        rows.append([_stratum_label(str(p.get("stratum", "")), regions, categories), p.get("order", ""),
                     f"{names.get(key, '')}{priority}" or "—", key, products.get(str(p.get("sub") or ""), p.get("sub") or "—")])
    return headers, rows


#: keys of a record never published for inspector and lab draws (personal or commercial data)
PRIVATE_RECORD_KEYS = ("result",)


def draw_record(draw: Draw) -> dict:
    """The published draw record (``draw.record_for``, what ``zhiliang draw verify`` reads).
    Inspector and lab draws: without their result — only the hashes are public."""
    from . import draw as engine

    record = engine.record_for(draw)
    if not draw.pool_is_public:
        for key in PRIVATE_RECORD_KEYS:
            record.pop(key, None)
        record["result_public"] = False
    return record


@public_page
def draw_detail(request, pk: int):
    draw = _public_draw(pk)
    headers, rows = result_table(draw)
    return render(request, "sampling/public/draw_detail.html", {
        "draw": draw, "headers": headers, "rows": rows, "verify_command": VERIFY_COMMAND,
        "record_name": record_name(draw), "pool_name": pool_name(draw) if draw.pool_is_public else "",
        "followups": restrict(Draw.objects.filter(based_on=draw), None).order_by("kind", "pk"),
    })


def pool_name(draw: Draw) -> str:
    """The pool file's name as published (``<sha256>.jsonl``: what the record's ``pool_file`` says)."""
    return draw.pool_file.name.rsplit("/", 1)[-1] if draw.pool_file else f"{draw.pool_hash}.jsonl"


def record_name(draw: Draw) -> str:
    """The record's file name, as ``zhiliang draw export`` writes it."""
    return f"draw-{draw.pk}.json"


@public_page
def draw_pool(request, pk: int):
    """The frozen enterprise pool file, its canonical bytes (their SHA-256 is the published pool
    hash).  Inspector and lab pools are never downloadable here: 404."""
    from . import draw as engine

    draw = _public_draw(pk)
    if not draw.pool_is_public or not draw.pool_file:
        raise Http404(_("该抽取记录的名录不公开"))
    try:
        handle = draw.pool_file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("名录文件不存在")) from exc
    if handle.read(2) == b"\x1f\x8b":  # stored compressed: publish the canonical bytes
        handle.seek(0)
        with handle:
            data = engine.decompress(handle.read())
        response = HttpResponse(data, content_type="application/jsonl; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{pool_name(draw)}"'
        return response
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=pool_name(draw), content_type="application/jsonl; charset=utf-8")


@public_page
def draw_record_json(request, pk: int):
    draw = _public_draw(pk)
    body = json.dumps(draw_record(draw), ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record_name(draw)}"'
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
        .order_by("sampled_on", "sample_no")  # the order of the downloads (``exports.bulletin_rows``)
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


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(content: bytes, fmt: str, name: str) -> HttpResponse:
    """A CSV or XLSX file as an attachment named ``name`` (Chinese kept: RFC 6266 ``filename*``)."""
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    ascii_name = name.encode("ascii", "ignore").decode().strip() or "export"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}.{fmt}\"; filename*=UTF-8''{quote(name)}.{fmt}"
    return response


@public_page
def bulletin_export(request, pk: int, fmt: str):
    """The bulletin's standard table as XLSX or CSV (``exports``: the same columns as the page)."""
    if fmt not in EXPORT_TYPES:
        raise Http404(_("不支持的导出格式"))
    bulletin = get_for_user(Bulletin.objects.select_related("plan"), None, pk=pk)
    from . import exports

    content = exports.bulletin_csv(bulletin) if fmt == "csv" else exports.bulletin_xlsx(bulletin)
    return download(content, fmt, exports.bulletin_title(bulletin))


# --- pass rate ------------------------------------------------------------------------------------------


@public_page
def pass_rate(request):
    """The city's sampling pass rate (city level and above: seed §二's ≥ 90 % target) by year,
    and by category for a chosen year — from published results only (``user=None``)."""
    from .views_stats import public_pass_rates

    return render(request, "sampling/public/pass_rate.html", public_pass_rates(year=_int(request.GET.get("year"))))
