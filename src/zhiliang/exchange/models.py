"""The data exchange's records: import jobs submitted through the staff pages."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhiliang.core.models import DomainModel
from zhiliang.core.permissions import Scope

from .choices import ImportKind, JobStatus


class ImportJob(DomainModel):
    """导入任务 — one uploaded file (kept under MEDIA_ROOT with its SHA-256), its
    options, its progress and its row-level report.  Scoped by the region and
    department of the user who uploaded it: county staff see their county's
    jobs, department staff their department's, everyone their own."""

    kind = models.CharField("导入类型", max_length=20, choices=ImportKind.choices)
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    file_name = models.CharField("原文件名", max_length=255)
    file_sha256 = models.CharField("文件 SHA-256", max_length=64, db_index=True)
    dry_run = models.BooleanField("只检查，不写入", default=False)
    good_rows = models.BooleanField("只导入无误的行", default=False)
    options = models.JSONField("选项", default=dict, blank=True, help_text="导入类型自身的选项，如抽查结果公告的抽查层级")
    reason = models.CharField("原因", max_length=255, blank=True)
    status = models.CharField("状态", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    processed = models.PositiveIntegerField("已处理行数", default=0)
    total = models.PositiveIntegerField("总行数", default=0)
    report = models.JSONField("报告", default=dict, blank=True)
    change_set = models.ForeignKey("core.ChangeSet", verbose_name="变更集", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="import_jobs")
    region = models.ForeignKey("core.Region", verbose_name="区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    #: the job's own bookkeeping, written by the worker as it goes (like the task queue's rows)
    audit_exempt_fields = ("status", "processed", "total", "report", "change_set", "change_set_id", "started_at", "finished_at", "updated_at")
    #: the stored file's path says nothing the name and SHA-256 do not (and is not JSON)
    audit_snapshot_exclude = ("file",)
    scope = Scope(
        region="region",
        department="department",
        user="user",
        roles={"county_staff": ("view", "add"), "department_staff": ("view", "add")},
    )

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
