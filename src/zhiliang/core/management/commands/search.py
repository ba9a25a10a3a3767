"""``zhiliang search``: rebuild the search index, or run a query as a user would."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhiliang.core import search
from zhiliang.core.audit import SYSTEM, audit_context


class Command(BaseCommand):
    help = "全文检索：重建索引（reindex）或执行查询（query）。 Rebuild the search index or run a query."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{reindex,query}")
        reindex = sub.add_parser("reindex", help="重建检索索引（可重复执行；中断后索引仍一致）")
        reindex.add_argument("--kind", action="append", dest="kinds", metavar="KIND", help="只重建该类型（可多次指定）；默认全部")
        reindex.add_argument("--batch-size", type=int, default=1000, help="每批记录数（每批一个事务）")
        query = sub.add_parser("query", help="执行检索并列出结果")
        query.add_argument("text", help="检索词（至少两个字）")
        query.add_argument("--kind", action="append", dest="kinds", metavar="KIND", help="只检索该类型（可多次指定）")
        query.add_argument("--user", dest="username", help="以该用户的权限检索；默认以公众身份")
        query.add_argument("--page", type=int, default=1)
        query.add_argument("--per-page", type=int, default=20)

    def handle(self, *args, **options):
        self._check_kinds(options.get("kinds"))
        if options["action"] == "reindex":
            self._reindex(options)
        else:
            self._query(options)

    def _check_kinds(self, kinds):
        known = {k.kind for k in search.registered_kinds()}
        for kind in kinds or ():
            if kind not in known:
                raise CommandError(f"未登记的检索类型：{kind}（可用：{', '.join(sorted(known))}）")

    def _reindex(self, options):
        from tqdm import tqdm

        kinds = options.get("kinds") or [k.kind for k in search.registered_kinds()]
        with audit_context(actor=SYSTEM, reason="重建检索索引", source="command"):
            for kind in kinds:
                bar = tqdm(desc=kind, unit="条", disable=not self.stderr.isatty(), file=self.stderr._out)

                def progress(done, total, bar=bar):
                    bar.total = total
                    bar.update(done - bar.n)

                result = search.reindex(kind, batch_size=options["batch_size"], progress=progress)
                bar.close()
                self.stdout.write(
                    f"{kind}（{search.get_kind(kind).label}）：共 {result.total} 条；新增 {result.created}，更新 {result.updated}，"
                    f"未变 {result.unchanged}，移除 {result.removed}"
                )

    def _query(self, options):
        user = None
        if options.get("username"):
            try:
                user = get_user_model().objects.get(username=options["username"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"用户“{options['username']}”不存在") from None
        try:
            results = search.search(options["text"], kinds=options.get("kinds"), user=user, page=options["page"], per_page=options["per_page"])
        except ValidationError as exc:
            raise CommandError(f"检索词“{options['text']}”无效：{'；'.join(exc.messages)}") from None
        self.stdout.write(f"“{results.query}”：{results.count_label}，第 {results.page} 页")
        start = (results.page - 1) * results.per_page
        for i, hit in enumerate(results.hits, start=start + 1):
            url = f"  {hit.url}" if hit.url else ""
            self.stdout.write(f"{i:>4}. [{hit.kind_label}] {hit.title}（{hit.kind}:{hit.object_id}，{hit.match}）{url}")
