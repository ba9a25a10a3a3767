"""Publication and import of results (抽查结果公告; other authorities' bulletins).

* :func:`create_bulletin` gathers a plan's final results not yet published into a draft
  bulletin due within 20 working days of the earliest result (``rules.publication_due``);
  :func:`publish_bulletin` publishes it — late publication is allowed, and flagged in the
  bulletin's note and in the event.
* Imported results (``zhiliang import sampling-results``, ``sampling.importers``) are written by
  :func:`create_imported_plan` and :func:`record_imported_result`; a row whose producer could not
  be matched waits on the review list (``importers.unmatched_imported``) until staff confirm the
  producer with :func:`match_imported_sample` (or undo a match with ``enterprise=None``).

Events (payloads are JSON):

* ``sampling.bulletin_created`` — ``{"bulletin", "plan", "due_on", "samples"}``
* ``sampling.bulletin_published`` (public) — ``{"bulletin", "plan", "published_on", "due_on",
  "late", "days_late", "working_days_late", "samples", "failed"}``
* ``sampling.plan_imported`` — ``{"plan", "level", "year", "organiser"}``
* ``sampling.result_imported`` — ``{"sample_no", "plan", "level", "sampled_on", "conclusion",
  "failing_items", "producer" (``Enterprise.search_key`` or ""), "producer_name", "outcome"
  ("created"/"updated"), "file_sha256"}``
* ``sampling.imported_sample_matched`` — ``{"sample_no", "producer" (key or "" when undone),
  "previous" (key or ""), "producer_name", "conclusion", "level", "sampled_on"}``
* ``sampling.sample_judged`` — also for imported results (an upper level's failing result of a
  Shiyan producer is a credit fact like our own): the payload of ``services.samples`` with
  ``"retest": false, "final": true, "source": "imported"``, emitted when an imported result is
  written (created, or its conclusion/producer corrected) and when staff confirm its producer.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError

from zhiliang.core.actors import not_future
from zhiliang.core import search, workdays
from zhiliang.core.models import Region
from zhiliang.core.events import emit, service
from zhiliang.core.permissions import recheck

from .. import rules
from ..choices import BulletinStatus, Conclusion, Level, PlanStatus, SampleStatus, Source
from ..models import Bulletin, Sample, SamplingPlan
from ..search_kinds import BULLETIN_KIND, PLAN_KIND

# --- bulletins -------------------------------------------------------------------------------------


def _publishable(plan: SamplingPlan):
    """The plan's results that a bulletin may show: final, with a conclusion, in no bulletin yet."""
    return plan.samples.filter(status=SampleStatus.FINAL, conclusion__in=Conclusion.values, bulletin__isnull=True)


@service(event="sampling.bulletin_created")
def create_bulletin(*, actor, plan: SamplingPlan, number: str, title: str, samples=None) -> Bulletin:
    """A draft bulletin of ``plan``'s results: ``samples`` or, by default, every final result
    of the plan not yet in a bulletin.  Due 20 working days after the earliest result's
    conclusion (RULE_SAMPLING_PUBLISH_WD)."""
    number, title = (number or "").strip(), (title or "").strip()
    if not number:
        raise ValidationError({"number": "公告编号不能为空"})
    if not title:
        raise ValidationError({"title": "公告标题不能为空"})
    if Bulletin.objects.filter(number=number).exists():
        raise ValidationError({"number": f"公告编号“{number}”已被使用"})
    if samples is None:
        chosen = list(_publishable(plan).order_by("sampled_on", "pk"))
        if not chosen:
            raise ValidationError({"samples": f"抽查计划“{plan.title}”没有可公告的结果（已确定结论且尚未公告的样品）"})
    else:
        chosen = list(samples)
        if not chosen:
            raise ValidationError({"samples": "未选择要公告的样品"})
        for sample in chosen:
            sample.refresh_from_db()
            if sample.plan_id != plan.pk:
                raise ValidationError({"samples": f"样品 {sample.sample_no} 不属于抽查计划“{plan.title}”"})
            if sample.conclusion not in Conclusion.values or sample.status != SampleStatus.FINAL:
                raise ValidationError({"samples": f"样品 {sample.sample_no} 的检验结论尚未确定（{sample.get_status_display()}），不能公告"})
            if sample.bulletin_id:
                raise ValidationError({"samples": f"样品 {sample.sample_no} 已列入公告“{sample.bulletin.number}”"})
    concluded = [s.concluded_on for s in chosen if s.concluded_on]
    due = rules.publication_due(min(concluded)) if concluded else None
    bulletin = Bulletin(plan=plan, number=number, title=title, status=BulletinStatus.DRAFT,
                        due_on=datetime.date(due.year, due.month, due.day) if due else None)
    bulletin.full_clean()
    bulletin.save()
    Sample.objects.filter(pk__in=[s.pk for s in chosen]).update(bulletin=bulletin)
    recheck(bulletin, actor, "add")
    search.index_object(BULLETIN_KIND, bulletin)
    emit("sampling.bulletin_created", {"bulletin": bulletin.number, "plan": plan.code, "due_on": bulletin.due_on,
                                        "samples": [s.sample_no for s in chosen]}, subject=bulletin, region=plan.region)
    return bulletin


@service(event="sampling.bulletin_published")
def publish_bulletin(*, actor, bulletin: Bulletin, on: datetime.date) -> Bulletin:
    """Publish a draft bulletin on ``on``.  After its due date it is still published, and
    flagged: the note says how many working days late, the event carries ``late``."""
    if bulletin.status != BulletinStatus.DRAFT:
        raise ValidationError({"status": f"公告“{bulletin.number}”已于 {bulletin.published_on:%Y-%m-%d} 发布，不能重复发布"})
    samples = list(bulletin.samples.order_by("sampled_on", "pk"))
    if not samples:
        raise ValidationError({"samples": f"公告“{bulletin.number}”没有列入任何样品，不能发布"})
    undecided = [s.sample_no for s in samples if s.conclusion not in Conclusion.values]
    if undecided:
        raise ValidationError({"samples": f"样品 {'、'.join(undecided)} 尚无检验结论，不能发布"})
    not_future(actor, on, "published_on", "发布日期")
    late = bool(bulletin.due_on and on > bulletin.due_on)
    days_late = int(workdays.working_days_between(bulletin.due_on, on)) if late else 0
    bulletin.status = BulletinStatus.PUBLISHED
    bulletin.published_on = on
    if late:
        flag = (f"逾期发布：应于 {bulletin.due_on:%Y-%m-%d} 前发布，实际 {on:%Y-%m-%d} 发布，"
                f"逾期 {(on - bulletin.due_on).days} 天（{days_late} 个工作日）")
        bulletin.note = f"{bulletin.note}\n{flag}".strip() if bulletin.note else flag
    bulletin.save()
    recheck(bulletin, actor, "change")
    search.index_object(BULLETIN_KIND, bulletin)
    emit("sampling.bulletin_published", {
        "bulletin": bulletin.number, "plan": bulletin.plan.code, "published_on": on, "due_on": bulletin.due_on, "late": late,
        "days_late": (on - bulletin.due_on).days if late else 0, "working_days_late": days_late, "samples": len(samples),
        "failed": sum(1 for s in samples if s.conclusion == Conclusion.FAIL),
    }, subject=bulletin, region=bulletin.plan.region, is_public=True)
    return bulletin


# --- imported results ---------------------------------------------------------------------------------

#: what an imported result holds (the importer's prepared row); anything else is refused
IMPORTED_FIELDS = (
    "sample_no", "level", "region", "category", "product_name", "trademark", "model", "standard", "batch_no", "production_date",
    "producer", "producer_name", "producer_region", "sampled_unit_name", "place", "sampled_on", "conclusion", "failing_items",
)


@service(event="sampling.plan_imported")
def create_imported_plan(*, actor, code: str, level: str, year: int, organiser_name: str, region, title: str = "") -> SamplingPlan:
    """The closed plan that holds the imported results of one (level, year, organiser)."""
    if level not in Level.values:
        raise ValidationError({"level": f"抽查层级“{level}”无效，可选：{'、'.join(Level.values)}"})
    organiser_name = (organiser_name or "").strip()
    plan = SamplingPlan(
        code=code, title=title or f"{year}年{organiser_name or Level(level).label}监督抽查结果（公告导入）", year=year, level=level,
        region=region, organiser_name=organiser_name[:100], status=PlanStatus.CLOSED, source=Source.IMPORTED,
        description="由其他机关发布的抽查结果公告导入",
    )
    plan.full_clean(exclude=["categories"])
    plan.save()
    recheck(plan, actor, "add")
    search.index_object(PLAN_KIND, plan)
    emit("sampling.plan_imported", {"plan": plan.code, "level": level, "year": year, "organiser": organiser_name},
         subject=plan, region=region)
    return plan


def _emit_judged(sample: Sample) -> None:
    """``sampling.sample_judged`` for an imported result, in the payload of ``services.samples``."""
    key = sample.producer.search_key if sample.producer_id else None
    emit("sampling.sample_judged", {
        "sample_no": sample.sample_no, "producer": key, "producer_name": sample.producer_name, "sampled_unit": None,
        "conclusion": sample.conclusion, "failing_items": list(sample.failing_items or []), "level": sample.level,
        "place": sample.place, "sampled_on": sample.sampled_on, "concluded_on": sample.concluded_on, "retest": False,
        "final": True, "source": Source.IMPORTED.value,
    }, subject=sample, enterprise_key=key or "", region=sample.region)


def _imported_payload(sample: Sample, **extra: Any) -> dict[str, Any]:
    return {
        "sample_no": sample.sample_no, "plan": sample.plan.code, "level": sample.level, "sampled_on": sample.sampled_on,
        "conclusion": sample.conclusion, "failing_items": list(sample.failing_items),
        "producer": sample.producer.search_key if sample.producer_id else "", "producer_name": sample.producer_name, **extra,
    }


@service(event="sampling.result_imported")
def record_imported_result(*, actor, plan: SamplingPlan, data: dict[str, Any], source_row: dict[str, Any]) -> tuple[Sample, str]:
    """Write one imported result as a final :class:`Sample` (``source = imported``) of
    ``plan``; a sample of the same number is updated (a later bulletin correcting the
    conclusion or failing items; category, standard, trademark when given; the producer when
    it was not matched yet — a match already made is kept).  Returns the sample and "created" or "updated"."""
    unknown = set(data) - set(IMPORTED_FIELDS)
    if unknown:
        raise ValidationError(f"不可导入的字段：{'、'.join(sorted(unknown))}")
    if data.get("conclusion") not in Conclusion.values:
        raise ValidationError({"conclusion": "检验结论应为合格或不合格"})
    if data.get("level") != plan.level:
        raise ValidationError({"level": f"抽查层级（{data.get('level')}）与抽查计划“{plan.code}”的层级（{plan.level}）不一致"})
    sample = Sample.objects.filter(sample_no=data["sample_no"]).first()
    if sample is not None:
        if sample.source != Source.IMPORTED:
            raise ValidationError({"sample_no": f"样品编号 {sample.sample_no} 已被本系统的样品使用"})
        sample.conclusion, sample.failing_items = data["conclusion"], list(data.get("failing_items") or [])
        for name in ("category", "standard", "trademark"):
            if data.get(name):  # not given: keep what is known
                setattr(sample, name, data[name])
        if sample.producer_id is None:  # a match (by an earlier import or by staff) stands
            if data.get("producer") is not None:
                sample.producer, sample.producer_region = data["producer"], data["producer"].region
            else:
                sample.producer_region = data.get("producer_region")
        if sample.conclusion and not sample.first_conclusion:
            sample.first_conclusion = sample.conclusion
        outcome = "updated"
    else:
        sample = Sample(plan=plan, department=plan.department, source=Source.IMPORTED, status=SampleStatus.FINAL,
                        quantity_reserve=0, **data)
        sample.first_conclusion = sample.conclusion
        outcome = "created"
    sample.source_row = source_row
    if sample.conclusion == Conclusion.PASS and sample.failing_items:
        raise ValidationError({"failing_items": "检验结论为合格，不应有不合格项目"})
    sample.full_clean()
    sample.save()
    recheck(sample, actor, "add" if outcome == "created" else "change")
    emit("sampling.result_imported", _imported_payload(sample, outcome=outcome, file_sha256=source_row.get("sha256", "")),
         subject=sample, enterprise_key=sample.producer.search_key if sample.producer_id else "", region=sample.region)
    _emit_judged(sample)
    return sample, outcome


@service(event="sampling.imported_sample_matched")
def match_imported_sample(*, actor, sample: Sample, enterprise) -> Sample:
    """Confirm the producer of an imported result (from the review list); ``enterprise=None``
    undoes a wrong match and puts the result back on the list.  The producer's county
    (``producer_region``) follows the enterprise, so the result counts for that county."""
    if sample.source != Source.IMPORTED:
        raise ValidationError({"producer": f"样品 {sample.sample_no} 不是导入的结果，生产企业不能在此修改"})
    previous = sample.producer
    if enterprise is not None and previous is not None and previous.pk == enterprise.pk:
        raise ValidationError({"producer": f"样品 {sample.sample_no} 的生产企业已是“{enterprise.name}”"})
    if enterprise is None and previous is None:
        raise ValidationError({"producer": f"样品 {sample.sample_no} 尚未匹配生产企业"})
    sample.producer = enterprise
    if enterprise is not None:
        sample.producer_region = enterprise.region
    else:  # back to what the bulletin's address said (see the importer), if anything
        code = (sample.source_row or {}).get("address_region", "")
        sample.producer_region = Region.objects.filter(code=code).first() if code else None
    sample.save()
    recheck(sample, actor, "change")
    emit("sampling.imported_sample_matched", {
        "sample_no": sample.sample_no, "producer": enterprise.search_key if enterprise is not None else "",
        "previous": previous.search_key if previous is not None else "", "producer_name": sample.producer_name,
        "conclusion": sample.conclusion, "level": sample.level, "sampled_on": sample.sampled_on,
    }, subject=sample, enterprise_key=(enterprise or previous).search_key, region=sample.region)
    if enterprise is not None:
        _emit_judged(sample)
    return sample
