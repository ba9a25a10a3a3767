"""The verifiable random draws (双随机) of a plan: freeze the enterprise pool, draw from it,
draw the inspectors and the labs of the drawn tasks, publish the record (``docs/draw.md``).

Each service is one transaction: a draw killed half-way leaves no draw row, no task and no
assignment (only, possibly, the pool file, named by its SHA-256 and reused by the re-run).
The seed is generated at freezing and kept secret — only its SHA-256 commitment is shown —
until the draw reveals it; re-running a draw with the same pool, seed and public value gives
the same result bit for bit (``sampling.draw``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from zhiliang.core.actors import not_future
from zhiliang.core import audit
from zhiliang.core.events import emit, service
from zhiliang.core.permissions import recheck, restrict
from zhiliang.enterprises.models import Enterprise, Product, ProductCategory

from .. import draw as engine
from .. import pools
from ..choices import DrawKind, DrawStatus, PlanStatus, Source, TaskStatus
from ..models import Draw, SamplingPlan, SamplingTask

DRAWABLE_PLAN_STATUSES = (PlanStatus.APPROVED, PlanStatus.PUBLISHED)
POOL_DIR = "sampling/draws"
PUBLIC_VALUE_MAX = Draw._meta.get_field("public_value").max_length


# --- helpers ---------------------------------------------------------------------------------------


def _check_plan(plan: SamplingPlan) -> None:
    if plan.source == Source.IMPORTED:
        raise ValidationError({"plan": f"抽查计划“{plan}”是导入的外部抽查结果，不能在本系统抽取"})
    if plan.status not in DRAWABLE_PLAN_STATUSES:
        raise ValidationError({"plan": f"抽查计划“{plan}”的状态为“{PlanStatus(plan.status).label}”，须经批准后才能抽取"})


def _locked(draw: Draw) -> Draw:
    return Draw.objects.select_for_update(of=("self",)).select_related("plan", "plan__region").get(pk=draw.pk)


def _public_value(value: str) -> str:
    value = (value or "").strip()
    if len(value) > PUBLIC_VALUE_MAX:
        raise ValidationError({"public_value": f"公开随机值不能超过 {PUBLIC_VALUE_MAX} 个字符"})
    return value


def _store(pool: pools.BuiltPool) -> str:
    """Write the pool file under its SHA-256 (a re-run finds it there and writes nothing)."""
    name = f"{POOL_DIR}/{pool.sha256}.jsonl"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as existing:
            if engine.sha256_hex(engine.decompress(existing.read())) == pool.sha256:
                return name
    return default_storage.save(name, ContentFile(pool.data))


def _read_pool(draw: Draw) -> bytes:
    with default_storage.open(draw.pool_file.name, "rb") as stored:
        data = engine.decompress(stored.read())
    actual = engine.sha256_hex(data)
    if actual != draw.pool_hash:
        raise ValidationError({"pool_file": f"名录文件的 SHA-256 为 {actual}，与冻结时记录的 {draw.pool_hash} 不符：名录文件已被改动，不能据此抽取"})
    return data


def _new_draw(plan: SamplingPlan, pool: pools.BuiltPool, on: datetime.date, based_on: Draw | None = None) -> Draw:
    seed = engine.new_seed()
    draw = Draw(
        plan=plan, kind=pool.kind, based_on=based_on, algorithm=engine.ALGORITHM, status=DrawStatus.FROZEN,
        pool_hash=pool.sha256, pool_size=pool.eligible, excluded_count=pool.excluded,
        seed_commitment=engine.commitment(seed), seed=seed, on_date=on, frozen_at=timezone.now(),
    )
    draw.pool_file.name = _store(pool)
    draw.save()
    return draw


def _frozen_payload(draw: Draw, **extra) -> dict:
    return {
        "draw": draw.pk, "plan": draw.plan.code, "kind": draw.kind, "algorithm": draw.algorithm, "on": draw.on_date,
        "pool_hash": draw.pool_hash, "pool_size": draw.pool_size, "excluded_count": draw.excluded_count,
        "seed_commitment": draw.seed_commitment, **extra,
    }


def _done_payload(draw: Draw, **extra) -> dict:
    return {
        "draw": draw.pk, "plan": draw.plan.code, "kind": draw.kind, "algorithm": draw.algorithm, "pool_hash": draw.pool_hash,
        "seed_commitment": draw.seed_commitment, "public_value": draw.public_value, "result_hash": draw.result_hash,
        "picks": len(draw.result or []), **extra,
    }


def _set_drawn(draw: Draw, outcome: engine.Outcome, public_value: str) -> None:
    draw.status = DrawStatus.DRAWN
    draw.public_value = public_value
    draw.result = outcome.picks
    draw.result_hash = outcome.result_hash
    draw.drawn_at = timezone.now()
    draw.save()


def _recheck_tasks(actor, queryset, expected: int, action: str) -> None:
    """The tasks written must all lie within the actor's scope (one query, not one per task)."""
    if not getattr(actor, "is_authenticated", False):
        return
    if restrict(queryset, actor, action).count() != expected:
        raise PermissionDenied(f"无权{'新增' if action == 'add' else '修改'}部分抽查任务：其区划不在您的管辖范围内")


def _shortfall_payload(outcome: engine.Outcome) -> list[dict]:
    return [{"group": s.name, "wanted": s.wanted, "available": s.available} for s in outcome.shortfalls]


def _repeat(draw: Draw, public_value: str, label: str) -> Draw:
    """A service called again for a draw already made: the same public value gives the same
    draw back; another is refused (a draw is made once)."""
    if draw.public_value != public_value:
        raise ValidationError({"public_value": f"{label}已于 {timezone.localtime(draw.drawn_at):%Y-%m-%d %H:%M} 以公开随机值“{draw.public_value}”完成抽取"
                                               f"（抽取记录 #{draw.pk}），不能以其他公开随机值重新抽取"})
    emit("sampling.draw_done", _done_payload(draw, repeated=True), subject=draw, region=draw.plan.region)
    return draw


def _enterprise_draw(draw: Draw) -> Draw:
    draw = _locked(draw)
    if draw.kind != DrawKind.ENTERPRISE:
        raise ValidationError({"enterprise_draw": "须依据检查对象（企业）的抽取结果抽取执法检查人员和检验检测机构"})
    if draw.status == DrawStatus.FROZEN:
        raise ValidationError({"enterprise_draw": f"检查对象尚未抽取（抽取记录 #{draw.pk} 只冻结了名录），请先抽取企业"})
    return draw


# --- the enterprise draw -------------------------------------------------------------------------------


@service(event="sampling.pool_frozen")
def freeze_enterprise_pool(*, actor, plan: SamplingPlan, on: datetime.date | None = None) -> Draw:
    """Freeze the plan's enterprise pool (检查对象名录) as of ``on`` (default today): build it,
    store the canonical file under its SHA-256, generate the seed and record its commitment.
    Freezing again the same pool returns the frozen draw; a plan has one enterprise draw."""
    on = on or timezone.localdate()
    not_future(actor, on, "on", "名录日期")
    plan = SamplingPlan.objects.select_for_update(of=("self",)).select_related("region").get(pk=plan.pk)  # one freeze at a time
    _check_plan(plan)
    existing = list(Draw.objects.filter(plan=plan, kind=DrawKind.ENTERPRISE).order_by("-pk"))
    done = next((d for d in existing if d.status != DrawStatus.FROZEN), None)
    if done is not None:
        raise ValidationError({"plan": f"抽查计划“{plan}”已完成检查对象抽取（抽取记录 #{done.pk}），不能再次冻结名录"})
    pool = pools.enterprise_pool(plan, on)
    if existing:
        frozen = existing[0]
        if frozen.pool_hash != pool.sha256:
            raise ValidationError({"plan": f"抽查计划“{plan}”已于 {timezone.localtime(frozen.frozen_at):%Y-%m-%d %H:%M} 冻结检查对象名录"
                                           f"（抽取记录 #{frozen.pk}，SHA-256 {frozen.pool_hash}）；名录冻结后不能更换，请依据该名录抽取"})
        emit("sampling.pool_frozen", _frozen_payload(frozen, repeated=True), subject=frozen, region=plan.region)
        return frozen
    if not pool.eligible:
        raise ValidationError({"plan": f"抽查计划“{plan}”的检查对象名录中没有可抽取的企业（排除 {pool.excluded} 家），无法冻结"})
    draw = _new_draw(plan, pool, on)
    recheck(draw, actor, "add")
    emit("sampling.pool_frozen", _frozen_payload(draw, repeated=False), subject=draw, region=plan.region)
    return draw


def _resolve_enterprises(keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    usccs = []
    for key in keys:
        kind, value = pools.split_enterprise_key(key)
        if kind == "pk":
            ids[key] = value
        else:
            usccs.append(value)
    for start in range(0, len(usccs), 2000):
        ids.update(Enterprise.objects.filter(uscc__in=usccs[start:start + 2000]).values_list("uscc", "pk"))
    known = set(Enterprise.objects.filter(pk__in=[v for k, v in ids.items() if k.startswith("enterprise:")]).values_list("pk", flat=True))
    missing = [k for k in keys if k not in ids or (k.startswith("enterprise:") and ids[k] not in known)]
    if missing:
        raise ValidationError({"pool_file": f"名录中的企业已不在企业名录库中：{'、'.join(missing[:5])}{' 等' if len(missing) > 5 else ''}"})
    return ids


def _create_tasks(draw: Draw) -> int:
    from zhiliang.core.models import Region

    plan = draw.plan
    picks = draw.result
    enterprises = _resolve_enterprises(sorted({p["key"] for p in picks}))
    strata = {p["stratum"]: pools.split_enterprise_stratum(p["stratum"]) for p in picks}
    regions = dict(Region.objects.filter(code__in={s[0] for s in strata.values()}).values_list("code", "pk"))
    categories = dict(ProductCategory.objects.filter(code__in={s[1] for s in strata.values()}).values_list("code", "pk"))
    product_ids = [int(p["sub"].split(":", 1)[1]) for p in picks if p["sub"].startswith("product:")]
    owner = {}
    for start in range(0, len(product_ids), 2000):
        owner.update(Product.objects.filter(pk__in=product_ids[start:start + 2000]).values_list("pk", "enterprise_id"))
    tasks = []
    for pick in picks:
        region_code, category_code, credit_class = strata[pick["stratum"]]
        enterprise_id = enterprises[pick["key"]]
        product_id = int(pick["sub"].split(":", 1)[1]) if pick["sub"].startswith("product:") else None
        if owner.get(product_id) != enterprise_id:
            product_id = None  # deleted since the freeze: the product is chosen on site
        tasks.append(SamplingTask(
            plan=plan, draw=draw, enterprise_id=enterprise_id, product_id=product_id, category_id=categories[category_code],
            region_id=regions[region_code], department_id=plan.department_id, credit_class=credit_class,
            status=TaskStatus.ASSIGNED, due_on=plan.ends_on,
        ))
    with audit.change_set(kind="sampling:draw", file_name=draw.pool_file.name, file_sha256=draw.pool_hash, tasks=len(tasks)):
        SamplingTask.objects.bulk_create(tasks, batch_size=2000)
    return len(tasks)


@service(event="sampling.draw_done")
def run_draw(*, actor, draw: Draw, public_value: str = "") -> Draw:
    """Draw from a frozen enterprise pool with its committed seed and ``public_value`` (e.g.
    the lottery number announced that day), reveal the seed, and create one sampling task per
    drawn enterprise (with the drawn product, or none: chosen on site)."""
    draw = _locked(draw)
    public_value = _public_value(public_value)
    if draw.kind != DrawKind.ENTERPRISE:
        raise ValidationError({"draw": "执法检查人员和检验检测机构的抽取由“抽取执法检查人员”“抽取检验检测机构”一步完成"})
    if draw.status != DrawStatus.FROZEN:
        return _repeat(draw, public_value, "该检查对象名录")
    _check_plan(draw.plan)
    pool = engine.parse_pool(_read_pool(draw))  # its SHA-256 checked against the frozen one
    outcome = engine.run(pool, draw.seed, public_value, pool_hash=draw.pool_hash)
    _set_drawn(draw, outcome, public_value)
    count = _create_tasks(draw)
    recheck(draw, actor, "change")
    _recheck_tasks(actor, SamplingTask.objects.filter(draw=draw), count, "add")
    emit("sampling.draw_done", _done_payload(draw, tasks=count, shortfalls=_shortfall_payload(outcome), repeated=False),
         subject=draw, region=draw.plan.region)
    return draw


# --- inspectors and labs ----------------------------------------------------------------------------------


def _follow_up_draw(*, actor, enterprise_draw: Draw, kind: str, public_value: str, on, build) -> tuple[Draw, engine.Outcome | None, pools.BuiltPool | None]:
    enterprise_draw = _enterprise_draw(enterprise_draw)
    public_value = _public_value(public_value)
    label = DrawKind(kind).label
    made = Draw.objects.filter(based_on=enterprise_draw, kind=kind).exclude(status=DrawStatus.FROZEN).order_by("pk").first()
    if made is not None:
        return _repeat(made, public_value, f"{label}"), None, None
    _check_plan(enterprise_draw.plan)
    rows = pools.task_rows(SamplingTask.objects.filter(draw=enterprise_draw).exclude(status=TaskStatus.CANCELLED))
    if not rows:
        raise ValidationError({"enterprise_draw": f"抽取记录 #{enterprise_draw.pk} 没有待分配的抽查任务"})
    on = on or timezone.localdate()
    pool = build(enterprise_draw.plan, rows, on, enterprise_draw.result_hash)
    draw = _new_draw(enterprise_draw.plan, pool, on, based_on=enterprise_draw)
    recheck(draw, actor, "add")
    emit("sampling.pool_frozen", _frozen_payload(draw, repeated=False), subject=draw, region=draw.plan.region)
    outcome = engine.run(pool.data, draw.seed, public_value)
    return draw, outcome, pool


def _labels(pool: pools.BuiltPool) -> dict[str, str]:
    ids = {task: stratum for stratum, task in pool.tasks.items()}
    return {ids[pk]: f"企业“{name}”（{category}）" for pk, name, category in
            SamplingTask.objects.filter(pk__in=ids).values_list("pk", "enterprise__name", "category__name")}


@service(event="sampling.draw_done")
def draw_inspectors(*, actor, enterprise_draw: Draw, public_value: str = "", on: datetime.date | None = None) -> Draw:
    """Freeze the inspector pool of an enterprise draw's tasks and draw from it at once:
    RULE_SAMPLING_MIN_INSPECTORS inspectors per task, none with a conflict of interest with
    the enterprise, none of its county when the plan says so; they become ``task.inspectors``."""
    draw, outcome, pool = _follow_up_draw(actor=actor, enterprise_draw=enterprise_draw, kind=DrawKind.INSPECTOR,
                                          public_value=public_value, on=on, build=pools.inspector_pool)
    if outcome is None:
        return draw
    short = {s.name: s for s in outcome.shortfalls}
    if short:  # the pool refuses this before; kept as a guard
        labels = _labels(pool)
        raise ValidationError({"inspectors": [f"{labels[n]}可抽取的执法检查人员不足 {s.wanted} 名" for n, s in short.items()]})
    _set_drawn(draw, outcome, _public_value(public_value))
    through = SamplingTask.inspectors.through
    task_ids = list(pool.tasks.values())
    through.objects.filter(samplingtask_id__in=task_ids).delete()
    through.objects.bulk_create([through(samplingtask_id=pool.tasks[p["stratum"]], inspector_id=int(p["key"].split(":", 1)[1]))
                                 for p in outcome.picks], batch_size=2000)
    _recheck_tasks(actor, SamplingTask.objects.filter(pk__in=task_ids), len(task_ids), "change")
    emit("sampling.draw_done", _done_payload(draw, tasks=len(task_ids), based_on=draw.based_on_id, repeated=False),
         subject=draw, region=draw.plan.region)
    return draw


@service(event="sampling.draw_done")
def draw_labs(*, actor, enterprise_draw: Draw, public_value: str = "", on: datetime.date | None = None) -> Draw:
    """Freeze the lab pool of an enterprise draw's tasks and draw from it at once: one lab per
    task, accredited (CMA valid, category covered), within its monthly capacity, without a
    conflict, not the lab of the enterprise's previous sample of the category; it becomes
    ``task.lab``."""
    draw, outcome, pool = _follow_up_draw(actor=actor, enterprise_draw=enterprise_draw, kind=DrawKind.LAB,
                                          public_value=public_value, on=on, build=pools.lab_pool)
    if outcome is None:
        return draw
    if outcome.capacity_short:
        labels = _labels(pool)
        names = "、".join(labels[s] for s in sorted(outcome.capacity_short))
        raise ValidationError({"lab": f"检验检测机构本月检测能力不足：{names}没有可分配的机构。请调整机构检测能力或分批抽取"})
    _set_drawn(draw, outcome, _public_value(public_value))
    tasks_of: dict[int, list[int]] = {}
    for pick in outcome.picks:
        tasks_of.setdefault(int(pick["key"].split(":", 1)[1]), []).append(pool.tasks[pick["stratum"]])
    for lab_id, task_ids in sorted(tasks_of.items()):  # one audited update per lab (before/after rows per task)
        SamplingTask.objects.filter(pk__in=task_ids).update(lab_id=lab_id)
    count = sum(len(ids) for ids in tasks_of.values())
    _recheck_tasks(actor, SamplingTask.objects.filter(pk__in=pool.tasks.values()), count, "change")
    emit("sampling.draw_done", _done_payload(draw, tasks=count, based_on=draw.based_on_id, repeated=False),
         subject=draw, region=draw.plan.region)
    return draw


# --- publication -----------------------------------------------------------------------------------------


@service(event="sampling.draw_published")
def publish_draw(*, actor, draw: Draw) -> Draw:
    """Publish a draw record: the seed, public value, result and — for an enterprise draw — the
    pool file become public; of inspector and lab pools only the hash (auditors verify them)."""
    draw = _locked(draw)
    if draw.status == DrawStatus.FROZEN:
        raise ValidationError({"status": f"抽取记录 #{draw.pk} 尚未抽取，不能公布（抽取前只公开随机种子的承诺）"})
    if draw.status == DrawStatus.PUBLISHED:
        raise ValidationError({"status": f"抽取记录 #{draw.pk} 已于 {timezone.localtime(draw.published_at):%Y-%m-%d %H:%M} 公布"})
    if draw.plan.status not in (PlanStatus.PUBLISHED, PlanStatus.CLOSED):
        # the public would see whom the plan samples before the plan itself (its page is not public yet)
        raise ValidationError({"status": f"抽查计划“{draw.plan}”{PlanStatus(draw.plan.status).label}，尚未公告：请先公告计划，再公布抽取记录"})
    draw.status = DrawStatus.PUBLISHED
    draw.published_at = timezone.now()
    draw.save()
    recheck(draw, actor, "change")
    emit("sampling.draw_published", {
        "draw": draw.pk, "plan": draw.plan.code, "kind": draw.kind, "algorithm": draw.algorithm, "pool_hash": draw.pool_hash,
        "pool_public": draw.pool_is_public, "seed": draw.seed, "public_value": draw.public_value, "result_hash": draw.result_hash,
    }, subject=draw, region=draw.plan.region, is_public=True)
    return draw
