"""The match API for procurement, bidding and subsidy systems (``/api/v1/credit/match/``): by
USCC (exact, invalid codes explained), by name (exact, former name, similar names ranked,
dissimilar ones dropped), many queries at once, the domain filter, cases only for callers who
may see them, no personal data, and no anonymous access.  Also the read-only catalogue and
case endpoints and feedback through the API."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from zhiliang.core import services as core_services
from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.credit.choices import CaseStatus
from zhiliang.credit.models import MeasureCase
from zhiliang.enterprises import services as registry_services
from zhiliang.enterprises.tests.views_data import MAOJIAN_USCC
from zhiliang.testing.fixtures import as_system, make_user, region

from .measures_data import SERIOUS_CODES, build_measure_world, make_entry, publish

D = datetime.date
pytestmark = pytest.mark.django_db
URL = "/api/v1/credit/match/"


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    world = build_measure_world()
    with django_capture_on_commit_callbacks(execute=True):
        publish(make_entry(world.maojian))
    with as_system():
        world.similar = registry_services.create_enterprise(actor=SYSTEM, uscc=None, name="十堰东风精工汽车配件有限公司", region=region("420302"))
        world.renamed = registry_services.create_enterprise(actor=SYSTEM, uscc=None, name="十堰市老牌汽车附件厂", region=region("420303"))
        registry_services.update_enterprise(actor=SYSTEM, enterprise=world.renamed, name="十堰新锐汽车科技有限公司")
    return world


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def finance():
    return api_for(make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-finance"))


def only(response):
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == 1
    return results[0]


def test_a_uscc_finds_the_enterprise_its_list_and_the_measures_in_force(world, finance):
    answer = only(finance.get(URL, {"uscc": MAOJIAN_USCC.lower()}))
    assert answer["error"] is None
    [found] = answer["matches"]
    assert (found["enterprise"]["id"], found["match_score"], found["matched_on"]) == (world.maojian.pk, 1.0, "uscc")
    assert set(found["enterprise"]) == {"id", "uscc", "name", "region", "status"}  # no legal representative, no ID number
    [entry] = found["lists"]
    assert (entry["kind"], entry["decision_no"], entry["published_on"]) == ("serious", "十市监信列〔2024〕1号", "2024-09-27")
    measures = {m["code"]: m for m in found["measures"]}
    assert set(measures) == set(SERIOUS_CODES)
    # the finance bureau sees its own cases, not another department's
    own = MeasureCase.objects.get(measure__code="LHCJ-SL-01")
    assert measures["LHCJ-SL-01"]["case"] == {"id": own.pk, "status": CaseStatus.OPEN, "opened_on": "2024-09-27", "feedback_due": "2024-10-30",
                                              "ends_on": None}
    assert measures["LHCJ-SL-06"]["case"] is None and measures["LHCJ-SL-06"]["executing_department"]["code"] == "sy-amr"


def test_the_domain_filter_keeps_only_that_domains_measures(world, finance):
    [found] = only(finance.get(URL, {"uscc": MAOJIAN_USCC, "domain": "政府采购"}))["matches"]
    assert [m["code"] for m in found["measures"]] == ["LHCJ-SL-01"] and found["lists"]
    body = {"queries": [{"uscc": MAOJIAN_USCC}], "domain": "招标投标"}
    [found] = only(finance.post(URL, body, format="json"))["matches"]
    assert [(m["code"], m["executing_department"]["code"]) for m in found["measures"]] == [("LHCJ-SL-02", "sy-ggzy")]


def test_an_invalid_uscc_says_what_is_wrong_and_an_unknown_one_matches_nothing(world, finance):
    answer = only(finance.get(URL, {"uscc": MAOJIAN_USCC[:17] + ("0" if MAOJIAN_USCC[17] != "0" else "1")}))
    assert answer["matches"] == [] and "校验码" in answer["error"]
    from zhiliang.core.uscc import make_uscc

    assert only(finance.get(URL, {"uscc": make_uscc("91420300MA4A9X9X9")}))["matches"] == []


def test_names_match_exactly_by_former_name_and_by_similarity_ranked(world, finance):
    exact, similar = only(finance.get(URL, {"name": "十堰东风精工汽车零部件有限公司"}))["matches"]
    assert (exact["enterprise"]["id"], exact["match_score"], exact["matched_on"]) == (world.maojian.pk, 1.0, "name")
    # Dice of the cores 东风精工汽车零部件 and 东风精工汽车配件: 2 × 5 / (8 + 7)
    assert (similar["enterprise"]["id"], similar["match_score"]) == (world.similar.pk, 0.667)

    [former] = only(finance.get(URL, {"name": "十堰市老牌汽车附件厂"}))["matches"]
    assert (former["enterprise"]["id"], former["match_score"], former["matched_on"]) == (world.renamed.pk, 0.95, "former_name")
    assert former["lists"] == [] and former["measures"] == []

    # a name written a little differently: both 精工 enterprises, the closer first; 车桥 is too far
    ranked = only(finance.get(URL, {"name": "十堰东风精工汽车零部件公司"}))["matches"]
    assert [m["enterprise"]["id"] for m in ranked] == [world.maojian.pk, world.similar.pk]
    assert [m["match_score"] for m in ranked] == [0.9, 0.667]  # the same core under another legal form; the cores' Dice
    assert ranked[0]["matched_on"] == "similar_name"
    # a fragment of the name (its core) finds the one it belongs to first, then the same 字号 in a near trade
    fragment = only(finance.get(URL, {"name": "东风精工汽车零部件"}))["matches"]
    assert [(m["enterprise"]["id"], m["match_score"]) for m in fragment] == [(world.maojian.pk, 0.9), (world.similar.pk, 0.667)]
    assert only(finance.get(URL, {"name": "武当山道茶"}))["matches"] == []


def test_enterprises_alike_only_in_the_region_and_legal_form_around_their_names_do_not_match(world, finance):
    """十堰市华康食品有限公司 shares 7 of its 10 bigrams with 十堰市精工食品有限公司 (Dice 0.7):
    a procurement system asking about the first was told of the second, and of its lists. The
    字号 and trade decide: no match; the same 字号 under another prefix and form still matches."""
    with as_system():
        registry_services.create_enterprise(actor=SYSTEM, uscc=None, name="十堰市精工食品有限公司", region=region("420302"))
    assert only(finance.get(URL, {"name": "十堰市华康食品有限公司"}))["matches"] == []
    [same] = only(finance.get(URL, {"name": "湖北精工食品股份有限公司"}))["matches"]
    assert (same["enterprise"]["name"], same["match_score"]) == ("十堰市精工食品有限公司", 0.9)
    # a place in brackets is no part of the 字号: 精工（十堰）食品有限公司, 十堰市精工食品有限公司（茅箭）
    for written in ("精工（十堰）食品有限公司", "十堰市精工食品有限公司（茅箭）"):
        [same] = only(finance.get(URL, {"name": written}))["matches"]
        assert (same["enterprise"]["name"], same["match_score"]) == ("十堰市精工食品有限公司", 0.9), written


def test_many_queries_at_once(world, finance):
    queries = [{"uscc": MAOJIAN_USCC}, {"name": "十堰东风车桥配件有限公司"}, {"name": "十堰市老牌汽车附件厂"}, {"uscc": "123"}]
    response = finance.post(URL, {"queries": queries}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["query"] for r in results] == queries
    assert [[m["enterprise"]["id"] for m in r["matches"]] for r in results] == [[world.maojian.pk], [world.zhangwan.pk], [world.renamed.pk], []]
    assert results[3]["error"].startswith("统一社会信用代码“123”无效")
    repeated = finance.get(URL + f"?uscc={MAOJIAN_USCC}&name=十堰东风车桥配件有限公司&name=十堰市老牌汽车附件厂")
    assert [len(r["matches"]) for r in repeated.json()["results"]] == [1, 1, 1]


def test_bad_requests_are_refused_with_a_reason(world, finance):
    too_many = finance.post(URL, {"queries": [{"uscc": MAOJIAN_USCC}] * 101}, format="json")
    assert too_many.status_code == 400 and "最多 100 个" in str(too_many.json())
    both = finance.post(URL, {"queries": [{"uscc": MAOJIAN_USCC, "name": "精工"}]}, format="json")
    assert both.status_code == 400 and "uscc 或 name" in str(both.json())
    assert finance.get(URL).status_code == 400
    assert finance.get(URL, {"name": "x" * 201}).status_code == 400
    typo = finance.post(URL, {"queries": [{"uscc": MAOJIAN_USCC}], "domain": "政府采贩"}, format="json")
    assert typo.status_code == 400 and "未知的领域“政府采贩”" in typo.json()["domain"][0] and "政府采购" in typo.json()["domain"][0]
    assert finance.get(URL, {"uscc": MAOJIAN_USCC, "domain": "5"}).status_code == 400
    deep = finance.post(URL, "[" * 5000 + "]" * 5000, content_type="application/json")
    assert deep.status_code == 400 and "嵌套层数过多" in deep.json()["detail"]
    broken = finance.post(URL, '{"queries": [', content_type="application/json")
    assert broken.status_code == 400 and broken.json()["detail"].startswith("请求体不是有效的 JSON：第 1 行第 14 列")
    control = finance.get(URL, {"name": "十堰东风精工汽车零部件\x00有限公司", "domain": "政府\x00采购"})
    assert only(control)["matches"][0]["enterprise"]["id"] == world.maojian.pk  # control characters are dropped, not sent to the database


def test_a_body_over_the_upload_limit_gets_a_json_error_in_chinese(world, finance, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = finance.post(URL, {"queries": [{"name": "十堰" * 400}]}, format="json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "请求体过大：不能超过 1 KB"}


def test_anonymous_callers_are_refused_and_a_read_only_token_may_match(world):
    assert APIClient().get(URL, {"uscc": MAOJIAN_USCC}).status_code == 401
    assert APIClient().post(URL, {"queries": [{"uscc": MAOJIAN_USCC}]}, format="json").status_code == 401
    user = make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-ggzy")
    with as_system():
        _token, plaintext = core_services.issue_token(actor=SYSTEM, user=user, name="招投标系统", read_only=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    response = api.post(URL, {"queries": [{"uscc": MAOJIAN_USCC}], "domain": "招标投标"}, format="json")
    assert response.status_code == 200
    [found] = response.json()["results"][0]["matches"]
    assert found["measures"][0]["case"]["id"] == MeasureCase.objects.get(measure__code="LHCJ-SL-02").pk


def test_the_catalogue_and_cases_endpoints_and_feedback(world, finance):
    catalogue = APIClient().get(reverse("v1:credit-measure-list"), {"page_size": 100})
    assert catalogue.status_code == 200 and catalogue.json()["count"] == 13
    assert APIClient().get(reverse("v1:credit-measure-list"), {"domain": "政府采购"}).json()["count"] == 1
    cases = finance.get(reverse("v1:credit-case-list")).json()
    assert {c["measure"]["code"] for c in cases["results"]} == {"LHCJ-SL-01", "LHCJ-SL-03"}
    assert finance.get(reverse("v1:credit-case-list"), {"overdue": "true", "enterprise_uscc": MAOJIAN_USCC.lower()}).json()["count"] == 2
    bogus = finance.get(reverse("v1:credit-case-list"), {"status": "bogus"})  # a typo is an error, not "no cases"
    assert bogus.status_code == 400 and "status" in bogus.json()
    target = MeasureCase.objects.get(measure__code="LHCJ-SL-01")
    response = finance.post(reverse("v1:credit-case-feedback", args=[target.pk]), {"outcome": "restricted", "occurred_on": "2024-10-15",
                                                                                   "matter": "办公设备采购"}, format="json")
    assert response.status_code == 201, response.content
    target.refresh_from_db()
    assert target.status == CaseStatus.FED_BACK
    assert [c["measure"]["code"] for c in finance.get(reverse("v1:credit-case-list"), {"status": "open"}).json()["results"]] == ["LHCJ-SL-03"]
    other = MeasureCase.objects.get(measure__code="LHCJ-SL-04")
    assert finance.post(reverse("v1:credit-case-feedback", args=[other.pk]), {"outcome": "normal"}, format="json").status_code == 404
    county = api_for(make_user(Role.COUNTY_STAFF, region_code="420302"))
    assert county.post(reverse("v1:credit-case-feedback", args=[other.pk]), {"outcome": "normal"}, format="json").status_code == 403
    bad = finance.post(reverse("v1:credit-case-feedback", args=[target.pk]), {"outcome": "restricted", "occurred_on": "2024-01-01"}, format="json")
    assert bad.status_code == 400 and "occurred_on" in bad.json()
    # the enterprise sees the cases about it, not the departments' feedback on them
    assert [f["matter"] for f in finance.get(reverse("v1:credit-case-detail", args=[target.pk])).json()["feedback"]] == ["办公设备采购"]
    firm = api_for(make_user(Role.ENTERPRISE, organisation=world.maojian))
    seen = firm.get(reverse("v1:credit-case-detail", args=[target.pk]))
    assert seen.status_code == 200 and seen.json()["status"] == CaseStatus.FED_BACK and seen.json()["feedback"] == []
