from __future__ import annotations

from functools import lru_cache

from django.db import models
from django.db.models import Q

from ..choices import DepartmentKind, RegionLevel
from ..permissions import Scope
from .base import DomainModel


class Region(DomainModel):
    """行政区划 — a node of the region tree (GB/T 2260 codes; local codes for the
    two special zones, flagged ``is_local_code``; an "outside Shiyan" node)."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, help_text="/100000/420000/420300/…/")
    is_local_code = models.BooleanField("本地代码", default=False, help_text="无国家区划代码的功能区使用的本地代码")
    sort_order = models.PositiveIntegerField("排序", default=0)

    scope = Scope(reference=True, public=Q())

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    def subtree_ids(self) -> list[int]:
        """This region and all below it (scoping follows the subtree)."""
        return _subtree_ids(self.pk, self.path)

    def ancestors(self) -> list["Region"]:
        codes = [c for c in self.path.strip("/").split("/") if c]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


@lru_cache(maxsize=256)
def _subtree_ids(pk: int, path: str) -> list[int]:
    return list(Region.objects.filter(path__startswith=path).values_list("pk", flat=True))


class Department(DomainModel):
    """部门 / 责任单位 — a unit named by the plan, or a county market-supervision
    bureau.  ``valid_to`` and ``successor`` record reorganisations (the 2019
    merger of 工商, 质监 and 食药监 into 市场监督管理局): a successor sees its
    predecessors' records (lineage)."""

    code = models.SlugField("部门代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    kind = models.CharField("类型", max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="departments")
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    valid_from = models.DateField("设立日期", null=True, blank=True)
    valid_to = models.DateField("撤销日期", null=True, blank=True)
    successor = models.ForeignKey("self", verbose_name="承继单位", null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors")
    is_responsible_unit = models.BooleanField("纲要责任单位", default=False)
    note = models.TextField("备注", blank=True)

    scope = Scope(reference=True, public=Q(), region="region", department="pk")

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["region__sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="department_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        from django.utils import timezone

        return self.valid_to is None or self.valid_to >= timezone.localdate()

    def lineage_ids(self) -> list[int]:
        """This department and every predecessor, transitively — remembered on the instance
        (a user's memberships, and so their departments, are loaded once per request: every
        ``restrict()`` of a page reuses the lineage)."""
        cached = self.__dict__.get("_zl_lineage")
        if cached is not None:
            return list(cached)
        seen = {self.pk}
        frontier = [self.pk]
        while frontier:
            frontier = [pk for pk in Department.objects.filter(successor_id__in=frontier).values_list("pk", flat=True) if pk not in seen]
            seen.update(frontier)
        self.__dict__["_zl_lineage"] = sorted(seen)
        return sorted(seen)

    def current(self) -> "Department":
        """Follow ``successor`` to the department in charge today."""
        dept, hops = self, 0
        while dept.successor_id and hops < 20:
            dept, hops = dept.successor, hops + 1
        return dept
