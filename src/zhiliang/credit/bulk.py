"""The set-wise loader behind :func:`zhiliang.credit.importers.bulk_import_penalties`.

* :class:`FastPenaltyRows` — the per-row checks of :meth:`PenaltyImporter.prepare` for the
  common row, with the answers for low-cardinality cells (dates, authority, source, category,
  procedure, amounts …) remembered; any row where a check could fail, or any value it does not
  recognise at once, goes to ``prepare`` itself, so every error message is the per-row path's.
  The two give the same :class:`~zhiliang.credit.importers.FactRow` (tested).
* PostgreSQL (driven by ``importers._PostgresLoader``): the checked rows stream (``COPY``,
  :func:`stage_row`) into a temporary staging table (:func:`create_stage`); :func:`duplicates`,
  :func:`match`, :func:`insert_facts`, :func:`insert_events` — duplicates, matching (USCC → legacy identifiers → exact normalised name, as
  :func:`zhiliang.credit.matching.match_many`), the insert of the facts and of their
  ``credit.fact_recorded`` events are each one SQL statement.  Existing facts are compared per
  batch as the per-row path does (identical → "unchanged", else ``record_fact``).
  :func:`derive_many` computes publication dates once per distinct input.
* :func:`deliver_change_set` — after commit, one task delivers the events of the import
  (class recomputation of the enterprises concerned, like ``emit``'s delivery).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django_tasks import task

from zhiliang.core.choices import IdentifierScheme
from zhiliang.core.uscc import _weighted_check, validate_uscc
from zhiliang.exchange.parsing import folded, parse_date, split_list

from .choices import PartyKind
# importers imports this module inside its functions only: no cycle
from .importers import LIGHT_CATEGORIES as _LIGHT
from .importers import FactRow as _FactRow
from .importers import looks_like_person_id as _looks_like_person_id
from .importers import mask_id as _mask_id
from .matching import _legacy, normalise_name

_ORGCODE = str(IdentifierScheme.ORGCODE.value)
_NATURAL_PERSON = str(PartyKind.NATURAL_PERSON.value)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_WS = re.compile(r"\s+")
#: memo entries per column at most (low-cardinality columns; a column of unique values stops being memoised)
MEMO_LIMIT = 20000


class Fallback(Exception):  # noqa: N818 — a signal, not an error
    """This row needs :meth:`PenaltyImporter.prepare` (it may have an error)."""


class _Memo(dict):
    """``fn(raw)`` remembered per raw cell, up to :data:`MEMO_LIMIT` entries; an ``Exception``
    answer (``Fallback``) is remembered too."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __call__(self, raw):
        try:
            answer = self[raw]
        except KeyError:
            try:
                answer = self.fn(raw)
            except Fallback as exc:
                answer = exc
            except Exception:  # noqa: BLE001 — the reference path reports it
                answer = Fallback()
            if len(self) < MEMO_LIMIT:
                self[raw] = answer
        if isinstance(answer, Fallback):
            raise answer
        return answer


class FastPenaltyRows:
    """:meth:`PenaltyImporter.prepare` for the common CSV row (see the module docstring)."""

    def low_fine_threshold(self, party_kind: str, decided_on):
        by_kind = self.low_fine.get(decided_on)
        if by_kind is None:
            from .choices import PartyKind
            from .rules import low_fine_threshold

            by_kind = self.low_fine[decided_on] = {kind: low_fine_threshold(kind, decided_on) for kind in PartyKind.values}
        return by_kind[party_kind]

    def __init__(self, importer, ctx, positions: list[tuple[int, str]]):
        from .importers import LEGACY_CODES, PLACEHOLDERS, PROCEDURES, SEVERITIES, clean, code_text, entity_name

        self.importer, self.ctx = importer, ctx
        self.positions = positions
        self.pos = {code: pos for pos, code in positions}
        self.today = ctx.cache["today"]
        #: RULE_CREDIT_LOW_FINE_WAN by decision date (read once per distinct date)
        self.low_fine: dict[Any, dict] = {}
        c = importer.cols
        self.c = c
        self.personal = {c["rep_id"], c["id_number"]}
        self.legacy = [(key, self.pos[f"{importer.prefix}_xdr_{suffix}"]) for suffix, key in LEGACY_CODES.items()
                       if f"{importer.prefix}_xdr_{suffix}" in self.pos]
        self.entity_name, self.clean, self.code_text = entity_name, clean, code_text
        self.placeholders = PLACEHOLDERS

        def squeezed(raw):
            return _WS.sub("", clean(raw))

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

        def amount(raw):
            from .importers import _amount

            from zhiliang.exchange.importing import Row

            row = Row(number=0, values={"x": raw}, headers={"x": "x"})
            value = _amount(row, "x")
            if row.errors:
                raise Fallback
            return value

        def source(key):
            raw_name, raw_code = key
            name = squeezed(raw_name)
            code = uscc(raw_code) if raw_code is not None and raw_code.strip() else ""
            department = ctx.cache["source"]
            if department is not None:
                return department, name or department.name, code or ""
            department = ctx.cache["dept_by_uscc"].get(code) if code else None
            department = department or ctx.cache["dept_by_name"].get(name)
            if department is None and not name and not code:
                raise Fallback
            return department, name or (department.name if department else ""), code or ""

        self.m_squeezed = _Memo(squeezed)
        self.m_clean = _Memo(clean)
        from operator import itemgetter

        self.width = max((p for p, _ in positions), default=-1) + 1
        # a column absent from the file reads the ``None`` appended to the cells (index -1)
        self.getter = itemgetter(*(self.pos.get(c.get(name, name), -1) for name in self._READ))
        self.m_date = _Memo(date)
        self.m_uscc = _Memo(uscc)
        self.m_party_kind = _Memo(party_kind)
        self.m_procedure = _Memo(procedure)
        self.m_severity = _Memo(severity)
        self.m_categories = _Memo(categories)
        self.m_amount = _Memo(amount)
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
        if len(cells) < self.width:
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
        clean, code_text = self.clean, self.code_text

        name = self.entity_name(name_c)
        record_id = _WS.sub("", clean(number_c))
        if not name or not record_id or not _present(decided_c):
            raise Fallback
        decided_on = self.m_date(decided_c)
        if decided_on > self.today:
            raise Fallback
        authority = self.m_squeezed(authority_c)
        if not authority:
            raise Fallback
        fields: dict[str, Any] = {"decision_no": record_id, "decided_on": decided_on, "authority": authority,
                                  "authority_code": self.m_uscc(authority_code_c) if _present(authority_code_c) else ""}

        party_kind = self.m_party_kind(kind_c) if _present(kind_c) else _LEGAL_ENTITY
        fields["party_kind"] = party_kind
        fields["legal_rep_name"] = self.m_squeezed(rep_name_c)
        fields["legal_rep_id_type"] = self.m_clean(rep_id_type_c)
        fields["legal_rep_id_number"] = code_text(rep_id_c) if clean(rep_id_c) else ""
        fields["person_id_type"] = self.m_clean(id_type_c)
        fields["person_id_number"] = code_text(id_number_c) if clean(id_number_c) else ""

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
                if party_kind == _LEGAL_ENTITY and _looks_like_person_id(value):
                    raise Fallback
                codes[key] = value
            fields["party_codes"] = codes
            if party_kind == _LEGAL_ENTITY and fields["person_id_number"]:
                raise Fallback

        department, source_name, source_code = self.m_source((source_name_c, source_code_c))
        if _present(published_c):
            published_on = self.m_date(published_c)
            if published_on > self.today:
                raise Fallback
            fields["published_on"] = published_on

        # PenaltyImporter._specific
        fields["title"] = self.m_clean(wfxw_c)[:200]
        content = (self.m_clean(sy_c), clean(nr_c))
        fields["content"] = "\n".join(p for p in content if p)
        fields["legal_basis"] = self.m_clean(yj_c)
        fields["licence_action"] = licence_action = self.m_clean(zkdx_c)[:200]
        fine = self.m_amount(fk_c) if _present(fk_c) else None
        confiscated = self.m_amount(wfff_c) if _present(wfff_c) else None
        fields["fine_wan"], fields["confiscated_wan"] = fine, confiscated
        valid_until = self.m_date(yxq_c) if _present(yxq_c) else None
        ends = self.m_date(gsjzq_c) if _present(gsjzq_c) else None
        if (ends and ends < decided_on) or (valid_until and valid_until < decided_on):
            raise Fallback
        fields["valid_until"] = valid_until
        fields["procedure"] = self.m_procedure(cfcx_c if _present(cfcx_c) else "")
        categories = self.m_categories(cflb_c if _present(cflb_c) else "")
        if fine and fine > 0 and "罚款" not in categories:
            categories = categories | {"罚款"}
        fields["is_warning_only"] = categories == _WARNING
        light = categories <= _LIGHT and not confiscated and not licence_action
        fields["is_criticism_or_low_fine"] = bool(categories) and light and (
            "通报批评" in categories or ("罚款" in categories and fine is not None and fine <= self.low_fine_threshold(party_kind, decided_on)))
        severity = self.m_severity(yzcd_c if _present(yzcd_c) else "")
        if severity is not None:
            fields["severity"] = severity

        received = {}
        personal = self.personal
        for p, code in self.positions:
            value = cells[p].strip()
            if value:
                received[code] = _mask_id(value) if code in personal else value
        fields["received"] = received
        return _FactRow(number, record_id, name, department, source_name, source_code, fields)


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
    """The temporary staging table (dropped at commit or rollback)."""
    columns = ", ".join(f"{name} {_TYPES.get(name, 'text')}" for name in FACT_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")  # left by an enclosing transaction that has not ended (tests)
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (row_number integer NOT NULL, {columns}, ident_schemes text[], ident_values text[], "
                   "match_name text NOT NULL, match_name_fw text, existing boolean NOT NULL, "
                   "enterprise_id bigint, candidate_id bigint, region_id bigint, match_status text NOT NULL DEFAULT 'unmatched') "
                   "ON COMMIT DROP")



_JSON_AT = [i for i, name in enumerate(FACT_COLUMNS) if name in ("party_codes", "received")]


def stage_row(values: dict[str, Any], row_number: int, existing: bool) -> tuple:
    """One staging row from a new fact's values (``facts._clean`` output plus derived dates),
    with what matching needs: the legacy identifiers (``matching._legacy``: the codes given and
    the 组织机构代码 inside the USCC) and the normalised name (none for a natural person)."""
    from psycopg.types.json import Jsonb

    uscc, codes = values["party_uscc"], values["party_codes"]
    if codes:
        idents = [(i.scheme, i.value) for i in _legacy(uscc, codes)]
    else:  # the common case without building Identifiers (characters 9–17 of a valid USCC are canonical)
        idents = [(_ORGCODE, uscc[8:17])] if uscc else []
    name = normalise_name(values["party_name"]) if values["party_kind"] != _NATURAL_PERSON else ""
    fw = name.replace("(", "（").replace(")", "）")
    out = [row_number, *map(values.get, FACT_COLUMNS)]
    for i in _JSON_AT:
        out[i + 1] = Jsonb(out[i + 1])
    out += [[i[0] for i in idents], [i[1] for i in idents], name, fw if fw != name else None, existing]
    return tuple(out)


def duplicates(cursor, limit: int) -> tuple[int, list[dict]]:
    """(number of rows repeating an earlier row's source and 文号, the first ``limit`` errors)."""
    cursor.execute(f"""
        SELECT row_number, first_row, source_record_id FROM (
            SELECT row_number, source_record_id,
                   first_value(row_number) OVER (PARTITION BY source_key, source_record_id ORDER BY row_number) AS first_row
            FROM {STAGE}) d
        WHERE row_number <> first_row ORDER BY row_number""")
    count, errors = 0, []
    for row_number, first_row, record_id in cursor:
        count += 1
        if len(errors) < limit:
            errors.append({"row": row_number, "column": "行政处罚决定书文号",
                           "message": f"决定书文号“{record_id}”与第 {first_row} 行重复（同一来源的同一文书只能有一条）"})
    if count:
        cursor.execute(f"""
            DELETE FROM {STAGE} s USING {STAGE} f
            WHERE f.source_key = s.source_key AND f.source_record_id = s.source_record_id AND f.row_number < s.row_number""")
    return count, errors


def match(cursor) -> None:
    """Match the new rows set-wise, in the order of ``matching.match_many``."""
    from zhiliang.enterprises.models import Enterprise, EnterpriseIdentifier

    enterprises, identifiers = Enterprise._meta.db_table, EnterpriseIdentifier._meta.db_table
    cursor.execute(f"CREATE INDEX ON {STAGE} (row_number)")
    cursor.execute(f"ANALYZE {STAGE}")
    cursor.execute(f"""
        UPDATE {STAGE} s SET enterprise_id = e.id, region_id = e.region_id, match_status = 'uscc'
        FROM {enterprises} e WHERE NOT s.existing AND s.party_uscc <> '' AND e.uscc = s.party_uscc""")
    cursor.execute(f"""
        WITH found AS (
            SELECT s.row_number, min(i.enterprise_id) AS enterprise_id
            FROM {STAGE} s CROSS JOIN LATERAL unnest(s.ident_schemes, s.ident_values) AS x(scheme, value)
            JOIN {identifiers} i ON i.scheme = x.scheme AND i.value = x.value
            WHERE NOT s.existing AND s.enterprise_id IS NULL AND cardinality(s.ident_schemes) > 0
            GROUP BY s.row_number HAVING count(DISTINCT i.enterprise_id) = 1)
        UPDATE {STAGE} s SET enterprise_id = e.id, region_id = e.region_id, match_status = 'identifier'
        FROM found JOIN {enterprises} e ON e.id = found.enterprise_id WHERE s.row_number = found.row_number""")
    cursor.execute(f"""
        WITH named AS (
            SELECT s.row_number, e.id FROM {STAGE} s JOIN {enterprises} e ON e.name = s.match_name
            WHERE NOT s.existing AND s.enterprise_id IS NULL AND s.match_name <> ''
            UNION
            SELECT s.row_number, e.id FROM {STAGE} s JOIN {enterprises} e ON e.name = s.match_name_fw
            WHERE NOT s.existing AND s.enterprise_id IS NULL AND s.match_name_fw IS NOT NULL),
        found AS (SELECT row_number, min(id) AS id FROM named GROUP BY row_number HAVING count(DISTINCT id) = 1)
        UPDATE {STAGE} s SET candidate_id = found.id, match_status = 'candidate' FROM found WHERE s.row_number = found.row_number""")


def insert_facts(cursor, *, change_set_id: int, now: datetime.datetime) -> int:
    """Insert the new rows' facts; returns how many."""
    from .models import CreditFact

    columns = ", ".join(FACT_COLUMNS)
    cursor.execute(f"""
        INSERT INTO {CreditFact._meta.db_table} (created_in_id, created_at, updated_at, kind, {columns}, enterprise_id, candidate_id,
            region_id, match_status, status, disputed, first_seen_at, last_seen_at)
        SELECT %s, %s, %s, 'penalty', {columns}, enterprise_id, candidate_id, region_id, match_status, 'active', false, %s, %s
        FROM {STAGE} WHERE NOT existing ORDER BY row_number
        ON CONFLICT (kind, source_key, source_record_id) DO NOTHING""", [change_set_id, now, now, now, now])
    return cursor.rowcount


def insert_events(cursor, *, change_set_id: int, now: datetime.datetime) -> int:
    """One ``credit.fact_recorded`` event ("created") per fact the change set created — the
    payload of ``facts._payload`` — in one statement."""
    from psycopg.types.json import Jsonb

    from zhiliang.core import audit
    from zhiliang.core.models import DomainEvent
    from zhiliang.enterprises.models import Enterprise

    from .models import CreditFact

    ctx = audit.require_context("发布事件")
    content_type = audit._content_type(CreditFact)
    cursor.execute(f"""
        INSERT INTO {DomainEvent._meta.db_table} (id, name, version, payload, subject_type_id, subject_id, enterprise_key, region_id,
            is_public, actor_id, actor_name, request_id, audit, created_at, delivered_at)
        SELECT gen_random_uuid(), 'credit.fact_recorded', 1,
            jsonb_build_object('fact', f.id, 'kind', f.kind, 'source', f.source_key, 'source_record_id', f.source_record_id,
                'match_status', f.match_status, 'enterprise', k.key, 'decided_on', to_char(f.decided_on, 'YYYY-MM-DD'),
                'severity', f.severity, 'outcome', 'created'),
            %s, f.id::text, coalesce(k.key, ''), f.region_id, false, %s, %s, %s, %s, %s, NULL
        FROM {CreditFact._meta.db_table} f
        LEFT JOIN LATERAL (SELECT CASE WHEN e.uscc <> '' THEN e.uscc ELSE 'enterprise:' || e.id END AS key
                           FROM {Enterprise._meta.db_table} e WHERE e.id = f.enterprise_id) k ON true
        WHERE f.created_in_id = %s AND f.kind = 'penalty' ORDER BY f.id""",
                   [content_type.pk, ctx.actor_id, ctx.actor_name, ctx.request_id, Jsonb(ctx.capture()), now, change_set_id])
    return cursor.rowcount


@task()
def deliver_change_set(change_set_id: int) -> int:
    """Task: deliver the ``credit.fact_recorded`` events a bulk import wrote (``core.events.deliver``
    each: the class of every enterprise concerned is recomputed), streaming their ids."""
    from zhiliang.core.events import deliver
    from zhiliang.core.models import DomainEvent

    ids = (DomainEvent.objects.filter(name="credit.fact_recorded", audit__change_set_id=change_set_id, delivered_at__isnull=True)
           .order_by("created_at", "pk").values_list("pk", flat=True))
    return sum(deliver(str(event_id)) for event_id in ids.iterator(chunk_size=2000))
