"""core's pages: public home and search, login, the staff home, the city admin's
rules and departments, the auditor's change log, user profiles and the
personal-data reveal endpoint (DESIGN.md §3: server-rendered + htmx).

Every query starts from ``restrict``/``get_for_user``; every write goes through
``core.services`` inside the request's audit context.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from . import rules as rules_registry
from . import services
from .audit import audit_context, mask_value
from .choices import ChangeSource, Role
from .forms import DepartmentForm, LoginForm, ObjectChangeUIFilterSet, RuleOverrideForm
from .models import ChangeSet, Department, ObjectChange, RuleOverride, User
from .navigation import menu_for
from .permissions import codename, get_for_user, has_perm, is_staff_user, restrict

log = logging.getLogger("zhiliang.views")

PAGE_SIZE = 50


# --- helpers ----------------------------------------------------------------------------------


def client_ip(request) -> str:
    """The client's address for rate limits (``RATELIMIT_IP_META_KEY``): see ``TRUSTED_PROXIES``;
    the same entry as DRF's throttles take with ``NUM_PROXIES``."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",")]
        return addresses[-min(proxies, len(addresses))]
    # a server on a Unix socket may give no address: those clients share one count (not a 500)
    return request.META.get("REMOTE_ADDR") or "unknown"


def bad_request(request, exception=None):
    """The 400 page (``handler400``): Django refuses a request it cannot take (a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many fields…) — in Chinese, and as JSON under ``/api/``."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

    if isinstance(exception, RequestDataTooBig):
        size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        limit = f"{size / 1048576:g} MB" if size >= 1048576 else f"{size // 1024} KB"
        message = _("请求体过大：不能超过 %(limit)s") % {"limit": limit}
    elif isinstance(exception, TooManyFieldsSent):
        message = _("提交的字段过多")
    else:
        message = _("服务器无法处理这个请求")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: the site's page with what to do, not Django's developer page."""
    return render(request, "403_csrf.html", status=403)


def rate_limited(request, exception=None):
    """The 429 page (``RATELIMIT_VIEW``)."""
    return render(request, "429.html", status=429)


def throttle(group: str, rate_setting: str, keys: tuple[str, ...], method: str = "POST", signed_in_rate: str | None = None):
    """Refuse with 429 when any of ``keys`` (django-ratelimit key syntax) exceeds
    ``settings.<rate_setting>`` for ``group``; the rate is read per request.  With
    ``signed_in_rate``, a signed-in user is counted by account at ``settings.<signed_in_rate>``
    instead (an office's staff share one address; they are known and their work is logged)."""

    def rate(_group, _request):
        return getattr(settings, rate_setting)

    def user_rate(_group, _request):
        return getattr(settings, signed_in_rate)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if signed_in_rate and request.user.is_authenticated:
                counted = [(f"{group}:user", "user", user_rate)]
            else:
                counted = [(group, key, rate) for key in keys]
            limited = False
            for name, key, limit in counted:
                # every key is counted, even after one is over the limit
                if is_ratelimited(request, group=name, key=key, rate=limit, method=method, increment=True):
                    limited = True
            if limited:
                log.warning("rate limit %s hit by %s", group, request.META.get("REMOTE_ADDR"))
                return rate_limited(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def public_throttle(group: str):
    """A public page's limit: ``PUBLIC_QUERY_RATE`` per address for visitors,
    ``SIGNED_IN_QUERY_RATE`` per account for signed-in users."""
    return throttle(group, "PUBLIC_QUERY_RATE", ("ip",), method="GET", signed_in_rate="SIGNED_IN_QUERY_RATE")


def require_perm(perm: str):
    """Signed in (else login redirect) and holding ``perm`` through a role (else 403)."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_perm(request.user, perm):
                raise PermissionDenied(_("您的角色无权访问此页面"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def web_context(request, reason: str):
    """A nested audit context giving the user's own reason for a write."""
    return audit_context(actor=request.user, reason=reason[:255], source=ChangeSource.WEB)


def form_errors_message(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)

# --- helpers of every app's pages ----------------------------------------------------------------


def staff_required(view):
    """Signed in (else login redirect) with a staff-side membership (else 403): the pages of
    models with public rows or reference data, which every staff user may open (what they
    see is still restricted)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_superuser or is_staff_user(request.user)):
            raise PermissionDenied(_("您的角色无权访问此页面"))
        return view(request, *args, **kwargs)

    return wrapped


def fetch(queryset, user, action: str = "view", **lookup):
    """``get_for_user`` (404 outside the scope, 403 when visible but ``action`` is not
    permitted), except that a role without the model's view permission gets 403, not 404."""
    try:
        return get_for_user(queryset, user, action, **lookup)
    except Http404:
        if not has_perm(user, codename(queryset.model, "view")):
            raise PermissionDenied(_("您的角色无权访问此页面")) from None
        raise


def apply_errors(form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` onto the form: by field where the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- public --------------------------------------------------------------------------------------


def public_home(request):
    return render(request, "core/public_home.html")


@public_throttle("public-search")
def public_search(request):
    """The one-stop public search (anonymous; only public records)."""
    query = (request.GET.get("q") or "").strip()[:100]
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    context = {"query": query, "results": None, "error": ""}
    if query:
        try:
            from .search import search
        except ImportError:  # the search engine is not installed in this build
            context["error"] = _("检索服务暂不可用，请稍后再试。")
        else:
            try:
                context["results"] = search(query, user=None, page=page, per_page=20)
            except ValidationError as exc:
                context["error"] = form_errors_message(exc)
    return render(request, "core/public_search.html", context)


# --- accounts --------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        return _throttled_login(super().dispatch)(request, *args, **kwargs)


def _throttled_login(view):
    return throttle("login", "LOGIN_RATE", ("ip", "post:username"), method="POST")(view)


class LogoutView(auth_views.LogoutView):
    pass


# --- staff home ----------------------------------------------------------------------------------

ROLE_DUTIES = {
    Role.ENTERPRISE: gettext_lazy("查看本企业的记录，提交自我声明、异议、信用修复申请和召回报告。"),
    Role.COUNTY_STAFF: gettext_lazy("办理本县市区的监管工作，只能查看本辖区的记录。"),
    Role.DEPARTMENT_STAFF: gettext_lazy("办理本部门的记录和任务，其他部门共享的记录只读。"),
    Role.LAB: gettext_lazy("接收分配给本机构的样品并报告检验结果。"),
    Role.CITY_ADMIN: gettext_lazy("全市范围的管理、配置和信息发布。"),
    Role.AUDITOR: gettext_lazy("查阅全部记录和变更记录，不能修改任何数据。"),
}


@login_required
def staff_home(request):
    from .permissions import memberships

    rows = []
    for m in memberships(request.user):
        try:
            duty = ROLE_DUTIES[Role(m.role.name)]
        except (KeyError, ValueError):
            duty = ""
        rows.append({"membership": m, "duty": duty})
    links = [e for e in menu_for(request.user) if e["url"] != reverse("core:staff-home")]
    hour = timezone.localtime().hour
    greeting = _("上午好") if 5 <= hour < 12 else _("下午好") if 12 <= hour < 18 else _("晚上好")
    return render(request, "core/staff_home.html", {"memberships": rows, "links": links, "greeting": greeting})


# --- rules (city admin) --------------------------------------------------------------------------------


def _rules_context(request, bound: RuleOverrideForm | None = None):
    today = timezone.localdate()
    overrides: dict[str, list[RuleOverride]] = {}
    for o in RuleOverride.objects.restrict(request.user, "view").order_by("rule", "-effective_from"):
        overrides.setdefault(o.rule, []).append(o)
    groups: dict[str, list[dict]] = {}
    for rule in rules_registry.all_rules():
        history = overrides.get(rule.name, [])
        in_force = next((o for o in history if o.effective_from <= today), None)
        if bound is not None and bound.data.get("rule") == rule.name:
            form = bound
        else:
            form = RuleOverrideForm(initial={"rule": rule.name, "effective_from": today})
        groups.setdefault(rule.group, []).append(
            {
                "rule": rule,
                "kind_label": rules_registry.KINDS.get(rule.kind, rule.kind),
                "today_value": rule.python(in_force.value if in_force else rule.default_on(today)),
                "in_force": in_force,
                "history": history,
                "form": form,
                "open": form is bound,
            }
        )
    from .rule_catalogue import GROUP_ORDER

    order = {name: i for i, name in enumerate(GROUP_ORDER)}
    return {"groups": sorted(groups.items(), key=lambda g: (order.get(g[0], len(order)), g[0])), "today": today}


@require_perm("core.change_ruleoverride")
def rules_admin(request):
    """All registered rules by group, with the value in force today and the override history."""
    if request.method == "POST":
        form = RuleOverrideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            rule = data["rule"]
            try:
                with web_context(request, f"调整规则 {rule.name}：{data['reason']}"):
                    services.set_rule_override(
                        actor=request.user,
                        rule=rule.name,
                        value=data["value"],
                        effective_from=data["effective_from"],
                        reason=data["reason"],
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("已保存：规则“%(title)s”自 %(date)s 起取值 %(value)s。")
                    % {"title": rule.title, "date": data["effective_from"].isoformat(), "value": data["value"]},
                )
                return redirect(f"{reverse('core:rules')}#{rule.name}")
        return render(request, "core/rules.html", _rules_context(request, bound=form), status=400)
    return render(request, "core/rules.html", _rules_context(request))


@require_POST
@require_perm("core.delete_ruleoverride")
def rule_override_remove(request, pk: int):
    """Remove an override that is not yet in force (past ones are history)."""
    override = get_for_user(RuleOverride.objects.all(), request.user, "delete", pk=pk)
    if override.effective_from <= timezone.localdate():
        messages.error(request, _("只能删除尚未生效的规则调整；已生效的调整是历史记录，请新增一条调整代替。"))
    else:
        with web_context(request, f"删除未生效的规则调整 {override.rule}（自 {override.effective_from}）"):
            services.remove_rule_override(actor=request.user, override=override)
        messages.success(request, _("已删除规则调整。"))
    return redirect(f"{reverse('core:rules')}#{override.rule}")


# --- departments (city admin) ------------------------------------------------------------------------


@require_perm("core.change_department")
def department_list(request):
    departments = (
        Department.objects.restrict(request.user, "view")
        .select_related("region", "successor")
        .prefetch_related(Prefetch("predecessors", queryset=Department.objects.order_by("code")))
        .order_by("region__sort_order", "valid_to", "code")
    )
    editable = set(Department.objects.restrict(request.user, "change").values_list("pk", flat=True))
    return render(request, "core/departments.html", {"departments": departments, "editable": editable})


@require_perm("core.change_department")
def department_edit(request, pk: int):
    department = get_for_user(Department.objects.select_related("region"), request.user, "change", pk=pk)
    if request.method == "POST":
        form = DepartmentForm(request.POST, instance=department, user=request.user)
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("没有修改任何内容。"))
                return redirect("core:departments")
            fresh = Department.objects.get(pk=department.pk)
            try:
                with web_context(request, f"修改部门 {fresh.code}"):
                    services.update_department(actor=request.user, department=fresh, **changes)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("已保存部门“%(name)s”。") % {"name": fresh.name})
                return redirect("core:departments")
        return render(request, "core/department_edit.html", {"form": form, "department": department}, status=400)
    form = DepartmentForm(instance=department, user=request.user)
    return render(request, "core/department_edit.html", {"form": form, "department": department})


# --- audit (auditor, city admin) -----------------------------------------------------------------------


@require_perm("core.view_objectchange")
def audit_list(request):
    qs = restrict(ObjectChange.objects.select_related("content_type", "change_set"), request.user, "view")
    params = request.GET.copy()
    params.pop("page", None)
    filterset = ObjectChangeUIFilterSet(params or None, queryset=qs.order_by("-time", "-id"))
    page = paginate(request, filterset.qs)
    return render(request, "core/audit_list.html", {"form": filterset.form, "page": page})


@require_perm("core.view_objectchange")
def audit_detail(request, pk: int):
    change = get_for_user(ObjectChange.objects.select_related("content_type", "change_set"), request.user, pk=pk)
    before, after = change.before or {}, change.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    rows = [
        {"field": k, "label": _field_label(change, k), "before": before.get(k), "after": after.get(k), "changed": k in (change.diff or {})}
        for k in keys
    ]
    return render(request, "core/audit_detail.html", {"change": change, "rows": rows})


def _field_label(change: ObjectChange, attname: str) -> str:
    model = change.content_type.model_class()
    if model is None:
        return attname
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return str(field.verbose_name)
    return attname


def diff_rows(model, diff: dict | None) -> list[tuple[str, Any, Any]]:
    """A change-log row's ``diff`` as a clerk reads it: (the field's Chinese name, before, after),
    a choice shown by its label ("候选" not "candidate"), a related row by its name ("竹山县", not 8)."""
    return history_rows(model, [diff])[0]


def history_rows(model, diffs: list[dict | None]) -> list[list[tuple[str, Any, Any]]]:
    """:func:`diff_rows` of many diffs of ``model``, the related rows' names read in one query
    per related model."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    wanted: dict[Any, set] = {}
    for diff in diffs:
        for attname, pair in (diff or {}).items():
            field = fields.get(attname)
            if field is not None and field.is_relation and field.related_model is not None:
                wanted.setdefault(field.related_model, set()).update(v for v in list(pair)[:2] if v not in (None, ""))
    names = {}
    for related, ids in wanted.items():
        try:
            names[related] = {str(pk): str(obj) for pk, obj in related._base_manager.in_bulk(list(ids)).items()}
        except (ValueError, TypeError):  # ids of another type than the key (an old log row): shown as logged
            names[related] = {}
    out = []
    for diff in diffs:
        rows = []
        for attname, pair in (diff or {}).items():
            field = fields.get(attname)
            before, after = (list(pair) + [None, None])[:2]
            if field is not None and field.choices:
                labels = dict(field.flatchoices)
                before, after = labels.get(before, before), labels.get(after, after)
            elif field is not None and field.related_model in names:
                known = names[field.related_model]
                before, after = (known.get(str(v), v) if v not in (None, "") else v for v in (before, after))
            rows.append((str(field.verbose_name) if field is not None else attname, before, after))
        out.append(rows)
    return out


@require_perm("core.view_changeset")
def changeset_list(request):
    qs = restrict(ChangeSet.objects.all(), request.user, "view").order_by("-created_at", "-id")
    return render(request, "core/changeset_list.html", {"page": paginate(request, qs)})


@require_perm("core.view_changeset")
def changeset_detail(request, pk: int):
    change_set = get_for_user(ChangeSet.objects.all(), request.user, pk=pk)
    changes = restrict(ObjectChange.objects.select_related("content_type"), request.user, "view").filter(change_set=change_set)
    return render(
        request,
        "core/changeset_detail.html",
        {"change_set": change_set, "page": paginate(request, changes.order_by("-time", "-id")), "can_audit": has_perm(request.user, "core.view_objectchange")},
    )


# --- users and personal data ---------------------------------------------------------------------------


@require_perm("core.view_user")
def user_list(request):
    query = (request.GET.get("q") or "").strip()
    qs = User.objects.restrict(request.user, "view").prefetch_related("memberships__role", "memberships__region", "memberships__department")
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    return render(request, "core/user_list.html", {"page": paginate(request, qs.order_by("username")), "query": query})


@login_required
def user_detail(request, pk: int):
    subject = get_for_user(User.objects.all(), request.user, pk=pk)
    memberships = subject.memberships.select_related("role", "region", "department").order_by("valid_from", "pk")
    recent = None
    if has_perm(request.user, "core.view_objectchange"):
        recent = restrict(ObjectChange.objects.select_related("content_type"), request.user).filter(actor_id=subject.pk)[:20]
    personal = [
        {"name": f, "label": subject._meta.get_field(f).verbose_name, "masked": mask_value(getattr(subject, f))}
        for f in subject.personal_fields
    ]
    return render(
        request,
        "core/user_detail.html",
        {
            "subject": subject,
            "memberships": memberships,
            "recent_changes": recent,
            "personal": personal,
            "can_reveal": has_perm(request.user, "core.view_personal_data"),
            "model_label": subject._meta.label_lower,
        },
    )


def _fragment(request, text: str, status: int, css: str = "revealed") -> HttpResponse:
    return HttpResponse(format_html('<span class="{}">{}</span>', css, text), status=status)


@require_POST
def reveal_personal(request, model: str, pk: str, field: str):
    """htmx: the unmasked value of one personal field, for users with
    ``core.view_personal_data``; the viewing is logged (``view_personal``)."""
    if not request.user.is_authenticated:
        return _fragment(request, _("请先登录"), 401, "alert-inline")
    try:
        model_class = apps.get_model(model)
    except (LookupError, ValueError):
        raise Http404(_("不存在的数据类型 %(model)s") % {"model": model}) from None
    if field not in getattr(model_class, "personal_fields", ()):
        raise Http404(_("%(field)s 不是个人信息字段") % {"field": field})
    instance = get_for_user(model_class._default_manager.all(), request.user, pk=pk)
    if not has_perm(request.user, "core.view_personal_data"):
        return _fragment(request, _("无权查看未脱敏的个人信息"), 403, "alert-inline")
    label = model_class._meta.get_field(field).verbose_name
    with web_context(request, f"查看{model_class._meta.verbose_name}“{instance}”的{label}"):
        values = services.reveal_personal_data(actor=request.user, instance=instance, fields=[field], reason=f"网页查看{label}")
    return _fragment(request, values[field] or "—", 200)
