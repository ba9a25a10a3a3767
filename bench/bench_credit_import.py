"""双公示 penalty import benchmark (issue 5, benchmark a): import of N penalty rows with
validation and matching, next to PostgreSQL ``COPY`` of the same file into a bare table, in
the same run (goal ≥ 25 % of COPY's rows/s, minimum 10 %; memory flat).

    createdb -h 127.0.0.1 -U postgres zl_credit_bench
    .venv/bin/python bench/bench_credit_import.py --n 100000          # first
    .venv/bin/python bench/bench_credit_import.py                     # 1 000 000 rows
    options: --n N  --enterprises N  --batch 5000  --per-row 2000  --reimport  --anatomy  --bad 0.002  --seed 45
    e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/zl_credit_import_bench \\
         nice -n 10 .venv/bin/python bench/bench_credit_import.py --n 1000000 --batch 10000 --per-row 300

``DATABASE_URL`` defaults to ``postgres://postgres@127.0.0.1:5432/zl_credit_bench``; the
database's credit facts, enterprises and domain events are **wiped**: use a dedicated one.

1. ``--enterprises`` registry entries (default 100 000) with USCCs are loaded by COPY;
   the last tenth of them without USCC but with a 工商注册号 (``EnterpriseIdentifier``);
2. a CSV of N rows under the cf_* codes is generated (UTF-8, streamed to ``/tmp``): 50 %
   legal entities with a registry USCC (matched), 5 % old enterprises with their 工商注册号
   only (matched by legacy code), 15 % with a USCC outside the registry, 5 % with a registry
   name and no code (name candidate), 12 % 个体工商户, 13 % natural persons with an identity
   number; 90 % ordinary procedure; fines 0–50 万元; decisions over 3 years; ``--bad`` (0.2 %)
   rows with an error (wrong USCC check character, 31 February), imported with ``good_rows``;
3. **COPY**: ``COPY bare FROM STDIN (FORMAT csv, HEADER)`` of the file into a table of 22
   text columns without index — the floor of what loading these bytes costs;
4. **import**: :func:`zhiliang.credit.importers.bulk_import_penalties` of the same file
   (``--source sy-amr``; what ``zhiliang import penalties`` runs for a file this large): every
   row parsed and validated as the per-row import does (USCC check characters, dates, amounts,
   party kinds) in a reading thread while the database writes the previous batch; per batch,
   ``COPY`` into a small temporary staging table, the facts that exist already found in one
   join, then matching (USCC → legacy codes → name candidate) and the insert of the facts in
   one statement (``credit.bulk``); one ``credit.facts_imported`` event; one transaction,
   committed;
5. **the table's own cost**: the same facts written once more into ``credit_creditfact`` by
   one ``INSERT … SELECT`` from the table itself (its indexes and foreign keys, nothing
   else: no reading, checking or matching), rolled back — the ceiling of any import into
   this table;
6. ``--anatomy``: the same facts into a fresh copy of the table with only its primary key and
   unique constraint, with its foreign keys too, with its other indexes too, and with all of
   it (rolled back each time) — what each part of the table costs per row;
7. ``--per-row K``: the per-row path (``run_import`` → ``record_fact``) on the first K rows as a
   dry run, for comparison; ``--reimport``: the bulk path again on the same file (all
   "unchanged").

Peak memory: resident set size sampled every 0.2 s during the import (RSS at 10 % of the rows
vs. the maximum: flat when streaming), and the process's peak (``getrusage``).

CPU: wall-clock rows/s depend on what else the machine runs (the COPY work is done by the
PostgreSQL backend, which ``nice`` does not slow down); the script also reports the CPU seconds
of this process and of its PostgreSQL backend (``/proc/PID/stat``, same machine) for both, and
the ratio of rows per CPU-second.  Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import resource
import sys
import threading
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zl_credit_bench"
HEADER = ["cf_xdr_mc", "cf_xdr_lb", "cf_xdr_shxym", "cf_xdr_gszc", "cf_frdb", "cf_fr_sfzh", "cf_xdr_zjlx", "cf_xdr_zjhm", "cf_wsh", "cf_wfxw", "cf_sy",
          "cf_yj", "cf_cflb", "cf_nr", "cf_nr_fk", "cf_nr_wfff", "cf_jdrq", "cf_cfjg", "cf_cfjgdm", "cf_sjly", "cf_cfcx", "bz"]
AMR = "十堰市市场监督管理局"


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> tuple[float, float]:
    """(this process's CPU seconds, its PostgreSQL backend's — 0 when not readable)."""
    from django.db import connection

    usage = resource.getrusage(resource.RUSAGE_SELF)
    mine = usage.ru_utime + usage.ru_stime
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        server = 0.0
    return mine, server


class Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self):
        start = time.perf_counter()
        while not self.stop.is_set():
            self.samples.append((time.perf_counter() - start, rss_mb()))
            time.sleep(0.2)


def person_id(rng: random.Random) -> str:
    from zhiliang.credit.importers import id_check_char

    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 15000))
    body = f"4203{rng.randrange(1, 99):02d}{born:%Y%m%d}{rng.randrange(0, 999):03d}"
    return body + id_check_char(body)


#: the last tenth of the registry: old enterprises known by a 工商注册号 only (no USCC)
LEGACY_SHARE = 0.1


def first_legacy(n_enterprises: int) -> int:
    return n_enterprises - int(n_enterprises * LEGACY_SHARE) + 1


def enterprise_uscc(i: int) -> str:
    from zhiliang.core.uscc import make_uscc

    return make_uscc(f"9142030{i % 3}MA{i:07d}")


def enterprise_regno(i: int) -> str:
    return f"4203000{i:08d}"


def generate(path: str, n: int, n_enterprises: int, rng: random.Random, bad_share: float) -> None:
    """The file: 50 % legal entities with a registry USCC, 5 % old enterprises with only their
    工商注册号 (matched by the legacy code), 15 % USCCs outside the registry, 5 % a registry name
    without code (name candidate), 12 % 个体工商户, 13 % natural persons; ``bad_share`` of the rows
    with an error (a wrong USCC check character or 31 February)."""
    from zhiliang.core.uscc import make_uscc

    today = datetime.date.today()
    legacy = first_legacy(n_enterprises)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(1, n + 1):
            r = rng.random()
            lb, uscc, regno, name, rep, zjlx, zjhm = "法人及非法人组织", "", "", "", "", "", ""
            if r < 0.50:
                e = rng.randrange(1, legacy)
                name, uscc, rep = f"十堰基准示例企业{e:06d}有限公司", enterprise_uscc(e), "示例代表"
            elif r < 0.55:
                e = rng.randrange(legacy, n_enterprises + 1)
                name, regno, rep = f"十堰基准示例企业{e:06d}有限公司", enterprise_regno(e), "示例代表"
            elif r < 0.70:
                name, uscc, rep = f"基准虚构外地企业{i:07d}有限公司", make_uscc(f"91110000MA{i:07d}"), "示例代表"
            elif r < 0.75:
                name = f"十堰基准示例企业{rng.randrange(1, legacy):06d}有限公司"
            elif r < 0.87:
                lb, name, uscc, rep = "个体工商户", f"基准虚构商行{i:07d}", make_uscc(f"92420302MA{i:07d}"), "示例经营者"
            else:
                lb, name, zjlx, zjhm = "自然人", f"虚构人{i:07d}", "身份证", person_id(rng)
            fine = f"{rng.uniform(0, 50):.2f}" if rng.random() < 0.85 else ""
            category = "罚款" if fine else rng.choice(("警告", "通报批评", "没收违法所得"))
            confiscated = f"{rng.uniform(0, 5):.2f}" if category == "没收违法所得" else ""
            decided = (today - datetime.timedelta(days=rng.randrange(1, 1095))).isoformat()
            if rng.random() < bad_share:
                if uscc:
                    uscc = uscc[:17] + ("1" if uscc[17] != "1" else "2")
                else:
                    decided = "2025-02-31"
            writer.writerow([name, lb, uscc, regno, rep, "", zjlx, zjhm, f"十市监罚〔{decided[:4]}〕{i}号", "生产、销售不合格产品",
                             "基准虚构数据", "《产品质量法》第四十九条", category, f"{category}{fine}", fine, confiscated,
                             decided, AMR, "", AMR, "普通程序" if rng.random() < 0.9 else "简易程序", ""])


def load_registry(n_enterprises: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from zhiliang.core.models import Region
    from zhiliang.enterprises.models import Enterprise, EnterpriseIdentifier

    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE credit_creditfact, credit_riskassessment, core_domainevent, enterprises_enterprise RESTART IDENTITY CASCADE")
    region = Region.objects.get(code="420302").pk
    columns = [f for f in Enterprise._meta.concrete_fields]
    names = [f.column for f in columns]

    def rows():
        from django.db.models import NOT_PROVIDED

        base = {}
        for f in columns:
            if f.column in ("created_at", "updated_at"):
                base[f.column] = now
            elif f.default is not NOT_PROVIDED:
                d = f.get_default()
                base[f.column] = "[]" if d == [] else "{}" if d == {} else d
            elif f.null:
                base[f.column] = None
            else:
                base[f.column] = ""
        legacy = first_legacy(n_enterprises)
        for i in range(1, n_enterprises + 1):
            values = base | {"id": i, "uscc": enterprise_uscc(i) if i < legacy else None, "name": f"十堰基准示例企业{i:06d}有限公司", "region_id": region,
                             "entity_type": "limited", "status": "active", "former_names": "[]"}
            yield tuple(values[c] for c in names)

    cols = ", ".join(connection.ops.quote_name(c) for c in names)
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {Enterprise._meta.db_table} ({cols}) FROM STDIN") as copy:
        for row in rows():
            copy.write_row(row)
    identifiers = EnterpriseIdentifier._meta.db_table
    with connection.cursor() as cur, cur.cursor.copy(
            f"COPY {identifiers} (id, created_at, updated_at, scheme, value, source, enterprise_id) FROM STDIN") as copy:
        for n, i in enumerate(range(first_legacy(n_enterprises), n_enterprises + 1), 1):
            copy.write_row((n, now, now, "regno", enterprise_regno(i), "基准", i))
    with connection.cursor() as cur:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{Enterprise._meta.db_table}', 'id'), {n_enterprises})")
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{identifiers}', 'id'), {n_enterprises})")
        cur.execute("ANALYZE")


def copy_bare(path: str) -> tuple[float, int, tuple[float, float]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy_penalties")
        cur.execute("CREATE TABLE bench_copy_penalties (" + ", ".join(f"{c} text" for c in HEADER) + ")")
    cpu = cpu_seconds()
    started = time.perf_counter()
    with connection.cursor() as cur, open(path, "rb") as f:
        with cur.cursor.copy("COPY bench_copy_penalties FROM STDIN (FORMAT csv, HEADER true, ENCODING 'UTF8')") as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
    elapsed = time.perf_counter() - started
    after = cpu_seconds()
    copy_cpu = (after[0] - cpu[0], after[1] - cpu[1])
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM bench_copy_penalties")
        count = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_copy_penalties")
    return elapsed, count, copy_cpu


def table_floor(change_set_id: int) -> tuple[float, int, tuple[float, float]]:
    """Write the import's facts once more into the same table (another source key), in one
    statement with the foreign keys checked by it; rolled back."""
    from django.db import connection, transaction

    from zhiliang.credit.models import CreditFact

    columns = [f.column for f in CreditFact._meta.concrete_fields if f.column != "id"]
    values = ", ".join("source_key || '~'" if c == "source_key" else c for c in columns)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cpu = cpu_seconds()
        started = time.perf_counter()
        cur.execute(f"INSERT INTO {CreditFact._meta.db_table} ({', '.join(columns)}) SELECT {values} FROM {CreditFact._meta.db_table} "
                    "WHERE created_in_id = %s", [change_set_id])
        elapsed, count = time.perf_counter() - started, cur.rowcount
        after = cpu_seconds()
        transaction.set_rollback(True)
    return elapsed, count, (after[0] - cpu[0], after[1] - cpu[1])


def table_anatomy(change_set_id: int) -> list[tuple[str, float, int]]:
    """What writing the import's facts costs, part by part: the same rows ``INSERT … SELECT``-ed
    into a fresh copy of ``credit_creditfact`` with, in turn, only its primary key and unique
    constraint, those and its foreign keys, those and its other indexes, and all of it (the
    definitions read from the catalogue); each in a transaction rolled back."""
    import re

    from django.db import connection, transaction

    from zhiliang.credit.models import CreditFact

    table = CreditFact._meta.db_table
    columns = ", ".join(f.column for f in CreditFact._meta.concrete_fields if f.column != "id")
    with connection.cursor() as cur:
        cur.execute("SELECT indisunique, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass", [table])
        indexes = cur.fetchall()
        cur.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table])
        foreign = [f"ALTER TABLE bench_fact_like ADD {d}" for (d,) in cur.fetchall()]

    def index(definition: str) -> str:
        return re.sub(r"INDEX \S+ ON \S+", "INDEX ON bench_fact_like", definition)

    unique = [index(d) for u, d in indexes if u]
    other = [index(d) for u, d in indexes if not u]
    variants = [("主键与唯一约束", unique), (f"+ {len(foreign)} 个外键", unique + foreign),
                (f"+ {len(other)} 个其他索引", unique + other), ("全部（即信用信息表）", unique + foreign + other)]
    results = []
    for label, ddl in variants:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute(f"CREATE TABLE bench_fact_like (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)")
            for statement in ddl:
                cur.execute(statement)
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            started = time.perf_counter()
            cur.execute(f"INSERT INTO bench_fact_like ({columns}) SELECT {columns} FROM {table} WHERE created_in_id = %s", [change_set_id])
            results.append((label, time.perf_counter() - started, cur.rowcount))
            transaction.set_rollback(True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="处罚记录行数（默认 1 000 000）")
    parser.add_argument("--enterprises", type=int, default=100_000, help="登记企业数（默认 100 000）")
    parser.add_argument("--batch", type=int, default=5000, help="批量写入的行数")
    parser.add_argument("--per-row", type=int, default=2000, help="逐行路径（record_fact）试导入的行数，0 不测")
    parser.add_argument("--reimport", action="store_true", help="再导入一次同一文件（全部“未变”）")
    parser.add_argument("--anatomy", action="store_true", help="再把导入的信用信息写入信用信息表的新副本：只有主键与唯一约束、加外键、加其他索引、全部（各自回滚）")
    parser.add_argument("--bad", type=float, default=0.002, help="有错误的行所占比例（默认 0.2 %）")
    parser.add_argument("--seed", type=int, default=45)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("本基准只在 PostgreSQL 上运行（DATABASE_URL=postgres://…）")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiliang.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.credit.importers import bulk_import_penalties
    from zhiliang.exchange import importing

    call_command("migrate", verbosity=0)
    rng = random.Random(f"credit:{args.seed}")
    path = f"/tmp/zl_credit_bench_{args.n}.csv"
    started = time.perf_counter()
    load_registry(args.enterprises)
    print(f"企业 {args.enterprises}：{time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    generate(path, args.n, args.enterprises, rng, args.bad)
    size = os.path.getsize(path)
    print(f"生成 {args.n} 行 CSV（{size / 1e6:.0f} MB）：{time.perf_counter() - started:.1f} s", file=sys.stderr)

    copy_seconds, copied, copy_cpu = copy_bare(path)
    assert copied == args.n, copied

    # before the bulk import (a dry run: everything rolled back), so its rows are new
    per_row = None
    if args.per_row:
        with open(path, encoding="utf-8") as f:
            head = "".join(line for _, line in zip(range(args.per_row + 1), f))
        t = time.perf_counter()
        with audit_context(actor=SYSTEM, reason="基准：逐行路径", source="bench"):
            r = importing.run_import("penalties", head.encode("utf-8"), "head.csv", actor=SYSTEM, dry_run=True,
                                     options={"source": "sy-amr"})
        per_row = (args.per_row / (time.perf_counter() - t), r.outcome)

    rss_before = rss_mb()
    sampler = Sampler()
    sampler.start()
    cpu = cpu_seconds()
    started = time.perf_counter()
    with audit_context(actor=SYSTEM, reason="基准：导入双公示处罚", source="bench"):
        report = bulk_import_penalties(path, actor=SYSTEM, source="sy-amr", batch_size=args.batch, good_rows=True,
                                       file_name=os.path.basename(path))
    import_seconds = time.perf_counter() - started
    after = cpu_seconds()
    import_cpu = (after[0] - cpu[0], after[1] - cpu[1])
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sampler.stop.set()
    sampler.join()
    assert report.outcome in ("imported", "partial"), (report.outcome, report.file_errors, report.errors[:5])
    samples = [rss for _, rss in sampler.samples]
    early = samples[max(0, len(samples) // 10)] if samples else 0.0
    floor_seconds, floor_rows, floor_cpu = table_floor(report.change_set_id)
    anatomy = table_anatomy(report.change_set_id) if args.anatomy else []

    reimport = None
    if args.reimport:
        t = time.perf_counter()
        with audit_context(actor=SYSTEM, reason="基准：再次导入", source="bench"):
            again = bulk_import_penalties(path, actor=SYSTEM, source="sy-amr", batch_size=args.batch, good_rows=True)
        reimport = (args.n / (time.perf_counter() - t), again.unchanged, again.created)

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT match_status, count(*) FROM credit_creditfact GROUP BY 1 ORDER BY 1")
        matches = cur.fetchall()
        load = os.getloadavg()[0]
    copy_rate, import_rate = args.n / copy_seconds, args.n / import_seconds
    print(f"\n双公示处罚导入基准：{args.n} 行，{args.enterprises} 家企业，批量 {args.batch}（CPU {os.cpu_count()}，负载 {load:.2f}）")
    print(f"  PostgreSQL COPY（裸表）：{copy_seconds:8.1f} s  {copy_rate:10.0f} 行/s")
    print(f"  导入（校验+匹配+写入）：{import_seconds:8.1f} s  {import_rate:10.0f} 行/s  新增 {report.created}，错误行 {report.error_rows}")
    print(f"  比值：{100 * import_rate / copy_rate:.1f} % of COPY（目标 ≥ 25 %，最低 10 %）")
    floor_rate = floor_rows / floor_seconds
    print(f"  同一批信用信息直接写入信用信息表（INSERT … SELECT，索引与外键，无读取、校验、匹配）：{floor_seconds:.1f} s  {floor_rate:.0f} 行/s"
          f" = {100 * floor_rate / copy_rate:.1f} % of COPY（任何导入的上限）；导入达到其 {100 * import_rate / floor_rate:.0f} %"
          f"（后端 CPU {floor_cpu[1]:.1f} s）")
    copy_cpu_rate, import_cpu_rate = args.n / max(sum(copy_cpu), 1e-9), args.n / max(sum(import_cpu), 1e-9)
    for label, seconds, rows in anatomy:
        print(f"    写入信用信息表的新副本，{label}：{seconds:.1f} s  {rows / seconds:.0f} 行/s = {100 * rows / seconds / copy_rate:.1f} % of COPY"
              f"（{1e6 * seconds / rows:.1f} µs/行）")
    print(f"  CPU 秒（本进程 + PostgreSQL 后端）：COPY {copy_cpu[0]:.1f} + {copy_cpu[1]:.1f}，导入 {import_cpu[0]:.1f} + {import_cpu[1]:.1f}")
    print(f"  每 CPU 秒行数：COPY {copy_cpu_rate:.0f}，导入 {import_cpu_rate:.0f}，比值 {100 * import_cpu_rate / copy_cpu_rate:.1f} %")
    print(f"  内存 RSS：导入前 {rss_before:.0f} MB，10 % 时 {early:.0f} MB，峰值 {max(samples, default=0):.0f} MB"
          f"（进程峰值 getrusage {peak_rss:.0f} MB）")
    print(f"  匹配：{', '.join(f'{s} {c}' for s, c in matches)}")
    if per_row:
        print(f"  逐行路径（record_fact，试导入前 {args.per_row} 行）：{per_row[0]:.0f} 行/s（{per_row[1]}）")
    if reimport:
        print(f"  再次导入同一文件：{reimport[0]:.0f} 行/s，未变 {reimport[1]}，新增 {reimport[2]}")


if __name__ == "__main__":
    main()
