from django.db import models
from django.db.models import Q

from zhiliang.core.models import DomainModel
from zhiliang.core.permissions import Scope


class Organisation(DomainModel):
    """A stand-in for an enterprise or a testing agency (memberships bind to it)."""

    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")

    scope = Scope(region="region", reference=True)

    class Meta:
        verbose_name = "测试机构"

    def __str__(self):
        return self.name


class Record(DomainModel):
    """A scoped work record: region, department, owning organisation, public rows."""

    title = models.CharField("标题", max_length=100)
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, verbose_name="机构", null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    published = models.BooleanField("已公开", default=False)
    id_number = models.CharField("身份证号", max_length=18, blank=True)

    personal_fields = ("id_number",)
    scope = Scope(
        region="region",
        department="department",
        owner="organisation",
        public=Q(published=True),
        roles={
            "county_staff": ("view", "add", "change"),
            "department_staff": ("view", "add", "change"),
            "enterprise": ("view",),
        },
    )

    class Meta:
        verbose_name = "测试记录"

    def __str__(self):
        return self.title
