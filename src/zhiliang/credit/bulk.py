"""The fast path behind :func:`zhiliang.credit.importers.bulk_import_penalties`.

* :class:`FastPenaltyRows` — the per-row checks of :meth:`PenaltyImporter.prepare` for the
  common row, with the answers for low-cardinality cells (dates, authority, source, category,
  procedure, amounts …) remembered; any row where a check could fail, or any value it does not
  recognise at once, goes to ``prepare`` itself, so every error message is the per-row path's.
  The two give the same :class:`~zhiliang.credit.importers.FactRow` (tested).
* PostgreSQL (driven by ``importers._PostgresLoader``), per batch of checked rows: ``COPY`` into
  a small temporary staging table (:func:`create_stage`, :func:`stage_row`, :func:`stage`); the
  facts that exist already found in one join (:func:`existing`); then matching (USCC → legacy
  identifiers → exact normalised name, as :func:`zhiliang.credit.matching.match_many`) and the
  insert of the facts in one statement (:func:`insert_staged`).
  :func:`derive_many` computes publication dates once per distinct input.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import json
import queue
import re
import threading
import unicodedata
from collections.abc import Iterator
from operator import itemgetter
from typing import Any, NamedTuple

from zhiliang.core.choices import IdentifierScheme
from zhiliang.core.uscc import _weighted_check, validate_uscc
from zhiliang.exchange.parsing import folded, parse_date, split_list

from .choices import PartyKind
# importers imports this module inside its functions only: no cycle
from .importers import LIGHT_CATEGORIES as _LIGHT
from .importers import document_number
from .importers import PLACEHOLDERS as _PLACEHOLDERS
from .importers import FactRow as _FactRow
from .importers import looks_like_person_id as _looks_like_person_id
from .importers import mask_id as _mask_id
from .importers import person_id_problem as _person_id_problem
from .matching import _legacy, normalise_name

_ORGCODE = str(IdentifierScheme.ORGCODE.value)
_ORGCODE_ARRAY = "{" + _ORGCODE + "}"
_NATURAL_PERSON = str(PartyKind.NATURAL_PERSON.value)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_WS = re.compile(r"\s+")
_CODE_JUNK = re.compile(r"[\s\-—－]")


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value)


def _clean(cell: str | None) -> str:
    """``importers.clean`` of a CSV cell (text or ``None``), without its type dispatch: a
    placeholder is at most two characters, also after NFKC (which folds, never merges, these)."""
    if not cell:
        return ""
    raw = cell.strip()
    if len(raw) <= 2 and (raw in _PLACEHOLDERS or _nfkc(raw).strip() in _PLACEHOLDERS):
        return ""
    return raw


def _code(cell: str | None) -> str:
    """``importers.code_text`` of a CSV cell."""
    return _CODE_JUNK.sub("", _nfkc(cell)).upper() if cell else ""


def _name(cell: str | None) -> str:
    """``importers.entity_name`` of a CSV cell."""
    return _WS.sub("", _clean(cell)).replace("(", "（").replace(")", "）")


#: memo entries per column at most (low-cardinality columns; a column of unique values stops being memoised)
MEMO_LIMIT = 20000


class Fallback(Exception):  # noqa: N818 — a signal, not an error
    """This row needs :meth:`PenaltyImporter.prepare` (it may have an error)."""


class _Memo(dict):
    """``memo[raw]`` is ``fn(raw)``, computed at the first lookup and remembered, up to
    :data:`MEMO_LIMIT` entries (a hit costs one dictionary lookup); a raw value ``fn`` cannot
    answer for raises :class:`Fallback` at every lookup."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, raw):
        try:
            answer = self.fn(raw)
        except Fallback:
            raise
        except Exception as exc:  # noqa: BLE001 — the reference path reports it
            raise Fallback from exc
        if len(self) < MEMO_LIMIT:
            self[raw] = answer
        return answer


class FastPenaltyRows:
    """:meth:`PenaltyImporter.prepare` for the common CSV row (see the module docstring)."""

    def low_fine_threshold(self, party_kind: str, decided_on):
        by_kind = self.low_fine.get(decided_on)
        if by_kind is None:
            by_kind = self.low_fine[decided_on] = {kind: self.low_fine_on(kind, decided_on) for kind in PartyKind.values}
        return by_kind[party_kind]

    def __init__(self, importer, ctx, positions: list[tuple[int, str]], headers: dict[str, str] | None = None, *, unnamed=None):
        from .importers import LEGACY_CODES, PLACEHOLDERS, PROCEDURES, SEVERITIES, code_text

        self.importer, self.ctx = importer, ctx
        #: RULE_CREDIT_LOW_FINE_WAN as ``begin`` read it: the checks use no database (they may run in a thread, :func:`in_thread`)
        self.low_fine_on = ctx.cache["low_fine"]
        self.pos = {code: pos for pos, code in positions}
        #: cells outside the named columns (``exchange.importing.Unnamed``): a row with any goes to ``prepare``'s caller for its reminder
        self.unnamed = unnamed
        self.today = ctx.cache["today"]
        #: RULE_CREDIT_LOW_FINE_WAN by decision date (read once per distinct date)
        self.low_fine: dict[Any, dict] = {}
        c = importer.cols
        self.c = c
        self.personal = {c["rep_id"], c["id_number"]}
        self.legacy = [(key, self.pos[f"{importer.prefix}_xdr_{suffix}"]) for suffix, key in LEGACY_CODES.items()
                       if f"{importer.prefix}_xdr_{suffix}" in self.pos]
        self.placeholders = PLACEHOLDERS

        def squeezed(raw):
            return _WS.sub("", _clean(raw))

        def date(raw):
            return parse_date(raw)

        def uscc(raw):
            code = code_text(raw)
            if code in PLACEHOLDERS or not code:
                return ""
            return self._valid_uscc(code)

        def party_kind(raw):
            from .importers import PARTY_KINDS

            key = _WS.sub("", folded(raw))
            if not key:
                return PartyKind.LEGAL_ENTITY
            if key in PARTY_KINDS:
                return PARTY_KINDS[key]
            if key in PartyKind.values:
                return PartyKind(key)
            raise Fallback

        def procedure(raw):
            key = _WS.sub("", folded(raw))
            if not key or key in PROCEDURES:
                return PROCEDURES.get(key, importer_procedure_default)
            raise Fallback

        from .choices import Procedure

        importer_procedure_default = Procedure.ORDINARY

        def severity(raw):
            key = _WS.sub("", folded(raw))
            if not key:
                return None
            if key in SEVERITIES:
                return SEVERITIES[key]
            raise Fallback

        def categories(raw):
            found = {re.sub(r"(处罚)?$", "", p) for p in split_list(raw)}
            return frozenset("罚款" if p.startswith("罚款") else p for p in found)

        def amount_of(code):
            """``_amount`` of a cell of column ``code`` (named as in the file: its unit); an error or
            a reminder is ``prepare``'s to report."""
            from .importers import _amount

            from zhiliang.exchange.importing import Row

            named = {code: (headers or {}).get(code, code)}

            def amount(raw):
                row = Row(number=0, values={code: raw}, headers=named)
                value = _amount(row, code)
                if row.errors or row.warnings:
                    raise Fallback
                return value

            return amount

        def source(key):
            raw_name, raw_code = key
            name = squeezed(raw_name)
            code = uscc(raw_code) if raw_code is not None and raw_code.strip() else ""
            named = ctx.cache["dept_by_uscc"].get(code) if code else None
            named = named or ctx.cache["dept_by_name"].get(name)
            department = ctx.cache["source"]
            if department is not None:
                if named is not None and named.pk not in ctx.cache["source_lineage"]:
                    raise Fallback  # another department's record: ``prepare`` says so
                return department, name or department.name, code or ""
            department = named
            if department is None and not name and not code:
                raise Fallback
            return department, name or (department.name if department else ""), code or ""

        self.m_squeezed = _Memo(squeezed)
        self.m_clean = _Memo(_clean)
        self.width = max((p for p, _ in positions), default=-1) + 1
        # a column absent from the file reads the ``None`` appended to the cells (index -1)
        self.getter = itemgetter(*(self.pos.get(c.get(name, name), -1) for name in self._READ))
        #: the file's columns (code, and the cells in their order) for ``received``
        self.codes = [code for _, code in positions]
        self.cells_getter = itemgetter(*(p for p, _ in positions))  # several: the required columns
        self.m_date = _Memo(date)
        self.m_uscc = _Memo(uscc)
        self.m_party_kind = _Memo(party_kind)
        self.m_procedure = _Memo(procedure)
        self.m_severity = _Memo(severity)
        self.m_categories = _Memo(categories)
        self.m_fine = _Memo(amount_of("cf_nr_fk"))
        self.m_confiscated = _Memo(amount_of("cf_nr_wfff"))
        self.m_source = _Memo(source)

    @staticmethod
    def _valid_uscc(code: str) -> str:
        if _USCC_SHAPE.fullmatch(code) and _weighted_check(code[:17]) == code[17]:
            return code
        result = validate_uscc(code)
        if not result.valid:
            raise Fallback
        return result.code

    #: the cells :meth:`_prepare` reads, in its order (logical name → column code, ``None`` = from ``cols``)
    _READ = ("name", "number", "decided_on", "authority", "authority_code", "party_kind", "rep_name", "rep_id_type", "rep_id",
             "id_type", "id_number", "uscc", "source_name", "source_code", "published_on", "cf_wfxw", "cf_sy", "cf_nr", "cf_yj",
             "cf_nr_zkdx", "cf_nr_fk", "cf_nr_wfff", "cf_yxq", "cf_gsjzq", "cf_cfcx", "cf_cflb", "cf_yzcd")

    def prepare(self, number: int, cells: list[str]):
        """The :class:`FactRow` of a CSV row, or ``None`` when ``prepare`` must look at it."""
        if len(cells) < self.width or (self.unnamed is not None and self.unnamed.found(cells)):
            return None
        cells.append(None)  # what a column absent from the file reads
        try:
            return self._prepare(number, cells, self.getter(cells))
        except Fallback:
            return None
        finally:
            cells.pop()

    def _prepare(self, number: int, cells: list[str], read: tuple):
        (name_c, number_c, decided_c, authority_c, authority_code_c, kind_c, rep_name_c, rep_id_type_c, rep_id_c, id_type_c, id_number_c,
         uscc_c, source_name_c, source_code_c, published_c, wfxw_c, sy_c, nr_c, yj_c, zkdx_c, fk_c, wfff_c, yxq_c, gsjzq_c, cfcx_c, cflb_c,
         yzcd_c) = read
        clean, code_text = _clean, _code

        name = _name(name_c)
        record_id = document_number(clean(number_c))
        if not name or not record_id or not _present(decided_c):
            raise Fallback
        decided_on = self.m_date[decided_c]
        if decided_on > self.today:
            raise Fallback
        authority = self.m_squeezed[authority_c]
        if not authority:
            raise Fallback
        fields: dict[str, Any] = {"decision_no": record_id, "decided_on": decided_on, "authority": authority,
                                  "authority_code": self.m_uscc[authority_code_c] if _present(authority_code_c) else ""}

        party_kind = self.m_party_kind[kind_c] if _present(kind_c) else _LEGAL_ENTITY
        fields["party_kind"] = party_kind
        fields["legal_rep_name"] = self.m_squeezed[rep_name_c]
        fields["legal_rep_id_type"] = self.m_clean[rep_id_type_c]
        fields["legal_rep_id_number"] = code_text(rep_id_c) if clean(rep_id_c) else ""
        fields["person_id_type"] = self.m_clean[id_type_c]
        fields["person_id_number"] = code_text(id_number_c) if clean(id_number_c) else ""
        if ((fields["legal_rep_id_number"] and ("E+" in fields["legal_rep_id_number"]
                                                 or _person_id_problem(fields["legal_rep_id_type"], fields["legal_rep_id_number"])))
                or (fields["person_id_number"] and ("E+" in fields["person_id_number"]
                                                    or _person_id_problem(fields["person_id_type"], fields["person_id_number"])))):
            raise Fallback  # a mistyped or mangled identity number: ``prepare`` says which

        # _DoubleImporter._codes
        if party_kind == _NATURAL_PERSON:
            if clean(uscc_c) or any(clean(cells[p]) for _, p in self.legacy):
                raise Fallback
            if not fields["person_id_number"] and fields["legal_rep_id_number"]:
                fields["person_id_number"], fields["person_id_type"] = fields["legal_rep_id_number"], fields["legal_rep_id_type"]
            fields["party_uscc"], fields["party_codes"] = "", {}
        else:
            raw = code_text(uscc_c) if clean(uscc_c) else ""
            if raw and _looks_like_person_id(raw):
                raise Fallback
            fields["party_uscc"] = "" if not raw or raw in self.placeholders else self._valid_uscc(raw)
            codes = {}
            for key, p in self.legacy:
                value = code_text(cells[p]) if clean(cells[p]) else ""
                if not value:
                    continue
                if (party_kind == _LEGAL_ENTITY and _looks_like_person_id(value)) or "E+" in value:
                    raise Fallback  # an identity number, or Excel's scientific notation
                codes[key] = value
            fields["party_codes"] = codes
            if party_kind == _LEGAL_ENTITY and fields["person_id_number"]:
                raise Fallback

        department, source_name, source_code = self.m_source[(source_name_c, source_code_c)]
        if _present(published_c):
            published_on = self.m_date[published_c]
            if published_on > self.today:
                raise Fallback
            fields["published_on"] = published_on

        # PenaltyImporter._specific
        fields["title"] = self.m_clean[wfxw_c][:200]
        content = (self.m_clean[sy_c], clean(nr_c))
        fields["content"] = "\n".join(p for p in content if p)
        fields["legal_basis"] = self.m_clean[yj_c]
        fields["licence_action"] = licence_action = self.m_clean[zkdx_c][:200]
        fine = self.m_fine[fk_c] if _present(fk_c) else None
        confiscated = self.m_confiscated[wfff_c] if _present(wfff_c) else None
        fields["fine_wan"], fields["confiscated_wan"] = fine, confiscated
        valid_until = self.m_date[yxq_c] if _present(yxq_c) else None
        ends = self.m_date[gsjzq_c] if _present(gsjzq_c) else None
        if (ends and ends < decided_on) or (valid_until and valid_until < decided_on):
            raise Fallback
        fields["valid_until"] = valid_until
        fields["procedure"] = self.m_procedure[cfcx_c if _present(cfcx_c) else ""]
        categories = self.m_categories[cflb_c if _present(cflb_c) else ""]
        if fine and fine > 0 and "罚款" not in categories:
            categories = categories | {"罚款"}
        fields["is_warning_only"] = categories == _WARNING
        light = categories <= _LIGHT and not confiscated and not licence_action
        fields["is_criticism_or_low_fine"] = bool(categories) and light and (
            "通报批评" in categories or ("罚款" in categories and fine is not None and fine <= self.low_fine_threshold(party_kind, decided_on)))
        severity = self.m_severity[yzcd_c if _present(yzcd_c) else ""]
        if severity is not None:
            fields["severity"] = severity

        received = {code: value for code, value in zip(self.codes, map(str.strip, self.cells_getter(cells))) if value}
        for code in self.personal.intersection(received):
            received[code] = _mask_id(received[code])
        fields["received"] = received
        return _FactRow(number, record_id, name, department, source_name, source_code, fields)


def checked_batches(reader, fast: FastPenaltyRows, batch_size: int, report, stager: Stager | None = None) -> Iterator[list]:
    """The CSV rows in batches of ``batch_size``: each row the :class:`FactRow` of the fast checks
    (:class:`Staged` with ``stager``), or :class:`Unchecked` for ``prepare`` to look at (blank
    rows skipped; ``report.total`` counted)."""
    batch: list = []

    def done(batch: list) -> list:
        if stager is None:
            return batch
        staged = iter(stager([item for item in batch if not isinstance(item, Unchecked)]))
        return [item if isinstance(item, Unchecked) else next(staged) for item in batch]

    for number, cells in enumerate(reader, 2):
        if not (cells and cells[0].strip()) and not "".join(cells).strip():
            continue
        report.total += 1
        batch.append(fast.prepare(number, cells) or Unchecked(number, cells))
        if len(batch) >= batch_size:
            yield done(batch)
            batch = []
    if batch:
        yield done(batch)


class Unchecked(NamedTuple):
    """A CSV row the fast checks leave to ``PenaltyImporter.prepare``."""

    number: int
    cells: list[str]


class Staged(NamedTuple):
    """A checked row with its new fact's column values and its staging row."""

    prepared: _FactRow
    values: dict
    row: str


class Stager:
    """Checked rows → :class:`Staged`: the column values (``importers._values``), the publication
    derived once per distinct input (:func:`derive_many`, remembered across batches), the
    staging row (:func:`stage_row`).  Uses no connection of its own thread (it may run in
    :func:`in_thread`)."""

    def __init__(self):
        self.derived: dict = {}

    def __call__(self, rows: list) -> list[Staged]:
        from .importers import _DERIVE_INPUTS, _DERIVE_OUTPUTS, _values
        from .matching import source_key_of

        inputs = _DERIVE_INPUTS[1:]
        values = [_values(prepared, source_key_of(prepared.source_department, prepared.source_name, prepared.source_code))
                  for prepared in rows]
        keys = [(*map(v.get, inputs), v.pop("_published_on")) for v in values]
        missing = list(dict.fromkeys(k for k in keys if k not in self.derived))
        if missing:
            self.derived.update(zip(missing, derive_many(missing, inputs, _DERIVE_OUTPUTS), strict=True))
        for v, key in zip(values, keys, strict=True):
            v.update(zip(_DERIVE_OUTPUTS, self.derived[key], strict=True))
        return [Staged(prepared, v, stage_row(v, prepared.number)) for prepared, v in zip(rows, values, strict=True)]


@contextlib.contextmanager
def in_thread(items: Iterator, depth: int = 2):
    """Run the iterator ``items`` in a second thread, ``depth`` items ahead of the consumer (memory
    stays flat): the file is read and checked while the database writes.  The iterator must not
    use the database (the connection and its transaction belong to the consumer's thread).  Its
    errors are raised in the consumer; leaving the block early stops it."""
    done = object()
    results: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                results.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((None, item)):
                    return
        except BaseException as exc:  # noqa: BLE001 — handed to the consumer
            put((exc, None))
        put((None, done))

    def consume() -> Iterator:
        while True:
            error, item = results.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item

    worker = threading.Thread(target=run, name="credit-import-reader", daemon=True)
    worker.start()
    try:
        yield consume()
    finally:
        stop.set()
        worker.join()


@contextlib.contextmanager
def fewer_collections(young: int = 50000):
    """The cyclic garbage collector looks at new objects every ``young`` allocations instead of
    every 700 while the block runs (then as before).  A streamed import allocates some fifty
    objects a row — cells, dictionaries, strings, none of them in a cycle — and the batches in
    flight outlive the youngest generation: with the default threshold, collections took a
    fifth of the reading thread's time (9 µs of 45 a row).  The threshold is the process's:
    imports run in the command or the job worker, not in a web process."""
    before = gc.get_threshold()
    gc.set_threshold(young, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _present(value) -> bool:
    """``Row.has`` of a CSV cell."""
    return value is not None and value.strip() != ""



_LEGAL_ENTITY = str(PartyKind.LEGAL_ENTITY.value)
_WARNING = frozenset({"警告"})


def derive_many(keys: list[tuple], inputs: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple]:
    """``facts._derive`` of a penalty for each key (``inputs`` values, then the given publication
    date or ``facts._NOT_GIVEN``): the ``outputs`` values.

    On PostgreSQL this runs in a helper thread, i.e. on its own connection outside the import's
    transaction, where ``core.rules`` memoises each rule's effective-dated overrides (inside a
    transaction every ``rules.value`` reads them: five queries per distinct key).  The rules in
    force are the committed ones — an import never writes rule overrides."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        return _derive_keys(keys, inputs, outputs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_derive_in_thread, keys, inputs, outputs).result()


def _derive_in_thread(keys, inputs, outputs):
    from django.db import connection

    try:
        return _derive_keys(keys, inputs, outputs)
    finally:
        connection.close()


def _derive_keys(keys, inputs, outputs):
    from .choices import FactKind
    from .models import CreditFact
    from .services import facts

    results = []
    for key in keys:
        fact = CreditFact(kind=FactKind.PENALTY, **dict(zip(inputs, key[:-1], strict=True)))
        facts._derive(fact, key[-1])
        results.append(tuple(getattr(fact, name) for name in outputs))
    return results


# --- PostgreSQL: staging table and set-wise SQL -------------------------------------------------------------

STAGE = "credit_import_stage"
#: the fact columns the staging table carries (as the per-row path's ``_clean`` gives them)
FACT_COLUMNS = (
    "source_department_id", "source_name", "source_key", "source_record_id", "party_kind", "party_name", "party_uscc", "party_codes",
    "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number", "person_id_type", "person_id_number", "title", "content",
    "legal_basis", "decision_no", "decided_on", "valid_from", "valid_until", "procedure", "is_warning_only", "is_criticism_or_low_fine",
    "fine_wan", "confiscated_wan", "licence_action", "severity", "authority", "authority_code", "regime", "is_publishable",
    "publish_due", "published_on", "publicity_ends_on", "received",
)
_TYPES = {
    "source_department_id": "bigint", "party_codes": "jsonb", "received": "jsonb", "decided_on": "date", "valid_from": "date",
    "valid_until": "date", "publish_due": "date", "published_on": "date", "publicity_ends_on": "date", "is_warning_only": "boolean",
    "is_criticism_or_low_fine": "boolean", "is_publishable": "boolean", "fine_wan": "numeric", "confiscated_wan": "numeric",
}


def create_stage(cursor) -> None:
    """The temporary staging table of one batch (emptied after each batch, dropped at commit or
    rollback): small enough to stay in the session's temporary buffers.  The JSON columns are
    staged as text (cast by :func:`insert_staged`)."""
    columns = ", ".join(f"{name} {'text' if name in _JSON else _TYPES.get(name, 'text')}" for name in FACT_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")  # left by an enclosing transaction that has not ended (tests)
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (row_number integer NOT NULL, {columns}, ident_schemes text[], ident_values text[], "
                   "match_name text NOT NULL, match_name_fw text) ON COMMIT DROP")


#: the staging table's columns, in the order of :func:`stage_row`
STAGE_COLUMNS = ("row_number", *FACT_COLUMNS, "ident_schemes", "ident_values", "match_name", "match_name_fw")
_JSON = ("party_codes", "received")
_json_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _array(values: list[str]) -> str:
    """A PostgreSQL array literal of text values."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def stage_row(values: dict[str, Any], row_number: int) -> str:
    """One staging row, as a line of ``COPY``'s text format, from a new fact's values
    (``facts._clean`` output plus derived dates), with what matching needs: the legacy
    identifiers (``matching._legacy``: the codes given and the 组织机构代码 inside the USCC) and
    the normalised name (none for a natural person).  Formatted in the reading thread, a batch
    goes to the database as one block of bytes: the connection's thread hardly needs the
    interpreter while the reading thread works."""
    uscc, codes = values["party_uscc"], values["party_codes"]
    if codes:
        idents = [(i.scheme, i.value) for i in _legacy(uscc, codes)]
        schemes, idents = _array([i[0] for i in idents]), _array([i[1] for i in idents])
    elif uscc:  # the common case without building Identifiers (characters 9–17 of a valid USCC are canonical)
        schemes, idents = _ORGCODE_ARRAY, "{" + uscc[8:17] + "}"
    else:
        schemes = idents = "{}"
    name = normalise_name(values["party_name"]) if values["party_kind"] != _NATURAL_PERSON else ""
    fw = name.replace("(", "（").replace(")", "）")
    out = [str(row_number), *map(values.get, FACT_COLUMNS), schemes, idents, name, "\\N"]
    for i in _JSON_AT:
        out[i] = _json_text(out[i]) if out[i] else "{}"
    try:  # searching the text values at once is far cheaper than escaping each
        texts = "\t".join(_TEXTS(out))
        plain = texts.count("\t") == len(_TEXT_AT) - 1 and "\\" not in texts and "\n" not in texts and "\r" not in texts
    except TypeError:  # a text column without a value (None)
        plain = False
    for i in _TYPED_AT:
        value = out[i]
        out[i] = "\\N" if value is None else "t" if value is True else "f" if value is False else str(value)
    out[_CONTENT_AT] = _copy_text(out[_CONTENT_AT])  # 事由 and 内容 on two lines
    if not plain:
        for i in _TEXT_AT:
            out[i] = _copy_text(out[i])
    if fw != name:
        out[-1] = _copy_text(fw)
    return "\t".join(out) + "\n"


#: positions in a :func:`stage_row` row of the JSON columns and of those not given as text
_JSON_AT = [STAGE_COLUMNS.index(name) for name in _JSON]
_TYPED_AT = [STAGE_COLUMNS.index(name) for name in FACT_COLUMNS if name in _TYPES and name not in _JSON]
_CONTENT_AT = STAGE_COLUMNS.index("content")
#: the text values but ``content`` (always escaped) and ``match_name_fw`` (set apart)
_TEXT_AT = [i for i in range(1, len(STAGE_COLUMNS) - 1) if i not in _TYPED_AT and i != _CONTENT_AT]
_TEXTS = itemgetter(*_TEXT_AT)


def _copy_text(value: Any) -> str:
    """A value in ``COPY``'s text format: ``None`` → ``\\N``, booleans ``t``/``f``, text with its
    backslash, tab and line breaks escaped, dates and numbers as ``str`` writes them."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\n" in value or "\r" in value or "\t" in value:  # searching is far cheaper than replacing
            return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        return value
    return str(value)


def stage(cursor, lines: list[str]) -> None:
    """``COPY`` one batch of :func:`stage_row` lines into the (empty) staging table."""
    with cursor.cursor.copy(f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        copy.write("".join(lines).encode())


def existing(cursor) -> list[tuple[int, int, int | None, datetime.datetime]]:
    """(row number, fact id, the fact's change set, its last-seen time) of the staged rows whose
    fact exists already (same source and 文号) — from an earlier import, or from an earlier batch
    of this one (created by it, or seen or updated by it: last seen at the import's time)."""
    from .models import CreditFact

    cursor.execute(f"""
        SELECT s.row_number, f.id, f.created_in_id, f.last_seen_at FROM {STAGE} s
        CROSS JOIN LATERAL (SELECT f.id, f.created_in_id, f.last_seen_at FROM {CreditFact._meta.db_table} f
                            WHERE f.kind = 'penalty' AND f.source_key = s.source_key AND f.source_record_id = s.source_record_id OFFSET 0) f""")
    return cursor.fetchall()


def unstage(cursor, row_numbers: list[int]) -> None:
    cursor.execute(f"DELETE FROM {STAGE} WHERE row_number = ANY(%s)", [row_numbers])


def insert_staged(cursor, *, change_set_id: int, now: datetime.datetime) -> int:
    """Match the staged rows and insert their facts — one statement — then empty the staging
    table; returns how many facts.  Matching in the order of ``matching.match_many``: the USCC,
    else the legacy identifiers when they name exactly one enterprise, else the normalised name
    (half- or full-width brackets) when exactly one enterprise bears it — a candidate for review,
    not a match.  A batch is small against the registry: each lookup is an index probe
    (``OFFSET 0`` keeps the planner from hashing the whole registry per batch).  The foreign
    keys are checked by this statement (not at commit), so the database checks them while the
    next batch is being read."""
    from zhiliang.enterprises.models import Enterprise, EnterpriseIdentifier

    from .models import CreditFact

    enterprises, identifiers = Enterprise._meta.db_table, EnterpriseIdentifier._meta.db_table
    columns = ", ".join(FACT_COLUMNS)
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f"""
        INSERT INTO {CreditFact._meta.db_table} (created_in_id, created_at, updated_at, kind, {columns}, enterprise_id, candidate_id,
            region_id, match_status, status, disputed, first_seen_at, last_seen_at)
        SELECT %s, %s, %s, 'penalty', {", ".join(f"s.{c}::jsonb" if c in _JSON else f"s.{c}" for c in FACT_COLUMNS)}, e.id, n.id, e.region_id,
            CASE WHEN u.id IS NOT NULL THEN 'uscc' WHEN i.id IS NOT NULL THEN 'identifier' WHEN n.id IS NOT NULL THEN 'candidate'
                 ELSE 'unmatched' END,
            'active', false, %s, %s
        FROM {STAGE} s
        LEFT JOIN LATERAL (SELECT u.id FROM {enterprises} u WHERE s.party_uscc <> '' AND u.uscc = s.party_uscc OFFSET 0) u ON true
        LEFT JOIN LATERAL (
            SELECT CASE WHEN count(DISTINCT x.enterprise_id) = 1 THEN min(x.enterprise_id) END AS id
            FROM unnest(s.ident_schemes, s.ident_values) AS k(scheme, value)
            JOIN {identifiers} x ON x.scheme = k.scheme AND x.value = k.value
            WHERE u.id IS NULL) i ON true
        LEFT JOIN LATERAL (
            SELECT CASE WHEN count(DISTINCT c.id) = 1 THEN min(c.id) END AS id
            FROM {enterprises} c
            WHERE u.id IS NULL AND i.id IS NULL AND s.match_name <> '' AND c.name IN (s.match_name, s.match_name_fw)) n ON true
        LEFT JOIN LATERAL (SELECT e.id, e.region_id FROM {enterprises} e WHERE e.id = coalesce(u.id, i.id) OFFSET 0) e ON true
""", [change_set_id, now, now, now, now])
    created = cursor.rowcount
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(f"TRUNCATE {STAGE}")
    return created
