"""The staff console of the sampling app under /staff/sampling/: plans (items, quotas,
approval), verifiable draws, sampling tasks, samples and their chain of custody, the lab's test
report, the enterprise's own results (printable notice, objection), the steps after a failing
result (notification, objection decision, rectification, referral), result bulletins and the
review list of imported results.

Every query starts from ``restrict``/``get_for_user`` (outside the user's scope → 404; a role
without the model's permission → 403); every write goes through ``sampling.services`` inside
the request's audit context (``web_context``), and a service's ``ValidationError`` comes back
to the page in Chinese next to the field it names."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhiliang.core.choices import Role
from zhiliang.core.reference_data import CITY_CODE
from zhiliang.core.permissions import (
    can,
    has_perm,
    in_own_scope,
    is_staff_user,
    memberships,
    restrict,
    restrict_q,
)
from zhiliang.core.views import apply_errors, fetch, form_errors_message, paginate, require_perm, staff_required, web_context
from zhiliang.enterprises.filtersets import search_filter
from zhiliang.core.models import Region
from zhiliang.enterprises.models import Enterprise, ProductCategory
from zhiliang.enterprises.selectors import own_enterprise_ids, own_lab_ids

from . import rules, selectors
from .choices import (
    Conclusion,
    DrawKind,
    DrawStatus,
    ObjectionStatus,
    PlanStatus,
    RectificationStatus,
    ReferralStatus,
    ReportStatus,
    SampleStatus,
    Source,
    TaskStatus,
)
from .filtersets import rectification_overdue_q, referral_overdue_q
from .forms import (
    AttachmentForm,
    BulletinForm,
    DecideObjectionForm,
    MatchForm,
    NotifyForm,
    ObjectionForm,
    OnDateForm,
    PassedForm,
    PlanForm,
    PlanUIFilterSet,
    QuotaGridForm,
    ReceiveForm,
    ReferralForm,
    RefuseForm,
    ReplyForm,
    ReportForm,
    RunDrawForm,
    SampleForm,
    SampleUIFilterSet,
    SendForm,
    TaskUIFilterSet,
    TestItemEditForm,
    TestItemFormSet,
    initial_from_task,
)
from .models import (
    Bulletin,
    Draw,
    Objection,
    Rectification,
    Referral,
    Sample,
    SampleAttachment,
    SamplingPlan,
    SamplingTask,
    TestItem,
    TestReport,
)
from .services import bulletins as bulletin_services
from .services import draws as draw_services
from .services import plans as plan_services
from .services import samples as sample_services
from .views_public import limit_text, result_table

# --- helpers ----------------------------------------------------------------------------------------






def own_scope(queryset, user):
    """What the user's own memberships cover (not merely what is public): the work lists — a
    lab's samples, a county's samples, an enterprise's own."""
    q = restrict_q(queryset.model, user, "view", own_scope_only=True)
    return queryset if q is None else queryset.filter(q)


def _filter_params(request, *drop: str):
    params = request.GET.copy()
    for key in ("page", *drop):
        params.pop(key, None)
    return params




def _form_message(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
    return "；".join(parts)


def run_action(request, form, call, *, reason: str, success: str) -> bool:
    """Validate ``form`` and run ``call(cleaned_data)`` (a service) in the request's audit
    context; the outcome as a message.  True when it succeeded."""
    if not form.is_valid():
        messages.error(request, _("未办理：%(errors)s") % {"errors": _form_message(form)})
        return False
    try:
        with web_context(request, reason):
            call(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _("未办理：%(errors)s") % {"errors": form_errors_message(exc)})
        return False
    except PermissionDenied as exc:  # a service's own refusal (e.g. approval by the plan's author)
        messages.error(request, _("未办理：%(errors)s") % {"errors": str(exc) or _("无权执行此操作")})
        return False
    messages.success(request, success)
    return True


def is_auditor(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(m.role.name == Role.AUDITOR for m in memberships(user))


def may_download_pool(draw: Draw, user) -> bool:
    """The enterprise pool: everyone who may see the draw.  Inspector and lab pools hold personal
    or commercial data: auditors only (they verify them in full); the public sees their hashes."""
    return draw.pool_is_public or is_auditor(user)


def today():
    return timezone.localdate()


def _posted(request):
    """The POST data of a form page, ``None`` on GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


# --- plans ------------------------------------------------------------------------------------------


@staff_required
def plan_list(request):
    """抽查计划: filters year, level, status; the user's own plans and the published ones."""
    qs = SamplingPlan.objects.restrict(request.user, "view").select_related("region", "department")
    filterset = PlanUIFilterSet(_filter_params(request), queryset=qs, request=request)
    results = filterset.qs if filterset.is_valid() else qs.none()
    page = paginate(request, results.order_by("-year", "code"))
    # the tasks and samples the user may see (not another county's)
    ids = [p.pk for p in page]
    tasks = dict(restrict(SamplingTask.objects.filter(plan_id__in=ids), request.user).order_by().values_list("plan").annotate(n=Count("pk")))
    found = dict(restrict(Sample.objects.filter(plan_id__in=ids), request.user).order_by().values_list("plan").annotate(n=Count("pk")))
    for plan in page:
        plan.n_tasks, plan.n_samples = tasks.get(plan.pk, 0), found.get(plan.pk, 0)
    return render(request, "sampling/staff/plan_list.html", {
        "page": page, "filterset": filterset, "can_add": has_perm(request.user, "sampling.add_samplingplan"),
    })


@require_perm("sampling.add_samplingplan")
def plan_create(request):
    form = PlanForm(_posted(request), user=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.create_kwargs()
            try:
                with web_context(request, f"新建抽查计划 {data['code']}：{data['title']}"):
                    plan = plan_services.create_plan(actor=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已新建抽查计划“%(title)s”（草拟）。下一步：设置检验项目和任务分配。") % {"title": plan.title})
                return redirect("sampling:plan-detail", pk=plan.pk)
        return render(request, "sampling/staff/plan_form.html", {"form": form}, status=400)
    return render(request, "sampling/staff/plan_form.html", {"form": form})


def _quota_table(plan):
    quotas = list(plan.quotas.select_related("region", "category"))
    categories = sorted({q.category for q in quotas}, key=lambda c: (c.sort_order, c.code))
    rows: dict[int, dict] = {}
    for q in quotas:
        row = rows.setdefault(q.region_id, {"region": q.region, "cells": {}, "total": 0})
        row["cells"][q.category_id] = q.quantity
        row["total"] += q.quantity
    table = [
        {"region": r["region"], "cells": [r["cells"].get(c.pk) for c in categories], "total": r["total"]}
        for r in sorted(rows.values(), key=lambda r: (r["region"].sort_order, r["region"].code))
    ]
    totals = [sum(q.quantity for q in quotas if q.category_id == c.pk) for c in categories]
    return categories, table, totals, sum(totals)


@staff_required
def plan_detail(request, pk: int):
    """The plan with its categories and test items, quotas, draws, tasks, samples and bulletins,
    and the actions its state allows."""
    plan = fetch(SamplingPlan.objects.select_related("region", "department", "approved_by"), request.user, pk=pk)
    user = request.user
    items = list(TestItem.objects.filter(plan=plan).select_related("category"))
    for item in items:
        item.limit_text = limit_text(item)
    quota_categories, quota_table, column_totals, quota_total = _quota_table(plan)
    draws = restrict(Draw.objects.filter(plan=plan), user).order_by("frozen_at", "pk")
    tasks = restrict(SamplingTask.objects.filter(plan=plan), user).select_related("enterprise", "region", "category", "lab")
    samples = restrict(Sample.objects.filter(plan=plan), user).select_related("region", "lab")
    task_counts = dict(tasks.order_by().values_list("status").annotate(n=Count("pk")))
    may_change = can(plan, user, "change")
    return render(request, "sampling/staff/plan_detail.html", {
        "plan": plan,
        "categories": plan.categories.order_by("sort_order", "code"),
        "items": items,
        "quota_categories": quota_categories, "quota_table": quota_table, "column_totals": column_totals, "quota_total": quota_total,
        "draws": draws,
        "tasks": tasks[:50], "task_total": tasks.count(),
        "task_counts": [(TaskStatus(s).label, n) for s, n in task_counts.items()],
        "samples": samples[:50], "sample_total": samples.count(),
        "bulletins": restrict(Bulletin.objects.filter(plan=plan), user).order_by("-pk"),
        "ratios": [(c, f"{float(v):g}%") for c, v in sorted((plan.risk_ratios or {}).items())],  # stored in percent
        "may_change": may_change,
        "is_draft": plan.status == PlanStatus.DRAFT,
        "may_edit_items": may_change and plan.status == PlanStatus.DRAFT and has_perm(user, "sampling.change_testitem"),
        "quota_warnings": [s.message for s in selectors.quota_shortfalls(plan)],
        "date_forms": {step: OnDateForm(label=label, auto_id=f"id_{step}_%s") for step, label in PLAN_DATE_LABELS.items()},
        "bulletin_form": BulletinForm(initial={"title": f"{plan.title}结果公告"}),
        "may_freeze": may_change and plan.status in (PlanStatus.APPROVED, PlanStatus.PUBLISHED)
        and not plan.draws.filter(kind=DrawKind.ENTERPRISE).exists(),
        "may_register": may_change and plan.status == PlanStatus.PUBLISHED,
    })


def _changeable_plan(request, pk: int, *, draft: bool = False) -> SamplingPlan:
    plan = fetch(SamplingPlan.objects.select_related("region", "department"), request.user, "change", pk=pk)
    if draft and plan.status != PlanStatus.DRAFT:
        raise PermissionDenied(_("计划已批准，不能再修改；如需调整请联系批准机关"))
    return plan


@staff_required
def plan_edit(request, pk: int):
    plan = _changeable_plan(request, pk, draft=True)
    form = PlanForm(_posted(request), instance=plan, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("没有修改任何内容。"))
                return redirect("sampling:plan-detail", pk=plan.pk)
            fresh = SamplingPlan.objects.get(pk=plan.pk)
            try:
                with web_context(request, f"修改抽查计划 {fresh.code}"):
                    plan_services.update_plan(actor=request.user, plan=fresh, **changes)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存抽查计划“%(title)s”。") % {"title": fresh.title})
                return redirect("sampling:plan-detail", pk=plan.pk)
        return render(request, "sampling/staff/plan_form.html", {"form": form, "plan": plan}, status=400)
    return render(request, "sampling/staff/plan_form.html", {"form": form, "plan": plan})


@staff_required
def plan_test_items(request, pk: int):
    """检验项目: the plan's items by category, and blank rows to add more."""
    plan = _changeable_plan(request, pk, draft=True)
    formset = TestItemFormSet(_posted(request), plan=plan, prefix="item")
    if request.method == "POST":
        if formset.is_valid():
            rows = [f for f in formset.forms if f.has_changed() and f.cleaned_data]
            if not rows:
                messages.info(request, _("没有填写新的检验项目。"))
                return redirect("sampling:plan-test-items", pk=plan.pk)
            current = rows[0]
            try:
                # all rows or none: a refused row leaves the others unsaved, to be posted again
                with transaction.atomic(), web_context(request, f"为抽查计划 {plan.code} 添加检验项目 {len(rows)} 项"):
                    for current in rows:
                        plan_services.add_test_item(actor=request.user, plan=plan, **current.cleaned_data)
            except ValidationError as exc:
                apply_errors(current, exc)
            else:
                messages.success(request, _("已添加 %(n)s 个检验项目。") % {"n": len(rows)})
                return redirect("sampling:plan-test-items", pk=plan.pk)
        # the rows' columns run wider than the screen: say above the table what was refused, and where
        problems = [f"{_('第 %(n)s 行') % {'n': i}}：{_form_message(form)}" for i, form in enumerate(formset.forms, 1) if form.errors]
        problems += [str(e) for e in formset.non_form_errors()]
        if problems:
            messages.error(request, _("未保存：%(problems)s") % {"problems": "；".join(problems)})
        status = 400
    else:
        status = 200
    items = list(TestItem.objects.filter(plan=plan).select_related("category"))
    for item in items:
        item.limit_text = limit_text(item)
    return render(request, "sampling/staff/plan_test_items.html", {
        "plan": plan, "items": items, "formset": formset, "no_categories": not plan.categories.exists(),
        "may_edit_items": has_perm(request.user, "sampling.change_testitem"),
    }, status=status)


def _draft_item(request, pk: int, item_pk: int) -> TestItem:
    """A test item of a draft plan the user may change (another county's plan: 404; a plan no
    longer a draft: 403)."""
    plan = _changeable_plan(request, pk, draft=True)
    return fetch(TestItem.objects.filter(plan=plan).select_related("plan", "category"), request.user, "change", pk=item_pk)


@staff_required
def plan_test_item_edit(request, pk: int, item_pk: int):
    """Change a test item of a draft plan (name, direction, standard, clause, limits …)."""
    item = _draft_item(request, pk, item_pk)
    plan = item.plan
    form = TestItemEditForm(_posted(request), item=item)
    if request.method == "POST":
        if form.is_valid():
            if not form.has_changed():
                messages.info(request, _("没有修改任何内容。"))
                return redirect("sampling:plan-detail", pk=plan.pk)
            try:
                with web_context(request, f"修改抽查计划 {plan.code} 的检验项目“{item.name}”"):
                    plan_services.update_test_item(actor=request.user, item=TestItem.objects.get(pk=item.pk), **form.service_kwargs())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已修改检验项目“%(name)s”。") % {"name": form.cleaned_data["name"]})
                return redirect("sampling:plan-detail", pk=plan.pk)
        return render(request, "sampling/staff/test_item_form.html", {"plan": plan, "item": item, "form": form}, status=400)
    return render(request, "sampling/staff/test_item_form.html", {"plan": plan, "item": item, "form": form})


@require_POST
@staff_required
def plan_test_item_remove(request, pk: int, item_pk: int):
    """Take a test item off a draft plan (POST)."""
    item = _draft_item(request, pk, item_pk)
    plan = item.plan
    try:
        with web_context(request, f"删除抽查计划 {plan.code} 的检验项目“{item.name}”"):
            plan_services.remove_test_item(actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, _("未删除：%(errors)s") % {"errors": form_errors_message(exc)})
    else:
        messages.success(request, _("已删除检验项目“%(name)s”（%(category)s）。") % {"name": item.name, "category": item.category.name})
    if request.POST.get("back") == "items":
        return redirect("sampling:plan-test-items", pk=plan.pk)
    return redirect("sampling:plan-detail", pk=plan.pk)


@staff_required
def plan_quotas(request, pk: int):
    """任务分配: a county × category grid of the number of enterprises to sample."""
    plan = _changeable_plan(request, pk, draft=True)
    form = QuotaGridForm(_posted(request), plan=plan)
    if request.method == "POST":
        if form.is_valid():
            cells = list(form.changed_cells())
            try:
                with transaction.atomic(), web_context(request, f"调整抽查计划 {plan.code} 的任务分配"):
                    for region, category, quantity in cells:
                        plan_services.set_quota(actor=request.user, plan=plan, region=region, category=category, quantity=quantity)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存任务分配（%(n)s 处修改）。") % {"n": len(cells)})
                # accepted (the county may register more enterprises), but said
                saved = {(region.pk, category.pk) for region, category, quantity in cells if quantity}
                for shortfall in selectors.quota_shortfalls(plan):
                    if (shortfall.quota.region_id, shortfall.quota.category_id) in saved:
                        messages.warning(request, shortfall.message)
                return redirect("sampling:plan-detail", pk=plan.pk)
        return render(request, "sampling/staff/plan_quotas.html", {"plan": plan, "form": form}, status=400)
    return render(request, "sampling/staff/plan_quotas.html", {
        "plan": plan, "form": form, "quota_warnings": [s.message for s in selectors.quota_shortfalls(plan)],
    })


PLAN_DATE_LABELS = {"approve": gettext_lazy("批准日期"), "publish": gettext_lazy("公告日期"), "close": gettext_lazy("完成日期")}
PLAN_STEPS = {
    "approve": ("approve_plan", "批准抽查计划", "已批准抽查计划。"),
    "publish": ("publish_plan", "公告抽查计划", "已发布抽查计划公告。"),
    "close": ("close_plan", "结束抽查计划", "抽查计划已完成。"),
}


@require_POST
@staff_required
def plan_step(request, pk: int, step: str):
    """Approve, publish or close a plan (POST)."""
    if step not in PLAN_STEPS:
        raise Http404(_("不存在的操作"))
    plan = _changeable_plan(request, pk)
    function, label, done = PLAN_STEPS[step]
    run_action(
        request, OnDateForm(request.POST),
        lambda d: getattr(plan_services, function)(actor=request.user, plan=plan, on=d["on"]),
        reason=f"{label} {plan.code}", success=_(done),
    )
    return redirect("sampling:plan-detail", pk=plan.pk)


@require_POST
@staff_required
def plan_freeze(request, pk: int):
    """Freeze the enterprise pool of a plan (检查对象名录库): the pool's SHA-256 and the seed's
    commitment are recorded now; the draw runs later."""
    plan = _changeable_plan(request, pk)
    form = OnDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_message(form))
        return redirect("sampling:plan-detail", pk=plan.pk)
    try:
        with web_context(request, f"冻结抽查计划 {plan.code} 的检查对象名录"):
            draw = draw_services.freeze_enterprise_pool(actor=request.user, plan=plan, on=form.cleaned_data["on"])
    except ValidationError as exc:
        messages.error(request, _("未冻结：%(errors)s") % {"errors": form_errors_message(exc)})
        return redirect("sampling:plan-detail", pk=plan.pk)
    messages.success(request, _("名录已冻结：%(n)s 家企业入库，名录哈希与随机种子承诺已记录。") % {"n": draw.pool_size})
    return redirect("sampling:draw-detail", pk=draw.pk)


# --- draws ------------------------------------------------------------------------------------------


#: exclusions listed on the draw page (the pool file holds them all)
MAX_EXCLUSIONS_SHOWN = 300


def _pool_preview(draw: Draw) -> dict:
    """The first exclusions of an enterprise pool with their reasons, read from the frozen pool
    file (``zl-pool-1``: a header line, then one JSON line per item; an excluded item carries
    its reason).  The file is streamed and reading stops after :data:`MAX_EXCLUSIONS_SHOWN`
    exclusions (a million-enterprise pool is ≈170 MB); the total is the draw's
    ``excluded_count``.  Inspector and lab pools are never read here."""
    import gzip
    import json

    out = {"exclusions": [], "header": {}, "error": "", "more": 0}
    if not draw.pool_file:
        return out
    try:
        with draw.pool_file.open("rb") as raw:
            head = raw.read(2)
            raw.seek(0)
            handle = gzip.open(raw) if head == b"\x1f\x8b" else raw
            first = handle.readline()
            out["header"] = json.loads(first) if first.strip() else {}
            # line by line after the header (iterating a Django File starts again from its first byte)
            for line in iter(handle.readline, b""):
                if b'"excluded":""' in line or not line.strip():
                    continue
                item = json.loads(line)
                if item.get("excluded"):
                    out["exclusions"].append(item)
                    if len(out["exclusions"]) >= MAX_EXCLUSIONS_SHOWN:
                        break
    except (OSError, ValueError) as exc:
        out["error"] = str(exc)
        return out
    out["more"] = max(0, draw.excluded_count - len(out["exclusions"]))
    return out


def _exclusion_table(exclusions: list[dict]):
    """(headers, rows) of the excluded items: county, category, enterprise, key, reason."""
    regions = dict(Region.objects.values_list("code", "name"))
    categories = dict(ProductCategory.objects.values_list("code", "name"))
    rows = []
    for item in exclusions:
        parts = str(item.get("stratum", "")).split("|")
        region = regions.get(parts[0], parts[0]) if parts else ""
        category = categories.get(parts[1], parts[1]) if len(parts) > 1 else ""
        rows.append([region, category, item.get("name", ""), item.get("key", ""), item.get("excluded", "")])
    return [_("县市区"), _("产品类别"), _("企业名称"), _("名录标识"), _("排除原因")], rows


@staff_required
def draw_detail(request, pk: int):
    """Everything of the draw record: pool size and hash, exclusions with their reasons, the seed
    commitment (the seed itself only once drawn), the public value, the algorithm and the result."""
    draw = fetch(Draw.objects.select_related("plan", "based_on"), request.user, pk=pk)
    user = request.user
    preview = _pool_preview(draw) if draw.pool_is_public else {"exclusions": [], "error": "", "more": 0}
    ex_headers, ex_rows = _exclusion_table(preview["exclusions"])
    headers, rows = result_table(draw) if draw.status != DrawStatus.FROZEN else ([], [])
    may_change = can(draw, user, "change")
    followups = restrict(Draw.objects.filter(based_on=draw), user).order_by("kind", "pk")
    return render(request, "sampling/staff/draw_detail.html", {
        "draw": draw,
        "seed_visible": draw.status != DrawStatus.FROZEN,
        "ex_headers": ex_headers, "ex_rows": ex_rows, "pool_error": preview["error"], "ex_more": preview["more"],
        "headers": headers, "rows": rows,
        "private_result": not draw.pool_is_public and draw.status != DrawStatus.FROZEN,
        "may_change": may_change,
        "may_download": may_download_pool(draw, user) and bool(draw.pool_file),
        "run_form": RunDrawForm(),
        "followups": followups,
        "has_inspectors": followups.filter(kind=DrawKind.INSPECTOR).exists(),
        "has_labs": followups.filter(kind=DrawKind.LAB).exists(),
        "tasks": restrict(SamplingTask.objects.filter(draw=draw), user).select_related("enterprise", "region", "category", "lab")
        .prefetch_related("inspectors")[:200],
    })


def _changeable_draw(request, pk: int) -> Draw:
    return fetch(Draw.objects.select_related("plan"), request.user, "change", pk=pk)


@require_POST
@staff_required
def draw_run(request, pk: int):
    draw = _changeable_draw(request, pk)
    run_action(
        request, RunDrawForm(request.POST),
        lambda d: draw_services.run_draw(actor=request.user, draw=draw, public_value=d["public_value"]),
        reason=f"抽取 {draw}", success=_("已完成抽取；随机种子已公开，抽取结果可复核。"),
    )
    return redirect("sampling:draw-detail", pk=draw.pk)


@require_POST
@staff_required
def draw_followup(request, pk: int, kind: str):
    """Draw the inspectors or the labs of an enterprise draw (freeze and run in one step)."""
    draw = _changeable_draw(request, pk)
    if kind not in ("inspectors", "labs"):
        raise Http404(_("不存在的操作"))
    function = draw_services.draw_inspectors if kind == "inspectors" else draw_services.draw_labs
    label = _("执法检查人员") if kind == "inspectors" else _("检验检测机构")
    run_action(
        request, RunDrawForm(request.POST),
        lambda d: function(actor=request.user, enterprise_draw=draw, public_value=d["public_value"]),
        reason=f"抽取{label}（{draw}）", success=_("已抽取%(what)s并分配到各抽查任务。") % {"what": label},
    )
    return redirect("sampling:draw-detail", pk=draw.pk)


@require_POST
@staff_required
def draw_publish(request, pk: int):
    draw = _changeable_draw(request, pk)
    try:
        with web_context(request, f"公布抽取记录 {draw}"):
            draw_services.publish_draw(actor=request.user, draw=draw)
    except ValidationError as exc:
        messages.error(request, _("未公布：%(errors)s") % {"errors": form_errors_message(exc)})
    else:
        messages.success(request, _("抽取记录已公布。"))
    return redirect("sampling:draw-detail", pk=draw.pk)


@staff_required
def draw_pool(request, pk: int):
    """The frozen pool file.  Enterprise pools: everyone who may see the draw; inspector and lab
    pools: auditors only (403 for others)."""
    draw = fetch(Draw.objects.select_related("plan"), request.user, pk=pk)
    if not may_download_pool(draw, request.user):
        raise PermissionDenied(_("执法检查人员和检验检测机构名录含个人或商业信息，仅审计监督人员可下载核验"))
    if not draw.pool_file:
        raise Http404(_("名录文件不存在"))
    try:
        handle = draw.pool_file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("名录文件不存在")) from exc
    return FileResponse(handle, as_attachment=True, filename=draw.pool_file.name.rsplit("/", 1)[-1] or f"draw-{draw.pk}-pool.json")


# --- tasks --------------------------------------------------------------------------------------------


@require_perm("sampling.view_samplingtask")
def task_list(request):
    """抽查任务: county staff see their county's tasks."""
    qs = SamplingTask.objects.restrict(request.user, "view").select_related("plan", "enterprise", "region", "category", "lab")
    filterset = TaskUIFilterSet(_filter_params(request), queryset=qs, request=request)
    results = filterset.qs if filterset.is_valid() else qs.none()
    return render(request, "sampling/staff/task_list.html", {
        "page": paginate(request, results.order_by("plan__code", "region__sort_order", "pk")), "filterset": filterset,
    })


@require_perm("sampling.view_samplingtask")
def task_detail(request, pk: int):
    task = fetch(SamplingTask.objects.select_related("plan", "enterprise", "region", "category", "lab", "product", "draw"), request.user, pk=pk)
    return render(request, "sampling/staff/task_detail.html", {
        "task": task,
        "inspectors": task.inspectors.order_by("name"),
        "samples": restrict(Sample.objects.filter(task=task), request.user),
        "may_act": task.status == TaskStatus.ASSIGNED and can(task, request.user, "change"),
    })


@require_perm("sampling.change_samplingtask")
def task_refuse(request, pk: int):
    """拒检: the enterprise refused the sampling (a credit fact; priority in the next plan)."""
    task = fetch(SamplingTask.objects.select_related("plan", "enterprise"), request.user, "change", pk=pk)
    form = RefuseForm(_posted(request))
    if request.method == "POST":
        if form.is_valid():
            try:
                with web_context(request, f"登记拒检：{task.enterprise.name}（{task.plan.code}）"):
                    sample_services.refuse_sampling(actor=request.user, task=task, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记“%(name)s”拒绝抽样。") % {"name": task.enterprise.name})
                return redirect("sampling:task-detail", pk=task.pk)
        return render(request, "sampling/staff/task_refuse.html", {"task": task, "form": form}, status=400)
    return render(request, "sampling/staff/task_refuse.html", {"task": task, "form": form})


# --- sample registration ----------------------------------------------------------------------------------


def _register(request, *, task=None, plan=None):
    initial = initial_from_task(task) if task is not None else ({"plan": plan.pk, "place": plan.place} if plan else {})
    form = SampleForm(_posted(request), user=request.user, task=task, initial=initial)
    producer = sampled_unit = None
    if request.method == "POST":
        if form.is_valid():
            data = form.service_kwargs()
            try:
                with web_context(request, f"登记样品：{data['product_name']}（{data['plan'].code}）"):
                    sample = sample_services.register_sample(actor=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记样品 %(no)s。") % {"no": sample.sample_no})
                return redirect("sampling:sample-detail", pk=sample.pk)
        producer, sampled_unit = form.cleaned_data.get("producer"), form.cleaned_data.get("sampled_unit")
        status = 400
    else:
        status = 200
        if task is not None:
            producer = sampled_unit = task.enterprise
    return render(request, "sampling/staff/sample_form.html", {
        "form": form, "task": task, "producer": producer, "sampled_unit": sampled_unit,
        "ban_errors": [e for e in form.errors.get("model", [])] if form.is_bound else [],
    }, status=status)


@require_perm("sampling.add_sample")
def task_register(request, pk: int):
    """Register the sample of a drawn task (prefilled from the task)."""
    task = fetch(SamplingTask.objects.select_related("plan", "enterprise", "category", "product", "lab"), request.user, "change", pk=pk)
    if task.status != TaskStatus.ASSIGNED:
        raise PermissionDenied(_("该任务已%(status)s，不能再登记样品") % {"status": task.get_status_display()})
    return _register(request, task=task)


@require_perm("sampling.add_sample")
def sample_register(request):
    """Register a market or online sample chosen on site (the producer found by a search);
    the 6-month repeat ban is checked again and a refusal is shown on the form."""
    plan = None
    if request.GET.get("plan"):
        plan = restrict(SamplingPlan.objects.all(), request.user, "change").filter(pk=request.GET["plan"]).first() \
            if request.GET["plan"].isdigit() else None
    return _register(request, plan=plan)


@login_required
def enterprise_search(request):
    """htmx: registry enterprises matching ``q`` as radio buttons named ``field`` (the producer
    or the sampled unit of the sample form, or the match of the import review)."""
    if not (request.user.is_superuser or is_staff_user(request.user)):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    field = request.GET.get("field") or "producer"
    if field not in ("producer", "sampled_unit", "enterprise"):
        raise Http404(_("不存在的字段"))
    query = (request.GET.get(f"{field}_q") or request.GET.get("q") or "").strip()[:100]
    results, note = [], ""
    if len(query) >= 2 or (query and query.isascii()):
        qs = Enterprise.objects.restrict(request.user, "view").select_related("region")
        results = list(search_filter(qs, "enterprise", query, uscc_field="uscc").order_by("name")[:20])
        if not results:
            note = _("名录库中没有匹配的企业；可直接填写名称。")
    elif query:
        note = _("请至少输入两个字")
    return render(request, "sampling/staff/_enterprise_choices.html", {"results": results, "field": field, "note": note, "query": query})


# --- samples ---------------------------------------------------------------------------------------------


@login_required
def sample_list(request):
    """样品: the user's own work (a county's samples, a lab's samples sent to it); with
    ``public=1`` also the published results of others.  An enterprise account is sent to its
    own results (``my-sample-list``)."""
    if not (request.user.is_superuser or is_staff_user(request.user)):
        if own_enterprise_ids(request.user):
            return redirect("sampling:my-sample-list")
        raise PermissionDenied(_("您的角色无权访问此页面"))
    base = Sample.objects.select_related("plan", "region", "category", "lab")
    include_public = request.GET.get("public") == "1"
    qs = restrict(base, request.user, "view") if include_public else own_scope(base, request.user)
    filterset = SampleUIFilterSet(_filter_params(request, "public"), queryset=qs, request=request)
    results = filterset.qs if filterset.is_valid() else qs.none()
    return render(request, "sampling/staff/sample_list.html", {
        "page": paginate(request, results.order_by("-sampled_on", "-pk")), "filterset": filterset,
        "include_public": include_public, "is_lab": bool(own_lab_ids(request.user)),
        "can_register": has_perm(request.user, "sampling.add_sample") and not own_lab_ids(request.user),
    })


@dataclass
class SampleActions:
    """What the user may do with a sample now (each a form or ``None``)."""

    send: object = None
    receive: object = None
    attach: object = None
    report: bool = False
    report_retest: bool = False
    notify: object = None
    decide: object = None
    finalise: object = None
    rectify: object = None
    refer: object = None

    def any(self) -> bool:
        return any(v for v in vars(self).values())


def sample_actions(sample: Sample, user, *, send_lab: str = "") -> SampleActions:
    """The forms of the actions ``user`` may take on ``sample`` now; ``send_lab`` (a lab id) is
    the lab chosen in a 送样 that was refused, preselected again with its reason box open."""
    acts = SampleActions()
    may_change = can(sample, user, "change")
    labs = own_lab_ids(user)
    acting_lab = sample.lab_id in labs
    staff = may_change and not labs  # county/department staff, city admin
    objection = getattr(sample, "objection", None)  # a missing reverse one-to-one reads as None
    if may_change or can_attach(sample, user):
        acts.attach = AttachmentForm(auto_id="id_attach_%s")
    if staff and sample.status == SampleStatus.REGISTERED:
        acts.send = SendForm(sample=sample, auto_id="id_send_%s", initial={"lab": send_lab} if send_lab.isdigit() else None)
    if may_change and sample.status == SampleStatus.SENT and (acting_lab or selectors.is_sampling_admin(user)):  # the lab receives (or the city admin)
        acts.receive = ReceiveForm(auto_id="id_receive_%s")
    first = next((r for r in sample.reports.all() if not r.is_retest), None)
    retest = next((r for r in sample.reports.all() if r.is_retest), None)
    if acting_lab and sample.status == SampleStatus.RECEIVED and (first is None or first.status == ReportStatus.DRAFT):
        acts.report = True
    if objection is not None and objection.status == ObjectionStatus.ACCEPTED and objection.retest_lab_id in labs \
            and (retest is None or retest.status == ReportStatus.DRAFT):
        acts.report_retest = True
    if staff and sample.status == SampleStatus.REPORTED:
        acts.notify = NotifyForm(auto_id="id_notify_%s")
    if staff and objection is not None and objection.status == ObjectionStatus.FILED:
        acts.decide = DecideObjectionForm(sample=sample, auto_id="id_decide_%s")
    if staff and sample.conclusion == Conclusion.FAIL and sample.status == SampleStatus.NOTIFIED and result_settled(sample, objection):
        acts.finalise = OnDateForm(label=_("确定日期"), auto_id="id_finalise_%s")
    if staff and sample.conclusion == Conclusion.FAIL and result_settled(sample, objection):
        if not hasattr(sample, "rectification") and (_in_shiyan(sample.producer) or _in_shiyan(sample.sampled_unit)):
            acts.rectify = OnDateForm(label=_("责令整改日期"), auto_id="id_rectify_%s")
        if not hasattr(sample, "referral") and sample.producer_id is not None and not _in_shiyan(sample.producer):
            acts.refer = ReferralForm(auto_id="id_refer_%s")
    return acts


def result_settled(sample: Sample, objection) -> bool:
    """Final, or notified with the objection window over and no objection filed."""
    if sample.status == SampleStatus.FINAL:
        return True
    if sample.status != SampleStatus.NOTIFIED or objection is not None:
        return False
    deadline = objection_deadline(sample)
    return deadline is not None and today() > deadline


def can_attach(sample, user) -> bool:
    """Staff of the sample's scope and its lab may add attachments (page captures, scans)."""
    return has_perm(user, "sampling.add_sampleattachment") and in_own_scope(sample, user)


def _in_shiyan(enterprise) -> bool:
    """Is a registry enterprise under Shiyan's supervision (else a failing result goes to its
    home authority, and the local seller rectifies)?"""
    return enterprise is not None and f"/{CITY_CODE}/" in (enterprise.region.path or "")


def _sample(request, pk: int, action: str = "view") -> Sample:
    return fetch(
        Sample.objects.select_related("plan", "region", "category", "lab", "producer__region", "producer_region",
                                      "sampled_unit__region", "task", "bulletin"),
        request.user, action, pk=pk,
    )


def _reports(sample, user):
    reports = list(
        restrict(TestReport.objects.filter(sample=sample), user).select_related("lab").prefetch_related("results").order_by("is_retest", "pk")
    )
    for report in reports:
        for result in report.results.all():
            result.limit_text = limit_text(result)
    return reports


@staff_required
def sample_detail(request, pk: int):
    """The sample, its chain of custody, attachments, reports, objection, rectification and
    referral, and the actions the user may take in its current state."""
    sample = _sample(request, pk)
    user = request.user
    objection = restrict(Objection.objects.filter(sample=sample), user).select_related("retest_lab").first()
    rectification = restrict(Rectification.objects.filter(sample=sample), user).first()
    referral = restrict(Referral.objects.filter(sample=sample), user).first()
    return render(request, "sampling/staff/sample_detail.html", {
        "sample": sample, "original_lab": selectors.original_lab(sample),
        "inspectors": sample.sampled_by.order_by("name") if has_perm(user, "enterprises.view_inspector") else [],
        "attachments": restrict(SampleAttachment.objects.filter(sample=sample), user),
        "reports": _reports(sample, user),
        "objection": objection, "rectification": rectification, "referral": referral,
        "actions": sample_actions(sample, user, send_lab=request.GET.get("send_lab", "")),
        # links only where they lead: the task in the user's scope, the notice to whom the sample is not merely public
        "can_view_task": bool(sample.task_id) and restrict(SamplingTask.objects.filter(pk=sample.task_id), user).exists(),
        "can_view_notice": sample.conclusion != "" and in_own_scope(sample, user),
        "deadline": objection_deadline(sample),
        "rect_forms": rectification_forms(rectification, user) if rectification else {},
        "reply_form": ReplyForm(auto_id="id_reply_%s")
        if referral and referral.status == ReferralStatus.SENT and can(referral, user, "change") else None,
        "today": today(),
    })


def objection_deadline(sample: Sample):
    """Last day to apply for a re-test (RULE_SAMPLING_RETEST_*), from the day the result was served."""
    if sample.served_on is None:
        return None
    return rules.retest_deadline(sample.served_on, is_food=bool(sample.category and sample.category.is_food))


def _sample_post(request, pk: int, form, call, *, reason: str, success: str, action: str = "change"):
    sample = _sample(request, pk, action)
    run_action(request, form(sample) if callable(form) and not hasattr(form, "is_valid") else form,
               lambda d: call(sample, d), reason=f"{reason}：样品 {sample.sample_no}", success=success)
    return redirect("sampling:sample-detail", pk=sample.pk)


@require_POST
@staff_required
def sample_send(request, pk: int):
    """送样; to another lab than the assigned one only with a written reason (the service
    refuses without one), which the change log's reason repeats."""
    sample = _sample(request, pk, "change")
    form = SendForm(request.POST, sample=sample)
    reason = f"送样：样品 {sample.sample_no}"
    if form.is_valid() and form.assigned is not None and form.cleaned_data["lab"].pk != form.assigned.pk:
        reason += f"；改送其他检验机构的原因：{form.cleaned_data.get('lab_change_reason', '').strip()}"
    done = run_action(request, form,
                      lambda d: sample_services.send_sample(actor=request.user, sample=sample, lab=d["lab"], on=d["on"],
                                                            lab_change_reason=d.get("lab_change_reason", "")),
                      reason=reason, success=_("已登记送样。"))
    url = reverse("sampling:sample-detail", args=[sample.pk])
    if not done and request.POST.get("lab", "").isdigit():  # back to the form with the lab that was chosen
        url += f"?send_lab={request.POST['lab']}#send-form"
    return redirect(url)


@require_POST
@staff_required
def sample_receive(request, pk: int):
    return _sample_post(
        request, pk, ReceiveForm(request.POST),
        lambda s, d: sample_services.receive_sample(actor=request.user, sample=s, on=d["on"], condition=d["condition"]),
        reason="收样", success=_("已登记收样。"),
    )


@require_POST
@staff_required
def sample_attach(request, pk: int):
    sample = _sample(request, pk)
    if not (can(sample, request.user, "change") or can_attach(sample, request.user)):
        raise PermissionDenied(_("无权为该样品上传附件"))
    form = AttachmentForm(request.POST, request.FILES)

    def call(d):
        upload = d["file"]
        sample_services.add_attachment(actor=request.user, sample=sample, kind=d["kind"], name=upload.name,
                                       content=upload.read(), description=d["description"])

    run_action(request, form, call, reason=f"上传附件：样品 {sample.sample_no}", success=_("已上传附件。"))
    return redirect("sampling:sample-detail", pk=sample.pk)


@login_required
def attachment_download(request, pk: int):
    attachment = fetch(SampleAttachment.objects.select_related("sample"), request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404(_("附件文件不存在")) from exc
    return FileResponse(handle, as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1])


@require_POST
@staff_required
def sample_notify(request, pk: int):
    return _sample_post(
        request, pk, NotifyForm(request.POST),
        lambda s, d: sample_services.notify_result(actor=request.user, sample=s, on=d["on"], method=d["method"]),
        reason="告知检验结果", success=_("已登记告知检验结果；复检申请期限自送达之日起算。"),
    )


@require_POST
@staff_required
def sample_finalise(request, pk: int):
    """A failing result whose objection window passed with no objection becomes final."""
    return _sample_post(
        request, pk, OnDateForm(request.POST),
        lambda s, d: sample_services.finalise_result(actor=request.user, sample=s, on=d["on"]),
        reason="确定检验结论", success=_("检验结论已确定（复检申请期限届满，未申请复检）。"),
    )


@require_POST
@staff_required
def sample_rectify(request, pk: int):
    return _sample_post(
        request, pk, OnDateForm(request.POST),
        lambda s, d: sample_services.order_rectification(actor=request.user, sample=s, on=d["on"]),
        reason="责令整改", success=_("已责令停止生产销售并限期整改；整改和复查期限已列入日程。"),
    )


@require_POST
@staff_required
def sample_refer(request, pk: int):
    return _sample_post(
        request, pk, ReferralForm(request.POST),
        lambda s, d: sample_services.refer_to_home_authority(actor=request.user, sample=s, authority=d["authority"], on=d["on"]),
        reason="移送异地核查处置", success=_("已移送生产企业所在地监管部门，回复期限已列入日程。"),
    )


# --- the lab's test report ------------------------------------------------------------------------------


@staff_required
def report_edit(request, pk: int):
    """检验报告 (lab): one row per test item of the plan's category; the measured value only —
    each item's judgement and the conclusion are derived (shown after saving), never typed.
    ``?retest=1`` for the re-test on the reserve sample."""
    sample = _sample(request, pk)
    is_retest = request.GET.get("retest") == "1" or request.POST.get("is_retest") == "1"
    labs = own_lab_ids(request.user)
    objection = Objection.objects.filter(sample=sample).first()
    acting_lab = (objection.retest_lab_id if is_retest and objection else sample.lab_id)
    if acting_lab not in labs and not request.user.is_superuser:
        raise PermissionDenied(_("只有承检机构可以录入该样品的检验结果"))
    report = TestReport.objects.filter(sample=sample, is_retest=is_retest).prefetch_related("results").first()
    if report is not None and report.status == ReportStatus.ISSUED:
        messages.info(request, _("报告已签发，不能再修改。"))
        return redirect("sampling:sample-detail", pk=sample.pk)
    items = TestItem.objects.filter(plan=sample.plan, category=sample.category).order_by("sort_order", "pk") if sample.category_id else []
    items = list(items)
    for item in items:
        item.limit_text = limit_text(item)
    form = ReportForm(_posted(request), items=items, report=report)
    if request.method == "POST":
        if form.is_valid():
            try:
                with web_context(request, f"录入检验结果：样品 {sample.sample_no}"):
                    report = sample_services.save_report(
                        actor=request.user, sample=sample, report_no=form.cleaned_data["report_no"], results=form.results(),
                        tested_on=form.cleaned_data["tested_on"], is_retest=is_retest, note=form.cleaned_data["note"],
                    )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存检验结果；结论由各项目判定得出：%(c)s。核对无误后请签发报告。")
                                 % {"c": report.get_conclusion_display() or "—"})
                return redirect(reverse("sampling:report-edit", args=[sample.pk]) + ("?retest=1" if is_retest else ""))
        status = 400
    else:
        status = 200
    results = {r.item_id: r for r in report.results.all()} if report is not None else {}
    rows = [(item, field, results.get(item.pk)) for item, field in form.rows]
    return render(request, "sampling/staff/report_form.html", {
        "sample": sample, "report": report, "form": form, "rows": rows, "is_retest": is_retest,
        "issue_form": OnDateForm(label=_("签发日期"), auto_id="id_issue_%s") if report is not None else None,
    }, status=status)


@require_POST
@staff_required
def report_issue(request, pk: int):
    report = fetch(TestReport.objects.select_related("sample"), request.user, "change", pk=pk)
    ok = run_action(
        request, OnDateForm(request.POST),
        lambda d: sample_services.issue_report(actor=request.user, report=report, on=d["on"]),
        reason=f"签发检验报告 {report.report_no}", success=_("报告已签发，检验结论已确定并通知抽样单位。"),
    )
    if not ok:
        return redirect(reverse("sampling:report-edit", args=[report.sample_id]) + ("?retest=1" if report.is_retest else ""))
    return redirect("sampling:sample-detail", pk=report.sample_id)


# --- objections, rectification, referral (staff) ---------------------------------------------------------------


@require_POST
@staff_required
def objection_decide(request, pk: int):
    objection = fetch(Objection.objects.select_related("sample__category", "sample__lab"), request.user, "change", pk=pk)
    run_action(
        request, DecideObjectionForm(request.POST, sample=objection.sample),
        lambda d: sample_services.decide_objection(actor=request.user, objection=objection, accept=d["accept"], on=d["on"],
                                                   note=d["note"], retest_lab=d["retest_lab"] if d["accept"] else None),
        reason=f"处理复检申请：样品 {objection.sample.sample_no}", success=_("已处理复检申请。"),
    )
    return redirect("sampling:sample-detail", pk=objection.sample_id)


def rectification_forms(rect: Rectification, user) -> dict:
    if not can(rect, user, "change"):
        return {}
    forms = {}
    if rect.status == RectificationStatus.ORDERED and rect.rechecked_on is None:
        forms["recheck"] = PassedForm(auto_id="id_recheck_%s")
    if rect.recheck_passed is False and rect.published_on is None:
        forms["publish"] = OnDateForm(label=_("公告日期"), auto_id="id_publish_%s")
    if rect.status == RectificationStatus.PUBLISHED and rect.second_rechecked_on is None:
        forms["second"] = PassedForm(auto_id="id_second_%s")
    return forms


RECT_STEPS = {
    "recheck": ("record_recheck", PassedForm, "登记复查", "已登记复查结果。"),
    "publish": ("publish_recheck_failure", OnDateForm, "公告复查不合格", "已公告复查不合格；再次复查的期间已列入日程。"),
    "second": ("record_second_recheck", PassedForm, "登记再次复查", "已登记再次复查结果。"),
}


@require_POST
@staff_required
def rectification_step(request, pk: int, step: str):
    if step not in RECT_STEPS:
        raise Http404(_("不存在的操作"))
    rect = fetch(Rectification.objects.select_related("sample"), request.user, "change", pk=pk)
    function, form_class, label, done = RECT_STEPS[step]

    def call(d):
        getattr(sample_services, function)(actor=request.user, rectification=rect, **d)

    run_action(request, form_class(request.POST), call, reason=f"{label}：样品 {rect.sample.sample_no}", success=_(done))
    return redirect("sampling:sample-detail", pk=rect.sample_id)


@require_POST
@staff_required
def referral_reply(request, pk: int):
    referral = fetch(Referral.objects.select_related("sample"), request.user, "change", pk=pk)
    run_action(
        request, ReplyForm(request.POST),
        lambda d: sample_services.record_referral_reply(actor=request.user, referral=referral, on=d["on"], reply=d["reply"]),
        reason=f"登记异地核查处置回复：样品 {referral.sample.sample_no}", success=_("已登记核查处置回复。"),
    )
    return redirect("sampling:sample-detail", pk=referral.sample_id)


@require_perm("sampling.view_rectification")
def rectification_list(request):
    """不合格产品后处理 — every step with its due date; overdue ones marked."""
    qs = Rectification.objects.restrict(request.user, "view").select_related("sample", "enterprise", "region")
    status = request.GET.get("status") or ""
    if status in RectificationStatus.values:
        qs = qs.filter(status=status)
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        qs = qs.filter(rectification_overdue_q(today()))
    return render(request, "sampling/staff/rectification_list.html", {
        "page": paginate(request, qs.order_by("recheck_due", "pk")), "status": status, "statuses": RectificationStatus.choices,
        "overdue_only": overdue_only, "today": today(),
        "overdue_ids": set(qs.filter(rectification_overdue_q(today())).values_list("pk", flat=True)),
    })


@require_perm("sampling.view_referral")
def referral_list(request):
    qs = Referral.objects.restrict(request.user, "view").select_related("sample", "region")
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        qs = qs.filter(referral_overdue_q(today()))
    return render(request, "sampling/staff/referral_list.html", {
        "page": paginate(request, qs.order_by("reply_due", "pk")), "overdue_only": overdue_only, "today": today(),
        "overdue_ids": set(qs.filter(referral_overdue_q(today())).values_list("pk", flat=True)),
    })


@require_perm("sampling.view_rectification")
def overdue(request):
    """逾期事项: rectifications and referrals past their due date (``selectors``)."""
    from . import selectors

    day = today()
    return render(request, "sampling/staff/overdue.html", {
        "rectifications": list(selectors.overdue_rectifications(request.user, day)),
        "referrals": list(selectors.overdue_referrals(request.user, day)) if has_perm(request.user, "sampling.view_referral") else [],
        "today": day,
    })


# --- bulletins --------------------------------------------------------------------------------------------


@staff_required
def bulletin_list(request):
    qs = Bulletin.objects.restrict(request.user, "view").select_related("plan").annotate(
        tested=Count("samples"), failed=Count("samples", filter=Q(samples__conclusion=Conclusion.FAIL)),
    )
    status = request.GET.get("status") or ""
    if status in ("draft", "published"):
        qs = qs.filter(status=status)
    return render(request, "sampling/staff/bulletin_list.html", {"page": paginate(request, qs.order_by("-pk")), "status": status})


@require_POST
@staff_required
def bulletin_create(request, pk: int):
    """A result bulletin of the plan: its final results not yet in a bulletin."""
    plan = _changeable_plan(request, pk)
    form = BulletinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未新建：%(errors)s") % {"errors": _form_message(form)})
        return redirect("sampling:plan-detail", pk=plan.pk)
    try:
        with web_context(request, f"新建结果公告 {form.cleaned_data['number']}（{plan.code}）"):
            bulletin = bulletin_services.create_bulletin(actor=request.user, plan=plan, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _("未新建：%(errors)s") % {"errors": form_errors_message(exc)})
        return redirect("sampling:plan-detail", pk=plan.pk)
    messages.success(request, _("已新建结果公告（草拟），收录 %(n)s 批次样品。") % {"n": bulletin.samples.count()})
    return redirect("sampling:bulletin-detail", pk=bulletin.pk)


@staff_required
def bulletin_detail(request, pk: int):
    bulletin = fetch(Bulletin.objects.select_related("plan"), request.user, pk=pk)
    samples = list(restrict(Sample.objects.filter(bulletin=bulletin), request.user).select_related("region").order_by("conclusion", "pk"))
    failed = sum(1 for s in samples if s.conclusion == Conclusion.FAIL)
    return render(request, "sampling/staff/bulletin_detail.html", {
        "bulletin": bulletin, "samples": samples, "tested": len(samples), "failed": failed,
        "rate": rules.pass_rate(len(samples) - failed, len(samples)),
        "may_publish": bulletin.status == "draft" and can(bulletin, request.user, "change"),
        "date_form": OnDateForm(label=_("发布日期")),
    })


@require_POST
@staff_required
def bulletin_publish(request, pk: int):
    bulletin = fetch(Bulletin.objects.select_related("plan"), request.user, "change", pk=pk)
    run_action(
        request, OnDateForm(request.POST),
        lambda d: bulletin_services.publish_bulletin(actor=request.user, bulletin=bulletin, on=d["on"]),
        reason=f"发布结果公告 {bulletin.number}", success=_("结果公告已发布，公众可在门户查阅和下载。"),
    )
    return redirect("sampling:bulletin-detail", pk=bulletin.pk)


@staff_required
def bulletin_export(request, pk: int, fmt: str):
    """The bulletin's standard table (RULES.md) as XLSX or CSV (``sampling.exports``)."""
    from django.http import HttpResponse

    from . import exports

    bulletin = fetch(Bulletin.objects.select_related("plan"), request.user, pk=pk)
    if fmt == "csv":
        body, content_type = exports.bulletin_csv(bulletin), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, content_type = exports.bulletin_xlsx(bulletin), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404(_("不支持的格式：%(fmt)s") % {"fmt": fmt})
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="bulletin-{bulletin.pk}.{fmt}"'
    return response


# --- imported results: the review list -------------------------------------------------------------------------


@require_perm("sampling.change_sample")
def import_review(request):
    """导入待核对: imported results whose producer is not matched to the registry."""
    qs = restrict(Sample.objects.filter(source=Source.IMPORTED, producer__isnull=True), request.user, "change").select_related("plan")
    return render(request, "sampling/staff/import_review.html", {"page": paginate(request, qs.order_by("-sampled_on", "pk"))})


@staff_required
def import_match(request, pk: int):
    """Confirm which registry enterprise an imported result's producer is."""
    sample = fetch(Sample.objects.select_related("plan"), request.user, "change", pk=pk)
    if sample.source != Source.IMPORTED:
        raise Http404(_("不是导入的样品"))
    form = MatchForm(_posted(request))
    if request.method == "POST":
        if form.is_valid():
            enterprise = form.cleaned_data["enterprise"]
            try:
                with web_context(request, f"核对导入样品 {sample.sample_no} 的生产企业：{enterprise.name}"):
                    bulletin_services.match_imported_sample(actor=request.user, sample=sample, enterprise=enterprise)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已确认样品 %(no)s 的生产企业为“%(name)s”。") % {"no": sample.sample_no, "name": enterprise.name})
                return redirect("sampling:import-review")
        return render(request, "sampling/staff/import_match.html", {"sample": sample, "form": form}, status=400)
    return render(request, "sampling/staff/import_match.html", {"sample": sample, "form": form})


# --- the enterprise's account -----------------------------------------------------------------------------------


def _require_enterprise_scope(sample: Sample, user) -> None:
    if not in_own_scope(sample, user):
        raise Http404(_("样品不存在"))


@login_required
def my_sample_list(request):
    """本企业的抽查结果 — an enterprise account's own samples (as producer or sampled unit)."""
    if not own_enterprise_ids(request.user) and not request.user.is_superuser:
        raise PermissionDenied(_("此页面供企业账号查看本企业的抽查结果"))
    qs = own_scope(Sample.objects.select_related("plan", "category"), request.user)
    return render(request, "sampling/staff/my_sample_list.html", {"page": paginate(request, qs.order_by("-sampled_on", "-pk"))})


@login_required
def my_sample_detail(request, pk: int):
    """One of the enterprise's samples: its results once notified, the notice to print, and the
    objection (re-test application) with its deadline."""
    sample = fetch(Sample.objects.select_related("plan", "category", "region", "lab", "producer", "sampled_unit"), request.user, pk=pk)
    _require_enterprise_scope(sample, request.user)
    notified = sample.notified_on is not None
    objection = Objection.objects.filter(sample=sample).first()
    deadline = objection_deadline(sample)
    form = None
    refused = ""
    if notified and sample.conclusion == Conclusion.FAIL and objection is None:
        if deadline is not None and today() > deadline:
            refused = _("复检申请期限已于 %(d)s 届满，不能再申请复检（检验结论已确定）。") % {"d": deadline.isoformat()}
        elif can_file_objection(request.user):
            form = ObjectionForm()
    return render(request, "sampling/staff/my_sample_detail.html", {
        "sample": sample, "original_lab": selectors.original_lab(sample), "notified": notified, "reports": _reports(sample, request.user) if notified else [],
        "objection": objection, "deadline": deadline, "form": form, "refused": refused, "today": today(),
        "rectification": Rectification.objects.filter(sample=sample).first(),
    })


def can_file_objection(user) -> bool:
    return has_perm(user, "sampling.add_objection")


@require_POST
@login_required
def my_sample_objection(request, pk: int):
    """File an objection (复检申请) — refused with the reason after the deadline."""
    sample = fetch(Sample.objects.select_related("category"), request.user, pk=pk)
    _require_enterprise_scope(sample, request.user)
    if not can_file_objection(request.user):
        raise PermissionDenied(_("只有受检企业可以申请复检"))
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            with web_context(request, f"申请复检：样品 {sample.sample_no}"):
                sample_services.file_objection(actor=request.user, sample=sample, on=today(), reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已提交复检申请，组织抽查的部门将作出处理。"))
            return redirect("sampling:my-sample-detail", pk=sample.pk)
    return render(request, "sampling/staff/my_sample_detail.html", {
        "sample": sample, "original_lab": selectors.original_lab(sample), "notified": sample.notified_on is not None,
        "reports": _reports(sample, request.user), "objection": None, "deadline": objection_deadline(sample), "form": form, "refused": "", "today": today(),
    }, status=400)


@login_required
def sample_notice(request, pk: int):
    """检验结果告知书 — a print-friendly page for the enterprise (its own samples) and the staff."""
    sample = fetch(Sample.objects.select_related("plan", "plan__department", "plan__region", "category", "region", "lab", "producer"),
                   request.user, pk=pk)
    if not in_own_scope(sample, request.user):
        raise Http404(_("样品不存在"))
    if sample.conclusion == "":
        raise Http404(_("检验结论尚未确定，暂无告知书"))
    reports = [r for r in _reports(sample, request.user) if r.status == ReportStatus.ISSUED]
    return render(request, "sampling/staff/notice.html", {
        "sample": sample, "report": reports[-1] if reports else None, "deadline": objection_deadline(sample),
        "issued_on": sample.notified_on or sample.concluded_on or today(),
        "organiser": sample.plan.organiser_name or (sample.plan.department.name if sample.plan.department_id else sample.plan.region.name),
    })

