"""The one-stop credit query (seed §三(七)): ``selectors.credit_profile`` and the staff,
enterprise and public credit pages (``credit.views_query``)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhiliang.core.choices import Role
from zhiliang.core.navigation import menu_for, public_menu
from zhiliang.testing.fixtures import make_user
from zhiliang.credit.rules import repair_eligibility
from zhiliang.credit.selectors import PROFILE_LIMIT, credit_profile
from zhiliang.enterprises.tests.views_data import ID_NUMBER

from .facts_data import penalty_fields, record
from .query_data import FACT_ID_NUMBER, PERSON_ID_NUMBER, build_query_world

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_query_world()


def fact_numbers(profile) -> dict[str, list[str]]:
    return {k["kind"]: [r["decision_no"] for r in k["rows"]] for k in profile["kinds"]}


def rows(profile) -> dict[int, dict]:
    return {r["id"]: r for k in profile["kinds"] for r in k["rows"]}


# --- the profile -------------------------------------------------------------------------------------


def test_staff_see_expired_and_non_public_facts_with_their_status_the_public_only_public_ones(world):
    staff = credit_profile(world.maojian, world.county, public=False)
    seen = rows(staff)
    assert staff["audience"] == "staff"
    assert set(seen) == {world.recent.pk, world.old.pk, world.hidden.pk, world.expired.pk, world.licence.pk}
    assert (seen[world.hidden.pk]["is_public"], seen[world.hidden.pk]["is_publishable"]) == (False, False)
    assert seen[world.expired.pk]["is_public"] is False and seen[world.expired.pk]["status_label"] == "有效"
    assert seen[world.recent.pk]["is_public"] is True
    assert staff["counts"] == {"penalty": 4, "licence": 1}

    public = credit_profile(world.maojian, None, public=True)
    assert public["audience"] == "public"
    assert set(rows(public)) == {world.recent.pk, world.old.pk, world.licence.pk}
    assert public["assessment"] is None and public["cases"] is None and public["objections"] is None
    for row in rows(public).values():
        assert "legal_rep_id_number" not in row and "person_id_number" not in row and "status" not in row
    # the staff row has the personal data masked, never in clear
    old = seen[world.old.pk]
    assert old["legal_rep_id_number"].endswith(FACT_ID_NUMBER[-4:]) and FACT_ID_NUMBER not in old["legal_rep_id_number"]
    assert PERSON_ID_NUMBER not in str(staff)
    # another county's staff read the public facts, another department's staff every fact (shared): neither gets
    # identity numbers, not even masked — the fact is not theirs
    for outsider in (make_user(Role.COUNTY_STAFF, region_code="420303"),
                     make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com")):
        theirs = rows(credit_profile(world.maojian, outsider, public=False))
        assert world.old.pk in theirs and theirs[world.old.pk]["legal_rep_id_number"] == "", outsider


def test_a_signed_in_user_asking_for_the_public_profile_gets_the_public_one(world):
    profile = credit_profile(world.maojian, world.county, public=True)
    assert profile["audience"] == "public" and world.hidden.pk not in rows(profile)


def test_the_enterprise_sees_its_own_non_public_facts_and_its_class_another_enterprise_only_public_ones(world):
    from zhiliang.core.audit import SYSTEM
    from zhiliang.credit.services.classes import recompute_class
    from zhiliang.sampling.tests.samples_data import acting

    with acting(SYSTEM):
        recompute_class(actor=SYSTEM, enterprise=world.maojian)
    own = credit_profile(world.maojian, world.firm, public=False)
    assert own["audience"] == "enterprise"
    assert world.hidden.pk in rows(own)
    assert own["assessment"]["risk_class"] in "ABCD" and own["assessment"]["explanation"]
    other = credit_profile(world.maojian, world.other_firm, public=False)
    assert other["audience"] == "public" and world.hidden.pk not in rows(other) and other["assessment"] is None


def test_the_profile_costs_the_same_number_of_queries_for_1_and_for_30_facts(world):
    one = world.zhangwan  # one fact
    many = world.credit.maojian_food
    for i in range(30):
        record(**penalty_fields(many, source_record_id=f"十市监罚〔2025〕{200 + i}号", decision_no=f"十市监罚〔2025〕{200 + i}号",
                                decided_on=D(2025, 6, 1) + datetime.timedelta(days=i)))
    staff = world.county  # 茅箭区: 山泉 is there; 车桥 is 张湾区 but public rows still count
    credit_profile(one, staff, public=False)  # warm the memberships and rule caches

    def count(enterprise, user, public):
        with CaptureQueriesContext(connection) as ctx:
            profile = credit_profile(enterprise, user, public=public)
        return len(ctx.captured_queries), profile

    few, p1 = count(one, staff, False)
    lots, p30 = count(many, staff, False)
    assert p1["total_facts"] == 1 and p30["total_facts"] == 30
    assert few == lots, (few, lots)
    assert few <= 8
    pub1, _ = count(one, None, True)
    pub30, _ = count(many, None, True)
    assert pub1 == pub30 <= 3


def test_rows_per_kind_are_limited_to_the_newest_with_the_full_count(world):
    many = world.credit.maojian_food
    for i in range(PROFILE_LIMIT + 3):
        record(**penalty_fields(many, source_record_id=f"L-{i}", decision_no=f"L-{i}", decided_on=D(2025, 1, 1) + datetime.timedelta(days=i)))
    profile = credit_profile(many, world.county, public=False)
    penalty = profile["kinds"][0]
    assert (penalty["count"], len(penalty["rows"]), penalty["limited"]) == (PROFILE_LIMIT + 3, PROFILE_LIMIT, True)
    assert penalty["rows"][0]["decision_no"] == f"L-{PROFILE_LIMIT + 2}"  # the newest first
    assert "L-0" not in [r["decision_no"] for r in penalty["rows"]]


# --- the public pages ---------------------------------------------------------------------------------------


def test_the_public_page_shows_a_fact_the_day_before_its_publicity_ends_and_not_on_the_day(world, client, monkeypatch):
    low, _ = record(**penalty_fields(world.zhangwan, source_record_id="十市监罚〔2024〕131号", decision_no="十市监罚〔2024〕131号",
                                     is_criticism_or_low_fine=True))
    assert low.publicity_ends_on == D(2024, 12, 20)
    url = reverse("credit:public-credit", args=[world.zhangwan.pk])

    def page_on(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert "十市监罚〔2024〕131号" in page_on(D(2024, 12, 19))
    assert "十市监罚〔2024〕131号" not in page_on(D(2024, 12, 20))


def test_the_public_page_shows_public_facts_with_their_details_and_never_an_id_number(world, client):
    response = client.get(reverse("credit:public-credit", args=[world.maojian.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("十市监罚〔2026〕7号", "十市监罚〔2024〕101号", "JY14203020012345", "十堰市市场监督管理局", "罚款人民币伍万元", "2027-09-20",
                  "李建国", world.maojian.uscc):
        assert shown in html, shown
    for hidden in ("十市监简罚〔2025〕3号", "十市监罚〔2020〕1号", FACT_ID_NUMBER, PERSON_ID_NUMBER, ID_NUMBER, FACT_ID_NUMBER[-6:]):
        assert hidden not in html, hidden
    # the same page by USCC
    assert client.get(reverse("credit:public-credit", args=[world.maojian.uscc])).status_code == 200
    assert client.get(reverse("credit:public-credit", args=["999999"])).status_code == 404


def test_a_disputed_fact_is_marked_on_the_public_page(world, client):
    from zhiliang.credit.services import disputes
    from zhiliang.sampling.tests.samples_data import acting

    with acting(world.firm):
        disputes.file_objection(actor=world.firm, fact=world.recent, grounds="罚款已缴纳，决定书记载的产品批次有误")
    html = client.get(reverse("credit:public-credit", args=[world.maojian.pk])).content.decode()
    assert "异议处理中" in html


def test_public_search_finds_the_enterprise_by_a_two_character_fragment_and_by_uscc(world, client):
    url = reverse("credit:public-search")
    by_name = client.get(url, {"q": "精工"}).content.decode()
    assert world.maojian.name in by_name and world.zhangwan.name not in by_name
    assert reverse("credit:public-credit", args=[world.maojian.pk]) in by_name
    by_code = client.get(url, {"q": world.zhangwan.uscc.lower()}).content.decode()
    assert world.zhangwan.name in by_code and world.maojian.name not in by_code
    code = world.zhangwan.uscc
    as_printed = client.get(url, {"q": f"{code[:4]} {code[4:8]} {code[8:12]}-{code[12:16]} {code[16:]}"}).content.decode()
    assert world.zhangwan.name in as_printed
    short = client.get(url, {"q": "精"}).content.decode()
    assert "请至少输入两个字" in short and "没有找到匹配的企业" not in short  # refused, not "nothing found"


def test_public_pages_are_throttled(world, client, settings):
    settings.PUBLIC_QUERY_RATE = "2/m"
    from django.core.cache import cache

    cache.clear()
    url = reverse("credit:public-search")
    assert [client.get(url, {"q": "精工"}).status_code for _ in range(3)] == [200, 200, 429]


def test_the_menus_offer_the_credit_query(world):
    assert any(item["label"] == "信用查询" for item in public_menu())
    staff = {str(e["label"]) for e in menu_for(world.county)}
    assert "企业信用查询" in staff and "我的信用" not in staff
    firm = {str(e["label"]) for e in menu_for(world.firm)}
    assert {"我的信用", "我的异议与修复"} <= firm and "企业信用查询" not in firm
    # the city admin holds every permission, yet has no enterprise of its own: no "我的信用"
    admin = {str(e["label"]) for e in menu_for(make_user(Role.CITY_ADMIN, region_code="420300"))}
    assert "企业信用查询" in admin and not {"我的信用", "我的异议与修复"} & admin


def test_the_menu_marks_the_entry_of_the_current_page_only(world):
    """/staff/credit/lists/ lies under 企业信用查询's /staff/credit/: only 信用名单 is active."""
    entries = menu_for(world.county, reverse("credit:list-entry-list"))
    assert [str(e["label"]) for e in entries if e["active"]] == ["信用名单"]
    entries = menu_for(world.county, reverse("credit:staff-search"))
    assert [str(e["label"]) for e in entries if e["active"]] == ["企业信用查询"]


def test_the_enterprise_page_has_a_credit_section_linking_to_the_credit_pages(world, client):
    html = client.get(reverse("enterprises:public-enterprise", args=[world.maojian.pk])).content.decode()
    assert 'data-section="credit"' in html and reverse("credit:public-credit", args=[world.maojian.pk]) in html
    client.force_login(world.county)
    html = client.get(reverse("enterprises:enterprise-detail", args=[world.maojian.pk])).content.decode()
    assert reverse("credit:enterprise-credit", args=[world.maojian.pk]) in html
    assert "共 5 条信用信息" in html


# --- the staff pages ----------------------------------------------------------------------------------------


def test_county_staff_see_their_county_enterprise_credit_page_and_get_404_for_another_county(world, client):
    client.force_login(world.county)
    response = client.get(reverse("credit:enterprise-credit", args=[world.maojian.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("十市监简罚〔2025〕3号", "十市监罚〔2020〕1号", "公示期满", "不予公示", "打印信用报告"):
        assert shown in html, shown
    assert FACT_ID_NUMBER not in html and ID_NUMBER not in html
    assert reverse("credit:fact-detail", args=[world.hidden.pk]) in html
    assert client.get(reverse("credit:enterprise-credit", args=[world.zhangwan.pk])).status_code == 404
    client.force_login(world.other_county)
    assert client.get(reverse("credit:enterprise-credit", args=[world.maojian.pk])).status_code == 404
    client.force_login(world.firm)
    assert client.get(reverse("credit:enterprise-credit", args=[world.maojian.pk])).status_code == 403


def test_staff_search_finds_only_enterprises_in_the_users_scope(world, client):
    client.force_login(world.county)
    url = reverse("credit:staff-search")
    html = client.get(url, {"q": "东风"}).content.decode()
    assert world.maojian.name in html and world.zhangwan.name not in html
    assert reverse("credit:enterprise-credit", args=[world.maojian.pk]) in html
    assert world.maojian.name in client.get(url, {"q": world.maojian.uscc}).content.decode()
    assert world.zhangwan.name not in client.get(url, {"q": world.zhangwan.uscc}).content.decode()


def test_staff_search_filters_by_scope_before_the_limit(world, client):
    """A county's matches are found even when other counties have more matches than a page
    lists: the scope narrows the search, not the first results."""
    from zhiliang.core.audit import SYSTEM
    from zhiliang.enterprises import services as registry_services
    from zhiliang.testing.fixtures import as_system, region
    from zhiliang.credit.views_query import SEARCH_LIMIT

    with as_system("范围测试"):
        for i in range(SEARCH_LIMIT + 5):
            registry_services.create_enterprise(actor=SYSTEM, uscc=None, name=f"东风{i}厂", region=region("420303"),
                                                address="十堰市张湾区车城路1号")
    client.force_login(world.county)
    html = client.get(reverse("credit:staff-search"), {"q": "东风"}).content.decode()
    assert world.maojian.name in html and "东风1厂" not in html


# --- the enterprise's own page ------------------------------------------------------------------------------


def test_the_enterprise_sees_its_own_credit_with_the_actions(world, client):
    client.force_login(world.firm)
    response = client.get(reverse("credit:my-credit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.maojian.name in html and "十市监简罚〔2025〕3号" in html
    assert "十市监罚〔2025〕88号" not in html  # 车桥's
    # objection on every active adverse fact; repair only when eligible (the 2024 fine: from 2025-03-20)
    assert reverse("credit:objection-file", args=[world.recent.pk]) in html
    assert reverse("credit:repair-apply", args=[world.old.pk]) in html
    assert reverse("credit:repair-apply", args=[world.recent.pk]) not in html
    eligible, _ = repair_eligibility(world.recent)
    assert eligible > timezone.localdate()
    assert f"{eligible:%Y-%m-%d} 起可申请信用修复" in html
    # a fine whose publicity has ended has nothing to repair
    assert reverse("credit:repair-apply", args=[world.expired.pk]) not in html and f"该信息已于 {world.expired.publicity_ends_on:%Y-%m-%d} 停止公示，无需修复" in html
    # a licence is not adverse: no actions
    assert reverse("credit:objection-file", args=[world.licence.pk]) not in html


def test_an_account_without_an_enterprise_cannot_open_my_credit_and_cannot_choose_another(world, client):
    client.force_login(world.county)
    assert client.get(reverse("credit:my-credit")).status_code == 403
    client.force_login(world.firm)
    assert client.get(reverse("credit:my-credit"), {"e": world.zhangwan.pk}).status_code == 404


# --- lists ------------------------------------------------------------------------------------------------------


def test_list_entries_public_when_published_and_the_enterprise_may_apply_for_removal_from_its_date(client):
    from .lists_data import build_list_world, proposed_entry, published_entry

    lw = build_list_world()
    today = timezone.localdate()
    old = published_entry(lw, decided_on=D(2025, 6, 3), published_on=D(2025, 6, 5))
    assert old.removal_apply_from <= today
    pending = proposed_entry(lw, grounds="连续五年监督抽查合格", list_kind="red", legal_basis="", facts=[])

    public = credit_profile(lw.maojian, None, public=True)
    assert [e["id"] for e in public["lists"]] == [old.pk]
    html = client.get(reverse("credit:public-credit", args=[lw.maojian.pk])).content.decode()
    assert "严重违法失信名单" in html and "十茅市监信〔2024〕1号" in html and "连续五年监督抽查合格" not in html

    client.force_login(lw.enterprise_user)
    html = client.get(reverse("credit:my-credit")).content.decode()
    assert f'{reverse("credit:list-entry-detail", args=[old.pk])}#form-removal-apply' in html
    assert 'data-action="removal"' in html

    client.force_login(lw.proposer)
    html = client.get(reverse("credit:enterprise-credit", args=[lw.maojian.pk])).content.decode()
    assert reverse("credit:list-entry-detail", args=[pending.pk]) in html and "连续五年监督抽查合格" in html
