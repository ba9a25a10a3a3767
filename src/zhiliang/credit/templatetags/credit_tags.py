"""Template filters of the credit pages."""

import datetime

from django import template
from django.utils.translation import gettext as _

from zhiliang.credit.choices import LONG_TERM

register = template.Library()


@register.filter
def until(value) -> str:
    """An 有效期至 as the pages write it: 长期 for the standard's 2099-12-31, else the date."""
    if not isinstance(value, datetime.date):
        return value or ""
    return _("长期") if value == LONG_TERM else value.strftime("%Y-%m-%d")


@register.simple_tag
def filename(obj, field: str) -> str:
    """The name ``obj.<field>`` was uploaded with (``<field>_name``), else its stored name."""
    given = getattr(obj, f"{field}_name", "")
    return given or (getattr(getattr(obj, field), "name", "") or "").rsplit("/", 1)[-1]
