"""The registry's FilterSets — one per model, shared by the staff pages and the API
(STYLE.md §1, §6).

The queryset a FilterSet receives has already been restricted to what the
user may see (``restrict(user, "view")``); filters only narrow it.  Codes are
used where people and other systems know them: region ``420302`` (its whole
subtree), category ``auto-parts`` (with its descendants), department
``sy-amr``, a USCC rather than a database id where one exists.

``q`` uses the search index (:mod:`zhiliang.core.search`): the CJK bigrams and
ASCII words of the query are looked up in the index of the model's search
kind, so a 2-character fragment (``东风``) is an index lookup, not a scan; a
query of a single character falls back to ``name`` containing it.  A
well-formed USCC always matches its enterprise exactly, indexed or not.
"""

from __future__ import annotations

import re

import django_filters as filters
from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field

from zhiliang.core import search
from zhiliang.core.models import Region

from .choices import (
    CategoryKind,
    EnterpriseStatus,
    EntityType,
    LicenceKind,
    LicenceStatus,
    QualificationKind,
    Scale,
)
from .models import (
    ConflictOfInterest,
    Enterprise,
    EnterpriseIdentifier,
    Inspector,
    Licence,
    Product,
    ProductCategory,
    TestingAgency,
)

USCC_SHAPE = re.compile(r"^[0-9A-Z]{18}$")
#: query tokens intersected through the index (the substring check covers the rest)
MAX_Q_TOKENS = 4


# --- shared helpers (also used by the UI's list views) ----------------------------------------


def region_subtree_q(field: str, code: str) -> Q:
    """Rows whose ``field`` (a region FK) lies in the subtree of region ``code`` (the region included)."""
    region = Region.objects.filter(code=(code or "").strip()).only("path").first()
    if region is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": region.path})


def category_ids(code: str, *, with_descendants: bool = True) -> list[int]:
    """The ids of category ``code`` and (by default) all its descendants; ``[]`` for an unknown code."""
    category = ProductCategory.objects.filter(code=(code or "").strip()).first()
    if category is None:
        return []
    return category.descendant_ids() if with_descendants else [category.pk]


def category_ancestor_ids(code: str) -> list[int]:
    """The ids of category ``code`` and its ancestors (an accreditation for a field covers its categories)."""
    category = ProductCategory.objects.filter(code=(code or "").strip()).first()
    ids = []
    while category is not None:
        ids.append(category.pk)
        category = category.parent
    return ids


def search_ids(kind: str, value: str):
    """A subquery of the object ids (as integers) of ``kind`` whose indexed text matches ``value``,
    or ``None`` when the query has no term of two characters (:class:`~zhiliang.core.search.QueryTooShort`).

    Permission is not applied here: it narrows a queryset that is already restricted."""
    from zhiliang.core.models import SearchEntry, SearchToken

    try:
        parsed = search.parse_query(value)
    except search.QueryTooShort:
        return None
    tokens = list(parsed.tokens)[:MAX_Q_TOKENS]
    entries = SearchEntry.objects.filter(kind=kind, tokens__token=tokens[0])
    for token in tokens[1:]:
        entries = entries.filter(Exists(SearchToken.objects.filter(entry=OuterRef("pk"), token=token)))
    for term in parsed.terms:
        if term not in tokens:
            entries = entries.filter(text__contains=term)
    return entries.annotate(_oid=Cast("object_id", BigIntegerField())).values("_oid")


def search_filter(queryset: QuerySet, kind: str, value: str, *, name_field: str = "name", uscc_field: str | None = None) -> QuerySet:
    """``q``: the search index for 2 characters and more, ``name`` containing a single character;
    an exact USCC (``uscc_field``) always matches."""
    value = (value or "").strip()
    if not value:
        return queryset
    exact = Q(pk__in=[])
    if uscc_field and USCC_SHAPE.match(value.upper()):
        exact = Q(**{uscc_field: value.upper()})
    ids = search_ids(kind, value)
    if ids is None:
        return queryset.filter(Q(**{f"{name_field}__icontains": value}) | exact)
    return queryset.filter(Q(pk__in=ids) | exact)


MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer"})
class IdFilter(filters.CharFilter):
    """A database id; a value that is no id (``abc``, ``1.5``, out of range) matches nothing."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        try:
            number = int(str(value).strip())
        except ValueError:
            return qs.none()
        if not 0 < number <= MAX_ID:
            return qs.none()
        return qs.filter(**{self.field_name: number})


class RegionCodeFilter(filters.CharFilter):
    """A region code; matches the region and everything below it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "区划代码（含下级）")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return qs.filter(region_subtree_q(self.field_name, value))


class CategoryCodeFilter(filters.CharFilter):
    """A category code; matches rows of that category or any category below it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "产品类别代码（含下级类别）")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        ids = category_ids(value)
        if self.field_name.endswith("categories"):
            # many-to-many: a subquery keeps the rows distinct
            through = qs.model._meta.get_field(self.field_name).remote_field.through
            fk = next(f.attname for f in through._meta.concrete_fields if f.is_relation and f.related_model is qs.model)
            cat_fk = next(f.attname for f in through._meta.concrete_fields if f.is_relation and f.related_model is ProductCategory)
            return qs.filter(pk__in=through.objects.filter(**{f"{cat_fk}__in": ids}).values(fk))
        return qs.filter(**{f"{self.field_name}__in": ids})


# --- FilterSets ----------------------------------------------------------------------------


class RegistryFilterSet(filters.FilterSet):
    """Base of the registry's FilterSets: a NUL character in a parameter (which no stored
    value holds, and which PostgreSQL cannot even compare) becomes U+FFFD, so the filter
    matches nothing instead of failing."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and any("\x00" in v for _, values in data.lists() for v in values if isinstance(v, str)):
            data = data.copy()
            for key, values in list(data.lists()):
                data.setlist(key, [v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in values])
        super().__init__(data, *args, **kwargs)



class ProductCategoryFilterSet(RegistryFilterSet):
    q = filters.CharFilter(method="filter_q", label="名称或代码包含")
    parent = filters.CharFilter(method="filter_parent", label="上级类别代码；“-”为顶层")
    within = filters.CharFilter(method="filter_within", label="在此类别之下（含本类别），类别代码")
    kind = filters.ChoiceFilter(choices=CategoryKind.choices, label="类型")
    is_key_category = filters.BooleanFilter(label="十类重点消费品")
    is_key_field = filters.BooleanFilter(label="五个重点领域")
    is_food = filters.BooleanFilter(label="食品类")

    class Meta:
        model = ProductCategory
        fields = ("q", "parent", "within", "kind", "is_key_category", "is_key_field", "is_food")

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def filter_parent(self, queryset, name, value):
        if value.strip() == "-":
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent__code=value.strip())

    def filter_within(self, queryset, name, value):
        return queryset.filter(pk__in=category_ids(value))


class EnterpriseFilterSet(RegistryFilterSet):
    q = filters.CharFilter(method="filter_q", label="名称、曾用名、统一社会信用代码、地址等（至少两个字走索引）")
    uscc = filters.CharFilter(method="filter_uscc", label="统一社会信用代码（精确）")
    identifier = filters.CharFilter(method="filter_identifier", label="任一企业标识值（注册号、组织机构代码等，精确）")
    region = RegionCodeFilter(field_name="region")
    status = filters.MultipleChoiceFilter(choices=EnterpriseStatus.choices, label="登记状态（可多选）")
    entity_type = filters.ChoiceFilter(choices=EntityType.choices, label="主体类型")
    scale = filters.ChoiceFilter(choices=Scale.choices, label="企业规模")
    category = CategoryCodeFilter(field_name="categories", label="主要产品类别代码（含下级类别）")
    industry_code = filters.CharFilter(method="filter_industry", label="行业代码前缀（GB/T 4754，如 C36）")
    liability_insured = filters.BooleanFilter(label="投保产品质量安全责任保险")
    established = filters.DateFromToRangeFilter(field_name="established_on", label="成立日期（_after 起，_before 止，均含）")
    ordering = filters.OrderingFilter(
        fields=(("name", "name"), ("established_on", "established_on"), ("registered_capital", "registered_capital"), ("id", "id")),
        field_labels={"name": "名称", "established_on": "成立日期", "registered_capital": "注册资本", "id": "编号"},
        label="排序：name、established_on、registered_capital、id（前加“-”为倒序）",
    )

    class Meta:
        model = Enterprise
        fields = ("q", "uscc", "identifier", "region", "status", "entity_type", "scale", "category", "industry_code", "liability_insured", "established")

    def filter_q(self, queryset, name, value):
        return search_filter(queryset, "enterprise", value, uscc_field="uscc")

    def filter_uscc(self, queryset, name, value):
        return queryset.filter(uscc=value.strip().upper())

    def filter_identifier(self, queryset, name, value):
        value = value.strip().upper().replace("-", "")
        return queryset.filter(Q(uscc=value) | Q(pk__in=EnterpriseIdentifier.objects.filter(value=value).values("enterprise_id")))

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry_code__startswith=value.strip().upper())


class EnterpriseIdentifierFilterSet(RegistryFilterSet):
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    scheme = filters.CharFilter(label="标识类型")
    value = filters.CharFilter(method="filter_value", label="标识值（精确）")

    class Meta:
        model = EnterpriseIdentifier
        fields = ("enterprise", "scheme", "value")

    def filter_value(self, queryset, name, value):
        return queryset.filter(value=value.strip().upper())


class ProductFilterSet(RegistryFilterSet):
    q = filters.CharFilter(method="filter_q", label="品牌、名称、型号、企业名称、执行标准、条码")
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    enterprise_uscc = filters.CharFilter(method="filter_enterprise_uscc", label="企业统一社会信用代码")
    category = CategoryCodeFilter(field_name="category")
    brand = filters.CharFilter(field_name="brand", lookup_expr="icontains", label="品牌包含")
    gtin = filters.CharFilter(label="商品条码（精确）")
    region = RegionCodeFilter(field_name="region")

    class Meta:
        model = Product
        fields = ("q", "enterprise", "enterprise_uscc", "category", "brand", "gtin", "region")

    def filter_q(self, queryset, name, value):
        return search_filter(queryset, "product", value)

    def filter_enterprise_uscc(self, queryset, name, value):
        return queryset.filter(enterprise__uscc=value.strip().upper())


class LicenceFilterSet(RegistryFilterSet):
    kind = filters.ChoiceFilter(choices=LicenceKind.choices, label="证书类型")
    status = filters.ChoiceFilter(choices=LicenceStatus.choices, label="状态")
    number = filters.CharFilter(field_name="number", lookup_expr="icontains", label="证书编号包含")
    expiring_before = filters.DateFilter(method="filter_expiring_before", label="有效期在此日期（含）之前届满，且今天仍有效")
    valid_on = filters.DateFilter(method="filter_valid_on", label="在此日期有效")
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    enterprise_uscc = filters.CharFilter(method="filter_enterprise_uscc", label="企业统一社会信用代码")
    category = CategoryCodeFilter(field_name="categories", label="覆盖产品类别代码（含下级类别）")
    region = RegionCodeFilter(field_name="region")

    class Meta:
        model = Licence
        fields = ("kind", "status", "number", "expiring_before", "valid_on", "enterprise", "enterprise_uscc", "category", "region")

    def filter_expiring_before(self, queryset, name, value):
        return queryset.filter(status=LicenceStatus.VALID, valid_until__isnull=False, valid_until__lte=value,
                               valid_until__gte=timezone.localdate())

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=value), status=LicenceStatus.VALID).filter(
            Q(issued_on__isnull=True) | Q(issued_on__lte=value)
        )

    def filter_enterprise_uscc(self, queryset, name, value):
        return queryset.filter(enterprise__uscc=value.strip().upper())


class TestingAgencyFilterSet(RegistryFilterSet):
    q = filters.CharFilter(method="filter_q", label="名称、统一社会信用代码、CMA 编号、地址")
    category = filters.CharFilter(method="filter_category", label="资质认定范围覆盖此产品类别（类别代码；上级类别的资质也算）")
    region = RegionCodeFilter(field_name="region")
    active = filters.BooleanFilter(field_name="is_active", label="在用")
    cma_valid_on = filters.DateFilter(method="filter_cma_valid_on", label="资质在此日期有效")

    class Meta:
        model = TestingAgency
        fields = ("q", "category", "region", "active", "cma_valid_on")

    def filter_q(self, queryset, name, value):
        return search_filter(queryset, "agency", value, uscc_field="uscc")

    def filter_category(self, queryset, name, value):
        through = TestingAgency.categories.through
        return queryset.filter(pk__in=through.objects.filter(productcategory_id__in=category_ancestor_ids(value)).values("testingagency_id"))

    def filter_cma_valid_on(self, queryset, name, value):
        return queryset.filter(Q(cma_valid_until__isnull=True) | Q(cma_valid_until__gte=value))


class InspectorFilterSet(RegistryFilterSet):
    q = filters.CharFilter(method="filter_q", label="姓名或执法证号包含")
    department = filters.CharFilter(field_name="department__code", label="部门代码")
    region = RegionCodeFilter(field_name="region")
    qualification = filters.ChoiceFilter(choices=QualificationKind.choices, method="filter_qualification", label="具有此资格")
    category = CategoryCodeFilter(field_name="categories", label="熟悉的产品类别代码（含下级类别）")
    active = filters.BooleanFilter(field_name="is_active", label="在岗")

    class Meta:
        model = Inspector
        fields = ("q", "department", "region", "qualification", "category", "active")

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value.strip()) | Q(certificate_number__icontains=value.strip()))

    def filter_qualification(self, queryset, name, value):
        # portable JSON-list membership (SQLite has no JSON ``contains``): the list's JSON text holds "value"
        return queryset.filter(qualifications__icontains=f'"{value}"')


class ConflictOfInterestFilterSet(RegistryFilterSet):
    enterprise = IdFilter(field_name="enterprise_id", label="企业编号")
    enterprise_uscc = filters.CharFilter(method="filter_enterprise_uscc", label="企业统一社会信用代码")
    agency = IdFilter(field_name="agency_id", label="检验检测机构编号")
    inspector = IdFilter(field_name="inspector_id", label="执法检查人员编号")
    region = RegionCodeFilter(field_name="region")
    current_on = filters.DateFilter(method="filter_current_on", label="在此日期有效")

    class Meta:
        model = ConflictOfInterest
        fields = ("enterprise", "enterprise_uscc", "agency", "inspector", "region", "current_on")

    def filter_enterprise_uscc(self, queryset, name, value):
        return queryset.filter(enterprise__uscc=value.strip().upper())

    def filter_current_on(self, queryset, name, value):
        return queryset.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=value), Q(valid_to__isnull=True) | Q(valid_to__gte=value))


__all__ = [
    "CategoryCodeFilter",
    "ConflictOfInterestFilterSet",
    "EnterpriseFilterSet",
    "EnterpriseIdentifierFilterSet",
    "InspectorFilterSet",
    "LicenceFilterSet",
    "ProductCategoryFilterSet",
    "ProductFilterSet",
    "RegionCodeFilter",
    "TestingAgencyFilterSet",
    "category_ids",
    "region_subtree_q",
    "search_filter",
    "search_ids",
]
