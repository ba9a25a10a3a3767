"""Registry search benchmark (issue 3): USCC lookup and 2-/4-character name search over N enterprises.

    .venv/bin/python bench/bench_search.py                      # SQLite, 100 000 enterprises
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zl_demo_bench .venv/bin/python bench/bench_search.py   # 1 000 000
    options: --n N  --queries 300  --reuse (keep the loaded rows when their number matches)  --data-dir DIR (SQLite)

Generates N enterprises with the demo generator (``zhiliang.enterprises.demo``:
valid USCCs of the city and its counties, Shiyan-style names, addresses, legal
representatives), writes them and their search entries in bulk — PostgreSQL
through ``COPY`` with the token index rebuilt after the load, SQLite through
batched ``executemany`` — with the index rows computed by ``core.search``'s own
functions from the registered ``enterprise`` document, so the index is the one
the services would have written.  Then ``VACUUM ANALYZE`` (PostgreSQL) or
``ANALYZE`` (SQLite), a warm-up, and p50/p95/max of:

  (a) USCC exact lookup: ``Enterprise.objects.get(uscc=…)`` and ``search(uscc)``
  (b) 2-character name fragments through ``search()`` (public user, kind enterprise)
  (c) 4-character name fragments through ``search()``

each over ``--queries`` different queries drawn from the generated names.
Not a test: the figures depend on the machine (the load average is printed).
The PostgreSQL database is wiped of enterprises and search entries: use a
dedicated one (``createdb -h 127.0.0.1 -U postgres zl_demo_bench``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-6)
    print(f"\r{label}: {done}/{total}（{rate:,.0f} 条/秒）", end="", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, help="企业数（默认 PostgreSQL 1 000 000，SQLite 100 000）")
    parser.add_argument("--queries", type=int, default=300, help="每类查询的条数（默认 300）")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--data-dir", help="SQLite 数据目录（默认新建临时目录）")
    parser.add_argument("--reuse", action="store_true", help="已有同样数量的企业时不重新生成")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2, help="生成数据的进程数（默认 2）")
    args = parser.parse_args()

    postgres = bool(os.environ.get("DATABASE_URL", "").startswith("postgres"))
    if not postgres:
        os.environ["ZHILIANG_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="zl-bench-registry-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiliang.settings")
    n = args.n or (1_000_000 if postgres else 100_000)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from zhiliang.enterprises.models import Enterprise

    call_command("migrate", verbosity=0)
    if postgres:
        _token_indexes(drop=False)  # an earlier run killed during its load left them dropped
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM enterprises_enterprise")
        have = cur.fetchone()[0]
    rng = random.Random(f"bench:{args.seed}")
    if args.reuse and have == n:
        print(f"沿用已有的 {n} 家企业", file=sys.stderr)
        sample = list(Enterprise.objects.order_by("?").values_list("uscc", "name")[: args.queries * 3]) if not postgres else _pg_sample(args.queries * 3)
        usccs = [u for u, _ in sample]
        names = [nm for _, nm in sample]
        load_seconds = None
    else:
        usccs, names, load_seconds = load(n, rng, args.batch, args.jobs, args.seed)
    report(n, usccs, names, args.queries, random.Random(args.seed), load_seconds)


def _pg_sample(k: int) -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT uscc, name FROM enterprises_enterprise TABLESAMPLE SYSTEM (1) LIMIT %s", [k])
        return cur.fetchall()


# --- loading ----------------------------------------------------------------------------------

_CTX: dict = {}


class _Identifiers:
    def __init__(self, items):
        self.items = items

    def all(self):
        return self.items


class _Enterprise:
    """What ``enterprise_document`` reads, without building model instances (a million of them)."""

    def __init__(self, **values):
        self.__dict__.update(values)


def _record(rng: random.Random, serial: int):
    """One bench enterprise from the demo generator's name and code functions.

    The organisation code is derived from ``serial`` (unique by construction, so
    the USCCs are unique without remembering a million of them)."""
    from zhiliang.enterprises import demo

    sector = rng.choices(demo.SECTORS, cum_weights=_CTX["sector_cum"])[0]
    region = rng.choices(demo.REGION_CODES, cum_weights=_CTX["region_cum"][sector.key])[0]
    place = demo.PLACES[region]
    kind = demo.pick_kind(rng, sector)
    name = demo.make_name(rng, sector, region, kind)
    division = place.divisions[0][0] if rng.random() < 0.75 else demo.CITY_CODE
    uscc = demo.make_uscc_for(division, kind=kind, orgcode=demo.make_orgcode(rng, established=2016, serial=serial))
    address = f"{place.prefix}{rng.choice(place.streets)}{rng.randrange(1, 300)}号"
    status = "active" if rng.random() < 0.88 else rng.choice(("cancelled", "revoked"))
    return uscc, name, region, address, demo.fake_person(rng), status, kind, sector


def _rows(job: tuple[int, int, int, int]):
    """Rows of one batch (runs in a worker process): enterprises, search entries, tokens, samples."""
    from zhiliang.core import search
    from zhiliang.enterprises.search_kinds import enterprise_document

    batch_no, first_id, size, seed = job
    rng = random.Random(f"bench:{seed}:{batch_no}")
    regions, now, entry_offset = _CTX["regions"], _CTX["now"], _CTX["entry_offset"]
    e_rows, entry_rows, token_rows, samples = [], [], [], []
    for pk in range(first_id, first_id + size):
        uscc, name, region, address, rep, status, kind, sector = _record(rng, pk)
        entity_type = {"92": "individual", "93": "cooperative"}.get(kind, "limited")
        e_rows.append((pk, uscc, name, "[]", entity_type, rep, "resident_id", "", regions[region], address, rng.choice(sector.industries),
                       None, None, status, "micro" if kind != "91" else "small", "", "", False, None, now, now, None))
        # identifiers_for_uscc: the USCC and its (valid by construction) organisation code
        idents = [_Enterprise(value=uscc), _Enterprise(value=uscc[8:17])]
        doc = enterprise_document(_Enterprise(pk=pk, uscc=uscc, name=name, former_names=[], address=address, legal_rep_name=rep,
                                              region_id=regions[region], status=status, identifiers=_Identifiers(idents)))
        values = search._entry_values(doc)
        entry_id = entry_offset + pk
        entry_rows.append((entry_id, "enterprise", str(pk), values["title"], values["title_norm"], values["text"],
                           values["region_id"], values["is_public"], values["rank"]))
        token_rows.extend((tok, entry_id, weight) for tok, weight in search._entry_tokens(values).items())
        if rng.random() < 0.02:
            samples.append((uscc, name))
    return e_rows, entry_rows, token_rows, samples


ENTERPRISE_COLUMNS = ["id", "uscc", "name", "former_names", "entity_type", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number",
                      "region_id", "address", "industry_code", "registered_capital", "established_on", "status", "scale",
                      "chief_quality_officer", "cqo_phone", "liability_insured", "insurance_until", "created_at", "updated_at", "created_in_id"]


def load(n: int, rng: random.Random, batch: int, jobs: int, seed: int) -> tuple[list[str], list[str], float]:
    import multiprocessing

    from django.db import connection
    from django.utils import timezone

    from zhiliang.core import search
    from zhiliang.core.models import Region
    from zhiliang.enterprises import demo
    from zhiliang.enterprises.models import Enterprise

    postgres = connection.vendor == "postgresql"
    columns = {f.column for f in Enterprise._meta.concrete_fields}
    if columns != set(ENTERPRISE_COLUMNS):
        raise SystemExit(f"企业表的列已变化，请更新基准脚本：{sorted(columns ^ set(ENTERPRISE_COLUMNS))}")
    started = time.perf_counter()
    print(f"{connection.vendor}: 清空并生成 {n} 家企业 …", file=sys.stderr)
    with connection.cursor() as cur:
        if postgres:
            cur.execute("TRUNCATE enterprises_enterprise, core_searchtoken, core_searchentry RESTART IDENTITY CASCADE")
        else:
            for table in ("core_searchtoken", "core_searchentry", "enterprises_enterpriseidentifier", "enterprises_enterprise_categories",
                          "enterprises_licence_categories", "enterprises_licence", "enterprises_product", "enterprises_conflictofinterest",
                          "enterprises_enterprise"):
                cur.execute(f"DELETE FROM {table}")
    search.reindex("region")
    search.reindex("department")
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM core_searchentry")
        entry_offset = cur.fetchone()[0]

    region_weights = {code: p.weight for code, p in demo.PLACES.items()}
    _CTX.update(
        regions={r.code: r.pk for r in Region.objects.filter(code__in=demo.REGION_CODES)},
        now=timezone.now().isoformat(sep=" ") if not postgres else timezone.now(),
        entry_offset=entry_offset,
        sector_cum=list(_cumulative([s.weight for s in demo.SECTORS])),
        region_cum={s.key: list(_cumulative([region_weights[c] * s.regions.get(c, 1) for c in demo.REGION_CODES])) for s in demo.SECTORS},
    )
    if postgres:
        # COPY into the token table without its two random-order indexes and its foreign-key
        # triggers; both indexes are rebuilt from the model's declaration after the load
        _token_indexes(drop=True)
        with connection.cursor() as cur:
            cur.execute("SET session_replication_role = replica")

    batches = [(i, 1 + i * batch, min(batch, n - i * batch), seed) for i in range((n + batch - 1) // batch)]
    usccs: list[str] = []
    names: list[str] = []
    done = 0
    context = multiprocessing.get_context("fork")  # the workers inherit the set-up Django
    connection.close()  # never share the connection with the forked workers
    with context.Pool(jobs) as pool:
        for e_rows, entry_rows, token_rows, samples in pool.imap(_rows, batches):
            _write(connection, "enterprises_enterprise", ENTERPRISE_COLUMNS, e_rows)
            _write(connection, "core_searchentry", ["id", "kind", "object_id", "title", "title_norm", "text", "region_id", "is_public", "rank"], entry_rows)
            _write(connection, "core_searchtoken", ["token", "entry_id", "weight"], token_rows)
            usccs += [u for u, _ in samples]
            names += [nm for _, nm in samples]
            done += len(e_rows)
            progress("写入", done, n, started)
            if postgres and done == len(e_rows):
                with connection.cursor() as cur:
                    cur.execute("SET session_replication_role = replica")
    print(file=sys.stderr)
    with connection.cursor() as cur:
        if postgres:
            cur.execute("SET session_replication_role = DEFAULT")
            t = time.perf_counter()
            _token_indexes(drop=False)
            print(f"重建词元索引 {time.perf_counter() - t:.0f} s", file=sys.stderr)
            cur.execute("SELECT setval(pg_get_serial_sequence('enterprises_enterprise', 'id'), %s)", [n + 1])
            cur.execute("SELECT setval(pg_get_serial_sequence('core_searchentry', 'id'), %s)", [entry_offset + n + 1])
            t = time.perf_counter()
            for table in ("enterprises_enterprise", "core_searchentry", "core_searchtoken"):
                cur.execute(f"VACUUM ANALYZE {table}")  # autocommit: VACUUM cannot run in a transaction
            print(f"VACUUM ANALYZE {time.perf_counter() - t:.0f} s", file=sys.stderr)
        else:
            cur.execute("ANALYZE")
    return usccs, names, time.perf_counter() - started


def _token_indexes(*, drop: bool) -> None:
    """Drop (or re-create, where missing) the token table's declared index and unique constraint."""
    from django.db import connection

    from zhiliang.core.models import SearchToken

    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [SearchToken._meta.db_table])
        existing = {row[0] for row in cur.fetchall()}
    with connection.schema_editor() as editor:
        for constraint in SearchToken._meta.constraints:
            if drop and constraint.name in existing:
                editor.remove_constraint(SearchToken, constraint)
            elif not drop and constraint.name not in existing:
                editor.add_constraint(SearchToken, constraint)
        for index in SearchToken._meta.indexes:
            if drop and index.name in existing:
                editor.remove_index(SearchToken, index)
            elif not drop and index.name not in existing:
                editor.add_index(SearchToken, index)


def _cumulative(weights: list[int]):
    total = 0
    for w in weights:
        total += w
        yield total


def _write(connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


# --- measuring --------------------------------------------------------------------------------


def _fragments(names: list[str], length: int, k: int, rng: random.Random) -> list[str]:
    from zhiliang.core.search import is_cjk

    out: list[str] = []
    pool = list(names)
    rng.shuffle(pool)
    for name in pool:
        starts = [i for i in range(len(name) - length + 1) if all(is_cjk(c) for c in name[i : i + length])]
        if starts:
            out.append(name[(s := rng.choice(starts)) : s + length])
        if len(out) == k:
            break
    return out


def prewarm() -> None:
    """PostgreSQL: read the search tables and indexes into the OS cache first (``pg_prewarm``,
    "read" mode), as they are on a server that has been answering searches — a freshly
    loaded or restarted database answers its first searches from disk, which measures the
    disk, not the search."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cur.execute(
            "SELECT COALESCE(SUM(pg_prewarm(c.oid::regclass, 'read')), 0) FROM pg_class c "
            "WHERE c.relname IN ('core_searchtoken', 'core_searchentry') OR c.oid IN ("
            "SELECT indexrelid FROM pg_index WHERE indrelid IN ('core_searchtoken'::regclass, 'core_searchentry'::regclass))"
        )
        blocks = cur.fetchone()[0]
    print(f"pg_prewarm：读入 {blocks * 8 / 1024:,.0f} MB，{time.perf_counter() - started:.0f} s", file=sys.stderr)


def report(n: int, usccs: list[str], names: list[str], k: int, rng: random.Random, load_seconds: float | None) -> None:
    from django.db import connection

    from zhiliang.core import search
    from zhiliang.enterprises.models import Enterprise

    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM core_searchtoken")
        tokens = cur.fetchone()[0]
    prewarm()
    codes = rng.sample(usccs, min(k, len(usccs)))
    two = _fragments(names, 2, k, rng)
    four = _fragments(names, 4, k, rng)

    def orm_get(code):
        return Enterprise.objects.get(uscc=code)

    def by_search(q):
        return search.search(q, kinds=["enterprise"])

    cases = [
        ("(a) USCC Enterprise.objects.get", orm_get, codes),
        ("(a) USCC search()", by_search, codes),
        ("(b) 2字 search()", by_search, two),
        ("(c) 4字 search()", by_search, four),
    ]
    # warm-up: the first queries read pages into the cache
    for _, fn, queries in cases:
        for q in queries[:30]:
            fn(q)
    print()
    load_text = f"，生成与建索引 {load_seconds:.0f} s" if load_seconds else ""
    print(f"{connection.vendor}：企业 {n:,} 家，词元 {tokens:,} 个{load_text}；负载 {os.getloadavg()[0]:.2f}（1 分钟）")
    print(f"{'查询':<34}{'次数':>6}{'平均条数':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, fn, queries in cases:
        times, counts = [], []
        for q in queries:
            start = time.perf_counter()
            result = fn(q)
            times.append((time.perf_counter() - start) * 1000)
            counts.append(getattr(result, "count", 1))
            if fn is by_search and queries is codes and result.count != 1:
                raise SystemExit(f"统一社会信用代码 {q} 检出 {result.count} 条，应为 1 条")
        print(f"{label:<34}{len(queries):>6}{statistics.mean(counts):>10.0f}{statistics.median(times):>9.1f}"
              f"{percentile(times, 95):>9.1f}{max(times):>9.1f}")
    print(f"负载 {os.getloadavg()[0]:.2f}（测量后）")


if __name__ == "__main__":
    main()
