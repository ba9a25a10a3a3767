"""Minimal views in the shape every app's views take: start from restrict/get_for_user,
write through a service."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from zhiliang.core.api.base import AuditedAPIMixin
from django.core.exceptions import PermissionDenied

from zhiliang.core.permissions import get_for_user, has_perm

from . import services
from .models import Record


def _require_view_permission(request):
    if not has_perm(request.user, "testapp.view_record"):
        raise PermissionDenied("无权查看测试记录")


def record_list(request):
    rows = Record.objects.restrict(request.user, "view").order_by("pk")
    return JsonResponse({"results": [r.pk for r in rows]})


def record_detail(request, pk):
    if not Record.objects.filter(pk=pk, published=True).exists():
        _require_view_permission(request)
    record = get_for_user(Record, request.user, "view", pk=pk)
    return HttpResponse(record.title)


@require_http_methods(["GET", "POST"])
def record_edit(request, pk):
    record = get_for_user(Record, request.user, "change", pk=pk)
    if request.method == "POST":
        try:
            services.change_record(actor=request.user, record=record, title=request.POST["title"])
        except ValidationError as exc:
            return HttpResponse(str(exc), status=400)
        return HttpResponseRedirect(f"/testapp/records/{pk}/")
    return HttpResponse(f"<form method=post>{record.title}</form>")


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = ["id", "title", "region", "department", "organisation", "published"]


@extend_schema(exclude=True)  # test-only: never part of the published schema
class RecordViewSet(AuditedAPIMixin, viewsets.ModelViewSet):
    serializer_class = RecordSerializer
    queryset = Record.objects.all()

    def get_queryset(self):
        return Record.objects.restrict(self.request.user, "view").order_by("pk")

    def perform_update(self, serializer):
        serializer.instance = services.change_record(actor=self.request.user, record=serializer.instance, **serializer.validated_data)

    def perform_create(self, serializer):
        serializer.instance = services.create_record(actor=self.request.user, **serializer.validated_data)
