"""Domain events (CORE.md "Audit") and the service decorator (STYLE.md §2).

``emit(name, payload, …)`` writes a :class:`~zhiliang.core.models.DomainEvent`
row in the caller's transaction; after commit the event is enqueued on the
task queue and every handler registered for its name runs once.  A handler's
effects and its :class:`~zhiliang.core.models.EventDelivery` row commit
together, so a retry after a crash never runs a handler twice.

``@service(event="app.thing_done")`` marks a function of an app's
``services.py``: it takes ``actor=``, checks it against the audit context,
runs atomically and fails if the declared event was not emitted.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections import defaultdict
from typing import Any, Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from . import audit

log = logging.getLogger("zhiliang.events")

Handler = Callable[[Any], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
_emitted: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("zhiliang_emitted", default=None)


class ServiceEventMissing(RuntimeError):
    """A service returned without emitting the event it declares."""


def handler_key(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def on_event(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler(event)`` for events called ``name`` (call from ``AppConfig.ready``)."""

    def register(handler: Handler) -> Handler:
        if handler_key(handler) not in {handler_key(h) for h in _handlers[name]}:
            _handlers[name].append(handler)
        return handler

    return register


def handlers_for(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))


def emit(
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    subject=None,
    enterprise_key: str = "",
    region=None,
    is_public: bool = False,
    version: int = 1,
):
    """Write an event to the outbox in the current transaction; deliver after commit."""
    from .models import DomainEvent

    ctx = audit.require_context("发布事件")
    event = DomainEvent.objects.create(
        name=name,
        version=version,
        payload=audit._plain(payload or {}),
        subject_type=audit._content_type(type(subject)) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
        enterprise_key=enterprise_key,
        region=region,
        is_public=is_public,
        actor_id=ctx.actor_id,
        actor_name=ctx.actor_name,
        request_id=ctx.request_id,
        audit=ctx.capture(),
    )
    emitted = _emitted.get()
    if emitted is not None:
        emitted.append(name)
    event_id = str(event.pk)
    transaction.on_commit(lambda: deliver_event.enqueue(event_id))
    return event


@task()
def deliver_event(event_id: str) -> int:
    """Task: run every handler of one event that has not yet run. Returns how many ran."""
    return deliver(event_id)


def deliver(event_id: str) -> int:
    from .models import DomainEvent, EventDelivery

    event = DomainEvent.objects.filter(pk=event_id).first()
    if event is None:  # rolled back, or already purged
        return 0
    ran = 0
    with audit.restore(event.audit or None, source="task"):
        for handler in handlers_for(event.name):
            key = handler_key(handler)
            try:
                with transaction.atomic():
                    if EventDelivery.objects.filter(event=event, handler=key).exists():
                        continue
                    handler(event)
                    EventDelivery.objects.create(event=event, handler=key)
                    ran += 1
            except IntegrityError:
                # another worker delivered it concurrently; its effects stand, ours rolled back
                log.info("event %s already delivered to %s", event_id, key)
    DomainEvent.objects.filter(pk=event.pk).update(delivered_at=timezone.now())
    return ran


def redeliver_pending(older_than_seconds: int = 60) -> int:
    """Enqueue events whose delivery never finished (e.g. the process died after commit)."""
    from .models import DomainEvent

    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(DomainEvent.objects.filter(delivered_at__isnull=True, created_at__lt=cutoff).values_list("pk", flat=True))
    for event_id in ids:
        deliver_event.enqueue(str(event_id))
    return len(ids)


def service(*, event: str | None) -> Callable:
    """Mark a state-changing function of a ``services.py`` (STYLE.md §2).

    The function must be called with ``actor=`` (the audit context's actor or
    :data:`~zhiliang.core.audit.SYSTEM`); it runs in one transaction and must
    emit ``event`` (``None`` only for services documented to emit nothing).
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, actor, **kwargs):
            audit.check_actor(actor)
            parent = _emitted.get()
            mine: list[str] = []
            token = _emitted.set(mine)
            try:
                with transaction.atomic():
                    result = fn(*args, actor=actor, **kwargs)
                    if event is not None and event not in mine:
                        raise ServiceEventMissing(f"{fn.__module__}.{fn.__name__} did not emit {event}")
            finally:
                _emitted.reset(token)
                if parent is not None:
                    parent.extend(mine)
            return result

        wrapper.service_event = event
        return wrapper

    return decorate
