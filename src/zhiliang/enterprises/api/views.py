"""The registry's endpoints under ``/api/v1/`` (see ``docs/api.md`` “企业名录接口”).

Every queryset starts from ``restrict(user, "view")`` (the base class);
every write calls a service in :mod:`zhiliang.enterprises.services`.
Enterprises, their identifiers, products, licences, product categories and
testing agencies are public facts (anonymous clients may read them);
inspectors and conflicts of interest are work records, scoped by region
and department.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from zhiliang.core.api.base import (
    ScopedReadOnlyViewSet,
    ServiceCreateMixin,
    ServiceUpdateMixin,
)

from .. import services
from ..filtersets import (
    ConflictOfInterestFilterSet,
    EnterpriseFilterSet,
    EnterpriseIdentifierFilterSet,
    InspectorFilterSet,
    LicenceFilterSet,
    ProductCategoryFilterSet,
    ProductFilterSet,
    TestingAgencyFilterSet,
)
from ..models import (
    ConflictOfInterest,
    Enterprise,
    EnterpriseIdentifier,
    Inspector,
    Licence,
    Product,
    ProductCategory,
    TestingAgency,
)
from . import serializers as s

TAG = "企业名录"
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="编号")
CODE_PARAM = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="类别代码")
USCC_PARAM = OpenApiParameter("uscc", OpenApiTypes.STR, OpenApiParameter.PATH, description="统一社会信用代码（18 位，大小写不限）")


MAX_ID = 2**63 - 1


class IdLookupMixin:
    """An id in the path that is no database id (``abc``, out of range) is 404, never a 500."""

    def get_object(self):
        if self.lookup_field == "pk":
            value = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
            if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
                raise exceptions.NotFound(f"{self.queryset.model._meta.verbose_name}“{value}”不存在或无权查看")
        return super().get_object()


def _view(summary, *, create=None, update=None, lookup=ID_PARAM):
    views = {
        "list": extend_schema(summary=f"{summary}列表", tags=[TAG]),
        "retrieve": extend_schema(summary=f"{summary}详情", tags=[TAG], parameters=[lookup]),
    }
    if create:
        views["create"] = extend_schema(summary=create, tags=[TAG])
    if update:
        views["partial_update"] = extend_schema(summary=update, tags=[TAG], parameters=[lookup])
    return extend_schema_view(**views)


@_view("产品类别", lookup=CODE_PARAM)
class ProductCategoryViewSet(ScopedReadOnlyViewSet):
    """产品类别 — the category tree (public reference data), each with its parent and children."""

    public = True
    queryset = ProductCategory.objects.select_related("parent").prefetch_related(
        Prefetch("children", queryset=ProductCategory.objects.order_by("sort_order", "code"))
    )
    serializer_class = s.ProductCategorySerializer
    filterset_class = ProductCategoryFilterSet
    lookup_field = "code"


@_view("企业", create="登记企业", update="修改企业")
class EnterpriseViewSet(ServiceCreateMixin, ServiceUpdateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """企业 — public registration facts for everyone; personal fields always masked;
    county staff create and change the enterprises of their county."""

    public = True
    queryset = Enterprise.objects.select_related("region").prefetch_related("categories", "identifiers")
    serializer_class = s.EnterpriseSerializer
    write_serializer_class = s.EnterpriseWriteSerializer
    filterset_class = EnterpriseFilterSet

    def create_object(self, data):
        return services.create_enterprise(actor=self.request.user, **data)

    def update_object(self, instance, data):
        enterprise, _ = services.update_enterprise(actor=self.request.user, enterprise=instance, **data)
        return self.get_queryset().get(pk=enterprise.pk)

    @extend_schema(summary="按统一社会信用代码查企业", tags=[TAG], parameters=[USCC_PARAM], responses=s.EnterpriseSerializer)
    @action(detail=False, methods=["get"], url_path=r"by-uscc/(?P<uscc>[^/]+)", filter_backends=[], pagination_class=None)
    def by_uscc(self, request, uscc: str):
        """Exact lookup by USCC (an index probe); 404 when no enterprise has it."""
        code = uscc.strip().upper()
        enterprise = self.get_queryset().filter(uscc=code).first() if "\x00" not in code else None
        if enterprise is None:
            raise exceptions.NotFound(f"统一社会信用代码为“{code}”的企业不存在或无权查看")
        return Response(self.get_serializer(enterprise).data)


@_view("企业标识", create="为企业添加标识（注册号、组织机构代码等）")
class EnterpriseIdentifierViewSet(ServiceCreateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """企业标识 — the legacy and foreign numbers through which importers match an enterprise."""

    public = True
    queryset = EnterpriseIdentifier.objects.all()
    serializer_class = s.IdentifierSerializer
    write_serializer_class = s.IdentifierWriteSerializer
    filterset_class = EnterpriseIdentifierFilterSet

    def create_object(self, data):
        return services.add_identifier(actor=self.request.user, **data)


@_view("产品", create="登记产品", update="修改产品")
class ProductViewSet(ServiceCreateMixin, ServiceUpdateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """产品 — public; county staff add and change the products of their county's enterprises."""

    public = True
    queryset = Product.objects.select_related("enterprise", "region", "category")
    serializer_class = s.ProductSerializer
    write_serializer_class = s.ProductWriteSerializer
    filterset_class = ProductFilterSet

    def create_object(self, data):
        product, _ = services.save_product(actor=self.request.user, **data)
        return product

    def update_object(self, instance, data):
        product, _ = services.save_product(actor=self.request.user, product=instance, **data)
        return product


@_view("许可证书", create="登记许可证书", update="修改许可证书")
class LicenceViewSet(ServiceCreateMixin, ServiceUpdateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """许可证书 — the registry of market access (public)."""

    public = True
    queryset = Licence.objects.select_related("enterprise", "region").prefetch_related("categories")
    serializer_class = s.LicenceSerializer
    write_serializer_class = s.LicenceWriteSerializer
    filterset_class = LicenceFilterSet

    def create_object(self, data):
        licence, _ = services.save_licence(actor=self.request.user, **data)
        return licence

    def update_object(self, instance, data):
        licence, _ = services.save_licence(actor=self.request.user, licence=instance, **data)
        return licence


@_view("检验检测机构", create="登记检验检测机构（市级管理员）", update="修改检验检测机构（市级管理员）")
class TestingAgencyViewSet(ServiceCreateMixin, ServiceUpdateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """检验检测机构 — public; registered and changed by a city admin."""

    public = True
    queryset = TestingAgency.objects.select_related("region").prefetch_related("categories")
    serializer_class = s.TestingAgencySerializer
    write_serializer_class = s.TestingAgencyWriteSerializer
    filterset_class = TestingAgencyFilterSet

    def create_object(self, data):
        return services.save_agency(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.save_agency(actor=self.request.user, agency=instance, **data)


@_view("执法检查人员", create="登记执法检查人员", update="修改执法检查人员")
class InspectorViewSet(ServiceCreateMixin, ServiceUpdateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """执法检查人员 — not public: staff see the inspectors of their region (and department)."""

    queryset = Inspector.objects.select_related("department", "region", "user").prefetch_related("categories")
    serializer_class = s.InspectorSerializer
    write_serializer_class = s.InspectorWriteSerializer
    filterset_class = InspectorFilterSet

    def create_object(self, data):
        return services.save_inspector(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.save_inspector(actor=self.request.user, inspector=instance, **data)


@_view("利益冲突", create="申报利益冲突")
class ConflictOfInterestViewSet(ServiceCreateMixin, IdLookupMixin, ScopedReadOnlyViewSet):
    """利益冲突 — not public: scoped by the enterprise's region."""

    queryset = ConflictOfInterest.objects.select_related("enterprise", "region", "agency", "inspector")
    serializer_class = s.ConflictSerializer
    write_serializer_class = s.ConflictWriteSerializer
    filterset_class = ConflictOfInterestFilterSet

    def create_object(self, data):
        return services.declare_conflict(actor=self.request.user, **data)


__all__ = [
    "ConflictOfInterestViewSet",
    "EnterpriseIdentifierViewSet",
    "EnterpriseViewSet",
    "InspectorViewSet",
    "LicenceViewSet",
    "ProductCategoryViewSet",
    "ProductViewSet",
    "TestingAgencyViewSet",
]
