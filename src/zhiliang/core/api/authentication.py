"""Token authentication for machine clients (CORE.md "Tokens and service accounts").

``Authorization: Bearer zl_…`` (or ``Token zl_…``).  The token is looked up by
its SHA-256; expired or revoked tokens and inactive users are refused.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式错误：应为 “Bearer <令牌>”"))
        from ..models import APIToken
        from ..services import hash_token

        plaintext = header[1].decode(errors="replace")
        token = APIToken.objects.select_related("user").filter(key_hash=hash_token(plaintext)).first()
        now = timezone.now()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效"))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("令牌已吊销"))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("令牌已过期"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌所属用户已停用"))
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
