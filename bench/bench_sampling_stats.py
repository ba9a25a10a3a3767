"""Sampling statistics benchmark (issue 4): every pass-rate table and the county ranking over
1 000 000 results on PostgreSQL (goal: ≤ 1 s per table).

    createdb -h 127.0.0.1 -U postgres zl_stats_bench
    .venv/bin/python bench/bench_sampling_stats.py                  # generate 1 000 000 results, measure
    .venv/bin/python bench/bench_sampling_stats.py --reuse          # keep the loaded rows when their number matches
    options: --n N  --enterprises N  --repeat 5  --seed 2017

``DATABASE_URL`` defaults to ``postgres://postgres@127.0.0.1:5432/zl_stats_bench``; the
database's enterprises, sampling plans, bulletins and samples are **wiped**: use a dedicated
one.  The load (COPY, in one process):

* 100 000 enterprises in the 8 counties and 2 zones of Shiyan (weighted) and 5 % outside;
* 60 plans (4 levels × 5 years × 3 organisers) and a published bulletin for each;
* N results over 2021–2025: levels national 8 %, provincial 22 %, city 30 %, county 40 %; 85 %
  with a matched producer (its county), 15 % unmatched (two thirds of those outside Shiyan);
  22 categories, places factory 60 % / market 30 % / online 10 %; pass rates ≈ 86–96 %
  varying by county and category; 70 % in a published bulletin; every one with a final
  conclusion (a few percent re-tested: ``first_conclusion`` differs);

then ``VACUUM ANALYZE``.  Measured (median and max of ``--repeat`` runs after one warm-up),
through the same functions the pages and the command call:

* ``pass_rate_table(by=…)`` for each of the 6 dimensions, for one year (≈ 200 000 results)
  and over all years (N results);
* the same by county for a county staff user and for the public (``restrict`` applied);
* ``county_ranking(year=…)`` and ``trend(unit="year")``.

Not a test: the figures depend on the machine (the load average is printed).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zl_stats_bench"
YEARS = (2021, 2022, 2023, 2024, 2025)
LEVELS = (("national", 8), ("provincial", 22), ("city", 30), ("county", 40))
PLACES = (("factory", 60), ("market", 30), ("online", 10))
COUNTY_WEIGHTS = {"420302": 18, "420303": 22, "420304": 9, "420322": 6, "420323": 7, "420324": 6, "420325": 6, "420381": 11,
                  "4203K1": 10, "4203K2": 2}
#: pass rate in % by county (varies 86–96)
COUNTY_RATES = {"420302": 93.5, "420303": 92.0, "420304": 89.0, "420322": 87.5, "420323": 90.5, "420324": 88.0, "420325": 86.5,
                "420381": 94.0, "4203K1": 95.5, "4203K2": 91.0, "X00000": 88.0, None: 85.0}


def weighted(pairs):
    values = [v for v, _ in pairs]
    cum, total = [], 0
    for _, w in pairs:
        total += w
        cum.append(total)
    return values, cum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="结果条数（默认 1 000 000）")
    parser.add_argument("--enterprises", type=int, default=100_000, help="企业数（默认 100 000）")
    parser.add_argument("--repeat", type=int, default=5, help="每项测量次数（默认 5，另加 1 次预热）")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--reuse", action="store_true", help="已有同样数量的结果时不重新生成")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("本基准只在 PostgreSQL 上运行（DATABASE_URL=postgres://…）")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiliang.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    _ensure_indexes()
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM sampling_sample")
        have = cur.fetchone()[0]
    load_seconds = None
    if args.reuse and have == args.n:
        print(f"沿用已有的 {have} 条结果", file=sys.stderr)
    else:
        load_seconds = load(args.n, args.enterprises, random.Random(f"stats:{args.seed}"))
    measure(args.n, args.repeat, load_seconds)


# --- loading ----------------------------------------------------------------------------------------


def _ensure_indexes() -> None:
    """The sample table's indexes as ``Sample.Meta`` declares them now (a database migrated
    before an index changed keeps the old one: re-create it); other indexes on the same
    columns made by hand for experiments are dropped."""
    from django.db import connection

    from zhiliang.sampling.models import Sample

    table = Sample._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT i.relname, array_agg(a.attname ORDER BY k.ord) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum WHERE t.relname = %s GROUP BY i.relname", [table])
        existing = dict(cur.fetchall())
        for name in existing:
            if name.startswith("bench_"):
                cur.execute(f"DROP INDEX {name}")
    with connection.schema_editor() as editor:
        for index in Sample._meta.indexes:
            columns = [Sample._meta.get_field(f).column for f in index.fields]
            if existing.get(index.name) == columns:
                continue
            if index.name in existing:
                editor.remove_index(Sample, index)
            print(f"建立索引 {index.name}（{', '.join(columns)}）", file=sys.stderr)
            editor.add_index(Sample, index)
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {table}")


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _defaults(model, now) -> dict:
    """Each column's value when the generator does not set it: the field's default, "" for
    text, NULL for nullable columns, the timestamps."""
    from django.db import models
    from django.db.models import NOT_PROVIDED

    values = {}
    for f in model._meta.concrete_fields:
        if f.column in ("created_at", "updated_at"):
            values[f.column] = now
        elif f.default is not NOT_PROVIDED:
            default = f.get_default()
            values[f.column] = "[]" if default == [] else "{}" if default == {} else default
        elif f.null:
            values[f.column] = None
        elif isinstance(f, (models.CharField, models.TextField)):
            values[f.column] = ""
        else:
            values[f.column] = None
    return values


def _copy(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _rows(model, now, generate):
    """Full rows for ``model`` from dicts of the columns ``generate`` sets."""
    columns = _columns(model)
    defaults = _defaults(model, now)
    for values in generate:
        merged = defaults | values
        yield tuple(merged[c] for c in columns)


def load(n: int, n_enterprises: int, rng: random.Random) -> float:
    from django.db import connection
    from django.utils import timezone

    from zhiliang.core.models import Region
    from zhiliang.enterprises.models import Enterprise, ProductCategory
    from zhiliang.sampling.models import Bulletin, Sample, SamplingPlan

    started = time.perf_counter()
    now = timezone.now()
    print(f"清空并生成 {n_enterprises} 家企业、{n} 条抽查结果 …", file=sys.stderr)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE sampling_sample, sampling_bulletin, sampling_samplingplan, enterprises_enterprise RESTART IDENTITY CASCADE")
    regions = {r.code: r.pk for r in Region.objects.all()}
    counties, county_cum = weighted(list(COUNTY_WEIGHTS.items()))
    categories = list(ProductCategory.objects.filter(kind="category").values_list("pk", "code"))
    category_bias = {pk: rng.uniform(-3.0, 3.0) for pk, _ in categories}

    # enterprises: id, name, region (5 % outside Shiyan)
    ent_region: list[str] = [""]
    for _ in range(n_enterprises):
        ent_region.append("X00000" if rng.random() < 0.05 else rng.choices(counties, cum_weights=county_cum)[0])
    _copy(Enterprise._meta.db_table, _columns(Enterprise), _rows(Enterprise, now, (
        {"id": i, "name": f"十堰基准示例企业{i:06d}有限公司", "region_id": regions[ent_region[i]], "entity_type": "limited",
         "status": "active", "former_names": "[]"} for i in range(1, n_enterprises + 1))))

    # plans and their published bulletins
    plan_rows, bulletin_rows, plans = [], [], []
    organisers = {"national": ["100000"] * 3, "provincial": ["420000"] * 3, "city": ["420300"] * 3, "county": ["420302", "420303", "420381"]}
    pk = 0
    for level, _ in LEVELS:
        for year in YEARS:
            for k, code in enumerate(organisers[level]):
                pk += 1
                plan_rows.append({"id": pk, "code": f"B-{level}-{year}-{k}", "title": f"{year}年基准计划{pk}", "year": year, "level": level,
                                  "region_id": regions[code], "status": "closed", "risk_ratios": "{}", "kind": "routine", "place": "factory",
                                  "source": "local"})
                bulletin_rows.append({"id": pk, "plan_id": pk, "number": f"基准公告{pk}", "title": f"基准公告{pk}", "status": "published",
                                      "published_on": datetime.date(year, 12, 20), "due_on": datetime.date(year, 12, 31)})
                plans.append((pk, level, year))
    _copy(SamplingPlan._meta.db_table, _columns(SamplingPlan), _rows(SamplingPlan, now, plan_rows))
    _copy(Bulletin._meta.db_table, _columns(Bulletin), _rows(Bulletin, now, bulletin_rows))
    by_level_year: dict = {}
    for plan_id, level, year in plans:
        by_level_year.setdefault((level, year), []).append(plan_id)

    levels, level_cum = weighted(LEVELS)
    places, place_cum = weighted(PLACES)

    def samples():
        for i in range(1, n + 1):
            year = YEARS[i % len(YEARS)]
            level = rng.choices(levels, cum_weights=level_cum)[0]
            plan_id = rng.choice(by_level_year[(level, year)])
            on = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            if rng.random() < 0.85:
                producer = rng.randrange(1, n_enterprises + 1)
                county = ent_region[producer]
            else:
                producer, county = None, ("X00000" if rng.random() < 2 / 3 else None)
            category_id, _ = rng.choice(categories)
            rate = COUNTY_RATES[county] + category_bias[category_id]
            passed = rng.random() * 100 < rate
            retested = rng.random() < 0.03
            first = ("fail" if passed else "pass") if retested and not passed else ("fail" if retested else ("pass" if passed else "fail"))
            where = county if county and county != "X00000" else rng.choices(counties, cum_weights=county_cum)[0]
            yield {
                "id": i, "sample_no": f"B{i:09d}", "plan_id": plan_id, "level": level, "region_id": regions[where],
                "category_id": category_id, "product_name": "基准产品", "producer_id": producer,
                "producer_name": f"十堰基准示例企业{producer:06d}有限公司" if producer else f"外地示例企业{rng.randrange(20000):05d}",
                "producer_region_id": regions[county] if county else None, "place": rng.choices(places, cum_weights=place_cum)[0],
                "sampled_on": on, "status": "final", "first_conclusion": first, "conclusion": "pass" if passed else "fail",
                "failing_items": "[]" if passed else '["标志"]', "concluded_on": on + datetime.timedelta(days=20),
                "bulletin_id": plan_id if rng.random() < 0.7 else None, "source": "imported" if level in ("national", "provincial") else "local",
                "quantity_tested": 1, "quantity_reserve": 1, "unit": "件", "source_row": "{}",
            }
            if i % 50_000 == 0:
                rate_now = i / max(time.perf_counter() - started, 1e-6)
                print(f"\r写入结果：{i}/{n}（{rate_now:,.0f} 条/秒）", end="", file=sys.stderr, flush=True)

    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no FK triggers during COPY
    _copy(Sample._meta.db_table, _columns(Sample), _rows(Sample, now, samples()))
    print(file=sys.stderr)
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = DEFAULT")
        for table, count in ((Enterprise._meta.db_table, n_enterprises), (SamplingPlan._meta.db_table, pk), (Bulletin._meta.db_table, pk),
                             (Sample._meta.db_table, n)):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [count + 1])
        t = time.perf_counter()
        for table in (Enterprise._meta.db_table, SamplingPlan._meta.db_table, Bulletin._meta.db_table, Sample._meta.db_table):
            cur.execute(f"VACUUM ANALYZE {table}")
        print(f"VACUUM ANALYZE {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return time.perf_counter() - started


# --- measuring ----------------------------------------------------------------------------------------


def _user(role: str, region_code: str | None, username: str):
    from zhiliang.core.models import User
    from zhiliang.testing.fixtures import make_user

    return User.objects.filter(username=username).first() or make_user(role, region_code=region_code, username=username)


def timed(fn, repeat: int) -> tuple[float, float, object]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times), result


def measure(n: int, repeat: int, load_seconds: float | None) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from zhiliang.core.choices import Role
    from zhiliang.sampling import stats
    from zhiliang.sampling.choices import UPPER_LEVELS

    county_user = _user(Role.COUNTY_STAFF, "420302", "bench-maojian-staff")
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE conclusion = 'pass') FROM sampling_sample")
        total, passed = cur.fetchone()
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('sampling_sample')), pg_size_pretty(pg_relation_size('sampling_sample'))")
        size_total, size_heap = cur.fetchone()
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
    print(f"PostgreSQL {version}：{total} 条结果（合格 {passed}，{passed / total:.1%}），样品表 {size_heap}（含索引 {size_total}）")
    if load_seconds is not None:
        print(f"生成并载入：{load_seconds:.0f} s")
    cases = [
        ("county, 2024, national+provincial", lambda: stats.pass_rate_table(by="county", year=2024, level=UPPER_LEVELS)),
        ("county, 2024", lambda: stats.pass_rate_table(by="county", year=2024)),
        ("category, 2024", lambda: stats.pass_rate_table(by="category", year=2024)),
        ("level, 2024", lambda: stats.pass_rate_table(by="level", year=2024)),
        ("period (month), 2024", lambda: stats.pass_rate_table(by="period", year=2024)),
        ("enterprise, 2024", lambda: stats.pass_rate_table(by="enterprise", year=2024)),
        ("enterprise, 2024, top 50", lambda: stats.pass_rate_table(by="enterprise", year=2024, limit=50)),
        ("place, 2024", lambda: stats.pass_rate_table(by="place", year=2024)),
        ("county, all years", lambda: stats.pass_rate_table(by="county")),
        ("category, all years", lambda: stats.pass_rate_table(by="category")),
        ("level, all years", lambda: stats.pass_rate_table(by="level")),
        ("period (quarter), all years", lambda: stats.pass_rate_table(by="period", period="quarter")),
        ("enterprise, all years", lambda: stats.pass_rate_table(by="enterprise")),
        ("place, all years", lambda: stats.pass_rate_table(by="place")),
        ("county, 2024, county staff (restrict)", lambda: stats.pass_rate_table(by="county", year=2024, user=county_user)),
        ("county, 2024, public (restrict)", lambda: stats.pass_rate_table(by="county", year=2024, user=AnonymousUser())),
        ("county, all years, public (restrict)", lambda: stats.pass_rate_table(by="county", user=AnonymousUser())),
        ("county_ranking(2024)", lambda: stats.county_ranking(year=2024)),
        ("trend(year), all", lambda: stats.trend()),
        ("trend(month), 2024, one county", lambda: stats.trend(unit="month", year=2024, county="420303")),
    ]
    print(f"\n每项 {repeat} 次（另加 1 次预热），单位 ms；目标 ≤ 1000 ms")
    print(f"{'table':44} {'rows':>7} {'median':>8} {'max':>8}")
    worst = 0.0
    for label, fn in cases:
        median, top, result = timed(fn, repeat)
        rows = len(result.rows) if hasattr(result, "rows") else len(result)
        worst = max(worst, top)
        flag = "" if top <= 1.0 else "  ✗ 超过目标"
        print(f"{label:44} {rows:>7} {median * 1000:>8.0f} {top * 1000:>8.0f}{flag}")
    print(f"\n最慢一项（max）：{worst * 1000:.0f} ms — 目标 ≤ 1000 ms：{'达到' if worst <= 1.0 else '未达到'}")
    with open("/proc/loadavg") as fh:
        print(f"/proc/loadavg：{fh.read().strip()}")


if __name__ == "__main__":
    main()
