"""API tokens (CORE.md "Tokens and service accounts"): hashed, expiring,
read-only option, bound to a user or a service account; 401 with a clear
message when expired, revoked, malformed or the user is inactive; service
accounts cannot sign in to the web UI; the /api/v1/tokens/ endpoints."""

import datetime
import hashlib

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zhiliang.core import services
from zhiliang.core.accounts import can_log_in
from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.models import APIToken, ObjectChange
from zhiliang.testing.fixtures import as_system

pytestmark = pytest.mark.django_db

ME = reverse("v1:me")
TOKENS = reverse("v1:token-list")


def issue(user, *, read_only=True, days=30, name="测试令牌"):
    with as_system():
        return services.issue_token(actor=SYSTEM, user=user, name=name, read_only=read_only, days=days)


def client_with(plaintext):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def test_token_is_stored_hashed_and_authenticates(county_user):
    token, plaintext = issue(county_user)
    assert plaintext.startswith("zl_") and len(plaintext) > 40
    assert token.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert not APIToken.objects.filter(key_hash=plaintext).exists()
    assert token.prefix == plaintext[:8]
    response = client_with(plaintext).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == county_user.username
    assert response.json()["token"] == {"id": token.pk, "name": "测试令牌", "read_only": True, "expires_at": response.json()["token"]["expires_at"]}
    # "Token" works as the keyword too
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {plaintext}")
    assert other.get(ME).status_code == 200


def test_expired_token_is_refused_with_401(county_user):
    token, plaintext = issue(county_user)
    now = timezone.now()
    with as_system():  # age the token: created 40 days ago, expired yesterday
        APIToken.objects.filter(pk=token.pk).update(created_at=now - datetime.timedelta(days=40), expires_at=now - datetime.timedelta(days=1))
    response = client_with(plaintext).get(ME)
    assert response.status_code == 401
    assert "已" in response.json()["detail"] and "过期" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_refused_with_401(county_user):
    token, plaintext = issue(county_user)
    with as_system():
        services.revoke_token(actor=SYSTEM, token=token)
    response = client_with(plaintext).get(ME)
    assert response.status_code == 401
    assert "吊销" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer not-a-zhiliang-token", "Bearer zl_wrong"],
    ids=["missing", "three-parts", "no-prefix", "unknown"],
)
def test_malformed_or_unknown_token_is_refused_with_401(county_user, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


def test_inactive_users_token_is_refused(county_user):
    _, plaintext = issue(county_user)
    with as_system():
        county_user.is_active = False
        county_user.save()
    response = client_with(plaintext).get(ME)
    assert response.status_code == 401
    assert "停用" in response.json()["detail"]


def test_read_only_token_cannot_write(city_admin):
    _, plaintext = issue(city_admin, read_only=True)
    url = reverse("v1:department-detail", kwargs={"code": "sy-amr"})
    response = client_with(plaintext).patch(url, {"note": "只读令牌试图修改"}, format="json")
    assert response.status_code == 403
    assert "只读令牌" in response.json()["detail"]
    assert client_with(plaintext).get(url).status_code == 200


def test_write_token_can_write(city_admin):
    _, plaintext = issue(city_admin, read_only=False)
    url = reverse("v1:department-detail", kwargs={"code": "sy-amr"})
    response = client_with(plaintext).patch(url, {"note": "可写令牌修改"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["note"] == "可写令牌修改"


def test_last_used_at_is_written_at_most_once_a_minute(county_user):
    token, plaintext = issue(county_user)
    assert token.last_used_at is None
    client = client_with(plaintext)
    client.get(ME)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    recent = timezone.now() - datetime.timedelta(seconds=30)
    APIToken.objects.filter(pk=token.pk).update(last_used_at=recent)  # audit-exempt field
    client.get(ME)
    token.refresh_from_db()
    assert token.last_used_at == recent  # used again within the minute: not rewritten
    old = timezone.now() - datetime.timedelta(minutes=5)
    APIToken.objects.filter(pk=token.pk).update(last_used_at=old)
    client.get(ME)
    token.refresh_from_db()
    assert token.last_used_at > old
    # the usage stamp does not fill the change log
    assert not ObjectChange.objects.filter(content_type__model="apitoken", object_id=str(token.pk), action="update").exists()


def test_security_fields_cannot_change_after_creation(county_user):
    token, _ = issue(county_user, read_only=True)
    with as_system(), pytest.raises(ValueError, match="安全字段"):
        token.read_only = False
        token.save()


def test_token_lifetime_is_capped(county_user, settings):
    with as_system(), pytest.raises(Exception, match="有效期"):
        services.issue_token(actor=SYSTEM, user=county_user, name="太长", days=settings.API_TOKEN_MAX_DAYS + 1)


# --- service accounts -------------------------------------------------------------------------


def make_service_account(password=None):
    with as_system():
        user = services.create_user(actor=SYSTEM, username="amr-sync", is_service_account=True, service_description="市场监管局数据同步")
        services.add_membership(actor=SYSTEM, user=user, role=Role.DEPARTMENT_STAFF, department=services.Department.objects.get(code="sy-amr"))
        if password:  # even if someone gives it a password
            user.set_password(password)
            user.save()
    return user


def test_service_account_uses_tokens_but_cannot_sign_in_to_the_web_ui(client):
    robot = make_service_account(password="a-long-password-123")
    assert not can_log_in(robot)
    # the web login (every password login goes through the authentication backend)
    assert authenticate(username="amr-sync", password="a-long-password-123") is None
    assert client.login(username="amr-sync", password="a-long-password-123") is False
    assert "_auth_user_id" not in client.session
    # a session forced on it does not authenticate either
    client.force_login(robot)
    assert client.get(ME).status_code in (401, 403)
    _, plaintext = issue(robot)
    response = client_with(plaintext).get(ME)
    assert response.status_code == 200
    assert response.json()["is_service_account"] is True
    assert response.json()["roles"] == [Role.DEPARTMENT_STAFF]


def test_people_can_log_in(county_user, client):
    assert can_log_in(county_user)
    assert client.login(username=county_user.username, password="test-pass-123456") is True


# --- /api/v1/tokens/ ---------------------------------------------------------------------------


def session_client(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_create_token_returns_plaintext_once_and_lists_only_mine(county_user, other_county_user):
    client = session_client(county_user)
    response = client.post(TOKENS, {"name": "我的脚本", "days": 10}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    plaintext = body["token"]
    assert plaintext.startswith("zl_") and body["read_only"] is True and body["is_active"] is True
    issue(other_county_user, name="别人的令牌")
    listing = client.get(TOKENS).json()
    assert [t["name"] for t in listing["results"]] == ["我的脚本"]
    assert "token" not in listing["results"][0] and "key_hash" not in listing["results"][0]
    detail = client.get(reverse("v1:token-detail", kwargs={"pk": body["id"]})).json()
    assert "token" not in detail
    assert client_with(plaintext).get(ME).json()["username"] == county_user.username


def test_create_token_validates_days_by_field(county_user, settings):
    response = session_client(county_user).post(TOKENS, {"name": "x", "days": settings.API_TOKEN_MAX_DAYS + 1}, format="json")
    assert response.status_code == 400
    assert "days" in response.json()


def test_a_token_cannot_mint_tokens(city_admin):
    _, plaintext = issue(city_admin, read_only=False)
    response = client_with(plaintext).post(TOKENS, {"name": "再签一个"}, format="json")
    assert response.status_code == 403
    assert "zhiliang token issue" in response.json()["detail"]


def test_revoke_my_token_but_not_someone_elses(county_user, other_county_user):
    mine, plaintext = issue(county_user)
    theirs, _ = issue(other_county_user)
    client = session_client(county_user)
    response = client.post(reverse("v1:token-revoke", kwargs={"pk": mine.pk}))
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None and response.json()["is_active"] is False
    assert client_with(plaintext).get(ME).status_code == 401
    assert client.post(reverse("v1:token-revoke", kwargs={"pk": theirs.pk})).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    change = ObjectChange.objects.filter(object_id=str(mine.pk), content_type__model="apitoken", action="update").get()
    assert change.actor_id == county_user.pk and change.source == "api"


def test_tokens_cannot_be_edited_through_the_api(county_user):
    token, _ = issue(county_user)
    client = session_client(county_user)
    url = reverse("v1:token-detail", kwargs={"pk": token.pk})
    assert client.patch(url, {"read_only": False}, format="json").status_code == 405
    assert client.put(url, {"read_only": False}, format="json").status_code == 405
    assert client.delete(url).status_code == 405


def test_tokens_need_authentication():
    assert APIClient().get(TOKENS).status_code == 401
