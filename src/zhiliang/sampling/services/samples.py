"""The life of a sample (STYLE.md §2: every write here): refusal of sampling (拒检), the
sample record, attachments, chain of custody to the lab, the test report and its derived
conclusion, notification (送达), objection and re-test (复检), rectification of failing
products (Order 18 Arts. 45–48) and referral to a producer's home authority (异地核查处置).

Who acts: staff of the sampling authority (county staff, department staff, city admin)
register, send, notify, decide and follow up; the lab a sample was sent to receives it and
writes and issues its report; the enterprise (producer or sampled unit) files an objection,
staff may do so on its behalf.  ``SYSTEM`` may do everything (demo data, importers, jobs).

Domain events for the credit center (a documented boundary; payload JSON):

* ``sampling.task_refused`` — ``{"enterprise": key, "enterprise_name", "plan", "level",
  "category", "refused_on", "note"}``, ``enterprise_key`` = the refusing enterprise;
* ``sampling.sample_judged`` — ``{"sample_no", "producer": key or null, "producer_name",
  "sampled_unit": key or null, "conclusion": "pass"|"fail", "failing_items": [...], "level",
  "place", "sampled_on", "concluded_on", "retest": bool, "final": bool}``, ``enterprise_key``
  = the producer's key.  Emitted when a report is issued (``final`` is true for a pass and for
  a re-test) and again, with ``final`` true, when a failing first result becomes final (the
  objection window ended without an objection, or the objection was rejected).

A key is ``Enterprise.search_key`` (the USCC, or ``enterprise:<id>``).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q

from zhiliang.core import rules as rules_registry
from zhiliang.core.actors import is_user, not_future
from zhiliang.core import workdays
from zhiliang.core.choices import Role
from zhiliang.core.events import emit, service
from zhiliang.core.permissions import memberships, recheck
from zhiliang.core.reference_data import CITY_CODE
from zhiliang.core.uploads import ACCEPTED_ATTACHMENTS, HEAD_BYTES, document_problem
from zhiliang.enterprises.models import ConflictOfInterest
from zhiliang.enterprises.selectors import own_lab_ids

from .. import rules, selectors
from ..choices import (
    Conclusion,
    FeeBearer,
    NoticeMethod,
    ObjectionStatus,
    Place,
    PlanStatus,
    RectificationStatus,
    ReferralStatus,
    ReportStatus,
    SampleStatus,
    Source,
    TaskStatus,
)
from ..models import (
    Objection,
    Rectification,
    Referral,
    Sample,
    SampleAttachment,
    SamplingTask,
    TestReport,
)
from ..judgement import build_results

REFERRAL_REPLY_RULE = "RULE_SAMPLING_REFERRAL_REPLY_DAYS"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
SAMPLE_NO_DIGITS = 5


STAFF_ROLES = frozenset({Role.COUNTY_STAFF, Role.DEPARTMENT_STAFF, Role.CITY_ADMIN})


# --- who acts ----------------------------------------------------------------------------------------


def _roles(actor) -> set[str]:
    return {m.role.name for m in memberships(actor)}




def _require_staff(actor, what: str) -> None:
    if is_user(actor) and not actor.is_superuser and not (_roles(actor) & STAFF_ROLES):
        raise PermissionDenied(f"只有组织抽查的工作人员可以{what}")


def _acts_for_lab(actor, lab) -> bool:
    return lab is not None and lab.pk in own_lab_ids(actor)


def _require_lab(actor, lab, what: str) -> None:
    """The lab's own accounts act on its samples (the city admin and SYSTEM may too)."""
    if not selectors.is_sampling_admin(actor) and not _acts_for_lab(actor, lab):
        raise PermissionDenied(f"只有承检机构本机构的账号可以{what}")


# --- small helpers --------------------------------------------------------------------------------


def _date(d) -> datetime.date | None:
    return None if d is None else datetime.date(d.year, d.month, d.day)


def _text(value) -> str:
    return (value or "").strip()


def _key(enterprise) -> str | None:
    return enterprise.search_key if enterprise is not None else None


def _in_shiyan(region) -> bool:
    return region is not None and f"/{CITY_CODE}/" in (region.path or "")


def _not_before(day: datetime.date, earlier: datetime.date | None, field: str, what: str, earlier_what: str) -> None:
    if earlier is not None and day < earlier:
        raise ValidationError({field: f"{what} {day:%Y-%m-%d} 早于{earlier_what} {earlier:%Y-%m-%d}"})


def _category_chain(category) -> list[int]:
    ids, node, hops = [], category, 0
    while node is not None and hops < 20:
        ids.append(node.pk)
        node, hops = node.parent, hops + 1
    return ids


def _check_lab(lab, category, on: datetime.date, enterprises=(), field: str = "lab") -> None:
    """The lab must be in use, accredited (CMA in force, scope covering the category or a
    parent category) and free of a declared conflict with the enterprises concerned."""
    if not lab.is_active:
        raise ValidationError({field: f"检验检测机构“{lab}”已停用"})
    if lab.cma_valid_until and lab.cma_valid_until < on:
        raise ValidationError({field: f"检验检测机构“{lab}”的资质认定证书已于 {lab.cma_valid_until:%Y-%m-%d} 到期"})
    if category is not None and not lab.categories.filter(pk__in=_category_chain(category)).exists():
        raise ValidationError({field: f"检验检测机构“{lab}”的资质认定范围不含产品类别“{category}”"})
    ids = [e.pk for e in enterprises if e is not None]
    if ids:
        conflict = (
            ConflictOfInterest.objects.filter(agency=lab, enterprise_id__in=ids)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on), Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .select_related("enterprise")
            .first()
        )
        if conflict is not None:
            raise ValidationError({field: f"检验检测机构“{lab}”与“{conflict.enterprise}”存在利益冲突（{conflict.reason}），不能承检"})


def _judged_payload(sample: Sample, *, retest: bool, final: bool) -> dict[str, Any]:
    return {
        "sample_no": sample.sample_no,
        "producer": _key(sample.producer),
        "producer_name": sample.producer_name,
        "sampled_unit": _key(sample.sampled_unit),
        "conclusion": sample.conclusion,
        "failing_items": list(sample.failing_items or []),
        "level": sample.level,
        "place": sample.place,
        "sampled_on": sample.sampled_on,
        "concluded_on": sample.concluded_on,
        "retest": retest,
        "final": final,
    }


def _emit_judged(sample: Sample, *, retest: bool, final: bool) -> None:
    emit("sampling.sample_judged", _judged_payload(sample, retest=retest, final=final), subject=sample,
         enterprise_key=_key(sample.producer) or "", region=sample.region)


def _retest_deadline(sample: Sample) -> datetime.date | None:
    if sample.served_on is None:
        return None
    is_food = bool(sample.category and sample.category.is_food)
    return _date(rules.retest_deadline(sample.served_on, is_food=is_food))


def _make_final(sample: Sample, on: datetime.date) -> None:
    """A notified failing first result whose objection window has ended becomes final."""
    if sample.status != SampleStatus.NOTIFIED:
        raise ValidationError(f"样品 {sample.sample_no} {sample.get_status_display()}，不是待确定的检验结论")
    if Objection.objects.filter(sample=sample).exists():
        raise ValidationError(f"样品 {sample.sample_no} 已申请复检，结论待复检确定")
    deadline = _retest_deadline(sample)
    if deadline is not None and on <= deadline:
        raise ValidationError(f"样品 {sample.sample_no} 的复检申请期限至 {deadline:%Y-%m-%d}，期满后检验结论方可确定")
    sample.status = SampleStatus.FINAL
    sample.save()
    _emit_judged(sample, retest=False, final=True)


def _final_failing(sample: Sample, on: datetime.date, what: str) -> None:
    """Follow-up (rectification, referral) needs a final failing result; a notified one
    whose window has passed is made final here."""
    if sample.conclusion != Conclusion.FAIL:
        raise ValidationError(f"样品 {sample.sample_no} 的检验结论不是不合格，不需{what}")
    if sample.status == SampleStatus.NOTIFIED:
        _make_final(sample, on)
    elif sample.status != SampleStatus.FINAL:
        raise ValidationError(f"样品 {sample.sample_no} 的检验结论尚未确定（{sample.get_status_display()}），不能{what}")


# --- tasks --------------------------------------------------------------------------------------------


@service(event="sampling.task_refused")
def refuse_sampling(*, actor, task: SamplingTask, on: datetime.date, note: str) -> SamplingTask:
    """拒检: the enterprise refused to be sampled.  A credit fact (event) and, in the next
    plan, priority (the draw reads refused tasks)."""
    _require_staff(actor, "登记拒检")
    if task.status != TaskStatus.ASSIGNED:
        raise ValidationError(f"抽查任务（{task.enterprise}）{task.get_status_display()}，不能登记拒检")
    if not (note or "").strip():
        raise ValidationError({"note": "请填写拒检情况（时间、地点、拒绝人员及理由）"})
    not_future(actor, on, "refused_on", "拒检日期")
    recheck(task, actor, "change")
    task.status = TaskStatus.REFUSED
    task.refused_on = on
    task.note = note.strip()
    task.save()
    recheck(task, actor, "change")
    enterprise = task.enterprise
    emit("sampling.task_refused", {
        "enterprise": enterprise.search_key, "enterprise_name": enterprise.name, "plan": task.plan.code, "level": task.plan.level,
        "category": task.category.code, "refused_on": on, "note": task.note,
    }, subject=task, enterprise_key=enterprise.search_key, region=task.region)
    return task


# --- samples -------------------------------------------------------------------------------------------


def _sample_no_prefix(sampled_on: datetime.date, region) -> str:
    return f"CJ{sampled_on.year}{region.code}"


def _next_sample_no(prefix: str) -> str:
    pattern = rf"^{re.escape(prefix)}[0-9]{{{SAMPLE_NO_DIGITS}}}$"
    last = Sample.objects.filter(sample_no__regex=pattern).order_by("-sample_no").values_list("sample_no", flat=True).first()
    seq = int(last[len(prefix):]) + 1 if last else 1
    if seq >= 10**SAMPLE_NO_DIGITS:
        raise ValidationError({"sample_no": f"样品编号 {prefix}… 已用尽，请手工编号"})
    return f"{prefix}{seq:0{SAMPLE_NO_DIGITS}d}"


def _save_numbered(sample: Sample, prefix: str) -> None:
    """Save with the next free number of ``prefix``.  Concurrent registrations may pick the
    same number: the unique constraint refuses the second, which retries with the next one
    (inside a savepoint, so the surrounding transaction stays usable)."""
    for _attempt in range(50):
        sample.sample_no = _next_sample_no(prefix)
        try:
            with transaction.atomic():
                sample.save()
            return
        except IntegrityError:
            if not Sample.objects.filter(sample_no=sample.sample_no).exists():
                raise
            sample.pk = None
    raise ValidationError({"sample_no": "样品编号生成冲突，请重试"})


@service(event="sampling.sample_registered")
def register_sample(*, actor, plan, sampled_on: datetime.date, product_name: str = "", producer=None, producer_name: str = "", task=None,
                    region=None, category=None, product=None, trademark: str = "", model: str = "", standard: str = "", batch_no: str = "",
                    production_date: datetime.date | None = None, sampled_unit=None, sampled_unit_name: str = "", place: str | None = None,
                    platform: str = "", shop: str = "", order_no: str = "", page_url: str = "", quantity_tested: int = 1,
                    quantity_reserve: int | None = None, unit: str = "件", price_paid=None, inspectors=(), lab=None,
                    sample_no: str | None = None) -> Sample:
    """Record a sample.  The 6-month ban is checked again here (market and online samples are
    chosen on site); the sample is bought (``price_paid``) and never a fee is charged to the
    enterprise (RULE_SAMPLING_ENTERPRISE_FEE = 0)."""
    if plan.source != Source.LOCAL:
        raise ValidationError({"plan": f"抽查计划“{plan.title}”是公告导入的计划，其结果只能通过公告导入登记"})
    if plan.status not in (PlanStatus.APPROVED, PlanStatus.PUBLISHED):
        raise ValidationError(f"抽查计划“{plan.title}”{plan.get_status_display()}，不能登记样品（计划批准后、完成前方可抽样）")
    if sampled_on is None:
        raise ValidationError({"sampled_on": "请填写抽样日期"})
    not_future(actor, sampled_on, "sampled_on", "抽样日期")
    place = place or plan.place
    if place not in Place.values:
        raise ValidationError({"place": f"抽样环节“{place}”无效"})
    inspectors = list(inspectors or ())

    # what the drawn task already says
    if task is not None:
        if task.plan_id != plan.pk:
            raise ValidationError({"task": f"抽查任务不属于抽查计划“{plan.title}”"})
        if task.status != TaskStatus.ASSIGNED:
            raise ValidationError({"task": f"抽查任务（{task.enterprise}）{task.get_status_display()}，不能再登记样品"})
        if category is not None and category.pk != task.category_id:
            raise ValidationError({"category": f"产品类别应为抽查任务的类别“{task.category}”"})
        category = task.category
        region = region or task.region
        sampled_unit = sampled_unit or task.enterprise
        if place == Place.FACTORY and producer is None:
            producer = task.enterprise
        product = product or task.product
        inspectors = inspectors or list(task.inspectors.all())
        lab = lab or task.lab

    # the product and its producer
    if product is not None:
        if producer is not None and product.enterprise_id != producer.pk:
            raise ValidationError({"product": f"产品“{product}”不是“{producer}”的产品"})
        producer = producer or product.enterprise
        category = category or product.category
        product_name = product_name or product.name
        trademark = trademark or product.brand
        model = model or product.model
        standard = standard or (product.standards[0] if product.standards else "")
    if place == Place.FACTORY and sampled_unit is None:
        sampled_unit = producer
    errors: dict[str, str] = {}
    if not (product_name or "").strip():
        errors["product_name"] = "请填写产品名称"
    producer_name = (producer_name or (producer.name if producer else "")).strip()
    if not producer_name:
        errors["producer_name"] = "请填写标称生产企业名称"
    if place == Place.ONLINE:
        for field, label, value in (("platform", "电商平台", platform), ("shop", "网店名称", shop), ("order_no", "订单号", order_no)):
            if not (value or "").strip():
                errors[field] = f"网上抽查须填写{label}"
    sampled_unit_name = (sampled_unit_name or (sampled_unit.name if sampled_unit else "") or (shop if place == Place.ONLINE else "")).strip()
    if not sampled_unit_name and "shop" not in errors:
        errors["sampled_unit_name"] = "请填写受检单位名称"
    if region is None and sampled_unit is not None and _in_shiyan(sampled_unit.region):
        region = sampled_unit.region
    if region is None:
        errors["region"] = "请选择抽样地区"
    elif region.pk not in plan.region.subtree_ids():
        errors["region"] = f"抽样地区“{region}”不在抽查计划的组织区划“{plan.region}”内"
    if category is None and plan.categories.count() == 1:
        category = plan.categories.get()
    if category is None:
        errors["category"] = "请选择产品类别"
    elif plan.categories.exists() and not plan.categories.filter(pk=category.pk).exists():
        errors["category"] = f"产品类别“{category}”不在抽查计划“{plan.title}”的抽查类别中"
    if errors:
        raise ValidationError(errors)

    # who sampled (≥ RULE_SAMPLING_MIN_INSPECTORS)
    if len({i.pk for i in inspectors}) != len(inspectors):
        raise ValidationError({"inspectors": "抽样人员重复"})
    inactive = [i.name for i in inspectors if not i.is_active]
    if inactive:
        raise ValidationError({"inspectors": f"抽样人员 {'、'.join(inactive)} 不在岗"})
    minimum = int(rules_registry.value("RULE_SAMPLING_MIN_INSPECTORS", sampled_on))
    if len(inspectors) < minimum:
        raise ValidationError({"inspectors": f"抽样人员不得少于 {minimum} 名（现为 {len(inspectors)} 名）"})

    # quantities and price (bought; no fee is charged to the enterprise)
    if quantity_reserve is None:
        quantity_reserve = int(rules_registry.value("RULE_SAMPLING_RESERVE_UNITS", sampled_on))
    if int(quantity_tested) < 1:
        raise ValidationError({"quantity_tested": "检验样品数量至少为 1"})
    if int(quantity_reserve) < 0:
        raise ValidationError({"quantity_reserve": "备用样品数量不能为负数"})
    if price_paid is not None and price_paid != "":
        try:
            price_paid = Decimal(str(price_paid))
        except InvalidOperation:
            raise ValidationError({"price_paid": f"购样费用“{price_paid}”不是金额"}) from None
        if not price_paid.is_finite() or price_paid < 0:
            raise ValidationError({"price_paid": "购样费用不能为负数"})
    else:
        price_paid = None

    # the 6-month ban (RULE_SAMPLING_REPEAT_6M), again: what is sampled is chosen on site
    exemption = ""
    if producer is not None:
        key = rules.ProductKey.of(producer.pk, trademark, model, standard)
        if plan.is_exempt_from_repeat_ban:
            authority = (plan.level, plan.region_id, plan.department_id)
            if rules.find_bar(key, level=plan.level, authority=authority, day=sampled_on) is not None:
                exemption = plan.kind
        else:
            rules.check_repeat_ban(key, plan=plan, day=sampled_on)

    if lab is not None:
        _check_lab(lab, category, sampled_on, enterprises=(producer, sampled_unit))

    sample = Sample(
        plan=plan, task=task, level=plan.level, region=region, department=plan.department, category=category, product=product,
        product_name=_text(product_name), trademark=_text(trademark), model=_text(model), standard=_text(standard),
        batch_no=_text(batch_no), production_date=production_date, producer=producer, producer_name=producer_name,
        producer_region=producer.region if producer else None, sampled_unit=sampled_unit, sampled_unit_name=sampled_unit_name,
        place=place, platform=_text(platform), shop=_text(shop), order_no=_text(order_no), page_url=_text(page_url),
        quantity_tested=int(quantity_tested), quantity_reserve=int(quantity_reserve), unit=unit, price_paid=price_paid,
        sampled_on=sampled_on, lab=lab, status=SampleStatus.REGISTERED, exemption=exemption, source=Source.LOCAL,
    )
    if sample_no:
        sample.sample_no = sample_no.strip()
        if Sample.objects.filter(sample_no=sample.sample_no).exists():
            raise ValidationError({"sample_no": f"样品编号“{sample.sample_no}”已存在"})
        sample.full_clean(validate_unique=False)
        sample.save()
    else:
        sample.sample_no = _sample_no_prefix(sampled_on, region) + "0" * SAMPLE_NO_DIGITS  # placeholder for validation
        sample.full_clean(validate_unique=False)
        _save_numbered(sample, _sample_no_prefix(sampled_on, region))
    sample.sampled_by.set(inspectors)
    if task is not None:
        task.status = TaskStatus.SAMPLED
        task.save()
    recheck(sample, actor, "add")
    emit("sampling.sample_registered", {
        "sample_no": sample.sample_no, "plan": plan.code, "level": plan.level, "place": place, "producer": _key(producer),
        "sampled_unit": _key(sampled_unit), "sampled_on": sampled_on, "exemption": exemption, "price_paid": price_paid,
    }, subject=sample, enterprise_key=_key(sampled_unit) or _key(producer) or "", region=region)
    return sample


@service(event="sampling.attachment_added")
def add_attachment(*, actor, sample: Sample, kind: str, name: str, content: bytes, description: str = "") -> SampleAttachment:
    """Store a file (page capture, purchase record, photo, form, report scan) with its SHA-256:
    a scan or document (``core.uploads.ACCEPTED_ATTACHMENTS``: PDF, JPG, PNG, an e-invoice's OFD,
    a saved shop page), its extension matching its first bytes."""
    kinds = dict(SampleAttachment.KINDS)
    if kind not in kinds:
        raise ValidationError({"kind": f"附件类型“{kind}”无效，应为：{'、'.join(kinds.values())}"})
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    if not name:
        raise ValidationError({"file": "请提供文件名"})
    if not content:
        raise ValidationError({"file": f"文件“{name}”为空"})
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": f"文件“{name}”超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"})
    if problem := document_problem(name, content[:HEAD_BYTES], ACCEPTED_ATTACHMENTS):
        raise ValidationError({"file": problem})
    digest = hashlib.sha256(content).hexdigest()
    attachment = SampleAttachment(sample=sample, kind=kind, sha256=digest, description=_text(description))
    attachment.file.save(name, ContentFile(content), save=False)
    try:
        attachment.full_clean()
        attachment.save()
        recheck(attachment, actor, "add")
    except Exception:
        attachment.file.delete(save=False)
        raise
    emit("sampling.attachment_added", {"sample_no": sample.sample_no, "kind": kind, "name": name, "sha256": digest, "size": len(content)},
         subject=attachment, region=sample.region)
    return attachment


@service(event="sampling.sample_sent")
def send_sample(*, actor, sample: Sample, lab, on: datetime.date, lab_change_reason: str = "") -> Sample:
    """Chain of custody: the sample leaves for the lab (accredited for its category, no conflict).
    Sending it to another lab than the assigned one (``selectors.assigned_lab``) needs a written
    reason (改送其他检验机构的原因), kept on the sample and in the event."""
    _require_staff(actor, "送检")
    if sample.status != SampleStatus.REGISTERED:
        raise ValidationError(f"样品 {sample.sample_no} {sample.get_status_display()}，不能再送检")
    _not_before(on, sample.sampled_on, "sent_on", "送样日期", "抽样日期")
    not_future(actor, on, "sent_on", "送样日期")
    _check_lab(lab, sample.category, on, enterprises=(sample.producer, sample.sampled_unit))
    assigned = selectors.assigned_lab(sample)
    changed = assigned is not None and assigned.pk != lab.pk
    reason = _text(lab_change_reason) if changed else ""
    if changed and not reason:
        raise ValidationError({"lab_change_reason": f"样品 {sample.sample_no} 的承检机构为“{assigned}”，改送“{lab}”检验须填写改送其他检验机构的原因"})
    recheck(sample, actor, "change")
    sample.lab = lab
    sample.lab_change_reason = reason
    sample.sent_on = on
    sample.status = SampleStatus.SENT
    sample.save()
    recheck(sample, actor, "change")
    payload = {"sample_no": sample.sample_no, "lab": lab.name, "sent_on": on}
    if changed:
        payload.update(assigned_lab=assigned.name, lab_change_reason=reason)
    emit("sampling.sample_sent", payload, subject=sample, region=sample.region)
    return sample


@service(event="sampling.sample_received")
def receive_sample(*, actor, sample: Sample, on: datetime.date, condition: str = "") -> Sample:
    """The lab the sample was sent to receives it and records its condition (seal intact …)."""
    if sample.status != SampleStatus.SENT:
        raise ValidationError(f"样品 {sample.sample_no} {sample.get_status_display()}，不是待收样状态")
    if not selectors.is_sampling_admin(actor) and not _acts_for_lab(actor, sample.lab):
        if Role.LAB in _roles(actor):
            raise PermissionDenied("该样品未送往本机构，不能收样")
        raise PermissionDenied(f"收样须由承检机构“{sample.lab}”的账号登记")
    _not_before(on, sample.sent_on, "received_on", "收样日期", "送样日期")
    not_future(actor, on, "received_on", "收样日期")
    sample.received_on = on
    sample.received_condition = (condition or "").strip()
    sample.status = SampleStatus.RECEIVED
    sample.save()
    recheck(sample, actor, "change")
    emit("sampling.sample_received", {"sample_no": sample.sample_no, "lab": sample.lab.name, "received_on": on,
                                      "condition": sample.received_condition}, subject=sample, region=sample.region)
    return sample


# --- test reports --------------------------------------------------------------------------------------


def _report_lab(sample: Sample, is_retest: bool):
    if not is_retest:
        if sample.status != SampleStatus.RECEIVED:
            raise ValidationError(f"样品 {sample.sample_no} {sample.get_status_display()}，实验室收样后方可录入检验报告")
        return sample.lab
    objection = Objection.objects.filter(sample=sample).first()
    if sample.status != SampleStatus.RETEST or objection is None or objection.status != ObjectionStatus.ACCEPTED:
        raise ValidationError(f"样品 {sample.sample_no} 没有已受理的复检申请，不能录入复检报告")
    return objection.retest_lab or sample.lab


@service(event="sampling.report_saved")
def save_report(*, actor, sample: Sample, report_no: str, results: list[dict], tested_on: datetime.date | None = None,
                is_retest: bool = False, note: str = "") -> TestReport:
    """Create or replace the draft report of a round.  Each result is ``{"item": TestItem,
    "measured": …}`` (an item of the plan for the sample's category) or a free item
    ``{"name", "direction", "limit_low", "limit_high", "unit", "standard", "requirement",
    "measured"}``.  The judgements and the conclusion are derived, never typed."""
    report = TestReport.objects.filter(sample=sample, is_retest=is_retest).first()
    if report is not None and report.status == ReportStatus.ISSUED:
        raise ValidationError(f"{'复检' if is_retest else '检验'}报告 {report.report_no} 已签发，不能修改")
    lab = _report_lab(sample, is_retest)
    _require_lab(actor, lab, "录入检验报告")
    report_no = (report_no or "").strip()
    if not report_no:
        raise ValidationError({"report_no": "请填写报告编号"})
    if TestReport.objects.filter(report_no=report_no).exclude(pk=getattr(report, "pk", None)).exists():
        raise ValidationError({"report_no": f"报告编号“{report_no}”已被使用"})
    if tested_on is not None:
        _not_before(tested_on, sample.received_on, "tested_on", "检验日期", "收样日期")
        not_future(actor, tested_on, "tested_on", "检验日期")
        if is_retest:
            _not_before(tested_on, sample.objection.decided_on, "tested_on", "检验日期", "复检受理日期")
    built = build_results(sample, results)
    failing = [r.name for r in built if not r.passed]
    creating = report is None
    report = report or TestReport(sample=sample, is_retest=is_retest)
    report.lab = lab
    report.report_no = report_no
    report.tested_on = tested_on
    report.note = (note or "").strip()
    report.conclusion = Conclusion.FAIL if failing else Conclusion.PASS
    report.failing_items = failing
    report.full_clean(validate_unique=False)
    report.save()
    if not creating:
        report.results.all().delete()
    for result in built:
        result.report = report
        result.save()
    recheck(report, actor, "add" if creating else "change")
    emit("sampling.report_saved", {"sample_no": sample.sample_no, "report_no": report_no, "retest": is_retest,
                                   "conclusion": report.conclusion, "failing_items": failing}, subject=report, region=sample.region)
    return report


@service(event="sampling.report_issued")
def issue_report(*, actor, report: TestReport, on: datetime.date) -> TestReport:
    """Sign the report.  The first round sets the sample's result; a re-test replaces it
    (statistics read ``Sample.conclusion``) and decides the objection: the fee falls on the
    applicant when the re-test confirms the first conclusion, on the organiser when not."""
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(f"报告 {report.report_no} 已签发")
    _require_lab(actor, report.lab, "签发检验报告")
    if not report.results.exists():
        raise ValidationError(f"报告 {report.report_no} 没有检验结果，不能签发")
    sample = report.sample
    _not_before(on, report.tested_on, "issued_on", "签发日期", "检验日期")
    not_future(actor, on, "issued_on", "签发日期")
    _not_before(on, sample.received_on, "issued_on", "签发日期", "收样日期")
    expected = SampleStatus.RETEST if report.is_retest else SampleStatus.RECEIVED
    if sample.status != expected:
        raise ValidationError(f"样品 {sample.sample_no} {sample.get_status_display()}，不能签发该报告")
    report.status = ReportStatus.ISSUED
    report.issued_on = on
    report.save()
    recheck(report, actor, "change")

    sample.conclusion = report.conclusion
    sample.failing_items = list(report.failing_items)
    sample.concluded_on = on
    if report.is_retest:
        objection = sample.objection
        objection.result_changed = report.conclusion != sample.first_conclusion
        objection.fee_bearer = FeeBearer.AUTHORITY if objection.result_changed else FeeBearer.APPLICANT
        objection.status = ObjectionStatus.DECIDED
        objection.save()
        sample.status = SampleStatus.FINAL
        final = True
    else:
        sample.first_conclusion = report.conclusion
        sample.status = SampleStatus.REPORTED
        final = report.conclusion == Conclusion.PASS  # nobody objects to a pass
    sample.save()
    emit("sampling.report_issued", {"sample_no": sample.sample_no, "report_no": report.report_no, "lab": report.lab.name,
                                    "retest": report.is_retest, "conclusion": report.conclusion, "failing_items": list(report.failing_items),
                                    "issued_on": on}, subject=report, enterprise_key=_key(sample.producer) or "", region=sample.region)
    _emit_judged(sample, retest=report.is_retest, final=final)
    return report


# --- notification, objection, re-test ------------------------------------------------------------------


@service(event="sampling.result_notified")
def notify_result(*, actor, sample: Sample, on: datetime.date, method: str) -> Sample:
    """送达: in the enterprise's account or by post the result is served that day; by public
    notice (unreachable enterprise) when the notice period ends (RULE_SAMPLING_NOTICE_DAYS).
    The re-test window counts from the day served."""
    _require_staff(actor, "送达检验结果")
    if method not in NoticeMethod.values:
        raise ValidationError({"notice_method": f"送达方式“{method}”无效，应为：{'、'.join(str(m.label) for m in NoticeMethod)}"})
    if sample.status != SampleStatus.REPORTED:
        raise ValidationError(f"样品 {sample.sample_no} {sample.get_status_display()}，不是待送达的检验结果")
    _not_before(on, sample.concluded_on, "notified_on", "告知日期", "检验结论日期")
    not_future(actor, on, "notified_on", "告知日期")
    recheck(sample, actor, "change")
    sample.notified_on = on
    sample.notice_method = method
    sample.served_on = _date(rules.public_notice_served_on(on)) if method == NoticeMethod.PUBLIC_NOTICE else on
    sample.status = SampleStatus.NOTIFIED if sample.conclusion == Conclusion.FAIL else SampleStatus.FINAL
    sample.save()
    recheck(sample, actor, "change")
    deadline = _retest_deadline(sample) if sample.conclusion == Conclusion.FAIL else None
    emit("sampling.result_notified", {"sample_no": sample.sample_no, "method": method, "notified_on": on, "served_on": sample.served_on,
                                      "conclusion": sample.conclusion, "retest_deadline": deadline},
         subject=sample, enterprise_key=_key(sample.sampled_unit) or _key(sample.producer) or "", region=sample.region)
    return sample


@service(event="sampling.objection_filed")
def file_objection(*, actor, sample: Sample, on: datetime.date, reason: str) -> Objection:
    """复检申请 by the producer or the sampled unit (their accounts, or staff on their behalf),
    within RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL / RULE_SAMPLING_RETEST_WD_FOOD of being
    served; one per sample (the re-test is final)."""
    if Objection.objects.filter(sample=sample).exists():
        raise ValidationError("每个样品只能申请一次复检；复检结论为最终结论")
    if sample.conclusion != Conclusion.FAIL:
        raise ValidationError(f"样品 {sample.sample_no} 的检验结论不是不合格，无需申请复检")
    if sample.status == SampleStatus.REPORTED or sample.served_on is None:
        raise ValidationError(f"样品 {sample.sample_no} 的检验结果尚未送达，暂不能申请复检")
    deadline = _retest_deadline(sample)
    if on > deadline:
        if sample.category and sample.category.is_food:
            period = f"{rules_registry.value('RULE_SAMPLING_RETEST_WD_FOOD', sample.served_on)} 个工作日"
        else:
            period = f"{rules_registry.value('RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL', sample.served_on)} 日"
        raise ValidationError({"filed_on": f"复检申请期限已于 {deadline:%Y-%m-%d} 届满（自 {sample.served_on:%Y-%m-%d} 送达起 {period}），不予受理"})
    if sample.status != SampleStatus.NOTIFIED:
        raise ValidationError(f"样品 {sample.sample_no} 的检验结论已确定（{sample.get_status_display()}），不能申请复检")
    _not_before(on, sample.concluded_on, "filed_on", "申请日期", "检验结论日期")
    not_future(actor, on, "filed_on", "申请日期")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写异议理由"})
    objection = Objection(sample=sample, filed_on=on, filed_by=actor if is_user(actor) else None, deadline=deadline, reason=reason.strip())
    objection.full_clean()
    objection.save()
    recheck(objection, actor, "add")
    emit("sampling.objection_filed", {"sample_no": sample.sample_no, "filed_on": on, "deadline": deadline},
         subject=objection, enterprise_key=_key(sample.producer) or _key(sample.sampled_unit) or "", region=sample.region)
    return objection


@service(event="sampling.objection_decided")
def decide_objection(*, actor, objection: Objection, accept: bool, on: datetime.date, note: str = "", retest_lab=None) -> Objection:
    """Accept (the re-test is done on the reserve sample, at ``retest_lab`` or the same lab —
    which then holds the sample) or reject with a note (the first result becomes final)."""
    _require_staff(actor, "处理复检申请")
    if objection.status != ObjectionStatus.FILED:
        raise ValidationError(f"复检申请{objection.get_status_display()}，不能再处理")
    _not_before(on, objection.filed_on, "decided_on", "处理日期", "申请日期")
    not_future(actor, on, "decided_on", "处理日期")
    sample = objection.sample
    recheck(objection, actor, "change")
    objection.decided_on = on
    objection.decision_note = (note or "").strip()
    if accept:
        if sample.quantity_reserve < 1:
            raise ValidationError(f"样品 {sample.sample_no} 没有备用样品，不能复检")
        lab = retest_lab or sample.lab
        if lab is None:
            raise ValidationError({"retest_lab": "请指定复检机构"})
        _check_lab(lab, sample.category, on, enterprises=(sample.producer, sample.sampled_unit), field="retest_lab")
        objection.status = ObjectionStatus.ACCEPTED
        objection.retest_lab = lab
        sample.lab = lab
        sample.status = SampleStatus.RETEST
    else:
        if not objection.decision_note:
            raise ValidationError({"decision_note": "不予受理的，请填写理由"})
        objection.status = ObjectionStatus.REJECTED
        sample.status = SampleStatus.FINAL
    objection.save()
    sample.save()
    recheck(objection, actor, "change")
    emit("sampling.objection_decided", {"sample_no": sample.sample_no, "accepted": bool(accept), "decided_on": on,
                                        "retest_lab": objection.retest_lab.name if objection.retest_lab else None},
         subject=objection, enterprise_key=_key(sample.producer) or "", region=sample.region)
    if not accept:
        _emit_judged(sample, retest=False, final=True)
    return objection


@service(event="sampling.sample_judged")
def finalise_result(*, actor, sample: Sample, on: datetime.date) -> Sample:
    """A failing first result becomes final once its objection window has passed with no
    objection (emits ``sampling.sample_judged`` with ``final`` true)."""
    _require_staff(actor, "确定检验结论")
    recheck(sample, actor, "change")
    if sample.conclusion != Conclusion.FAIL:
        raise ValidationError(f"样品 {sample.sample_no} 不是待确定的不合格结论")
    _make_final(sample, on)
    recheck(sample, actor, "change")
    return sample


@service(event="sampling.results_finalised")
def finalise_results(*, actor, on: datetime.date) -> list[Sample]:
    """Every failing first result (that the actor may change) whose objection window ended
    before ``on`` without an objection becomes final — the daily job."""
    _require_staff(actor, "确定检验结论")
    candidates = Sample.objects.restrict(actor, "change") if is_user(actor) else Sample.objects.all()
    candidates = candidates.filter(status=SampleStatus.NOTIFIED, conclusion=Conclusion.FAIL, objection__isnull=True).select_related("category")
    done = []
    for sample in candidates:
        deadline = _retest_deadline(sample)
        if deadline is not None and on > deadline:
            _make_final(sample, on)
            done.append(sample)
    emit("sampling.results_finalised", {"on": on, "samples": [s.sample_no for s in done]})
    return done


# --- rectification of failing products ---------------------------------------------------------------


def _local_party(sample: Sample):
    """Who rectifies here: the producer when it is in Shiyan, else the local seller (the
    producer outside Shiyan is referred to its home authority)."""
    if sample.producer is not None and _in_shiyan(sample.producer.region):
        return sample.producer
    if sample.sampled_unit is not None and _in_shiyan(sample.sampled_unit.region):
        return sample.sampled_unit
    return None


def _rect_payload(rect: Rectification, **extra: Any) -> dict[str, Any]:
    return {"sample_no": rect.sample.sample_no, "enterprise": rect.enterprise.search_key, "enterprise_name": rect.enterprise.name,
            "status": rect.status, **extra}


@service(event="sampling.rectification_ordered")
def order_rectification(*, actor, sample: Sample, on: datetime.date) -> Rectification:
    """责令整改 after a final failing result: stop producing/selling at once, correct within
    RULE_SAMPLING_RECTIFY_DAYS, re-check within RULE_SAMPLING_RECHECK_DAYS."""
    _require_staff(actor, "责令整改")
    if Rectification.objects.filter(sample=sample).exists():
        raise ValidationError(f"样品 {sample.sample_no} 已责令整改")
    _not_before(on, sample.concluded_on, "ordered_on", "责令整改日期", "检验结论日期")
    not_future(actor, on, "ordered_on", "责令整改日期")
    _final_failing(sample, on, "责令整改")
    enterprise = _local_party(sample)
    if enterprise is None:
        raise ValidationError(f"样品 {sample.sample_no} 的生产企业和受检单位都不在本市企业名录中，无法责令整改；生产企业在外地的请移送其所在地监管部门")
    correction_due, recheck_due = rules.rectification_dates(on)
    rect = Rectification(sample=sample, enterprise=enterprise, region=enterprise.region, ordered_on=on, stop_sale=True,
                         correction_due=_date(correction_due), recheck_due=_date(recheck_due), status=RectificationStatus.ORDERED)
    rect.full_clean()
    rect.save()
    recheck(rect, actor, "add")
    emit("sampling.rectification_ordered", _rect_payload(rect, ordered_on=on, stop_sale=True, correction_due=rect.correction_due,
                                                         recheck_due=rect.recheck_due),
         subject=rect, enterprise_key=enterprise.search_key, region=rect.region)
    return rect


@service(event="sampling.recheck_recorded")
def record_recheck(*, actor, rectification: Rectification, on: datetime.date, passed: bool) -> Rectification:
    """复查: passed closes the matter; failed must be reported upward and published
    (:func:`publish_recheck_failure`)."""
    _require_staff(actor, "登记复查")
    if rectification.status != RectificationStatus.ORDERED or rectification.rechecked_on is not None:
        raise ValidationError(f"整改（{rectification.sample.sample_no}）{rectification.get_status_display()}，已登记复查")
    _not_before(on, rectification.ordered_on, "rechecked_on", "复查日期", "责令整改日期")
    not_future(actor, on, "rechecked_on", "复查日期")
    recheck(rectification, actor, "change")
    rectification.rechecked_on = on
    rectification.recheck_passed = bool(passed)
    if passed:
        rectification.status = RectificationStatus.PASSED
    rectification.save()
    recheck(rectification, actor, "change")
    emit("sampling.recheck_recorded", _rect_payload(rectification, rechecked_on=on, passed=bool(passed), late=on > rectification.recheck_due),
         subject=rectification, enterprise_key=rectification.enterprise.search_key, region=rectification.region)
    return rectification


@service(event="sampling.recheck_failure_published")
def publish_recheck_failure(*, actor, rectification: Rectification, on: datetime.date) -> Rectification:
    """Publish the failed re-check (reported upward); the second re-check falls 60–90 days
    later (RULE_SAMPLING_SECOND_RECHECK_MIN_DAYS / _MAX_DAYS)."""
    _require_staff(actor, "公告复查不合格")
    if rectification.recheck_passed is not False or rectification.published_on is not None:
        raise ValidationError(f"整改（{rectification.sample.sample_no}）不是复查不合格待公告的状态")
    _not_before(on, rectification.rechecked_on, "published_on", "公告日期", "复查日期")
    not_future(actor, on, "published_on", "公告日期")
    recheck(rectification, actor, "change")
    start, end = rules.second_recheck_window(on)
    rectification.published_on = on
    rectification.second_recheck_from = _date(start)
    rectification.second_recheck_until = _date(end)
    rectification.status = RectificationStatus.PUBLISHED
    rectification.save()
    recheck(rectification, actor, "change")
    emit("sampling.recheck_failure_published", _rect_payload(rectification, published_on=on, second_recheck_from=start, second_recheck_until=end),
         subject=rectification, enterprise_key=rectification.enterprise.search_key, region=rectification.region, is_public=True)
    return rectification


@service(event="sampling.second_recheck_recorded")
def record_second_recheck(*, actor, rectification: Rectification, on: datetime.date, passed: bool) -> Rectification:
    """再次复查, within the window after publication; failing again → suspension (责令停业整顿)."""
    _require_staff(actor, "登记再次复查")
    if rectification.status != RectificationStatus.PUBLISHED or rectification.second_rechecked_on is not None:
        raise ValidationError(f"整改（{rectification.sample.sample_no}）{rectification.get_status_display()}，不是待再次复查的状态")
    not_future(actor, on, "second_rechecked_on", "再次复查日期")
    start, end = rectification.second_recheck_from, rectification.second_recheck_until
    if not start <= on <= end:
        raise ValidationError({"second_rechecked_on": f"再次复查应在公告后 {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 之间进行，{on:%Y-%m-%d} 不在此期间"})
    recheck(rectification, actor, "change")
    rectification.second_rechecked_on = on
    rectification.second_passed = bool(passed)
    if passed:
        rectification.status = RectificationStatus.SECOND_PASSED
    else:
        rectification.status = RectificationStatus.SUSPENDED
        rectification.suspended_on = on
    rectification.save()
    recheck(rectification, actor, "change")
    emit("sampling.second_recheck_recorded", _rect_payload(rectification, second_rechecked_on=on, passed=bool(passed),
                                                           suspended=not passed),
         subject=rectification, enterprise_key=rectification.enterprise.search_key, region=rectification.region, is_public=not passed)
    return rectification


# --- referral to the producer's home authority ---------------------------------------------------------


def _referral_reply_days(on: datetime.date) -> int:
    return int(rules_registry.value(REFERRAL_REPLY_RULE, on))


@service(event="sampling.referral_sent")
def refer_to_home_authority(*, actor, sample: Sample, authority: str, on: datetime.date) -> Referral:
    """异地核查处置: a final failing result of a producer outside Shiyan goes, with its
    documents, to the producer's home authority; the reply is due within 30 days."""
    _require_staff(actor, "移送异地核查处置")
    if Referral.objects.filter(sample=sample).exists():
        raise ValidationError(f"样品 {sample.sample_no} 已移送")
    authority = (authority or "").strip()
    if not authority:
        raise ValidationError({"authority": "请填写生产企业所在地监管部门"})
    if sample.producer is None:
        raise ValidationError({"producer": "标称生产企业未登记在企业名录中；请先登记（所在区划：十堰市外）再移送"})
    if _in_shiyan(sample.producer.region):
        raise ValidationError({"producer": f"生产企业“{sample.producer}”在十堰市内，由本市责令整改，无需异地移送"})
    _not_before(on, sample.concluded_on, "sent_on", "移送日期", "检验结论日期")
    not_future(actor, on, "sent_on", "移送日期")
    _final_failing(sample, on, "移送")
    referral = Referral(sample=sample, region=sample.region, authority=authority, sent_on=on,
                        reply_due=_date(workdays.add_days(on, _referral_reply_days(on))), status=ReferralStatus.SENT)
    referral.full_clean()
    referral.save()
    recheck(referral, actor, "add")
    emit("sampling.referral_sent", {"sample_no": sample.sample_no, "producer": _key(sample.producer), "producer_name": sample.producer_name,
                                    "authority": authority, "sent_on": on, "reply_due": referral.reply_due},
         subject=referral, enterprise_key=_key(sample.producer) or "", region=referral.region)
    return referral


@service(event="sampling.referral_replied")
def record_referral_reply(*, actor, referral: Referral, on: datetime.date, reply: str) -> Referral:
    """The home authority's reply (核查处置情况)."""
    _require_staff(actor, "登记异地核查处置回复")
    if referral.status != ReferralStatus.SENT:
        raise ValidationError(f"移送（{referral.sample.sample_no}）已回复")
    _not_before(on, referral.sent_on, "replied_on", "回复日期", "移送日期")
    not_future(actor, on, "replied_on", "回复日期")
    if not (reply or "").strip():
        raise ValidationError({"reply": "请填写核查处置情况"})
    recheck(referral, actor, "change")
    referral.replied_on = on
    referral.reply = reply.strip()
    referral.status = ReferralStatus.REPLIED
    referral.save()
    recheck(referral, actor, "change")
    emit("sampling.referral_replied", {"sample_no": referral.sample.sample_no, "authority": referral.authority, "replied_on": on,
                                       "late": on > referral.reply_due},
         subject=referral, enterprise_key=_key(referral.sample.producer) or "", region=referral.region)
    return referral
