"""Every write of the registry (STYLE.md §2): atomic, ``actor=`` checked, scope
re-checked, an event each, the search index kept current in the same transaction.

``save_enterprise``/``save_product`` are also what the importers call: they
compare before writing, so re-importing the same data changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from zhiliang.core import search
from zhiliang.core.events import emit, service
from zhiliang.core.identity import identifiers_for_uscc
from zhiliang.core.permissions import recheck
from zhiliang.core.uscc import validate_uscc

from .models import ConflictOfInterest, Enterprise, EnterpriseIdentifier, Inspector, Licence, Product, ProductCategory, TestingAgency

ENTERPRISE_FIELDS = (
    "uscc", "name", "entity_type", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number", "region", "address",
    "industry_code", "registered_capital", "established_on", "status", "scale", "chief_quality_officer", "cqo_phone",
    "liability_insured", "insurance_until",
)
PRODUCT_FIELDS = ("enterprise", "category", "brand", "name", "model", "standards", "gtin")
LICENCE_FIELDS = ("enterprise", "kind", "number", "scope_text", "issuer", "issued_on", "valid_until", "status")
AGENCY_FIELDS = ("name", "uscc", "cma_number", "cma_valid_until", "region", "address", "monthly_capacity", "is_active")
INSPECTOR_FIELDS = ("name", "department", "region", "certificate_number", "qualifications", "phone", "user", "is_active")


def _check_uscc(value: str | None) -> str | None:
    if not value:
        return None
    result = validate_uscc(value)
    if not result.valid:
        raise ValidationError({"uscc": f"统一社会信用代码“{value}”无效：{result.message}"})
    return result.code


def _apply(obj, fields: tuple[str, ...], data: dict[str, Any]) -> list[str]:
    unknown = set(data) - set(fields)
    if unknown:
        raise ValidationError(f"不可修改的字段：{'、'.join(sorted(unknown))}")
    changed = []
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if field.many_to_one or field.one_to_one:
            current, new = getattr(obj, field.attname), (value.pk if value is not None else None)
        else:
            current, new = getattr(obj, name), value
        if current != new:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _full_clean(obj, exclude=()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=True)


# --- enterprises -------------------------------------------------------------------------


@service(event="enterprises.enterprise_created")
def create_enterprise(*, actor, categories: list[ProductCategory] | None = None, **data: Any) -> Enterprise:
    data["uscc"] = _check_uscc(data.get("uscc"))
    enterprise = Enterprise()
    _apply(enterprise, ENTERPRISE_FIELDS, data)
    _full_clean(enterprise)
    enterprise.save()
    if categories:
        enterprise.categories.set(categories)
    if enterprise.uscc:
        EnterpriseIdentifier.objects.bulk_create(
            [EnterpriseIdentifier(enterprise=enterprise, scheme=i.scheme, value=i.value, source="由统一社会信用代码推导") for i in identifiers_for_uscc(enterprise.uscc)]
        )
    recheck(enterprise, actor, "add")
    search.index_object("enterprise", enterprise)
    emit("enterprises.enterprise_created", {"uscc": enterprise.uscc, "name": enterprise.name}, subject=enterprise,
         enterprise_key=enterprise.search_key, region=enterprise.region)
    return enterprise


@service(event="enterprises.enterprise_changed")
def update_enterprise(*, actor, enterprise: Enterprise, categories: list[ProductCategory] | None = None, **changes: Any) -> tuple[Enterprise, list[str]]:
    """Apply ``changes``; a new name keeps the old one in ``former_names``. Returns the changed field names."""
    if "uscc" in changes:
        changes["uscc"] = _check_uscc(changes["uscc"])
        if enterprise.uscc and changes["uscc"] != enterprise.uscc:
            raise ValidationError({"uscc": "统一社会信用代码一经登记不能修改；如确属错误，请注销后重新登记"})
    old_name = enterprise.name
    changed = _apply(enterprise, ENTERPRISE_FIELDS, changes)
    if categories is not None and set(enterprise.categories.values_list("pk", flat=True)) != {c.pk for c in categories}:
        changed.append("categories")
    if "name" in changed and old_name not in enterprise.former_names:
        enterprise.former_names = [*enterprise.former_names, old_name]
    if changed:
        _full_clean(enterprise)
        enterprise.save()
        if categories is not None:
            enterprise.categories.set(categories)
        if "uscc" in changed and enterprise.uscc:
            for ident in identifiers_for_uscc(enterprise.uscc):
                EnterpriseIdentifier.objects.get_or_create(enterprise=enterprise, scheme=ident.scheme, value=ident.value, defaults={"source": "由统一社会信用代码推导"})
        search.index_object("enterprise", enterprise)
    recheck(enterprise, actor, "change")
    emit("enterprises.enterprise_changed", {"uscc": enterprise.uscc, "fields": changed}, subject=enterprise,
         enterprise_key=enterprise.search_key, region=enterprise.region)
    return enterprise, changed


@service(event="enterprises.identifier_added")
def add_identifier(*, actor, enterprise: Enterprise, scheme: str, value: str, source: str = "") -> EnterpriseIdentifier:
    ident = EnterpriseIdentifier(enterprise=enterprise, scheme=scheme, value=value, source=source)
    _full_clean(ident)
    ident.save()
    recheck(enterprise, actor, "change")
    search.index_object("enterprise", enterprise)
    emit("enterprises.identifier_added", {"scheme": ident.scheme, "value": ident.value}, subject=ident,
         enterprise_key=enterprise.search_key, region=enterprise.region)
    return ident


# --- products and licences ----------------------------------------------------------------------


@service(event="enterprises.product_saved")
def save_product(*, actor, product: Product | None = None, **data: Any) -> tuple[Product, list[str]]:
    """Create (``product=None``) or update a product. Returns (product, changed fields)."""
    creating = product is None
    product = product or Product()
    changed = _apply(product, PRODUCT_FIELDS, data)
    if creating or changed:
        product.region_id = product.enterprise.region_id
        _full_clean(product, exclude=["region"])
        product.save()
        search.index_object("product", product)
    recheck(product, actor, "add" if creating else "change")
    emit("enterprises.product_saved", {"product": product.pk, "created": creating, "fields": changed}, subject=product,
         enterprise_key=product.enterprise.search_key, region=product.region)
    return product, changed


@service(event="enterprises.licence_saved")
def save_licence(*, actor, licence: Licence | None = None, categories: list[ProductCategory] | None = None, **data: Any) -> tuple[Licence, list[str]]:
    creating = licence is None
    licence = licence or Licence()
    changed = _apply(licence, LICENCE_FIELDS, data)
    if creating or changed:
        licence.region_id = licence.enterprise.region_id
        _full_clean(licence, exclude=["region"])
        licence.save()
    if categories is not None:
        licence.categories.set(categories)
    recheck(licence, actor, "add" if creating else "change")
    emit("enterprises.licence_saved", {"licence": licence.pk, "kind": licence.kind, "number": licence.number, "created": creating},
         subject=licence, enterprise_key=licence.enterprise.search_key, region=licence.region, is_public=True)
    return licence, changed


# --- testing agencies, inspectors, conflicts -----------------------------------------------------


@service(event="enterprises.agency_saved")
def save_agency(*, actor, agency: TestingAgency | None = None, categories: list[ProductCategory] | None = None, **data: Any) -> TestingAgency:
    creating = agency is None
    agency = agency or TestingAgency()
    if "uscc" in data:
        data["uscc"] = _check_uscc(data["uscc"])
    _apply(agency, AGENCY_FIELDS, data)
    _full_clean(agency)
    agency.save()
    if categories is not None:
        agency.categories.set(categories)
    recheck(agency, actor, "add" if creating else "change")
    search.index_object("agency", agency)
    emit("enterprises.agency_saved", {"agency": agency.pk, "cma_number": agency.cma_number, "created": creating}, subject=agency, region=agency.region)
    return agency


@service(event="enterprises.inspector_saved")
def save_inspector(*, actor, inspector: Inspector | None = None, categories: list[ProductCategory] | None = None, **data: Any) -> Inspector:
    creating = inspector is None
    inspector = inspector or Inspector()
    _apply(inspector, INSPECTOR_FIELDS, data)
    _full_clean(inspector)
    inspector.save()
    if categories is not None:
        inspector.categories.set(categories)
    recheck(inspector, actor, "add" if creating else "change")
    emit("enterprises.inspector_saved", {"inspector": inspector.pk, "created": creating}, subject=inspector, region=inspector.region)
    return inspector


@service(event="enterprises.conflict_declared")
def declare_conflict(*, actor, enterprise: Enterprise, reason: str, agency: TestingAgency | None = None, inspector: Inspector | None = None,
                     valid_from=None, valid_to=None) -> ConflictOfInterest:
    if (agency is None) == (inspector is None):
        raise ValidationError("利益冲突须且只能指向一个检验检测机构或一名执法检查人员")
    conflict = ConflictOfInterest(enterprise=enterprise, region_id=enterprise.region_id, agency=agency, inspector=inspector,
                                  reason=reason, valid_from=valid_from, valid_to=valid_to)
    _full_clean(conflict, exclude=["region"])
    conflict.save()
    recheck(conflict, actor, "add")
    emit("enterprises.conflict_declared", {"enterprise": enterprise.pk, "agency": getattr(agency, "pk", None), "inspector": getattr(inspector, "pk", None)},
         subject=conflict, enterprise_key=enterprise.search_key, region=enterprise.region)
    return conflict
