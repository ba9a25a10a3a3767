"""Scoped permissions (CORE.md "Who may do what", STYLE.md §3).

Every model declares its :class:`Scope`; every query starts from
``Model.objects.restrict(user, action)``.  A user's rights come only from
their memberships: each membership grants its role's permissions *within*
that membership's region subtree, department lineage and organisation.

* not visible → 404 (:func:`get_for_user`), visible but not permitted → 403;
* after a write, :func:`recheck` verifies inside the transaction that the
  object is still within the user's scope for the action, else raises and
  the transaction rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    """Which fields scope a model's rows.

    ``region``/``department``/``owner`` are field paths (``"region"``,
    ``"sample__region"``); ``owner`` points at the owning organisation
    (enterprise, testing agency).  ``public`` selects rows anyone may read;
    ``reference`` makes every row readable by every signed-in staff user;
    ``shared`` selects rows other departments may read (in their region; read-only and, not
    being their own, without personal data).
    """

    region: str | None = None
    department: str | None = None
    #: one path or a tuple of paths (each used by the memberships of its organisation kind)
    owner: str | tuple[str, ...] | None = None
    #: a ``Q``, or a callable returning one (evaluated at each query: date-dependent publicity)
    public: Q | Callable[[], Q] | None = None
    reference: bool = False
    shared: Q | None = None
    #: field path to a user: that user may view and change the row (own tokens, own profile)
    user: str | None = None
    #: role -> actions granted to that role (besides city admin and auditor)
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)


def scope_of(model) -> Scope:
    scope = getattr(model, "scope", None)
    if not isinstance(scope, Scope):
        raise TypeError(f"{model._meta.label} declares no Scope")
    return scope


def codename(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def memberships(user) -> list:
    """The user's memberships in force today, cached on the user object."""
    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return []
    cached = getattr(user, "_zl_memberships", None)
    if cached is None:
        from django.utils import timezone

        from .models import Membership

        today = timezone.localdate()
        cached = list(
            Membership.objects.filter(user=user)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
            .select_related("role", "region", "department", "organisation_type")
        )
        user._zl_memberships = cached
    return cached


def role_permissions(group) -> set[str]:
    cached = getattr(group, "_zl_perms", None)
    if cached is None:
        cached = {f"{ct}.{code}" for ct, code in group.permissions.values_list("content_type__app_label", "codename")}
        group._zl_perms = cached
    return cached


def is_staff_user(user) -> bool:
    """Signed in with at least one staff-side membership (not only an enterprise account)."""
    from .choices import Role

    return any(m.role.name not in {Role.ENTERPRISE} for m in memberships(user))


def has_perm(user, perm: str) -> bool:
    """True if any membership's role holds ``perm`` (scope not considered)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(perm in role_permissions(m.role) for m in memberships(user))


#: memberships at these levels also see rows that carry no region (city-wide records)
CITY_WIDE_LEVELS = frozenset({"nation", "province", "city"})

#: roles whose memberships act only for their bound organisation
ORGANISATION_ROLES = frozenset({"enterprise", "lab"})


def _outside_regions():
    from .choices import RegionLevel
    from .models import Region

    return Region.objects.filter(level=RegionLevel.OUTSIDE).values("pk")


def _membership_q(model, scope: Scope, m, action: str, *, own_scope_only: bool = False) -> Q:
    if m.role.name in ORGANISATION_ROLES and not m.organisation_type_id:
        return NOTHING  # an account not yet bound to its enterprise/agency acts for no one
    q = Q()
    if m.region_id and scope.region:
        in_region = Q(**{f"{scope.region}__in": m.region.subtree_ids()})
        if m.region.level in CITY_WIDE_LEVELS:
            in_region |= Q(**{f"{scope.region}__isnull": True})  # city-wide rows without a region
            # and rows of parties outside Shiyan (十堰市外): the city's records, in no county
            in_region |= Q(**{f"{scope.region}__in": _outside_regions()})
        q &= in_region
    if m.department_id and scope.department:
        dept = Q(**{f"{scope.department}__in": m.department.lineage_ids()})
        if action == "view" and scope.shared is not None and not own_scope_only:
            dept |= scope.shared  # read-only, and not the user's own: no personal data (``in_own_scope``)
        q &= dept
    if m.organisation_type_id:
        label = f"{m.organisation_type.app_label}.{m.organisation_type.model}"
        paths = [path for path in owner_paths(scope) if _path_target(model, path) == label]
        if not paths:
            return NOTHING
        owned = Q()
        for path in paths:
            owned |= Q(**{path: m.organisation_id})
        q &= owned
    return q


def public_q(scope: Scope) -> Q | None:
    """The rows anyone may read: ``Scope.public`` as a ``Q``, or — when it is a callable —
    the ``Q`` it returns now (a row public only until a date, e.g. a penalty's publicity end:
    it leaves every public view on the end day without a job having to run)."""
    return scope.public() if callable(scope.public) else scope.public


def owner_paths(scope: Scope) -> tuple[str, ...]:
    """``Scope.owner`` as a tuple: a row may have several owning organisations (a sample:
    the sampled enterprise and the testing lab); each membership uses the paths that
    lead to its kind of organisation."""
    if not scope.owner:
        return ()
    return (scope.owner,) if isinstance(scope.owner, str) else tuple(scope.owner)


def _path_target(model, path: str) -> str | None:
    """The ``app_label.model`` a field path ends at: a relation's model, or the model
    itself for its own primary key (``owner="id"``: the agency row is its own owner)."""
    for name in path.split("__"):
        field = model._meta.get_field("id" if name == "pk" else name)
        if getattr(field, "primary_key", False) and not field.is_relation:
            return model._meta.label_lower
        model = getattr(field, "related_model", None)
        if model is None:
            return None
    return model._meta.label_lower


def restrict_q(model, user, action: str, *, own_scope_only: bool = False) -> Q | None:
    """The filter selecting what ``user`` may ``action``; ``None`` means everything.

    ``own_scope_only`` drops what is visible to everybody (public rows, reference
    data): what remains is what the user's memberships cover — the test for
    seeing a record's personal data."""
    scope = scope_of(model)
    allowed = NOTHING
    public = public_q(scope)
    if action == "view" and public is not None and not own_scope_only:
        if not public:  # Q(): every row is public
            return None
        allowed = allowed | public
    if user is None or not user.is_authenticated:
        return allowed
    if user.is_superuser and user.is_active:
        return None
    if scope.user and action in ("view", "change"):
        allowed = allowed | Q(**{scope.user: user.pk})
    if action == "view" and scope.reference and is_staff_user(user) and not own_scope_only:
        return None
    perm = codename(model, action)
    for m in memberships(user):
        if perm in role_permissions(m.role):
            q = _membership_q(model, scope, m, action, own_scope_only=own_scope_only)
            if not q:  # an unconstrained membership (city-wide role on a model without a region)
                return None
            allowed = allowed | q
    return allowed


def restrict(queryset, user, action: str = "view"):
    q = restrict_q(queryset.model, user, action)
    if q is None:
        return queryset
    return queryset.filter(q)


def get_for_user(queryset_or_model, user, action: str = "view", **lookup) -> Any:
    """The object, 404 if the user cannot see it, 403 if they may see but not ``action`` it."""
    qs = queryset_or_model if hasattr(queryset_or_model, "model") else queryset_or_model._default_manager.all()
    try:
        obj = restrict(qs, user, "view").get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404(f"{qs.model._meta.verbose_name} 不存在") from exc
    except qs.model.MultipleObjectsReturned:
        obj = restrict(qs, user, "view").filter(**lookup).first()
    if action != "view":
        require(obj, user, action)
    return obj


def can(obj, user, action: str) -> bool:
    qs = type(obj)._base_manager.filter(pk=obj.pk)
    return restrict(qs, user, action).exists()


def in_own_scope(obj, user, action: str = "view") -> bool:
    """Covered by the user's own memberships, not merely public (see ``restrict_q``)."""
    q = restrict_q(type(obj), user, action, own_scope_only=True)
    qs = type(obj)._base_manager.filter(pk=obj.pk)
    return (qs if q is None else qs.filter(q)).exists()


def require(obj, user, action: str) -> None:
    if not can(obj, user, action):
        raise PermissionDenied(f"无权{ACTION_LABELS.get(action, action)}{type(obj)._meta.verbose_name}")


def recheck(obj, user, action: str) -> None:
    """After a write, inside the transaction: the object must still be in the user's scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return  # SYSTEM work is not scoped
    require(obj, user, action)


ACTION_LABELS = {"view": "查看", "add": "新增", "change": "修改", "delete": "删除"}
