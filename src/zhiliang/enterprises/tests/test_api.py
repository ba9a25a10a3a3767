"""The registry's API: scoped writes through the services, masking of personal data
in every serializer (anonymous callers included), the exact USCC lookup, the
shared FilterSets (region subtree, category descendants, search) and paging."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zhiliang.core.audit import SYSTEM, mask_value
from zhiliang.core.choices import Role
from zhiliang.core.identity import orgcode_check_char
from zhiliang.core.models import ObjectChange
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services
from zhiliang.enterprises.models import ConflictOfInterest, Enterprise, Product
from zhiliang.testing.fixtures import as_system, make_user, region

from .views_data import (
    CQO_PHONE,
    ID_NUMBER,
    INSPECTOR_PHONE,
    MAOJIAN_USCC,
    build_registry,
    category,
)

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def new_uscc(n: int, division: str = "420302") -> str:
    body = f"MA{n:06d}"
    return make_uscc(f"91{division}{body}{orgcode_check_char(body)}")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def reg():
    return build_registry()


# --- creating and changing enterprises -----------------------------------------------------------


def enterprise_payload(**extra):
    data = {
        "uscc": new_uscc(1), "name": "十堰茅箭新能源汽车电器有限公司", "region": "420302", "address": "十堰市茅箭区东岳路7号",
        "legal_rep_name": "孙立", "legal_rep_id_number": "420302199001017777", "cqo_phone": "13900001111",
        "industry_code": "C3670", "categories": ["auto-parts"], "registered_capital": "500.00",
    }
    data.update(extra)
    return data


def test_a_county_user_registers_an_enterprise_in_their_county(county_user):
    response = api(county_user).post(reverse("v1:enterprise-list"), enterprise_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    enterprise = Enterprise.objects.get(pk=body["id"])
    assert enterprise.region.code == "420302" and enterprise.legal_rep_id_number == "420302199001017777"
    assert body["legal_rep_id_number"] == mask_value("420302199001017777") and body["legal_rep_id_number"].endswith("7777")
    assert body["cqo_phone"] == mask_value("13900001111")
    assert body["categories"] == ["auto-parts"] and body["region_name"]
    assert {i["scheme"] for i in body["identifiers"]} >= {"uscc", "orgcode"}
    # the write is audited as the API user, from the API
    change = ObjectChange.objects.filter(object_id=str(enterprise.pk), action="create").latest("time")
    assert change.actor_id == county_user.pk and change.source == "api"


def test_registering_in_another_county_is_refused_and_writes_nothing(county_user):
    response = api(county_user).post(reverse("v1:enterprise-list"), enterprise_payload(region="420303"), format="json")
    assert response.status_code == 403, response.content
    assert "无权" in response.json()["detail"]
    assert not Enterprise.objects.filter(uscc=new_uscc(1)).exists()


def test_users_without_the_add_permission_cannot_register(user_factory):
    from zhiliang.core.choices import Role

    lab = user_factory(Role.LAB)  # staff-side, but no registry rights
    response = api(lab).post(reverse("v1:enterprise-list"), enterprise_payload(), format="json")
    assert response.status_code == 403
    assert api().post(reverse("v1:enterprise-list"), enterprise_payload(), format="json").status_code in (401, 403)
    assert not Enterprise.objects.exists()


def test_a_bad_uscc_is_a_400_naming_the_expected_check_character(county_user):
    good = new_uscc(2)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = api(county_user).post(reverse("v1:enterprise-list"), enterprise_payload(uscc=bad), format="json")
    assert response.status_code == 400
    message = " ".join(response.json()["uscc"])
    assert bad in message and f"校验码应为 {good[-1]}" in message
    # too short: the service reports the length, in Chinese
    response = api(county_user).post(reverse("v1:enterprise-list"), enterprise_payload(uscc="91420302MA"), format="json")
    assert response.status_code == 400 and "uscc" in response.json()
    assert not Enterprise.objects.exists()


def test_field_errors_are_chinese_and_name_the_field(county_user, reg):
    response = api(county_user).post(
        reverse("v1:enterprise-list"), enterprise_payload(uscc=MAOJIAN_USCC, industry_code="36"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert "industry_code" in body and "GB/T 4754" in body["industry_code"][0]
    response = api(county_user).post(reverse("v1:enterprise-list"), enterprise_payload(uscc=MAOJIAN_USCC), format="json")
    assert response.status_code == 400 and "uscc" in response.json()  # already registered


def test_patch_own_county_changes_through_the_service(county_user, reg):
    url = reverse("v1:enterprise-detail", kwargs={"pk": reg.maojian.pk})
    response = api(county_user).patch(url, {"name": "十堰精工汽车部件股份有限公司", "categories": ["auto-parts", "auto-commercial"]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "十堰精工汽车部件股份有限公司"
    assert body["former_names"] == ["十堰东风精工汽车零部件有限公司"]
    assert sorted(body["categories"]) == ["auto-commercial", "auto-parts"]
    assert body["legal_rep_id_number"] == mask_value(ID_NUMBER)


def test_patch_another_countys_enterprise_is_403_as_it_is_public(county_user, reg):
    url = reverse("v1:enterprise-detail", kwargs={"pk": reg.zhangwan.pk})
    response = api(county_user).patch(url, {"address": "别处"}, format="json")
    assert response.status_code == 403
    assert "十堰东风车桥配件有限公司" in response.json()["detail"]
    reg.zhangwan.refresh_from_db()
    assert reg.zhangwan.address == "十堰市张湾区车城路6号"


def test_moving_an_enterprise_out_of_ones_county_is_rolled_back(county_user, reg):
    url = reverse("v1:enterprise-detail", kwargs={"pk": reg.maojian.pk})
    response = api(county_user).patch(url, {"region": "420303"}, format="json")
    assert response.status_code == 403
    reg.maojian.refresh_from_db()
    assert reg.maojian.region.code == "420302"


def test_the_uscc_cannot_change(county_user, reg):
    url = reverse("v1:enterprise-detail", kwargs={"pk": reg.maojian.pk})
    response = api(county_user).patch(url, {"uscc": new_uscc(3)}, format="json")
    assert response.status_code == 400 and "不能修改" in response.json()["uscc"][0]


def test_a_read_only_token_cannot_patch(county_user, reg):
    from zhiliang.core import services as core_services

    with as_system():
        _, plaintext = core_services.issue_token(actor=SYSTEM, user=county_user, name="只读", read_only=True, days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    url = reverse("v1:enterprise-detail", kwargs={"pk": reg.maojian.pk})
    assert client.get(url).status_code == 200
    response = client.patch(url, {"address": "x"}, format="json")
    assert response.status_code == 403 and "只读令牌" in response.json()["detail"]


# --- masking and public facts ------------------------------------------------------------------------


def test_anonymous_callers_read_public_facts_only(reg):
    detail = api().get(reverse("v1:enterprise-detail", kwargs={"pk": reg.maojian.pk}))
    assert detail.status_code == 200
    body = detail.json()
    assert body["name"] == "十堰东风精工汽车零部件有限公司" and body["uscc"] == MAOJIAN_USCC and body["status_label"] == "存续"
    for field in ("legal_rep_id_number", "legal_rep_id_type", "cqo_phone", "chief_quality_officer", "categories"):
        assert body[field] is None, field
    text = detail.content.decode()
    assert ID_NUMBER not in text and CQO_PHONE not in text
    listing = api().get(reverse("v1:enterprise-list")).content.decode()
    assert ID_NUMBER not in listing and CQO_PHONE not in listing and "十堰东风精工" in listing


@pytest.mark.parametrize("who", ["county", "city_admin", "auditor"])
def test_staff_get_personal_fields_masked_even_with_the_reveal_permission(who, reg, county_user, city_admin, auditor):
    user = {"county": county_user, "city_admin": city_admin, "auditor": auditor}[who]
    body = api(user).get(reverse("v1:enterprise-detail", kwargs={"pk": reg.maojian.pk})).json()
    assert body["legal_rep_id_number"] == mask_value(ID_NUMBER) != ID_NUMBER
    assert body["cqo_phone"] == mask_value(CQO_PHONE) != CQO_PHONE
    assert body["chief_quality_officer"] == "王质量" and body["categories"] == ["auto-parts"]


def test_inspector_phones_are_masked_in_list_and_detail(reg, city_admin, auditor):
    for user in (city_admin, auditor):
        listing = api(user).get(reverse("v1:inspector-list"))
        assert INSPECTOR_PHONE not in listing.content.decode()
        row = next(r for r in listing.json()["results"] if r["id"] == reg.maojian_inspector.pk)
        assert row["phone"] == mask_value(INSPECTOR_PHONE)
        assert row["qualification_labels"] == ["行政执法证", "抽样人员资格"]


def test_no_endpoint_leaks_a_personal_value(reg, city_admin):
    """Every list of the registry, as the city admin and anonymously: no raw ID number or phone."""
    names = ["enterprise", "identifier", "product", "licence", "category", "agency", "inspector", "conflict"]
    for user in (city_admin, None):
        for name in names:
            response = api(user).get(reverse(f"v1:{name}-list"), {"page_size": 500})
            if user is None and name in ("inspector", "conflict"):
                assert response.status_code in (401, 403), name
                continue
            text = response.content.decode()
            assert response.status_code == 200, name
            for secret in (ID_NUMBER, CQO_PHONE, INSPECTOR_PHONE, "420303197502023456"):
                assert secret not in text, (name, secret)


# --- work records: inspectors and conflicts of interest ---------------------------------------------


def test_inspectors_are_scoped_to_the_county(reg, county_user):
    client = api(county_user)
    assert ids(client.get(reverse("v1:inspector-list"))) == [reg.maojian_inspector.pk]
    assert client.get(reverse("v1:inspector-detail", kwargs={"pk": reg.maojian_inspector.pk})).status_code == 200
    response = client.get(reverse("v1:inspector-detail", kwargs={"pk": reg.zhangwan_inspector.pk}))
    assert response.status_code == 404 and "不存在或无权查看" in response.json()["detail"]
    # county staff read but do not change inspectors
    assert client.patch(reverse("v1:inspector-detail", kwargs={"pk": reg.maojian_inspector.pk}), {"is_active": False}, format="json").status_code == 403
    # and anonymous callers get nothing
    assert api().get(reverse("v1:inspector-list")).status_code in (401, 403)


def test_inspectors_are_scoped_to_the_department(reg):
    zw_staff = make_user(Role.DEPARTMENT_STAFF, region_code="420303", department_code="zw-amr")
    assert ids(api(zw_staff).get(reverse("v1:inspector-list"))) == [reg.zhangwan_inspector.pk]
    other_department = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com")
    assert ids(api(other_department).get(reverse("v1:inspector-list"))) == []


def test_city_admin_registers_an_inspector_and_an_agency(city_admin, county_user):
    payload = {"name": "郑新", "department": "mj-amr", "region": "420302", "certificate_number": "42030200999",
               "qualifications": ["food"], "phone": "13500001234", "categories": ["food"]}
    assert api(county_user).post(reverse("v1:inspector-list"), payload, format="json").status_code == 403
    response = api(city_admin).post(reverse("v1:inspector-list"), payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == mask_value("13500001234") and response.json()["categories"] == ["food"]
    response = api(city_admin).post(reverse("v1:inspector-list"), {**payload, "certificate_number": "X1", "qualifications": ["magic"]}, format="json")
    assert response.status_code == 400 and "qualifications" in response.json()
    # a code with a NUL character names no department (PostgreSQL refused the query: a 500)
    for field, value in (("department", "mj-\x00amr"), ("region", "4203\x0002"), ("categories", ["fo\x00od"])):
        response = api(city_admin).post(reverse("v1:inspector-list"), {**payload, "certificate_number": "X2", field: value}, format="multipart")
        assert response.status_code == 400 and field in response.json(), field

    agency = {"name": "丹江口市食品检验检测中心", "cma_number": "231712349999", "region": "420381", "categories": ["food"],
              "monthly_capacity": 80}
    assert api(county_user).post(reverse("v1:agency-list"), agency, format="json").status_code == 403
    response = api(city_admin).post(reverse("v1:agency-list"), agency, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["region"] == "420381" and response.json()["monthly_capacity"] == 80


def test_conflicts_follow_the_enterprises_region(reg, county_user, other_county_user):
    payload = {"enterprise": reg.maojian.pk, "agency": reg.agency.pk, "reason": "检验所负责人系企业股东近亲属"}
    response = api(county_user).post(reverse("v1:conflict-list"), payload, format="json")
    assert response.status_code == 201, response.content
    conflict_id = response.json()["id"]
    assert ids(api(county_user).get(reverse("v1:conflict-list"))) == [conflict_id]
    assert ids(api(other_county_user).get(reverse("v1:conflict-list"))) == []
    assert api(other_county_user).get(reverse("v1:conflict-detail", kwargs={"pk": conflict_id})).status_code == 404
    # another county's staff cannot declare one for this county's enterprise
    response = api(other_county_user).post(reverse("v1:conflict-list"), payload, format="json")
    assert response.status_code == 403
    assert ConflictOfInterest.objects.count() == 1
    # an inspector the caller cannot see is “不存在”, not a hint that it exists
    response = api(county_user).post(
        reverse("v1:conflict-list"), {"enterprise": reg.maojian.pk, "inspector": reg.zhangwan_inspector.pk, "reason": "亲属"}, format="json"
    )
    assert response.status_code == 400 and "inspector" in response.json()
    # exactly one party
    response = api(county_user).post(reverse("v1:conflict-list"), {"enterprise": reg.maojian.pk, "reason": "无对象"}, format="json")
    assert response.status_code == 400 and "一个检验检测机构或一名执法检查人员" in str(response.json())


# --- products, licences, identifiers -----------------------------------------------------------------


def test_products_are_written_within_the_county(reg, county_user):
    payload = {"enterprise": reg.maojian.pk, "category": "auto-parts", "brand": "精工", "name": "离合器压盘", "model": "JG-1601",
               "standards": ["QC/T 27-2014"]}
    response = api(county_user).post(reverse("v1:product-list"), payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["region"] == "420302" and response.json()["enterprise_uscc"] == MAOJIAN_USCC
    response = api(county_user).post(reverse("v1:product-list"), {**payload, "enterprise": reg.zhangwan.pk}, format="json")
    assert response.status_code == 403
    assert not Product.objects.filter(enterprise=reg.zhangwan).exists()
    # the same product again: the uniqueness rule, by field or as a whole, in Chinese
    response = api(county_user).post(reverse("v1:product-list"), payload, format="json")
    assert response.status_code == 400


def test_licences_expiring_and_by_enterprise(reg):
    soon = timezone.localdate() + datetime.timedelta(days=60)
    client = api()
    assert ids(client.get(reverse("v1:licence-list"), {"expiring_before": soon.isoformat()})) == [reg.expiring.pk]
    assert ids(client.get(reverse("v1:licence-list"), {"enterprise_uscc": MAOJIAN_USCC.lower()})) == [reg.licence.pk]
    assert ids(client.get(reverse("v1:licence-list"), {"kind": "sc"})) == [reg.expiring.pk]
    assert ids(client.get(reverse("v1:licence-list"), {"category": "auto"})) == [reg.licence.pk]
    assert ids(client.get(reverse("v1:licence-list"), {"enterprise": "abc"})) == []
    assert ids(client.get(reverse("v1:licence-list"), {"enterprise": str(2**70)})) == []


def test_identifiers_are_added_and_found(reg, county_user):
    response = api(county_user).post(
        reverse("v1:identifier-list"), {"enterprise": reg.maojian.pk, "scheme": "regno", "value": "420302000054321", "source": "2012 年档案"},
        format="json",
    )
    assert response.status_code == 201, response.content
    listed = api().get(reverse("v1:identifier-list"), {"enterprise": reg.maojian.pk}).json()["results"]
    assert ("regno", "420302000054321") in {(r["scheme"], r["value"]) for r in listed}
    assert ids(api().get(reverse("v1:enterprise-list"), {"identifier": "420302000054321"})) == [reg.maojian.pk]
    response = api(county_user).post(
        reverse("v1:identifier-list"), {"enterprise": reg.zhangwan.pk, "scheme": "regno", "value": "420303000011111"}, format="json"
    )
    assert response.status_code == 403


# --- lookups, filters, paging ---------------------------------------------------------------------


def test_exact_uscc_lookup(reg):
    client = api()
    response = client.get(reverse("v1:enterprise-by-uscc", kwargs={"uscc": MAOJIAN_USCC.lower()}))
    assert response.status_code == 200 and response.json()["id"] == reg.maojian.pk
    assert response.json()["legal_rep_id_number"] is None
    response = client.get(reverse("v1:enterprise-by-uscc", kwargs={"uscc": new_uscc(9)}))
    assert response.status_code == 404 and new_uscc(9) in response.json()["detail"]
    assert ids(client.get(reverse("v1:enterprise-list"), {"uscc": MAOJIAN_USCC})) == [reg.maojian.pk]
    assert ids(client.get(reverse("v1:enterprise-list"), {"q": MAOJIAN_USCC.lower()})) == [reg.maojian.pk]


def test_region_filter_takes_the_subtree(reg):
    client = api()
    assert sorted(ids(client.get(reverse("v1:enterprise-list"), {"region": "420300"}))) == sorted(
        [reg.maojian.pk, reg.maojian_food.pk, reg.zhangwan.pk]
    )
    assert sorted(ids(client.get(reverse("v1:enterprise-list"), {"region": "420302"}))) == sorted([reg.maojian.pk, reg.maojian_food.pk])
    assert ids(client.get(reverse("v1:enterprise-list"), {"region": "999999"})) == []
    assert ids(client.get(reverse("v1:product-list"), {"region": "420303"})) == []


def test_category_filter_takes_the_descendants(reg):
    client = api()
    assert sorted(ids(client.get(reverse("v1:enterprise-list"), {"category": "auto"}))) == sorted([reg.maojian.pk, reg.zhangwan.pk])
    assert ids(client.get(reverse("v1:enterprise-list"), {"category": "food"})) == [reg.maojian_food.pk]
    assert ids(client.get(reverse("v1:enterprise-list"), {"category": "food-tea"})) == []
    assert ids(client.get(reverse("v1:product-list"), {"category": "auto"})) == [reg.product.pk]
    # an agency accredited for a whole field covers its categories
    assert ids(client.get(reverse("v1:agency-list"), {"category": "auto-parts"})) == [reg.agency.pk]
    assert ids(client.get(reverse("v1:agency-list"), {"category": "toys"})) == []


def test_search_and_other_enterprise_filters(reg):
    client = api()
    assert sorted(ids(client.get(reverse("v1:enterprise-list"), {"q": "东风"}))) == sorted([reg.maojian.pk, reg.maojian_food.pk, reg.zhangwan.pk])
    assert ids(client.get(reverse("v1:enterprise-list"), {"q": "精工"})) == [reg.maojian.pk]
    assert ids(client.get(reverse("v1:enterprise-list"), {"q": "东风 车桥"})) == [reg.zhangwan.pk]
    assert ids(client.get(reverse("v1:enterprise-list"), {"q": "饮"})) == [reg.maojian_food.pk]  # one character: name contains
    assert ids(client.get(reverse("v1:enterprise-list"), {"q": "武当路"})) == [reg.maojian_food.pk]  # the address is indexed
    assert ids(client.get(reverse("v1:enterprise-list"), {"q": "东风", "region": "420303"})) == [reg.zhangwan.pk]
    assert ids(client.get(reverse("v1:enterprise-list"), {"status": ["revoked", "cancelled"]})) == [reg.maojian_food.pk]
    assert sorted(ids(client.get(reverse("v1:enterprise-list"), {"industry_code": "c36"}))) == sorted([reg.maojian.pk, reg.zhangwan.pk])
    assert ids(client.get(reverse("v1:enterprise-list"), {"liability_insured": "true"})) == [reg.maojian.pk]
    assert ids(client.get(reverse("v1:enterprise-list"), {"established_after": "2008-01-01", "established_before": "2008-12-31"})) == [reg.maojian.pk]
    assert ids(client.get(reverse("v1:enterprise-list"), {"scale": "small", "ordering": "-id"})) == [reg.zhangwan.pk, reg.maojian_food.pk]
    assert ids(client.get(reverse("v1:product-list"), {"q": "制动"})) == [reg.product.pk]
    assert ids(client.get(reverse("v1:agency-list"), {"q": "质量监督", "region": "420300", "active": "true"})) == [reg.agency.pk]


def test_inspector_filters(reg, city_admin):
    client = api(city_admin)
    assert ids(client.get(reverse("v1:inspector-list"), {"qualification": "sampling"})) == [reg.maojian_inspector.pk]
    assert ids(client.get(reverse("v1:inspector-list"), {"department": "zw-amr"})) == [reg.zhangwan_inspector.pk]
    assert ids(client.get(reverse("v1:inspector-list"), {"region": "420302", "active": "true"})) == [reg.maojian_inspector.pk]
    assert ids(client.get(reverse("v1:inspector-list"), {"category": "auto"})) == [reg.maojian_inspector.pk]


def test_paging(reg):
    with as_system():
        for n in range(10, 15):
            services.create_enterprise(actor=SYSTEM, uscc=new_uscc(n, "420303"), name=f"十堰张湾第{n}汽车配件厂", region=region("420303"))
    client = api()
    first = client.get(reverse("v1:enterprise-list"), {"page_size": 3, "region": "420303", "ordering": "name"}).json()
    assert first["count"] == 6 and len(first["results"]) == 3 and first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3 and second["next"] is None
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert client.get(reverse("v1:enterprise-list"), {"page": 99}).status_code == 404


def test_categories_are_a_public_tree():
    client = api()
    auto = client.get(reverse("v1:category-detail", kwargs={"code": "auto"}))
    assert auto.status_code == 200
    body = auto.json()
    assert body["parent"] is None and body["is_key_field"] is True
    assert [c["code"] for c in body["children"]] == ["auto-modified", "auto-commercial", "auto-parts"]
    parts = client.get(reverse("v1:category-detail", kwargs={"code": "auto-parts"})).json()
    assert parts["parent"] == "auto" and parts["parent_name"] == "汽车产品" and parts["licence_kinds"] == ["ccc"]
    roots = client.get(reverse("v1:category-list"), {"parent": "-", "page_size": 100}).json()["results"]
    assert {r["code"] for r in roots} == set(category("auto").__class__.objects.filter(parent=None).values_list("code", flat=True))
    keys = client.get(reverse("v1:category-list"), {"is_key_category": "true", "page_size": 100}).json()
    assert keys["count"] == 10
    within = client.get(reverse("v1:category-list"), {"within": "food", "page_size": 100}).json()["results"]
    assert {r["code"] for r in within} >= {"food", "food-drinks"} and "auto" not in {r["code"] for r in within}


def test_bad_ids_are_404_not_500(reg):
    client = api()
    for value in ("abc", str(2**70), "0"):
        response = client.get(f"/api/v1/enterprises/{value}/")
        assert response.status_code == 404 and "不存在" in response.json()["detail"]
