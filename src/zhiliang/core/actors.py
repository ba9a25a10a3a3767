"""Who acts in a service, and on which day (shared by the apps' services)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


def is_user(actor) -> bool:
    """A signed-in user (scoped, acting on today's facts), not SYSTEM (the daily job, imports)."""
    return bool(getattr(actor, "is_authenticated", False))


def not_future(actor, value: datetime.date | None, name: str, label: str) -> None:
    """A person records what has happened: never a day after today (a list entry dated ahead
    would be public before its decision; a re-check dated ahead would clear an overdue one).
    SYSTEM — the daily job, imports, the demo — acts on the day it is given."""
    if value is not None and is_user(actor) and value > timezone.localdate():
        raise ValidationError({name: f"{label} {value:%Y-%m-%d} 晚于今天"})
