"""core's pages: who may open them, what they show, what their forms write."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhiliang.core import services
from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import ChangeAction
from zhiliang.core.models import Department, DomainEvent, ObjectChange, RuleOverride
from zhiliang.testing.fixtures import as_system

pytestmark = pytest.mark.django_db

PASSWORD = "test-pass-123456"
RULE = "RULE_SAMPLING_REPEAT_6M"

STAFF_PAGES = ["core:staff-home", "core:rules", "core:departments", "core:audit", "core:changesets", "core:users"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


# --- anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_redirect_anonymous_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('core:login')}?next={url}"


def test_public_home_shows_search_box(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/search/"' in html and 'name="q"' in html
    assert "质量十堰 · 诚信十堰" in html
    assert '<html lang="zh-Hans">' in html


def test_public_search_finds_public_departments(client):
    response = client.get("/search/", {"q": "市场监督"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "十堰市市场监督管理局" in html
    assert "条结果" in html


def test_public_search_too_short_query_says_why(client):
    response = client.get("/search/", {"q": "市"})
    assert response.status_code == 200
    assert "请至少输入两个字" in response.content.decode()


def test_public_search_is_throttled_per_ip(client, settings):
    settings.PUBLIC_QUERY_RATE = "3/d"  # a day-long window: a minute window can roll over mid-test
    codes = [client.get("/search/", {"q": "十堰"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/search/", {"q": "十堰"})
    assert "请求过于频繁" in response.content.decode()
    # another address is not affected
    assert client.get("/search/", {"q": "十堰"}, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_a_made_up_forwarded_for_header_does_not_reset_the_limit(client, settings):
    settings.PUBLIC_QUERY_RATE = "3/d"
    codes = [client.get("/search/", {"q": "十堰"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_behind_the_deployments_proxy_the_address_it_appended_is_the_clients(client, settings):
    """With one trusted proxy the last X-Forwarded-For entry is the client; what the client put
    before it does not count — for the pages' limits and the API's throttles alike."""
    from django.test import RequestFactory
    from rest_framework.throttling import AnonRateThrottle

    from zhiliang.core.views import client_ip

    settings.PUBLIC_QUERY_RATE = "2/d"
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    codes = [client.get("/search/", {"q": "十堰"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7", **proxy).status_code for i in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/search/", {"q": "十堰"}, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy).status_code == 200
    request = RequestFactory().get("/api/v1/credit/measures/", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy)
    assert client_ip(request) == AnonRateThrottle().get_ident(request) == "203.0.113.7"
    settings.TRUSTED_PROXIES = 0
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert client_ip(request) == AnonRateThrottle().get_ident(request) == "10.0.0.1"
    del request.META["REMOTE_ADDR"]  # a server on a Unix socket
    assert client_ip(request) == "unknown"


def test_signed_in_staff_are_counted_per_account_not_by_their_offices_address(client, county_user, department_user, settings):
    """A county office's staff share one address: on the public pages each signed-in user is
    counted by account at its own rate, and their browsing leaves the visitors' quota of that
    address untouched."""
    settings.PUBLIC_QUERY_RATE = "2/d"  # day-long windows: a minute window can roll over mid-test
    settings.SIGNED_IN_QUERY_RATE = "4/d"
    client.force_login(county_user)
    assert [client.get("/search/", {"q": "十堰"}).status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    colleague = Client()  # same address (the test client's 127.0.0.1)
    colleague.force_login(department_user)
    assert colleague.get("/search/", {"q": "十堰"}).status_code == 200
    visitor = Client()
    assert [visitor.get("/search/", {"q": "十堰"}).status_code for _ in range(3)] == [200, 200, 429]


# --- login ------------------------------------------------------------------------------------------


def test_a_form_posted_without_its_csrf_token_gets_the_sites_page_saying_what_to_do(county_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_user)
    response = client.post(reverse("core:logout"))
    html = response.content.decode()
    assert response.status_code == 403 and 'id="csrf-failure"' in html and "刷新后重新填写并提交" in html
    assert "DEBUG" not in html and '<html lang="en"' not in html


def test_login_redirects_to_staff_home(client, county_user):
    response = client.post(reverse("core:login"), {"username": county_user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:staff-home")
    assert client.get(reverse("core:staff-home")).status_code == 200


def test_login_wrong_password_shows_chinese_error(client, county_user):
    response = client.post(reverse("core:login"), {"username": county_user.username, "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_refuses_service_account(client):
    with as_system():
        account = services.create_user(actor=SYSTEM, username="platform-bot", is_service_account=True)
        account.set_password(PASSWORD)  # even with a password it may not sign in
        account.save()
    response = client.post(reverse("core:login"), {"username": "platform-bot", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_is_throttled_per_username(client, county_user, settings):
    settings.LOGIN_RATE = "3/d"  # a day-long window: a minute window can roll over mid-test
    url = reverse("core:login")
    codes = [
        client.post(url, {"username": county_user.username, "password": "wrong"}, REMOTE_ADDR=f"10.0.1.{i}").status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    # even the right password is refused while the limit holds
    response = client.post(url, {"username": county_user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.1.99")
    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode()


def test_login_is_throttled_per_ip(client, settings):
    settings.LOGIN_RATE = "3/d"  # a day-long window: a minute window can roll over mid-test
    url = reverse("core:login")
    codes = [client.post(url, {"username": f"guess-{i}", "password": "x"}).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    # the login page itself (GET) is not counted
    assert client.get(url).status_code == 200


def test_logout_needs_post_and_csrf(county_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_user)
    assert client.get(reverse("core:logout")).status_code == 405
    assert client.post(reverse("core:logout")).status_code == 403
    page = client.get(reverse("core:staff-home")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("core:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get(reverse("core:staff-home")).status_code == 302


# --- staff home and menus --------------------------------------------------------------------------


def test_staff_home_shows_role_region_and_menu(county_user):
    html = client_for(county_user).get(reverse("core:staff-home")).content.decode()
    assert "县市区工作人员" in html and "茅箭区" in html
    assert "规则管理" not in html and "变更记录" not in html


def test_city_admin_menu_has_admin_entries(city_admin):
    html = client_for(city_admin).get(reverse("core:staff-home")).content.decode()
    for label, url in [("规则管理", "/staff/admin/rules/"), ("部门管理", "/staff/admin/departments/"), ("变更记录", "/staff/audit/")]:
        assert label in html and f'href="{url}"' in html


def test_auditor_menu_has_audit_but_not_admin(auditor):
    html = client_for(auditor).get(reverse("core:staff-home")).content.decode()
    assert "变更记录" in html
    assert "规则管理" not in html and "部门管理" not in html


def test_body_sends_csrf_token_to_htmx(county_user):
    html = client_for(county_user).get(reverse("core:staff-home")).content.decode()
    assert re.search(r"""hx-headers='\{"X-CSRFToken": "[A-Za-z0-9]{32,}"\}'""", html)
    assert "/static/vendor/htmx.min.js" in html


# --- rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["county_user", "department_user", "auditor"])
def test_rules_page_refused_without_permission(request, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(reverse("core:rules")).status_code == 403


def test_rules_page_lists_rules_with_default_and_source(city_admin):
    response = client_for(city_admin).get(reverse("core:rules"))
    assert response.status_code == 200
    html = response.content.decode()
    assert RULE in html and "同一产品6个月内不得重复抽查" in html
    from zhiliang.core import rules

    assert rules.get(RULE).source in html
    # every registered rule is listed, under its group
    for rule in rules.all_rules():
        assert f'id="{rule.name}"' in html
        assert f"<h2>{rule.group}</h2>" in html
    assert "缺省值" in html


def test_city_admin_adds_override_and_sees_it(city_admin):
    client = client_for(city_admin)
    response = client.post(
        reverse("core:rules"),
        {"rule": RULE, "value": "8", "effective_from": tomorrow().isoformat(), "reason": "市局2026年第3号文"},
    )
    assert response.status_code == 302
    override = RuleOverride.objects.get(rule=RULE)
    assert override.value == 8 and override.reason == "市局2026年第3号文"
    change = ObjectChange.objects.get(content_type__model="ruleoverride", object_id=str(override.pk))
    assert change.action == ChangeAction.CREATE and change.actor_id == city_admin.pk
    assert "市局2026年第3号文" in change.reason
    assert DomainEvent.objects.filter(name="core.rule_overridden").exists()
    html = client.get(reverse("core:rules")).content.decode()
    assert "尚未生效" in html and "市局2026年第3号文" in html


def test_rule_override_form_shows_errors_next_to_fields(city_admin):
    response = client_for(city_admin).post(
        reverse("core:rules"), {"rule": RULE, "value": "六", "effective_from": "2026-13-40", "reason": " "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "取值须为整数" in html
    assert "生效日期格式应为" in html
    assert "请填写调整依据" in html
    assert not RuleOverride.objects.exists()


def test_rule_override_out_of_range_is_refused(city_admin):
    response = client_for(city_admin).post(
        reverse("core:rules"), {"rule": RULE, "value": "99", "effective_from": tomorrow().isoformat(), "reason": "试"}
    )
    assert response.status_code == 400
    assert "不能大于 24" in response.content.decode()


def test_auditor_cannot_post_override(auditor):
    response = client_for(auditor).post(
        reverse("core:rules"), {"rule": RULE, "value": "8", "effective_from": tomorrow().isoformat(), "reason": "试"}
    )
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    assert not RuleOverride.objects.exists()


def test_remove_future_override_but_not_one_in_force(city_admin):
    with as_system():
        future = services.set_rule_override(actor=SYSTEM, rule=RULE, value=7, effective_from=tomorrow(), reason="将来")
        past = services.set_rule_override(actor=SYSTEM, rule=RULE, value=5, effective_from=datetime.date(2020, 1, 1), reason="过去")
    client = client_for(city_admin)
    assert client.post(reverse("core:rule-override-remove", args=[future.pk])).status_code == 302
    assert not RuleOverride.objects.filter(pk=future.pk).exists()
    assert ObjectChange.objects.filter(content_type__model="ruleoverride", object_id=str(future.pk), action="delete").exists()
    response = client.post(reverse("core:rule-override-remove", args=[past.pk]), follow=True)
    assert RuleOverride.objects.filter(pk=past.pk).exists()
    assert "只能删除尚未生效的规则调整" in response.content.decode()


def test_csrf_enforced_on_rule_override(city_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city_admin)
    data = {"rule": RULE, "value": "8", "effective_from": tomorrow().isoformat(), "reason": "试"}
    assert client.post(reverse("core:rules"), data).status_code == 403
    assert not RuleOverride.objects.exists()
    page = client.get(reverse("core:rules")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(reverse("core:rules"), {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert RuleOverride.objects.filter(rule=RULE).count() == 1


# --- departments -----------------------------------------------------------------------------------


def test_departments_page_shows_lineage(city_admin):
    response = client_for(city_admin).get(reverse("core:departments"))
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'<tr id="dept-sy-amr">.*?</tr>', html, re.S).group(0)
    assert "市工商局" in row and "市质监局" in row and "市食药监局" in row
    qts = re.search(r'<tr id="dept-sy-qts">.*?</tr>', html, re.S).group(0)
    assert "2019-01-27" in qts and "市市场监管局" in qts and "已撤销" in qts


@pytest.mark.parametrize("who", ["county_user", "auditor"])
def test_departments_refused_without_permission(request, who):
    user = request.getfixturevalue(who)
    dept = Department.objects.get(code="sy-com")
    client = client_for(user)
    assert client.get(reverse("core:departments")).status_code == 403
    assert client.get(reverse("core:department-edit", args=[dept.pk])).status_code == 403
    assert client.post(reverse("core:department-edit", args=[dept.pk]), {"name": "x"}).status_code == 403


def test_city_admin_edits_department(city_admin):
    dept = Department.objects.get(code="sy-com")
    client = client_for(city_admin)
    form = client.get(reverse("core:department-edit", args=[dept.pk]))
    assert form.status_code == 200 and "十堰市商务局" in form.content.decode()
    data = {"name": "十堰市商务局", "short_name": "市商务局（新）", "kind": "government", "uscc": "", "valid_from": "",
            "valid_to": "", "successor": "", "is_responsible_unit": "on", "note": "更名"}
    response = client.post(reverse("core:department-edit", args=[dept.pk]), data)
    assert response.status_code == 302
    dept.refresh_from_db()
    assert dept.short_name == "市商务局（新）" and dept.note == "更名"
    change = ObjectChange.objects.filter(content_type__model="department", object_id=str(dept.pk)).latest("id")
    assert set(change.diff) == {"short_name", "note"}
    assert change.actor_id == city_admin.pk


def test_department_edit_refuses_cycle_and_bad_dates(city_admin):
    amr = Department.objects.get(code="sy-amr")
    qts = Department.objects.get(code="sy-qts")
    data = {"name": amr.name, "short_name": amr.short_name, "kind": amr.kind, "uscc": "", "valid_from": "2019-01-28",
            "valid_to": "2018-01-01", "successor": str(qts.pk), "is_responsible_unit": "", "note": ""}
    response = client_for(city_admin).post(reverse("core:department-edit", args=[amr.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "撤销日期不能早于设立日期" in html
    assert "承继关系不能形成循环" in html
    amr.refresh_from_db()
    assert amr.successor_id is None


# --- audit ----------------------------------------------------------------------------------------------


@pytest.fixture
def some_changes(city_admin):
    with as_system("测试变更"):
        services.set_rule_override(actor=SYSTEM, rule=RULE, value=9, effective_from=tomorrow(), reason="审计测试")
        dept = Department.objects.get(code="sy-com")
        services.update_department(actor=SYSTEM, department=dept, note="审计备注")
    return dept


def test_auditor_sees_audit_log_and_filters(auditor, some_changes):
    client = client_for(auditor)
    response = client.get(reverse("core:audit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "规则调整" in html and "十堰市商务局" in html
    filtered = client.get(reverse("core:audit"), {"model": "core.ruleoverride"}).content.decode()
    assert "core.ruleoverride" in filtered and "十堰市商务局</td>" not in filtered
    by_action = client.get(reverse("core:audit"), {"action": "update", "model": "core.department"}).content.decode()
    assert "十堰市商务局" in by_action
    by_actor = client.get(reverse("core:audit"), {"actor_name": "没有这个人"}).content.decode()
    assert "没有符合条件的变更记录" in by_actor


def test_audit_filter_errors_are_shown_not_ignored(auditor, some_changes):
    response = client_for(auditor).get(reverse("core:audit"), {"date_from": "2026-05-01", "date_to": "2026-04-01", "model": "x.y"})
    html = response.content.decode()
    assert "截止日期不能早于起始日期" in html
    assert "未知的对象类型" in html
    assert "没有符合条件的变更记录" in html


def test_audit_filter_by_date_and_request_id(auditor, some_changes):
    change = ObjectChange.objects.filter(content_type__model="department").latest("id")
    client = client_for(auditor)
    today = timezone.localdate().isoformat()
    html = client.get(reverse("core:audit"), {"date_from": today, "date_to": today, "request_id": change.request_id}).content.decode()
    assert reverse("core:audit-detail", args=[change.pk]) in html
    html = client.get(reverse("core:audit"), {"date_to": "2000-01-01"}).content.decode()
    assert "没有符合条件的变更记录" in html


def test_audit_detail_shows_before_after_diff(auditor, some_changes):
    change = ObjectChange.objects.filter(content_type__model="department").latest("id")
    response = client_for(auditor).get(reverse("core:audit-detail", args=[change.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "审计备注" in html and "修改前" in html and "修改后" in html
    assert re.search(r'<tr class="changed">\s*<td>备注 <code', html)


@pytest.mark.parametrize("who", ["county_user", "department_user"])
def test_audit_refused_to_other_staff(request, who, some_changes):
    user = request.getfixturevalue(who)
    change = ObjectChange.objects.latest("id")
    client = client_for(user)
    assert client.get(reverse("core:audit")).status_code == 403
    assert client.get(reverse("core:audit-detail", args=[change.pk])).status_code == 403
    assert client.get(reverse("core:changesets")).status_code == 403


def test_city_admin_sees_audit_log(city_admin, some_changes):
    assert client_for(city_admin).get(reverse("core:audit")).status_code == 200


def test_changesets_list_and_detail(auditor):
    from zhiliang.core.audit import change_set

    with as_system("导入测试"):
        with change_set(kind="import", file_name="departments.csv", file_sha256="ab" * 32, rows=3) as cs:
            dept = Department.objects.get(code="sy-edu")
            services.update_department(actor=SYSTEM, department=dept, note="批量")
    client = client_for(auditor)
    html = client.get(reverse("core:changesets")).content.decode()
    assert "departments.csv" in html
    detail = client.get(reverse("core:changeset-detail", args=[cs.pk])).content.decode()
    assert "ab" * 32 in detail and "十堰市教育局" in detail
    # named for the clerk: the kind and the counts in words, not codes and JSON
    assert "<h1>变更集 %d：导入</h1>" % cs.pk in detail and "<dd>行数 3</dd>" in detail and '{"rows"' not in detail
    with as_system("导入测试"), change_set(kind="import:penalties", file_name="p.csv", total=6, created=5, errors=1) as penalties:
        pass
    html = client.get(reverse("core:changesets")).content.decode()
    assert "<td class=\"nowrap\">导入行政处罚（双公示）</td>" in html and "<div>行数 6</div><div>新增 5</div><div>有错误的行 1</div>" in html and "import:penalties" not in html
    with as_system("演示数据"), change_set(kind="demo", accounts=14, credit_facts=402, samples=1105, something_new=2) as demo:
        pass
    detail = client.get(reverse("core:changeset-detail", args=[demo.pk])).content.decode()
    assert "生成演示数据" in detail and "<dd>账号 14，" in detail and "信用信息 402" in detail and "样品 1105" in detail
    assert "，something_new 2</dd>" in detail  # a count without a name: its key, last (PostgreSQL's jsonb orders keys its own way)
    assert penalties.kind_label == "导入行政处罚（双公示）"


# --- users and personal data -------------------------------------------------------------------------


@pytest.fixture
def person():
    with as_system():
        return services.create_user(actor=SYSTEM, username="zhang-san", display_name="张三", phone="13912345678", password=PASSWORD)


def test_profile_masks_phone_for_city_admin(city_admin, person):
    html = client_for(city_admin).get(reverse("core:user-detail", args=[person.pk])).content.decode()
    assert "*******5678" in html and "13912345678" not in html
    assert "hx-post" not in html  # city admin may not unmask


def test_profile_offers_reveal_to_auditor(auditor, person):
    html = client_for(auditor).get(reverse("core:user-detail", args=[person.pk])).content.decode()
    assert "*******5678" in html and "13912345678" not in html
    assert f'hx-post="/staff/reveal/core.user/{person.pk}/phone/"' in html


def test_county_user_cannot_see_other_profiles(county_user, person, city_admin):
    client = client_for(county_user)
    assert client.get(reverse("core:user-detail", args=[person.pk])).status_code == 404
    own = client.get(reverse("core:user-detail", args=[county_user.pk]))
    assert own.status_code == 200
    assert client.get(reverse("core:users")).status_code == 403
    # so the own page's breadcrumb does not link to the list (it was a 403 behind a link)
    assert f'href="{reverse("core:users")}"' not in own.content.decode()
    assert f'href="{reverse("core:users")}"' in client_for(city_admin).get(reverse("core:user-detail", args=[county_user.pk])).content.decode()


def test_reveal_logs_view_personal(auditor, person):
    response = client_for(auditor).post(reverse("core:reveal", args=["core.user", person.pk, "phone"]))
    assert response.status_code == 200
    assert "13912345678" in response.content.decode()
    log = ObjectChange.objects.get(action=ChangeAction.VIEW_PERSONAL, object_id=str(person.pk))
    assert log.actor_id == auditor.pk and log.after == {"fields": ["phone"]}


def test_reveal_refused_without_permission(city_admin, person):
    response = client_for(city_admin).post(reverse("core:reveal", args=["core.user", person.pk, "phone"]))
    assert response.status_code == 403
    assert "13912345678" not in response.content.decode()
    assert not ObjectChange.objects.filter(action=ChangeAction.VIEW_PERSONAL).exists()


def test_reveal_refuses_other_cases(client, auditor, county_user, person):
    # anonymous
    assert client.post(reverse("core:reveal", args=["core.user", person.pk, "phone"])).status_code == 401
    auditor_client = client_for(auditor)
    # GET is not allowed
    assert auditor_client.get(reverse("core:reveal", args=["core.user", person.pk, "phone"])).status_code == 405
    # not a personal field, unknown model
    assert auditor_client.post(reverse("core:reveal", args=["core.user", person.pk, "username"])).status_code == 404
    assert auditor_client.post(reverse("core:reveal", args=["core.nothing", person.pk, "phone"])).status_code == 404
    # invisible object: 404 before any permission question
    assert client_for(county_user).post(reverse("core:reveal", args=["core.user", person.pk, "phone"])).status_code == 404
    assert not ObjectChange.objects.filter(action=ChangeAction.VIEW_PERSONAL).exists()


def test_reveal_enforces_csrf(auditor, person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    assert client.post(reverse("core:reveal", args=["core.user", person.pk, "phone"])).status_code == 403
    page = client.get(reverse("core:user-detail", args=[person.pk])).content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post(reverse("core:reveal", args=["core.user", person.pk, "phone"]), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_user_list_for_auditor(auditor, person):
    html = client_for(auditor).get(reverse("core:users"), {"q": "张三"}).content.decode()
    assert "zhang-san" in html and "auditor" not in re.sub(r"<header.*?</header>", "", html, flags=re.S)


# --- error pages --------------------------------------------------------------------------------------


def test_404_page_in_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_500_page_renders_without_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "系统错误" in html


# --- no external requests -----------------------------------------------------------------------------


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in {"src", "href", "action", "hx-get", "hx-post", "data", "poster", "srcset"} and value:
                self.urls.append(value)


EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


def external_urls(html: str) -> list[str]:
    parser = _LinkCollector()
    parser.feed(html)
    found = [u for u in parser.urls if EXTERNAL.match(u.strip())]
    found += re.findall(r"url\(\s*['\"]?(?:https?:)?//[^)]+\)", html)
    found += re.findall(r"@import\s+['\"]?(?:https?:)?//", html)
    return found


def test_no_page_loads_anything_from_another_host(client, city_admin, auditor, some_changes):
    change = ObjectChange.objects.latest("id")
    dept = Department.objects.get(code="sy-com")
    anonymous_pages = ["/", "/search/?q=十堰", reverse("core:login"), "/no-such-page/"]
    for url in anonymous_pages:
        html = client.get(url).content.decode()
        assert external_urls(html) == [], url
    admin_pages = [reverse(n) for n in STAFF_PAGES] + [
        reverse("core:department-edit", args=[dept.pk]),
        reverse("core:user-detail", args=[city_admin.pk]),
    ]
    auditor_pages = [reverse("core:audit-detail", args=[change.pk]), reverse("core:user-detail", args=[city_admin.pk])]
    for user, pages in ((city_admin, admin_pages), (auditor, auditor_pages)):
        c = client_for(user)
        for url in pages:
            response = c.get(url)
            assert response.status_code == 200, url
            assert external_urls(response.content.decode()) == [], url


def test_own_css_loads_no_external_resources():
    from django.contrib.staticfiles import finders

    css = open(finders.find("core/zhiliang.css"), encoding="utf-8").read()
    assert "@import" not in css
    assert not re.search(r"url\(", css)


def test_vendored_assets_match_vendor_md():
    import hashlib

    from django.contrib.staticfiles import finders

    listing = open(finders.find("vendor/VENDOR.md"), encoding="utf-8").read()
    for name in ("htmx.min.js", "echarts.min.js"):
        data = open(finders.find(f"vendor/{name}"), "rb").read()
        digest = hashlib.sha256(data).hexdigest()
        assert re.search(rf"`{re.escape(name)}`.*`{digest}`", listing), f"{name}: SHA-256 {digest} not in VENDOR.md"
        assert b"sourceMappingURL" not in data


def test_amounts_are_shown_without_the_trailing_zeros_of_their_column():
    from decimal import Decimal

    from zhiliang.core.templatetags.zl import amount

    assert [amount(Decimal(v)) for v in ("0.900000", "5.000000", "10.000000", "12.345600")] == ["0.9", "5", "10", "12.3456"]
    assert amount(None) == ""
