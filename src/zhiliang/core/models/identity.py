from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from ..audit import AuditedModel
from ..managers import ScopedManager, UserManager
from ..permissions import Scope


class User(AbstractUser, AuditedModel):
    """用户 — a person who signs in, or a service account (另一部门的系统、电商平台)
    that only uses API tokens."""

    display_name = models.CharField("姓名", max_length=64, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    is_service_account = models.BooleanField("服务账号", default=False, help_text="仅通过接口令牌访问，不能登录网页")
    service_description = models.CharField("服务说明", max_length=200, blank=True)

    audit_exempt_fields = ("last_login",)
    personal_fields = ("phone",)
    audit_snapshot_exclude = ("password",)
    scope = Scope(user="pk")

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]
        permissions = [("view_personal_data", "查看未脱敏的个人信息")]

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(AuditedModel):
    """成员资格 — a user's role within a region, a department, or an organisation
    (the enterprise of an enterprise account, the agency of a lab account).
    A user may hold several; each grants its role's permissions within its scope."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Group, verbose_name="角色", on_delete=models.PROTECT, related_name="memberships")
    region = models.ForeignKey("core.Region", verbose_name="区划", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships")
    department = models.ForeignKey("core.Department", verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships")
    organisation_type = models.ForeignKey(ContentType, verbose_name="机构类型", null=True, blank=True, on_delete=models.PROTECT)
    organisation_id = models.CharField("机构", max_length=64, blank=True, default="")
    organisation = GenericForeignKey("organisation_type", "organisation_id")
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("失效日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    scope = Scope(region="region", department="department", roles={"county_staff": ("view",), "department_staff": ("view",)})

    objects = ScopedManager()

    class Meta:
        verbose_name = "成员资格"
        verbose_name_plural = "成员资格"
        ordering = ["user__username", "role__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation_type__isnull=True, organisation_id="") | Q(organisation_type__isnull=False) & ~Q(organisation_id=""),
                name="membership_organisation_complete",
            ),
        ]

    def __str__(self) -> str:
        where = self.department or self.region or self.organisation or ""
        return f"{self.user} · {self.role.name} · {where}"
