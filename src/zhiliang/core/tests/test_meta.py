"""Meta-tests: the conventions every app must keep (STYLE.md §7, CORE.md).

* every model is audited, or on the explicit exemption list;
* every model declares a Scope;
* every model has the generic permission cases, or a written exemption;
* every management command has a test;
* a write outside an audit context fails, for every audited model;
* every public function of a ``services.py`` is a ``@service`` with its event.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands

import zhiliang
from zhiliang.core.audit import AuditContextRequired, AuditedModel
from zhiliang.core.permissions import Scope

SRC = Path(zhiliang.__file__).parent

#: models without generic permission cases, and why
PERMISSION_CASES_EXEMPT = {
    "core.changeset": "append-only audit trail, read only through the auditor pages (test_views_audit)",
    "core.objectchange": "append-only audit trail, read only through the auditor pages (test_views_audit)",
    "core.domainevent": "outbox; read through the events API, covered in test_api",
    "core.eventdelivery": "idempotency keys of event delivery; never shown",
    "core.searchentry": "derived index; read only through search(), covered in test_search",
    "core.searchtoken": "derived index; read only through search(), covered in test_search",
    "core.calendarday": "reference data edited only through the calendar command (test_calendar_command)",
    "core.calendaryear": "reference data edited only through the calendar command (test_calendar_command)",
    "core.user": "accounts: own-profile scope, covered in test_views and test_api",
    "core.apitoken": "own tokens only (Scope.user), covered in test_tokens",
    "testapp.organisation": "test-only stand-in for an enterprise",
}

#: service functions that emit nothing, and why
SERVICES_WITHOUT_EVENT: dict[str, str] = {}


def zhiliang_models():
    return [m for m in apps.get_models() if m.__module__.startswith("zhiliang.")]


def import_all_tests():
    for module in pkgutil.walk_packages([str(SRC)], prefix="zhiliang."):
        if ".tests." in module.name and module.name.rsplit(".", 1)[-1].startswith("test_"):
            importlib.import_module(module.name)


def test_every_model_is_audited_or_exempt():
    offenders = [
        m._meta.label_lower
        for m in zhiliang_models()
        if not issubclass(m, AuditedModel) and m._meta.label_lower not in {x.lower() for x in settings.AUDIT_EXEMPT_MODELS}
    ]
    assert offenders == [], f"not audited and not on AUDIT_EXEMPT_MODELS: {offenders}"


def test_every_model_declares_a_scope():
    offenders = [m._meta.label for m in zhiliang_models() if not isinstance(getattr(m, "scope", None), Scope)]
    assert offenders == []


def test_every_model_has_the_generic_permission_cases_or_an_exemption():
    from zhiliang.testing.cases import REGISTRY

    import_all_tests()
    covered = {case.model._meta.label_lower for case in REGISTRY}
    missing = [
        m._meta.label_lower for m in zhiliang_models() if m._meta.label_lower not in covered | set(PERMISSION_CASES_EXEMPT)
    ]
    assert missing == [], f"models without ScopedModelCases (or a written exemption): {missing}"


def test_every_management_command_has_a_test():
    commands = [name for name, app in get_commands().items() if app.startswith("zhiliang.")]
    assert commands, "no commands found"
    test_sources = "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("test_*.py"))
    test_sources += "\n".join(p.read_text(encoding="utf-8") for p in (SRC.parent.parent / "tests").rglob("test_*.py"))
    missing = [
        name
        for name in commands
        if not re.search(rf"""(call_command\(\s*["']{re.escape(name)}["']|["']zhiliang["'],\s*["']{re.escape(name)}["']|\brun\(\[\s*["']{re.escape(name)}["']|zhiliang {re.escape(name)}\b)""", test_sources)
    ]
    assert missing == [], f"commands without a test: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", [m for m in zhiliang_models() if issubclass(m, AuditedModel)], ids=lambda m: m._meta.label)
def test_write_outside_an_audit_context_fails(model):
    with pytest.raises(AuditContextRequired):
        model().save()
    with pytest.raises(AuditContextRequired):
        model.objects.all().update(pk=0) if hasattr(model.objects, "update") else None
    with pytest.raises(AuditContextRequired):
        model._default_manager.bulk_create([model()])
    with pytest.raises(AuditContextRequired):
        model._default_manager.all().delete()


def service_modules():
    for module in pkgutil.walk_packages([str(SRC)], prefix="zhiliang."):
        if module.name.endswith(".services") or ".services." in module.name:
            yield importlib.import_module(module.name)


def test_every_service_is_a_service_with_its_event():
    offenders = []
    for module in service_modules():
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            qualified = f"{module.__name__}.{name}"
            if qualified in HELPERS_IN_SERVICES:
                continue
            if not hasattr(fn, "service_event"):
                offenders.append(f"{qualified}: not a @service")
            elif fn.service_event is None and qualified not in SERVICES_WITHOUT_EVENT:
                offenders.append(f"{qualified}: declares no event")
    assert offenders == []


#: pure helpers that live in a services module but change nothing
HELPERS_IN_SERVICES = {
    "zhiliang.core.services.hash_token",
    # wiring called from CreditConfig.ready (event handlers, daily jobs)
    "zhiliang.credit.services.lists.register",
    "zhiliang.credit.services.measures.register",
}


@pytest.mark.django_db
def test_migrations_match_the_models():
    """A model change without its migration fails here, not on a deployment."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out)
    except SystemExit as exc:
        pytest.fail(f"missing migrations (run `zhiliang makemigrations`):\n{out.getvalue()}\n{exc}")
