"""Who may sign in to the web UI (CORE.md "Tokens and service accounts").

A service account (``User.is_service_account``: another department's system,
an e-commerce platform) only ever uses API tokens: it never signs in to the
web UI, even if someone gave it a password.  :func:`can_log_in` is the one
place that decides; :class:`AccountBackend` applies it to every password
login and to every existing session.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


def can_log_in(user) -> bool:
    """True if ``user`` may sign in to the web UI (active and not a service account)."""
    if user is None:
        return False
    return bool(getattr(user, "is_active", False)) and not getattr(user, "is_service_account", False)


LOGIN_REFUSED_MESSAGE = "服务账号只能通过接口令牌访问，不能登录网页。"


class AccountBackend(ModelBackend):
    """Django's model backend, refusing service accounts (and inactive users).

    ``user_can_authenticate`` is consulted both by ``authenticate()`` (password
    login) and by ``get_user()`` (each request of an existing session), so a
    service account neither signs in nor keeps a session.
    """

    def user_can_authenticate(self, user) -> bool:
        return can_log_in(user)
