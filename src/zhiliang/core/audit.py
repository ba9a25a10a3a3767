"""Audit context and the audited base model (CORE.md "Audit").

Every write happens inside ``audit_context(actor=…, reason=…, source=…)``.
Web requests get one from :class:`~zhiliang.core.middleware.AuditContextMiddleware`;
commands and importers open one; jobs capture it when enqueued and restore it
in the worker; :data:`SYSTEM` is the actor of scheduled work.

Audited models refuse ``save``/``delete`` and their querysets refuse
``update``/``bulk_create``/``bulk_update``/``delete`` outside a context, and
every such write leaves rows in the change log (:class:`ObjectChange`).  A
bulk job opens a :func:`change_set`: records it creates point to it
(``created_in``) instead of getting one log row each; updates and deletes
still get their per-record before/after rows.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any, Iterator

from django.db import models, transaction


class AuditContextRequired(RuntimeError):
    """A write to an audited model was attempted outside ``audit_context``."""


class ActorMismatch(RuntimeError):
    """A service was called with an actor other than the audit context's."""


@dataclass(frozen=True)
class SystemActor:
    """The actor of scheduled and system work (no user)."""

    pk: None = None
    id: None = None
    display: str = "系统"
    is_authenticated: bool = False

    def __str__(self) -> str:
        return self.display


SYSTEM = SystemActor()


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None
    actor_name: str
    reason: str
    source: str
    request_id: str
    change_set_id: int | None = None

    def capture(self) -> dict[str, Any]:
        return asdict(self)


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("zhiliang_audit", default=None)


def actor_name(actor: Any) -> str:
    if actor is None or isinstance(actor, SystemActor):
        return SYSTEM.display
    full = getattr(actor, "display_name", "") or ""
    return f"{actor.get_username()}（{full}）" if full else actor.get_username()


@contextmanager
def audit_context(*, actor: Any, reason: str, source: str, request_id: str | None = None) -> Iterator[AuditContext]:
    """Open an audit context; nested contexts inherit the request id and change set."""
    if not reason:
        raise ValueError("audit_context needs a reason")
    parent = _current.get()
    ctx = AuditContext(
        actor_id=getattr(actor, "pk", None),
        actor_name=actor_name(actor),
        reason=reason,
        source=source,
        request_id=request_id or (parent.request_id if parent else uuid.uuid4().hex),
        change_set_id=parent.change_set_id if parent else None,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current_context() -> AuditContext | None:
    return _current.get()


def require_context(what: str = "写入") -> AuditContext:
    ctx = _current.get()
    if ctx is None:
        raise AuditContextRequired(
            f"{what}必须在审计上下文（audit_context）中进行。 A write ({what}) needs an audit context."
        )
    return ctx


def capture() -> dict[str, Any] | None:
    """The current context as plain data, to travel with an enqueued job."""
    ctx = _current.get()
    return ctx.capture() if ctx else None


@contextmanager
def restore(data: dict[str, Any] | None, *, source: str = "task") -> Iterator[AuditContext]:
    """Re-enter a captured context in a worker (or the SYSTEM context when none was captured)."""
    if data is None:
        ctx = AuditContext(None, SYSTEM.display, "定时任务", source, uuid.uuid4().hex)
    else:
        ctx = AuditContext(**data)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def check_actor(actor: Any) -> AuditContext:
    """Services take ``actor=`` and check it is the context's actor."""
    ctx = require_context()
    if getattr(actor, "pk", None) != ctx.actor_id:
        raise ActorMismatch(f"actor {actor!r} is not the audit context's actor ({ctx.actor_name})")
    return ctx


@contextmanager
def change_set(*, kind: str, file_name: str = "", file_sha256: str = "", **counts: int) -> Iterator[Any]:
    """Group a bulk job's writes: one :class:`ChangeSet` row the created records point to."""
    from .models import ChangeSet

    ctx = require_context("批量写入")
    cs = ChangeSet.objects.create(
        kind=kind,
        file_name=file_name,
        file_sha256=file_sha256,
        actor_id=ctx.actor_id,
        actor_name=ctx.actor_name,
        reason=ctx.reason,
        source=ctx.source,
        request_id=ctx.request_id,
        counts=counts,
    )
    token = _current.set(replace(ctx, change_set_id=cs.pk))
    try:
        yield cs
    finally:
        _current.reset(token)


# --- snapshots -----------------------------------------------------------------------


def mask_value(value: Any) -> Any:
    """Mask all but the last few characters (``RULE_IDENTITY_MASK_VISIBLE_CHARS``,
    4 by default: RULES.md, personal identity numbers are never shown publicly)."""
    if value in (None, ""):
        return value
    from . import rules

    visible = int(rules.value("RULE_IDENTITY_MASK_VISIBLE_CHARS"))
    text = str(value)
    return "*" * max(len(text) - visible, 0) + (text[-visible:] if visible else "")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, memoryview | bytes):
        return "<binary>"
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete fields as JSON-safe data; personal fields masked."""
    personal = set(getattr(instance, "personal_fields", ()))
    skip = set(getattr(instance, "audit_snapshot_exclude", ()))
    data = {}
    for field in instance._meta.concrete_fields:
        if field.attname in skip or field.name in skip:
            continue
        value = _plain(getattr(instance, field.attname))
        data[field.attname] = mask_value(value) if field.name in personal else value
    return data


#: bookkeeping columns that change on every save and say nothing by themselves
DIFF_IGNORED = frozenset({"updated_at"})


def diff(before: dict | None, after: dict | None) -> dict[str, list]:
    before = before or {}
    after = after or {}
    keys = sorted((set(before) | set(after)) - DIFF_IGNORED)
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model, for_concrete_model=False)


def _change_row(ctx: AuditContext, instance, action, before, after):
    from .models import ObjectChange

    return ObjectChange(
        action=action,
        content_type=_content_type(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        diff=diff(before, after),
        actor_id=ctx.actor_id,
        actor_name=ctx.actor_name,
        request_id=ctx.request_id,
        reason=ctx.reason,
        source=ctx.source,
        change_set_id=ctx.change_set_id,
    )


def record_changes(rows: list[tuple[models.Model, str, dict | None, dict | None]]) -> None:
    from .models import ObjectChange

    ctx = require_context()
    ObjectChange.objects.bulk_create([_change_row(ctx, *row) for row in rows], batch_size=500)


def record_personal_view(*, actor, instance, fields: list[str], reason: str) -> None:
    """Log that ``actor`` saw the unmasked personal fields of ``instance`` (CORE.md)."""
    from .choices import ChangeAction

    parent = current_context()
    with audit_context(actor=actor, reason=reason, source=parent.source if parent else "web"):
        record_changes([(instance, ChangeAction.VIEW_PERSONAL, None, {"fields": fields})])


# --- the audited base model ------------------------------------------------------------


def _is_exempt_update(model, fields) -> bool:
    exempt = set(getattr(model, "audit_exempt_fields", ()))
    return bool(fields) and set(fields) <= exempt


class AuditedQuerySet(models.QuerySet):
    """Queryset whose bulk writes need an audit context and leave change rows."""

    def update(self, **kwargs):
        if _is_exempt_update(self.model, kwargs):
            return super().update(**kwargs)
        from .choices import ChangeAction

        require_context("批量修改")
        with transaction.atomic(using=self.db):
            objs = list(self.select_for_update() if self.db_supports_lock() else self)
            before = {o.pk: snapshot(o) for o in objs}
            count = super().update(**kwargs)
            after_objs = self.model._base_manager.using(self.db).filter(pk__in=list(before))
            record_changes([(o, ChangeAction.UPDATE, before[o.pk], snapshot(o)) for o in after_objs])
        return count

    update.queryset_only = True

    def db_supports_lock(self) -> bool:
        from django.db import connections

        return connections[self.db].features.has_select_for_update

    def bulk_create(self, objs, *args, **kwargs):
        from .choices import ChangeAction

        ctx = require_context("批量新增")
        objs = list(objs)
        for obj in objs:
            if ctx.change_set_id:
                obj.created_in_id = ctx.change_set_id
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            if not ctx.change_set_id:
                record_changes([(o, ChangeAction.CREATE, None, snapshot(o)) for o in created if o.pk is not None])
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        if _is_exempt_update(self.model, fields):
            return super().bulk_update(objs, fields, *args, **kwargs)
        from .choices import ChangeAction

        require_context("批量修改")
        objs = list(objs)
        with transaction.atomic(using=self.db):
            before = {o.pk: snapshot(o) for o in self.model._base_manager.filter(pk__in=[o.pk for o in objs])}
            count = super().bulk_update(objs, fields, *args, **kwargs)
            record_changes([(o, ChangeAction.UPDATE, before.get(o.pk), snapshot(o)) for o in objs])
        return count

    def delete(self):
        # Each deleted row is logged by the pre/post_delete signal handlers below,
        # which also cover cascades; here we only refuse to run without a context.
        require_context("批量删除")
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


class AuditedModel(models.Model):
    """Base of every domain model: writes need an audit context and are logged."""

    created_in = models.ForeignKey(
        "core.ChangeSet",
        verbose_name="所属变更集",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    #: fields written without audit (e.g. ``last_login``)
    audit_exempt_fields: tuple[str, ...] = ()
    #: fields holding personal data: masked in the change log and in public
    personal_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and _is_exempt_update(type(self), update_fields):
            return super().save(*args, **kwargs)
        from .choices import ChangeAction

        ctx = require_context("保存")
        creating = self._state.adding
        before = None
        if not creating and self.pk is not None:
            old = type(self)._base_manager.using(kwargs.get("using") or self._state.db).filter(pk=self.pk).first()
            before = snapshot(old) if old is not None else None
        if creating and ctx.change_set_id and self.created_in_id is None:
            self.created_in_id = ctx.change_set_id
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if not (creating and ctx.change_set_id):
                after = snapshot(self)
                if creating or before is None:
                    record_changes([(self, ChangeAction.CREATE, None, after)])
                elif diff(before, after):
                    record_changes([(self, ChangeAction.UPDATE, before, after)])

    save.alters_data = True


def _on_pre_delete(sender, instance, **kwargs):
    if isinstance(instance, AuditedModel):
        require_context("删除")
        instance._audit_before = snapshot(instance)


def _on_post_delete(sender, instance, **kwargs):
    if isinstance(instance, AuditedModel):
        from .choices import ChangeAction

        record_changes([(instance, ChangeAction.DELETE, getattr(instance, "_audit_before", None), None)])


def connect_signals() -> None:
    from django.db.models.signals import post_delete, pre_delete

    pre_delete.connect(_on_pre_delete, dispatch_uid="zhiliang-audit-pre-delete")
    post_delete.connect(_on_post_delete, dispatch_uid="zhiliang-audit-post-delete")

