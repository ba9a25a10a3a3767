"""core's API endpoints: permission behaviour of each (anonymous 401 where
staff-only, 404 across regions, 403 for visible-but-not-permitted writes),
the audit trail of API writes, Chinese error bodies, filters."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from zhiliang.core import services
from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.models import DomainEvent, Membership, ObjectChange
from zhiliang.testing.fixtures import as_system, make_user

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def token_client(user, *, read_only=False):
    with as_system():
        _, plaintext = services.issue_token(actor=SYSTEM, user=user, name="测试", read_only=read_only, days=5)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def url(viewname, **kwargs):
    return reverse(f"v1:{viewname}", kwargs=kwargs or None)


# --- regions and departments: public reference data -----------------------------------------------


def test_regions_are_public_and_filterable():
    response = api().get(url("region-list"), {"within": "420300", "page_size": 100})
    assert response.status_code == 200
    codes = {r["code"] for r in response.json()["results"]}
    assert {"420300", "420302", "420381"} <= codes and "420000" not in codes
    detail = api().get(url("region-detail", code="420302")).json()
    assert detail["name"] == "茅箭区" and detail["parent"] == "420300"


def test_unknown_region_is_404_in_chinese():
    response = api().get(url("region-detail", code="999999"))
    assert response.status_code == 404
    assert response.json()["detail"] == "行政区划“999999”不存在或无权查看"


def test_departments_are_public_and_filterable():
    response = api().get(url("department-list"), {"current": "false", "page_size": 100})
    assert response.status_code == 200
    codes = {d["code"] for d in response.json()["results"]}
    assert {"sy-aic", "sy-qts", "sy-fda"} <= codes and "sy-amr" not in codes
    detail = api().get(url("department-detail", code="sy-qts")).json()
    assert detail["successor"] == "sy-amr" and detail["is_current"] is False


def test_a_nul_character_in_a_filter_is_dropped_not_a_failed_request():
    """A text filter's form field refuses NUL characters; the API filters without them."""
    response = api().get(url("department-list"), {"q": "sy-a\x00mr", "current": "true"})
    assert response.status_code == 200
    assert [d["code"] for d in response.json()["results"]] == ["sy-amr"]


def test_anonymous_cannot_patch_a_department():
    response = api().patch(url("department-detail", code="sy-amr"), {"note": "x"}, format="json")
    assert response.status_code == 401


def test_county_user_patching_a_department_gets_403_in_chinese(county_user):
    response = api(county_user).patch(url("department-detail", code="sy-amr"), {"note": "县里改市局"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "无权修改部门“十堰市市场监督管理局”"


def test_city_admin_patches_a_department_through_the_service_with_a_token(city_admin):
    client = token_client(city_admin)
    response = client.patch(
        url("department-detail", code="sy-amr"), {"short_name": "市监局", "note": "接口修改"}, format="json", HTTP_X_REQUEST_ID="req-api-1"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["short_name"] == "市监局"
    # the token's user is the actor of the change, the source is the API, the request id carried
    change = ObjectChange.objects.get(content_type__model="department", object_id=str(response.json()["id"]), action="update")
    assert change.actor_id == city_admin.pk
    assert change.actor_name.startswith("city-admin")
    assert change.source == "api"
    assert change.request_id == "req-api-1"
    assert change.diff["short_name"] == ["市市场监管局", "市监局"]
    event = DomainEvent.objects.get(name="core.department_changed")
    assert event.actor_id == city_admin.pk and event.request_id == "req-api-1"


def test_department_validation_errors_name_the_field(city_admin):
    client = api(city_admin)
    response = client.patch(url("department-detail", code="sy-amr"), {"successor": "sy-amr"}, format="json")
    assert response.status_code == 400
    assert "承继" in response.json()["successor"][0]
    response = client.patch(url("department-detail", code="sy-amr"), {"successor": "no-such-dept"}, format="json")
    assert response.status_code == 400 and "successor" in response.json()
    response = client.patch(url("department-detail", code="sy-amr"), {"kind": "nonsense"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()
    assert client.patch(url("department-detail", code="no-such"), {"note": "x"}, format="json").status_code == 404


# --- rules and overrides --------------------------------------------------------------------------


def test_rules_need_authentication():
    assert api().get(url("rule-list")).status_code == 401


def test_rules_show_the_value_in_force_on_a_date(city_admin, county_user):
    client = api(city_admin)
    created = client.post(
        url("rule-override-list"),
        {"rule": "RULE_SAMPLING_REPEAT_6M", "value": 3, "effective_from": "2025-01-01", "reason": "市政府文件"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    change = ObjectChange.objects.get(content_type__model="ruleoverride", object_id=str(created.json()["id"]))
    assert change.actor_id == city_admin.pk and change.source == "api"
    staff = api(county_user)
    before = staff.get(url("rule-detail", name="RULE_SAMPLING_REPEAT_6M"), {"on": "2024-06-01"}).json()
    after = staff.get(url("rule-detail", name="RULE_SAMPLING_REPEAT_6M"), {"on": "2025-06-01"}).json()
    assert (before["value"], before["overridden"]) == (6, False)
    assert (after["value"], after["overridden"]) == (3, True)
    assert [o["effective_from"] for o in after["overrides"]] == ["2025-01-01"]
    listing = staff.get(url("rule-list"), {"on": "2025-06-01", "page_size": 500}).json()
    row = next(r for r in listing["results"] if r["name"] == "RULE_SAMPLING_REPEAT_6M")
    assert row["value"] == 3 and row["default"] == 6


def test_rule_errors(city_admin, county_user):
    client = api(city_admin)
    assert client.get(url("rule-list"), {"on": "2025-13-45"}).json() == {"on": ["日期格式应为 YYYY-MM-DD，收到“2025-13-45”"]}
    assert client.get(url("rule-detail", name="RULE_NONE")).status_code == 404
    bad_value = client.post(
        url("rule-override-list"), {"rule": "RULE_SAMPLING_REPEAT_6M", "value": "六", "effective_from": "2025-01-01", "reason": "x"}, format="json"
    )
    assert bad_value.status_code == 400 and "整数" in bad_value.json()["value"][0]
    bad_rule = client.post(url("rule-override-list"), {"rule": "RULE_NONE", "value": 1, "effective_from": "2025-01-01", "reason": "x"}, format="json")
    assert bad_rule.status_code == 400 and "rule" in bad_rule.json()
    refused = api(county_user).post(
        url("rule-override-list"), {"rule": "RULE_SAMPLING_REPEAT_6M", "value": 3, "effective_from": "2025-01-01", "reason": "x"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["detail"] == "无权新增规则调整"


def test_city_admin_removes_an_override(city_admin):
    client = api(city_admin)
    created = client.post(
        url("rule-override-list"), {"rule": "RULE_SAMPLING_REPEAT_6M", "value": 4, "effective_from": "2026-01-01", "reason": "试行"}, format="json"
    ).json()
    assert client.delete(url("rule-override-detail", pk=created["id"])).status_code == 204
    assert client.get(url("rule-override-detail", pk=created["id"])).status_code == 404


# --- memberships and me ---------------------------------------------------------------------------


def test_memberships_are_scoped_by_region(county_user, other_county_user):
    anonymous = api().get(url("membership-list"))
    assert anonymous.status_code == 401
    theirs = Membership.objects.get(user=other_county_user)
    mine = Membership.objects.get(user=county_user)
    client = api(county_user)
    listed = {m["user"] for m in client.get(url("membership-list")).json()["results"]}
    assert county_user.username in listed and other_county_user.username not in listed
    assert client.get(url("membership-detail", pk=mine.pk)).status_code == 200
    response = client.get(url("membership-detail", pk=theirs.pk))
    assert response.status_code == 404
    assert "不存在或无权查看" in response.json()["detail"]


def test_city_admin_filters_memberships(city_admin, county_user, other_county_user):
    results = api(city_admin).get(url("membership-list"), {"region": "420303"}).json()["results"]
    assert [m["user"] for m in results] == [other_county_user.username]
    assert results[0]["role"] == Role.COUNTY_STAFF and results[0]["role_label"] == "县市区工作人员"


def test_me(department_user):
    assert api().get(url("me")).status_code == 401
    body = api(department_user).get(url("me")).json()
    assert body["username"] == "amr-staff"
    assert body["roles"] == [Role.DEPARTMENT_STAFF]
    assert body["memberships"][0]["department"] == "sy-amr"
    assert body["token"] is None


# --- audit ----------------------------------------------------------------------------------------


def test_change_log_is_for_auditors_and_city_admins(county_user, auditor, city_admin):
    assert api().get(url("object-change-list")).status_code == 401
    refused = api(county_user).get(url("object-change-list"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "仅审计监督人员和市级管理员可查看变更记录"
    assert api(county_user).get(url("change-set-list")).status_code == 403
    assert api(auditor).get(url("object-change-list")).status_code == 200
    assert api(city_admin).get(url("change-set-list")).status_code == 200


def test_change_log_filters(auditor, city_admin):
    api(city_admin).patch(url("department-detail", code="sy-com"), {"note": "筛选测试"}, format="json", HTTP_X_REQUEST_ID="req-filter")
    client = api(auditor)
    by_request = client.get(url("object-change-list"), {"request_id": "req-filter"}).json()["results"]
    assert len(by_request) == 1 and by_request[0]["model"] == "core.department" and by_request[0]["diff"]["note"] == ["", "筛选测试"]
    by_actor = client.get(url("object-change-list"), {"actor": city_admin.pk, "model": "core.department", "action": "update"}).json()
    assert by_actor["count"] == 1
    assert client.get(url("object-change-list"), {"model": "core.user", "action": "update", "request_id": "req-filter"}).json()["count"] == 0
    assert client.get(url("object-change-list"), {"model": "not a label"}).json()["count"] == 0
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    assert client.get(url("object-change-list"), {"since": f"{future}T00:00:00+08:00"}).json()["count"] == 0
    detail = client.get(url("object-change-detail", pk=by_request[0]["id"])).json()
    assert detail["actor"] == city_admin.pk and detail["source"] == "api"


# --- events ---------------------------------------------------------------------------------------


def test_events_are_scoped_by_region(county_user, other_county_user):
    assert api().get(url("event-list")).status_code == 401
    client = api(county_user)
    results = client.get(url("event-list"), {"name": "core.membership_added"}).json()["results"]
    assert [e["payload"]["user"] for e in results] == [county_user.pk]
    assert results[0]["region"] == "420302"
    theirs = DomainEvent.objects.get(name="core.membership_added", payload__user=other_county_user.pk)
    assert client.get(url("event-detail", pk=str(theirs.pk))).status_code == 404
    assert client.get(url("event-detail", pk="not-a-uuid")).status_code == 404


def test_events_can_be_pulled_incrementally(city_admin, county_user, other_county_user):
    client = api(city_admin)
    all_added = client.get(url("event-list"), {"name": "core.", "ordering": "created_at", "page_size": 100}).json()["results"]
    times = [e["created_at"] for e in all_added]
    assert times == sorted(times) and "core.membership_added" in {e["name"] for e in all_added}
    last = all_added[-1]["created_at"]
    newer = client.get(url("event-list"), {"since": last}).json()["results"]
    assert all(e["created_at"] >= last for e in newer) and newer
    assert client.get(url("event-list"), {"enterprise_key": "91350100M000100Y43"}).json()["count"] == 0


def test_department_staff_sees_events_of_its_region(department_user):
    with as_system():
        make_user(Role.COUNTY_STAFF, region_code="420303", username="zw-2")
    names = {e["payload"].get("user") for e in api(department_user).get(url("event-list"), {"page_size": 200}).json()["results"]}
    assert names  # events of the city region (its own membership) …
    assert api(department_user).get(url("event-list"), {"region": "420303"}).json()["count"] >= 1  # … and below it


# --- errors ---------------------------------------------------------------------------------------


def test_errors_are_chinese_by_default():
    assert api().get(url("me")).json()["detail"] == "身份认证信息未提供。"


def test_a_browser_session_without_its_csrf_token_is_refused_in_chinese_saying_what_to_do(city_admin):
    """The pages' own calls use the session and must carry the CSRF token: DRF said
    "CSRF Failed: CSRF token missing."; a token client needs none."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(city_admin)
    response = client.patch(url("department-detail", code="sy-amr"), {"note": "无令牌"}, format="json")
    assert response.status_code == 403 and response.json()["detail"].startswith("CSRF 校验失败：没有 CSRF Cookie。")
    client.get(reverse("core:staff-home"))  # a page sets the cookie; the call still lacks the header
    response = client.patch(url("department-detail", code="sy-amr"), {"note": "无令牌"}, format="json")
    detail = response.json()["detail"]
    assert response.status_code == 403 and detail.startswith("CSRF 校验失败：请求缺少 CSRF 令牌（X-CSRFToken 请求头）。")
    assert "Authorization: Bearer" in detail and "CSRF Failed" not in detail
    assert token_client(city_admin).patch(url("department-detail", code="sy-amr"), {"note": "令牌"}, format="json").status_code == 200


def test_a_nul_character_in_a_text_field_is_refused_in_plain_chinese(city_admin):
    """DRF's own Chinese for it reads "不允许是用空字符串" (an empty string, misspelt): our catalogue corrects it."""
    response = api(city_admin).patch(url("department-detail", code="sy-amr"), {"note": "a\x00b"}, format="json")
    assert response.status_code == 400 and response.json()["note"] == ["不能包含空字符（\\0）。"]
