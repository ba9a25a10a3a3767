"""Credit-risk class benchmark (issue 5): the daily recomputation of every enterprise's class
(``credit.classes.recompute_all``, 500 enterprises per transaction) and the sampling pools'
read of the classes (``credit.classes.current_classes``, one query for all ids).

    .venv/bin/python bench/bench_credit_classes.py --n 20000                      # SQLite
    createdb -h 127.0.0.1 -U postgres zl_classes_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zl_classes_bench .venv/bin/python bench/bench_credit_classes.py --n 200000

Loads N enterprises (Shiyan's counties) and ≈1.2 N facts of the kinds the rule set reads
(penalties by severity, sampling failures and refusals, complaints, listings, awards), then
measures (1) a first recomputation (every enterprise gets its first row), (2) a second one on
the same day (nothing changes: no row, no per-enterprise event), (3) ``current_classes`` for
all ids.  Not a test: the figures depend on the machine.  The bench database is wiped of
registry and credit rows: use a dedicated one.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time

ON = datetime.date(2026, 6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="企业数（默认 20 000）")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    os.environ.setdefault("ZHILIANG_DATA_DIR", tempfile.mkdtemp(prefix="zl-bench-classes-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiliang.settings")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load(args.n, random.Random(args.seed))
    measure(args.n)


def load(n: int, rnd: random.Random) -> None:
    from django.utils import timezone

    from zhiliang.core.audit import SYSTEM, audit_context, change_set
    from zhiliang.core.models import Region
    from zhiliang.credit.models import CreditFact, RiskAssessment
    from zhiliang.enterprises.models import Enterprise

    counties = list(Region.objects.filter(code__startswith="4203", level__in=("county", "zone")).values_list("pk", flat=True))
    kinds = [("penalty", "minor"), ("penalty", "general"), ("penalty", "serious"), ("sampling_failure", ""), ("sampling_refusal", ""),
             ("complaint", ""), ("complaint", ""), ("abnormal_list", ""), ("award", ""), ("serious_list", "")]
    started = time.perf_counter()
    with audit_context(actor=SYSTEM, reason="信用分类基准数据", source="command"), change_set(kind="bench"):
        RiskAssessment.objects.all().delete()
        CreditFact.objects.all().delete()
        Enterprise.objects.all().delete()
        now = timezone.now()
        batch = 5000
        for start in range(0, n, batch):
            Enterprise.objects.bulk_create([
                Enterprise(name=f"基准企业{i:07d}", region_id=rnd.choice(counties), status="active",
                           chief_quality_officer="某某" if rnd.random() < 0.1 else "", liability_insured=rnd.random() < 0.1)
                for i in range(start, min(n, start + batch))])
        ids = list(Enterprise.objects.values_list("pk", "region_id"))
        facts = []
        serial = 0
        for pk, region_id in ids:
            for _ in range(int(rnd.random() * 2.4)):
                kind, severity = rnd.choice(kinds)
                serial += 1
                day = ON - datetime.timedelta(days=rnd.randrange(0, 1400))
                facts.append(CreditFact(kind=kind, severity=severity, source_key="bench", source_name="基准", source_record_id=f"B{serial}",
                                        party_name=f"基准企业{pk}", enterprise_id=pk, region_id=region_id, match_status="uscc", decided_on=day,
                                        first_seen_at=now, last_seen_at=now))
            if len(facts) >= batch:
                CreditFact.objects.bulk_create(facts)
                facts = []
        CreditFact.objects.bulk_create(facts)
    print(f"装载 {n:,} 家企业、{CreditFact.objects.count():,} 条信用信息：{time.perf_counter() - started:.1f} s", file=sys.stderr)


def measure(n: int) -> None:
    from collections import Counter

    from zhiliang.core.audit import SYSTEM, audit_context
    from zhiliang.credit import classes
    from zhiliang.credit.models import RiskAssessment
    from zhiliang.enterprises.models import Enterprise

    for label in ("首次计算（每家新增一行）", "同日再算（无变化）"):
        with audit_context(actor=SYSTEM, reason="信用分类基准", source="command"):
            started = time.perf_counter()
            summary = classes.recompute_all(actor=SYSTEM, on=ON)
            took = time.perf_counter() - started
        print(f"recompute_all {label}: {took:.2f} s，{n / took:,.0f} 家/秒 — {summary}")
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    found = classes.current_classes(ids, ON)
    took = time.perf_counter() - started
    print(f"current_classes（{len(ids):,} 家，一次查询）: {took * 1000:.0f} ms；分布 {dict(sorted(Counter(found.values()).items()))}")
    print(f"分类结果行数 {RiskAssessment.objects.count():,}；负载 {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
