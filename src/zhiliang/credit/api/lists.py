"""The lists' endpoints under /api/v1/credit/ (read-only): entries of the serious-dishonesty and
red lists (``credit/list-entries``) and the periodic publications (``credit/list-publications``).

Both start from ``restrict(user, "view")``: published entries and every publication are public
(anonymous clients get only the public fields of an entry); other entries only within the
user's region, department or own enterprise (404 outside).  The filter sets are shared with the
staff pages (``views_lists``)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from zhiliang.core.api.base import ModelSerializer, OwnRowsSerializerMixin, OwnRowsViewMixin, ScopedReadOnlyViewSet
from zhiliang.core.filtersets import YearFilter
from zhiliang.enterprises.api.views import IdLookupMixin
from zhiliang.enterprises.filtersets import IdFilter, RegionCodeFilter, RegistryFilterSet

from ..choices import ListEntryStatus, ListKind
from ..models import ListEntry, ListPublication

TAG = "质量信用"
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="编号")


class ListEntryFilterSet(RegistryFilterSet):
    list_kind = filters.ChoiceFilter(choices=ListKind.choices, label="名单")
    status = filters.ChoiceFilter(choices=ListEntryStatus.choices, label="状态")
    region = RegionCodeFilter(field_name="region")
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    published_from = filters.DateFilter(field_name="published_on", lookup_expr="gte", label="公示日期自")
    published_to = filters.DateFilter(field_name="published_on", lookup_expr="lte", label="公示日期至")

    class Meta:
        model = ListEntry
        fields = ("list_kind", "status", "region", "enterprise", "published_from", "published_to")


class ListPublicationFilterSet(RegistryFilterSet):
    list_kind = filters.ChoiceFilter(choices=ListKind.choices, label="名单")
    year = YearFilter(field_name="period_end__year", label="年度")

    class Meta:
        model = ListPublication
        fields = ("list_kind", "year")


class PublicListEntrySerializer(ModelSerializer):
    """What anyone may read of a published entry (no personal data)."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, help_text="企业名称")
    enterprise_uscc = serializers.CharField(source="enterprise.uscc", read_only=True, allow_null=True, help_text="统一社会信用代码")
    region_code = serializers.CharField(source="region.code", read_only=True, help_text="区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True, help_text="区划名称")

    class Meta:
        model = ListEntry
        fields = ("id", "list_kind", "enterprise", "enterprise_name", "enterprise_uscc", "region_code", "region_name", "grounds", "legal_basis",
                  "decision_no", "decided_on", "published_on", "removal_apply_from", "auto_removal_on")
        read_only_fields = fields


class ListEntrySerializer(OwnRowsSerializerMixin, PublicListEntrySerializer):
    """The whole entry, for staff and the enterprise itself; an entry the reader sees only as
    published or shared (another county's, another department's, another enterprise's) gives
    its public fields only — not the approval notes, the notice or a removal application."""

    open_fields = frozenset(PublicListEntrySerializer.Meta.fields)

    deciding_region_code = serializers.CharField(source="deciding_region.code", read_only=True, help_text="作出决定的机关所在区划")

    class Meta:
        model = ListEntry
        fields = (*PublicListEntrySerializer.Meta.fields, "status", "deciding_region_code", "department", "facts", "proposed_on",
                  "approval_required", "approved_on", "approval_note", "external_approval_no", "external_approval_on", "notified_on",
                  "notice_method", "publish_due", "fact", "removal_applied_on", "removal_application", "removed_on", "removal_way",
                  "removal_note")
        read_only_fields = fields
        #: null in an entry the reader sees only as published or shared
        extra_kwargs = {name: {"allow_null": True} for name in fields if name not in PublicListEntrySerializer.Meta.fields}


class ListPublicationSerializer(ModelSerializer):
    class Meta:
        model = ListPublication
        fields = ("id", "list_kind", "number", "period_start", "period_end", "published_on", "entries", "added", "removed")
        read_only_fields = fields


@extend_schema_view(list=extend_schema(summary="名单记录列表", tags=[TAG]),
                    retrieve=extend_schema(summary="名单记录详情", tags=[TAG], parameters=[ID_PARAM]))
class ListEntryViewSet(OwnRowsViewMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """列入名单记录 — published entries are public; the rest within the user's scope."""

    public = True
    queryset = ListEntry.objects.select_related("enterprise", "region", "deciding_region").prefetch_related("facts")
    serializer_class = ListEntrySerializer
    filterset_class = ListEntryFilterSet

    def get_serializer_class(self):
        user = self.request.user
        if not (user and user.is_authenticated):
            return PublicListEntrySerializer
        return ListEntrySerializer


@extend_schema_view(list=extend_schema(summary="名单定期公布列表", tags=[TAG]),
                    retrieve=extend_schema(summary="名单定期公布详情", tags=[TAG], parameters=[ID_PARAM]))
class ListPublicationViewSet(IdLookupMixin, ScopedReadOnlyViewSet):
    """名单定期公布 — public: the list as published for a period, with the entries added and removed."""

    public = True
    queryset = ListPublication.objects.all()
    serializer_class = ListPublicationSerializer
    filterset_class = ListPublicationFilterSet


#: (prefix under /api/v1/, viewset, basename) — registered by credit.api.urls
routes: list = [
    ("credit/list-entries", ListEntryViewSet, "credit-list-entry"),
    ("credit/list-publications", ListPublicationViewSet, "credit-list-publication"),
]
#: plain paths (non-viewset endpoints), in the v1 namespace
urlpatterns: list = []
