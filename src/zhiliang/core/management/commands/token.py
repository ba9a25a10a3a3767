"""``zhiliang token issue|list|revoke`` — API tokens for users and service accounts."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhiliang.core.commands import add_audit_arguments, command_context


def get_user(username: str):
    from zhiliang.core.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--user：用户“{username}”不存在")
    return user


class Command(BaseCommand):
    help = "接口令牌：签发（明文只显示一次）、列出、吊销 (API tokens: issue, list, revoke)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, title="子命令")
        issue = sub.add_parser("issue", help="签发令牌（明文只显示一次）")
        issue.add_argument("--user", required=True, help="令牌所属用户或服务账号（用户名）")
        issue.add_argument("--name", required=True, help="令牌名称（用途）")
        issue.add_argument("--days", type=int, default=90, help=f"有效天数（1–{settings.API_TOKEN_MAX_DAYS}，缺省 90）")
        issue.add_argument("--write", action="store_true", help="可写令牌（缺省为只读）")
        add_audit_arguments(issue)
        listing = sub.add_parser("list", help="列出令牌")
        listing.add_argument("--user", help="只列此用户的令牌")
        listing.add_argument("--all", action="store_true", help="包括已过期和已吊销的令牌")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("id", type=int, help="令牌编号（token list 第一列）")
        add_audit_arguments(revoke)

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['subcommand']}")(options)

    def handle_issue(self, options):
        from zhiliang.core import services

        user = get_user(options["user"])
        with command_context(options, f"命令行签发令牌：{options['name']}") as actor:
            token, plaintext = services.issue_token(
                actor=actor, user=user, name=options["name"], read_only=not options["write"], days=options["days"]
            )
        kind = "只读" if token.read_only else "可写"
        self.stderr.write(
            f"已为 {user.get_username()} 签发{kind}令牌 #{token.pk}“{token.name}”，"
            f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M} 到期。明文只显示这一次，请立即保存："
        )
        self.stdout.write(plaintext)

    def handle_list(self, options):
        from zhiliang.core.models import APIToken

        tokens = APIToken.objects.select_related("user").order_by("user__username", "-created_at")
        if options.get("user"):
            tokens = tokens.filter(user=get_user(options["user"]))
        now = timezone.now()
        if not options.get("all"):
            tokens = tokens.filter(revoked_at__isnull=True, expires_at__gt=now)
        rows = [("编号", "用户", "名称", "前缀", "权限", "到期", "最近使用", "状态")]
        for t in tokens:
            status = "已吊销" if t.revoked_at else ("已过期" if t.expires_at <= now else "可用")
            rows.append(
                (
                    str(t.pk),
                    t.user.get_username(),
                    t.name,
                    t.prefix + "…",
                    "只读" if t.read_only else "可写",
                    f"{timezone.localtime(t.expires_at):%Y-%m-%d}",
                    f"{timezone.localtime(t.last_used_at):%Y-%m-%d %H:%M}" if t.last_used_at else "-",
                    status,
                )
            )
        if len(rows) == 1:
            self.stdout.write("没有令牌。")
            return
        for row in rows:
            self.stdout.write("\t".join(row))

    def handle_revoke(self, options):
        from zhiliang.core import services
        from zhiliang.core.models import APIToken

        token = APIToken.objects.select_related("user").filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"令牌 #{options['id']} 不存在")
        if token.revoked_at is not None:
            self.stdout.write(f"令牌 #{token.pk}“{token.name}”早已吊销。")
            return
        with command_context(options, f"命令行吊销令牌 #{token.pk}") as actor:
            services.revoke_token(actor=actor, token=token)
        self.stdout.write(f"已吊销令牌 #{token.pk}“{token.name}”（{token.user.get_username()}）。")
