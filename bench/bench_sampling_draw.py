"""Verifiable draw benchmark (issue 4): freezing a 1 000 000-enterprise pool with all
exclusions (goal ≤ 10 s) and drawing 20 000 picks across strata from it (goal ≤ 2 s).

    createdb -h 127.0.0.1 -U postgres zl_sampling_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zl_sampling_bench .venv/bin/python bench/bench_sampling_draw.py [--reuse]
    .venv/bin/python bench/bench_sampling_draw.py --n 100000          # SQLite, smaller
    options: --n N (default 1 000 000 on PostgreSQL, 100 000 on SQLite)  --quota 200  --reuse  --repeat 3  --follow-ups

Loads N enterprises spread over the 10 county-level regions (8 counties, 2 zones) and the
10 key product categories (``Enterprise.categories``), ≈0.8 N products, 12 % not in
operation, provincial samples within the 6-month ban for 0.5 % of them and refused tasks of
an earlier plan for 0.2 % (priority) — PostgreSQL through ``COPY``, SQLite through
``executemany`` — then a city plan with a quota of ``--quota`` (200) per region and category
(100 quotas, 20 000 picks) and credit classes from a registered provider (A 20 %, B 50 %,
C 20 %, D 10 %).  Measured:

  (1) ``freeze_enterprise_pool``: the pool built with every exclusion, serialized, hashed and
      stored, the draw row written (the service, end to end);
  (2) the draw itself: reading the frozen file, checking its SHA-256, parsing and drawing
      (``sampling.draw.run``) — and, for information, ``run_draw`` end to end (with the
      20 000 tasks written) and a strict ``verify`` of the record.

Not a test: the figures depend on the machine (the load average is printed).  The bench
database is wiped of registry and sampling rows: use a dedicated one.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import tempfile
import time

ON = datetime.date(2026, 3, 2)
BENCH_PLAN = "BENCH-DRAW-2026"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, help="企业数（默认 PostgreSQL 1 000 000，SQLite 100 000）")
    parser.add_argument("--quota", type=int, default=200, help="每个县市区、每个类别的抽查企业数（默认 200：共 20 000 家）")
    parser.add_argument("--reuse", action="store_true", help="已有同样数量的企业时不重新装载")
    parser.add_argument("--repeat", type=int, default=3, help="抽取计时的重复次数（默认 3，取最好与中位）")
    parser.add_argument("--follow-ups", action="store_true", help="另测抽取执法检查人员、检验检测机构（每个任务一个分层）")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()

    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    os.environ.setdefault("ZHILIANG_DATA_DIR", tempfile.mkdtemp(prefix="zl-bench-draw-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiliang.settings")
    n = args.n or (1_000_000 if postgres else 100_000)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM enterprises_enterprise")
        have = cur.fetchone()[0]
    if args.reuse and have == n:
        print(f"沿用已有的 {n:,} 家企业", file=sys.stderr)
    else:
        load(n, random.Random(args.seed))
    measure(n, args)


# --- loading -----------------------------------------------------------------------------------------

ENTERPRISE_COLUMNS = ["id", "created_in_id", "created_at", "updated_at", "uscc", "name", "former_names", "entity_type", "legal_rep_name",
                      "legal_rep_id_type", "legal_rep_id_number", "region_id", "address", "industry_code", "registered_capital",
                      "established_on", "status", "scale", "chief_quality_officer", "cqo_phone", "liability_insured", "insurance_until"]
PRODUCT_COLUMNS = ["id", "created_in_id", "created_at", "updated_at", "enterprise_id", "region_id", "category_id", "brand", "name", "model",
                   "standards", "gtin"]
WORDS = ("精工", "华宇", "东风", "武当", "汉江", "鑫源", "恒达", "金龙", "天成", "博远", "宏图", "顺发")
KINDS = ("汽车零部件有限公司", "食品有限公司", "家具制造有限公司", "木业有限公司", "防水材料有限公司", "电线电缆有限公司",
         "文具用品有限公司", "服饰有限公司", "厨具有限公司", "环保科技有限公司")


def load(n: int, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from zhiliang.core.models import Region
    from zhiliang.enterprises import demo
    from zhiliang.enterprises.models import Enterprise, Product, ProductCategory

    if [f.column for f in Enterprise._meta.concrete_fields] != ENTERPRISE_COLUMNS or [f.column for f in Product._meta.concrete_fields] != PRODUCT_COLUMNS:
        raise SystemExit("企业或产品表的列已变化，请更新基准脚本")
    postgres = connection.vendor == "postgresql"
    started = time.perf_counter()
    print(f"{connection.vendor}：清空并装载 {n:,} 家企业 …", file=sys.stderr)
    _wipe(connection, postgres, registry=True)
    regions = {r.code: (r.pk, r.name) for r in Region.objects.filter(code__in=demo.REGION_CODES)}
    codes = list(demo.REGION_CODES)
    categories = list(ProductCategory.objects.filter(is_key_category=True).order_by("sort_order").values_list("pk", flat=True))
    assert len(codes) == 10 and len(categories) == 10, (codes, categories)
    now = timezone.now()
    stamp = now if postgres else now.isoformat(sep=" ")
    e_rows, c_rows, p_rows = [], [], []
    product_id = 0
    for pk in range(1, n + 1):
        code = codes[pk % 10]
        region_id, region_name = regions[code]
        cat = categories[(pk // 10) % 10]
        uscc = None if pk % 20 == 0 else f"9142030{pk:010d}X"
        status = "active" if rng.random() < 0.88 else rng.choice(("cancelled", "revoked", "suspended"))
        name = f"{region_name}{rng.choice(WORDS)}{pk}{KINDS[(pk // 10) % 10]}"
        e_rows.append((pk, None, stamp, stamp, uscc, name, "[]", "limited", "", "resident_id", "", region_id, "", "", None, None, status,
                       "small", "", "", False, None))
        c_rows.append((pk, cat))
        for k in range(1 if rng.random() < 0.7 else (2 if rng.random() < 0.33 else 0)):
            product_id += 1
            p_rows.append((product_id, None, stamp, stamp, pk, region_id, cat, rng.choice(WORDS), f"产品{k}", f"M-{pk}-{k}",
                           json.dumps(["GB/T 0000-2020"]), ""))
        if len(e_rows) == 50_000 or pk == n:
            _write(connection, "enterprises_enterprise", ENTERPRISE_COLUMNS, e_rows)
            _write(connection, "enterprises_enterprise_categories", ["enterprise_id", "productcategory_id"], c_rows)
            _write(connection, "enterprises_product", PRODUCT_COLUMNS, p_rows)
            e_rows, c_rows, p_rows = [], [], []
            print(f"\r写入 {pk:,}/{n:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with connection.cursor() as cur:
        if postgres:
            cur.execute("SELECT setval(pg_get_serial_sequence('enterprises_enterprise', 'id'), %s)", [n + 1])
            cur.execute("SELECT setval(pg_get_serial_sequence('enterprises_product', 'id'), %s)", [product_id + 1])
    _history(n, rng, product_id)
    with connection.cursor() as cur:
        if postgres:
            for table in ("enterprises_enterprise", "enterprises_enterprise_categories", "enterprises_product", "sampling_sample",
                          "sampling_samplingtask"):
                cur.execute(f"VACUUM ANALYZE {table}")
        else:
            cur.execute("ANALYZE")
    print(f"装载 {time.perf_counter() - started:.0f} s（企业 {n:,}，产品 {product_id:,}）", file=sys.stderr)


def _history(n: int, rng: random.Random, products: int) -> None:
    """Provincial samples inside the 6-month ban (0.5 % of the enterprises) and refused tasks of
    an earlier county plan (0.2 %): what the exclusions and the priority read."""
    from zhiliang.core.audit import SYSTEM, audit_context, change_set
    from zhiliang.core.models import Region
    from zhiliang.enterprises.models import Enterprise, Product
    from zhiliang.sampling.models import Sample, SamplingTask
    from zhiliang.sampling.services import plans
    from zhiliang.testing.fixtures import department, region

    with audit_context(actor=SYSTEM, reason="基准数据", source="command"), change_set(kind="bench:sampling-history"):
        province = plans.create_plan(actor=SYSTEM, code="BENCH-HB-2026", title="基准：省级抽查", year=2026, level="provincial",
                                     region=region("420000"), organiser_name="湖北省市场监督管理局")
        earlier = plans.create_plan(actor=SYSTEM, code="BENCH-MJ-2025", title="基准：上年县级抽查", year=2025, level="county",
                                    region=region("420302"), department=department("mj-amr"))
        chosen = rng.sample(range(1, n + 1), n // 200)
        first_product = dict(Product.objects.filter(enterprise_id__in=chosen).order_by("enterprise_id", "pk").values_list("enterprise_id", "pk").distinct())
        info = {pk: (region_id, cat) for pk, region_id, cat in Enterprise.objects.filter(pk__in=chosen).values_list("pk", "region_id", "categories")}
        details = {pk: (brand, model) for pk, brand, model in Product.objects.filter(pk__in=first_product.values()).values_list("pk", "brand", "model")}
        samples = []
        for i, pk in enumerate(chosen):
            made = first_product.get(pk)
            brand, model = details.get(made, ("", ""))
            samples.append(Sample(sample_no=f"BENCH-{i:07d}", plan=province, level="provincial", region_id=info[pk][0], producer_id=pk,
                                  producer_name="", product_id=made, product_name="产品0", trademark=brand, model=model,
                                  standard="GB/T 0000-2020", category_id=info[pk][1], sampled_on=ON - datetime.timedelta(days=rng.randrange(1, 170)),
                                  source="imported"))
        Sample.objects.bulk_create(samples, batch_size=5000)
        refused = rng.sample(range(1, n + 1), n // 500)
        info = {pk: (region_id, cat) for pk, region_id, cat in Enterprise.objects.filter(pk__in=refused).values_list("pk", "region_id", "categories")}
        SamplingTask.objects.bulk_create([SamplingTask(plan=earlier, enterprise_id=pk, category_id=info[pk][1], region_id=info[pk][0],
                                                       status="refused", refused_on=ON - datetime.timedelta(days=rng.randrange(1, 300)))
                                          for pk in refused], batch_size=5000)
    del Region


def _wipe(connection, postgres: bool, *, registry: bool) -> None:
    sampling = ["sampling_samplingtask_inspectors", "sampling_samplingtask", "sampling_draw", "sampling_testresult", "sampling_testreport",
                "sampling_sampleattachment", "sampling_objection", "sampling_rectification", "sampling_referral", "sampling_sample",
                "sampling_bulletin", "sampling_quota", "sampling_testitem", "sampling_samplingplan_categories", "sampling_samplingplan"]
    tables = sampling + (["enterprises_enterprise_categories", "enterprises_product", "enterprises_enterpriseidentifier",
                          "enterprises_conflictofinterest", "enterprises_licence_categories", "enterprises_licence",
                          "enterprises_enterprise"] if registry else [])
    with connection.cursor() as cur:
        if postgres:
            cur.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cur.execute(f"DELETE FROM {table}")


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

        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


# --- measuring ---------------------------------------------------------------------------------------


def _bench_plan(quota: int):
    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.enterprises import demo
    from zhiliang.enterprises.models import ProductCategory
    from zhiliang.sampling.services import plans
    from zhiliang.testing.fixtures import department, region

    categories = list(ProductCategory.objects.filter(is_key_category=True).order_by("sort_order"))
    with audit_context(actor=SYSTEM, reason="基准计划", source="command"):
        plan = plans.create_plan(actor=SYSTEM, code=BENCH_PLAN, title="基准：市级监督抽查", year=2026, level="city", region=region("420300"),
                                 department=department("sy-amr"), categories=categories, ends_on=datetime.date(2026, 10, 31))
        for c in categories:
            plans.add_test_item(actor=SYSTEM, plan=plan, category=c, name="标志", direction="qualitative", requirement="应有中文标志")
        for code in demo.REGION_CODES:
            for c in categories:
                plans.set_quota(actor=SYSTEM, plan=plan, region=region(code), category=c, quantity=quota)
        plans.approve_plan(actor=SYSTEM, plan=plan, on=datetime.date(2026, 2, 1))
    return plan


def _clear_bench_plan(connection) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM sampling_samplingplan WHERE code = %s", [BENCH_PLAN])
        ids = [r[0] for r in cur.fetchall()]
        if not ids:
            return
        marks = ", ".join(["%s"] * len(ids))
        cur.execute(f"DELETE FROM sampling_samplingtask_inspectors WHERE samplingtask_id IN (SELECT id FROM sampling_samplingtask WHERE plan_id IN ({marks}))", ids)
        cur.execute(f"DELETE FROM sampling_samplingtask WHERE plan_id IN ({marks})", ids)
        cur.execute(f"DELETE FROM sampling_draw WHERE plan_id IN ({marks}) AND based_on_id IS NOT NULL", ids)
        cur.execute(f"DELETE FROM sampling_draw WHERE plan_id IN ({marks})", ids)
        for table in ("sampling_quota", "sampling_testitem", "sampling_samplingplan_categories"):
            cur.execute(f"DELETE FROM {table} WHERE {'samplingplan_id' if table.endswith('categories') else 'plan_id'} IN ({marks})", ids)
        cur.execute(f"DELETE FROM sampling_samplingplan WHERE id IN ({marks})", ids)


def _classes(ids, on):
    """The bench's credit center: A 20 %, B 50 %, C 20 %, D 10 % (B left out, as a provider may)."""
    table = ("A", "A", "B", "B", "B", "B", "B", "C", "C", "D")
    return {pk: table[(pk // 100) % 10] for pk in ids if table[(pk // 100) % 10] != "B"}


def measure(n: int, args) -> None:
    import statistics

    from django.core.files.storage import default_storage
    from django.db import connection

    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.sampling import draw as engine
    from zhiliang.sampling import pools
    from zhiliang.sampling.models import SamplingTask
    from zhiliang.sampling.services import draws

    _clear_bench_plan(connection)
    plan = _bench_plan(args.quota)
    pools.register_credit_class_provider(_classes)
    load_before = os.getloadavg()
    print(f"\n{connection.vendor}：企业 {n:,} 家；负载 {' '.join(f'{x:.2f}' for x in load_before)}（/proc/loadavg 1、5、15 分钟）")

    t, cpu = time.perf_counter(), time.process_time()
    built = pools.enterprise_pool(plan, ON)
    build_s, build_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"(1a) 建名录（查询、排除、序列化、SHA-256）：{build_s:6.2f} s（本进程 CPU {build_cpu:.2f} s）— 可抽取 {built.eligible:,}，"
          f"排除 {built.excluded:,}，{len(built.data) / 1e6:.0f} MB")
    del built
    t, cpu = time.perf_counter(), time.process_time()
    with audit_context(actor=SYSTEM, reason="基准：冻结名录", source="command"):
        frozen = draws.freeze_enterprise_pool(actor=SYSTEM, plan=plan, on=ON)
    freeze_s, freeze_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"(1)  freeze_enterprise_pool（建名录 + 存文件 + 记录）：{freeze_s:6.2f} s（本进程 CPU {freeze_cpu:.2f} s）   目标 ≤ 10 s")
    reasons = {}
    with default_storage.open(frozen.pool_file.name, "rb") as f:
        stored = f.read()
    for line in stored.split(b"\n")[1:-1]:
        if b'"excluded":""' not in line:
            reason = json.loads(line)["excluded"].split("：")[0]
            reasons[reason] = reasons.get(reason, 0) + 1
    print(f"     名录 {frozen.pool_size:,} 条可抽取；排除 {frozen.excluded_count:,} 条：" + "，".join(f"{k} {v:,}" for k, v in sorted(reasons.items())))

    times, cpus, phases = [], [], []
    for _ in range(args.repeat):
        t, cpu = time.perf_counter(), time.process_time()
        with default_storage.open(frozen.pool_file.name, "rb") as f:
            data = engine.decompress(f.read())
        t_read = time.perf_counter()
        pool_hash = engine.sha256_hex(data)
        if pool_hash != frozen.pool_hash:
            raise SystemExit("名录文件的 SHA-256 不符")
        t_hash = time.perf_counter()
        pool = engine.parse_pool(data)
        t_parse = time.perf_counter()
        outcome = engine.run(pool, frozen.seed, "2026025", pool_hash=pool_hash)
        end = time.perf_counter()
        times.append(end - t)
        cpus.append(time.process_time() - cpu)
        phases.append((t_read - t, t_hash - t_read, t_parse - t_hash, end - t_parse))
        del data, pool
    strata = len({p["stratum"] for p in outcome.picks})
    print(f"(2)  抽取（读文件、核对 SHA-256、解析、排序抽取）：最好 {min(times):.2f} s，中位 {statistics.median(times):.2f} s"
          f"（{args.repeat} 次；CPU 最好 {min(cpus):.2f} s）— {len(outcome.picks):,} 条，{strata} 个分层   目标 ≤ 2 s")
    best = min(phases, key=sum)
    print(f"     其中：读文件 {best[0]:.2f} s，SHA-256 {best[1]:.2f} s，解析 {best[2]:.2f} s，排序抽取（HMAC、分配、结果）{best[3]:.2f} s")

    t = time.perf_counter()
    with audit_context(actor=SYSTEM, reason="基准：抽取", source="command"):
        drawn = draws.run_draw(actor=SYSTEM, draw=frozen, public_value="2026025")
    run_s = time.perf_counter() - t
    assert drawn.result_hash == outcome.result_hash, "服务与引擎的抽取结果不同"
    print(f"     run_draw（抽取 + 写入 {SamplingTask.objects.filter(draw=drawn).count():,} 个抽查任务 + 记录）：{run_s:.2f} s")
    t = time.perf_counter()
    result = engine.verify(engine.record_for(drawn), stored)
    print(f"     verify（严格解析全部名录后重新抽取）：{time.perf_counter() - t:.2f} s — {'通过' if result.ok else result.summary()}")

    if args.follow_ups:
        from zhiliang.testing.fixtures import department, region
        from zhiliang.enterprises import services as registry

        with audit_context(actor=SYSTEM, reason="基准：人员与机构", source="command"):
            from zhiliang.enterprises.models import Inspector, ProductCategory, TestingAgency

            if Inspector.objects.count() < 60:
                for i in range(60):
                    registry.save_inspector(actor=SYSTEM, name=f"检查员{i}", department=department("sy-amr"), region=region("420300"),
                                            certificate_number=f"BENCH{i:05d}")
            if TestingAgency.objects.count() < 20:
                cats = list(ProductCategory.objects.filter(is_key_category=True))
                for i in range(20):
                    registry.save_agency(actor=SYSTEM, name=f"检测所{i}", cma_number=f"BENCHCMA{i:04d}", region=region("420300"),
                                         monthly_capacity=5000, categories=cats)
            t = time.perf_counter()
            draws.draw_inspectors(actor=SYSTEM, enterprise_draw=drawn, public_value="7", on=ON)
            print(f"     draw_inspectors（{drawn.pool_size and len(drawn.result):,} 个任务 × 60 人）：{time.perf_counter() - t:.2f} s")
            t = time.perf_counter()
            draws.draw_labs(actor=SYSTEM, enterprise_draw=drawn, public_value="7", on=ON)
            print(f"     draw_labs（{len(drawn.result):,} 个任务 × 20 家）：{time.perf_counter() - t:.2f} s")
    pools.register_credit_class_provider(None)
    print(f"负载（测量后）{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
