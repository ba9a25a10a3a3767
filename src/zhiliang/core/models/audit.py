import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import ChangeAction, ChangeSource
from ..permissions import Scope


#: what each kind of change set is called (``register_change_set_kind``; the apps add theirs)
CHANGE_SET_KINDS: dict[str, str] = {"demo": _("生成演示数据"), "import": _("导入")}
#: what a change set's counts are called; a count without a name shows its key
CHANGE_SET_COUNTS: dict[str, str] = {
    "total": _("行数"), "created": _("新增"), "updated": _("更新"), "unchanged": _("未变"), "errors": _("有错误的行"),
    "rows": _("行数"), "tasks": _("抽查任务"), "accounts": _("账号"),
}


def register_change_set_kind(kind: str, label: str) -> None:
    """Name a kind of change set (``import:penalties`` → 导入行政处罚（双公示））."""
    CHANGE_SET_KINDS[kind] = label


def register_change_set_counts(labels: dict[str, str]) -> None:
    """Name counts an app's change sets carry (its demo loader's, its jobs')."""
    CHANGE_SET_COUNTS.update(labels)


class ChangeSet(models.Model):
    """变更集 — one bulk job (an import, a generated data set): file name,
    SHA-256, counts, actor. Records it created point to it."""

    kind = models.CharField("类型", max_length=40)
    file_name = models.CharField("文件名", max_length=255, blank=True)
    file_sha256 = models.CharField("文件 SHA-256", max_length=64, blank=True, db_index=True)
    counts = models.JSONField("计数", default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField("操作人姓名", max_length=150)
    reason = models.CharField("原因", max_length=255)
    source = models.CharField("来源", max_length=16, choices=ChangeSource.choices)
    request_id = models.CharField("请求编号", max_length=64, db_index=True)
    created_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    scope = Scope()

    class Meta:
        verbose_name = "变更集"
        default_permissions = ("view",)  # append-only
        verbose_name_plural = "变更集"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name or ''} ({self.created_at:%Y-%m-%d %H:%M})".strip()

    @property
    def kind_label(self) -> str:
        return CHANGE_SET_KINDS.get(self.kind, self.kind)

    @property
    def count_items(self) -> list[tuple[str, object]]:
        """The counts as (name, number), in the order the names were registered (PostgreSQL's
        jsonb keeps its own key order), unnamed ones last."""
        order = {key: i for i, key in enumerate(CHANGE_SET_COUNTS)}
        counts = sorted((self.counts or {}).items(), key=lambda item: order.get(item[0], len(order)))
        return [(CHANGE_SET_COUNTS.get(key, key), value) for key, value in counts]


class ObjectChange(models.Model):
    """变更记录 — one row of the change log (append-only): action, object,
    before/after, diff, actor id and name, request id, reason, time.
    Viewing unmasked personal data is recorded here too."""

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("操作", max_length=16, choices=ChangeAction.choices, db_index=True)
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    diff = models.JSONField("差异", default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    actor_name = models.CharField("操作人姓名", max_length=150)
    request_id = models.CharField("请求编号", max_length=64, db_index=True)
    reason = models.CharField("原因", max_length=255)
    source = models.CharField("来源", max_length=16, choices=ChangeSource.choices)
    change_set = models.ForeignKey(ChangeSet, verbose_name="变更集", null=True, blank=True, on_delete=models.PROTECT, related_name="changes")

    scope = Scope()

    class Meta:
        verbose_name = "变更记录"
        default_permissions = ("view",)  # append-only
        verbose_name_plural = "变更记录"
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="objectchange_object")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class DomainEvent(models.Model):
    """领域事件 — the outbox: written in the same transaction as the change,
    delivered to handlers after commit through the task queue."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("事件名", max_length=80, db_index=True)
    version = models.PositiveSmallIntegerField("版本", default=1)
    payload = models.JSONField("内容", default=dict)
    subject_type = models.ForeignKey(ContentType, verbose_name="对象类型", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    enterprise_key = models.CharField("企业键", max_length=64, blank=True, db_index=True, help_text="事件涉及的企业（用于企业页面）")
    region = models.ForeignKey("core.Region", verbose_name="区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_public = models.BooleanField("可公开", default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    actor_name = models.CharField("操作人姓名", max_length=150)
    request_id = models.CharField("请求编号", max_length=64)
    audit = models.JSONField("审计上下文", default=dict)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField("投递完成时间", null=True, blank=True, db_index=True)

    scope = Scope(region="region", roles={"county_staff": ("view",), "department_staff": ("view",)})

    class Meta:
        verbose_name = "领域事件"
        default_permissions = ("view",)  # append-only
        verbose_name_plural = "领域事件"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} {self.id}"


class EventDelivery(models.Model):
    """事件投递 — one handler's successful run for one event (idempotency key)."""

    event = models.ForeignKey(DomainEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField("处理器", max_length=200)
    delivered_at = models.DateTimeField("投递时间", auto_now_add=True)

    scope = Scope()

    class Meta:
        verbose_name = "事件投递"
        default_permissions = ("view",)  # append-only
        verbose_name_plural = "事件投递"
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="event_delivery_once")]
