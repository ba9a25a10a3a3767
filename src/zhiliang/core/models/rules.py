from django.db import models

from ..permissions import Scope
from .base import DomainModel


class RuleOverride(DomainModel):
    """规则调整 — a deployment's value for a registered rule, in force from
    ``effective_from`` (inclusive) until a later override.  Earlier dates keep
    the earlier value: a penalty decided in 2024 is judged by 2024's rule."""

    rule = models.CharField("规则", max_length=80, db_index=True)
    value = models.JSONField("取值")
    effective_from = models.DateField("生效日期")
    reason = models.CharField("调整依据", max_length=255)

    scope = Scope(reference=True)

    class Meta:
        verbose_name = "规则调整"
        verbose_name_plural = "规则调整"
        ordering = ["rule", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["rule", "effective_from"], name="rule_override_once_per_day")]

    def __str__(self) -> str:
        return f"{self.rule} = {self.value} (自 {self.effective_from})"
