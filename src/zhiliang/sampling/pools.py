"""The pools of the verifiable draw (名录库), built from the registry (``docs/draw.md``).

* the enterprise pool (检查对象名录库) of a plan: per quota (county region, product category)
  the enterprises of that region having the category (``Enterprise.categories`` or a
  ``Product`` of it; sub-categories count), in strata *region code | category code |
  credit-risk class*.  Excluded before freezing, each with its reason in the pool file:
  enterprises not in operation, and — in factory sampling by a plan that is not a follow-up
  or emergency plan — those whose every product of the category (or, without registered
  products, the enterprise in the category) was sampled within the 6-month ban
  (``sampling.rules``).  Enterprises that refused sampling in another plan within a year
  are priority items, drawn first in their stratum;
* the inspector pool (执法检查人员名录库) of an enterprise draw: per task, the active
  inspectors without a conflict of interest with the enterprise (and, when the plan says so,
  not of its county); at least ``RULE_SAMPLING_MIN_INSPECTORS`` must remain;
* the lab pool: per task, the active agencies whose CMA accreditation is valid on the day and
  covers the category, with monthly capacity left, without a conflict, and not the lab that
  tested the enterprise's previous sample of the category.

Pools are built with a few queries and no per-row model instances (a million enterprises
must freeze within seconds); the bytes come from ``sampling.draw.serialize_pool``.
"""

from __future__ import annotations

import calendar
import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Q
from django.utils import translation

from zhiliang.core import rules as rule_registry
from zhiliang.core import workdays
from zhiliang.core.choices import RegionLevel
from zhiliang.core.models import Region
from zhiliang.enterprises.choices import OPERATING_STATUSES, EnterpriseStatus
from zhiliang.enterprises.models import ConflictOfInterest, Enterprise, Inspector, Product, ProductCategory, TestingAgency

from . import draw as engine
from . import rules
from .choices import DrawKind, Level, Place, TaskStatus

CREDIT_CLASSES = ("A", "B", "C", "D")
#: until the credit center computes the class, every enterprise is B (RULES.md)
DEFAULT_CREDIT_CLASS = "B"
COUNTY_LEVELS = (RegionLevel.COUNTY, RegionLevel.ZONE)
SEP = engine.STRATUM_SEP

CreditClassProvider = Callable[[Sequence[int], datetime.date], Mapping[int, str]]
_credit_provider: CreditClassProvider | None = None


# --- credit-risk classes ------------------------------------------------------------------------------


def register_credit_class_provider(fn: CreditClassProvider | None) -> CreditClassProvider | None:
    """Let the credit center supply the credit-risk class (信用风险分类) of enterprises:
    ``fn(enterprise_ids, on) -> {enterprise_id: "A"|"B"|"C"|"D"}``, called once per pool with
    every enterprise of it; an enterprise it leaves out is B.  ``None`` restores the default
    (every enterprise B).  Usable as a decorator."""
    global _credit_provider
    _credit_provider = fn
    return fn


def credit_classes(enterprise_ids: Sequence[int], on: datetime.date) -> dict[int, str]:
    """The class of each enterprise (only those not B need be in the answer)."""
    if _credit_provider is None:
        return {}
    classes = dict(_credit_provider(enterprise_ids, on))
    wrong = {c for c in classes.values() if c not in CREDIT_CLASSES}
    if wrong:
        raise ValueError(f"信用风险分类只能是 {'、'.join(CREDIT_CLASSES)}，不能是 {'、'.join(sorted(map(str, wrong)))}")
    return classes


def plan_ratios(plan, on: datetime.date) -> dict[str, str]:
    """The plan's yearly sampling ratio per credit class as exact decimal fractions (``0.1``).
    ``plan.risk_ratios`` is in percent, as ``services.plans`` stores it and as the rule
    RULE_SAMPLING_CREDIT_CLASS_RATIOS is; without it, the rule in force on ``on``."""
    if not plan.risk_ratios:
        return {cls: engine.ratio_text(value) for cls, value in rules.credit_class_ratios(on).items()}
    ratios = {}
    for cls, value in plan.risk_ratios.items():
        if cls not in CREDIT_CLASSES:
            raise ValidationError({"risk_ratios": f"信用风险分类抽查比例：未知的分类“{cls}”（应为 A、B、C、D）"})
        try:
            percent = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError({"risk_ratios": f"信用风险分类抽查比例：{cls} 类的比例“{value}”不是数字"}) from None
        if not (percent.is_finite() and 0 <= percent <= 100):
            raise ValidationError({"risk_ratios": f"信用风险分类抽查比例：{cls} 类的比例 {value}% 应在 0 与 100 之间"})
        ratios[cls] = engine.ratio_text(percent / 100)
    return ratios


# --- keys and strata ------------------------------------------------------------------------------------


def enterprise_key(pk: int, uscc: str | None) -> str:
    """The public key of an enterprise in a pool: its USCC, else ``enterprise:<id>``
    (``Enterprise.search_key``)."""
    return uscc or f"enterprise:{pk}"


def split_enterprise_key(key: str) -> tuple[str, str | int]:
    """("uscc", code) or ("pk", id)."""
    if key.startswith("enterprise:"):
        return "pk", int(key.split(":", 1)[1])
    return "uscc", key


def enterprise_stratum(region_code: str, category_code: str, credit_class: str) -> str:
    return f"{region_code}{SEP}{category_code}{SEP}{credit_class}"


def split_enterprise_stratum(stratum: str) -> tuple[str, str, str]:
    region_code, category_code, credit_class = stratum.split(SEP)
    return region_code, category_code, credit_class


def task_stratum(enterprise_key_: str, category_code: str) -> str:
    """The stratum of a task in the inspector and lab pools."""
    return f"{enterprise_key_}{SEP}{category_code}"


@dataclass
class BuiltPool:
    """A pool ready to freeze: its canonical bytes and what the services report."""

    kind: str
    data: bytes
    sha256: str
    eligible: int
    excluded: int
    header: dict
    #: task stratum → task id (inspector and lab pools)
    tasks: dict[str, int] = field(default_factory=dict)


def _freeze(kind: str, header: dict, items: Iterable[tuple], tasks: dict[str, int] | None = None) -> BuiltPool:
    data, eligible, excluded = engine.serialize_pool({"kind": kind, **header}, items)
    header = {**header, "eligible": eligible, "excluded": excluded}
    return BuiltPool(kind, data, engine.sha256_hex(data), eligible, excluded, header, tasks or {})


def _in_site_language(fn):
    """Reasons are written in the site language whatever the request's, so the same registry
    on the same day gives the same pool bytes."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return fn(*args, **kwargs)

    return wrapper


def _rows(queryset) -> list[tuple]:
    """A values_list query's rows straight from the cursor (no per-row ORM work)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- regions and categories -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _RegionIndex:
    by_id: dict[int, tuple[str, str, str, str]]  # id -> (code, name, level, path)

    @classmethod
    def load(cls) -> _RegionIndex:
        return cls({pk: (code, name, level, path) for pk, code, name, level, path in Region.objects.values_list("pk", "code", "name", "level", "path")})

    def county_of(self, region_id: int | None) -> int | None:
        """The county-level region (county or special zone) a region lies in, if any."""
        if region_id is None or region_id not in self.by_id:
            return None
        path = self.by_id[region_id][3]
        best = None
        for pk, (_, _, level, other_path) in self.by_id.items():
            if level in COUNTY_LEVELS and path.startswith(other_path) and (best is None or len(other_path) > len(self.by_id[best][3])):
                best = pk
        return best


def _category_ancestors(category_ids: Iterable[int]) -> dict[int, set[int]]:
    parents = dict(ProductCategory.objects.values_list("pk", "parent_id"))
    out = {}
    for pk in category_ids:
        chain, current = set(), pk
        while current is not None and current not in chain:
            chain.add(current)
            current = parents.get(current)
        out[pk] = chain
    return out


# --- the enterprise pool ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One quota: a county region and a product category (``quota`` None: no quota set)."""

    region_id: int
    region_code: str
    region_path: str
    category_id: int
    category_code: str
    quota: int | None

    @property
    def name(self) -> str:
        return f"{self.region_code}{SEP}{self.category_code}"


def plan_groups(plan) -> list[Group]:
    """The plan's quotas; without any, each of its categories in each county-level region of
    the plan's region (drawn by class ratio)."""
    quotas = list(plan.quotas.select_related("region", "category"))
    if quotas:
        return [Group(q.region_id, q.region.code, q.region.path, q.category_id, q.category.code, q.quantity) for q in quotas]
    categories = list(plan.categories.all())
    if not categories:
        raise ValidationError({"categories": "抽查计划既未设置抽查产品类别，也未分配任务，无法冻结检查对象名录"})
    counties = list(Region.objects.filter(path__startswith=plan.region.path, level__in=COUNTY_LEVELS).order_by("sort_order", "code"))
    if not counties:
        raise ValidationError({"region": f"组织区划“{plan.region}”下没有县市区，请分配任务后再冻结名录"})
    return [Group(r.pk, r.code, r.path, c.pk, c.code, None) for r in counties for c in categories]


@dataclass(frozen=True)
class _Bar:
    sample_no: str
    level: str
    sampled_on: datetime.date
    product_id: int | None
    category_id: int | None
    key: rules.ProductKey
    until: datetime.date  #: the last day it bars (rules.repeat_ban_until)

    def reason(self, what: str) -> str:
        return (f"6个月内不得重复抽查：{what}已于 {self.sampled_on:%Y-%m-%d} 被{Level(self.level).label}抽查（样品编号 {self.sample_no}），"
                f"{self.until:%Y-%m-%d}（含）前不得再次抽查")


def barring_samples(plan, on: datetime.date) -> dict[int, list[_Bar]]:
    """Per producer, the earlier samples that bar this plan's sampling on ``on`` (6-month ban:
    the same authority, or an upper level — imported national/provincial results included)."""
    from .models import Sample

    authority = (plan.level, plan.region_id, plan.department_id)
    found: dict[int, list[_Bar]] = defaultdict(list)
    rows = Sample.objects.filter(producer__isnull=False, sampled_on__gte=rules.earliest_barring_date(on), sampled_on__lte=on).order_by(
        "-sampled_on", "pk").values_list("producer_id", "product_id", "category_id", "product__category_id", "trademark", "model", "standard",
                                         "level", "plan__region_id", "plan__department_id", "sampled_on", "sample_no")
    # the rule's value depends on the sample's date (effective-dated overrides): asked once per date
    barring: dict[datetime.date, datetime.date | None] = {}
    for (producer, product, category, product_category, trademark, model, standard, level, region, department, sampled_on,
         sample_no) in rows:
        if sampled_on not in barring:
            barring[sampled_on] = rules.repeat_ban_until(sampled_on) if rules.is_barred_on(sampled_on, on) else None
        if barring[sampled_on] is not None and rules.bars_level(level, (level, region, department), plan.level, authority):
            found[producer].append(_Bar(sample_no, level, sampled_on, product, category or product_category,
                                        rules.ProductKey.of(producer, trademark, model, standard), barring[sampled_on]))
    return found


def _product_bar(bars: list[_Bar], enterprise_id: int, product: tuple) -> _Bar | None:
    pk, brand, model, standards = product
    keys = [rules.ProductKey.of(enterprise_id, brand, model, s) for s in (standards or [""])]
    for bar in bars:
        if bar.product_id == pk or any(k.same_product(bar.key) for k in keys):
            return bar
    return None


@_in_site_language
def enterprise_pool(plan, on: datetime.date) -> BuiltPool:
    """Build the enterprise pool of ``plan`` as of ``on`` (see the module docstring).

    A million enterprises: three kinds of query (the regions' enterprises; per quota category
    the enterprises having it and its products), then one loop writing each pool line."""
    groups = plan_groups(plan)
    ratios = plan_ratios(plan, on)
    regions = _RegionIndex.load()

    # region → the most specific quota region containing it
    quota_regions = {(g.region_code, g.region_path) for g in groups}
    region_code_of: dict[int, str] = {}
    for pk, (_, _, _, path) in regions.by_id.items():
        containing = [(len(p), code) for code, p in quota_regions if path.startswith(p)]
        if containing:
            region_code_of[pk] = max(containing)[1]
    codes = sorted({g.category_code for g in groups})
    category_id = {g.category_code: g.category_id for g in groups}
    subtree = {code: ProductCategory.objects.get(pk=category_id[code]).descendant_ids() for code in codes}
    regions_of_code = {code: {g.region_code for g in groups if g.category_code == code} for code in codes}

    # id -> (id, uscc, name, status, region id): the rows as fetched, no tuple rebuilt per enterprise
    enterprises = {row[0]: row for row in _rows(
        Enterprise.objects.filter(region_id__in=list(region_code_of)).order_by().values_list("pk", "uscc", "name", "status", "region_id"))}
    members: dict[str, set[int]] = {}
    products: dict[str, dict[int, list[int]]] = {}
    for code in codes:
        # by category or by product; enterprises outside the regions are skipped below
        has = {e for (e,) in _rows(Enterprise.categories.through.objects.filter(productcategory_id__in=subtree[code]).order_by()
                                   .values_list("enterprise_id"))}
        made: dict[int, list[int]] = defaultdict(list)
        for product_id, enterprise_id in _rows(Product.objects.filter(category_id__in=subtree[code]).order_by().values_list("pk", "enterprise_id")):
            made[enterprise_id].append(product_id)
        has.update(made)
        members[code], products[code] = has, made

    # exclusions and priority
    factory = plan.place == Place.FACTORY
    barred: dict[str, dict[int, str]] = {}
    barred_products: set[int] = set()
    barred_owners: set[int] = set()  # enterprises with a barred product
    if factory and not plan.is_exempt_from_repeat_ban:
        barred, barred_products, barred_owners = _repeat_ban(plan, on, enterprises, members, products, subtree)
    from .models import SamplingTask

    refused = set(SamplingTask.objects.filter(status=TaskStatus.REFUSED, refused_on__gte=workdays.add_calendar_months(on, -12),
                                              refused_on__lte=on).exclude(plan=plan).values_list("enterprise_id", flat=True))
    classes = credit_classes(list(enterprises.keys() & set().union(*members.values())), on)

    # the lines, written as ``draw.item_line`` writes them (test_pools reads every pool back
    # with the strict reader, which compares each line with item_line's)
    enc = engine.json_string
    operating = frozenset(OPERATING_STATUSES)
    not_operating = {s.value: enc(f"不在经营：登记状态为{s.label}") for s in EnterpriseStatus}
    lines: list[bytes] = []
    append = lines.append
    excluded = 0
    for code in codes:
        wanted = regions_of_code[code]
        strata = {rc: {cls: enc(enterprise_stratum(rc, code, cls)) for cls in CREDIT_CLASSES} for rc in wanted}
        made, barred_here = products[code], barred.get(code, {})
        for e in members[code]:
            info = enterprises.get(e)
            if info is None:
                continue
            _, uscc, name, status, region_id = info
            rc = region_code_of[region_id]
            if rc not in wanted:
                continue
            subs = ""
            if status not in operating:
                reason = not_operating.get(status) or enc(f"不在经营：登记状态为{status}")
            elif e in barred_here:
                reason = enc(barred_here[e])
            else:
                reason = '""'
                found = made.get(e) if factory else None
                if found:
                    if len(found) == 1 and e not in barred_owners:
                        subs = f'"product:{found[0]}"'
                    else:
                        subs = ",".join(f'"product:{p}"' for p in sorted(found) if p not in barred_products)
            if reason != '""':
                excluded += 1
            key = enc(uscc) if uscc else f'"enterprise:{e}"'
            append(f'{{"stratum":{strata[rc][classes.get(e, DEFAULT_CREDIT_CLASS)]},"key":{key},"priority":{1 if e in refused else 0},'
                   f'"excluded":{reason},"sub":[{subs}],"name":{enc(name)}}}'.encode("utf-8"))
    header = engine.pool_header(kind=DrawKind.ENTERPRISE, plan=plan.code, on=on.isoformat(), ratios=ratios,
                                quotas={g.name: g.quota for g in groups if g.quota is not None})
    data, eligible, excluded = engine.assemble_pool(header, lines, excluded)
    return BuiltPool(DrawKind.ENTERPRISE, data, engine.sha256_hex(data), eligible, excluded,
                     {**header, "eligible": eligible, "excluded": excluded})


def _repeat_ban(plan, on, enterprises, members, products, subtree) -> tuple[dict[str, dict[int, str]], set[int], set[int]]:
    """Per category code, the enterprises barred by the 6-month ban with the reason; the
    barred products (left out of the enterprise's products to draw from) and their makers."""
    bars = barring_samples(plan, on)
    if not bars:
        return {}, set(), set()
    in_pool = {e for ids in members.values() for e in ids if e in bars and e in enterprises}
    details = {pk: (pk, brand, model, standards) for pk, brand, model, standards in
               Product.objects.filter(enterprise_id__in=in_pool).values_list("pk", "brand", "model", "standards")}
    barred: dict[str, dict[int, str]] = defaultdict(dict)
    barred_products: set[int] = set()
    owners: set[int] = set()
    for code, ids in members.items():
        categories = set(subtree[code])
        for enterprise_id in ids & in_pool:
            enterprise_bars = bars[enterprise_id]
            own = products[code].get(enterprise_id, [])
            if own:
                found = {pk: _product_bar(enterprise_bars, enterprise_id, details[pk]) for pk in own}
                if any(found.values()):
                    owners.add(enterprise_id)
                    barred_products.update(pk for pk, bar in found.items() if bar)
                if all(found.values()):
                    latest = max(found.values(), key=lambda b: (b.sampled_on, b.sample_no))
                    what = "该企业本类唯一的已登记产品" if len(own) == 1 else f"该企业本类全部 {len(own)} 个已登记产品"
                    barred[code][enterprise_id] = latest.reason(what)
            else:
                bar = next((b for b in enterprise_bars if b.category_id in categories), None)
                if bar is not None:
                    barred[code][enterprise_id] = bar.reason("该企业本类产品")
    return barred, barred_products, owners


# --- the inspector and lab pools -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    id: int
    enterprise_id: int
    enterprise_key: str
    enterprise_name: str
    region_id: int
    category_id: int
    category_code: str
    category_name: str

    @property
    def stratum(self) -> str:
        return task_stratum(self.enterprise_key, self.category_code)

    @property
    def label(self) -> str:
        return f"企业“{self.enterprise_name}”（{self.category_name}）"


def task_rows(tasks) -> list[TaskRow]:
    rows = tasks.order_by("pk").values_list("pk", "enterprise_id", "enterprise__uscc", "enterprise__name", "enterprise__region_id",
                                            "category_id", "category__code", "category__name")
    return [TaskRow(pk, e, enterprise_key(e, uscc), name, region, c, code, cname) for pk, e, uscc, name, region, c, code, cname in rows]


def _in_force(on: datetime.date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


@_in_site_language
def inspector_pool(plan, tasks: list[TaskRow], on: datetime.date, based_on: str) -> BuiltPool:
    """Per task the active inspectors, conflicts of interest and (``exclude_local_inspectors``)
    the enterprise's own county excluded; refuses (``ValidationError`` on ``inspectors``) when
    fewer than RULE_SAMPLING_MIN_INSPECTORS remain for an enterprise."""
    minimum = int(rule_registry.value("RULE_SAMPLING_MIN_INSPECTORS", on))
    regions = _RegionIndex.load()
    scope = plan.region
    if plan.exclude_local_inspectors and plan.region.level in COUNTY_LEVELS and plan.region.parent_id:
        scope = plan.region.parent  # cross-county inspection: the whole city's inspectors
    inspectors = list(Inspector.objects.filter(is_active=True, region_id__in=scope.subtree_ids()).order_by("pk").values_list("pk", "name", "region_id"))
    conflicts = {(e, i): reason for e, i, reason in ConflictOfInterest.objects.filter(
        _in_force(on), inspector__isnull=False, enterprise_id__in={t.enterprise_id for t in tasks}).values_list("enterprise_id", "inspector_id", "reason")}
    county = {pk: regions.county_of(pk) for pk in {i[2] for i in inspectors} | {t.region_id for t in tasks}}
    items, problems = [], []
    for task in tasks:
        home = county[task.region_id]
        eligible = conflicted = local = 0
        for pk, name, region_id in inspectors:
            if (task.enterprise_id, pk) in conflicts:
                reason = f"利益冲突：{conflicts[(task.enterprise_id, pk)]}"
                conflicted += 1
            elif plan.exclude_local_inspectors and home is not None and county[region_id] == home:
                reason = f"回避：与企业同属{regions.by_id[home][1]}"
                local += 1
            else:
                reason = ""
                eligible += 1
            items.append((task.stratum, f"inspector:{pk}", 0, reason, (), name))
        if eligible < minimum:
            why = []
            if conflicted:
                why.append(f"因利益冲突排除 {conflicted} 名")
            if local:
                why.append(f"因回避企业所在区划排除 {local} 名")
            problems.append(f"{task.label}可抽取的执法检查人员只有 {eligible} 名，少于规定的 {minimum} 名"
                            f"（名录库在岗 {len(inspectors)} 名{'，' + '，'.join(why) if why else ''}），请补充执法检查人员后再抽取")
    if problems:
        raise ValidationError({"inspectors": problems})
    header = {"plan": plan.code, "on": on.isoformat(), "based_on": based_on, "per_stratum": minimum}
    return _freeze(DrawKind.INSPECTOR, header, items, {t.stratum: t.id for t in tasks})


def _month(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    return on.replace(day=1), on.replace(day=calendar.monthrange(on.year, on.month)[1])


def lab_load(on: datetime.date) -> dict[int, int]:
    """Batches already given to each lab in the month of ``on``: tasks assigned to it by draws
    of that month (not cancelled), and samples sent to it that month without a task."""
    from .models import Sample, SamplingTask

    first, last = _month(on)
    load: dict[int, int] = defaultdict(int)
    for lab, n in SamplingTask.objects.filter(lab__isnull=False, draw__on_date__range=(first, last)).exclude(
            status=TaskStatus.CANCELLED).values("lab_id").annotate(n=Count("pk")).values_list("lab_id", "n"):
        load[lab] += n
    for lab, n in Sample.objects.filter(lab__isnull=False, task__isnull=True, sampled_on__range=(first, last)).values(
            "lab_id").annotate(n=Count("pk")).values_list("lab_id", "n"):
        load[lab] += n
    return load


def previous_labs(tasks: list[TaskRow]) -> dict[int, tuple[int, str]]:
    """Per task, (lab, sample number) of the enterprise's latest sample of the task's category
    (or a sub-category) that a lab tested."""
    from .models import Sample

    enterprise_ids = {t.enterprise_id for t in tasks}
    if not enterprise_ids:
        return {}
    descendants = {c: set(ProductCategory.objects.get(pk=c).descendant_ids()) for c in {t.category_id for t in tasks}}
    rows = list(Sample.objects.filter(Q(producer_id__in=enterprise_ids) | Q(sampled_unit_id__in=enterprise_ids), lab__isnull=False).order_by(
        "-sampled_on", "-pk").values_list("producer_id", "sampled_unit_id", "category_id", "product__category_id", "lab_id", "sample_no"))
    latest: dict[int, tuple[int, str]] = {}
    for task in tasks:
        for producer, unit, category, product_category, lab, sample_no in rows:
            if task.enterprise_id in (producer, unit) and (category or product_category) in descendants[task.category_id]:
                latest[task.id] = (lab, sample_no)
                break
    return latest


@_in_site_language
def lab_pool(plan, tasks: list[TaskRow], on: datetime.date, based_on: str) -> BuiltPool:
    """Per task the active agencies: CMA valid on ``on`` and covering the category (or a
    broader one), monthly capacity left (shared by the tasks: the header's ``capacity``), no
    conflict of interest, not the lab of the enterprise's previous sample of the category.
    Refuses (``ValidationError`` on ``lab``) when a task has no lab left."""
    agencies = list(TestingAgency.objects.filter(is_active=True).order_by("pk").values_list("pk", "name", "cma_valid_until", "monthly_capacity"))
    accredited: dict[int, set[int]] = defaultdict(set)
    for agency, category in TestingAgency.categories.through.objects.values_list("testingagency_id", "productcategory_id"):
        accredited[agency].add(category)
    ancestors = _category_ancestors({t.category_id for t in tasks})
    conflicts = {(e, a): reason for e, a, reason in ConflictOfInterest.objects.filter(
        _in_force(on), agency__isnull=False, enterprise_id__in={t.enterprise_id for t in tasks}).values_list("enterprise_id", "agency_id", "reason")}
    load = lab_load(on)
    previous = previous_labs(tasks)
    capacity = {pk: cap - load.get(pk, 0) for pk, _, _, cap in agencies}
    items, problems, used = [], [], set()
    for task in tasks:
        eligible = 0
        for pk, name, valid_until, monthly in agencies:
            if valid_until is not None and valid_until < on:
                reason = f"资质认定证书已于 {valid_until:%Y-%m-%d} 到期"
            elif not accredited[pk] & ancestors[task.category_id]:
                reason = f"资质认定范围不含{task.category_name}"
            elif capacity[pk] <= 0:
                reason = f"本月检测能力已满（已安排 {load.get(pk, 0)} 批次，月检测能力 {monthly} 批次）"
            elif (task.enterprise_id, pk) in conflicts:
                reason = f"利益冲突：{conflicts[(task.enterprise_id, pk)]}"
            elif previous.get(task.id, (None,))[0] == pk:
                reason = f"该企业上次同类抽查（样品编号 {previous[task.id][1]}）由该机构检验，不得连续两次由同一机构承检"
            else:
                reason = ""
                eligible += 1
                used.add(pk)
            items.append((task.stratum, f"lab:{pk}", 0, reason, (), name))
        if not eligible:
            problems.append(f"{task.label}没有可抽取的检验检测机构（在用机构 {len(agencies)} 家，均因资质、检测能力、利益冲突或上次承检被排除）")
    if problems:
        raise ValidationError({"lab": problems})
    header = {"plan": plan.code, "on": on.isoformat(), "based_on": based_on, "per_stratum": 1,
              "capacity": {f"lab:{pk}": capacity[pk] for pk in sorted(used)}}
    return _freeze(DrawKind.LAB, header, items, {t.stratum: t.id for t in tasks})
