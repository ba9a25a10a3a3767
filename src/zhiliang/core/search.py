"""Search (CORE.md "Search"; design and figures in ``docs/search.md``).

One :func:`search` serves the UI, the API and the benchmarks.  Every
searchable record is a :class:`~zhiliang.core.models.SearchEntry` whose
normalised text is cut into tokens (:class:`~zhiliang.core.models.SearchToken`):

* CJK character **bigrams** and **trigrams** of every run of CJK characters
  (a run of one character yields that character as a unigram);
* whole **words** of letters and digits (codes, model numbers: ``dfl4251``,
  a USCC), lower-cased, after NFKC (full-width ``ＤＦＬ`` → ``dfl``).

A query is normalised and tokenised the same way, except that a CJK run of
three or more characters is looked up by its trigrams only (they imply its
bigrams and are far rarer: 汽车有限 is 汽车有 + 车有限, not three bigrams found
in half the city); its tokens are intersected
in SQL (the rarest token drives, the next rarest are probed with ``EXISTS``),
every candidate is checked against the normalised text (each query term must
be a substring, so 东汽风 does not match 东风汽车), permission is applied in
the same SQL, and only a bounded window is ranked — nothing loads all matches.

Other apps register their kinds (:func:`register_kind`) in
``AppConfig.ready`` and call :func:`index_object` / :func:`index` /
:func:`unindex` from their services, inside the service's transaction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, transaction
from django.db.models import CharField
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse

MIN_QUERY_CHARS = 2
#: the first WINDOW matches (in index order) are ranked exactly; later pages follow index order
WINDOW = 200
#: exact title matches lifted to the top (all of them, up to this many)
EXACT_LIMIT = 100
#: matches are counted exactly up to this many, estimated beyond
COUNT_CAP = 2000
#: how many query tokens are intersected in SQL (the substring check covers the rest)
MAX_INTERSECT = 4
#: at most this many query tokens are considered for the intersection
MAX_CANDIDATE_TOKENS = 16
#: document frequencies are counted up to this many when choosing the driving token
DF_CAP = 5000
#: the window reads the driver token's index in chunks of this many rows …
WINDOW_CHUNK = 2000
#: … and gives up chunking (one full query) after this many
WINDOW_MAX_SCAN = 40_000
#: how long a token frequency is remembered (frequencies move slowly)
DF_CACHE_SECONDS = 6 * 3600
#: how often PostgreSQL's most-common-token statistics are re-read
COMMON_REFRESH_SECONDS = 600
#: past the window, matches are counted exactly (up to COUNT_CAP) only when the driver token has
#: at most this many index rows (each row read costs index probes); beyond, the count is
#: estimated ("约").  The estimate is far off when the best-ranked rows are denser in matches
#: than the rest (汽车: 2 500 estimated for 804 enterprises — the token's other rows are products)
EXACT_COUNT_MAX_ROWS = 3000
TOKEN_MAX = 64
MAX_PER_PAGE = 100

TOO_SHORT = "请至少输入两个字"


class QueryTooShort(ValidationError):
    """The query has no term of two or more characters (nothing to look up in the index)."""

    def __init__(self, message: str = TOO_SHORT):
        super().__init__(message, code="too_short")


# --- normalisation and tokens ------------------------------------------------------------


def normalise(text: str | None) -> str:
    """NFKC (full-width → half-width), lower case, whitespace collapsed to single spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split())


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF  # extension A
        or 0x20000 <= o <= 0x323AF  # extensions B–H
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs (NFKC maps most away)
        or o == 0x3007  # 〇
        or 0x3040 <= o <= 0x30FF  # kana
        or 0xAC00 <= o <= 0xD7AF  # hangul syllables
    )


def _runs(norm: str) -> Iterator[tuple[bool, str]]:
    """(is_cjk, run) for each run of CJK characters or of other letters/digits."""
    run: list[str] = []
    run_cjk = False
    for ch in norm:
        if is_cjk(ch):
            kind = True
        elif ch.isalnum():
            kind = False
        else:
            if run:
                yield run_cjk, "".join(run)
                run = []
            continue
        if run and kind != run_cjk:
            yield run_cjk, "".join(run)
            run = []
        run_cjk = kind
        run.append(ch)
    if run:
        yield run_cjk, "".join(run)


def tokenize(text: str | None, *, normalised: bool = False, query: bool = False) -> list[str]:
    """The distinct tokens of ``text`` in order of first appearance.

    A document's CJK run yields its bigrams and its trigrams (a lone character:
    the unigram); a query's CJK run (``query=True``) yields its trigrams when it
    has three or more characters, else its bigram or unigram — every query token
    is then a token of every matching document."""
    norm = text if normalised else normalise(text)
    seen: dict[str, None] = {}
    for cjk, run in _runs(norm or ""):
        if not cjk:
            seen.setdefault(run[:TOKEN_MAX])
        elif len(run) <= 2:
            seen.setdefault(run)
        else:
            sizes = (3,) if query else (2, 3)
            for i in range(len(run) - 1):
                for size in sizes:
                    if i + size <= len(run):
                        seen.setdefault(run[i : i + size])
    return list(seen)


@dataclass(frozen=True)
class ParsedQuery:
    text: str  #: the whole query, normalised
    terms: tuple[str, ...]  #: whitespace-separated terms; each must be a substring of a match
    tokens: tuple[str, ...]  #: index tokens of the terms of two or more characters


def parse_query(query: str) -> ParsedQuery:
    """Normalise and tokenise a query; :class:`QueryTooShort` if nothing can use the index.

    A term of a single character (``车``) cannot use the bigram index: it only
    filters the matches of the other terms.  A query made only of such terms is
    refused with “请至少输入两个字”."""
    text = normalise(query)
    terms = tuple(dict.fromkeys(t for t in text.split(" ") if t))
    tokens: dict[str, None] = {}
    for term in terms:
        if len(term) >= MIN_QUERY_CHARS:
            for tok in tokenize(term, normalised=True, query=True):
                if len(tok) >= MIN_QUERY_CHARS or not is_cjk(tok):
                    tokens.setdefault(tok)
    # a bare single letter or digit is no useful index token either
    tokens = {t: None for t in tokens if len(t) >= MIN_QUERY_CHARS}
    if not tokens:
        raise QueryTooShort()
    return ParsedQuery(text=text, terms=terms, tokens=tuple(tokens))


def token_weight(*, in_title: bool, rank: int, title_length: int) -> int:
    """The base order of an entry under one of its tokens: token in the title first,
    then higher rank, then shorter title (smaller sorts first)."""
    r = 999_999 - max(-999_999, min(999_999, int(rank)))
    return ((0 if in_title else 1) * 2_000_000 + r) * 10_000 + min(title_length, 9_999)


# --- registry of kinds ---------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """What an object contributes to the index."""

    title: str
    text: str = ""
    region_id: int | None = None
    is_public: bool = True
    rank: int = 0


@dataclass(frozen=True)
class Kind:
    kind: str
    model: Any
    label: str
    document: Callable[[Any], Document | None]
    queryset: Callable[[], Any] | None = None
    url_name: str | None = None
    public_url_name: str | None = None

    def get_queryset(self):
        return self.queryset() if self.queryset is not None else self.model._default_manager.all()

    def url(self, object_id: str, *, public: bool) -> str | None:
        names = [self.public_url_name] if public else [self.url_name, self.public_url_name]
        for name in names:
            if name:
                try:
                    return reverse(name, args=[object_id])
                except NoReverseMatch:
                    continue
        return None


_KINDS: dict[str, Kind] = {}


def register_kind(
    kind: str,
    *,
    model,
    label: str,
    document: Callable[[Any], Document | None],
    queryset: Callable[[], Any] | None = None,
    url_name: str | None = None,
    public_url_name: str | None = None,
) -> Kind:
    """Declare a searchable kind (call from ``AppConfig.ready``; registering again replaces it).

    ``document(obj)`` returns the :class:`Document` of an object, or ``None``
    when the object must not be searchable; ``queryset()`` the rows
    :func:`reindex` walks (default: all).  ``url_name``/``public_url_name`` are
    URL names taking the object id, for staff and for the public."""
    if len(kind) > 40:
        raise ValueError(f"检索类型名过长：{kind}")
    registered = Kind(kind, model, label, document, queryset, url_name, public_url_name)
    _KINDS[kind] = registered
    return registered


def unregister_kind(kind: str) -> None:
    """Forget a kind (tests); its entries stay until removed."""
    _KINDS.pop(kind, None)


def get_kind(kind: str) -> Kind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"未登记的检索类型：{kind}") from None


def registered_kinds() -> list[Kind]:
    return list(_KINDS.values())


# --- writing the index ---------------------------------------------------------------------


def _tables() -> tuple[str, str]:
    from .models import SearchEntry, SearchToken

    qn = connection.ops.quote_name
    return qn(SearchEntry._meta.db_table), qn(SearchToken._meta.db_table)


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _delete_entries(entry_ids: list[int]) -> None:
    """Delete entries and their tokens in SQL (the collector would load every token row)."""
    entries, tokens = _tables()
    with connection.cursor() as cur:
        for chunk in _chunks(entry_ids):
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"DELETE FROM {tokens} WHERE entry_id IN ({marks})", chunk)
            cur.execute(f"DELETE FROM {entries} WHERE id IN ({marks})", chunk)


def _entry_values(doc: Document) -> dict[str, Any]:
    title = " ".join((doc.title or "").split())[:255]
    title_norm = normalise(title)[:255]
    text = normalise(f"{title} {doc.text or ''}")
    return {
        "title": title,
        "title_norm": title_norm,
        "text": text,
        "region_id": doc.region_id,
        "is_public": bool(doc.is_public),
        "rank": int(doc.rank),
    }


def _entry_tokens(values: dict[str, Any]) -> dict[str, int]:
    in_title = set(tokenize(values["title_norm"], normalised=True))
    return {
        tok: token_weight(in_title=tok in in_title, rank=values["rank"], title_length=len(values["title"]))
        for tok in tokenize(values["text"], normalised=True)
    }


def write_documents(kind: str, documents: dict[str, Document | None]) -> dict[str, int]:
    """Replace the entries of ``kind`` for these object ids (``None`` removes one), atomically.

    Unchanged entries are not touched; changed ones get their token rows
    diffed.  Returns counts ``created``, ``updated``, ``removed``, ``unchanged``."""
    from .models import SearchEntry, SearchToken

    counts = {"created": 0, "updated": 0, "removed": 0, "unchanged": 0}
    if not documents:
        return counts
    with transaction.atomic():
        existing = {e.object_id: e for e in SearchEntry.objects.filter(kind=kind, object_id__in=list(documents))}
        removed = [existing[oid].pk for oid, doc in documents.items() if doc is None and oid in existing]
        to_create: list[SearchEntry] = []
        to_update: list[SearchEntry] = []
        wanted: dict[int | str, dict[str, int]] = {}
        for oid, doc in documents.items():
            if doc is None:
                continue
            values = _entry_values(doc)
            entry = existing.get(oid)
            if entry is not None:
                if all(getattr(entry, k) == v for k, v in values.items()):
                    counts["unchanged"] += 1
                    continue
                for k, v in values.items():
                    setattr(entry, k, v)
                to_update.append(entry)
            else:
                entry = SearchEntry(kind=kind, object_id=oid, **values)
                to_create.append(entry)
            wanted[id(entry)] = _entry_tokens(values)
        if removed:
            _delete_entries(removed)
        if to_update:
            SearchEntry.objects.bulk_update(to_update, ["title", "title_norm", "text", "region_id", "is_public", "rank"], batch_size=500)
        if to_create:
            SearchEntry.objects.bulk_create(to_create, batch_size=500)
        # diff the tokens of updated entries: keep rows whose token and weight are unchanged
        stale: list[int] = []
        new_rows: list[tuple[str, int, int]] = []
        old: dict[int, dict[str, tuple[int, int]]] = {}
        for chunk in _chunks([e.pk for e in to_update]):
            for pk, entry_id, tok, weight in SearchToken.objects.filter(entry_id__in=chunk).values_list("pk", "entry_id", "token", "weight"):
                old.setdefault(entry_id, {})[tok] = (pk, weight)
        for entry in to_update:
            have = old.get(entry.pk, {})
            want = wanted[id(entry)]
            for tok, (pk, weight) in have.items():
                if want.get(tok) != weight:
                    stale.append(pk)
            new_rows.extend((t, entry.pk, w) for t, w in want.items() if have.get(t, (0, None))[1] != w)
        for entry in to_create:
            new_rows.extend((t, entry.pk, w) for t, w in wanted[id(entry)].items())
        _, tokens = _tables()
        with connection.cursor() as cur:
            for chunk in _chunks(stale):
                cur.execute(f"DELETE FROM {tokens} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            # plain rows in multi-row INSERTs, not model instances: a reindex writes millions
            for chunk in _chunks(new_rows, 1000):
                values = ", ".join(["(%s, %s, %s)"] * len(chunk))
                cur.execute(f"INSERT INTO {tokens} (token, entry_id, weight) VALUES {values}", [v for row in chunk for v in row])
    counts.update(created=len(to_create), updated=len(to_update), removed=len(removed))
    return counts


def index(kind: str, object_id, *, title: str, text: str = "", region=None, is_public: bool = True, rank: int = 0) -> None:
    """Index (or re-index) one record; call from the service that changed it, inside its transaction."""
    get_kind(kind)
    region_id = getattr(region, "pk", region)
    write_documents(kind, {str(object_id): Document(title=title, text=text, region_id=region_id, is_public=is_public, rank=rank)})


def index_object(kind: str, obj) -> None:
    """Index ``obj`` through its kind's registered ``document`` (``None`` → removed from the index)."""
    write_documents(kind, {str(obj.pk): get_kind(kind).document(obj)})


def unindex(kind: str, object_id) -> None:
    """Remove one record from the index (a no-op if it is not there)."""
    write_documents(kind, {str(object_id): None})


@dataclass
class ReindexResult:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


def reindex(kind: str, *, batch_size: int = 1000, progress: Callable[[int, int], None] | None = None) -> ReindexResult:
    """Rebuild ``kind`` from its registered queryset, one transaction per batch.

    Safe to re-run (unchanged entries are not rewritten) and safe to kill: each
    batch commits on its own and replaces each of its entries atomically, so
    the index is always consistent, at worst partly old.  Finally entries whose
    object is gone (or no longer in the queryset) are removed."""
    from .models import SearchEntry

    spec = get_kind(kind)
    qs = spec.get_queryset().order_by("pk")
    result = ReindexResult(kind=kind, total=qs.count())
    done = 0
    last = None
    while True:
        batch = list((qs if last is None else qs.filter(pk__gt=last))[:batch_size])
        if not batch:
            break
        counts = write_documents(kind, {str(obj.pk): spec.document(obj) for obj in batch})
        result.created += counts["created"]
        result.updated += counts["updated"]
        result.unchanged += counts["unchanged"]
        result.removed += counts["removed"]
        last = batch[-1].pk
        done += len(batch)
        if progress:
            progress(done, result.total)
    # sweep: entries whose object is no longer in the queryset
    pk_field = spec.model._meta.pk
    last_id = 0
    while True:
        rows = list(SearchEntry.objects.filter(kind=kind, pk__gt=last_id).order_by("pk").values_list("pk", "object_id")[:batch_size])
        if not rows:
            break
        candidates = {}
        for entry_pk, oid in rows:
            try:
                candidates[oid] = pk_field.to_python(oid)
            except ValidationError:
                pass
        present = {str(pk) for pk in spec.get_queryset().filter(pk__in=list(candidates.values())).values_list("pk", flat=True)}
        gone = [entry_pk for entry_pk, oid in rows if oid not in present]
        if gone:
            with transaction.atomic():
                _delete_entries(gone)
            result.removed += len(gone)
        last_id = rows[-1][0]
    return result


def retokenize(*, batch_size: int = 2000) -> int:
    """Recompute every entry's token rows from its stored columns (after the tokenizer
    changed; no kind's objects are read).  Rows already right are kept; each batch is
    one transaction, so a killed run leaves a consistent index and re-running is safe.
    Returns the number of entries whose tokens changed."""
    entries, tokens = _tables()
    changed, last = 0, 0
    while True:
        rows = _fetch(f"SELECT id, title, title_norm, text, rank FROM {entries} WHERE id > %s ORDER BY id LIMIT {int(batch_size)}", [last])
        if not rows:
            return changed
        last = rows[-1][0]
        ids = [row[0] for row in rows]
        with transaction.atomic():
            condition, params = _in_ids("entry_id", ids)
            have: dict[int, dict[str, tuple[int, int]]] = {}
            for pk, entry_id, tok, weight in _fetch(f"SELECT id, entry_id, token, weight FROM {tokens} WHERE {condition}", params):
                have.setdefault(entry_id, {})[tok] = (pk, weight)
            stale: list[int] = []
            new_rows: list[tuple[str, int, int]] = []
            for entry_id, title, title_norm, text, rank in rows:
                want = _entry_tokens({"title": title, "title_norm": title_norm, "text": text, "rank": rank})
                old = have.get(entry_id, {})
                bad = [pk for tok, (pk, weight) in old.items() if want.get(tok) != weight]
                add = [(t, entry_id, w) for t, w in want.items() if old.get(t, (0, None))[1] != w]
                stale += bad
                new_rows += add
                changed += bool(bad or add)
            with connection.cursor() as cur:
                for chunk in _chunks(stale):
                    cur.execute(f"DELETE FROM {tokens} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
                for chunk in _chunks(new_rows, 1000):
                    cur.execute(f"INSERT INTO {tokens} (token, entry_id, weight) VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))}",
                                [v for row in chunk for v in row])


def reindex_all(*, batch_size: int = 1000, progress: Callable[[str, int, int], None] | None = None) -> list[ReindexResult]:
    """:func:`reindex` every registered kind (the demo and ``zhiliang search reindex`` call this)."""
    results = []
    for spec in registered_kinds():
        cb = (lambda done, total, k=spec.kind: progress(k, done, total)) if progress else None
        results.append(reindex(spec.kind, batch_size=batch_size, progress=cb))
    return results


# --- querying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    kind: str
    kind_label: str
    object_id: str
    title: str
    region_id: int | None
    is_public: bool
    rank: int
    #: ``exact`` (title equals the query), ``prefix`` (title starts with it), ``title`` (title contains every term), ``text``
    match: str
    url: str | None


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    #: number of matches; an estimate when ``count_is_estimate`` (show “约 N 条”)
    count: int = 0
    count_is_estimate: bool = False
    page: int = 1
    per_page: int = 20

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.count

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def count_label(self) -> str:
        return f"约 {self.count} 条" if self.count_is_estimate else f"共 {self.count} 条"


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _permission_sql(user, kinds: list[Kind]) -> tuple[str, list] | None:
    """SQL (alias ``e``) selecting the entries ``user`` may see; ``None`` = all.

    Public entries are visible to everyone; a non-public entry only if its
    object is in ``model.objects.restrict(user, "view")`` of its kind."""
    from .permissions import restrict_q

    if user is not None and getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return None
    parts, params = ["e.is_public = %s"], [True]
    if user is not None and getattr(user, "is_authenticated", False):
        for spec in kinds:
            q = restrict_q(spec.model, user, "view")
            if q is None:
                parts.append("e.kind = %s")
                params.append(spec.kind)
                continue
            sub = spec.model._default_manager.filter(q).annotate(_zl_oid=Cast("pk", CharField())).values("_zl_oid")
            try:
                sql, sub_params = sub.query.sql_with_params()
            except EmptyResultSet:
                continue
            parts.append(f"(e.kind = %s AND e.object_id IN ({sql}))")
            params.extend([spec.kind, *sub_params])
    return "(" + " OR ".join(parts) + ")", params


@dataclass
class _Plan:
    parsed: ParsedQuery
    driver: str
    probes: list[str]
    where: str
    params: list
    #: the conditions on the entry alone (substring, kind, permission), for _scan
    filter_where: str = "1=1"
    filter_params: list = field(default_factory=list)


def _document_frequencies(tokens: Iterable[str]) -> dict[str, int]:
    _, tok_table = _tables()
    tokens = list(tokens)
    sql = " UNION ALL ".join(
        f"SELECT {i} AS i, COUNT(*) AS n FROM (SELECT 1 AS one FROM {tok_table} WHERE token = %s LIMIT {DF_CAP}) s{i}" for i in range(len(tokens))
    )
    with connection.cursor() as cur:
        cur.execute(sql, tokens)
        df = {tokens[i]: n for i, n in cur.fetchall()}
    # several tokens past the cap (汽车有限: every bigram is common at 10^5–10^6 names) would
    # tie, and the driver would be picked blindly (有限 is in 90 % of names): rank those
    # by their exact frequency, counted once and remembered in the cache
    capped = [t for t in tokens if df[t] >= DF_CAP]
    if len(capped) > 1:
        for token in capped:
            df[token] = _frequency(token)
    return df


def _frequency(token: str) -> int:
    """How many index rows hold ``token``: on PostgreSQL, for the most common tokens, the
    planner's statistics (``pg_stats`` most-common values × the table's rows — counting
    汽车 through hundreds of thousands of rows would cost more than the search); otherwise
    counted.  Remembered in the cache: frequencies move slowly, and they only rank tokens and
    scale estimates."""
    import hashlib

    from django.core.cache import cache

    key = "zl-search-df:" + hashlib.sha1(token.encode()).hexdigest()
    count = cache.get(key)
    if count is None:
        count = _common_tokens().get(token)
        if count is None:
            _, tok_table = _tables()
            with connection.cursor() as cur:
                cur.execute(f"SELECT COUNT(*) FROM {tok_table} WHERE token = %s", [token])
                count = cur.fetchone()[0]
        cache.set(key, count, DF_CACHE_SECONDS)
    return count


_COMMON: dict[str, Any] = {"at": 0.0, "tokens": {}}


def _common_tokens() -> dict[str, int]:
    """PostgreSQL's most common tokens with their estimated row counts (from ``pg_stats``,
    which ``ANALYZE`` keeps; the statistics target of the column is raised by migration
    core 0004), read at most every :data:`COMMON_REFRESH_SECONDS`; empty elsewhere."""
    if connection.vendor != "postgresql":
        return {}
    import time

    now = time.monotonic()
    if _COMMON["at"] and now - _COMMON["at"] < COMMON_REFRESH_SECONDS:
        return _COMMON["tokens"]
    from .models import SearchToken

    table = SearchToken._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.most_common_vals::text::text[], s.most_common_freqs, c.reltuples FROM pg_stats s "
            "JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = to_regnamespace(s.schemaname) "
            "WHERE s.tablename = %s AND s.attname = 'token' AND s.schemaname = current_schema()",
            [table],
        )
        row = cur.fetchone()
    tokens: dict[str, int] = {}
    if row and row[0] and row[2] and row[2] > 0:
        tokens = {value: int(freq * row[2]) for value, freq in zip(row[0], row[1])}
    _COMMON.update(at=now, tokens=tokens)
    return tokens


def _plan(parsed: ParsedQuery, kinds: list[Kind] | None, user) -> _Plan | None:
    # a pasted paragraph has hundreds of tokens: choose among the first MAX_CANDIDATE_TOKENS
    # (the substring check keeps the result exact whichever tokens are used)
    tokens = list(parsed.tokens)[:MAX_CANDIDATE_TOKENS]
    if len(tokens) > 1:
        df = _document_frequencies(tokens)
        if min(df.values()) == 0:
            return None
        tokens.sort(key=lambda t: (df[t], t))
    driver, probes = tokens[0], tokens[1:MAX_INTERSECT]
    used = set(tokens[:MAX_INTERSECT])
    _, tok_table = _tables()
    where = ["t0.token = %s"]
    params: list = [driver]
    for i, tok in enumerate(probes, start=1):
        where.append(f"EXISTS (SELECT 1 FROM {tok_table} t{i} WHERE t{i}.token = %s AND t{i}.entry_id = t0.entry_id)")
        params.append(tok)
    filters, filter_params = _filters(parsed, kinds, user, used)
    return _Plan(parsed, driver, probes, " AND ".join(where + filters), params + filter_params,
                 " AND ".join(filters) or "1=1", filter_params)


def _filters(parsed: ParsedQuery, kinds: list[Kind] | None, user, used_tokens: set[str]) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    for term in parsed.terms:
        if term in used_tokens:
            continue  # a term that is itself a used token (汽车, dfl4251) is already a substring
        where.append("e.text LIKE %s ESCAPE '\\'")
        params.append(_like_pattern(term))
    if kinds is not None:
        where.append(f"e.kind IN ({', '.join(['%s'] * len(kinds))})")
        params.extend(k.kind for k in kinds)
    perm = _permission_sql(user, kinds if kinds is not None else registered_kinds())
    if perm is not None:
        where.append(perm[0])
        params.extend(perm[1])
    return where, params


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _match_class(title_norm: str, parsed: ParsedQuery) -> int:
    if title_norm == parsed.text:
        return 0
    if title_norm.startswith(parsed.text):
        return 1
    if all(term in title_norm for term in parsed.terms):
        return 2
    return 3


MATCH_NAMES = {0: "exact", 1: "prefix", 2: "title", 3: "text"}


def window_sql(plan: _Plan, *, limit: int) -> tuple[str, list]:
    """The SQL of the first ``limit`` matches in index order (also used by the plan tests)."""
    entries, tokens = _tables()
    sql = (
        f"SELECT e.id, e.title_norm, e.rank, e.title FROM {tokens} t0 JOIN {entries} e ON e.id = t0.entry_id "
        f"WHERE {plan.where} ORDER BY t0.weight, t0.entry_id LIMIT {int(limit)}"
    )
    return sql, list(plan.params)


WINDOW_KEYS = ("weight", "entry_id")  # index order of the ranked window
COUNT_KEYS = ("entry_id",)  # entry order of the capped count
ROW_COLUMNS = "e.id, e.title_norm, e.rank, e.title"


def driver_sql(plan: _Plan, keys: tuple[str, ...], after: tuple | None = None, size: int = WINDOW_CHUNK) -> tuple[str, list]:
    """One chunk of the driver token's index rows in ``keys`` order, after ``after``."""
    _, tokens = _tables()
    keyset, keyset_params = "", []
    if after is not None and len(keys) == 2:
        keyset, keyset_params = "AND (t0.weight > %s OR (t0.weight = %s AND t0.entry_id > %s))", [after[0], after[0], after[1]]
    elif after is not None:
        keyset, keyset_params = "AND t0.entry_id > %s", [after[0]]
    order = ", ".join(f"t0.{k}" for k in keys)
    return (f"SELECT t0.entry_id, {order} FROM {tokens} t0 WHERE t0.token = %s {keyset} ORDER BY {order} LIMIT {int(size)}",
            [plan.driver, *keyset_params])


def _in_ids(column: str, ids: list[int]) -> tuple[str, list]:
    """``column IN ids``: one array parameter on PostgreSQL (a long literal list costs it
    more to plan than to run), a plain list on SQLite."""
    if connection.vendor == "postgresql":
        # cast: a Python int list arrives as integer[], and bigint = ANY(integer[]) is only a
        # filter over the token's whole index range, not an index condition
        return f"{column} = ANY(%s::bigint[])", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def probe_sql(token: str, entry_ids: list[int]) -> tuple[str, list]:
    """Which of ``entry_ids`` also hold ``token`` (index lookups on (token, entry))."""
    _, tokens = _tables()
    condition, params = _in_ids("t0.entry_id", entry_ids)
    return f"SELECT t0.entry_id FROM {tokens} t0 WHERE t0.token = %s AND {condition}", [token, *params]


def _scan(plan: _Plan, keys: tuple[str, ...], limit: int) -> tuple[list[tuple], int, bool] | None:
    """The first ``limit`` matches in ``keys`` order: read the driver token's index in
    chunks, keep the entries that hold the other tokens (index probes), then check the
    substring and permission filters on those entries.  Each step is a plain index
    lookup, so the cost follows the rows read until ``limit`` matches — never the
    number of all matches, whatever a query planner would estimate.  Returns the
    matches, the index rows read and whether the driver's rows ran out; ``None`` when
    :data:`WINDOW_MAX_SCAN` index rows held too few matches (the caller then runs one
    full statement)."""
    entries, _ = _tables()
    found: list[tuple] = []
    after = None
    scanned, size = 0, max(limit, 256)
    while scanned < WINDOW_MAX_SCAN:
        chunk = _fetch(*driver_sql(plan, keys, after, size))
        ids = [row[0] for row in chunk]
        alive = set(ids)
        for token in plan.probes:
            if not alive:
                break
            alive = {row[0] for row in _fetch(*probe_sql(token, sorted(alive)))}
        if alive:
            condition, params = _in_ids("e.id", sorted(alive))
            rows = _fetch(f"SELECT {ROW_COLUMNS} FROM {entries} e WHERE {condition} AND {plan.filter_where}", [*params, *plan.filter_params])
            by_id = {row[0]: row for row in rows}
            found += [by_id[i] for i in ids if i in by_id]
        if len(found) >= limit or len(chunk) < size:
            # complete: the driver ran out and no match was cut off by the limit; the rows
            # read are counted up to the limit-th match (the match density of the estimate)
            read = len(chunk)
            if len(found) > limit:
                read = ids.index(found[limit - 1][0]) + 1
            return found[:limit], scanned + read, len(chunk) < size and len(found) <= limit
        after = chunk[-1][1:]
        scanned += size
        size = min(size * 4, WINDOW_CHUNK)  # sparse matches: read larger chunks
    return None


def _window(plan: _Plan, *, limit: int) -> tuple[list[tuple], int | None, bool]:
    """The window, the driver rows read (``None`` after the one-statement fallback) and
    whether every match was seen."""
    scanned = _scan(plan, WINDOW_KEYS, limit)
    if scanned is None:
        rows = _fetch(*window_sql(plan, limit=limit))
        return rows, None, len(rows) < limit
    return scanned


def count_sql(plan: _Plan) -> tuple[str, list]:
    """The capped count: matches in entry order, at most COUNT_CAP + 1, and the last entry id seen."""
    entries, tokens = _tables()
    sql = (
        f"SELECT COUNT(*), MAX(eid) FROM (SELECT t0.entry_id AS eid FROM {tokens} t0 JOIN {entries} e ON e.id = t0.entry_id "
        f"WHERE {plan.where} ORDER BY t0.entry_id LIMIT {COUNT_CAP + 1}) c"
    )
    return sql, list(plan.params)


def explain_sql(query: str, kinds: Iterable[str] | None = None, user=None) -> list[tuple[str, list]]:
    """The token-table statements :func:`search` runs for ``query`` (for EXPLAIN): the
    driver's index chunks for the window and the count, and the probes of the other tokens."""
    kind_specs = None if kinds is None else [get_kind(k) for k in kinds]
    plan = _plan(parse_query(query), kind_specs, user)
    if plan is None:
        return []
    statements = [driver_sql(plan, WINDOW_KEYS), driver_sql(plan, COUNT_KEYS)]
    return statements + [probe_sql(token, [0]) for token in plan.probes]


def _count(plan: _Plan, kinds: list[Kind] | None, matched: int, scanned: int | None) -> tuple[int, bool]:
    """The number of matches: when the window read part of the driver's rows, estimated
    from the window's match density times the driver token's frequency — unless that driver
    is rare enough to count through (:data:`EXACT_COUNT_MAX_ROWS`); else (and past COUNT_CAP
    matches) counted exactly up to COUNT_CAP and estimated beyond."""
    if scanned:
        frequency = _frequency(plan.driver)
        estimate = max(matched, int(frequency * matched / scanned))
        if frequency > EXACT_COUNT_MAX_ROWS:
            # a driver too common to count through: say "about" — the window's density is that of
            # the best-ranked rows (names before descriptions, one kind's entries before another's)
            digits = max(0, len(str(estimate)) - 2)
            return max(matched, round(estimate, -digits)), True
        counted = _scan(plan, COUNT_KEYS, COUNT_CAP + 1)
        if counted is not None and counted[2]:
            return len(counted[0]), False
    entries, _ = _tables()
    n, sample_max = _fetch(*count_sql(plan))[0]
    if n <= COUNT_CAP:
        return n, False
    # estimate: matches are taken to be spread evenly over the entry ids of the searched kinds
    # one aggregate per statement: SQLite's min/max optimisation (an index probe) needs that
    if kinds is None:
        lo, hi = _fetch(f"SELECT (SELECT MIN(id) FROM {entries}), (SELECT MAX(id) FROM {entries})", [])[0]
    else:
        bounds = [
            _fetch(f"SELECT (SELECT MIN(id) FROM {entries} WHERE kind = %s), (SELECT MAX(id) FROM {entries} WHERE kind = %s)", [k.kind, k.kind])[0]
            for k in kinds
        ]
        bounds = [b for b in bounds if b[0] is not None]
        lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    span = max(1, sample_max - lo + 1)
    estimate = int(COUNT_CAP * (hi - lo + 1) / span)
    digits = max(0, len(str(estimate)) - 2)
    estimate = round(estimate, -digits) if digits else estimate
    return max(estimate, COUNT_CAP + 1), True


def search(query: str, kinds: Iterable[str] | None = None, user=None, page: int = 1, per_page: int = 20) -> SearchResults:
    """Search the index for ``query`` as ``user`` (``None`` = the public).

    Order: title equal to the query, title starting with it, title containing
    every term, text only; within each, higher ``rank`` then shorter title.
    The order is exact for the first :data:`WINDOW` matches; later pages
    follow the index order (token in the title, rank, title length).
    Raises :class:`QueryTooShort` for a query without a term of two characters."""
    from .models import SearchEntry

    parsed = parse_query(query)
    page = max(1, int(page))
    per_page = max(1, min(MAX_PER_PAGE, int(per_page)))
    kind_specs = None if kinds is None else [get_kind(k) for k in dict.fromkeys(kinds)]
    results = SearchResults(query=parsed.text, page=page, per_page=per_page)
    if kind_specs == []:
        return results
    plan = _plan(parsed, kind_specs, user)
    if plan is None:
        return results
    entries_table, _ = _tables()

    # 1. exact title matches, through the title index
    filters, filter_params = _filters(parsed, kind_specs, user, set())
    exact = _fetch(
        f"SELECT e.id, e.title_norm, e.rank, e.title FROM {entries_table} e WHERE e.title_norm = %s AND {' AND '.join(filters)} "
        f"ORDER BY e.rank DESC, e.id LIMIT {EXACT_LIMIT}",
        [parsed.text[:255], *filter_params],
    )
    exact_ids = [row[0] for row in exact]
    exact_set = set(exact_ids)
    # 2. the window: the first WINDOW matches in index order, ranked exactly
    window, scanned, complete = _window(plan, limit=WINDOW)
    rest_of_window = [row for row in window if row[0] not in exact_set]
    rest_of_window.sort(key=lambda r: (_match_class(r[1], parsed), -r[2], len(r[3]), r[0]))
    ordered = exact_ids + [row[0] for row in rest_of_window]
    start = (page - 1) * per_page
    page_ids = ordered[start : start + per_page]
    # 3. beyond the window: index order, skipping the lifted exact matches
    if len(page_ids) < per_page and not complete:
        offset = len(rest_of_window) + max(0, start - len(ordered))
        where, params = plan.where, list(plan.params)
        if exact_ids:
            where += f" AND e.id NOT IN ({', '.join(['%s'] * len(exact_ids))})"
            params += exact_ids
        _, tokens_table = _tables()
        rows = _fetch(
            f"SELECT e.id FROM {tokens_table} t0 JOIN {entries_table} e ON e.id = t0.entry_id WHERE {where} "
            f"ORDER BY t0.weight, t0.entry_id LIMIT {per_page - len(page_ids)} OFFSET {offset}",
            params,
        )
        page_ids += [row[0] for row in rows]
    # 4. count (exact up to COUNT_CAP, estimated beyond)
    if complete:
        results.count, results.count_is_estimate = len(set(exact_ids) | {row[0] for row in window}), False
    else:
        results.count, results.count_is_estimate = _count(plan, kind_specs, len(window), scanned)
    # 5. the hits
    by_pk = SearchEntry.objects.defer("text").in_bulk(page_ids)
    public_view = user is None or not getattr(user, "is_authenticated", False)
    for pk in page_ids:
        entry = by_pk.get(pk)
        if entry is None:
            continue
        spec = _KINDS.get(entry.kind)
        results.hits.append(
            SearchHit(
                kind=entry.kind,
                kind_label=spec.label if spec else entry.kind,
                object_id=entry.object_id,
                title=entry.title,
                region_id=entry.region_id,
                is_public=entry.is_public,
                rank=entry.rank,
                match=MATCH_NAMES[_match_class(entry.title_norm, parsed)],
                url=spec.url(entry.object_id, public=public_view) if spec else None,
            )
        )
    return results


# --- core's own kinds --------------------------------------------------------------------


def _region_document(region) -> Document:
    return Document(title=region.name, text=region.code, region_id=region.pk, is_public=True)


def _department_document(dept) -> Document:
    text = " ".join(filter(None, [dept.short_name, dept.code, dept.uscc]))
    return Document(title=dept.name, text=text, region_id=dept.region_id, is_public=True, rank=0 if dept.is_current else -1)


def register_core_kinds() -> None:
    from .models import Department, Region

    register_kind("region", model=Region, label="行政区划", document=_region_document)
    register_kind("department", model=Department, label="部门", document=_department_document)


def index_core_after_migrate(sender=None, using="default", **kwargs) -> None:
    """post_migrate: index regions and departments (a few dozen rows) once the tables exist."""
    from .models import SearchEntry

    if using != "default":
        return
    table = SearchEntry._meta.db_table
    if table not in connection.introspection.table_names():
        return
    with connection.cursor() as cur:
        columns = {c.name for c in connection.introspection.get_table_description(cur, table)}
    if "title_norm" not in columns:
        return  # migrated back below the search index's own migration
    for kind in ("region", "department"):
        reindex(kind)
