"""The registry's pages: staff console (list, enterprise page, edit, product,
agencies, inspectors, dashboard) and the public enterprise page."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy

from zhiliang.core.audit import mask_value
from zhiliang.core.choices import Role
from zhiliang.core.models import ObjectChange
from zhiliang.core.sections import Section, register_section, sections
from zhiliang.core.tests.test_views import external_urls
from zhiliang.enterprises.models import Enterprise
from zhiliang.testing.fixtures import as_system, make_user

from .views_data import CQO_PHONE, ID_NUMBER, INSPECTOR_PHONE, MAOJIAN_USCC, build_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg():
    return build_registry()


def login(client, user):
    client.force_login(user)
    return client


def staff_urls(reg):
    return [
        reverse("enterprises:enterprise-list"),
        reverse("enterprises:enterprise-detail", args=[reg.maojian.pk]),
        reverse("enterprises:enterprise-edit", args=[reg.maojian.pk]),
        reverse("enterprises:product-detail", args=[reg.product.pk]),
        reverse("enterprises:agency-list"),
        reverse("enterprises:agency-detail", args=[reg.agency.pk]),
        reverse("enterprises:inspector-list"),
        reverse("enterprises:inspector-detail", args=[reg.maojian_inspector.pk]),
        reverse("enterprises:dashboard"),
    ]


# --- access ---------------------------------------------------------------------------------------


def test_anonymous_gets_the_login_page_on_every_staff_page(client, reg):
    for url in staff_urls(reg):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("core:login")), url


def test_a_user_without_a_role_gets_403(client, reg):
    login(client, make_user(None))
    for url in staff_urls(reg):
        assert client.get(url).status_code == 403, url


def test_pages_render_for_each_staff_role_without_external_links(client, reg, city_admin, auditor, department_user, county_user):
    for user in (city_admin, auditor, department_user, county_user):
        login(client, user)
        for url in staff_urls(reg):
            if url.endswith("/edit/") and user in (auditor, department_user):
                continue  # read-only roles: 403 (test_another_countys_user_reads_but_cannot_edit)
            if "/inspectors/" in url and user is department_user and not url.endswith("/inspectors/"):
                continue  # a 茅箭区 bureau inspector is outside the city bureau's department lineage
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
            assert external_urls(response.content.decode()) == [], url


def test_menu_entries(client, county_user, auditor):
    html = login(client, county_user).get(reverse("core:staff-home")).content.decode()
    for label, name in (("数据看板", "dashboard"), ("企业", "enterprise-list"), ("检验检测机构", "agency-list"), ("执法检查人员", "inspector-list")):
        assert f'href="{reverse("enterprises:" + name)}"' in html and label in html


# --- list -----------------------------------------------------------------------------------------


def test_list_search_filters_and_paging(client, reg, county_user):
    login(client, county_user)
    url = reverse("enterprises:enterprise-list")
    html = client.get(url).content.decode()
    # every staff user sees every enterprise's basic facts
    assert reg.maojian.name in html and reg.zhangwan.name in html
    html = client.get(url, {"q": "东风"}).content.decode()
    assert reg.maojian.name in html and reg.zhangwan.name in html and reg.maojian_food.name in html
    html = client.get(url, {"q": "车桥"}).content.decode()
    assert reg.zhangwan.name in html and reg.maojian.name not in html
    html = client.get(url, {"q": MAOJIAN_USCC.lower()}).content.decode()
    assert reg.maojian.name in html and reg.zhangwan.name not in html
    html = client.get(url, {"q": "东风", "region": "420303"}).content.decode()
    assert reg.zhangwan.name in html and reg.maojian.name not in html
    html = client.get(url, {"status": "revoked"}).content.decode()
    assert reg.maojian_food.name in html and reg.maojian.name not in html
    html = client.get(url, {"category": "auto"}).content.decode()  # a field: its categories count
    assert reg.maojian.name in html and reg.zhangwan.name in html and reg.maojian_food.name not in html
    html = client.get(url, {"liability_insured": "true"}).content.decode()
    assert reg.maojian.name in html and reg.zhangwan.name not in html
    html = client.get(url, {"scale": "medium"}).content.decode()
    assert reg.maojian.name in html and reg.zhangwan.name not in html
    # one character: the search explains itself in Chinese instead of scanning
    html = client.get(url, {"q": "车"}).content.decode()
    assert "请至少输入两个字" in html and reg.maojian.name not in html


def test_list_ranks_the_exact_name_first(client, reg, county_user):
    html = login(client, county_user).get(reverse("enterprises:enterprise-list"), {"q": reg.zhangwan.name}).content.decode()
    names = re.findall(r'<a href="/staff/enterprises/\d+/">([^<]+)</a>', html)
    assert names[0] == reg.zhangwan.name


def test_list_search_is_capped_with_a_note(client, reg, county_user, monkeypatch):
    from zhiliang.enterprises import views

    monkeypatch.setattr(views, "SEARCH_LIMIT", 2)
    html = login(client, county_user).get(reverse("enterprises:enterprise-list"), {"q": "东风"}).content.decode()
    assert len(re.findall(r'<a href="/staff/enterprises/\d+/">', html)) == 2
    assert "约 3 家企业匹配，只列出最相关的 2 家" in html


def test_list_query_count_does_not_grow_with_rows(client, reg, county_user, django_assert_max_num_queries):
    login(client, county_user)
    client.get(reverse("enterprises:enterprise-list"))  # warm the per-user caches
    with django_assert_max_num_queries(20):
        response = client.get(reverse("enterprises:enterprise-list"))
    assert response.status_code == 200


# --- enterprise page ------------------------------------------------------------------------------------------


def test_enterprise_page_shows_the_sections_in_order_and_the_edit_button_in_scope(client, reg, county_user, other_county_user):
    login(client, county_user)
    html = client.get(reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])).content.decode()
    keys = re.findall(r'data-section="([a-z_]+)"', html)
    assert keys[:3] == ["basic", "products", "licences"]
    assert "制动鼓" in html and "2024011101000001" in html
    assert 'id="edit-enterprise"' in html
    # another county's enterprise: readable, no edit button
    html = client.get(reverse("enterprises:enterprise-detail", args=[reg.zhangwan.pk])).content.decode()
    assert reg.zhangwan.name in html and 'id="edit-enterprise"' not in html
    login(client, other_county_user)
    html = client.get(reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])).content.decode()
    assert 'id="edit-enterprise"' not in html


def test_a_registered_extra_section_appears_in_its_place(client, reg, county_user):
    def context(enterprise, user, public):
        return {"note": f"抽查记录：{enterprise.name}"}

    register_section("enterprise", Section("test_extra", gettext_lazy("测试栏目"), 25, "enterprises/tests/extra_section.html", context))
    try:
        login(client, county_user)
        html = client.get(reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])).content.decode()
        keys = re.findall(r'data-section="([a-z_]+)"', html)
        assert keys[:4] == ["basic", "products", "test_extra", "licences"]
        assert f"抽查记录：{reg.maojian.name}" in html and "测试栏目" in html
        # not public: the public page leaves it out
        html = client.get(reverse("enterprises:public-enterprise", args=[reg.maojian.pk])).content.decode()
        assert "测试栏目" not in html
    finally:
        from zhiliang.core import sections as registry

        registry._SECTIONS["enterprise"].pop("test_extra", None)
    assert "test_extra" not in [s.key for s in sections("enterprise")]


def test_sections_without_content_are_left_out(client, reg, county_user):
    html = login(client, county_user).get(reverse("enterprises:enterprise-detail", args=[reg.zhangwan.pk])).content.decode()
    assert re.findall(r'data-section="([a-z_]+)"', html)[:1] == ["basic"]
    assert 'data-section="products"' not in html and 'data-section="licences"' not in html


def test_personal_data_is_masked_and_revealed_only_in_scope_with_the_permission(client, reg, county_user, other_county_user, city_admin, auditor):
    url = reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])
    reveal = reverse("core:reveal", args=["enterprises.enterprise", reg.maojian.pk, "legal_rep_id_number"])
    for user in (city_admin, other_county_user, county_user, auditor):
        html = login(client, user).get(url).content.decode()
        assert ID_NUMBER not in html and CQO_PHONE not in html, user.username
        assert mask_value(ID_NUMBER) in html and mask_value(CQO_PHONE) in html
        # the button: only with core.view_personal_data (not the city admin) and within the user's regions
        assert (f'hx-post="{reveal}"' in html) == (user in (county_user, auditor)), user.username
    response = client.post(reveal, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and ID_NUMBER in response.content.decode()
    assert ObjectChange.objects.filter(action="view_personal", object_id=str(reg.maojian.pk)).exists()


# --- edit --------------------------------------------------------------------------------------------------------


def test_county_staff_edit_their_enterprise_through_the_service(client, reg, county_user):
    url = reverse("enterprises:enterprise-edit", args=[reg.maojian.pk])
    login(client, county_user)
    html = client.get(url).content.decode()
    # the edit form never sends the personal values to the browser
    assert ID_NUMBER not in html and CQO_PHONE not in html
    form = {
        "name": "十堰东风精工汽车部件股份有限公司", "entity_type": "joint_stock", "legal_rep_name": "李建国",
        "legal_rep_id_type": "resident_id", "legal_rep_id_number": "", "region": reg.maojian.region_id,
        "address": "十堰市茅箭区东风大道99号", "industry_code": "C3670", "registered_capital": "2500", "established_on": "2008-05-20",
        "status": "active", "scale": "large", "chief_quality_officer": "王质量", "cqo_phone": "", "liability_insured": "on",
        "insurance_until": reg.maojian.insurance_until.isoformat(), "categories": [c.pk for c in reg.maojian.categories.all()],
    }
    response = client.post(url, form)
    assert response.status_code == 302 and response.url == reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])
    enterprise = Enterprise.objects.get(pk=reg.maojian.pk)
    assert enterprise.name == "十堰东风精工汽车部件股份有限公司" and enterprise.scale == "large"
    assert enterprise.former_names == ["十堰东风精工汽车零部件有限公司"]
    assert enterprise.legal_rep_id_number == ID_NUMBER and enterprise.cqo_phone == CQO_PHONE  # empty = unchanged
    change = ObjectChange.objects.filter(object_id=str(enterprise.pk), action="update").latest("id")
    assert change.actor_id == county_user.pk and "修改企业信息" in change.reason
    assert set(change.diff) >= {"name", "address", "scale", "registered_capital"}
    # a mistake is reported in Chinese next to the field; nothing written
    response = client.post(url, {**form, "liability_insured": "", "industry_code": "X99"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "未投保产品质量安全责任保险时不能填写保险有效期" in html and "行业代码应为" in html
    assert Enterprise.objects.get(pk=reg.maojian.pk).liability_insured is True
    # a resident ID number with a mistyped digit: named by its last 4 characters, never echoed
    wrong = ID_NUMBER[:16] + str((int(ID_NUMBER[16]) + 1) % 10) + ID_NUMBER[17]
    response = client.post(url, {**form, "legal_rep_id_number": wrong})
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'id="id_legal_rep_id_number_error">(.*?)</ul>', html, re.S).group(1)
    assert f"身份证号码（尾号 {wrong[-4:]}）校验位不符" in error and wrong not in error  # the box keeps what was typed, to correct it
    assert Enterprise.objects.get(pk=reg.maojian.pk).legal_rep_id_number == ID_NUMBER


def test_region_choices_are_limited_to_the_users_county(client, reg, county_user):
    html = login(client, county_user).get(reverse("enterprises:enterprise-edit", args=[reg.maojian.pk])).content.decode()
    select = re.search(r'<select name="region".*?</select>', html, re.S).group(0)
    assert "茅箭区" in select and "张湾区" not in select


def test_another_countys_user_reads_but_cannot_edit(client, reg, other_county_user, auditor, user_factory):
    from zhiliang.core.choices import Role

    lab = user_factory(Role.LAB)  # a staff-side account without registry rights
    for user in (other_county_user, auditor, lab):
        login(client, user)
        assert client.get(reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])).status_code == 200
        url = reverse("enterprises:enterprise-edit", args=[reg.maojian.pk])
        assert client.get(url).status_code == 403, user.username
        assert client.post(url, {"name": "改名"}).status_code == 403
    assert Enterprise.objects.get(pk=reg.maojian.pk).name == "十堰东风精工汽车零部件有限公司"
    # the lab reads the list but has no dashboard: the list does not link to it (it was a 403)
    dashboard = reverse("enterprises:dashboard")
    assert f'href="{dashboard}"' not in login(client, lab).get(reverse("enterprises:enterprise-list")).content.decode()
    assert client.get(dashboard).status_code == 403
    assert f'href="{dashboard}"' in login(client, auditor).get(reverse("enterprises:enterprise-list")).content.decode()


def test_department_staff_maintain_the_citys_registry(client, reg, department_user):
    """The plan's departments (e.g. the market-supervision bureau) keep registry facts
    across the city; every change is audited."""
    login(client, department_user)
    url = reverse("enterprises:enterprise-edit", args=[reg.maojian.pk])
    assert client.get(url).status_code == 200


# --- public page -----------------------------------------------------------------------------------------------------------


def test_public_page_shows_only_public_facts(client, reg):
    response = client.get(reverse("enterprises:public-enterprise", args=[reg.maojian.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reg.maojian.name in html and MAOJIAN_USCC in html and "李建国" in html  # the legal representative's name is public
    assert "制动鼓" in html and "2024011101000001" in html
    # no personal data, not even masked
    for secret in (ID_NUMBER, CQO_PHONE, mask_value(ID_NUMBER), mask_value(CQO_PHONE), ID_NUMBER[-4:], CQO_PHONE[-4:]):
        assert secret not in html, secret
    assert "王质量" not in html  # the chief quality officer is not among the public fields
    assert "/staff/" not in html.replace('href="/staff/"', "")  # no links into the staff console
    assert "hx-post" not in html
    assert external_urls(html) == []


def test_a_partnership_page_names_its_managing_partner_not_a_legal_representative(client, reg):
    """A 合伙企业's licence names its 执行事务合伙人, a 个体工商户's its 经营者: the page says so."""
    url = reverse("enterprises:public-enterprise", args=[reg.maojian.pk])
    for entity_type, title in (("partnership", "执行事务合伙人"), ("individual", "经营者"), ("sole", "投资人"), ("branch", "负责人")):
        with as_system():
            Enterprise.objects.filter(pk=reg.maojian.pk).update(entity_type=entity_type)
        html = client.get(url).content.decode()
        assert f"<dt>{title}</dt><dd>李建国</dd>" in html and "法定代表人" not in html, entity_type
    with as_system():
        Enterprise.objects.filter(pk=reg.maojian.pk).update(entity_type="limited")
    assert "<dt>法定代表人</dt><dd>李建国</dd>" in client.get(url).content.decode()


def test_public_page_is_the_same_for_signed_in_staff(client, reg, auditor):
    html = login(client, auditor).get(reverse("enterprises:public-enterprise", args=[reg.maojian.pk])).content.decode()
    assert ID_NUMBER[-4:] not in html and CQO_PHONE[-4:] not in html and "hx-post" not in html


def test_public_search_links_to_the_public_enterprise_page(client, reg):
    html = client.get(reverse("core:public-search"), {"q": "精工"}).content.decode()
    assert f'href="{reverse("enterprises:public-enterprise", args=[reg.maojian.pk])}"' in html
    assert "/staff/enterprises/" not in html


def test_unknown_public_enterprise_is_404(client, reg):
    assert client.get(reverse("enterprises:public-enterprise", args=[999999])).status_code == 404


# --- product, agencies, inspectors ----------------------------------------------------------------------------------------------


def test_product_page(client, reg, other_county_user):
    html = login(client, other_county_user).get(reverse("enterprises:product-detail", args=[reg.product.pk])).content.decode()
    assert "制动鼓" in html and "JG-3502" in html and "QC/T 316-2023" in html and reg.maojian.name in html
    assert "2024011101000001" in html  # the enterprise's licence covering the category


def test_agency_list_and_page(client, reg, county_user):
    login(client, county_user)
    html = client.get(reverse("enterprises:agency-list")).content.decode()
    assert reg.agency.name in html and "221712340123" in html and "汽车产品" in html
    assert reg.agency.name in client.get(reverse("enterprises:agency-list"), {"category": "auto-parts"}).content.decode()
    assert reg.agency.name not in client.get(reverse("enterprises:agency-list"), {"category": "toys"}).content.decode()
    html = client.get(reverse("enterprises:agency-detail", args=[reg.agency.pk])).content.decode()
    assert "320" in html and "食品及食品相关产品" in html and "汽车产品" in html


def test_inspectors_are_scoped_and_their_phone_masked(client, reg, county_user, city_admin, auditor):
    login(client, county_user)
    html = client.get(reverse("enterprises:inspector-list")).content.decode()
    assert "周明" in html and "吴刚" not in html
    assert client.get(reverse("enterprises:inspector-detail", args=[reg.zhangwan_inspector.pk])).status_code == 404
    html = client.get(reverse("enterprises:inspector-detail", args=[reg.maojian_inspector.pk])).content.decode()
    assert INSPECTOR_PHONE not in html and mask_value(INSPECTOR_PHONE) in html
    assert "行政执法证" in html and "抽样人员资格" in html
    html = login(client, city_admin).get(reverse("enterprises:inspector-detail", args=[reg.maojian_inspector.pk])).content.decode()
    assert INSPECTOR_PHONE not in html and mask_value(INSPECTOR_PHONE) in html and "hx-post" not in html
    html = login(client, auditor).get(reverse("enterprises:inspector-detail", args=[reg.maojian_inspector.pk])).content.decode()
    assert INSPECTOR_PHONE not in html and reverse("core:reveal", args=["enterprises.inspector", reg.maojian_inspector.pk, "phone"]) in html
    html = client.get(reverse("enterprises:inspector-list")).content.decode()
    assert "周明" in html and "吴刚" in html


def test_the_public_has_no_inspector_pages(client, reg):
    response = client.get(reverse("enterprises:inspector-detail", args=[reg.maojian_inspector.pk]))
    assert response.status_code == 302


# --- dashboard --------------------------------------------------------------------------------------------------------------------


def chart_options(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def figures(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'id="n-([a-z]+)"[^>]*>\s*<strong class="figure">(\d+)</strong>', html)}


def test_dashboard_for_the_city(client, reg, city_admin):
    html = login(client, city_admin).get(reverse("enterprises:dashboard")).content.decode()
    assert figures(html) == {"enterprises": 3, "active": 2, "products": 1, "licences": 2, "expiring": 1, "agencies": 1, "inspectors": 2}
    region = chart_options(html, "chart-region")
    by_region = dict(zip(region["xAxis"]["data"], region["series"][0]["data"]))
    assert len(by_region) == 10 and by_region["茅箭区"] == 2 and by_region["张湾区"] == 1 and by_region["房县"] == 0
    category = chart_options(html, "chart-category")
    counts = dict(zip(category["yAxis"]["data"], category["series"][0]["data"]))
    assert len(counts) == 10 and counts["食品及食品相关产品"] == 1  # food-drinks rolls up into its key category
    status = chart_options(html, "chart-status")
    assert {d["name"]: d["value"] for d in status["series"][0]["data"]} == {"存续": 2, "吊销": 1}
    assert "范围：全市" in html and "vendor/echarts.min.js" in html


def test_dashboard_for_county_staff_counts_their_county_only(client, reg, other_county_user, department_user):
    html = login(client, other_county_user).get(reverse("enterprises:dashboard")).content.decode()
    assert figures(html) == {"enterprises": 1, "active": 1, "products": 0, "licences": 0, "expiring": 0, "agencies": 0, "inspectors": 1}
    assert "范围：张湾区" in html
    region = chart_options(html, "chart-region")
    assert region["xAxis"]["data"] == ["张湾区"]
    html = login(client, department_user).get(reverse("enterprises:dashboard")).content.decode()
    assert figures(html)["enterprises"] == 3


def test_enterprise_role_has_no_console(client, reg):
    user = make_user(Role.ENTERPRISE, organisation=reg.maojian)
    login(client, user)
    assert client.get(reverse("enterprises:enterprise-list")).status_code == 403
    assert client.get(reverse("enterprises:dashboard")).status_code == 403


def test_an_enterprise_account_finds_its_own_enterprise_from_the_home_page(client, reg, user_factory):
    from zhiliang.core.choices import Role

    account = user_factory(Role.ENTERPRISE, organisation=reg.maojian)
    html = login(client, account).get(reverse("core:staff-home")).content.decode()
    assert reverse("enterprises:public-enterprise", args=[reg.maojian.pk]) in html
