"""Scoped permissions: region subtree, department lineage, organisation, public rows,
404 across regions, 403 for visible-but-not-permitted, re-check after write."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.choices import Role
from zhiliang.core.models import Membership, Region
from zhiliang.core.permissions import get_for_user, has_perm
from zhiliang.testing.fixtures import as_system, department, make_user, region
from zhiliang.testing.testapp import services
from zhiliang.testing.testapp.models import Organisation, Record

pytestmark = pytest.mark.django_db


def make_record(title, region_code, dept_code=None, organisation=None, published=False):
    with as_system():
        return services.create_record(
            actor=SYSTEM,
            title=title,
            region=region(region_code),
            department=department(dept_code) if dept_code else None,
            organisation=organisation,
            published=published,
        )


def visible(user, action="view"):
    return set(Record.objects.restrict(user, action).values_list("title", flat=True))


def test_region_subtree(county_user, city_admin, other_county_user):
    make_record("茅箭", "420302")
    make_record("张湾", "420303")
    make_record("市本级", "420300")
    assert visible(county_user) == {"茅箭"}
    assert visible(other_county_user) == {"张湾"}
    assert visible(city_admin) == {"茅箭", "张湾", "市本级"}
    city_staff = make_user(Role.COUNTY_STAFF, region_code="420300")
    assert visible(city_staff) == {"茅箭", "张湾", "市本级"}


def test_rows_of_parties_outside_shiyan_are_the_city_levels_not_a_countys(county_user, city_admin, department_user):
    """A penalty the city's bureau gave a firm registered elsewhere (区划 十堰市外) stays in its
    own and the city's scope; no county's."""
    make_record("市外企业", "X00000", "sy-amr")
    make_record("茅箭", "420302", "sy-amr")
    assert visible(city_admin) == {"市外企业", "茅箭"}
    assert visible(department_user) == {"市外企业", "茅箭"}
    assert visible(county_user) == {"茅箭"}


def test_department_lineage_the_merged_bureau_sees_predecessor_records(department_user):
    make_record("质监局2017年记录", "420300", "sy-qts")
    make_record("工商局2018年记录", "420300", "sy-aic")
    make_record("市场监管局记录", "420300", "sy-amr")
    make_record("商务局记录", "420300", "sy-com")
    assert visible(department_user) == {"质监局2017年记录", "工商局2018年记录", "市场监管局记录"}
    # the old bureau's staff (before the merger) do not see the successor's records
    qts_staff = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-qts")
    assert visible(qts_staff) == {"质监局2017年记录"}


def test_organisation_accounts_see_only_their_own_records():
    with as_system():
        mine = Organisation.objects.create(name="东风某零部件公司", region=region("420302"))
        other = Organisation.objects.create(name="另一家公司", region=region("420302"))
    make_record("本企业记录", "420302", organisation=mine)
    make_record("他企业记录", "420302", organisation=other)
    make_record("他企业公开记录", "420302", organisation=other, published=True)
    account = make_user(Role.ENTERPRISE, organisation=mine)
    assert visible(account) == {"本企业记录", "他企业公开记录"}
    assert visible(account, "change") == set()


def test_anonymous_sees_public_rows_only():
    from django.contrib.auth.models import AnonymousUser

    make_record("公开", "420302", published=True)
    make_record("内部", "420302")
    assert visible(AnonymousUser()) == {"公开"}


def test_404_across_regions_and_403_when_visible_but_not_permitted(county_user, auditor):
    theirs = make_record("张湾记录", "420303")
    with pytest.raises(Http404):
        get_for_user(Record, county_user, "view", pk=theirs.pk)
    with pytest.raises(Http404):
        get_for_user(Record, county_user, "change", pk=theirs.pk)
    # the auditor sees everything and may change nothing
    assert get_for_user(Record, auditor, "view", pk=theirs.pk) == theirs
    with pytest.raises(PermissionDenied):
        get_for_user(Record, auditor, "change", pk=theirs.pk)


def test_recheck_after_write_rolls_back_when_the_object_leaves_the_scope(county_user):
    record = make_record("茅箭记录", "420302")
    with audit_context(actor=county_user, reason="改区划", source="test"):
        with pytest.raises(PermissionDenied):
            services.change_record(actor=county_user, record=record, region=Region.objects.get(code="420303"))
        with pytest.raises(PermissionDenied):
            services.create_record(actor=county_user, title="越权新增", region=region("420303"))
    record.refresh_from_db()
    assert record.region.code == "420302"
    assert not Record.objects.filter(title="越权新增").exists()


def test_expired_memberships_grant_nothing(county_user):
    import datetime

    make_record("茅箭", "420302")
    with as_system():
        Membership.objects.filter(user=county_user).update(valid_to=datetime.date(2020, 1, 1))
    county_user._zl_memberships = None
    assert visible(county_user) == set()


def test_several_memberships_add_up():
    user = make_user(Role.COUNTY_STAFF, region_code="420302")
    from zhiliang.core import services as core_services

    with as_system():
        core_services.add_membership(actor=SYSTEM, user=user, role=Role.COUNTY_STAFF, region=region("420381"))
    make_record("茅箭", "420302")
    make_record("丹江口", "420381")
    make_record("张湾", "420303")
    user._zl_memberships = None
    assert visible(user) == {"茅箭", "丹江口"}


def test_roles_are_groups_with_declared_permissions(county_user, auditor, city_admin):
    assert has_perm(county_user, "testapp.change_record")
    assert not has_perm(county_user, "core.change_ruleoverride")
    assert has_perm(auditor, "core.view_objectchange") and has_perm(auditor, "core.view_personal_data")
    assert not has_perm(auditor, "testapp.change_record")
    assert has_perm(city_admin, "core.change_ruleoverride")
    assert not has_perm(city_admin, "core.change_objectchange")  # the log is append-only
    assert not has_perm(city_admin, "core.view_personal_data")


def test_department_successor_cycles_are_refused(city_admin):
    from django.core.exceptions import ValidationError

    from zhiliang.core import services as core_services

    amr = department("sy-amr")
    with audit_context(actor=city_admin, reason="测试", source="test"):
        with pytest.raises(ValidationError, match="循环"):
            core_services.update_department(actor=city_admin, department=amr, successor=department("sy-qts"))
        with pytest.raises(ValidationError, match="本单位"):
            core_services.update_department(actor=city_admin, department=amr, successor=amr)
    amr.refresh_from_db()
    assert amr.successor_id is None


def test_personal_data_is_revealed_only_for_visible_records(county_user, other_county_user):
    from zhiliang.core import services as core_services
    from zhiliang.core.models import ObjectChange

    with as_system():
        record = services.create_record(actor=SYSTEM, title="投诉人记录", region=region("420302"), id_number="420302199001011234")
    with audit_context(actor=county_user, reason="办理投诉", source="test"):
        assert core_services.reveal_personal_data(actor=county_user, instance=record, fields=["id_number"], reason="办理投诉") == {
            "id_number": "420302199001011234"
        }
    assert ObjectChange.objects.filter(action="view_personal", object_id=str(record.pk), actor_id=county_user.pk).exists()
    with audit_context(actor=other_county_user, reason="越权查看", source="test"):
        with pytest.raises(PermissionDenied):
            core_services.reveal_personal_data(actor=other_county_user, instance=record, fields=["id_number"], reason="越权查看")
    assert not ObjectChange.objects.filter(action="view_personal", actor_id=other_county_user.pk).exists()
