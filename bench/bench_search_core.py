"""Quick benchmark of ``zhiliang.core.search`` on generated enterprise-like names.

    .venv/bin/python bench/bench_search_core.py [--entries 100000] [--repeat 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zl_bench .venv/bin/python bench/bench_search_core.py

Builds a fresh database (SQLite in a temporary data dir unless DATABASE_URL is
set — that database is flushed of search entries of the bench kind), indexes
N names, then prints p50/p95 of ``search()`` per query shape.  Not a test:
timings depend on the machine.  The full benchmark is ``bench/bench_search.py``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time

PLACES = ["十堰", "茅箭", "张湾", "郧阳", "郧西", "竹山", "竹溪", "房县", "丹江口", "武当山", "湖北", "襄阳", "武汉"]
INDUSTRIES = ["汽车配件", "汽车零部件", "食品", "婴幼儿用品", "服装", "电器", "建材", "茶叶", "医疗器械", "化妆品", "玩具", "家具", "农产品", "机械", "五金", "商贸"]
SUFFIXES = ["有限公司", "有限责任公司", "厂", "商行", "经营部", "股份有限公司", "专业合作社"]
BRAND_CHARS = "东风华鑫盛达恒通宏远金龙泰安瑞丰永利兴隆昌源广德祥福新佳美宝诚信康顺晨阳"


def make_name(rng: random.Random, i: int) -> tuple[str, str]:
    brand = "".join(rng.choice(BRAND_CHARS) for _ in range(rng.choice((2, 2, 3))))
    name = f"{rng.choice(PLACES)}市{brand}{rng.choice(INDUSTRIES)}{rng.choice(SUFFIXES)}"
    text = f"DFL{4000 + i % 5000}{'AB'[i % 2]}" if i % 50 == 0 else ""
    return name, text


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--data-dir", help="SQLite data dir to use (default: a new temporary one)")
    parser.add_argument("--reuse", action="store_true", help="keep the bench entries already there if their number matches")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["ZHILIANG_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="zl-bench-search-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiliang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from zhiliang.core import search
    from zhiliang.core.models import Region

    call_command("migrate", verbosity=0)
    kind = "bench"
    search.register_kind(kind, model=Region, label="基准", document=lambda obj: None)
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM core_searchentry WHERE kind = %s", [kind])
        reuse = args.reuse and cur.fetchone()[0] == args.entries
        if not reuse:
            cur.execute("DELETE FROM core_searchtoken WHERE entry_id IN (SELECT id FROM core_searchentry WHERE kind = %s)", [kind])
            cur.execute("DELETE FROM core_searchentry WHERE kind = %s", [kind])

    rng = random.Random(20260101)
    t0 = time.perf_counter()
    batch: dict[str, search.Document] = {}
    for i in range(0 if reuse else args.entries):
        name, text = make_name(rng, i)
        batch[str(i)] = search.Document(title=name, text=text, rank=rng.randrange(0, 5))
        if len(batch) == 5000:
            search.write_documents(kind, batch)
            batch = {}
            print(f"\r已写入 {i + 1}", end="", file=sys.stderr)
    search.write_documents(kind, batch)
    build = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        # what autovacuum does soon after a bulk load: statistics and the visibility map
        # (without the latter every index-only scan visits the heap)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE core_searchtoken")
            cur.execute("VACUUM ANALYZE core_searchentry")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM core_searchtoken")
        n_tokens = cur.fetchone()[0]
    print(f"\n{connection.vendor}: {args.entries} 条, {n_tokens} 个词元, 建索引 {build:.1f} s")

    queries = [
        ("2字 常见 (汽车)", "汽车", 1),
        ("2字 极常见 (十堰)", "十堰", 1),
        ("2字 中等 (婴幼)", "婴幼", 1),
        ("2字 品牌 (东风)", "东风", 1),
        ("4字 (东风汽车)", "东风汽车", 1),
        ("长词 (竹山市华鑫食品有限公司)", "竹山市华鑫食品有限公司", 1),
        ("型号 (DFL4250A)", "DFL4250A", 1),
        ("两词 (十堰 茶叶)", "十堰 茶叶", 1),
        ("无结果 (电脑)", "电脑", 1),
        ("第20页 (汽车)", "汽车", 20),
    ]
    print(f"{'查询':<28}{'条数':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for label, q, page in queries:
        times = []
        res = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            res = search.search(q, kinds=[kind], page=page)
            times.append((time.perf_counter() - start) * 1000)
        count = ("约" if res.count_is_estimate else "") + str(res.count)
        print(f"{label:<28}{count:>10}{statistics.median(times):>10.1f}{percentile(times, 95):>10.1f}")


if __name__ == "__main__":
    main()
