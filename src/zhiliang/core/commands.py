"""What every operator command shares (STYLE.md §8): ``--actor``, ``--reason``,
``--dry-run``, and an audit context whose service errors become readable
command errors."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from .audit import SYSTEM, audit_context
from .choices import ChangeSource


def add_audit_arguments(parser, *, dry_run: bool = False) -> None:
    parser.add_argument("--actor", help="以哪个用户的名义操作（用户名）；缺省为“系统”")
    parser.add_argument("--reason", help="操作原因，记入变更记录")
    if dry_run:
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")


def resolve_actor(username: str | None):
    from .models import User

    if not username:
        return SYSTEM
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--actor：用户“{username}”不存在")
    return user


def validation_message(exc: ValidationError) -> str:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    return "；".join(f"{k + '：' if k else ''}{'，'.join(v)}" for k, v in details.items())


@contextmanager
def command_context(options, default_reason: str, *, error_prefix: str = ""):
    """The command's audit context (``--actor``/``--reason``); a service's
    ValidationError or PermissionDenied ends the command with its message."""
    actor = resolve_actor(options.get("actor"))
    try:
        with audit_context(actor=actor, reason=options.get("reason") or default_reason, source=ChangeSource.COMMAND):
            yield actor
    except ValidationError as exc:
        raise CommandError(error_prefix + validation_message(exc)) from None
    except PermissionDenied as exc:
        raise CommandError(f"无权操作：{exc}") from None
