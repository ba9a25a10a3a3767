from django.db import models

from ..audit import AuditedModel
from ..managers import ScopedManager


class DomainModel(AuditedModel):
    """Abstract base of every domain model: audited writes, ``objects.restrict``,
    and timestamps.  Subclasses declare ``scope = Scope(...)``."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedManager()

    class Meta:
        abstract = True
