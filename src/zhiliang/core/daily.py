"""Daily jobs (每日例行任务): work that falls due with the calendar rather than with a user's
action — e.g. a failing sampling result becomes final when its objection window ends.

Apps register a job in ``AppConfig.ready`` with :func:`register_daily`; ``zhiliang daily``
runs every job for a date (cron in production: ``30 0 * * * zhiliang daily``), and the
server runs it once when it starts.  A job must be idempotent: running it twice for the
same day changes nothing the second time."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

from django.utils import timezone

from .audit import SYSTEM, audit_context
from .choices import ChangeSource


@dataclass(frozen=True)
class DailyJob:
    name: str
    label: str
    #: ``run(actor, on)`` does the day's work and returns a one-line summary
    run: Callable[..., str]


_JOBS: dict[str, DailyJob] = {}


def register_daily(name: str, label: str, run: Callable[..., str]) -> None:
    _JOBS[name] = DailyJob(name, label, run)


def daily_jobs() -> list[DailyJob]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def run_daily(on: datetime.date | None = None, *, names: list[str] | None = None,
              source: str = ChangeSource.SYSTEM) -> list[tuple[DailyJob, str]]:
    """Run the jobs (all, or ``names``) for ``on`` (default today) as the system, each in
    its own audit context; returns each job with its summary."""
    on = on or timezone.localdate()
    unknown = set(names or ()) - set(_JOBS)
    if unknown:
        raise LookupError(f"未登记的每日任务：{'、'.join(sorted(unknown))}（可用：{'、'.join(sorted(_JOBS))}）")
    done = []
    for job in daily_jobs():
        if names and job.name not in names:
            continue
        with audit_context(actor=SYSTEM, reason=f"每日例行任务：{job.label}（{on:%Y-%m-%d}）", source=source):
            done.append((job, job.run(actor=SYSTEM, on=on)))
    return done
