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


@register.filter
def filename(stored) -> str:
    """An uploaded file's own name (without the storage folder)."""
    name = getattr(stored, "name", "") or ""
    return name.rsplit("/", 1)[-1]
