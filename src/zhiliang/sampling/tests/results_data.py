"""Results for the statistics and bulletin tests, written directly as model rows (inside
``as_system``) so the tables can be checked against figures computed by hand."""

from __future__ import annotations

import datetime
import itertools

from zhiliang.enterprises.models import Enterprise, ProductCategory
from zhiliang.sampling.choices import Conclusion, Level, Place, PlanStatus, SampleStatus, Source
from zhiliang.sampling.models import Sample, SamplingPlan
from zhiliang.testing.fixtures import as_system, region

_serial = itertools.count(1)

#: the organiser region of a plan of each level
PLAN_REGIONS = {Level.NATIONAL: "100000", Level.PROVINCIAL: "420000", Level.CITY: "420300", Level.COUNTY: "420302"}


def plan(level: str, year: int = 2024, *, code: str | None = None, region_code: str | None = None) -> SamplingPlan:
    code = code or f"T-{level}-{year}-{region_code or ''}"
    existing = SamplingPlan.objects.filter(code=code).first()
    if existing:
        return existing
    with as_system():
        return SamplingPlan.objects.create(code=code, title=f"{year}年{Level(level).label}测试计划", year=year, level=level,
                                           region=region(region_code or PLAN_REGIONS[level]), status=PlanStatus.CLOSED)


def add(passed: int, failed: int, *, level: str = Level.PROVINCIAL, county: str | None = "420302", on: datetime.date = datetime.date(2024, 5, 10),
        category: str | None = None, place: str = Place.FACTORY, producer: Enterprise | None = None, producer_name: str = "",
        sample_region: str | None = None, status: str = SampleStatus.FINAL, plan_obj: SamplingPlan | None = None,
        first_conclusion: str | None = None, bulletin=None, failing_items=("标志",), concluded_on: datetime.date | None = None,
        **fields) -> list[Sample]:
    """``passed`` passing and ``failed`` failing results of producers in ``county`` (a region code;
    ``None`` = no producer region); ``fields`` set other columns (product_name, model, …)."""
    the_plan = plan_obj or plan(level, on.year)
    cat = ProductCategory.objects.get(code=category) if category else None
    producer_region = producer.region if producer is not None else (region(county) if county else None)
    where = region(sample_region or (county if county and not county.startswith("X") else "420302"))
    made = []
    with as_system():
        for conclusion, count in ((Conclusion.PASS, passed), (Conclusion.FAIL, failed)):
            for _ in range(count):
                values = {"product_name": "测试产品", **fields}
                made.append(Sample.objects.create(
                    sample_no=f"T{next(_serial):06d}", plan=the_plan, level=the_plan.level, region=where, category=cat,
                    producer=producer, producer_name=producer_name or (producer.name if producer else "某示例企业"),
                    producer_region=producer_region, place=place, sampled_on=on, status=status, conclusion=conclusion,
                    first_conclusion=first_conclusion or conclusion, failing_items=list(failing_items) if conclusion == Conclusion.FAIL else [],
                    concluded_on=concluded_on or on + datetime.timedelta(days=20), source=Source.LOCAL, bulletin=bulletin, **values,
                ))
    return made
