"""The generic permission cases for core's own models: every configured view and
API action, four ways (see zhiliang.testing.cases)."""

import datetime

from zhiliang.core import services
from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.models import Department, Membership, Region, RuleOverride
from zhiliang.testing.cases import ScopedModelCases
from zhiliang.testing.fixtures import as_system, make_user

CITY_ADMIN = {"role": Role.CITY_ADMIN, "region_code": "420300"}


class TestRegionCases(ScopedModelCases):
    """Reference data, public: everyone reads; nobody edits through the API."""

    model = Region
    api_list_url = "v1:region-list"
    api_detail_url = "v1:region-detail"
    url_kwarg = lookup_field = api_result_key = "code"

    def make_object(self):
        return Region.objects.get(code="420302")


class TestDepartmentCases(ScopedModelCases):
    """Reference data: every staff user reads; only the city admin edits."""

    model = Department
    permitted = CITY_ADMIN
    api_list_url = "v1:department-list"
    api_detail_url = "v1:department-detail"
    api_patch_data = {"short_name": "市监局"}
    edit_url = "core:department-edit"
    edit_data = {"name": "十堰市市场监督管理局", "short_name": "市监局", "kind": "government", "valid_from": "2019-01-28", "is_responsible_unit": "", "note": "", "uscc": "", "valid_to": "", "successor": ""}
    changed = ("short_name", "市监局")
    url_kwarg = "pk"
    api_result_key = "code"

    def detail(self, url_name, obj):
        from django.urls import reverse

        if url_name.startswith("v1:"):
            return reverse(url_name, kwargs={"code": obj.code})
        return reverse(url_name, kwargs={"pk": obj.pk})

    def key(self, obj):
        return obj.code

    def make_object(self):
        return Department.objects.get(code="sy-amr")


class TestMembershipCases(ScopedModelCases):
    """Work data scoped by region and department: a county sees its own staff."""

    model = Membership
    api_list_url = "v1:membership-list"
    api_detail_url = "v1:membership-detail"

    def make_object(self):
        user = make_user(Role.COUNTY_STAFF, region_code="420302")
        return Membership.objects.get(user=user)


class TestRuleOverrideCases(ScopedModelCases):
    """Reference data edited by the city admin only (create/delete via the API)."""

    model = RuleOverride
    permitted = CITY_ADMIN
    api_list_url = "v1:rule-override-list"
    api_detail_url = "v1:rule-override-detail"
    api_delete = True

    def make_object(self):
        with as_system():
            return services.set_rule_override(
                actor=SYSTEM, rule="RULE_SAMPLING_REPEAT_6M", value=6, effective_from=datetime.date(2031, 1, 1), reason="测试"
            )
