"""The default joint reward and punishment catalogue (联合奖惩措施目录) as data.

Each measure names its domain, cause, legal basis, content, requesting department (the city
market-supervision bureau, which keeps the lists) and executing department — existing codes
of ``core.reference_data.DEPARTMENTS``.  The seed names no 行政审批局 among its departments, so
licensing measures are executed by 市市场监管局 (which issues the quality-related licences); a
deployment re-assigns them in the catalogue page.

Sources cited are only the ones the measures rest on directly:

* 《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第十六条 — the measures
  against entities on the serious-dishonesty list (licences, procurement and bidding as a key
  consideration; more frequent inspection; no promise-based approval; no honours);
* 《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》
  （国发〔2016〕33号） — joint punishment (fiscal funds, honours) and rewards (绿色通道、容缺受理);
* 《中华人民共和国政府采购法》第二十二条 — suppliers without a major violation record;
* 《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》
  （国办发〔2019〕35号） — credit-based supervision;
* 《市场监管总局关于推进企业信用风险分类管理进一步提升监管效能的意见》（国市监信发〔2022〕6号） —
  inspection ratio and frequency by credit-risk class;
* the inter-departmental 联合惩戒合作备忘录 where a measure rests on one.

:func:`install_default_catalogue` adds the measures whose code is not yet in the catalogue
(idempotent: a measure the city admin edited is left as edited).
"""

from __future__ import annotations

from typing import Any

from .choices import MeasureKind, MeasureTrigger

ORDER_44 = "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第十六条"
GUOFA_2016_33 = "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
GUOBAN_2019_35 = "《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》（国办发〔2019〕35号）"
CLASS_2022_6 = "《市场监管总局关于推进企业信用风险分类管理进一步提升监管效能的意见》（国市监信发〔2022〕6号）"
MEMORANDUM = "联合惩戒合作备忘录"

SERIOUS = "被列入市场监督管理严重违法失信名单"
RED = "被列入守信红名单"
CLASS_A = "信用风险分类为A类（信用风险低）"
CLASS_D = "信用风险分类为D类（信用风险高）"

P, R = MeasureKind.PUNISHMENT, MeasureKind.REWARD

#: (code, kind, trigger, domain, cause, legal basis, content, executing department)
MEASURES: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("LHCJ-SL-01", P, MeasureTrigger.SERIOUS_LIST, "政府采购", SERIOUS,
     f"{ORDER_44}第（一）项；《中华人民共和国政府采购法》第二十二条；{MEMORANDUM}",
     "在委托承担政府采购项目时将其列入严重违法失信名单的情况作为重要考量因素，依法限制其参加政府采购活动", "sy-finance"),
    ("LHCJ-SL-02", P, MeasureTrigger.SERIOUS_LIST, "招标投标", SERIOUS,
     f"{ORDER_44}第（一）项；{GUOFA_2016_33}；{MEMORANDUM}",
     "在工程建设项目招标投标活动中作为重要考量因素，依法限制其参与投标", "sy-ggzy"),
    ("LHCJ-SL-03", P, MeasureTrigger.SERIOUS_LIST, "财政补贴", SERIOUS,
     f"{GUOFA_2016_33}；{MEMORANDUM}",
     "依法限制其申请财政性资金项目和政府补贴", "sy-finance"),
    ("LHCJ-SL-04", P, MeasureTrigger.SERIOUS_LIST, "评优评先", SERIOUS,
     f"{ORDER_44}第（四）项；{GUOFA_2016_33}",
     "不予授予荣誉称号等表彰奖励，取消其参加评先评优的资格", "sy-hrss"),
    ("LHCJ-SL-05", P, MeasureTrigger.SERIOUS_LIST, "评优评先", SERIOUS,
     f"{GUOFA_2016_33}；{MEMORANDUM}",
     "不得参加文明单位等精神文明建设评选，已获得的依规处理", "sy-propaganda"),
    ("LHCJ-SL-06", P, MeasureTrigger.SERIOUS_LIST, "行政许可", SERIOUS,
     f"{ORDER_44}第（一）项",
     "在审查行政许可、资质、资格时作为重要考量因素，列为重点审查对象", "sy-amr"),
    ("LHCJ-SL-07", P, MeasureTrigger.SERIOUS_LIST, "日常监管", SERIOUS,
     f"{ORDER_44}第（二）项；{GUOBAN_2019_35}",
     "列为重点监管对象，提高检查频次和“双随机、一公开”抽查比例，依法严格监管", "sy-amr"),
    ("LHCJ-SL-08", P, MeasureTrigger.SERIOUS_LIST, "行政许可", SERIOUS,
     f"{ORDER_44}第（三）项",
     "办理行政许可等事项时不适用告知承诺制", "sy-amr"),
    ("LHJL-RL-01", R, MeasureTrigger.RED_LIST, "行政许可", RED,
     GUOFA_2016_33,
     "办理行政许可时提供“绿色通道”，对非关键材料实行“容缺受理”", "sy-amr"),
    ("LHJL-RL-02", R, MeasureTrigger.RED_LIST, "评优评先", RED,
     GUOFA_2016_33,
     "在评优评先、表彰奖励中同等条件下优先考虑", "sy-hrss"),
    ("LHJL-CA-01", R, MeasureTrigger.CLASS_A, "日常监管", CLASS_A,
     f"{CLASS_2022_6}；{GUOBAN_2019_35}",
     "合理降低“双随机、一公开”抽查比例和频次，无事不扰", "sy-amr"),
    ("LHJL-CA-02", R, MeasureTrigger.CLASS_A, "行政许可", CLASS_A,
     GUOFA_2016_33,
     "办理行政许可时对非关键材料实行“容缺受理”", "sy-amr"),
    ("LHCJ-CD-01", P, MeasureTrigger.CLASS_D, "日常监管", CLASS_D,
     f"{CLASS_2022_6}；{GUOBAN_2019_35}",
     "列为重点监管对象，提高抽查比例和频次，必要时实施全覆盖检查", "sy-amr"),
]

#: the department that keeps the lists and asks the others to act
REQUESTING_DEPARTMENT = "sy-amr"


def default_measures() -> list[dict[str, Any]]:
    """The catalogue as ``save_measure`` keywords (department codes, not rows)."""
    return [
        {"code": code, "kind": kind.value, "trigger": trigger.value, "domain": domain, "cause": cause, "legal_basis": basis,
         "content": content, "requesting_department": REQUESTING_DEPARTMENT, "executing_department": executing, "duration_months": None,
         "is_active": True}
        for code, kind, trigger, domain, cause, basis, content, executing in MEASURES
    ]


def install_default_catalogue(*, actor) -> tuple[int, int]:
    """Add the default measures not yet in the catalogue (by code), through
    ``services.measures.save_measure``; run inside an audit context of ``actor``.  Returns
    ``(added, already there)``."""
    from zhiliang.core.models import Department

    from .models import Measure
    from .services.measures import save_measure

    existing = set(Measure.objects.values_list("code", flat=True))
    departments = {d.code: d for d in Department.objects.filter(code__in={REQUESTING_DEPARTMENT, *(m[7] for m in MEASURES)})}
    added = 0
    for fields in default_measures():
        if fields["code"] in existing:
            continue
        fields["requesting_department"] = departments[fields["requesting_department"]]
        fields["executing_department"] = departments[fields["executing_department"]]
        save_measure(actor=actor, **fields)
        added += 1
    return added, len(MEASURES) - added
