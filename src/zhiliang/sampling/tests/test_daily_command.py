"""``zhiliang daily``: the daily job makes a failing result final once its objection window
has ended (RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL), and running it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from zhiliang.core.models import DomainEvent
from zhiliang.sampling.choices import SampleStatus

from .samples_data import build_world, failing_sample

pytestmark = pytest.mark.django_db


def daily(*args) -> str:
    out = StringIO()
    call_command("daily", *args, stdout=out)
    return out.getvalue()


def test_the_daily_command_finalises_failures_after_their_window_once():
    world = build_world()
    sample = failing_sample(world)  # served 2024-04-26 in the enterprise's account: may object through 2024-05-11
    assert "sampling-finalise" in daily("--list")
    assert "0 批" in daily("--on", "2024-05-11")
    sample.refresh_from_db()
    assert sample.status == SampleStatus.NOTIFIED
    out = daily("--on", "2024-05-12")
    sample.refresh_from_db()
    assert sample.status == SampleStatus.FINAL and f"1 批样品的不合格结论已确定（{sample.sample_no}）" in out
    judged = DomainEvent.objects.filter(name="sampling.sample_judged", subject_id=str(sample.pk), payload__final=True)
    assert judged.count() == 1
    assert "0 批" in daily("--on", "2024-05-13")  # idempotent
    assert judged.count() == 1


def test_bad_dates_and_unknown_jobs_are_refused():
    with pytest.raises(CommandError, match="格式应为 YYYY-MM-DD"):
        daily("--on", "2024/05/12")
    with pytest.raises(CommandError, match="未登记的每日任务：nope"):
        daily("--job", "nope")
