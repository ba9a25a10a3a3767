"""The API's permission class: the same scoped mechanism as the UI.

Querysets come from ``restrict(user, "view")`` (so invisible objects are
404); unsafe methods need the action's permission on the object (403
otherwise); a read-only token may only read.
"""

from rest_framework import permissions

from .. import permissions as scoped

METHOD_ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def token_is_read_only(request) -> bool:
    token = getattr(request, "auth", None)
    return bool(getattr(token, "read_only", False))


class ScopedPermission(permissions.BasePermission):
    message = "无权执行此操作"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if token_is_read_only(request):
            self.message = "只读令牌不能修改数据"
            return False
        if not request.user or not request.user.is_authenticated:
            return False
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None or request.method != "POST":
            return True
        return scoped.has_perm(request.user, scoped.codename(model, "add"))

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        action = getattr(view, "scoped_action", None) or METHOD_ACTIONS.get(request.method, "change")
        return scoped.can(obj, request.user, action)
