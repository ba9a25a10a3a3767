"""pytest fixtures shared by every app's tests (loaded by the root conftest)."""

from __future__ import annotations

import itertools
from contextlib import contextmanager

import pytest

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.choices import Role

_counter = itertools.count(1)


@contextmanager
def as_system(reason: str = "测试数据"):
    """An audit context for test set-up (writes outside one fail, by design)."""
    with audit_context(actor=SYSTEM, reason=reason, source="test"):
        yield


def region(code: str):
    from zhiliang.core.models import Region

    return Region.objects.get(code=code)


def department(code: str):
    from zhiliang.core.models import Department

    return Department.objects.get(code=code)


def make_user(role: str | None = None, *, region_code: str | None = None, department_code: str | None = None,
              organisation=None, username: str | None = None, password: str = "test-pass-123456"):
    """A user through the services, with one membership of ``role`` (or none)."""
    from zhiliang.core import services

    username = username or f"{role or 'nobody'}-{next(_counter)}"
    with as_system("测试用户"):
        user = services.create_user(actor=SYSTEM, username=username, password=password, display_name=username)
        if role:
            services.add_membership(
                actor=SYSTEM,
                user=user,
                role=role,
                region=region(region_code) if region_code else None,
                department=department(department_code) if department_code else None,
                organisation=organisation,
            )
    return user


#: data migrations whose rows a flush removes (their ``load(apps, schema_editor)``)
DATA_MIGRATIONS = ["zhiliang.core.migrations.0002_reference_data", "zhiliang.enterprises.migrations.0002_categories"]


def ensure_reference_data() -> None:
    """Load the data migration's regions, departments and roles if they are gone.

    A ``transactional_db`` test (browser journeys, the task worker test) ends by
    flushing every table, the ones the data migration filled included; tests
    that run after it on the same worker get them back here, from the same
    function the migration runs."""
    import importlib

    from django.apps import apps

    from zhiliang.core import search
    from zhiliang.core.models import Region

    if Region.objects.exists():
        return
    with as_system("测试参考数据"):
        for module in DATA_MIGRATIONS:
            importlib.import_module(module).load(apps, None)
    search.index_core_after_migrate()


@pytest.fixture(autouse=True)
def _no_leaked_audit_context():
    """A test (or the code it runs) must close every audit context it opens: a leaked
    one would let later writes in this worker pass without their own context."""
    from zhiliang.core.audit import _current, current_context

    assert current_context() is None, "an earlier test leaked an audit context"
    yield
    leaked = current_context()
    if leaked is not None:
        _current.set(None)
        pytest.fail(f"this test left an audit context open: {leaked}")


@pytest.fixture(autouse=True)
def _reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is not None:
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    elif not names & {"db", "transactional_db", "live_server"}:
        return
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif marker is None:
        request.getfixturevalue("db")
    ensure_reference_data()


@pytest.fixture
def system():
    """Run the test body inside a SYSTEM audit context."""
    with as_system():
        yield SYSTEM


@pytest.fixture
def user_factory(db):
    return make_user


@pytest.fixture
def city_admin(db):
    return make_user(Role.CITY_ADMIN, region_code="420300", username="city-admin")


@pytest.fixture
def auditor(db):
    return make_user(Role.AUDITOR, region_code="420300", username="auditor")


@pytest.fixture
def county_user(db):
    """County staff of 茅箭区 (420302)."""
    return make_user(Role.COUNTY_STAFF, region_code="420302", username="maojian-staff")


@pytest.fixture
def other_county_user(db):
    """County staff of 张湾区 (420303)."""
    return make_user(Role.COUNTY_STAFF, region_code="420303", username="zhangwan-staff")


@pytest.fixture
def department_user(db):
    """Staff of 十堰市市场监督管理局 (the 2019 merged bureau)."""
    return make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-amr", username="amr-staff")
