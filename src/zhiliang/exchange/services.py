"""Every write of the data exchange (STYLE.md §2)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from zhiliang.core import audit
from zhiliang.core.events import emit, service
from zhiliang.core.permissions import memberships, recheck

from .choices import ImportKind
from .importing import check_options, get_importer, sha256_of
from .readers import FileError
from .models import ImportJob

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@service(event="exchange.import_submitted")
def submit_import(*, actor, kind: str, upload, dry_run: bool = False, good_rows: bool = False, reason: str = "",
                  options: dict | None = None) -> ImportJob:
    """Store an uploaded file as an :class:`ImportJob` and enqueue it (after commit),
    with the audit context captured so the worker acts as ``actor``.  ``options`` are the
    kind's own settings (:class:`~zhiliang.exchange.importing.Option`), checked here."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"未知的导入类型“{kind}”"})
    try:
        options = check_options(get_importer(kind), options or {})
    except FileError as exc:
        raise ValidationError({"options": str(exc)}) from None
    data = upload.read()
    if not data:
        raise ValidationError({"file": "文件是空的"})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"文件过大（{len(data) // 1024 // 1024} MB），最大 {MAX_UPLOAD_BYTES // 1024 // 1024} MB"})
    upload.seek(0)
    staff = [m for m in memberships(actor) if m.role.name not in ("enterprise", "lab")]
    home = staff[0] if staff else None
    job = ImportJob(
        kind=kind, file_name=upload.name[:255], file_sha256=sha256_of(data), dry_run=dry_run, good_rows=good_rows, options=options,
        reason=reason[:255], user=actor, region=getattr(home, "region", None), department=getattr(home, "department", None),
    )
    job.file.save(upload.name, upload, save=False)
    job.save()
    recheck(job, actor, "add")
    emit("exchange.import_submitted", {"job": job.pk, "kind": kind, "file_name": job.file_name, "sha256": job.file_sha256, "options": options},
         subject=job, region=job.region)
    captured = audit.capture()
    transaction.on_commit(lambda: _enqueue(job.pk, captured))
    return job


def _enqueue(job_id: int, captured) -> None:
    from .jobs import run_import_job

    run_import_job.enqueue(job_id, captured)
