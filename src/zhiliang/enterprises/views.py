"""The registry's pages: the staff console (enterprises, products, testing agencies,
inspectors, the city dashboard) and the public enterprise page.

Every query starts from ``restrict``/``get_for_user``; every write goes through
``services`` inside the request's audit context (docs/ui.md)."""

from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Prefetch, Q, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiliang.core import search as core_search
from zhiliang.core.audit import mask_value
from zhiliang.core.models import Region
from zhiliang.core.permissions import (
    can,
    get_for_user,
    restrict,
)
from zhiliang.core.sections import render_sections
from zhiliang.core.views import paginate, require_perm, staff_required, web_context

from . import services
from .choices import EnterpriseStatus, LicenceStatus, QualificationKind
from .forms import (
    EnterpriseForm,
    EnterpriseUIFilterSet,
    InspectorUIFilterSet,
    TestingAgencyUIFilterSet,
)
from .models import (
    ConflictOfInterest,
    Enterprise,
    Inspector,
    Licence,
    Product,
    ProductCategory,
    TestingAgency,
)
from .selectors import may_reveal, user_region_ids

#: matches taken from the search index for the list (ranked); a narrower query or filters show the rest
SEARCH_LIMIT = 200
USCC_LIKE = re.compile(r"^[0-9A-Z]{18}$")


def _filter_params(request, *drop: str):
    params = request.GET.copy()
    for key in ("page", *drop):
        params.pop(key, None)
    return params


def _personal(obj, user) -> list[dict]:
    """The masked personal fields of ``obj`` for a staff page (reveal needs ``core.view_personal_data``)."""
    return [
        {"name": f, "label": obj._meta.get_field(f).verbose_name, "masked": mask_value(getattr(obj, f))}
        for f in obj.personal_fields
    ]




# --- enterprises ----------------------------------------------------------------------------------


def search_enterprise_ids(query: str, user) -> tuple[list[int], int]:
    """Ids of the enterprises matching ``query``, ranked by ``core.search`` (at most
    :data:`SEARCH_LIMIT`), and the number of matches (estimated beyond a few thousand).
    Raises ``QueryTooShort`` for a query without a term of two characters."""
    ids: list[int] = []
    page, total = 1, 0
    while len(ids) < SEARCH_LIMIT:
        results = core_search.search(query, kinds=["enterprise"], user=user, page=page, per_page=core_search.MAX_PER_PAGE)
        ids += [int(h.object_id) for h in results.hits]
        total = max(total, results.count)
        if not results.has_next:
            break
        page += 1
    return ids[:SEARCH_LIMIT], max(total, len(ids))


@staff_required  # registry facts are reference data: every staff user reads them (CORE.md)
def enterprise_list(request):
    """企业列表: search (≥ 2 characters, or a USCC) and the filters of ``EnterpriseFilterSet``."""
    query = (request.GET.get("q") or "").strip()[:100]
    qs = Enterprise.objects.restrict(request.user, "view").select_related("region")
    filterset = EnterpriseUIFilterSet(_filter_params(request, "q"), queryset=qs, request=request)
    results = filterset.qs if filterset.is_valid() else qs.none()
    search_note = ""
    if query:
        code = query.upper()
        if USCC_LIKE.match(code):
            results = results.filter(Q(uscc=code) | Q(identifiers__value=code)).distinct()
        else:
            try:
                ids, total = search_enterprise_ids(query, request.user)
            except ValidationError as exc:
                search_note = "；".join(exc.messages)
                results = results.none()
            else:
                if total > len(ids):
                    search_note = _("约 %(total)s 家企业匹配，只列出最相关的 %(n)s 家；请输入更完整的名称或增加筛选条件。") % {"total": total, "n": len(ids)}
                order = Case(*[When(pk=pk, then=i) for i, pk in enumerate(ids)], output_field=IntegerField()) if ids else None
                results = results.filter(pk__in=ids)
                if order is not None:
                    results = results.order_by(order)
    page = paginate(request, results)
    return render(request, "enterprises/enterprise_list.html", {
        "page": page, "filterset": filterset, "query": query, "search_note": search_note,
    })


@staff_required  # registry facts are reference data: every staff user reads them (CORE.md)
def enterprise_detail(request, pk: int):
    enterprise = get_for_user(Enterprise.objects.select_related("region"), request.user, pk=pk)
    return render(request, "enterprises/enterprise_detail.html", {
        "enterprise": enterprise,
        "sections": render_sections("enterprise", enterprise, request.user, public=False, request=request),
        "can_change": can(enterprise, request.user, "change"),
    })


@require_perm("enterprises.view_enterprise")
def enterprise_edit(request, pk: int):
    """Edit form; only staff who may change the enterprise (county staff of its county) — others 403."""
    enterprise = get_for_user(Enterprise.objects.select_related("region"), request.user, "change", pk=pk)
    if request.method == "POST":
        form = EnterpriseForm(request.POST, instance=enterprise, user=request.user)
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("没有修改任何内容。"))
                return redirect("enterprises:enterprise-detail", pk=enterprise.pk)
            fresh = Enterprise.objects.get(pk=enterprise.pk)
            categories = changes.pop("categories", None)
            try:
                with web_context(request, f"修改企业信息：{fresh.name}（{fresh.uscc or fresh.pk}）"):
                    services.update_enterprise(actor=request.user, enterprise=fresh, categories=categories, **changes)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("已保存企业“%(name)s”的信息。") % {"name": fresh.name})
                return redirect("enterprises:enterprise-detail", pk=fresh.pk)
        return render(request, "enterprises/enterprise_edit.html", {"form": form, "enterprise": enterprise}, status=400)
    form = EnterpriseForm(instance=enterprise, user=request.user)
    return render(request, "enterprises/enterprise_edit.html", {"form": form, "enterprise": enterprise})


def public_enterprise(request, pk: int):
    """The public enterprise page: only ``Enterprise.public_fields`` and the sections
    registered with ``public=True``, rendered as for an anonymous visitor."""
    enterprise = get_for_user(Enterprise.objects.select_related("region"), None, pk=pk)
    return render(request, "enterprises/public_enterprise.html", {
        "enterprise": enterprise,
        "sections": render_sections("enterprise", enterprise, None, public=True, request=request),
    })


# --- products ------------------------------------------------------------------------------------------


@staff_required  # registry facts are reference data: every staff user reads them (CORE.md)
def product_detail(request, pk: int):
    product = get_for_user(Product.objects.select_related("enterprise__region", "category__parent"), request.user, pk=pk)
    licences = (
        restrict(Licence.objects.all(), request.user)
        .filter(enterprise_id=product.enterprise_id)
        .filter(Q(categories=product.category) | Q(categories__isnull=True))
        .distinct()
        .order_by("kind", "number")
    )
    return render(request, "enterprises/product_detail.html", {
        "product": product,
        "licences": licences,
        "today": timezone.localdate(),
        "can_change": can(product, request.user, "change"),
    })


# --- testing agencies ----------------------------------------------------------------------------------


@staff_required
def agency_list(request):
    qs = (
        TestingAgency.objects.restrict(request.user, "view")
        .select_related("region")
        .prefetch_related(Prefetch("categories", queryset=ProductCategory.objects.order_by("sort_order")))
    )
    filterset = TestingAgencyUIFilterSet(_filter_params(request), queryset=qs, request=request)
    results = filterset.qs if filterset.is_valid() else qs.none()
    return render(request, "enterprises/agency_list.html", {
        "page": paginate(request, results), "filterset": filterset, "today": timezone.localdate(),
    })


@staff_required
def agency_detail(request, pk: int):
    agency = get_for_user(TestingAgency.objects.select_related("region"), request.user, pk=pk)
    conflicts = (
        restrict(ConflictOfInterest.objects.select_related("enterprise"), request.user).filter(agency=agency).order_by("-valid_from", "pk")
    )
    return render(request, "enterprises/agency_detail.html", {
        "agency": agency,
        "categories": agency.categories.select_related("parent").order_by("sort_order"),
        "conflicts": conflicts,
        "today": timezone.localdate(),
    })


# --- inspectors (not public: scoped by region and department) -------------------------------------------------


@require_perm("enterprises.view_inspector")
def inspector_list(request):
    qs = (
        Inspector.objects.restrict(request.user, "view")
        .select_related("region", "department")
        .prefetch_related(Prefetch("categories", queryset=ProductCategory.objects.order_by("sort_order")))
    )
    filterset = InspectorUIFilterSet(_filter_params(request), queryset=qs, request=request)
    results = filterset.qs if filterset.is_valid() else qs.none()
    return render(request, "enterprises/inspector_list.html", {"page": paginate(request, results), "filterset": filterset})


@require_perm("enterprises.view_inspector")
def inspector_detail(request, pk: int):
    inspector = get_for_user(Inspector.objects.select_related("region", "department", "user"), request.user, pk=pk)
    conflicts = (
        restrict(ConflictOfInterest.objects.select_related("enterprise"), request.user).filter(inspector=inspector).order_by("-valid_from", "pk")
    )
    return render(request, "enterprises/inspector_detail.html", {
        "inspector": inspector,
        "personal": _personal(inspector, request.user),
        "can_reveal": may_reveal(inspector, request.user),
        "model_label": inspector._meta.label_lower,
        "categories": inspector.categories.order_by("sort_order"),
        "qualifications": [QualificationKind(q).label if q in QualificationKind.values else q for q in inspector.qualifications],
        "conflicts": conflicts,
    })


# --- the city dashboard ----------------------------------------------------------------------------------------

EXPIRY_DAYS = 90


def _in_regions(qs, region_ids, field: str = "region"):
    return qs if region_ids is None else qs.filter(**{f"{field}__in": region_ids})


def dashboard_data(user, today: datetime.date | None = None) -> dict:
    """Headline numbers and chart series for ``user``'s regions (``selectors.user_region_ids``)."""
    today = today or timezone.localdate()
    region_ids = user_region_ids(user)
    enterprises = _in_regions(Enterprise.objects.restrict(user, "view"), region_ids)
    products = _in_regions(Product.objects.restrict(user, "view"), region_ids)
    licences = _in_regions(Licence.objects.restrict(user, "view"), region_ids).filter(status=LicenceStatus.VALID)
    in_force = licences.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    expiring = licences.filter(valid_until__gte=today, valid_until__lte=today + datetime.timedelta(days=EXPIRY_DAYS))
    agencies = _in_regions(TestingAgency.objects.restrict(user, "view"), region_ids).filter(is_active=True)
    inspectors = _in_regions(Inspector.objects.restrict(user, "view"), region_ids).filter(is_active=True)

    by_region = dict(enterprises.order_by().values_list("region").annotate(n=Count("pk")))
    # every county-level unit in the user's regions (zeros included, so counties compare), and any other region with enterprises
    local = Region.objects.filter(level__in=("county", "zone"))
    if region_ids is not None:
        local = local.filter(pk__in=region_ids)
    regions = Region.objects.filter(Q(pk__in=list(by_region)) | Q(pk__in=local.values("pk"))).order_by("sort_order", "code")
    by_status = dict(enterprises.order_by().values_list("status").annotate(n=Count("pk")))

    key_categories = list(ProductCategory.objects.filter(is_key_category=True).order_by("sort_order", "code"))
    children: dict[int, list[int]] = {}
    for pk, parent_id in ProductCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)

    def subtree(pk: int) -> list[int]:
        out, stack = [], [pk]
        while stack:
            node = stack.pop()
            out.append(node)
            stack += children.get(node, [])
        return out

    by_category = enterprises.order_by().aggregate(**{
        f"c{c.pk}": Count("pk", filter=Q(categories__in=subtree(c.pk)), distinct=True) for c in key_categories
    }) if key_categories else {}

    return {
        "scope": None if region_ids is None else [r.name for r in Region.objects.filter(pk__in=region_ids).exclude(parent_id__in=region_ids)],
        "numbers": [
            {"key": "enterprises", "label": _("企业"), "value": enterprises.count(), "url": reverse("enterprises:enterprise-list")},
            {"key": "active", "label": _("存续企业"), "value": by_status.get(EnterpriseStatus.ACTIVE, 0),
             "url": reverse("enterprises:enterprise-list") + "?status=" + EnterpriseStatus.ACTIVE},
            {"key": "products", "label": _("产品"), "value": products.count(), "url": None},
            {"key": "licences", "label": _("有效许可证书"), "value": in_force.count(), "url": None},
            {"key": "expiring", "label": _("%(days)s 天内到期的许可证书") % {"days": EXPIRY_DAYS}, "value": expiring.count(), "url": None},
            {"key": "agencies", "label": _("检验检测机构"), "value": agencies.count(), "url": reverse("enterprises:agency-list")},
            {"key": "inspectors", "label": _("执法检查人员"), "value": inspectors.count(), "url": reverse("enterprises:inspector-list")},
        ],
        "by_region": [(r.name, by_region.get(r.pk, 0)) for r in regions],
        "by_category": [(c.name, by_category.get(f"c{c.pk}", 0)) for c in key_categories],
        "by_status": [(EnterpriseStatus(s).label, by_status[s]) for s in EnterpriseStatus.values if by_status.get(s)],
    }


def _bar(title: str, rows: list[tuple[str, int]], *, horizontal: bool = False, color: str = "#1d4f91") -> dict:
    labels = [str(name) for name, _n in rows]
    values = [n for _name, n in rows]
    category_axis = {"type": "category", "data": labels, "axisLabel": {"interval": 0, **({} if horizontal else {"rotate": 30})}}
    value_axis = {"type": "value", "minInterval": 1}
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 15}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 24, "bottom": 8, "top": 44, "containLabel": True},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": {**category_axis, "inverse": True} if horizontal else value_axis,
        "series": [{"type": "bar", "name": str(_("企业数")), "data": values, "itemStyle": {"color": color},
                    "label": {"show": True, "position": "right" if horizontal else "top"}}],
    }


def _pie(title: str, rows: list[tuple[str, int]]) -> dict:
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 15}},
        "tooltip": {"trigger": "item", "formatter": "{b}：{c}（{d}%）"},
        "legend": {"bottom": 0},
        "color": ["#1e7b34", "#a85d00", "#5f6b7a", "#b8262b", "#1d4f91"],
        "series": [{"type": "pie", "name": str(_("登记状态")), "radius": ["35%", "65%"], "center": ["50%", "48%"],
                    "label": {"formatter": "{b}\n{c}"},
                    "data": [{"name": str(name), "value": n} for name, n in rows]}],
    }


@require_perm("enterprises.view_enterprise")
def dashboard(request):
    """数据看板: the registry's figures for the user's regions, as ECharts charts."""
    data = dashboard_data(request.user)
    charts = {
        "chart-region": _bar(_("各县市区企业数"), data["by_region"]),
        "chart-category": _bar(_("十类重点消费品企业数"), data["by_category"], horizontal=True, color="#b8262b"),
        "chart-status": _pie(_("企业登记状态"), data["by_status"]),
    }
    return render(request, "enterprises/dashboard.html", {"data": data, "charts": charts})

