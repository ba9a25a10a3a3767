"""The draw services (``sampling.services.draws``): freeze → draw → tasks, inspectors and labs
assigned, publication; re-runs give the same result and a failed draw leaves nothing behind."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.choices import Role
from zhiliang.core.models import DomainEvent, ObjectChange
from zhiliang.enterprises import services as registry
from zhiliang.sampling import draw as engine
from zhiliang.sampling.choices import DrawKind, DrawStatus
from zhiliang.sampling.models import Draw, SamplingTask
from zhiliang.sampling.services import draws, plans
from zhiliang.testing.fixtures import as_system, make_user

from .draw_data import D, conflict, enterprise, inspector, lab, plan, product

pytestmark = pytest.mark.django_db
ON = D(2026, 3, 2)
LOTTERY = "2026025"


@pytest.fixture
def world():
    """Six 茅箭区 auto-parts makers (one with two products, one revoked), three inspectors, two labs."""
    makers = [enterprise(f"十堰第{i}汽配有限公司") for i in range(1, 6)]
    products = [product(makers[0], name="制动鼓", model="A"), product(makers[0], name="制动蹄", model="B"), product(makers[1], name="轮毂", model="C")]
    revoked = enterprise("十堰吊销汽配有限公司", status="revoked")
    people = [inspector("周明"), inspector("陈刚"), inspector("王强")]
    labs = [lab("十堰市产品质量监督检验所", capacity=50), lab("湖北省产品质量监督检验研究院", capacity=50)]
    made = plan("SY-MJ-2026-01", quotas={("420302", "auto-parts"): 3}, ends_on=D(2026, 10, 31))
    return {"plan": made, "makers": makers, "products": products, "revoked": revoked, "inspectors": people, "labs": labs}


def freeze(made, actor=SYSTEM, on=ON):
    with audit_context(actor=actor, reason="冻结名录", source="test"):
        return draws.freeze_enterprise_pool(actor=actor, plan=made, on=on)


def run(frozen, public_value=LOTTERY, actor=SYSTEM):
    with audit_context(actor=actor, reason="抽取", source="test"):
        return draws.run_draw(actor=actor, draw=frozen, public_value=public_value)


def pool_bytes(draw: Draw) -> bytes:
    with default_storage.open(draw.pool_file.name, "rb") as f:
        return f.read()


def test_freezing_stores_the_pool_under_its_hash_and_shows_only_the_seeds_commitment(world):
    frozen = freeze(world["plan"])
    assert frozen.status == DrawStatus.FROZEN and frozen.kind == DrawKind.ENTERPRISE and frozen.algorithm == "zl-draw-1"
    data = pool_bytes(frozen)
    assert hashlib.sha256(data).hexdigest() == frozen.pool_hash and frozen.pool_file.name.endswith(f"{frozen.pool_hash}.jsonl")
    assert (frozen.pool_size, frozen.excluded_count) == (5, 1)
    assert frozen.seed_commitment == hashlib.sha256(frozen.seed.encode()).hexdigest()
    record = engine.record_for(frozen)
    assert record["seed"] == "" and record["result"] == [] and record["seed_commitment"] == frozen.seed_commitment
    event = DomainEvent.objects.get(name="sampling.pool_frozen")
    assert event.payload["pool_hash"] == frozen.pool_hash and event.payload["seed_commitment"] == frozen.seed_commitment
    assert frozen.seed not in json.dumps(event.payload)
    logged = ObjectChange.objects.filter(object_id=str(frozen.pk), content_type__model="draw")
    assert logged.exists() and all(frozen.seed not in json.dumps(c.after or {}) for c in logged)


def test_the_draw_reveals_the_seed_and_creates_a_task_per_drawn_enterprise(world):
    drawn = run(freeze(world["plan"]))
    assert drawn.status == DrawStatus.DRAWN and drawn.public_value == LOTTERY and len(drawn.result) == 3
    tasks = list(SamplingTask.objects.filter(draw=drawn).select_related("enterprise"))
    assert {t.enterprise.search_key for t in tasks} == {p["key"] for p in drawn.result}
    assert world["revoked"] not in [t.enterprise for t in tasks]
    for task, pick in zip(sorted(tasks, key=lambda t: t.enterprise.search_key), sorted(drawn.result, key=lambda p: p["key"])):
        assert (task.plan, task.category.code, task.region.code, task.credit_class) == (world["plan"], "auto-parts", "420302", "B")
        assert task.department == world["plan"].department and task.due_on == D(2026, 10, 31)
        owned = {f"product:{p.pk}" for p in task.enterprise.products.all()}
        assert (f"product:{task.product_id}" if task.product_id else "") == pick["sub"]
        assert (task.product_id is None) == (not owned)
    record = engine.record_for(drawn)
    assert record["seed"] == drawn.seed and engine.verify(record, pool_bytes(drawn)).ok
    event = DomainEvent.objects.get(name="sampling.draw_done")
    assert event.payload["result_hash"] == drawn.result_hash and event.payload["tasks"] == 3


def test_running_the_draw_again_gives_the_same_result_bit_for_bit_and_no_new_tasks(world):
    frozen = freeze(world["plan"])
    assert freeze(world["plan"]).pk == frozen.pk  # freezing the same pool again: the same draw
    drawn = run(frozen)
    again = run(frozen)
    assert again.pk == drawn.pk and SamplingTask.objects.filter(plan=world["plan"]).count() == 3
    rerun = engine.run(pool_bytes(drawn), drawn.seed, LOTTERY)
    assert engine.result_bytes(rerun.picks) == engine.result_bytes(drawn.result) and rerun.result_hash == drawn.result_hash
    with pytest.raises(ValidationError, match="不能以其他公开随机值重新抽取"):
        run(frozen, public_value="2026026")
    with pytest.raises(ValidationError, match="已完成检查对象抽取"):
        freeze(world["plan"])


def test_a_frozen_pool_cannot_be_replaced_by_another(world):
    freeze(world["plan"])
    enterprise("十堰新开汽配有限公司")
    with pytest.raises(ValidationError, match="名录冻结后不能更换"):
        freeze(world["plan"])


def test_a_draw_that_fails_half_way_leaves_nothing_behind(world, county_user):
    """A county user may not run the city's draw: the tasks are written, then the permission
    check fails and the whole draw rolls back."""
    city = plan("SY-2026-01", level="city", region_code="420300", department_code="sy-amr",
                quotas={("420302", "auto-parts"): 2, ("420303", "auto-parts"): 1})
    enterprise("张湾汽配有限公司", region_code="420303")
    frozen = freeze(city)
    with pytest.raises(PermissionDenied):
        run(frozen, actor=county_user)
    frozen.refresh_from_db()
    assert frozen.status == DrawStatus.FROZEN and frozen.result == [] and frozen.result_hash == "" and frozen.public_value == ""
    assert not SamplingTask.objects.filter(plan=city).exists()
    assert not DomainEvent.objects.filter(name="sampling.draw_done").exists()
    drawn = run(frozen)  # the same draw, run by someone entitled, goes through
    assert SamplingTask.objects.filter(plan=city).count() == 3 and drawn.status == DrawStatus.DRAWN


def test_a_pool_file_changed_after_freezing_is_refused(world):
    frozen = freeze(world["plan"])
    data = pool_bytes(frozen).replace("十堰第1汽配".encode(), "十堰第9汽配".encode())
    default_storage.delete(frozen.pool_file.name)
    default_storage.save(frozen.pool_file.name, ContentFile(data))
    with pytest.raises(ValidationError, match="名录文件已被改动"):
        run(frozen)
    assert not SamplingTask.objects.exists()
    default_storage.delete(frozen.pool_file.name)  # the next test of this worker writes it afresh


def test_a_draft_plan_cannot_be_drawn(world):
    draft = plan("SY-MJ-2026-02", approve=False)
    with pytest.raises(ValidationError) as refused:
        freeze(draft)
    assert "须经批准后才能抽取" in refused.value.message_dict["plan"][0]


def test_inspectors_are_drawn_for_every_task_without_conflicts(world):
    drawn = run(freeze(world["plan"]))
    first_task = SamplingTask.objects.filter(draw=drawn).order_by("pk").first()
    conflicted = world["inspectors"][0]
    conflict(first_task.enterprise, person=conflicted)
    with audit_context(actor=SYSTEM, reason="抽取人员", source="test"):
        people = draws.draw_inspectors(actor=SYSTEM, enterprise_draw=drawn, public_value="7", on=ON)
    assert people.kind == DrawKind.INSPECTOR and people.based_on == drawn and people.status == DrawStatus.DRAWN
    assert engine.record_for(people)["pool_public"] is False
    for task in SamplingTask.objects.filter(draw=drawn):
        assigned = set(task.inspectors.all())
        assert len(assigned) == 2 and assigned <= set(world["inspectors"])
    assert conflicted not in first_task.inspectors.all()
    assert engine.verify(engine.record_for(people), pool_bytes(people)).ok
    with audit_context(actor=SYSTEM, reason="抽取人员", source="test"):
        assert draws.draw_inspectors(actor=SYSTEM, enterprise_draw=drawn, public_value="7", on=ON).pk == people.pk


def test_a_lab_is_drawn_for_every_task_within_capacity(world):
    drawn = run(freeze(world["plan"]))
    with audit_context(actor=SYSTEM, reason="抽取机构", source="test"):
        labs = draws.draw_labs(actor=SYSTEM, enterprise_draw=drawn, public_value="7", on=ON)
    assigned = [t.lab for t in SamplingTask.objects.filter(draw=drawn)]
    assert all(a in world["labs"] for a in assigned) and len(labs.result) == 3
    assert json.loads(pool_bytes(labs).split(b"\n")[0])["capacity"] == {f"lab:{x.pk}": 50 for x in world["labs"]}


def test_labs_running_out_of_capacity_refuse_the_draw_naming_the_enterprises(world):
    small = plan("SY-MJ-2026-03", quotas={("420302", "auto-parts"): 4})
    drawn = run(freeze(small))
    for agency in world["labs"]:
        with as_system():
            registry.save_agency(actor=SYSTEM, agency=agency, monthly_capacity=1)
    with pytest.raises(ValidationError, match="检测能力不足"):
        with audit_context(actor=SYSTEM, reason="抽取机构", source="test"):
            draws.draw_labs(actor=SYSTEM, enterprise_draw=drawn, on=ON)
    assert not Draw.objects.filter(kind=DrawKind.LAB).exists()
    assert not SamplingTask.objects.filter(draw=drawn, lab__isnull=False).exists()


def test_publishing_a_draw_makes_it_public_once(world, county_user):
    frozen = freeze(world["plan"])
    with pytest.raises(ValidationError, match="尚未抽取"):
        with audit_context(actor=SYSTEM, reason="公布", source="test"):
            draws.publish_draw(actor=SYSTEM, draw=frozen)
    drawn = run(frozen)
    assert not Draw.objects.restrict(None, "view").filter(pk=drawn.pk).exists()
    # not before the plan is announced: the public would see whom it samples before the plan
    with pytest.raises(ValidationError, match="尚未公告：请先公告计划"):
        with audit_context(actor=county_user, reason="公布", source="test"):
            draws.publish_draw(actor=county_user, draw=drawn)
    with audit_context(actor=SYSTEM, reason="公告", source="test"):
        plans.publish_plan(actor=SYSTEM, plan=world["plan"], on=ON)
    with audit_context(actor=county_user, reason="公布", source="test"):
        published = draws.publish_draw(actor=county_user, draw=drawn)
    assert published.status == DrawStatus.PUBLISHED and published.published_at is not None
    assert Draw.objects.restrict(None, "view").filter(pk=drawn.pk).exists()  # the public sees it now
    event = DomainEvent.objects.get(name="sampling.draw_published")
    assert event.is_public and event.payload["seed"] == drawn.seed
    with pytest.raises(ValidationError, match="已于"):
        with audit_context(actor=county_user, reason="公布", source="test"):
            draws.publish_draw(actor=county_user, draw=published)


def test_county_staff_draw_for_their_county_but_not_for_another(world, county_user, other_county_user):
    with pytest.raises(PermissionDenied):
        freeze(world["plan"], actor=other_county_user)
    assert not Draw.objects.exists()
    drawn = run(freeze(world["plan"], actor=county_user), actor=county_user)
    assert drawn.status == DrawStatus.DRAWN
    auditor = make_user(Role.AUDITOR, region_code="420300")
    assert Draw.objects.restrict(auditor, "view").filter(pk=drawn.pk).exists()
