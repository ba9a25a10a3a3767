"""The generic permission cases (``ScopedModelCases``) for every model of the registry.

Each action runs four ways: no permission, permitted, constrained, another
county.  Enterprises, their identifiers, products, licences, categories and
agencies are public, so outsiders read them (200) and are refused a change
(403); inspectors and conflicts of interest are work records: 404 outside
the scope.  One class per model, ``Test<Model>Cases``; the staff pages' URL
names join the same classes (``list_url``, ``detail_url``, ``edit_url``)."""

from __future__ import annotations

from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.enterprises import services
from zhiliang.enterprises.models import (
    ConflictOfInterest,
    Enterprise,
    EnterpriseIdentifier,
    Inspector,
    Licence,
    Product,
    ProductCategory,
)
from zhiliang.enterprises.models import (
    TestingAgency as Agency,  # aliased: pytest would try to collect a name starting with “Test”
)
from zhiliang.testing.cases import ScopedModelCases
from zhiliang.testing.fixtures import as_system

from .views_data import build_registry

CITY_ADMIN = {"role": Role.CITY_ADMIN, "region_code": "420300"}


class RegistryFactCases(ScopedModelCases):
    """Registry facts are maintained by county staff (their county) and by department
    staff (the city), so the constrained user is an enterprise account bound to
    another enterprise: it holds an enterprise role, but not over this record."""

    constrained = {"role": Role.ENTERPRISE}

    def registry(self):
        if not hasattr(self, "_registry"):
            self._registry = build_registry()
        return self._registry

    def organisation_for(self, who):
        return self.registry().zhangwan if who == "constrained" else None


class TestProductCategoryCases(ScopedModelCases):
    model = ProductCategory
    api_list_url = "v1:category-list"
    api_detail_url = "v1:category-detail"
    url_kwarg = "code"
    lookup_field = "code"
    api_result_key = "code"

    def make_object(self):
        return ProductCategory.objects.get(code="auto-parts")


class TestEnterpriseCases(RegistryFactCases):
    model = Enterprise
    api_list_url = "v1:enterprise-list"
    api_detail_url = "v1:enterprise-detail"
    api_patch_data = {"address": "十堰市茅箭区人民南路9号"}
    list_url = "enterprises:enterprise-list"
    detail_url = "enterprises:enterprise-detail"

    def make_object(self):
        return self.registry().maojian


class TestEnterpriseIdentifierCases(RegistryFactCases):
    model = EnterpriseIdentifier
    api_list_url = "v1:identifier-list"
    api_detail_url = "v1:identifier-detail"

    def make_object(self):
        enterprise = self.registry().maojian
        with as_system():
            return services.add_identifier(actor=SYSTEM, enterprise=enterprise, scheme="regno", value="420302000012345", source="测试")


class TestProductCases(RegistryFactCases):
    model = Product
    api_list_url = "v1:product-list"
    api_detail_url = "v1:product-detail"
    api_patch_data = {"brand": "精工牌"}
    detail_url = "enterprises:product-detail"

    def make_object(self):
        return self.registry().product


class TestLicenceCases(RegistryFactCases):
    model = Licence
    api_list_url = "v1:licence-list"
    api_detail_url = "v1:licence-detail"
    api_patch_data = {"scope_text": "汽车制动部件、离合器"}

    def make_object(self):
        return self.registry().licence


class TestTestingAgencyCases(ScopedModelCases):
    """Agencies are registered and changed by the city admin only (county staff read them)."""

    model = Agency
    permitted = CITY_ADMIN
    api_list_url = "v1:agency-list"
    api_detail_url = "v1:agency-detail"
    api_patch_data = {"address": "十堰市茅箭区北京中路3号"}
    list_url = "enterprises:agency-list"
    detail_url = "enterprises:agency-detail"

    def make_object(self):
        return build_registry().agency


class TestInspectorCases(ScopedModelCases):
    """Inspectors are not public: county staff read their county's, the city admin changes them."""

    model = Inspector
    permitted = CITY_ADMIN
    api_list_url = "v1:inspector-list"
    api_detail_url = "v1:inspector-detail"
    api_patch_data = {"is_active": False}
    list_url = "enterprises:inspector-list"
    detail_url = "enterprises:inspector-detail"

    def make_object(self):
        return build_registry().maojian_inspector


class TestConflictOfInterestCases(ScopedModelCases):
    """Conflicts are scoped by the enterprise's region only (no department): the
    constrained user is a department's staff in another county."""

    model = ConflictOfInterest
    constrained = {"role": Role.DEPARTMENT_STAFF, "region_code": "420303", "department_code": "zw-amr"}
    api_list_url = "v1:conflict-list"
    api_detail_url = "v1:conflict-detail"

    def make_object(self):
        registry = build_registry()
        with as_system():
            return services.declare_conflict(actor=SYSTEM, enterprise=registry.maojian, agency=registry.agency,
                                             reason="该所曾为企业提供质量管理咨询")
