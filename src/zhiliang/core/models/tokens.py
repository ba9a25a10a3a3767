from django.conf import settings
from django.db import models
from django.db.models import Q

from ..permissions import Scope
from .base import DomainModel


class APIToken(DomainModel):
    """接口令牌 — a machine client's credential: stored hashed (SHA-256), shown
    once, expires, may be read-only, bound to a user or a service account.
    Its security fields cannot change after creation; it can only be revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("前缀", max_length=12, db_index=True, help_text="明文的前 8 位，用于识别")
    key_hash = models.CharField("散列", max_length=64, unique=True)
    read_only = models.BooleanField("只读", default=True)
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    security_fields = ("user_id", "prefix", "key_hash", "read_only", "expires_at")
    audit_exempt_fields = ("last_used_at",)
    scope = Scope(user="user")

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="token_expires_after_creation")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            old = type(self)._base_manager.filter(pk=self.pk).values(*self.security_fields).first()
            if old and any(old[f] != getattr(self, f) for f in self.security_fields):
                raise ValueError("令牌的安全字段创建后不可修改，请吊销后重新签发。")
        super().save(*args, **kwargs)
