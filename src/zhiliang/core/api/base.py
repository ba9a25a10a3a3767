"""The reusable API base every app builds its endpoints on (STYLE.md §3, §6).

* :class:`ScopedReadOnlyViewSet` / :class:`ScopedModelViewSet`: the queryset
  starts from ``restrict(request.user, "view")`` — an object the user cannot
  see is 404; a write on a visible object the user may not change is 403
  (:class:`~zhiliang.core.api.permissions.ScopedPermission`).
* Writes go through services: a viewset declares ``create_object(data)``,
  ``update_object(instance, data)`` and ``destroy_object(instance)``, which
  call the app's service with ``actor=self.request.user``.  The serializer
  only validates; it never saves.
* Every request runs in an audit context whose actor is the API user: the
  middleware opens its context before DRF authenticates a token, so
  :meth:`AuditedAPIMixin.initial` opens a nested one (source ``api``, the
  request's id) once DRF knows the user, and ``finalize_response`` closes it.
* Errors: Django ``ValidationError`` from a service becomes a 400 naming the
  field; 404/403 bodies are Chinese and say what was not found or refused.

A minimal app endpoint::

    class SampleViewSet(ServiceCreateMixin, ScopedReadOnlyViewSet):
        queryset = Sample.objects.select_related("region")
        serializer_class = SampleSerializer            # what is returned
        write_serializer_class = SampleWriteSerializer  # what is accepted
        filterset_class = SampleFilterSet

        def create_object(self, data):
            return services.register_sample(actor=self.request.user, **data)
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .. import permissions as scoped
from ..audit import audit_context
from ..choices import ChangeSource


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def exception_handler(exc, context):
    """DRF's handler, plus: service ``ValidationError`` → 400 by field; Chinese 404/403."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    elif isinstance(exc, Http404):
        message = str(exc.args[0]) if exc.args else ""
        exc = exceptions.NotFound(message if _has_cjk(message) else "未找到：对象不存在或无权查看")
    elif isinstance(exc, DjangoPermissionDenied):
        message = str(exc.args[0]) if exc.args else ""
        exc = exceptions.PermissionDenied(message if _has_cjk(message) else "无权执行此操作")
    return drf_exception_handler(exc, context)


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "出错说明（中文）"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "字段名 → 该字段的错误说明列表；与字段无关的错误在 non_field_errors 下",
    "additionalProperties": {},
}
#: error responses every operation may give (status, description, component)
ERROR_RESPONSES = (
    ("400", "请求有误：响应体按字段列出错误", "ValidationError"),
    ("401", "未认证：缺少令牌，或令牌无效、过期、已吊销", "Error"),
    ("403", "无权执行此操作（或只读令牌试图修改）", "Error"),
    ("404", "对象不存在或无权查看", "Error"),
)


#: integer ranges as PostgreSQL enforces them, used on every database (SQLite would give
#: 64-bit ranges, and the API's validation and schema would depend on the database)
PORTABLE_INTEGER_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "PositiveSmallIntegerField": (0, 32767),
    "IntegerField": (-2147483648, 2147483647),
    "PositiveIntegerField": (0, 2147483647),
}


# DRF's ModelSerializer with database-independent integer bounds: a model integer field gets
# PostgreSQL's range on SQLite too, so validation and the committed schema are the same on
# both engines.  (A comment, not a docstring: the schema would show a docstring as the
# description of every serializer without its own.)
class ModelSerializer(serializers.ModelSerializer):
    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        bounds = PORTABLE_INTEGER_RANGES.get(model_field.get_internal_type())
        if bounds is not None:
            if "min_value" in kwargs:
                kwargs["min_value"] = max(kwargs["min_value"], bounds[0])
            if "max_value" in kwargs:
                kwargs["max_value"] = min(kwargs["max_value"], bounds[1])
        return field_class, kwargs


class OwnRowsSerializerMixin:
    """A row the reader sees only because it is public or shared (not their own:
    ``restrict_q(..., own_scope_only=True)``) gives :attr:`open_fields` only, the others null —
    what the public sees of it; the view (:class:`OwnRowsViewMixin`) says which rows are own."""

    #: the fields of a row that is not the reader's own
    open_fields: frozenset[str] = frozenset()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        own = self.context.get("own_ids")
        if own is not None and instance.pk not in own:
            for name in data:
                if name not in self.open_fields:
                    data[name] = None
        return data


class OwnRowsViewMixin:
    """Tells the serializer which rows of the page (or the one object) are the user's own."""

    def _own_ids(self, objs) -> set:
        model = self.get_queryset().model
        qs = model._base_manager.filter(pk__in=[o.pk for o in objs])
        q = scoped.restrict_q(model, self.request.user, "view", own_scope_only=True)
        return set((qs if q is None else qs.filter(q)).values_list("pk", flat=True))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._own = self._own_ids(page if page is not None else queryset)
        return page

    def get_object(self):
        obj = super().get_object()
        self._own = self._own_ids([obj])
        return obj

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["own_ids"] = getattr(self, "_own", None)
        return context


class ScopedAutoSchema(AutoSchema):
    """Request body from ``write_serializer_class``, response from ``serializer_class``;
    the error responses (400/401/403/404) documented on every operation."""

    def get_auth(self):
        auths = super().get_auth()
        if getattr(self.view, "public", False) and self.method in ("GET", "HEAD") and {} not in auths:
            auths.append({})  # public reference data: anonymous clients may read
        return auths

    def _error_ref(self, name: str) -> dict:
        from drf_spectacular.plumbing import ResolvedComponent

        schema = VALIDATION_ERROR_SCHEMA if name == "ValidationError" else ERROR_SCHEMA
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, description, name in ERROR_RESPONSES:
                responses.setdefault(code, {"description": description, "content": {"application/json": {"schema": self._error_ref(name)}}})
        return responses

    def get_request_serializer(self):
        write = getattr(self.view, "write_serializer_class", None)
        if write is not None and self.method in ("POST", "PUT", "PATCH") and getattr(self.view, "action", None) in (
            "create",
            "update",
            "partial_update",
        ):
            return write()
        return super().get_request_serializer()

    def get_response_serializers(self):
        if getattr(self.view, "write_serializer_class", None) is not None and getattr(self.view, "action", None) in (
            "create",
            "update",
            "partial_update",
        ):
            return self.view.get_response_serializer_class()()
        return super().get_response_serializers()


class AuditedAPIMixin:
    """Run the view in an audit context whose actor is the authenticated API user."""

    schema = ScopedAutoSchema()
    #: anonymous clients may read (public reference data); otherwise 401
    public = False

    def get_exception_handler(self):
        return exception_handler

    def dispatch(self, request, *args, **kwargs):
        # the context opened in initial() (once DRF knows the user) closes here,
        # whatever happens in between: an escaping exception must not leak it
        with ExitStack() as stack:
            self._audit_stack = stack
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user if request.user and request.user.is_authenticated else None
        self._audit_stack.enter_context(
            audit_context(
                actor=user,
                reason=f"{request.method} {request.path}"[:255],
                source=ChangeSource.API,
                request_id=getattr(request._request, "request_id", None),
            )
        )


class ScopedAPIView(AuditedAPIMixin, APIView):
    """A non-model endpoint (``/me/``) with the same audit context and errors."""


class ScopedViewMixin(AuditedAPIMixin):
    """``get_queryset`` from ``restrict(user, "view")``; Chinese 404 on ``get_object``."""

    #: any path value reaches the view, so a malformed id is a JSON 404, not Django's HTML page
    lookup_value_regex = "[^/]+"
    #: serializer for input of create/update (defaults to ``serializer_class``)
    write_serializer_class: type[serializers.Serializer] | None = None
    #: the action ``POST`` to the list needs (see ScopedPermission)
    create_action: str | None = "add"
    #: the action an object-level write needs; ``@action(..., scoped_action="change")`` sets it per route
    scoped_action: str | None = None
    #: model permissions required for every request (403 with ``required_perms_message``)
    required_perms: tuple[str, ...] = ()

    def get_queryset(self):
        return scoped.restrict(super().get_queryset(), self.request.user, "view")

    def get_serializer_class(self):
        if self.write_serializer_class is not None and getattr(self, "action", None) in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return super().get_serializer_class()

    def get_response_serializer_class(self):
        return self.serializer_class

    def get_response_serializer(self, instance, **kwargs):
        return self.get_response_serializer_class()(instance, context=self.get_serializer_context(), **kwargs)

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs[lookup_url_kwarg]
        model = queryset.model
        not_found = exceptions.NotFound(f"{model._meta.verbose_name}“{value}”不存在或无权查看")
        if "\x00" in str(value):
            raise not_found
        try:
            obj = queryset.get(**{self.lookup_field: value})
        except (ObjectDoesNotExist, TypeError, ValueError, DjangoValidationError):
            raise not_found from None
        self.check_object_permissions(self.request, obj)
        return obj


class ScopedReadOnlyViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail of what the user may see."""


class ServiceCreateMixin:
    """``POST`` to the list: validate, then ``create_object(validated_data)`` (a service call)."""

    def create_object(self, data: dict[str, Any]):
        raise NotImplementedError(f"{type(self).__name__} must define create_object() calling a service")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(dict(serializer.validated_data))
        return Response(self.get_response_serializer(instance).data, status=status.HTTP_201_CREATED)


class ServiceUpdateMixin:
    """``PATCH`` on an object: 404/403 first, then ``update_object(instance, validated_data)``."""

    def update_object(self, instance, data: dict[str, Any]):
        raise NotImplementedError(f"{type(self).__name__} must define update_object() calling a service")

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        instance = self.update_object(instance, dict(serializer.validated_data))
        return Response(self.get_response_serializer(instance).data)


class ServiceDestroyMixin:
    """``DELETE`` on an object: 404/403 first, then ``destroy_object(instance)``."""

    def destroy_object(self, instance) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define destroy_object() calling a service")

    def destroy(self, request, *args, **kwargs):
        self.destroy_object(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScopedModelViewSet(ServiceCreateMixin, ServiceUpdateMixin, ServiceDestroyMixin, ScopedReadOnlyViewSet):
    """List, detail, create, ``PATCH`` and delete — every write through a service."""


__all__ = [
    "AuditedAPIMixin",
    "ScopedAPIView",
    "ScopedAutoSchema",
    "ScopedModelViewSet",
    "ScopedReadOnlyViewSet",
    "ScopedViewMixin",
    "ServiceCreateMixin",
    "ServiceDestroyMixin",
    "ServiceUpdateMixin",
    "exception_handler",
]

