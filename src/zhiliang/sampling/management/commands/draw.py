"""``zhiliang draw export|verify`` — the published record of a verifiable draw, and its check.

    zhiliang draw export DRAW_ID --out DIR [--full] [--actor USER]
    zhiliang draw verify RECORD_JSON [--pool FILE]

``export`` writes ``draw-<id>.json`` (the record: pool hash, seed commitment, and once drawn the
seed, public value and result) and, for an enterprise draw, the pool file ``<sha256>.jsonl``.
Inspector and lab pools hold personal or commercial data: only their hash is exported, unless
``--full`` is given by an auditor (the export is logged).  ``verify`` re-runs the draw from the
files (``sampling.draw.verify``) and says whether the result matches; the exit code is 0 when
everything matches, 1 when something does not, 2 when the pool file was not available.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.files.storage import default_storage

from zhiliang.core.commands import add_audit_arguments, command_context

EXIT_MISMATCH = 1
EXIT_INCOMPLETE = 2


class Command(BaseCommand):
    help = "双随机抽取记录：导出公布的记录与名录文件，或据此重新抽取核验 (export / verify a draw record)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,verify}")
        export = sub.add_parser("export", help="导出抽取记录（JSON）及公开的名录文件")
        export.add_argument("draw_id", type=int, help="抽取记录编号")
        export.add_argument("--out", required=True, help="输出目录")
        export.add_argument("--full", action="store_true", help="执法检查人员、检验检测机构名录也导出全文（仅审计监督人员）")
        add_audit_arguments(export)
        verify = sub.add_parser("verify", help="按记录和名录文件重新抽取，核对结果是否一致")
        verify.add_argument("record", help="抽取记录 JSON 文件（draw export 的输出）")
        verify.add_argument("--pool", help="名录文件（缺省为记录中 pool_file 指明、与记录同目录的文件）")

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['action']}")(options)

    # --- export --------------------------------------------------------------------------------

    def handle_export(self, options):
        from zhiliang.core.audit import SYSTEM, record_personal_view
        from zhiliang.core.choices import Role
        from zhiliang.core.permissions import memberships
        from zhiliang.sampling import draw as engine
        from zhiliang.sampling.models import Draw

        out = Path(options["out"])
        with command_context(options, f"导出抽取记录 #{options['draw_id']}") as actor:
            queryset = Draw.objects.select_related("plan")
            if actor is not SYSTEM:
                queryset = Draw.objects.restrict(actor, "view").select_related("plan")
            draw = queryset.filter(pk=options["draw_id"]).first()
            if draw is None:
                raise CommandError(f"抽取记录 #{options['draw_id']} 不存在，或无权查看")
            full = draw.pool_is_public
            if options["full"] and not draw.pool_is_public:
                auditor = actor is not SYSTEM and (actor.is_superuser or any(m.role.name == Role.AUDITOR for m in memberships(actor)))
                if not auditor:
                    raise CommandError("--full：执法检查人员和检验检测机构名录含个人或商业信息，只有审计监督人员（--actor 指定）可以导出全文")
                record_personal_view(actor=actor, instance=draw, fields=["pool_file"], reason="审计核验：导出不公开的抽取名录全文")
                full = True
            record = engine.record_for(draw)
        out.mkdir(parents=True, exist_ok=True)
        record_path = out / f"draw-{draw.pk}.json"
        record_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"抽取记录：{record_path}")
        if full:
            pool_path = out / record["pool_file"]
            with default_storage.open(draw.pool_file.name, "rb") as stored:
                pool_path.write_bytes(engine.decompress(stored.read()))
            self.stdout.write(f"名录文件：{pool_path}（SHA-256 {draw.pool_hash}）")
        else:
            self.stdout.write(f"名录不公开，只导出其 SHA-256：{draw.pool_hash}")
        if not record["seed"]:
            self.stdout.write(f"尚未抽取：只公开随机种子的承诺 {draw.seed_commitment}")

    # --- verify --------------------------------------------------------------------------------

    def handle_verify(self, options):
        from zhiliang.sampling import draw as engine

        record_path = Path(options["record"])
        if not record_path.is_file():
            raise CommandError(f"抽取记录文件不存在：{record_path}")
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"抽取记录不是 UTF-8 编码的 JSON：{exc}") from None
        if not isinstance(record, dict):
            raise CommandError("抽取记录应为一个 JSON 对象")
        if options.get("pool"):
            pool_path = Path(options["pool"])
            if not pool_path.is_file():
                raise CommandError(f"名录文件不存在：{pool_path}")
        else:
            pool_path = record_path.parent / str(record.get("pool_file") or "")
        has_pool = bool(options.get("pool") or record.get("pool_file")) and pool_path.is_file()
        pool_bytes = pool_path.read_bytes() if has_pool else None
        result = engine.verify(record, pool_bytes)
        self.stdout.write(f"抽取记录 #{record.get('draw')}（{record.get('plan')}，{record.get('kind')}），算法 {record.get('algorithm')}")
        for check in result.checks:
            mark = {True: "✓", False: "✗", None: "–"}[check.ok]
            self.stdout.write(f"  {mark} {check.message}")
        self.stdout.write(result.summary())
        if result.failed:
            raise CommandError("核验未通过：抽取结果与公布的记录不符", returncode=EXIT_MISMATCH)
        if not result.ok:
            raise CommandError("未能完整核验（缺少名录文件或随机种子）", returncode=EXIT_INCOMPLETE)
