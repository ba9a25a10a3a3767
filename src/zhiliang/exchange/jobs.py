"""The import job as a background task (django-tasks).

The write phase of an import holds one transaction; its progress therefore
lives in the cache (shared by the web process and the worker: the file cache
in the data dir, or Redis), not in the job row, and is copied to the row when
the job ends."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from zhiliang.core import audit
from zhiliang.core.choices import ChangeSource

from .choices import JobStatus
from .importing import get_importer, run_import
from .models import ImportJob

log = logging.getLogger("zhiliang.exchange")

PHASE_LABELS = {"check": "检查", "write": "写入", "trial": "试导入（只检查，不写入）"}
#: a CSV file at least this large is streamed by a kind that can (``Importer.stream``: checked
#: and written batch by batch, set-wise — e.g. a department's year of 双公示 penalties)
STREAM_FROM_BYTES = 1 << 20


def progress_key(job_id: int) -> str:
    return f"zhiliang:import-progress:{job_id}"


def progress_of(job: ImportJob) -> dict:
    """What the progress fragment shows: the cache while running, the row once done."""
    if not job.is_finished:
        live = cache.get(progress_key(job.pk))
        if live:
            return live
    return {"phase": "", "processed": job.processed, "total": job.total}


@task()
def run_import_job(job_id: int, captured: dict | None) -> str:
    """Task: run one :class:`ImportJob` as the user who submitted it."""
    with audit.restore(captured, source=ChangeSource.IMPORT):
        return execute(job_id)


def execute(job_id: int) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    if job.is_finished:
        return job.status  # delivered twice: the first run's report stands
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] > 0.3:
            last[0] = now
            cache.set(progress_key(job.pk), {"phase": PHASE_LABELS.get(phase, phase), "processed": done, "total": total}, 3600)

    try:
        importer = get_importer(job.kind)
        if importer.streams(job.file_name, job.file.size, STREAM_FROM_BYTES):
            report = importer.stream(job.file.path, actor=job.user, dry_run=job.dry_run, good_rows=job.good_rows, options=job.options,
                                     file_name=job.file_name, progress=progress)
        else:
            with job.file.open("rb") as fh:
                data = fh.read()
            report = run_import(job.kind, data, job.file_name, actor=job.user, dry_run=job.dry_run, good_rows=job.good_rows,
                                progress=progress, options=job.options)
    except Exception as exc:  # the report says it; the log has the trace
        log.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, finished_at=timezone.now(),
            report={"outcome": "failed", "outcome_label": "导入过程出错，未写入任何数据", "file_errors": [f"内部错误：{type(exc).__name__}：{exc}"],
                    "errors": [], "counts": {}},
        )
        return JobStatus.FAILED
    finally:
        cache.delete(progress_key(job.pk))
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, finished_at=timezone.now(), report=report.as_dict(), processed=report.total,
        total=report.total, change_set_id=report.change_set_id,
    )
    return JobStatus.DONE


