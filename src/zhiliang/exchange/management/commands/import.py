"""``zhiliang import KIND FILE [options]``: import a CSV/XLSX table with a row-level report.

Kinds: ``enterprises``, ``products``, ``sampling-results`` (other authorities' result
bulletins, with ``--level``/``--plan``/``--organiser``), ``penalties`` and ``licences``.
A kind's own options are declared by its importer (:class:`~zhiliang.exchange.importing.Option`);
an option the chosen kind does not take is refused.  A CSV file larger than a web upload may
be (:data:`STREAM_FROM_BYTES`) is streamed when its kind can (``Importer.stream``, e.g. the
双公示 penalties): same checks and report, flat memory, set-wise writes."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhiliang.core.commands import add_audit_arguments, command_context
from zhiliang.exchange import importing
from zhiliang.exchange.services import MAX_UPLOAD_BYTES

#: a CSV file at least this large is streamed, by a kind that can
STREAM_FROM_BYTES = MAX_UPLOAD_BYTES

#: exit codes (also in docs/imports.md)
EXIT_OK = 0
EXIT_REFUSED = 1        # the file cannot be imported (unreadable, unknown/missing columns) — nothing written
EXIT_ROW_ERRORS = 3     # some rows have errors — nothing written (or a dry run found errors)
EXIT_PARTIAL = 4        # --good-rows: the good rows were written, the bad rows were not


class Command(BaseCommand):
    help = ("导入数据表（CSV/XLSX），逐行报告错误；超过网页上传上限的大文件（如双公示行政处罚 CSV）流式批量导入。 "
            "Import a CSV/XLSX table (enterprises, products, sampling results, 双公示 penalties and licences) with a row-level report; "
            "a CSV larger than a web upload is streamed when its kind can.")

    def add_arguments(self, parser):
        kinds = importing.importers()
        parser.add_argument("kind", choices=sorted(kinds), help="导入类型：" + "、".join(f"{k}（{c.label}）" for k, c in sorted(kinds.items())))
        parser.add_argument("file", help="CSV（UTF-8 或 GBK）或 XLSX 文件")
        parser.add_argument("--good-rows", action="store_true", help="有错误时仍导入无误的行（有错误的行不导入）")
        add_audit_arguments(parser, dry_run=True)
        self._option_names = []
        for kind, cls in sorted(kinds.items()):
            for option in cls.options:
                if option.name in self._option_names:
                    continue
                self._option_names.append(option.name)
                users = "、".join(k for k, c in sorted(kinds.items()) if any(o.name == option.name for o in c.options))
                parser.add_argument(option.flag, dest=f"kind_option_{option.name}", choices=option.choices or None,
                                    metavar=option.metavar or None,
                                    help=f"{option.help}{'：' + option.choices_text if option.choices else ''}（仅用于 {users}）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=EXIT_REFUSED)
        kind_options = {name: options.get(f"kind_option_{name}") for name in getattr(self, "_option_names", ())}
        kind_options = {k: v for k, v in kind_options.items() if v is not None}
        importer = importing.get_importer(options["kind"])
        size = path.stat().st_size
        streamed = importer.streams(path.name, size, STREAM_FROM_BYTES)
        with command_context(options, f"导入{importer.label}：{path.name}") as actor:
            if streamed:
                self.stderr.write(f"文件 {size / 1e6:.0f} MB，按流式批量导入（逐批检查并写入，内存占用不随行数增长）…")
                report = importer.stream(path, actor=actor, dry_run=options["dry_run"], good_rows=options["good_rows"],
                                         options=kind_options, file_name=path.name)
            else:
                report = importing.run_import(
                    options["kind"], path.read_bytes(), path.name, actor=actor, dry_run=options["dry_run"], good_rows=options["good_rows"],
                    progress=self._progress_bar(), options=kind_options,
                )
        self._close_bar()
        self._print(report)
        if report.outcome == importing.REFUSED:
            raise CommandError("文件无法导入，未写入任何数据", returncode=EXIT_REFUSED)
        if report.outcome == importing.REJECTED or (report.outcome == importing.DRY_RUN and report.errors):
            raise CommandError(f"{report.error_rows} 行有错误，未写入任何数据（可加 --good-rows 只导入无误的行）", returncode=EXIT_ROW_ERRORS)
        if report.outcome == importing.PARTIAL:
            raise CommandError(f"已导入无误的行；{report.error_rows} 行有错误，未导入", returncode=EXIT_PARTIAL)

    def _progress_bar(self):
        from tqdm import tqdm

        self._bar, self._phase = None, None
        from zhiliang.exchange.jobs import PHASE_LABELS as labels

        def progress(phase, done, total):
            if self._bar is None or self._phase != phase:
                self._close_bar()
                self._phase = phase
                self._bar = tqdm(total=total, desc=labels[phase], unit="行", file=self.stderr._out, disable=None, leave=False)
            self._bar.update(done - self._bar.n)

        return progress

    def _close_bar(self):
        if getattr(self, "_bar", None) is not None:
            self._bar.close()
            self._bar = None

    def _print(self, report: importing.Report) -> None:
        out = self.stdout
        out.write(f"文件：{report.file_name}（{report.format.upper() or '未知格式'}{'，编码 ' + report.encoding if report.encoding else ''}）")
        out.write(f"SHA-256：{report.sha256}")
        if report.options:
            out.write("选项：" + "，".join(f"--{k.replace('_', '-')} {v}" for k, v in report.options.items()))
        for note in report.notes:
            out.write(f"说明：{note}")
        for line in report.lines():
            out.write(line)
        for line in report.warning_lines():
            out.write(f"提醒：{line}")
        out.write(
            f"结果：{report.outcome_label}。共 {report.total} 行：新增 {report.created}，更新 {report.updated}，"
            f"未变 {report.unchanged}，有错误 {report.error_rows}"
        )
        if report.change_set_id:
            out.write(f"变更集：{report.change_set_id}")
