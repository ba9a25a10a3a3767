"""Importing other authorities' result bulletins (抽查结果公告): ``zhiliang import
sampling-results FILE [--level national|provincial|city|county] [--plan CODE] [--organiser NAME]``.

National, provincial and other bulletins are published as tables whose column names vary
from one authority and one year to the next.  Each header is mapped to one of the columns
below by its name or a known variant (:data:`COLUMNS`; full-width/half-width brackets and
blanks do not matter); a header that matches nothing refuses the whole file, naming it.

* **Producer and sampled unit.**  ``受检单位``/``被抽样单位`` is the *sampled unit* when the table
  also has a producer column (生产企业, 标称生产企业名称 …); without one (factory sampling) it
  *is* the producer.
* **Conclusion.**  合格/符合/P/Pass (and 通过, 符合要求) → pass; 不合格/不符合/F/Fail → fail;
  anything else is that row's error.  不合格项目 ``/``, ``—``, ``无`` mean none; a pass with
  failing items is an error.
* **Dates.**  抽查时间 is required (``2024-03-15``, ``2024/3/15``, ``2024年3月15日``, Excel dates;
  impossible and future dates are errors).  生产日期/批号 keeps its text and, when it is a date,
  also the production date.
* **Producer matching** (never a guess): the code column (统一社会信用代码, or a legacy
  注册号/组织机构代码) against ``Enterprise.uscc`` and ``EnterpriseIdentifier``, then the exact
  name (one enterprise only, and not one with a different USCC).  An unmatched producer
  leaves ``producer`` empty — the row is kept, never dropped — and the result waits on the
  review list (:func:`unmatched_imported`) until staff confirm the producer
  (``services.bulletins.match_imported_sample``).  The producer's county
  (``producer_region``, what the county statistics group by) is the matched enterprise's
  region, else the county named in 标称生产企业地址, else 十堰市外 when that address is outside
  Shiyan.
* **Plan and level.**  Every result belongs to the plan named by ``--plan CODE``, or to a
  closed imported plan per (level, year of 抽查时间, organiser) created on first use
  (``IMP-<level>-<year>-<hash>``).  ``--level`` is required without ``--plan``; the organiser
  is ``--organiser``, the row's 组织机关 column, or by default 国家市场监督管理总局 /
  湖北省市场监督管理局 / 十堰市市场监督管理局 (county level: name the county's bureau).
* **Where.**  The sample's region (who may see it) is the Shiyan county named in
  抽样单位/地区, else the producer's county, else the plan's region.
* **Idempotent.**  The sample number is derived from the row's content (product, model,
  batch, producer, sampled unit, trademark, date, report number): ``IMP-<year>-<sha256…>``.
  Re-importing the same file adds nothing ("unchanged"); a later bulletin correcting the
  conclusion or failing items of the same row updates it; a producer matched since is
  filled in.  The same row under another level is refused.

Imported results are final samples (``status = final``, ``source = imported``): they feed
the 6-month ban (``rules.find_bar``) and the by-level statistics and the county ranking.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy

from zhiliang.core.choices import IdentifierScheme
from zhiliang.core.identity import Identifier, orgcode_from_uscc
from zhiliang.core.models import Region
from zhiliang.core.permissions import restrict
from zhiliang.core.reference_data import CITY_CODE, OUTSIDE_CODE
from zhiliang.core.uscc import validate_uscc
from zhiliang.enterprises.importers import Lookups
from zhiliang.enterprises.models import Enterprise, EnterpriseIdentifier
from zhiliang.exchange.importing import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    Context,
    Importer,
    Option,
    Row,
    RowError,
    register,
)
from zhiliang.exchange.parsing import (
    folded,
    parse_choice,
    parse_date,
    refuse_excel_number,
    split_list,
    text,
)
from zhiliang.exchange.readers import FileError, cell_text, is_empty

from .choices import Conclusion, Level, Place, Source
from .models import Sample, SamplingPlan
from .services import bulletins as services

COLUMNS = [
    Column("row_no", "序号", aliases=("编号", "No.", "No")),
    Column("product_name", "产品名称", required=True, aliases=("样品名称", "产品", "商品名称", "食品名称", "抽检产品名称")),
    Column("trademark", "商标", aliases=("品牌", "商标（品牌）", "商标/品牌")),
    Column("model", "规格型号", aliases=("型号规格", "规格", "型号", "规格/型号", "规格（型号）", "型号/规格")),
    Column("batch", "生产日期/批号", aliases=("生产日期或批号", "生产日期（批号）", "批号/生产日期", "生产日期/批次号", "生产批号", "批号", "批次号")),
    Column("production_date", "生产日期", aliases=("生产（加工）日期", "生产日期（加工日期）")),
    Column("producer", "生产企业", aliases=("标称生产企业名称", "标称生产企业", "生产企业名称", "生产单位", "标称生产者名称", "生产者名称", "生产者")),
    Column("producer_address", "标称生产企业地址", aliases=("生产企业地址", "标称生产者地址", "生产单位地址", "生产者地址")),
    Column("uscc", "统一社会信用代码", aliases=("生产企业统一社会信用代码", "社会信用代码", "统一社会信用代码/注册号", "营业执照号", "注册号", "组织机构代码")),
    Column("sampled_unit", "受检单位", aliases=("被抽样单位", "被抽样单位名称", "受检单位名称", "被抽查单位", "受检企业", "被检单位")),
    Column("sampled_place", "抽样单位/地区", aliases=("抽样地区", "所在地区", "地区", "抽样地点", "被抽样单位所在地", "被抽样单位所在省份", "抽样单位")),
    Column("sampled_on", "抽查时间", required=True, aliases=("抽样日期", "抽样时间", "抽查日期", "抽检日期", "抽检时间")),
    Column("conclusion", "检验结论", required=True, aliases=("检验结果", "抽查结果", "结论", "判定结论", "检测结论", "抽检结果")),
    Column("failing_items", "不合格项目", aliases=("主要不合格项目", "不合格项目名称", "不合格项", "不合格项目（检验结果/标准值）")),
    Column("standard", "执行标准", aliases=("产品标准", "执行标准/技术文件", "产品执行标准", "标准")),
    Column("category", "产品类别", aliases=("类别", "产品种类", "产品类型")),
    Column("place", "抽样环节", aliases=("环节", "抽样场所类型")),
    Column("lab", "承检机构", aliases=("检验机构", "承检单位", "检验单位", "检测机构")),
    Column("report_no", "报告编号", aliases=("检验报告编号", "报告号")),
    Column("organiser", "组织机关", aliases=("任务来源", "组织单位", "抽查组织单位", "组织抽查单位")),
    Column("note", "备注", aliases=("说明",)),
]

PASS_WORDS = {"合格", "符合", "符合要求", "p", "pass", "passed", "通过", "合格品"}
FAIL_WORDS = {"不合格", "不符合", "不符合要求", "f", "fail", "failed", "不通过", "不合格品"}
#: cells that mean "nothing" in published tables
PLACEHOLDERS = {"/", "-", "—", "——", "--", "－", "无", "暂无", "/ /"}
PLACE_ALIASES = {"生产": Place.FACTORY, "工厂": Place.FACTORY, "流通": Place.MARKET, "销售": Place.MARKET, "市场": Place.MARKET,
                 "电商": Place.ONLINE, "电子商务": Place.ONLINE, "网络": Place.ONLINE, "网上": Place.ONLINE, "网购": Place.ONLINE}
DEFAULT_ORGANISERS = {Level.NATIONAL: "国家市场监督管理总局", Level.PROVINCIAL: "湖北省市场监督管理局", Level.CITY: "十堰市市场监督管理局"}
LIMITS = {"product_name": 120, "trademark": 60, "model": 120, "standard": 100, "batch": 60, "producer": 150, "sampled_unit": 150}
_DATE_LIKE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?$")


# --- cell parsers -------------------------------------------------------------------------------


def clean(value: Any) -> str:
    """A cell as text; the placeholders of published tables (``/``, ``—``, ``无``) are empty."""
    raw = text(value)
    return "" if unicodedata.normalize("NFKC", raw).strip() in PLACEHOLDERS else raw


def entity_name(value: Any) -> str:
    """An enterprise name as the registry writes it: no blanks, full-width brackets."""
    return re.sub(r"\s+", "", clean(value)).replace("(", "（").replace(")", "）")


def parse_conclusion(value: Any) -> str:
    raw = folded(value)
    word = re.sub(r"\s+", "", raw).lower()
    if word in PASS_WORDS:
        return Conclusion.PASS
    if word in FAIL_WORDS:
        return Conclusion.FAIL
    raise RowError(f"无法识别的检验结论“{raw}”，可填：合格/不合格、符合/不符合、P/F、Pass/Fail")


def parse_code(value: Any) -> Identifier:
    """The producer's code: an 18-character USCC (validated: the message names the expected
    check character), or a legacy 15-digit 注册号 or 9-character 组织机构代码."""
    refuse_excel_number(value, "生产企业代码")
    raw = folded(value).upper()
    compact = re.sub(r"[\s\-—－]", "", raw)
    if re.fullmatch(r"\d{15}", compact):
        return Identifier(IdentifierScheme.REGNO, compact)
    if len(compact) == 9:
        ident = Identifier(IdentifierScheme.ORGCODE, compact)
        if ident.errors:
            raise RowError(f"组织机构代码“{raw}”无效：{'；'.join(ident.errors)}")
        return ident
    result = validate_uscc(compact)
    if not result.valid:
        raise RowError(f"统一社会信用代码“{result.code}”无效：{result.message}")
    return Identifier(IdentifierScheme.USCC, result.code)


def _same_name(enterprise: Enterprise, name: str) -> bool:
    """Whether ``name`` is the enterprise's name or a former one (full-width brackets and blanks aside)."""
    def norm(value: str) -> str:
        return "".join(unicodedata.normalize("NFKC", value or "").split())

    return norm(name) in {norm(n) for n in (enterprise.name, *(enterprise.former_names or []))}


def content_key(*parts: Any) -> str:
    """What makes two rows the same result: the parts, NFKC-folded, blanks removed, upper case."""
    return "|".join("".join(unicodedata.normalize("NFKC", str(p or "")).split()).upper() for p in parts)


def imported_sample_no(sampled_on: datetime.date, key: str) -> str:
    return f"IMP-{sampled_on:%Y}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:20].upper()}"


# --- the importer ---------------------------------------------------------------------------------


@dataclass
class ResultRow:
    number: int
    data: dict[str, Any]
    plan_code: str
    plan_defaults: dict[str, Any] | None
    source_row: dict[str, Any]
    existing_id: int | None = None
    notes: list[str] = field(default_factory=list)


@register
class SamplingResultImporter(Importer):
    kind = "sampling-results"
    label = "抽查结果公告"
    columns = COLUMNS
    options = (
        Option("level", gettext_lazy("公告的抽查层级（未指定抽查计划时必填）"),
               choices=tuple(Level.values), metavar="LEVEL", label=gettext_lazy("抽查层级"), choice_labels=tuple(lv.label for lv in Level)),
        Option("plan", gettext_lazy("把结果归入这个抽查计划（计划编号）；不指定时按层级、年度和组织机关归入“公告导入”计划"), metavar="CODE",
               label=gettext_lazy("抽查计划编号")),
        Option("organiser", gettext_lazy("组织抽查的机关，如“湖北省市场监督管理局”（县级公告须写明县市区）"), metavar="NAME",
               label=gettext_lazy("组织机关")),
    )
    field_columns: ClassVar[dict[str, str]] = {
        "product_name": "product_name", "trademark": "trademark", "model": "model", "standard": "standard", "batch_no": "batch",
        "production_date": "batch", "producer_name": "producer", "sampled_unit_name": "sampled_unit", "sampled_on": "sampled_on",
        "conclusion": "conclusion", "failing_items": "failing_items",
    }

    def accepted_columns(self) -> str:
        return "；".join(f"{c.label}{'（必填）' if c.required else ''}（或 {'、'.join(c.aliases)}）" if c.aliases else c.label
                        for c in self.columns)

    def check_columns(self, codes: set[str]) -> list[str]:
        if "producer" not in codes and "sampled_unit" not in codes:
            return ["缺少生产企业列：应有“生产企业”（或 标称生产企业名称、生产单位）或“受检单位”（或 被抽样单位）"]
        return []

    # -- per run --

    def begin(self, ctx: Context) -> None:
        ctx.cache["lookups"] = Lookups()
        ctx.cache["matches"] = {}
        ctx.cache["plans"] = {}
        ctx.cache["regions"] = {r.code: r for r in Region.objects.all()}
        code = ctx.options.get("plan")
        level = ctx.options.get("level")
        if code:
            plans = SamplingPlan.objects.all() if ctx.user is None else restrict(SamplingPlan.objects.all(), ctx.user, "view")
            plan = plans.filter(code=code).first()
            if plan is None:
                raise FileError(f"抽查计划“{code}”不存在（或您无权查看）")
            if level and level != plan.level:
                raise FileError(f"--level {level} 与抽查计划“{code}”的层级（{Level(plan.level).label}）不一致")
            ctx.cache["plan"] = plan
            ctx.cache["level"] = plan.level
        elif not level:
            raise FileError("未指明公告的抽查层级：请选择抽查层级（命令行 --level national 国家级、provincial 省级、city 市级、county 县级），"
                            "或指定抽查计划（--plan 计划编号）")
        else:
            ctx.cache["level"] = level

    # -- check one row --

    def prepare(self, row: Row, ctx: Context) -> ResultRow | None:
        lookups: Lookups = ctx.cache["lookups"]
        level = ctx.cache["level"]
        data: dict[str, Any] = {"level": level}

        for code in ("product_name", "trademark", "model", "standard"):
            data[code] = clean(row.get(code))
        if not data["product_name"]:
            row.error("产品名称为空", "product_name")

        producer_column = "producer" if "producer" in row.headers else "sampled_unit"
        producer_name = entity_name(row.get(producer_column))
        sampled_unit = entity_name(row.get("sampled_unit")) if producer_column == "producer" else ""
        if not producer_name:
            row.error("生产企业名称为空（未写明生产企业的结果无法归属，请补全后导入）", producer_column)
        data["producer_name"], data["sampled_unit_name"] = producer_name, sampled_unit
        for code, value in (("producer", producer_name), ("sampled_unit", sampled_unit)):
            if len(value) > LIMITS[code]:
                row.error(f"内容过长（{len(value)} 个字，最多 {LIMITS[code]} 个）", code if code in row.headers else producer_column)
        for code in ("product_name", "trademark", "model", "standard"):
            if len(data[code]) > LIMITS[code]:
                row.error(f"内容过长（{len(data[code])} 个字，最多 {LIMITS[code]} 个）", code)

        sampled_on = row.parse("sampled_on", lambda v: parse_date(v, not_after_today=True))
        if not row.has("sampled_on"):
            row.error("抽查时间为空", "sampled_on")
        conclusion = row.parse("conclusion", parse_conclusion)
        if not row.has("conclusion"):
            row.error("检验结论为空", "conclusion")
        failing = [item for item in split_list(clean(row.get("failing_items"))) if clean(item)]
        if conclusion == Conclusion.PASS and failing:
            row.error(f"检验结论为合格，却填写了不合格项目“{'、'.join(failing)}”", "failing_items")
        data.update(sampled_on=sampled_on, conclusion=conclusion, failing_items=failing)

        batch, production_date = self._batch(row)
        if row.has("production_date"):
            production_date = row.parse("production_date", parse_date) or production_date
            if not batch and production_date:
                batch = production_date.isoformat()
        data["batch_no"], data["production_date"] = batch, production_date

        ident = row.parse("uscc", parse_code) if clean(row.get("uscc")) else None
        data["category"] = lookups.category_by_key.get(_key(clean(row.get("category")))) if clean(row.get("category")) else None
        if clean(row.get("place")):
            data["place"] = row.parse("place", lambda v: parse_choice(v, Place, aliases=PLACE_ALIASES, what="抽样环节"))
        else:
            data["place"] = Place.MARKET if sampled_unit and sampled_unit != producer_name else Place.FACTORY
        if row.errors:
            return None

        producer = self._match(ctx, ident, producer_name)
        if producer is not None and ident is not None and not _same_name(producer, producer_name):
            shown = f"“{producer.name}”" + (f"（曾用名 {'、'.join(producer.former_names)}）" if producer.former_names else "")
            row.warn(f"按代码 {ident.value} 归于登记库中的{shown}，与填写的生产企业名称“{producer_name}”不一致：请核对代码或名称是否填错",
                     "uscc")
        address = clean(row.get("producer_address"))
        address_region = self._address_region(lookups, ctx, address)
        data["producer"] = producer
        data["producer_region"] = producer.region if producer is not None else address_region

        place_text = clean(row.get("sampled_place"))
        unit_from_place, sampled_region = self._sampled_place(lookups, place_text)
        if unit_from_place and not data["sampled_unit_name"] and unit_from_place != producer_name:
            data["sampled_unit_name"] = unit_from_place[: LIMITS["sampled_unit"]]

        plan_code, plan_defaults, plan_region = self._plan(row, ctx, level, sampled_on)
        if plan_code is None:
            return None
        producer_county = data["producer_region"] if _is_county(data["producer_region"]) else None
        data["region"] = sampled_region or producer_county or plan_region
        if place_text and sampled_region is None and data["region"] is not None:
            how = "生产企业所在地" if producer_county else "抽查计划的区划"
            row.warn(f"“{place_text}”中没有本市的县市区：样品按{how}记入“{data['region'].name}”；如有误，请写明县市区（如“某超市（茅箭区）”）",
                     "sampled_place")

        key = content_key(data["product_name"], data["model"], data["batch_no"], producer_name, data["sampled_unit_name"],
                          data["trademark"], sampled_on.isoformat(), clean(row.get("report_no")))
        data["sample_no"] = imported_sample_no(sampled_on, key)
        if data["sample_no"] in ctx.seen:
            row.error(f"与第 {ctx.seen[data['sample_no']]} 行是同一条结果（产品、规格型号、批号、生产企业、抽查时间均相同）", "product_name")
            return None
        ctx.seen[data["sample_no"]] = row.number
        existing = Sample.objects.filter(sample_no=data["sample_no"]).values("pk", "source", "level").first()
        if existing is not None:
            if existing["source"] != Source.IMPORTED:
                row.error(f"样品编号 {data['sample_no']} 已被本系统的样品使用")
                return None
            if existing["level"] != level:
                row.error(f"该结果已按“{Level(existing['level']).label}”导入（样品编号 {data['sample_no']}），"
                          f"本次指定为“{Level(level).label}”：同一结果不能属于两个层级")
                return None

        source_row = {
            "file": ctx.file_name, "sha256": ctx.file_sha256, "row": row.number,
            "cells": {row.headers[c]: cell_text(v) for c, v in row.values.items() if not is_empty(v)},
            "address_region": address_region.code if address_region is not None else "",
            "producer_code": f"{ident.scheme}:{ident.value}" if ident is not None else "",
        }
        return ResultRow(row.number, data, plan_code, plan_defaults, source_row, existing["pk"] if existing else None)

    def _batch(self, row: Row) -> tuple[str, datetime.date | None]:
        value = row.get("batch")
        if isinstance(value, (datetime.date, datetime.datetime)):
            day = value.date() if isinstance(value, datetime.datetime) else value
            return day.isoformat(), day
        batch = clean(value)
        if len(batch) > LIMITS["batch"]:
            row.error(f"内容过长（{len(batch)} 个字，最多 {LIMITS['batch']} 个）", "batch")
            return "", None
        if batch and _DATE_LIKE.match(unicodedata.normalize("NFKC", batch)):
            # a date written as text is the same batch as an Excel date cell: 2026/2/1 and 2026-02-01 are one sample
            day = row.parse("batch", lambda v: parse_date(re.sub(r"\s+", "", folded(v))))
            return (day.isoformat() if day else batch), day
        return batch, None

    def _match(self, ctx: Context, ident: Identifier | None, name: str) -> Enterprise | None:
        """USCC, then legacy identifiers, then the exact name — one enterprise or none."""
        cache = ctx.cache["matches"]
        key = (ident.scheme if ident else "", ident.value if ident else "", name)
        if key in cache:
            return cache[key]
        found = None
        if ident is not None:
            if ident.scheme == IdentifierScheme.USCC:
                found = Enterprise.objects.filter(uscc=ident.value).select_related("region").first()
            if found is None:
                idents = [ident]
                if ident.scheme == IdentifierScheme.USCC:
                    org = orgcode_from_uscc(ident.value)
                    if org.is_valid:
                        idents.append(org)
                for candidate in idents:
                    owners = set(EnterpriseIdentifier.objects.filter(scheme=candidate.scheme, value=candidate.value)
                                 .values_list("enterprise_id", flat=True)[:2])
                    if len(owners) == 1:
                        found = Enterprise.objects.select_related("region").get(pk=owners.pop())
                        break
        if found is None and name:
            names = {name, name.replace("（", "(").replace("）", ")")}
            same = list(Enterprise.objects.filter(name__in=names).select_related("region")[:2])
            if len(same) == 1:
                candidate = same[0]
                given_uscc = ident.value if ident is not None and ident.scheme == IdentifierScheme.USCC else ""
                if not (given_uscc and candidate.uscc and candidate.uscc != given_uscc):
                    found = candidate
        cache[key] = found
        return found

    def _address_region(self, lookups: Lookups, ctx: Context, address: str) -> Region | None:
        if not address:
            return None
        region = lookups.region_from_address(address)
        if region is not None:
            return region
        if "十堰" in address:
            return None  # in Shiyan, county not named
        return ctx.cache["regions"].get(OUTSIDE_CODE)

    def _sampled_place(self, lookups: Lookups, place: str) -> tuple[str, Region | None]:
        """``某超市（茅箭区）`` → (unit, county); ``十堰市茅箭区`` → ("", county)."""
        if not place:
            return "", None
        match = re.match(r"^(.*?)[（(]([^（）()]+)[）)]$", place)
        unit, where = (match.group(1).strip(), match.group(2).strip()) if match else ("", place)
        region = lookups.region_from_address(where)
        if region is None:
            try:
                region = lookups.region(where)
            except RowError:
                region = None
        return unit, region if _is_county(region) else None

    def _plan(self, row: Row, ctx: Context, level: str, sampled_on: datetime.date) -> tuple[str | None, dict | None, Region | None]:
        """(plan code, what to create it with or None when it exists, the plan's region)."""
        if "plan" in ctx.cache:
            plan = ctx.cache["plan"]
            return plan.code, None, plan.region
        organiser = re.sub(r"\s+", "", clean(row.get("organiser")) or ctx.options.get("organiser") or DEFAULT_ORGANISERS.get(level, ""))
        regions = ctx.cache["regions"]
        if level == Level.COUNTY:
            region = ctx.cache["lookups"].region_from_address(organiser) if organiser else None
            if not _is_county(region):
                column = "organiser" if "organiser" in row.headers else None
                row.error("县级抽查结果须写明组织机关所在的县市区（如“竹山县市场监督管理局”）：请在导入页的“组织机关”中填写（命令行 --organiser），或在文件中加“组织机关”列", column)
                return None, None, None
        else:
            region = regions[CITY_CODE]
        code = f"IMP-{level}-{sampled_on:%Y}-{hashlib.sha256(organiser.encode('utf-8')).hexdigest()[:8].upper()}"
        cache = ctx.cache["plans"]
        if code not in cache:
            exists = SamplingPlan.objects.filter(code=code).values_list("region_id", flat=True).first()
            cache[code] = exists is not None
        defaults = None if cache[code] else {"code": code, "level": level, "year": sampled_on.year, "organiser_name": organiser,
                                             "region": region}
        return code, defaults, region

    # -- write one row --

    def write(self, prepared: ResultRow, ctx: Context) -> str:
        data = prepared.data
        # a row checked as new may have been written since by another import of the same file
        current = (Sample.objects.get(pk=prepared.existing_id) if prepared.existing_id is not None
                   else Sample.objects.filter(sample_no=data["sample_no"], source=Source.IMPORTED).first())
        if current is not None and not _differs(current, data):
            return UNCHANGED
        plan = SamplingPlan.objects.filter(code=prepared.plan_code).first()
        if plan is None:
            plan = services.create_imported_plan(actor=ctx.actor, **prepared.plan_defaults)
        fields = {k: v for k, v in data.items() if k in services.IMPORTED_FIELDS}
        _, outcome = services.record_imported_result(actor=ctx.actor, plan=plan, data=fields, source_row=prepared.source_row)
        return CREATED if outcome == "created" else UPDATED

    def permission_message(self, prepared: ResultRow, ctx: Context, exc) -> str:
        region = prepared.data.get("region")
        return f"无权导入该结果：抽样地区“{region}”不在您的管辖范围内，或您的角色无权导入抽查结果（{exc}）"


def _key(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def _is_county(region: Region | None) -> bool:
    return region is not None and region.level in ("county", "zone")


def _differs(sample: Sample, data: dict[str, Any]) -> bool:
    """Would re-importing ``data`` change ``sample``?  (The fields a re-import may correct.)"""
    if sample.conclusion != data["conclusion"] or list(sample.failing_items) != list(data["failing_items"]):
        return True
    if sample.producer_id is None and data.get("producer") is not None:
        return True
    if sample.producer_id is None and (data["producer_region"].pk if data.get("producer_region") else None) != sample.producer_region_id:
        return True
    category = data.get("category")
    if category is not None and category.pk != sample.category_id:
        return True
    return any(data.get(name, "") and data[name] != getattr(sample, name) for name in ("standard", "trademark"))


# --- the review list --------------------------------------------------------------------------------


def unmatched_imported(user=None):
    """导入结果待匹配 — imported results whose producer is not matched, that ``user`` may act
    on (``None``: all).  Staff confirm each with ``services.bulletins.match_imported_sample``."""
    qs = Sample.objects.filter(source=Source.IMPORTED, producer__isnull=True)
    if user is not None:
        qs = restrict(qs, user, "change")
    return qs.select_related("plan", "region", "producer_region").order_by("-sampled_on", "pk")


def header_variants() -> dict[str, list[str]]:
    """Column label → the header variants accepted (for the docs and the import page)."""
    return {c.label: [c.label, *c.aliases] for c in COLUMNS}
