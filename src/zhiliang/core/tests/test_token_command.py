"""``zhiliang token issue|list|revoke`` and ``zhiliang serviceaccount create``."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from zhiliang.core.choices import Role
from zhiliang.core.models import APIToken, Membership, ObjectChange, User

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def me(plaintext):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client.get("/api/v1/me/")


def test_issue_prints_the_plaintext_once_and_it_works(county_user):
    out, err = run("token", "issue", "--user", county_user.username, "--name", "夜间同步", "--days", "30")
    plaintext = out.strip()
    assert plaintext.startswith("zl_")
    assert "只读" in err and "只显示这一次" in err
    token = APIToken.objects.get(user=county_user)
    assert token.read_only and token.name == "夜间同步" and plaintext not in token.key_hash
    assert me(plaintext).status_code == 200
    change = ObjectChange.objects.get(content_type__model="apitoken", object_id=str(token.pk))
    assert change.source == "command" and change.actor_id is None and change.reason == "命令行签发令牌：夜间同步"


def test_issue_a_write_token_as_an_actor_with_a_reason(city_admin, county_user):
    run("token", "issue", "--user", county_user.username, "--name", "可写", "--write", "--actor", city_admin.username, "--reason", "工单 42")
    token = APIToken.objects.get(user=county_user)
    assert token.read_only is False
    change = ObjectChange.objects.get(content_type__model="apitoken", object_id=str(token.pk))
    assert change.actor_id == city_admin.pk and change.reason == "工单 42"


def test_issue_refuses_bad_input(county_user, other_county_user, settings):
    with pytest.raises(CommandError, match="有效期"):
        run("token", "issue", "--user", county_user.username, "--name", "x", "--days", str(settings.API_TOKEN_MAX_DAYS + 1))
    with pytest.raises(CommandError, match="--user"):
        run("token", "issue", "--user", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="--actor"):
        run("token", "issue", "--user", county_user.username, "--name", "x", "--actor", "nobody")
    # a county user may not issue tokens for someone else
    with pytest.raises(CommandError, match="无权"):
        run("token", "issue", "--user", other_county_user.username, "--name", "x", "--actor", county_user.username)
    assert not APIToken.objects.exists()


def test_list_and_revoke(county_user, other_county_user):
    plaintext = run("token", "issue", "--user", county_user.username, "--name", "甲")[0].strip()
    run("token", "issue", "--user", other_county_user.username, "--name", "乙")
    out, _ = run("token", "list")
    assert "甲" in out and "乙" in out and plaintext not in out
    out, _ = run("token", "list", "--user", county_user.username)
    assert "甲" in out and "乙" not in out
    token = APIToken.objects.get(name="甲")
    out, _ = run("token", "revoke", str(token.pk), "--reason", "泄露")
    assert "已吊销" in out
    assert me(plaintext).status_code == 401
    out, _ = run("token", "list", "--user", county_user.username)
    assert out.strip() == "没有令牌。"
    out, _ = run("token", "list", "--user", county_user.username, "--all")
    assert "已吊销" in out
    with pytest.raises(CommandError, match="不存在"):
        run("token", "revoke", "999999")


def test_serviceaccount_create(db):
    out, _ = run(
        "serviceaccount", "create", "amr-sync", "--description", "市场监管局数据同步（联系人：信息科）",
        "--role", Role.DEPARTMENT_STAFF, "--department", "sy-amr",
    )
    assert "zhiliang token issue --user amr-sync" in out
    robot = User.objects.get(username="amr-sync")
    assert robot.is_service_account and not robot.has_usable_password()
    membership = Membership.objects.get(user=robot)
    assert membership.department.code == "sy-amr" and membership.region.code == "420300"
    plaintext = run("token", "issue", "--user", "amr-sync", "--name", "同步")[0].strip()
    body = me(plaintext).json()
    assert body["is_service_account"] is True and body["roles"] == [Role.DEPARTMENT_STAFF]


def test_serviceaccount_create_refuses_bad_input(db):
    with pytest.raises(CommandError, match="--department"):
        run("serviceaccount", "create", "x-sync", "--description", "d", "--role", Role.DEPARTMENT_STAFF, "--department", "nope")
    with pytest.raises(CommandError, match="department"):
        run("serviceaccount", "create", "x-sync", "--description", "d", "--role", Role.DEPARTMENT_STAFF)
    assert not User.objects.filter(username="x-sync").exists()
