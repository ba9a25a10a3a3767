"""Template helpers of the Zhiliang UI: ``{% load zl %}``."""

from __future__ import annotations

import json
from decimal import Decimal

from django import template
from django.utils.translation import gettext

from ..audit import mask_value
from ..choices import Role

register = template.Library()


@register.filter
def may(user, permission: str) -> bool:
    """``{% if request.user|may:"app.codename" %}`` — ``core.permissions.has_perm`` in a template,
    for a link only shown where it leads."""
    from ..permissions import has_perm

    return user is not None and getattr(user, "is_authenticated", False) and has_perm(user, permission)


@register.filter
def role_label(group) -> str:
    """The Chinese (translated) name of a role group (``city_admin`` → 市级管理员)."""
    name = getattr(group, "name", group)
    try:
        return Role(name).label
    except ValueError:
        return str(name)


@register.filter
def membership_where(membership) -> str:
    """Where a membership applies: its department, region or organisation."""
    parts = [str(x) for x in (membership.region, membership.department) if x is not None]
    if membership.organisation_type_id:
        parts.append(str(membership.organisation or membership.organisation_id))
    return " · ".join(parts)


@register.filter
def mask(value) -> str:
    """All but the last 4 characters masked (RULES.md, PIPL)."""
    return mask_value(value) or ""


@register.filter
def amount(value) -> str:
    """A decimal amount without the trailing zeros of its column's scale: 0.900000 → 0.9, 5.000000 → 5."""
    from decimal import Decimal

    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@register.filter
def as_json(value) -> str:
    """A JSON value as compact readable text (Chinese kept as is)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
