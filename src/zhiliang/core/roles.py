"""Roles are Django groups (created by migration ``0002``); their permissions
come from the models' declarations and are synchronised after every migrate.

* city admin — every permission of every Zhiliang model;
* auditor — ``view`` on every model and the change log;
* auditor, county and department staff — unmasked personal data of what they may see;
* the other roles — what each model's ``Scope.roles`` grants them.
"""

from __future__ import annotations

from django.apps import apps as global_apps

from .choices import Role

ZHILIANG_PREFIX = "zhiliang."
#: who may see unmasked personal data (of records they can see), besides the auditor:
#: the staff who work cases need a complainant's phone; the city admin configures and
#: publishes and does not (separation of duties).
PERSONAL_DATA_ROLES = ("auditor", "county_staff", "department_staff")


def zhiliang_models():
    for config in global_apps.get_app_configs():
        if config.name.startswith(ZHILIANG_PREFIX):
            yield from config.get_models()


def declared_permissions() -> dict[str, set[tuple[str, str]]]:
    """role -> {(app_label, codename)} from the models' scopes."""
    grants: dict[str, set[tuple[str, str]]] = {role.value: set() for role in Role}
    for model in zhiliang_models():
        app, name = model._meta.app_label, model._meta.model_name
        custom = [code for code, _ in model._meta.permissions]
        all_codes = [f"{a}_{name}" for a in model._meta.default_permissions] + custom
        grants[Role.CITY_ADMIN].update((app, c) for c in all_codes if c != "view_personal_data")
        if "view" in model._meta.default_permissions:
            grants[Role.AUDITOR].add((app, f"view_{name}"))
        scope = getattr(model, "scope", None)
        for role, actions in (getattr(scope, "roles", None) or {}).items():
            for action in actions:
                code = f"{action}_{name}"
                if code not in all_codes:
                    raise ValueError(f"{model._meta.label}: role {role} granted unknown action {action}")
                grants[role].add((app, code))
    for role in PERSONAL_DATA_ROLES:
        grants[role].add(("core", "view_personal_data"))
    return grants


def sync_role_permissions(verbosity: int = 0) -> None:
    from django.contrib.auth.models import Group, Permission

    wanted = declared_permissions()
    perms = {(p.content_type.app_label, p.codename): p for p in Permission.objects.select_related("content_type")}
    for role, codes in wanted.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in codes if c in perms])


def sync_after_migrate(sender, app_config=None, using="default", verbosity=0, **kwargs) -> None:
    # Run once, after the last app's post_migrate (every Permission exists then).
    if app_config is not None and app_config.label == "core":
        from django.contrib.auth.management import create_permissions

        for config in global_apps.get_app_configs():
            create_permissions(config, verbosity=0, using=using)
        sync_role_permissions(verbosity)
