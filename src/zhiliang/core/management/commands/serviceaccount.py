"""``zhiliang serviceaccount create NAME`` — an account for another system (API tokens only)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from zhiliang.core.choices import Role

from zhiliang.core.commands import add_audit_arguments, command_context


class Command(BaseCommand):
    help = "服务账号：为其他部门的系统或电商平台创建只能用接口令牌访问的账号 (service accounts)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, title="子命令")
        create = sub.add_parser("create", help="创建服务账号并授予一个角色")
        create.add_argument("name", help="账号名（用户名），如 sy-amr-sync")
        create.add_argument("--description", required=True, help="服务说明：哪个系统、谁负责")
        create.add_argument("--display-name", default="", help="显示名称")
        create.add_argument("--role", required=True, choices=Role.values, help="角色")
        create.add_argument("--region", help="区划代码，如 420302（县市区工作人员必填）")
        create.add_argument("--department", help="部门代码，如 sy-amr（部门工作人员必填）")
        add_audit_arguments(create)

    def handle(self, *args, **options):
        from zhiliang.core import services
        from zhiliang.core.models import Department, Region

        region = department = None
        if options.get("region"):
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"--region：区划代码“{options['region']}”不存在")
        if options.get("department"):
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(f"--department：部门代码“{options['department']}”不存在")
            region = region or department.region
        name = options["name"]
        with command_context(options, f"命令行创建服务账号：{name}") as actor, transaction.atomic():
            user = services.create_user(
                actor=actor,
                username=name,
                display_name=options["display_name"] or name,
                is_service_account=True,
                service_description=options["description"],
            )
            services.add_membership(actor=actor, user=user, role=options["role"], region=region, department=department)
        where = department or region or ""
        self.stdout.write(
            f"已创建服务账号“{name}”（{Role(options['role']).label} · {where}）。"
            f"签发令牌：zhiliang token issue --user {name} --name <用途> [--write]"
        )
