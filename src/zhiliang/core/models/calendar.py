from django.db import models

from ..permissions import Scope
from .base import DomainModel


class CalendarYear(DomainModel):
    """工作日历年度 — a year of official holidays loaded or corrected by the
    deployment (on top of the ``chinese-calendar`` package)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField("来源", max_length=200, help_text="例如 国务院办公厅通知文号")
    note = models.TextField("备注", blank=True)

    scope = Scope(reference=True)

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"


class CalendarDay(DomainModel):
    """日历例外 — one day that differs from the plain week: a holiday on a weekday
    (``is_working=False``) or a make-up working day on a weekend (调休, ``True``)."""

    year = models.ForeignKey(CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True)
    is_working = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=40, blank=True, help_text="节日名称，如 国庆节")

    scope = Scope(reference=True)

    class Meta:
        verbose_name = "日历例外"
        verbose_name_plural = "日历例外"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working else '休息'} {self.name}"
