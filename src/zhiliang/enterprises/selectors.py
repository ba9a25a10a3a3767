"""Read helpers shared by the registry's pages and sections."""

from __future__ import annotations

from zhiliang.core.permissions import CITY_WIDE_LEVELS, has_perm, in_own_scope, memberships


def user_region_ids(user) -> list[int] | None:
    """The regions a staff user works in: ``None`` = the whole city (city-level
    memberships, city departments, superusers); county staff their county's subtree.

    Enterprises, products and licences are public facts (``restrict`` returns all of
    them to everyone), so the dashboard's counts narrow to these regions themselves."""
    if getattr(user, "is_superuser", False):
        return None
    ids: set[int] = set()
    for m in memberships(user):
        if m.region_id is None or m.region.level in CITY_WIDE_LEVELS:
            return None
        ids.update(m.region.subtree_ids())
    return sorted(ids)


def _organisations(user, role: str, model) -> set[int]:
    from django.contrib.contenttypes.models import ContentType

    kind = ContentType.objects.get_for_model(model)
    return {int(m.organisation_id) for m in memberships(user)
            if m.role.name == role and m.organisation_type_id == kind.pk and str(m.organisation_id).isdigit()}


def own_enterprise_ids(user) -> set[int]:
    """The enterprises ``user`` acts for (enterprise accounts)."""
    from zhiliang.core.choices import Role

    from .models import Enterprise

    return _organisations(user, Role.ENTERPRISE, Enterprise)


def own_lab_ids(user) -> set[int]:
    """The testing agencies ``user`` acts for (lab accounts)."""
    from zhiliang.core.choices import Role

    from .models import TestingAgency

    return _organisations(user, Role.LAB, TestingAgency)


def may_reveal(obj, user) -> bool:
    """Show the reveal button for ``obj``'s personal fields exactly when
    ``core.services.reveal_personal_data`` would allow it: the user holds
    ``core.view_personal_data`` and ``obj`` lies in the user's own scope (a county
    user does not unmask another county's legal representative)."""
    if user is None or not user.is_authenticated or not has_perm(user, "core.view_personal_data"):
        return False
    return in_own_scope(obj, user, "view")
