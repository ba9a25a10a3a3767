"""``zhiliang check-uscc CODE...`` — check 统一社会信用代码 (GB 32100-2015).

Prints one line per code: ``<code> 有效`` or ``<code> 无效: <reason>`` (reasons
joined with '；').  Exit status 0 when every code is valid, 1 otherwise (the
count of invalid codes goes to stderr).  Needs no database.
"""

from django.core.management.base import BaseCommand, CommandError

from zhiliang.core.uscc import validate_uscc


class Command(BaseCommand):
    help = "校验统一社会信用代码（GB 32100-2015），每个代码输出一行；全部有效时退出码为 0"
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="+", metavar="CODE", help="统一社会信用代码（可多个）")

    def handle(self, *args, codes, **options):
        invalid = 0
        for raw in codes:
            result = validate_uscc(raw)
            shown = result.code or raw.strip()
            if result.valid:
                self.stdout.write(f"{shown} 有效")
            else:
                invalid += 1
                self.stdout.write(f"{shown} 无效: {result.message}")
        if invalid:
            raise CommandError(f"{invalid} 个代码无效", returncode=1)
