"""Every state change of core's own models (STYLE.md §2): atomic, ``actor=``
checked against the audit context, an event per service, scope re-checked."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import audit, search
from . import rules as rules_registry
from .choices import Role
from .events import emit, service
from .models import APIToken, CalendarDay, CalendarYear, Department, Membership, RuleOverride, User
from .permissions import in_own_scope, recheck

TOKEN_PREFIX = "zl_"


# --- users and memberships ----------------------------------------------------------------


@service(event="core.user_created")
def create_user(
    *,
    actor,
    username: str,
    password: str | None = None,
    display_name: str = "",
    email: str = "",
    phone: str = "",
    is_service_account: bool = False,
    service_description: str = "",
) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在"})
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        phone=phone,
        is_service_account=is_service_account,
        service_description=service_description,
    )
    if password and not is_service_account:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    emit("core.user_created", {"user": user.pk, "username": username, "service_account": is_service_account}, subject=user)
    return user


@service(event="core.membership_added")
def add_membership(
    *,
    actor,
    user: User,
    role: str,
    region=None,
    department: Department | None = None,
    organisation=None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色 {role}"})
    if role in (Role.COUNTY_STAFF,) and region is None:
        raise ValidationError({"region": "县市区工作人员必须指定区划"})
    if role == Role.DEPARTMENT_STAFF and department is None:
        raise ValidationError({"department": "部门工作人员必须指定部门"})
    membership = Membership.objects.create(
        user=user,
        role=Group.objects.get(name=role),
        region=region,
        department=department,
        organisation_type=ContentType.objects.get_for_model(organisation) if organisation is not None else None,
        organisation_id=str(organisation.pk) if organisation is not None else "",
        valid_from=valid_from,
        valid_to=valid_to,
    )
    user.__dict__.pop("_zl_memberships", None)
    emit(
        "core.membership_added",
        {"user": user.pk, "role": role, "region": getattr(region, "code", None), "department": getattr(department, "code", None)},
        subject=membership,
        region=region,
    )
    return membership


@service(event="core.membership_ended")
def end_membership(*, actor, membership: Membership, valid_to: datetime.date | None = None) -> Membership:
    membership.valid_to = valid_to or timezone.localdate()
    membership.save()
    emit("core.membership_ended", {"membership": membership.pk, "valid_to": membership.valid_to}, subject=membership)
    return membership


# --- departments ---------------------------------------------------------------------------

DEPARTMENT_EDITABLE = ("name", "short_name", "kind", "uscc", "valid_from", "valid_to", "successor", "is_responsible_unit", "note")


@service(event="core.department_changed")
def update_department(*, actor, department: Department, **changes: Any) -> Department:
    unknown = set(changes) - set(DEPARTMENT_EDITABLE)
    if unknown:
        raise ValidationError(f"不可修改的字段：{', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(department, name, value)
    if department.successor_id and department.successor_id == department.pk:
        raise ValidationError({"successor": "承继单位不能是本单位"})
    if department.successor_id and department.successor_id in department.lineage_ids():
        raise ValidationError({"successor": "承继关系不能形成循环"})
    department.full_clean()
    department.save()
    recheck(department, actor, "change")
    search.index_object("department", department)
    emit("core.department_changed", {"department": department.code, "fields": sorted(changes)}, subject=department, region=department.region)
    return department


# --- rules -----------------------------------------------------------------------------------


@service(event="core.rule_overridden")
def set_rule_override(*, actor, rule: str, value: Any, effective_from: datetime.date, reason: str) -> RuleOverride:
    definition = rules_registry.get(rule)
    cleaned = definition.clean(value)
    if not reason.strip():
        raise ValidationError({"reason": "请填写调整依据"})
    override, _ = RuleOverride.objects.update_or_create(
        rule=definition.name, effective_from=effective_from, defaults={"value": cleaned, "reason": reason.strip()}
    )
    recheck(override, actor, "change")
    transaction.on_commit(lambda: rules_registry.forget_overrides(definition.name))
    emit("core.rule_overridden", {"rule": definition.name, "value": cleaned, "effective_from": effective_from}, subject=override)
    return override


@service(event="core.rule_override_removed")
def remove_rule_override(*, actor, override: RuleOverride) -> None:
    recheck(override, actor, "delete")
    payload = {"rule": override.rule, "value": override.value, "effective_from": override.effective_from}
    override.delete()
    transaction.on_commit(lambda: rules_registry.forget_overrides(payload["rule"]))
    emit("core.rule_override_removed", payload)


# --- working-day calendar ----------------------------------------------------------------------


@service(event="core.calendar_loaded")
def load_calendar_year(*, actor, year: int, days: list[tuple[datetime.date, bool, str]], source: str, note: str = "") -> CalendarYear:
    """Load or correct a year's holidays and make-up days (replaces that year's list).

    ``days`` lists the days that differ from the plain week (holidays on
    weekdays, 调休 working days on weekends); named rest days on weekends may
    be listed too.  The loaded year replaces the ``chinese-calendar`` data and
    the provisional calendar for that year (see :mod:`zhiliang.core.workdays`)."""
    from . import workdays

    errors = []
    if not 1900 <= int(year) <= 2200:
        errors.append(f"年度 {year} 不在 1900–2200 之间")
    if not (source or "").strip():
        errors.append("请填写日历来源（如国务院办公厅通知文号）")
    seen: set[datetime.date] = set()
    for d, working, name in days:
        if not isinstance(d, datetime.date):
            errors.append(f"“{d}”不是日期")
            continue
        if d.year != year:
            errors.append(f"{d} 不属于 {year} 年")
        if d in seen:
            errors.append(f"{d} 重复出现")
        seen.add(d)
        if not isinstance(working, bool):
            errors.append(f"{d} 的“是否工作日”须为是/否，收到“{working}”")
        if len(name or "") > 40:
            errors.append(f"{d} 的名称过长（最多40个字符）")
    if errors:
        raise ValidationError(errors)
    try:
        cal, _ = CalendarYear.objects.update_or_create(year=year, defaults={"source": source.strip(), "note": note})
        CalendarDay.objects.filter(year=cal).delete()
        CalendarDay.objects.bulk_create([CalendarDay(year=cal, date=d, is_working=w, name=n or "") for d, w, n in sorted(days)])
        emit("core.calendar_loaded", {"year": year, "days": len(days), "source": source.strip()}, subject=cal)
    finally:
        # the transaction may still roll back: cache only per call until it ends
        workdays.invalidate(uncommitted=True)
    transaction.on_commit(workdays.invalidate)
    return cal


# --- API tokens ----------------------------------------------------------------------------------


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@service(event="core.token_issued")
def issue_token(*, actor, user: User, name: str, read_only: bool = True, days: int = 90) -> tuple[APIToken, str]:
    """A new token; the plaintext is returned once and never stored."""
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": f"有效期须在 1 至 {settings.API_TOKEN_MAX_DAYS} 天之间"})
    if not name or not name.strip():
        raise ValidationError({"name": "请填写令牌名称（用途）"})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = APIToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[:8],
        key_hash=hash_token(plaintext),
        read_only=read_only,
        expires_at=now + datetime.timedelta(days=days),
    )
    recheck(token, actor, "view")
    emit("core.token_issued", {"token": token.pk, "user": user.pk, "read_only": read_only, "expires_at": token.expires_at}, subject=token)
    return token, plaintext


@service(event="core.token_revoked")
def revoke_token(*, actor, token: APIToken) -> APIToken:
    recheck(token, actor, "change")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save()
    emit("core.token_revoked", {"token": token.pk, "user": token.user_id}, subject=token)
    return token


# --- personal data -------------------------------------------------------------------------------


@service(event="core.personal_data_viewed")
def reveal_personal_data(*, actor, instance, fields: list[str], reason: str) -> dict[str, Any]:
    """Unmasked values of ``fields`` for a permitted user; the viewing is logged."""
    from django.core.exceptions import PermissionDenied

    from .permissions import has_perm

    if not has_perm(actor, "core.view_personal_data"):
        raise PermissionDenied("无权查看未脱敏的个人信息")
    if not in_own_scope(instance, actor, "view"):  # public facts do not open personal data
        raise PermissionDenied(f"无权查看该{instance._meta.verbose_name}的个人信息")
    allowed = set(getattr(instance, "personal_fields", ()))
    if not set(fields) <= allowed:
        raise ValidationError(f"{', '.join(sorted(set(fields) - allowed))} 不是个人信息字段")
    audit.record_personal_view(actor=actor, instance=instance, fields=list(fields), reason=reason)
    emit("core.personal_data_viewed", {"model": instance._meta.label, "object": str(instance.pk), "fields": list(fields)}, subject=instance)
    return {f: getattr(instance, f) for f in fields}
