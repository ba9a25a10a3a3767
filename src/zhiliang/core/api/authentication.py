"""Token authentication for machine clients (CORE.md "Tokens and service accounts").

``Authorization: Bearer zl_…`` (or ``Token zl_…``).  The token is looked up by
its SHA-256; expired or revoked tokens and inactive users are refused with
401 and a message saying which.  ``last_used_at`` is written at most once a
minute per token (it is exempt from the change log).

Who may sign in to the *web UI* is decided by
:func:`zhiliang.core.accounts.can_log_in` (service accounts may not).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

TOKEN_PREFIX = "zl_"
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)

FORMAT_MESSAGE = "令牌格式错误：请求头应为“Authorization: Bearer zl_…”"


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(FORMAT_MESSAGE)
        plaintext = header[1].decode(errors="replace")
        if not plaintext.startswith(TOKEN_PREFIX) or not plaintext.isascii() or len(plaintext) > 200:
            raise exceptions.AuthenticationFailed(FORMAT_MESSAGE)
        from ..models import APIToken
        from ..services import hash_token

        token = APIToken.objects.select_related("user").filter(key_hash=hash_token(plaintext)).first()
        now = timezone.now()
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效：未找到此令牌，请检查是否完整复制")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                f"令牌“{token.name}”（{token.prefix}…）已于 {timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M} 吊销"
            )
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                f"令牌“{token.name}”（{token.prefix}…）已于 {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M} 过期，请重新申请"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(f"令牌所属用户“{token.user.get_username()}”已停用")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            APIToken.objects.filter(pk=token.pk).update(last_used_at=now)  # audit-exempt field
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


#: Django's CSRF refusals, as the API says them
CSRF_REASONS = {
    "CSRF token missing.": "请求缺少 CSRF 令牌（X-CSRFToken 请求头）",
    "CSRF token incorrect.": "CSRF 令牌不正确",
    "CSRF cookie not set.": "没有 CSRF Cookie",
    "Referer checking failed - no Referer.": "HTTPS 请求缺少 Referer 请求头",
}


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser's session (the pages' own calls), with CSRF checked as DRF does —
    refused in Chinese, saying what to do (DRF says "CSRF Failed: CSRF token missing.")."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            reason = str(exc.detail).removeprefix("CSRF Failed: ")
            said = CSRF_REASONS.get(reason) or ("来源（Origin/Referer）与本站不符" if "checking failed" in reason else reason)
            raise exceptions.PermissionDenied(
                f"CSRF 校验失败：{said}。浏览器中请刷新页面后重试；其他系统请用接口令牌（Authorization: Bearer zl_…）") from None


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes :class:`TokenAuthentication` in the OpenAPI schema."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "接口令牌：Authorization: Bearer zl_…（由 zhiliang token issue 或 /api/v1/tokens/ 签发）",
        }


class SessionAuthenticationScheme(SessionScheme):
    """Describes :class:`SessionAuthentication` as DRF's own (``cookieAuth``)."""

    target_class = SessionAuthentication
    priority = 0
