"""``zhiliang daily``: run the daily jobs (每日例行任务) for a date; run it from cron."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from zhiliang.core import daily
from zhiliang.core.choices import ChangeSource


class Command(BaseCommand):
    help = "执行每日例行任务（如复检期限届满后确定不合格结论），可重复执行。 Run the daily jobs (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="按该日期执行（缺省为今天）")
        parser.add_argument("--job", action="append", dest="jobs", metavar="NAME", help="只执行该任务（可多次指定）")
        parser.add_argument("--list", action="store_true", help="列出已登记的每日任务")

    def handle(self, *args, on=None, jobs=None, list=False, **options):
        if list:
            for job in daily.daily_jobs():
                self.stdout.write(f"{job.name}\t{job.label}")
            return
        try:
            day = datetime.date.fromisoformat(on) if on else None
        except ValueError:
            raise CommandError(f"--on：日期“{on}”格式应为 YYYY-MM-DD") from None
        try:
            done = daily.run_daily(day, names=jobs, source=ChangeSource.COMMAND)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        for job, summary in done:
            self.stdout.write(f"{job.label}：{summary}")
