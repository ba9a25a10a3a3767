"""The API's permission class: the same scoped mechanism as the UI.

Querysets come from ``restrict(user, "view")`` (so invisible objects are
404); unsafe methods need the action's permission on the object (403
otherwise); a read-only token may only read.

A view tunes it with attributes (see :mod:`zhiliang.core.api.base`):

``public``
    anonymous clients may read (reference data); otherwise 401 without credentials;
``required_perms``
    model permissions the user must hold for *any* request (the change log:
    auditor and city admin only), refused with ``required_perms_message``;
``create_action``
    the model action ``POST`` to the list needs (default ``"add"``; ``None``:
    any signed-in user, e.g. a token for oneself);
``scoped_action``
    the action an object-level write needs (default by method, ``change`` for
    ``PATCH``; a custom action such as ``revoke`` declares its own).
"""

from rest_framework import permissions

from .. import permissions as scoped

METHOD_ACTIONS = {"POST": "change", "PUT": "change", "PATCH": "change", "DELETE": "delete"}

READ_ONLY_TOKEN_MESSAGE = "只读令牌不能修改数据（{method} {path}）：请使用可写令牌"
NOT_PERMITTED_MESSAGE = "无权执行此操作"


def token_is_read_only(request) -> bool:
    token = getattr(request, "auth", None)
    return bool(getattr(token, "read_only", False))


def is_authenticated(request) -> bool:
    return bool(request.user and request.user.is_authenticated)


class ScopedPermission(permissions.BasePermission):
    message = NOT_PERMITTED_MESSAGE

    def has_permission(self, request, view):
        if not getattr(view, "public", True) and not is_authenticated(request):
            return False  # DRF answers 401 (not authenticated)
        required = getattr(view, "required_perms", ())
        if required and not all(scoped.has_perm(request.user, p) for p in required):
            self.message = getattr(view, "required_perms_message", NOT_PERMITTED_MESSAGE)
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if token_is_read_only(request):
            self.message = READ_ONLY_TOKEN_MESSAGE.format(method=request.method, path=request.path)
            return False
        if not is_authenticated(request):
            return False
        if getattr(view, "action", None) == "create" or (request.method == "POST" and getattr(view, "detail", None) is False and getattr(view, "action", None) is None):
            action = getattr(view, "create_action", "add")
            model = getattr(getattr(view, "queryset", None), "model", None)
            if action is None or model is None:
                return True
            if not scoped.has_perm(request.user, scoped.codename(model, action)):
                self.message = f"无权{scoped.ACTION_LABELS.get(action, action)}{model._meta.verbose_name}"
                return False
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        action = getattr(view, "scoped_action", None) or METHOD_ACTIONS.get(request.method, "change")
        if scoped.can(obj, request.user, action):
            return True
        self.message = f"无权{scoped.ACTION_LABELS.get(action, action)}{type(obj)._meta.verbose_name}“{obj}”"
        return False
