"""The import engine: one table file in, one row-level report out.

An app declares what it imports in its ``importers.py`` (found by
:func:`autodiscover`) as an :class:`Importer` subclass registered with
:func:`register`.  :func:`run_import` then does, for every kind alike:

1. **read** the file (:mod:`.readers`: CSV in UTF-8/GBK/GB18030, XLSX);
2. **columns** — map each header cell (our English code or its Chinese
   name) to a column; unknown or missing required columns refuse the file
   before anything is read further, naming them and listing the accepted
   columns (an importer adds its own layout checks in :meth:`Importer.check_columns`);
3. **check** every row (:meth:`Importer.prepare`): parse and validate each
   cell, look up regions/categories/enterprises, find duplicates within the
   file.  No writes;
4. **write** — in *one* transaction, inside one audit change set: each row
   through the app's services (:meth:`Importer.write`) in its own savepoint,
   so a service's refusal (validation, the scope re-check) becomes that row's
   error.  The transaction is committed only when nothing went wrong, or the
   user asked for the good rows (``good_rows``); a dry run always rolls it
   back.  When the check found errors and neither ``good_rows`` nor
   ``dry_run`` is set, the write step is skipped altogether.

A kind may take settings besides the file (:class:`Option`, e.g. the level of an
imported result bulletin): the command offers them as ``--name`` options and
:func:`run_import` checks them (unknown, outside their choices, missing) before
reading the file.

A crash or kill during step 4 leaves nothing (one transaction); re-running
the same file is safe (rows are compared before writing: "unchanged").
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhiliang.core.rules import overrides_read_once

from .readers import FileError, Table, is_empty, read_table

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

#: report outcomes
IMPORTED = "imported"          # written, no errors
PARTIAL = "partial"            # good rows written, bad rows reported (good_rows)
REJECTED = "rejected"          # row errors: nothing written
REFUSED = "refused"            # the file itself (columns, format): nothing read or written
DRY_RUN = "dry_run"            # checked (and trial-written), nothing kept

OUTCOME_LABELS = {
    IMPORTED: "已导入",
    PARTIAL: "已导入无误的行，有错误的行未导入",
    REJECTED: "文件有错误，未写入任何数据",
    REFUSED: "文件无法导入，未写入任何数据",
    DRY_RUN: "只检查，未写入任何数据",
}


class RowError(Exception):
    """A problem with one cell (``column`` = a column code) or the whole row (``column=None``)."""

    def __init__(self, message: str, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Option:
    """A setting an import kind takes besides the file (``zhiliang import KIND FILE --level provincial``):
    declared in :attr:`Importer.options`, given as ``options={"level": "provincial"}`` to
    :func:`run_import`, read by the importer from ``ctx.options``."""

    name: str
    help: str
    choices: tuple[str, ...] = ()
    required: bool = False
    metavar: str = ""
    #: the field's label on the import page
    label: str = ""
    #: the choices' labels on the import page (same order as ``choices``)
    choice_labels: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def choices_text(self) -> str:
        """The values the command takes, each with its label: “national 国家级、provincial 省级…”."""
        return "、".join(f"{value} {label}" if label != value else value
                        for value, label in zip(self.choices, self.choice_labels or self.choices, strict=True))


def header_key(text: str) -> str:
    """How header cells are compared: full-width folded, blanks and a trailing * removed, lower case."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(folded.split()).rstrip("*").lower()


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    headers: dict[str, str]
    errors: list[dict] = field(default_factory=list)
    prepared: Any = None
    #: what is written but worth a look (an amount that may be in 元 under a 万元 column …)
    warnings: list[dict] = field(default_factory=list)

    def has(self, code: str) -> bool:
        return code in self.values and not is_empty(self.values[code])

    def get(self, code: str, default: Any = None) -> Any:
        return self.values[code] if self.has(code) else default

    def error(self, message: str, column: str | None = None) -> None:
        self.errors.append({"row": self.number, "column": self.headers.get(column, "") if column else "", "message": message})

    def warn(self, message: str, column: str | None = None) -> None:
        self.warnings.append({"row": self.number, "column": self.headers.get(column, "") if column else "", "message": message})

    def parse(self, code: str, parser: Callable[[Any], Any], default: Any = None) -> Any:
        """``parser(cell)`` for a non-empty cell, else ``default``; a RowError becomes this cell's error."""
        if not self.has(code):
            return default
        try:
            return parser(self.values[code])
        except RowError as exc:
            self.error(exc.message, exc.column or code)
            return default


class Unnamed:
    """The cells of a table that no column name covers: under an empty header cell, or to
    the right of the header. They are not imported; a row with something in them gets a
    reminder naming the column as Excel does and by its number (Q 列（第 17 列）), so nothing
    is dropped unseen."""

    def __init__(self, header: list[Any]):
        self.blank = [i for i, h in enumerate(header) if is_empty(h)]
        self.width = len(header)

    def found(self, cells: list[Any]) -> bool:
        """Whether ``cells`` hold anything outside the named columns (cheap: the fast path asks it of every row)."""
        return any(not is_empty(cells[i]) for i in self.blank if i < len(cells)) or (
            len(cells) > self.width and any(not is_empty(v) for v in cells[self.width:]))

    def warn(self, row: Row, cells: list[Any]) -> None:
        from openpyxl.utils import get_column_letter

        positions = [i for i in self.blank if i < len(cells)] + list(range(self.width, len(cells)))
        for i in positions:
            if not is_empty(cells[i]):
                value = str(cells[i]).strip()
                shown = value if len(value) <= 20 else value[:20] + "…"
                row.warnings.append({"row": row.number, "column": f"{get_column_letter(i + 1)} 列（第 {i + 1} 列）", "message": (
                    f"该列没有列名，本行填写的“{shown}”未导入；要导入的内容请填在有列名的对应列中")})


@dataclass
class Context:
    """What an importer knows during one run."""

    actor: Any
    dry_run: bool
    good_rows: bool
    #: the kind's options (:attr:`Importer.options`) as given; absent ones are missing
    options: dict[str, Any] = field(default_factory=dict)
    file_name: str = ""
    file_sha256: str = ""
    #: per-run caches and the keys seen so far (for duplicates within the file)
    cache: dict[str, Any] = field(default_factory=dict)
    seen: dict[Any, int] = field(default_factory=dict)

    @property
    def user(self):
        return self.actor if getattr(self.actor, "is_authenticated", False) else None


class Importer:
    """One kind of import.  Subclasses set ``kind``, ``label``, ``columns`` and
    implement :meth:`prepare` and :meth:`write`."""

    kind: ClassVar[str]
    label: ClassVar[str]
    columns: ClassVar[list[Column]]
    #: settings besides the file (command-line options ``--name``)
    options: ClassVar[tuple[Option, ...]] = ()
    #: for kinds that can import a very large CSV file while streaming it (flat memory):
    #: ``stream(path, *, actor, dry_run, good_rows, options, file_name) -> Report``
    stream: ClassVar[Callable[..., Report] | None] = None

    def permitted(self, user) -> bool:
        """Whether ``user`` may choose this kind on the import page (the rows' writes are checked
        by the services all the same)."""
        return True

    def streams(self, file_name: str, size: int, from_bytes: int) -> bool:
        """Whether a file of ``size`` bytes is imported by :attr:`stream`: a CSV file of at least
        ``from_bytes``, for a kind that can."""
        return self.stream is not None and file_name.lower().endswith(".csv") and size >= from_bytes

    def begin(self, ctx: Context) -> None:
        """Load lookup tables once per run; a :class:`FileError` refuses the whole file
        (e.g. an option naming a plan that does not exist)."""

    def check_columns(self, codes: set[str]) -> list[str]:
        """File errors for the mapped column codes beyond the ``required`` flags (e.g. "one of
        these two columns"); empty when the layout is acceptable."""
        return []

    def prepare(self, row: Row, ctx: Context) -> Any:
        """Check one row (no writes): record errors with ``row.error``; return what :meth:`write` needs."""
        raise NotImplementedError

    def write(self, prepared: Any, ctx: Context) -> str:
        """Apply one checked row through the services; return CREATED, UPDATED or UNCHANGED."""
        raise NotImplementedError

    #: model field name → column code, for errors the services raise per field
    field_columns: ClassVar[dict[str, str]] = {}

    def column_for_field(self, name: str) -> str | None:
        if name in self.field_columns:
            return self.field_columns[name]
        return name if any(c.code == name for c in self.columns) else None

    def accepted_columns(self) -> str:
        return "、".join(f"{c.code}（{c.label}{'，必填' if c.required else ''}）" for c in self.columns)

    def lookup(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        for column in self.columns:
            for name in (column.code, column.label, *column.aliases):
                keys.setdefault(header_key(name), column.code)
        return keys


_REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from zhiliang.core.models.audit import register_change_set_kind

    _REGISTRY[cls.kind] = cls
    register_change_set_kind(f"import:{cls.kind}", format_lazy(gettext_lazy("导入{}"), cls.label))
    return cls


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("importers")


def importers() -> dict[str, type[Importer]]:
    return dict(_REGISTRY)


def get_importer(kind: str) -> Importer:
    try:
        return _REGISTRY[kind]()
    except KeyError:
        raise FileError(f"未知的导入类型“{kind}”，可用：{'、'.join(sorted(_REGISTRY))}") from None


@dataclass
class Report:
    kind: str
    file_name: str
    sha256: str
    dry_run: bool = False
    good_rows: bool = False
    format: str = ""
    encoding: str = ""
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    file_errors: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: rows written (or to be) with something to check, as ``errors`` (only rows without errors)
    warnings: list[dict] = field(default_factory=list)
    outcome: str = ""
    change_set_id: int | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def written(self) -> bool:
        return self.outcome in (IMPORTED, PARTIAL)

    @property
    def counts(self) -> dict[str, int]:
        return {"total": self.total, "created": self.created, "updated": self.updated, "unchanged": self.unchanged, "errors": self.error_rows}

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    def lines(self) -> list[str]:
        """The report as lines ``第 N 行，列“X”：原因`` (file errors first)."""
        out = [f"文件：{m}" for m in self.file_errors]
        for e in self.errors:
            out.append(f"{_where(e)}：{e['message']}")
        return out

    def warning_lines(self) -> list[str]:
        return [f"{_where(w)}：{w['message']}" for w in self.warnings]

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "file_name": self.file_name, "sha256": self.sha256, "dry_run": self.dry_run,
            "good_rows": self.good_rows, "format": self.format, "encoding": self.encoding, "counts": self.counts,
            "file_errors": self.file_errors, "errors": self.errors, "notes": self.notes, "warnings": self.warnings, "outcome": self.outcome,
            "outcome_label": self.outcome_label, "change_set": self.change_set_id, "options": self.options,
        }


def _where(entry: dict) -> str:
    return f"第 {entry['row']} 行" + (f"，列“{entry['column']}”" if entry["column"] else "")


Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def report_headers(importer: Importer, header: list[str], mapping: dict[int, str]) -> dict[str, str]:
    """Column code → how the report names the column: the file's header, or — where the file
    names it by its code (a JSON file's keys) — the Chinese name with the code: "处罚决定日期（cf_jdrq）"."""
    labels = {c.code: c.label for c in importer.columns}
    names = {}
    for position, code in mapping.items():
        text = header[position].strip()
        names[code] = f"{labels[code]}（{text}）" if code in labels and text.lower() == code.lower() else text
    return names


def map_columns(importer: Importer, table: Table) -> tuple[dict[int, str], list[str]]:
    """Header position → column code; errors for unknown, duplicate and missing columns."""
    lookup = importer.lookup()
    mapping: dict[int, str] = {}
    unknown, duplicates = [], []
    for position, header in enumerate(table.header):
        if not header:
            continue
        code = lookup.get(header_key(header))
        if code is None:
            unknown.append(header)
        elif code in mapping.values():
            duplicates.append(header)
        else:
            mapping[position] = code
    filled = [h for h in table.header if h]
    if len(filled) == 1 and unknown == filled:
        # a table published with its title above the header (a merged cell across the columns)
        first = importer.columns[0].label if importer.columns else ""
        return mapping, [f"第 1 行“{filled[0]}”像是标题，不是表头：请删除表格上方的标题行，使列名（如“{first}”）位于第 1 行后重新导入"]
    errors = []
    if unknown:
        errors.append(f"无法识别的列：{'、'.join(f'“{h}”' for h in unknown)}")
        other = _kind_of_columns(importer, filled)
        if other is not None:
            errors.append(f"这些列像是“{other.label}”文件：请将导入类型选为“{other.label}”（{other.kind}）后重新导入")
    if duplicates:
        errors.append(f"重复的列：{'、'.join(f'“{h}”' for h in duplicates)}（与前面的列是同一项）")
    missing = [c for c in importer.columns if c.required and c.code not in mapping.values()]
    if missing:
        errors.append(f"缺少必填的列：{'、'.join(f'“{c.label}”（{c.code}）' for c in missing)}")
    errors.extend(importer.check_columns(set(mapping.values())))
    if errors:
        errors.append(f"可用的列（英文代码或中文列名均可）：{importer.accepted_columns()}")
    return mapping, errors


def _kind_of_columns(importer: Importer, headers: list[str]) -> Importer | None:
    """Another import kind that knows most of ``headers`` better than ``importer`` does (a
    licence file uploaded as penalties)."""
    keys = [header_key(h) for h in headers]

    def known_to(candidate: Importer) -> int:
        lookup = candidate.lookup()
        return sum(k in lookup for k in keys)

    best, best_known = None, max(known_to(importer), len(keys) // 2)
    for kind, cls in sorted(importers().items()):
        if kind == importer.kind:
            continue
        other = cls()
        known = known_to(other)
        if known > best_known:
            best, best_known = other, known
    return best


def check_options(importer: Importer, options: dict[str, Any]) -> dict[str, Any]:
    """The options given for ``importer`` (empty values dropped); a :class:`FileError` for an
    option the kind does not take, a value outside its choices or a missing required one."""
    declared = {o.name: o for o in importer.options}
    given = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    unknown = [k for k in given if k not in declared]
    if unknown:
        flags = "、".join("--" + k.replace("_", "-") for k in unknown)
        takes = "、".join(o.flag for o in importer.options) or "无"
        raise FileError(f"导入类型“{importer.kind}”不接受选项 {flags}（可用选项：{takes}）")
    for name, value in given.items():
        option = declared[name]
        if option.choices and value not in option.choices:
            raise FileError(f"选项 {option.flag} 的值“{value}”无效，可选：{'、'.join(option.choices)}")
    missing = [o.flag for o in importer.options if o.required and o.name not in given]
    if missing:
        raise FileError(f"导入类型“{importer.kind}”须指定选项 {'、'.join(missing)}")
    return given


@overrides_read_once()  # the rules in force are read once per file, not per row
def run_import(
    kind: str,
    data: bytes,
    file_name: str,
    *,
    actor,
    dry_run: bool = False,
    good_rows: bool = False,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
) -> Report:
    """Import one file (see the module docstring).  Call inside an audit context.
    ``options`` are the kind's settings (:attr:`Importer.options`)."""
    from zhiliang.core.audit import change_set

    progress = progress or _no_progress
    report = Report(kind=kind, file_name=file_name, sha256=sha256_of(data), dry_run=dry_run, good_rows=good_rows)
    try:
        importer = get_importer(kind)
        report.options = check_options(importer, options or {})
        table = read_table(data, file_name)
    except FileError as exc:
        report.file_errors.append(str(exc))
        report.outcome = REFUSED
        return report
    report.format, report.encoding, report.notes = table.format, table.encoding, list(table.notes)
    mapping, column_errors = map_columns(importer, table)
    if column_errors:
        report.file_errors.extend(column_errors)
        report.outcome = REFUSED
        return report

    headers = report_headers(importer, table.header, mapping)
    rows = [
        Row(number=number, values={code: cells[pos] if pos < len(cells) else None for pos, code in mapping.items()}, headers=headers)
        for number, cells in table.rows
    ]
    unnamed = Unnamed(table.header)
    for row, (_, cells) in zip(rows, table.rows, strict=True):
        if unnamed.found(cells):
            unnamed.warn(row, cells)
    report.total = len(rows)
    if not rows:
        report.file_errors.append("文件只有表头，没有数据行")
        report.outcome = REFUSED
        return report

    ctx = Context(actor=actor, dry_run=dry_run, good_rows=good_rows, options=dict(report.options), file_name=file_name,
                  file_sha256=report.sha256)
    try:
        importer.begin(ctx)
    except FileError as exc:
        report.file_errors.append(str(exc))
        report.outcome = REFUSED
        return report
    for done, row in enumerate(rows, 1):
        try:
            row.prepared = importer.prepare(row, ctx)
        except RowError as exc:
            row.error(exc.message, exc.column)
        progress("check", done, len(rows))

    checked_errors = any(r.errors for r in rows)
    if checked_errors and not (good_rows or dry_run):
        _finish(report, rows, REJECTED)
        return report

    outcomes: dict[str, int] = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    with transaction.atomic(), change_set(kind=f"import:{kind}", file_name=file_name, file_sha256=report.sha256) as cs:
        one_import_at_a_time(kind)
        for done, row in enumerate(rows, 1):
            if not row.errors:
                _write_row(importer, row, ctx, outcomes)
            progress("trial" if dry_run else "write", done, len(rows))  # a dry run writes only to roll back
        any_errors = any(r.errors for r in rows)
        report.created, report.updated, report.unchanged = outcomes[CREATED], outcomes[UPDATED], outcomes[UNCHANGED]
        if dry_run:
            outcome = DRY_RUN
        elif any_errors and not good_rows:
            outcome = REJECTED
        else:
            outcome = PARTIAL if any_errors else IMPORTED
        _finish(report, rows, outcome)
        if outcome in (IMPORTED, PARTIAL):
            type(cs).objects.filter(pk=cs.pk).update(counts=report.counts, finished_at=timezone.now())
            report.change_set_id = cs.pk
        else:
            transaction.set_rollback(True)
    if outcome == REJECTED:
        # nothing was kept: the counts would only have been
        report.notes.append(f"如无错误，本应新增 {report.created} 条、更新 {report.updated} 条、未变 {report.unchanged} 条")
        report.created = report.updated = report.unchanged = 0
    return report


def one_import_at_a_time(kind: str) -> None:
    """Called first in an import's transaction: imports of one kind write one after another,
    so a second import of the same records (the same file uploaded twice, two clerks) waits
    for the first to commit and then finds them "unchanged" instead of failing on their
    unique constraint — the importer's ``write`` looks a record checked as new up again.  On PostgreSQL a transaction-level advisory lock (released at commit
    or rollback); SQLite's immediate transactions already serialise every writer."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"zhiliang.import:{kind}"])


def _finish(report: Report, rows: list[Row], outcome: str) -> None:
    report.errors = [e for r in rows for e in r.errors]
    report.warnings = [w for r in rows if not r.errors for w in r.warnings]
    report.error_rows = sum(1 for r in rows if r.errors)
    report.outcome = outcome


def _write_row(importer: Importer, row: Row, ctx: Context, outcomes: dict[str, int]) -> None:
    try:
        with transaction.atomic():
            outcomes[importer.write(row.prepared, ctx)] += 1
    except RowError as exc:
        row.error(exc.message, exc.column)
    except ValidationError as exc:
        details = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for name, messages in details.items():
            column = importer.column_for_field(name) if name and name != "__all__" else None
            row.error("；".join(messages), column)
    except PermissionDenied as exc:
        row.error(importer.permission_message(row.prepared, ctx, exc) if hasattr(importer, "permission_message") else str(exc))
    except IntegrityError as exc:
        row.error(f"与已有记录冲突，未写入（{str(exc).splitlines()[0][:120]}）")
