"""Domain events: written with the change, delivered once after commit through
the task queue, not on rollback, idempotent on retry."""

import pytest
from django.core.management import call_command
from django.db import transaction

from zhiliang.core import events
from zhiliang.core.audit import SYSTEM, AuditContextRequired, audit_context
from zhiliang.core.events import ServiceEventMissing, emit, on_event, service
from zhiliang.core.models import Department, DomainEvent, EventDelivery
from zhiliang.testing.fixtures import as_system

CALLS: list[tuple[str, str]] = []


@on_event("test.note_written")
def note_handler(event):
    """Writes to the database, so its effects commit with its delivery row."""
    CALLS.append((str(event.pk), event.payload["note"]))
    dept = Department.objects.get(code="sy-qts")
    dept.note = (dept.note + "|" + event.payload["note"]).strip("|")
    dept.save()


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def _emit(note="一"):
    dept = Department.objects.get(code="sy-amr")
    return emit("test.note_written", {"note": note}, subject=dept, region=dept.region)


@pytest.mark.django_db
def test_delivered_once_after_commit(django_capture_on_commit_callbacks):
    with as_system("事件测试"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            event = _emit()
            assert CALLS == []  # nothing before commit
    assert len(callbacks) == 1
    assert CALLS == [(str(event.pk), "一")]
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert EventDelivery.objects.filter(event=event).count() == 1
    assert Department.objects.get(code="sy-qts").note == "一"


@pytest.mark.django_db
def test_not_delivered_on_rollback(django_capture_on_commit_callbacks):
    with as_system(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                _emit()
                raise RuntimeError("rollback")
    assert callbacks == []
    assert CALLS == []
    assert not DomainEvent.objects.filter(name="test.note_written").exists()


@pytest.mark.django_db
def test_idempotent_on_retry(django_capture_on_commit_callbacks):
    with as_system(), django_capture_on_commit_callbacks(execute=True):
        event = _emit("二")
    # a retry (a worker crashed after running the handler, the queue delivers again)
    assert events.deliver(str(event.pk)) == 0
    assert events.deliver(str(event.pk)) == 0
    assert CALLS == [(str(event.pk), "二")]
    assert Department.objects.get(code="sy-qts").note == "二"


@pytest.mark.django_db
def test_handler_failure_rolls_back_its_effects_and_allows_retry(django_capture_on_commit_callbacks):
    calls = []

    @on_event("test.flaky")
    def flaky(event):
        calls.append(1)
        dept = Department.objects.get(code="sy-ciq")
        dept.note = "写了一半"
        dept.save()
        if len(calls) == 1:
            raise ConnectionError("下游暂时不可用")

    with as_system():
        event = emit("test.flaky", {})
    with pytest.raises(ConnectionError):
        events.deliver(str(event.pk))
    assert Department.objects.get(code="sy-ciq").note == ""  # the failed run left nothing
    assert not EventDelivery.objects.filter(event=event).exists()
    assert events.deliver(str(event.pk)) == 1
    assert Department.objects.get(code="sy-ciq").note == "写了一半"
    events._handlers["test.flaky"].clear()


@pytest.mark.django_db
def test_emit_needs_an_audit_context():
    with pytest.raises(AuditContextRequired):
        emit("test.note_written", {"note": "x"})


@pytest.mark.django_db
def test_event_carries_actor_and_request(city_admin):
    with audit_context(actor=city_admin, reason="测试", source="web", request_id="req-9"):
        event = emit("test.other", {"a": 1})
    assert (event.actor_id, event.request_id, event.audit["reason"]) == (city_admin.pk, "req-9", "测试")


@pytest.mark.django_db
def test_service_must_emit_its_event():
    @service(event="test.declared")
    def forgetful(*, actor):
        return 1

    @service(event="test.declared")
    def dutiful(*, actor):
        emit("test.declared", {})
        return 2

    with as_system():
        with pytest.raises(ServiceEventMissing):
            forgetful(actor=SYSTEM)
        assert dutiful(actor=SYSTEM) == 2


@pytest.mark.django_db
def test_service_checks_the_actor(city_admin, county_user):
    from zhiliang.core.audit import ActorMismatch

    @service(event=None)
    def noop(*, actor):
        return actor

    with audit_context(actor=city_admin, reason="测试", source="test"):
        assert noop(actor=city_admin) == city_admin
        with pytest.raises(ActorMismatch):
            noop(actor=county_user)


@pytest.mark.django_db(transaction=True)
def test_delivered_by_the_database_task_worker(settings):
    """The real path: the outbox row commits, the task row is queued in the
    database, and the django-tasks database worker runs the handler."""
    from django_tasks_db.models import DBTaskResult

    # the settings fixture's setting_changed signal makes django-tasks re-read TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    try:
        with as_system():
            event = _emit("三")
        assert CALLS == []
        assert DBTaskResult.objects.count() == 1
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        assert CALLS == [(str(event.pk), "三")]
        assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    finally:
        CALLS.clear()
