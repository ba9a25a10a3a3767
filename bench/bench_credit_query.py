"""One-stop credit query benchmark (信用一站式查询): ``credit.selectors.credit_profile`` for
random enterprises among 1 000 000 enterprises and 5 000 000 credit facts; goal p95 ≤ 50 ms.

    createdb -h 127.0.0.1 -U postgres zl_credit_query_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zl_credit_query_bench nice -n 10 .venv/bin/python bench/bench_credit_query.py
    options: --n N (enterprises)  --facts-per 5  --scale 2 (× N)  --lookups 500  --reuse  --generate-only
             --measure-only  --jobs 2  --data-dir DIR (SQLite; default N 50 000)

Generates N enterprises (valid USCCs of the city's divisions, Shiyan-style names from the
registry's demo generator) and ≈ 5 N facts, skewed as a city's are: three quarters of the
enterprises have 0–4 facts, a fifth 5–12, a few 15–50 and 0.3 % a hundred or more (chains,
market operators, heavy licence holders) — penalties with their 双公示 fields, licences,
sampling failures, complaints, awards, some expired, revoked, repaired or disputed; one
current credit-risk class per enterprise (with an explanation, and history rows for a fifth
of them); serious-list and red-list entries in every state for 0.5 % of the enterprises, with
their list facts and joint-measure cases.  PostgreSQL through ``COPY`` with the credit
tables' secondary indexes dropped during the load and rebuilt after it (their definitions
saved to ``<data dir>/bench_credit_query_indexes.json`` first, so a run killed during the
load restores them on the next start); SQLite through batched ``executemany``.  Then
``VACUUM ANALYZE``.

Measures, after a warm-up, p50/p95/max over ``--lookups`` random enterprises (and over the
heaviest ones separately) of ``credit_profile(enterprise, user, public=…)`` — as the public
(anonymous), as a city department's staff, as a county's staff — with everything the
profile holds read (querysets evaluated), and the public and staff credit pages through the
Django test client when their URLs exist.  Not a test: the figures depend on the machine (the load
average is printed).  The database is wiped of enterprises and credit rows: use a dedicated
one.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import random
import statistics
import sys
from collections import Counter
import tempfile
import time

TODAY = datetime.date(2026, 11, 28)
STAMP = "2026-11-28 08:00:00+08:00"


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-6)
    print(f"\r{label}: {done:,}/{total:,}（{rate:,.0f} 条/秒）", end="", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, help="企业数（默认 PostgreSQL 1 000 000，SQLite 50 000）")
    parser.add_argument("--scale", type=float, default=1.0, help="企业数与信用信息数的倍数（默认 1）")
    parser.add_argument("--facts-per", type=float, default=5.0, help="平均每家企业的信用信息条数（默认 5）")
    parser.add_argument("--lookups", type=int, default=500, help="每类查询次数（默认 500）")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data-dir", help="SQLite 数据目录（默认新建临时目录）；索引定义的备份也写在这里")
    parser.add_argument("--reuse", action="store_true", help="已有同样数量的企业时不重新生成")
    parser.add_argument("--generate-only", action="store_true", help="只生成数据，不测量")
    parser.add_argument("--measure-only", action="store_true", help="只测量（数据须已生成）")
    parser.add_argument("--batch", type=int, default=5_000, help="每批企业数（默认 5 000）")
    parser.add_argument("--jobs", type=int, default=2, help="生成数据的进程数（默认 2）")
    args = parser.parse_args()

    postgres = bool(os.environ.get("DATABASE_URL", "").startswith("postgres"))
    data_dir = args.data_dir or (tempfile.gettempdir() if postgres else tempfile.mkdtemp(prefix="zl-bench-credit-query-"))
    if not postgres:
        os.environ["ZHILIANG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiliang.settings")
    os.environ.setdefault("PUBLIC_QUERY_RATE", "1000000/m")  # the public pages' per-IP limit would answer 429
    n = int((args.n or (1_000_000 if postgres else 50_000)) * args.scale)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    saved = os.path.join(data_dir, "bench_credit_query_indexes.json")
    if postgres:
        restore_indexes(saved)  # an earlier run killed during its load left them dropped
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM enterprises_enterprise")
        have = cur.fetchone()[0]
    load_seconds = None
    if args.measure_only or (args.reuse and have == n):
        print(f"沿用已有的 {have:,} 家企业", file=sys.stderr)
    else:
        load_seconds = load(n, args.facts_per, args.batch, args.jobs, args.seed, saved)
    if not args.generate_only:
        measure(args.lookups, random.Random(args.seed), load_seconds)


# --- generation ---------------------------------------------------------------------------------

_CTX: dict = {}

PENALTIES = (
    ("生产、销售不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品", "《中华人民共和国产品质量法》第四十九条"),
    ("在产品中掺杂、掺假，以假充真，以次充好", "《中华人民共和国产品质量法》第五十条"),
    ("生产经营超范围、超限量使用食品添加剂的食品", "《中华人民共和国食品安全法》第一百二十四条第一款第三项"),
    ("经营标签不符合规定的预包装食品", "《中华人民共和国食品安全法》第一百二十五条第一款第二项"),
    ("未经许可从事食品经营活动", "《中华人民共和国食品安全法》第一百二十二条第一款"),
    ("使用未经检验的特种设备", "《中华人民共和国特种设备安全法》第八十四条第一项"),
    ("发布虚假广告", "《中华人民共和国广告法》第五十五条第一款"),
    ("超标排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条第二项"),
    ("未按规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条第三项"),
)
KINDS = (("penalty", 35), ("licence", 40), ("sampling_failure", 8), ("complaint", 8), ("sampling_refusal", 2), ("recall", 2),
         ("abnormal_list", 2), ("award", 2), ("standard_check", 1))
LICENCES = ("食品经营许可证", "食品生产许可证", "工业产品生产许可证", "排污许可证", "危险化学品经营许可证", "特种设备生产许可证")


def _facts_count(rng: random.Random, mean: float) -> int:
    """A skewed count with mean ≈ ``mean``: most 0–4, some 5–12, a few 15–50, 0.3 % 100–400."""
    r = rng.random()
    if r < 0.003:
        base = rng.randint(100, 400)
    elif r < 0.043:
        base = rng.randint(15, 50)
    elif r < 0.243:
        base = rng.randint(5, 12)
    else:
        base = rng.randint(0, 4)
    return round(base * mean / 5.26) if mean != 5.0 else base


def _enterprise(rng: random.Random, pk: int):
    from zhiliang.enterprises import demo

    sector = rng.choices(demo.SECTORS, cum_weights=_CTX["sector_cum"])[0]
    region = rng.choice(demo.REGION_CODES)
    kind = demo.pick_kind(rng, sector)
    name = f"{demo.make_name(rng, sector, region, kind)[:-4]}{pk % 100000:05d}{demo.make_name(rng, sector, region, kind)[-4:]}"
    division = demo.PLACES[region].divisions[0][0] if rng.random() < 0.75 else demo.CITY_CODE
    uscc = demo.make_uscc_for(division, kind=kind, orgcode=demo.make_orgcode(rng, established=2016, serial=pk))
    return uscc, name, region, sector, kind


def _date(rng: random.Random, days_back: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=rng.randrange(1, days_back))


def _fact_row(rng: random.Random, fid: int, pk: int, uscc: str, name: str, region_id: int) -> tuple:
    kind = rng.choices([k for k, _ in KINDS], cum_weights=_CTX["kind_cum"])[0]
    decided = _date(rng, 1800)
    dep_id, dep_name = rng.choice(_CTX["departments"])
    title = content = basis = decision_no = licence_action = severity = procedure = ""
    fine = None
    warning = low = False
    publishable = True
    valid_from = valid_until = None
    received = "{}"
    if kind == "penalty":
        title, basis = rng.choice(PENALTIES)
        procedure = "simple" if rng.random() < 0.15 else "ordinary"
        warning = rng.random() < 0.08
        fine = None if warning else round(rng.uniform(0.05, 30), 4)
        low = bool(fine is not None and fine < 1)
        severity = rng.choices(("minor", "general", "serious"), weights=(50, 40, 10))[0]
        publishable = procedure == "ordinary" and not warning
        decision_no = f"十市监处罚〔{decided.year}〕{fid % 100000}号"
        content = f"{'警告' if warning else f'罚款{fine}万元'}；责令改正违法行为。当事人{title}，违反了{basis[:14]}的规定。"
        received = json.dumps({"cf_wsh": decision_no, "cf_wfxw": title, "cf_yj": basis, "cf_nr_fk": fine}, ensure_ascii=False)
    elif kind == "licence":
        title = rng.choice(LICENCES)
        decision_no = f"JY{region_id:02d}{fid:012d}"
        valid_from, valid_until = decided, decided + datetime.timedelta(days=5 * 365)
        content = f"{title}：许可经营项目按证载范围"
    else:
        title = {"sampling_failure": "监督抽查不合格", "complaint": "经核实的消费投诉", "sampling_refusal": "拒绝监督抽查", "recall": "缺陷产品召回",
                 "abnormal_list": "列入经营异常名录", "award": "湖北名牌产品", "standard_check": "企业标准自我声明检查"}[kind]
        content = f"{title}（编号 {fid}）"
        severity = "general" if kind in ("sampling_failure", "sampling_refusal", "recall") else ""
    published = decided if publishable else None
    if published is None:
        ends = None
    elif kind == "penalty":
        ends = decided + datetime.timedelta(days=91 if low else 3 * 365)
    elif kind == "licence":
        ends = None
    else:
        ends = decided + datetime.timedelta(days=3 * 365)
    r = rng.random()
    status, revoked, repaired = "active", None, None
    if kind == "penalty" and r < 0.02:
        status, revoked, ends = "revoked", decided + datetime.timedelta(days=60), decided + datetime.timedelta(days=60)
    elif kind == "penalty" and r < 0.05:
        status, repaired = "repaired", decided + datetime.timedelta(days=200)
        ends = repaired
    disputed = kind == "penalty" and rng.random() < 0.005
    regime = "2025" if decided >= datetime.date(2025, 12, 25) else "order45"
    return (fid, None, STAMP, STAMP, kind, dep_id, dep_name, _CTX["source_key"][dep_id], f"Q{fid}", "legal_entity", name, uscc, "{}",
            "", "", "", "", "", pk, "uscc", None, region_id, title, content, basis, decision_no, decided, valid_from, valid_until, procedure,
            warning, low, fine, None, licence_action, severity, dep_name, "", regime, publishable,
            None, published, ends, status, revoked, repaired, disputed, received, STAMP, STAMP)


def _assessment(rng: random.Random, aid: int, pk: int, region_id: int, current: bool) -> tuple:
    risk = rng.choices("ABCD", weights=(20, 60, 15, 5))[0]
    explanation = [{"indicator": "行政处罚", "rule": "RULE_CREDIT_CLASS_PENALTY", "facts": [], "points": rng.randint(0, 40)},
                   {"indicator": "监督抽查", "rule": "RULE_CREDIT_CLASS_SAMPLING", "facts": [], "points": rng.randint(0, 30)}]
    return (aid, None, STAMP, STAMP, pk, region_id, risk, f"{rng.uniform(0, 100):.2f}", "2022-6", json.dumps(explanation, ensure_ascii=False),
            STAMP, "每日重新计算", current, None)


def _rows(job: tuple[int, int, int, int, int, int]):
    """The rows of one batch of enterprises (runs in a worker process)."""
    batch_no, first_id, size, first_fact, first_assessment, seed = job
    rng = random.Random(f"bench-credit:{seed}:{batch_no}")
    regions = _CTX["regions"]
    e_rows, i_rows, f_rows, a_rows, listed = [], [], [], [], []
    fid, aid = first_fact, first_assessment
    for pk in range(first_id, first_id + size):
        uscc, name, region, sector, kind = _enterprise(rng, pk)
        region_id = regions[region]
        entity_type = {"92": "individual", "93": "cooperative"}.get(kind, "limited")
        status = "active" if rng.random() < 0.9 else "cancelled"
        e_rows.append((pk, uscc, name, "[]", entity_type, "", "resident_id", "", region_id, "", rng.choice(sector.industries),
                       None, None, status, "micro", "", "", False, None, STAMP, STAMP, None))
        i_rows.append((pk, None, STAMP, STAMP, "uscc", uscc, "", pk))
        for _ in range(_facts_count(rng, _CTX["facts_per"])):
            f_rows.append(_fact_row(rng, fid, pk, uscc, name, region_id))
            fid += 1
        if rng.random() < 0.2:
            a_rows.append(_assessment(rng, aid, pk, region_id, False))
            aid += 1
        a_rows.append(_assessment(rng, aid, pk, region_id, True))
        aid += 1
        if rng.random() < 0.005:
            listed.append((pk, uscc, name, region_id))
    return e_rows, i_rows, f_rows, a_rows, listed, fid - first_fact, aid - first_assessment


ENTERPRISE_COLUMNS = ["id", "uscc", "name", "former_names", "entity_type", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number",
                      "region_id", "address", "industry_code", "registered_capital", "established_on", "status", "scale",
                      "chief_quality_officer", "cqo_phone", "liability_insured", "insurance_until", "created_at", "updated_at", "created_in_id"]
IDENTIFIER_COLUMNS = ["id", "created_in_id", "created_at", "updated_at", "scheme", "value", "source", "enterprise_id"]


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


TABLES = ("credit_creditfact", "credit_riskassessment", "enterprises_enterpriseidentifier", "credit_listentry", "credit_listentry_facts",
          "credit_measurecase")


def drop_indexes(saved: str) -> None:
    """Save and drop the secondary indexes and unique constraints of the bulk tables."""
    from django.db import connection

    definitions = {"constraints": [], "indexes": []}
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'", [table])
            constraints = cur.fetchall()
            definitions["constraints"] += [(table, name, sql) for name, sql in constraints]
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s", [table, "%_pkey"])
            names = {name for name, _ in constraints}
            definitions["indexes"] += [(table, name, sql) for name, sql in cur.fetchall() if name not in names]
    with open(saved, "w", encoding="utf-8") as f:
        json.dump(definitions, f, ensure_ascii=False, indent=1)
    with connection.cursor() as cur:
        for table, name, _ in definitions["constraints"]:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, name, _ in definitions["indexes"]:
            cur.execute(f'DROP INDEX "{name}"')


def restore_indexes(saved: str) -> None:
    """Re-create what :func:`drop_indexes` saved and is missing."""
    from django.db import connection

    if not os.path.exists(saved):
        return
    with open(saved, encoding="utf-8") as f:
        definitions = json.load(f)
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        existing = {row[0] for row in cur.fetchall()}
        for table, name, sql in definitions["constraints"]:
            if name not in existing:
                t = time.perf_counter()
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {sql}')
                print(f"重建约束 {name} {time.perf_counter() - t:.0f} s", file=sys.stderr)
        for _, name, sql in definitions["indexes"]:
            if name not in existing:
                t = time.perf_counter()
                cur.execute(sql)
                print(f"重建索引 {name} {time.perf_counter() - t:.0f} s", file=sys.stderr)
    os.remove(saved)


def load(n: int, facts_per: float, batch: int, jobs: int, seed: int, saved: str) -> float:
    import multiprocessing

    from django.db import connection

    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.core.models import Department, Region
    from zhiliang.credit.matching import source_key_of
    from zhiliang.credit.models import CreditFact, RiskAssessment
    from zhiliang.enterprises import demo
    from zhiliang.enterprises.models import Enterprise, EnterpriseIdentifier

    postgres = connection.vendor == "postgresql"
    expected = {Enterprise: ENTERPRISE_COLUMNS, EnterpriseIdentifier: IDENTIFIER_COLUMNS, CreditFact: FACT_COLUMNS,
                RiskAssessment: ASSESSMENT_COLUMNS}
    for model, columns in expected.items():
        if set(_columns(model)) != set(columns):
            raise SystemExit(f"{model._meta.db_table} 的列已变化，请更新基准脚本：{sorted(set(_columns(model)) ^ set(columns))}")
    started = time.perf_counter()
    print(f"{connection.vendor}: 清空并生成 {n:,} 家企业、约 {int(n * facts_per):,} 条信用信息 …", file=sys.stderr)
    with connection.cursor() as cur:
        if postgres:
            cur.execute("TRUNCATE enterprises_enterprise RESTART IDENTITY CASCADE")
        else:
            cur.execute("PRAGMA foreign_keys = OFF")
            tables = [t for t in connection.introspection.table_names() if t.startswith("credit_")] + [
                "enterprises_enterpriseidentifier", "enterprises_enterprise_categories", "enterprises_licence_categories", "enterprises_licence",
                "enterprises_product", "enterprises_conflictofinterest", "enterprises_enterprise"]
            for table in tables:
                cur.execute(f"DELETE FROM {table}")
    departments = list(Department.objects.filter(code__in=("sy-amr", "mj-amr", "zw-amr", "yy-amr", "djk-amr", "jkq-amr", "sy-env", "sy-safety",
                                                           "sy-health", "sy-agri")).values_list("pk", "name"))
    _CTX.update(
        regions={r.code: r.pk for r in Region.objects.filter(code__in=demo.REGION_CODES)},
        departments=departments,
        source_key={pk: source_key_of(Department.objects.get(pk=pk), "", "") for pk, _ in departments},
        sector_cum=list(_cumulative([s.weight for s in demo.SECTORS])),
        kind_cum=list(_cumulative([w for _, w in KINDS])),
        facts_per=facts_per,
    )
    if postgres:
        drop_indexes(saved)
        with connection.cursor() as cur:
            cur.execute("SET session_replication_role = replica")  # no foreign-key triggers during COPY
    # fact and assessment ids: each batch gets a disjoint range (≤ 600 facts, 2 rows per enterprise)
    batches = [(i, 1 + i * batch, min(batch, n - i * batch), 1 + i * batch * 600, 1 + i * batch * 2, seed) for i in range((n + batch - 1) // batch)]
    done = facts = 0
    listed: list[tuple] = []
    context = multiprocessing.get_context("fork")  # the workers inherit the set-up Django
    connection.close()  # never share the connection with the forked workers
    with context.Pool(jobs) as pool:
        for e_rows, i_rows, f_rows, a_rows, lst, _nf, _na in pool.imap(_rows, batches):
            if postgres and done == 0:
                with connection.cursor() as cur:
                    cur.execute("SET session_replication_role = replica")
            _write(connection, "enterprises_enterprise", ENTERPRISE_COLUMNS, e_rows)
            _write(connection, "enterprises_enterpriseidentifier", IDENTIFIER_COLUMNS, i_rows)
            _write(connection, "credit_creditfact", FACT_COLUMNS, f_rows)
            _write(connection, "credit_riskassessment", ASSESSMENT_COLUMNS, a_rows)
            listed += lst
            done += len(e_rows)
            facts += len(f_rows)
            progress(f"企业（信用信息 {facts:,} 条）", done, n, started)
    print(file=sys.stderr)
    with audit_context(actor=SYSTEM, reason="信用查询基准数据", source="command"):
        _lists(connection, listed, random.Random(f"bench-credit:{seed}:lists"))
    with connection.cursor() as cur:
        if postgres:
            cur.execute("SET session_replication_role = DEFAULT")
    if postgres:
        restore_indexes(saved)
        with connection.cursor() as cur:
            for table, model in (("enterprises_enterprise", Enterprise), ("enterprises_enterpriseidentifier", EnterpriseIdentifier),
                                 ("credit_creditfact", CreditFact), ("credit_riskassessment", RiskAssessment)):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}))")
            t = time.perf_counter()
            for table in ("enterprises_enterprise", "enterprises_enterpriseidentifier", *TABLES):
                cur.execute(f"VACUUM ANALYZE {table}")  # autocommit: VACUUM cannot run in a transaction
            print(f"VACUUM ANALYZE {time.perf_counter() - t:.0f} s", file=sys.stderr)
    else:
        with connection.cursor() as cur:
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("ANALYZE")
    took = time.perf_counter() - started
    print(f"生成完毕：{n:,} 家企业、{facts:,} 条信用信息，{took:.0f} s", file=sys.stderr)
    return took


def _lists(connection, listed: list[tuple], rng: random.Random) -> None:
    """Serious-list and red-list entries (every state) with their list facts and measure cases."""
    from zhiliang.core.models import Department, Region
    from zhiliang.credit.models import CreditFact, ListEntry, Measure, MeasureCase

    city = Region.objects.get(code="420300")
    amr = Department.objects.get(code="sy-amr")
    executing = list(Department.objects.filter(code__in=("sy-ndrc", "sy-finance", "sy-ggzy", "sy-housing", "sy-pbc")))
    measures = []
    for i, dept in enumerate(executing):
        measure, _ = Measure.objects.get_or_create(code=f"BENCH-{i + 1:02d}", defaults=dict(
            kind="punishment", trigger="serious_list", domain="基准", cause="列入严重违法失信名单", legal_basis="《严重违法失信名单管理办法》",
            content="依法限制参加政府采购、招标投标等活动", requesting_department=amr, executing_department=dept))
        measures.append(measure)
    states = ("proposed", "approved", "notified", "published", "published", "published", "removed", "removed")
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM credit_creditfact")
        next_fact = cur.fetchone()[0] + 1
    entries, facts, cases = [], [], []
    for pk, uscc, name, region_id in listed:
        kind = "red" if rng.random() < 0.15 else "serious"
        status = "published" if kind == "red" else rng.choice(states)
        proposed = _date(rng, 1500)
        published = proposed + datetime.timedelta(days=30) if status in ("published", "removed") else None
        fact_id = None
        if published:
            fact_id = next_fact
            next_fact += 1
            facts.append(CreditFact(id=fact_id, kind="serious_list" if kind == "serious" else "red_list", source_department=amr,
                                    source_name=amr.name, source_key="sy-amr", source_record_id=f"L{fact_id}", party_name=name, party_uscc=uscc,
                                    enterprise_id=pk, match_status="uscc", region_id=region_id, title="列入严重违法失信名单",
                                    decided_on=published, published_on=published, publicity_ends_on=published + datetime.timedelta(days=3 * 365),
                                    status="active"))
        entries.append(ListEntry(list_kind=kind, enterprise_id=pk, region_id=region_id, deciding_region=city, department=amr,
                                 grounds="生产销售不合格产品，被处以较重罚款", legal_basis="《市场监督管理严重违法失信名单管理办法》第五条",
                                 status=status, proposed_on=proposed, decided_on=published, published_on=published, fact_id=fact_id,
                                 removal_apply_from=published + datetime.timedelta(days=365) if published else None,
                                 auto_removal_on=published + datetime.timedelta(days=3 * 365) if published else None,
                                 removed_on=published + datetime.timedelta(days=400) if status == "removed" else None,
                                 removal_way="application" if status == "removed" else ""))
    CreditFact.objects.bulk_create(facts, batch_size=2000)
    made = ListEntry.objects.bulk_create(entries, batch_size=2000)
    through = ListEntry.facts.through
    links = [through(listentry_id=e.pk, creditfact_id=e.fact_id) for e in made if e.fact_id]
    through.objects.bulk_create(links, batch_size=2000)
    for e in made:
        if e.status == "published" and e.list_kind == "serious":
            for m in measures:
                state = rng.choice(("open", "fed_back"))
                cases.append(MeasureCase(measure=m, enterprise_id=e.enterprise_id, region_id=e.region_id, executing_department_id=m.executing_department_id,
                                         list_entry=e, opened_on=e.published_on, feedback_due=e.published_on + datetime.timedelta(days=30),
                                         ends_on=e.auto_removal_on, status=state))
    MeasureCase.objects.bulk_create(cases, batch_size=2000)
    print(f"名单记录 {len(made):,} 条（含列入名单信用信息 {len(facts):,} 条）、联合奖惩案件 {len(cases):,} 件", file=sys.stderr)


FACT_COLUMNS = ["id", "created_in_id", "created_at", "updated_at", "kind", "source_department_id", "source_name", "source_key", "source_record_id",
                "party_kind", "party_name", "party_uscc", "party_codes", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number",
                "person_id_type", "person_id_number", "enterprise_id", "match_status", "candidate_id", "region_id", "title", "content",
                "legal_basis", "decision_no", "decided_on", "valid_from", "valid_until", "procedure", "is_warning_only",
                "is_criticism_or_low_fine", "fine_wan", "confiscated_wan", "licence_action", "severity", "authority", "authority_code",
                "regime", "is_publishable", "publish_due", "published_on", "publicity_ends_on", "status", "revoked_on", "repaired_on",
                "disputed", "received", "first_seen_at", "last_seen_at"]
ASSESSMENT_COLUMNS = ["id", "created_in_id", "created_at", "updated_at", "enterprise_id", "region_id", "risk_class", "score", "rule_set",
                      "explanation", "computed_at", "trigger", "is_current", "computed_by_id"]


def _cumulative(weights):
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
        from django.db import transaction

        marks = ", ".join(["%s"] * len(columns))
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", [tuple(_sqlite(v) for v in row) for row in rows])


def _sqlite(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(value)
    return value


# --- measuring --------------------------------------------------------------------------------


def _users():
    """The public (``None``), a city department's staff and a county's staff."""
    from zhiliang.core import services
    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.core.models import Department, Region, User

    with audit_context(actor=SYSTEM, reason="信用查询基准账号", source="command"):
        made = {}
        for username, role, region_code, dept_code in (("bench-amr", "department_staff", "420300", "sy-amr"),
                                                        ("bench-county", "county_staff", "420303", None)):
            user = User.objects.filter(username=username).first()
            if user is None:
                user = services.create_user(actor=SYSTEM, username=username, password=None, display_name="基准")
                services.add_membership(actor=SYSTEM, user=user, role=role, region=Region.objects.get(code=region_code),
                                        department=Department.objects.get(code=dept_code) if dept_code else None)
            made[username] = user
    return made["bench-amr"], made["bench-county"]


def _materialise(value, depth: int = 0) -> int:
    """Read everything a profile holds (evaluate querysets, walk dicts, lists and dataclasses);
    returns the number of rows (dicts or model instances inside lists and querysets) read."""
    from django.db.models import Model, QuerySet

    if depth > 6:
        return 0
    if isinstance(value, QuerySet):
        value = list(value)
    if isinstance(value, (list, tuple, set)):
        return sum((1 if isinstance(v, (dict, Model)) else 0) + _materialise(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return sum(_materialise(v, depth + 1) for v in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(_materialise(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return 0


def _sample_ids(k: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """``k`` random enterprise ids, and up to ``k`` of the heaviest (most facts)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT MIN(id), MAX(id) FROM enterprises_enterprise")
        lo, hi = cur.fetchone()
        cur.execute("SELECT enterprise_id FROM credit_creditfact WHERE enterprise_id IS NOT NULL GROUP BY enterprise_id "
                    "ORDER BY COUNT(*) DESC LIMIT %s", [k])
        heavy = [row[0] for row in cur.fetchall()]
    return [rng.randint(lo, hi) for _ in range(k)], heavy


def measure(k: int, rng: random.Random, load_seconds: float | None) -> None:
    from django.db import connection

    from zhiliang.credit import selectors
    from zhiliang.credit.models import CreditFact, ListEntry, RiskAssessment
    from zhiliang.enterprises.models import Enterprise

    profile = getattr(selectors, "credit_profile", None)
    if profile is None:
        raise SystemExit("credit.selectors.credit_profile 尚不存在：数据已生成，待其实现后以 --measure-only 测量")
    amr, county = _users()
    random_ids, heavy_ids = _sample_ids(k, rng)
    warm_ids, _ = _sample_ids(50, random.Random(rng.random()))
    enterprises = Enterprise.objects.in_bulk(random_ids + heavy_ids + warm_ids)
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'credit_creditfact'" if connection.vendor == "postgresql"
                    else "SELECT COUNT(*) FROM credit_creditfact")
        facts = cur.fetchone()[0]
    print()
    load_text = f"，生成 {load_seconds:.0f} s" if load_seconds else ""
    print(f"{connection.vendor}：企业 {Enterprise.objects.count():,} 家，信用信息约 {facts:,} 条，当前分类 "
          f"{RiskAssessment.objects.filter(is_current=True).count():,} 条，名单记录 {ListEntry.objects.count():,} 条{load_text}；"
          f"负载 {os.getloadavg()[0]:.2f}（1 分钟）")
    heavy_counts = [CreditFact.objects.filter(enterprise_id=pk).count() for pk in heavy_ids[:3]]
    print(f"最重的企业信用信息条数：{heavy_counts} …（重样本 {len(heavy_ids)} 家）")

    def run(ids, user, public):
        times, rows = [], []
        for pk in ids:
            start = time.perf_counter()
            result = profile(enterprises[pk], user, public=public)
            rows.append(_materialise(result))
            times.append((time.perf_counter() - start) * 1000)
        return times, rows

    def queries(pk, user, public) -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            _materialise(profile(enterprises[pk], user, public=public))
        return len(captured.captured_queries)

    cases = [("公众（匿名）", None, True), ("市场监管局工作人员", amr, False), ("张湾区工作人员", county, False)]
    for _, user, public in cases:  # warm-up: the first lookups read pages into the cache
        run(warm_ids, user, public)
    print(f"{'credit_profile':<36}{'样本':>8}{'次数':>6}{'平均行数':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'SQL 条数':>10}")
    for label, user, public in cases:
        for sample, ids in (("随机", random_ids), ("最重", heavy_ids)):
            times, rows = run(ids, user, public)
            print(f"{label:<36}{sample:>8}{len(ids):>6}{statistics.mean(rows):>10.1f}{statistics.median(times):>9.1f}"
                  f"{percentile(times, 95):>9.1f}{max(times):>9.1f}{queries(ids[0], user, public):>10}")
    _page(random_ids, enterprises, amr)
    print(f"负载 {os.getloadavg()[0]:.2f}（测量后）")


def _page(ids: list[int], enterprises: dict, amr) -> None:
    """The public credit page (``credit:public-credit``, by USCC) and the staff credit page
    (``credit:enterprise-credit``, as the city bureau's staff) through the Django test client,
    when their URLs exist."""
    from django.core.management import call_command
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name hashed static files

    pages = (("公众信用页面", "credit:public-credit", lambda e: e.uscc, None), ("工作人员信用页面", "credit:enterprise-credit", lambda e: e.pk, amr))
    for label, name, key, user in pages:
        try:
            paths = [reverse(name, args=[key(enterprises[pk])]) for pk in ids[:200]]
        except NoReverseMatch:
            print(f"{label}：未找到其 URL（{name}），未测量")
            continue
        client = Client(HTTP_HOST="localhost")
        if user is not None:
            client.force_login(user)
        for path in paths[:20]:
            client.get(path)
        times, statuses = [], Counter()
        for path in paths:
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            statuses[response.status_code] += 1
        print(f"{label + ' ' + name:<36}{'随机':>8}{len(paths):>6}{'':>10}{statistics.median(times):>9.1f}"
              f"{percentile(times, 95):>9.1f}{max(times):>9.1f}  状态码 {dict(statuses)}")


if __name__ == "__main__":
    main()
