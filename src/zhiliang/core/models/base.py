from django.db import models

from ..audit import AuditedModel
from ..managers import ScopedManager


class InsertOrderIndex(models.Index):
    """An index on a column that grows with the table (a change set, a first-seen time): a BRIN
    index on PostgreSQL — a few bytes per range of pages, nearly free to keep up on a table loaded
    in bulk, and what a lookup of one import's rows needs — a B-tree elsewhere (SQLite has no
    BRIN)."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            using = " USING brin"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class DomainModel(AuditedModel):
    """Abstract base of every domain model: audited writes, ``objects.restrict``,
    and timestamps.  Subclasses declare ``scope = Scope(...)``."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedManager()

    class Meta:
        abstract = True
