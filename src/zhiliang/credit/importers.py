"""Importing 双公示 records: ``zhiliang import penalties FILE [--source DEPT]`` and
``zhiliang import licences FILE [--source DEPT]`` (also on the exchange import page).

The files follow the national 双公示 data standard (RULES.md "Credit"): the column codes
(``cf_xdr_mc``, ``CF_WSH`` …, ``XK_XDR_MC`` … in any case) or their Chinese names
(行政相对人名称, 统一社会信用代码, 决定书文号, 处罚决定日期 …).  CSV (UTF-8 or GBK), XLSX and JSON
(an array of objects or ``{"data": [...]}``) are read by :mod:`zhiliang.exchange.readers`.

* **Source.**  ``--source DEPT`` (a department code) names the source department of every
  row; without it the row's 数据来源单位统一社会信用代码 (cf_sjlydm / XK_LYDWDM) finds the
  department by its USCC, and 数据来源单位 (cf_sjly / XK_LYDW) is kept as the source name.
  A row with no source at all is an error.
* **Validation** (each error names the row, the column and the reason): required name,
  文号, decision date and authority; a USCC with a wrong check character names the expected
  one (:func:`zhiliang.core.uscc.validate_uscc`); impossible dates (31 Feb), a decision date
  in the future, a decision after the 公示截止期, a licence valid until before it is valid
  from; amounts in 万元 (a negative or non-numeric amount is an error); a natural person
  (类别 自然人) carrying a USCC or an organisation code; a legal entity carrying a personal
  identity number in its code column; the same 文号 twice in one file.
* **Publication** (computed by :func:`zhiliang.credit.services.facts.record_fact`):
  the procedure column (普通程序/简易程序; ordinary when absent — 双公示 lists ordinary-
  procedure decisions) and a 处罚类别 of 警告 only set publishability; 通报批评, or a fine not
  above the threshold of RULE_CREDIT_LOW_FINE_WAN (``rules.low_fine_thresholds``) (with nothing heavier: no confiscation, suspension
  or revocation) sets ``is_criticism_or_low_fine`` (3-month publicity under Order 45);
  severity (轻微/一般/严重) is taken from the file when given.
* **Personal data.**  A natural person's identity number goes to ``person_id_number``,
  a legal representative's to ``legal_rep_id_number`` — neither is ever public, and the
  copy of the row kept in ``received`` has them masked.
* **Idempotent.**  Each row is one fact keyed by (kind, source, 文号): re-importing the same
  file reports every row "unchanged".

:func:`bulk_import_penalties` is the streaming path for large CSV files (``PenaltyImporter.stream``:
the command above 20 MB, an import job from 1 MB): it validates each row as it is read (the
same checks, the common row by the fast checks of :mod:`zhiliang.credit.bulk`), and on
PostgreSQL stages each batch with ``COPY`` and matches and inserts it in one statement — one
transaction, flat memory — producing the same facts as the per-row path, announced by one
``credit.facts_imported`` event instead of one event per fact.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy

from zhiliang.core.identity import (  # noqa: F401 — used here and by bulk, facts_read
    id_check_char,
    looks_like_person_id,
    person_id_problem,
)
from zhiliang.core.models import Department
from zhiliang.core.rules import overrides_read_once
from zhiliang.core.uscc import validate_uscc
from zhiliang.exchange.importing import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    Context,
    Importer,
    Option,
    Report,
    Row,
    RowError,
    register,
)
from zhiliang.exchange.parsing import (
    folded,
    parse_date,
    parse_decimal,
    refuse_excel_number,
    split_list,
    text,
)
from zhiliang.exchange.readers import FileError

from . import rules
from .choices import (
    LONG_TERM,
    LONG_TERM_WORDS,
    FactKind,
    PartyKind,
    Procedure,
    Severity,
)
from .services.facts import _NOT_GIVEN

#: penalty categories a "criticism or low fine" penalty may consist of (anything else is heavier)
LIGHT_CATEGORIES = {"警告", "通报批评", "罚款"}

PARTY_KINDS = {
    "法人及非法人组织": PartyKind.LEGAL_ENTITY, "法人和非法人组织": PartyKind.LEGAL_ENTITY, "法人": PartyKind.LEGAL_ENTITY,
    "非法人组织": PartyKind.LEGAL_ENTITY, "法人或其他组织": PartyKind.LEGAL_ENTITY, "企业": PartyKind.LEGAL_ENTITY,
    "个体工商户": PartyKind.INDIVIDUAL_BUSINESS, "个体户": PartyKind.INDIVIDUAL_BUSINESS,
    "自然人": PartyKind.NATURAL_PERSON, "个人": PartyKind.NATURAL_PERSON,
}
PROCEDURES = {"普通程序": Procedure.ORDINARY, "普通": Procedure.ORDINARY, "一般程序": Procedure.ORDINARY,
              "简易程序": Procedure.SIMPLE, "简易": Procedure.SIMPLE}
SEVERITIES = {"轻微": Severity.MINOR, "轻微失信": Severity.MINOR, "一般": Severity.GENERAL, "一般失信": Severity.GENERAL,
              "严重": Severity.SERIOUS, "严重失信": Severity.SERIOUS, **{s.value: s for s in Severity}}
PLACEHOLDERS = {"/", "-", "—", "——", "--", "－", "无"}

#: legacy entity codes: column suffix → key in ``party_codes``
LEGACY_CODES = {"gszc": "regno", "zzjg": "orgcode", "swdj": "taxno", "sydw": "institution", "shzz": "social_org"}

_YEAR_BRACKETS = re.compile(r"[\[(【〔［]\s*(\d{4})\s*[\])】〕］]")


def document_number(value: str) -> str:
    """A 文号 as one record's key, however it was typed: blanks removed, full-width letters and
    digits folded (NFKC), the year's brackets written 〔〕 (十市监处罚[2026]101号, (2026),
    （２０２６） → 〔2026〕) — the same decision sent twice in two forms is one fact."""
    folded_ = unicodedata.normalize("NFKC", re.sub(r"\s+", "", value))
    return _YEAR_BRACKETS.sub(r"〔\1〕", folded_)


def mask_id(value: str) -> str:
    """All but the last 4 characters masked (RULES.md: personal identity numbers are never public)."""
    return "*" * max(len(value) - 4, 0) + value[-4:] if value else ""


def clean(value: Any) -> str:
    raw = text(value)
    return "" if unicodedata.normalize("NFKC", raw).strip() in PLACEHOLDERS else raw


def code_text(value: Any) -> str:
    return re.sub(r"[\s\-—－]", "", folded(value)).upper()


def entity_name(value: Any) -> str:
    return re.sub(r"\s+", "", clean(value)).replace("(", "（").replace(")", "）")


# --- the two layouts ------------------------------------------------------------------------------


def _party_columns(p: str) -> list[Column]:
    """The 行政相对人 columns shared by both layouts (``p`` = ``cf`` or ``xk``)."""
    fr_id = "cf_fr_sfzh" if p == "cf" else "xk_fr_zjhm"
    return [
        Column(f"{p}_xdr_mc", "行政相对人名称", required=True, aliases=("相对人名称", "当事人名称", "当事人")),
        Column(f"{p}_xdr_lb", "行政相对人类别", aliases=("相对人类别", "当事人类别")),
        Column(f"{p}_xdr_shxym", "统一社会信用代码", aliases=("行政相对人代码_1（统一社会信用代码）", "行政相对人代码_1", "社会信用代码")),
        Column(f"{p}_xdr_gszc", "工商注册号", aliases=("行政相对人代码_2（工商注册号）", "行政相对人代码_2", "注册号")),
        Column(f"{p}_xdr_zzjg", "组织机构代码", aliases=("行政相对人代码_3（组织机构代码）", "行政相对人代码_3")),
        Column(f"{p}_xdr_swdj", "税务登记号", aliases=("行政相对人代码_4（税务登记号）", "行政相对人代码_4")),
        Column(f"{p}_xdr_sydw", "事业单位证书号", aliases=("行政相对人代码_5（事业单位证书号）", "行政相对人代码_5")),
        Column(f"{p}_xdr_shzz", "社会组织登记证号", aliases=("行政相对人代码_6（社会组织登记证号）", "行政相对人代码_6")),
        Column(f"{p}_frdb", "法定代表人", aliases=("法定代表人（负责人）", "负责人")),
        Column(f"{p}_fr_zjlx", "法定代表人证件类型"),
        Column(fr_id, "法定代表人证件号码", aliases=("法定代表人身份证号", "cf_fr_zjhm" if p == "cf" else "xk_fr_sfzh")),
        Column(f"{p}_xdr_zjlx", "证件类型", aliases=("行政相对人证件类型",)),
        Column(f"{p}_xdr_zjhm", "证件号码", aliases=("行政相对人证件号码", "身份证号码", "身份证号")),
    ]


PENALTY_COLUMNS = [
    *_party_columns("cf"),
    Column("cf_wsh", "行政处罚决定书文号", required=True, aliases=("决定书文号", "处罚决定书文号", "文号")),
    Column("cf_wfxw", "违法行为类型", aliases=("违法行为",)),
    Column("cf_sy", "违法事实", aliases=("处罚事由",)),
    Column("cf_yj", "处罚依据", aliases=("依据",)),
    Column("cf_cflb", "处罚类别", aliases=("处罚种类",)),
    Column("cf_nr", "处罚内容", aliases=("内容",)),
    # amounts are in 万元 (the national layout); a column named in 元 is converted (``_amount``)
    Column("cf_nr_fk", "罚款金额（万元）", aliases=("罚款金额", "罚款（万元）", "罚款", "罚款金额（元）", "罚款（元）")),
    Column("cf_nr_wfff", "没收违法所得、没收非法财物的金额（万元）", aliases=("没收金额（万元）", "没收违法所得（万元）", "没收金额", "没收（万元）",
                                                                "没收违法所得、没收非法财物的金额（元）", "没收金额（元）", "没收违法所得（元）")),
    Column("cf_nr_zkdx", "暂扣或吊销证照名称及编号", aliases=("暂扣或吊销证照", "暂扣/吊销证照")),
    Column("cf_jdrq", "处罚决定日期", required=True, aliases=("决定日期", "作出处罚决定日期", "处罚日期")),
    Column("cf_yxq", "处罚有效期", aliases=("有效期",)),
    Column("cf_gsjzq", "公示截止期", aliases=("公示截止日期",)),
    Column("cf_cfjg", "处罚机关", required=True, aliases=("决定机关", "处罚机关名称")),
    Column("cf_cfjgdm", "处罚机关统一社会信用代码", aliases=("处罚机关代码",)),
    Column("cf_sjly", "数据来源单位", aliases=("来源单位",)),
    Column("cf_sjlydm", "数据来源单位统一社会信用代码", aliases=("来源单位统一社会信用代码",)),
    Column("cf_cfcx", "处罚程序", aliases=("程序", "适用程序")),
    Column("cf_yzcd", "严重程度", aliases=("失信严重程度", "失信程度")),
    Column("cf_gsrq", "公示日期"),
    Column("bz", "备注"),
]

LICENCE_COLUMNS = [
    *_party_columns("xk"),
    Column("xk_xkws", "行政许可决定文书名称", aliases=("许可决定文书名称", "文书名称")),
    Column("xk_wsh", "行政许可决定文书号", required=True, aliases=("许可决定文书号", "决定文书号", "决定书文号", "文号")),
    Column("xk_xklb", "许可类别", aliases=("许可类型",)),
    Column("xk_xkzs", "许可证书名称", aliases=("证书名称",)),
    Column("xk_xkbh", "许可编号", aliases=("许可证编号", "证书编号")),
    Column("xk_nr", "许可内容", aliases=("内容",)),
    Column("xk_jdrq", "许可决定日期", required=True, aliases=("决定日期",)),
    Column("xk_yxqz", "有效期自", aliases=("有效期起",)),
    Column("xk_yxqzi", "有效期至", aliases=("有效期止",)),
    Column("xk_xkjg", "许可机关", required=True, aliases=("xk_fzjg", "发证机关", "决定机关")),
    Column("xk_xkjgdm", "许可机关统一社会信用代码", aliases=("xk_fzjgdm", "发证机关统一社会信用代码", "许可机关代码")),
    Column("xk_zt", "当前状态", aliases=("状态",)),
    Column("xk_lydw", "数据来源单位", aliases=("来源单位", "xk_sjly")),
    Column("xk_lydwdm", "数据来源单位统一社会信用代码", aliases=("来源单位统一社会信用代码", "xk_sjlydm")),
    Column("xk_gsrq", "公示日期"),
    Column("bz", "备注"),
]


@dataclass
class FactRow:
    """One checked row: what :func:`record_fact` is called with."""

    number: int
    source_record_id: str
    party_name: str
    source_department: Department | None
    source_name: str
    source_code: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    #: checked by ``prepare`` itself (not the bulk path's fast checks)
    slow: bool = False


def _may_import_for(actor, source) -> None:
    """A 双公示 file is its department's: said once for the file, not as an error on each row."""
    from zhiliang.core.choices import Role
    from zhiliang.core.permissions import codename, has_perm, memberships

    from .models import CreditFact

    if not getattr(actor, "is_authenticated", False) or actor.is_superuser:
        return
    if not has_perm(actor, codename(CreditFact, "add")):
        raise FileError("您的角色无权导入信用信息：双公示数据由来源部门的工作人员导入")
    if source is None:
        return
    mine = memberships(actor)
    if any(m.role.name == Role.CITY_ADMIN for m in mine):
        return
    own = [m.department for m in mine if m.department_id]
    if not any(source.pk in d.lineage_ids() for d in own):
        names = "、".join(d.name for d in own) or "无"
        raise FileError(f"只能导入本部门的数据：来源部门“{source.name}”不是您的部门（您的部门：{names}）")


class _DoubleImporter(Importer):
    """What both 双公示 layouts share: source, party, codes, dates, authority."""

    def permitted(self, user) -> bool:
        from zhiliang.core.permissions import codename, has_perm

        from .models import CreditFact

        return has_perm(user, codename(CreditFact, "add"))

    fact_kind: ClassVar[str]
    prefix: ClassVar[str]
    #: logical field → column code
    cols: ClassVar[dict[str, str]]
    options = (
        Option("source", gettext_lazy("来源部门代码（如 sy-amr）：这些记录由哪个部门提供；不指定时按文件中的“数据来源单位”"), metavar="DEPT",
               label=gettext_lazy("来源部门代码")),
    )

    def accepted_columns(self) -> str:
        return "；".join(f"{c.code}（{c.label}{'，必填' if c.required else ''}）" for c in self.columns)

    def begin(self, ctx: Context) -> None:
        departments = list(Department.objects.all())
        ctx.cache["dept_by_uscc"] = {d.uscc.upper(): d for d in departments if d.uscc}
        ctx.cache["dept_by_name"] = {d.name: d for d in departments}
        code = ctx.options.get("source")
        ctx.cache["source"] = None
        if code:
            department = next((d for d in departments if d.code == code), None)
            if department is None:
                raise FileError(f"来源部门“{code}”不存在：--source 应为部门代码（如 sy-amr）")
            ctx.cache["source"] = department
        #: the source and its predecessors: rows may name any of them (read here: the checks may run in a thread)
        ctx.cache["source_lineage"] = set(ctx.cache["source"].lineage_ids()) if ctx.cache["source"] else set()
        _may_import_for(ctx.actor, ctx.cache["source"])
        ctx.cache["today"] = _today()
        #: RULE_CREDIT_LOW_FINE_WAN read once per file (a query per row would cost more than the row)
        ctx.cache["low_fine"] = rules.low_fine_thresholds()

    # -- one row --

    def prepare(self, row: Row, ctx: Context) -> FactRow | None:
        c = self.cols
        today = ctx.cache["today"]
        name = entity_name(row.get(c["name"]))
        if not name:
            row.error("行政相对人名称为空", c["name"])
        record_id = document_number(clean(row.get(c["number"])))
        if not record_id:
            row.error(f"{self._number_label}为空", c["number"])
        decided_on = self._date(row, c["decided_on"], not_after=today)
        if not row.has(c["decided_on"]):
            row.error("决定日期为空", c["decided_on"])
        authority = re.sub(r"\s+", "", clean(row.get(c["authority"])))
        if not authority:
            row.error(f"{'处罚' if self.fact_kind == FactKind.PENALTY else '许可'}机关为空", c["authority"])
        fields: dict[str, Any] = {"decision_no": record_id, "decided_on": decided_on, "authority": authority}
        fields["authority_code"] = self._uscc(row, c["authority_code"], "机关的统一社会信用代码") or ""

        party_kind = self._party(row, fields)
        self._codes(row, party_kind, fields)
        department, source_name, source_code = self._source(row, ctx)
        if row.has(c["published_on"]):
            fields["published_on"] = self._date(row, c["published_on"], not_after=today)
        self._specific(row, ctx, fields, party_kind)
        fields["received"] = self._received(row)

        if record_id:
            key = (department.code if department else (source_code or source_name), record_id)
            first = ctx.seen.setdefault(key, row.number)
            if first != row.number:
                row.error(f"{self._number_label}“{record_id}”与第 {first} 行重复（同一来源的同一文书只能有一条）", c["number"])
        if row.errors:
            return None
        return FactRow(row.number, record_id, name, department, source_name, source_code, fields)

    _number_label = "决定书文号"

    def _date(self, row: Row, code: str, *, not_after: datetime.date | None = None, long_term: bool = False) -> datetime.date | None:
        """The date in column ``code``; with ``long_term`` (an 有效期至) the word 长期 and its
        kin read as the standard's 2099-12-31."""
        label = row.headers.get(code, code)
        parser = _until_date if long_term else parse_date
        day = row.parse(code, lambda v: _labelled(parser, v, label))
        if day is not None and not_after is not None and day > not_after:
            row.error(f"{label} {day.isoformat()} 晚于今天", code)
            return None
        return day

    def _uscc(self, row: Row, code: str, what: str) -> str | None:
        if not row.has(code):
            return None
        raw = code_text(row.get(code))
        if raw in PLACEHOLDERS or not raw:
            return None
        if mangled(row, code, what):
            return None
        result = validate_uscc(raw)
        if not result.valid:
            row.error(f"{what}“{result.code}”无效：{result.message}", code)
            return None
        return result.code

    def _party(self, row: Row, fields: dict[str, Any]) -> str:
        c = self.cols
        raw = re.sub(r"\s+", "", folded(row.get(c["party_kind"], "")))
        if not raw:
            party_kind = PartyKind.LEGAL_ENTITY
        elif raw in PARTY_KINDS:
            party_kind = PARTY_KINDS[raw]
        elif raw in PartyKind.values:
            party_kind = PartyKind(raw)
        else:
            row.error(f"无法识别的行政相对人类别“{raw}”，可填：法人及非法人组织、个体工商户、自然人", c["party_kind"])
            party_kind = PartyKind.LEGAL_ENTITY
        fields["party_kind"] = party_kind
        fields["legal_rep_name"] = re.sub(r"\s+", "", clean(row.get(c["rep_name"])))
        fields["legal_rep_id_type"] = clean(row.get(c["rep_id_type"]))
        fields["legal_rep_id_number"] = code_text(row.get(c["rep_id"])) if clean(row.get(c["rep_id"])) else ""
        fields["person_id_type"] = clean(row.get(c["id_type"]))
        fields["person_id_number"] = code_text(row.get(c["id_number"])) if clean(row.get(c["id_number"])) else ""
        for type_field, number_field, code in (("legal_rep_id_type", "legal_rep_id_number", c["rep_id"]),
                                               ("person_id_type", "person_id_number", c["id_number"])):
            if fields[number_field] and mangled(row, code, "证件号码", personal=True):
                continue
            problem = person_id_problem(fields[type_field], fields[number_field])
            if problem:
                row.error(f"{row.headers.get(code, code)}：{problem}", code)
        return party_kind

    def _codes(self, row: Row, party_kind: str, fields: dict[str, Any]) -> None:
        c = self.cols
        uscc_code = c["uscc"]
        legacy = {key: f"{self.prefix}_xdr_{suffix}" for suffix, key in LEGACY_CODES.items()}
        if party_kind == PartyKind.NATURAL_PERSON:
            given = [code for code in (uscc_code, *legacy.values()) if row.has(code) and clean(row.get(code))]
            if given:  # the column named is the first one filled in (the organisation code when only it is)
                row.error("行政相对人类别为自然人，不应填写统一社会信用代码或组织机构代码等单位代码（"
                          f"{'、'.join(row.headers[code] for code in given)}）；自然人的身份证号请填在“证件号码”列", given[0])
            if not fields["person_id_number"] and fields["legal_rep_id_number"]:
                fields["person_id_number"], fields["person_id_type"] = fields["legal_rep_id_number"], fields["legal_rep_id_type"]
            fields["party_uscc"], fields["party_codes"] = "", {}
            return
        raw = code_text(row.get(uscc_code)) if clean(row.get(uscc_code)) else ""
        if raw and looks_like_person_id(raw):
            row.error(f"“{row.headers[uscc_code]}”填写的是个人身份证号码，不是单位代码：法人及非法人组织应填写统一社会信用代码"
                      "（个人身份证号请填在“法定代表人证件号码”列）", uscc_code)
            fields["party_uscc"] = ""
        else:
            fields["party_uscc"] = self._uscc(row, uscc_code, "统一社会信用代码") or ""
        codes = {}
        for key, code in legacy.items():
            value = code_text(row.get(code)) if clean(row.get(code)) else ""
            if not value:
                continue
            if party_kind == PartyKind.LEGAL_ENTITY and looks_like_person_id(value):
                row.error(f"“{row.headers[code]}”填写的是个人身份证号码，不是单位代码", code)
                continue
            if mangled(row, code, row.headers.get(code, "代码")):
                continue
            codes[key] = value
        fields["party_codes"] = codes
        if party_kind == PartyKind.LEGAL_ENTITY and fields["person_id_number"]:
            row.error("法人及非法人组织不应填写个人证件号码（“证件号码”列）；法定代表人的证件号码请填在“法定代表人证件号码”列",
                      c["id_number"])

    def _source(self, row: Row, ctx: Context) -> tuple[Department | None, str, str]:
        """(source department, source name, source unit's USCC): ``--source``, else the
        department whose USCC or name the row's 数据来源单位 columns give, else those columns."""
        c = self.cols
        name = re.sub(r"\s+", "", clean(row.get(c["source_name"])))
        code = self._uscc(row, c["source_code"], "数据来源单位统一社会信用代码")
        named = ctx.cache["dept_by_uscc"].get(code) if code else None
        named = named or ctx.cache["dept_by_name"].get(name)
        if ctx.cache["source"] is not None:
            department = ctx.cache["source"]
            if named is not None and named.pk not in ctx.cache["source_lineage"]:
                # another department's record: it would be filed as the uploader's own (and duplicated when its owner imports it)
                row.error(f"数据来源单位“{named.name}”不是导入时指定的来源部门“{department.name}”：只能导入本部门的数据，"
                          "其他部门的记录由该部门导入", c["source_name"] if name else c["source_code"])
            return department, name or department.name, code or ""
        department = named
        if department is None and not name and not code:
            row.error("未指明数据来源单位：请填写“数据来源单位”列，或导入时指定来源部门（--source 部门代码）", c["source_name"])
        return department, name or (department.name if department else ""), code or ""

    def _received(self, row: Row) -> dict[str, str]:
        """The row as received (column code → text), identity numbers masked."""
        personal = {self.cols["rep_id"], self.cols["id_number"]}
        out = {}
        for code in row.headers:
            value = text(row.values.get(code))
            if value:
                out[code] = mask_id(value) if code in personal else value
        return out

    def _specific(self, row: Row, ctx: Context, fields: dict[str, Any], party_kind: str) -> None:
        raise NotImplementedError

    # -- write --

    def write(self, prepared: FactRow, ctx: Context) -> str:
        from .services.facts import record_fact

        _, outcome = record_fact(actor=ctx.actor, kind=self.fact_kind, source_record_id=prepared.source_record_id,
                                 party_name=prepared.party_name, source_department=prepared.source_department,
                                 source_name=prepared.source_name, source_code=prepared.source_code, **prepared.fields)
        return {"created": CREATED, "updated": UPDATED}.get(outcome, UNCHANGED)


def mangled(row: Row, code: str, what: str, *, personal: bool = False) -> bool:
    """Whether the cell ``code`` holds a number Excel mangled (an error on ``code``)."""
    try:
        refuse_excel_number(row.get(code), what, personal=personal)
    except RowError as exc:
        row.error(exc.message, code)
        return True
    return False


def _until_date(value) -> datetime.date:
    if isinstance(value, str) and re.sub(r"\s+", "", folded(value)) in LONG_TERM_WORDS:
        return LONG_TERM
    return parse_date(value)


def _labelled(parser, value, label):
    try:
        return parser(value)
    except RowError as exc:
        raise RowError(f"{label}：{exc.message}") from None


#: an amount of at least this many 万元 in a column whose name gives no unit is written with a
#: reminder to check it: 1 000 万元 is ten million 元 — a fine of 1 000 元 to 10 000 元 typed in 元
#: reads as 1 000 to 10 000 万元
AMOUNT_CHECK_WAN = Decimal(1000)
_YUAN_PER_WAN = Decimal(10000)
_IN_YUAN = re.compile(r"\(\s*元\s*\)$")


def amount_unit(header: str) -> str:
    """What a column's name says of its amounts: ``"wan"`` (万元), ``"yuan"`` (“罚款金额（元）”) or ``""``."""
    name = unicodedata.normalize("NFKC", header).strip()
    return "wan" if "万元" in name else "yuan" if _IN_YUAN.search(name) else ""


_CELL_UNIT = re.compile(r"(万元|万|元)$")


def _amount(row: Row, code: str) -> Decimal | None:
    """An amount in 万元.  A unit written in the cell wins (“3万元”, “3万”, “30000元”); else the
    column's name says it (a column named in 元 is converted); a very large amount in a column
    that names no unit is written with a reminder (it may have been typed in 元)."""
    label = row.headers.get(code, code)
    if not row.has(code):
        return None
    raw = folded(row.values[code]).replace(",", "").replace("，", "")
    written = _CELL_UNIT.search(raw)
    unit = ("yuan" if written.group(1) == "元" else "wan") if written else amount_unit(label)
    if unit == "yuan":
        yuan = row.parse(code, lambda v: _labelled(lambda x: parse_decimal(_CELL_UNIT.sub("", raw), places=2), v, label))
        return None if yuan is None else (yuan / _YUAN_PER_WAN).quantize(Decimal("0.000001"))
    value = row.parse(code, lambda v: _labelled(lambda x: parse_decimal(_CELL_UNIT.sub("", raw), places=6), v,
                                                label if "万元" in label else f"{label}（万元）"))
    if value is not None and not unit and value >= AMOUNT_CHECK_WAN:
        plain = format(value.normalize(), "f")
        yi = f"（即 {format((value / _YUAN_PER_WAN).normalize(), 'f')} 亿元）" if value >= _YUAN_PER_WAN else ""
        row.warn(f"{label}为 {plain} 万元{yi}，数额异常大：双公示标准的金额以万元为单位，请核对是否误按元填写；"
                 f"按元填写的列，请把列名改为“{label}（元）”后重新导入", code)
    return value


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


@register
class PenaltyImporter(_DoubleImporter):
    kind = "penalties"
    label = "行政处罚（双公示）"

    @staticmethod
    def stream(path, *, actor, dry_run: bool = False, good_rows: bool = False, options: dict | None = None, file_name: str = "",
               progress=None) -> Report:
        return bulk_import_penalties(path, actor=actor, source=(options or {}).get("source"), good_rows=good_rows, dry_run=dry_run,
                                     file_name=file_name, progress=progress)

    fact_kind = FactKind.PENALTY
    prefix = "cf"
    columns = PENALTY_COLUMNS
    cols: ClassVar[dict[str, str]] = {
        "name": "cf_xdr_mc", "party_kind": "cf_xdr_lb", "uscc": "cf_xdr_shxym", "rep_name": "cf_frdb", "rep_id_type": "cf_fr_zjlx",
        "rep_id": "cf_fr_sfzh", "id_type": "cf_xdr_zjlx", "id_number": "cf_xdr_zjhm", "number": "cf_wsh", "decided_on": "cf_jdrq",
        "authority": "cf_cfjg", "authority_code": "cf_cfjgdm", "source_name": "cf_sjly", "source_code": "cf_sjlydm",
        "published_on": "cf_gsrq",
    }
    field_columns: ClassVar[dict[str, str]] = {
        "party_name": "cf_xdr_mc", "party_uscc": "cf_xdr_shxym", "decision_no": "cf_wsh", "source_record_id": "cf_wsh",
        "decided_on": "cf_jdrq", "authority": "cf_cfjg", "fine_wan": "cf_nr_fk", "confiscated_wan": "cf_nr_wfff",
        "valid_until": "cf_yxq", "person_id_number": "cf_xdr_zjhm", "legal_rep_id_number": "cf_fr_sfzh",
    }

    def _specific(self, row: Row, ctx: Context, fields: dict[str, Any], party_kind: str) -> None:
        fields["title"] = clean(row.get("cf_wfxw"))[:200]
        fields["content"] = "\n".join(p for p in (clean(row.get("cf_sy")), clean(row.get("cf_nr"))) if p)
        fields["legal_basis"] = clean(row.get("cf_yj"))
        fields["licence_action"] = clean(row.get("cf_nr_zkdx"))[:200]
        fine = _amount(row, "cf_nr_fk")
        confiscated = _amount(row, "cf_nr_wfff")
        fields["fine_wan"], fields["confiscated_wan"] = fine, confiscated
        decided_on = fields["decided_on"]
        valid_until = self._date(row, "cf_yxq", long_term=True)
        ends = self._date(row, "cf_gsjzq")
        if decided_on and ends and ends < decided_on:
            row.error(f"处罚决定日期 {decided_on.isoformat()} 晚于公示截止期 {ends.isoformat()}", "cf_gsjzq")
        if decided_on and valid_until and valid_until < decided_on:
            row.error(f"处罚有效期 {valid_until.isoformat()} 早于处罚决定日期 {decided_on.isoformat()}", "cf_yxq")
        fields["valid_until"] = valid_until

        raw = re.sub(r"\s+", "", folded(row.get("cf_cfcx", "")))
        if not raw or raw in PROCEDURES:
            fields["procedure"] = PROCEDURES.get(raw, Procedure.ORDINARY)
        else:
            row.error(f"无法识别的处罚程序“{raw}”，可填：普通程序、简易程序", "cf_cfcx")
        categories = {re.sub(r"(处罚)?$", "", c) for c in split_list(row.get("cf_cflb", ""))}
        categories = {"罚款" if c.startswith("罚款") else c for c in categories}
        if fine and fine > 0:
            categories.add("罚款")
        fields["is_warning_only"] = categories == {"警告"}
        threshold = ctx.cache["low_fine"](party_kind, fields.get("decided_on"))
        light = categories <= LIGHT_CATEGORIES and not confiscated and not fields["licence_action"]
        fields["is_criticism_or_low_fine"] = bool(categories) and light and (
            "通报批评" in categories or ("罚款" in categories and fine is not None and fine <= threshold))
        raw = re.sub(r"\s+", "", folded(row.get("cf_yzcd", "")))
        if raw:
            if raw in SEVERITIES:
                fields["severity"] = SEVERITIES[raw]
            else:
                row.error(f"无法识别的严重程度“{raw}”，可填：轻微、一般、严重", "cf_yzcd")


@register
class LicenceImporter(_DoubleImporter):
    kind = "licences"
    label = "行政许可（双公示）"
    fact_kind = FactKind.LICENCE
    prefix = "xk"
    columns = LICENCE_COLUMNS
    _number_label = "行政许可决定文书号"
    cols: ClassVar[dict[str, str]] = {
        "name": "xk_xdr_mc", "party_kind": "xk_xdr_lb", "uscc": "xk_xdr_shxym", "rep_name": "xk_frdb", "rep_id_type": "xk_fr_zjlx",
        "rep_id": "xk_fr_zjhm", "id_type": "xk_xdr_zjlx", "id_number": "xk_xdr_zjhm", "number": "xk_wsh", "decided_on": "xk_jdrq",
        "authority": "xk_xkjg", "authority_code": "xk_xkjgdm", "source_name": "xk_lydw", "source_code": "xk_lydwdm",
        "published_on": "xk_gsrq",
    }
    field_columns: ClassVar[dict[str, str]] = {
        "party_name": "xk_xdr_mc", "party_uscc": "xk_xdr_shxym", "decision_no": "xk_wsh", "source_record_id": "xk_wsh",
        "decided_on": "xk_jdrq", "authority": "xk_xkjg", "valid_from": "xk_yxqz", "valid_until": "xk_yxqzi",
        "person_id_number": "xk_xdr_zjhm", "legal_rep_id_number": "xk_fr_zjhm",
    }

    def _specific(self, row: Row, ctx: Context, fields: dict[str, Any], party_kind: str) -> None:
        certificate = clean(row.get("xk_xkzs"))
        number = clean(row.get("xk_xkbh"))
        fields["title"] = (certificate or clean(row.get("xk_xkws")) or clean(row.get("xk_xklb")))[:200]
        fields["content"] = "\n".join(p for p in (clean(row.get("xk_nr")), f"许可编号：{number}" if number else "") if p)
        valid_from = self._date(row, "xk_yxqz")
        valid_until = self._date(row, "xk_yxqzi", long_term=True)
        if valid_from and valid_until and valid_until < valid_from:
            row.error(f"有效期至 {valid_until.isoformat()} 早于有效期自 {valid_from.isoformat()}", "xk_yxqzi")
        fields["valid_from"], fields["valid_until"] = valid_from, valid_until


def header_variants(kind: str) -> dict[str, list[str]]:
    """Column label → accepted headers (code and Chinese names) for ``penalties`` or ``licences``."""
    columns = PENALTY_COLUMNS if kind == "penalties" else LICENCE_COLUMNS
    return {c.label: [c.code, c.label, *c.aliases] for c in columns}


# --- the bulk path (very large CSV files) ---------------------------------------------------------------


#: row errors a streamed import keeps in its report (the count is always complete)
MAX_BULK_ERRORS = 1000


class _Lines:
    """A file's lines, each decoded as it is read (a stray byte is reported at its line;
    neither UTF-8 nor GB18030 has a byte 0x0A inside a character)."""

    def __init__(self, path, encoding: str):
        self.file, self.encoding, self.line, self.read = open(path, "rb"), encoding, 0, 0  # noqa: SIM115 — closed by __exit__
        self.size = os.fstat(self.file.fileno()).st_size

    def __iter__(self):
        for raw in self.file:
            self.line += 1
            self.read += len(raw)
            yield raw.decode(self.encoding)

    def estimated_lines(self) -> int:
        """The file's lines, estimated from the lines read so far (exact at the end)."""
        return round(self.line * self.size / self.read) if self.read else 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _open_text(path) -> tuple[_Lines, str]:
    """The CSV file's lines: UTF-8 (BOM or not), else GB18030 — decided on the first megabyte,
    then decoded while streaming."""
    with open(path, "rb") as f:
        head = f.read(1 << 20)
    if head.startswith(b"\xef\xbb\xbf"):
        return _Lines(path, "utf-8-sig"), "UTF-8（带 BOM）"
    try:
        head.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        encoding = "utf-8" if exc.start >= len(head) - 3 else "gb18030"  # a character cut at the end of the sample
    return _Lines(path, encoding), "UTF-8" if encoding == "utf-8" else "GB18030（兼容 GBK/GB2312）"


@overrides_read_once()  # the rules in force are read once per file, not per row
def bulk_import_penalties(path, *, actor, source: str | None = None, good_rows: bool = False, dry_run: bool = False,
                          batch_size: int = 5000, file_name: str = "", progress=None) -> Report:
    """Import a (very large) 双公示 penalty CSV while streaming it, with flat memory.

    The same checks as ``zhiliang import penalties`` run on each row as it is read — the common
    row by :class:`zhiliang.credit.bulk.FastPenaltyRows` (same results, low-cardinality cells
    remembered), any other by :meth:`PenaltyImporter.prepare` itself (its error messages).
    Every ``batch_size`` good rows: their existing facts are looked up in one query — identical
    → "unchanged" (``last_seen_at`` moved in bulk), different → ``record_fact`` (an update,
    logged) —, the new ones' publication derived by ``facts._derive`` (once per distinct input).
    On PostgreSQL the rows are read, checked and formatted in a second thread, and each batch
    is ``COPY``-ed into a temporary staging table, then matched and inserted by one statement
    (:mod:`zhiliang.credit.bulk`); elsewhere each batch is matched
    (:func:`~zhiliang.credit.matching.match_many`) and inserted.  The facts are the same as the
    per-row path's (tested).  One transaction: nothing is kept when a row has an error (unless
    ``good_rows``), on ``dry_run``, on an unreadable byte, or when the process dies; the
    import's one ``credit.facts_imported`` event is delivered after commit (class
    recomputation).  The same (source, 文号) twice in the file: the later row is an error.
    ``progress(phase, done, total)`` is called after each batch (rows done; the total
    estimated from the bytes read so far).  Call inside an audit context."""
    from django.db import connection, transaction

    from zhiliang.core.audit import change_set
    from zhiliang.exchange.importing import (
        Unnamed,
        map_columns,
        one_import_at_a_time,
        report_headers,
    )
    from zhiliang.exchange.readers import Table

    from . import bulk
    from .bulk import FastPenaltyRows
    from .services import facts

    importer = PenaltyImporter()
    report = Report(kind=importer.kind, file_name=file_name or Path(path).name, sha256=_sha256(path), dry_run=dry_run, good_rows=good_rows,
                    format="csv", options={"source": source} if source else {})
    try:  # before reading the file; ``begin`` checks the source department
        _may_import_for(actor, None)
    except FileError as exc:
        report.file_errors.append(str(exc))
        report.outcome = "refused"
        return report
    stream, encoding = _open_text(path)
    report.encoding = encoding
    with stream:
        import csv

        reader = csv.reader(stream)
        header = next(reader, None)
        if header is None:
            report.file_errors.append("文件是空的：没有找到表头行")
            report.outcome = "refused"
            return report
        mapping, column_errors = map_columns(importer, Table(header=[h.strip() for h in header], rows=[], format="csv"))
        if column_errors:
            report.file_errors.extend(column_errors)
            report.outcome = "refused"
            return report
        ctx = Context(actor=actor, dry_run=dry_run, good_rows=good_rows, options={"source": source} if source else {},
                      file_name=file_name or str(path))
        try:
            importer.begin(ctx)
        except FileError as exc:
            report.file_errors.append(str(exc))
            report.outcome = "refused"
            return report
        headers = report_headers(importer, header, mapping)
        positions = list(mapping.items())
        unnamed = Unnamed(header)
        fast = FastPenaltyRows(importer, ctx, positions, headers, unnamed=unnamed)
        with transaction.atomic(), change_set(kind="import:penalties", file_name=ctx.file_name, file_sha256=report.sha256) as cs:
            one_import_at_a_time(importer.kind)
            loader = _PostgresLoader(ctx, cs, report) if connection.vendor == "postgresql" else None
            stager = bulk.Stager() if loader else None
            batches = bulk.checked_batches(reader, fast, batch_size, report, stager=stager)
            # on PostgreSQL the file is read, checked and put in the staging form in a second thread
            # while the database writes the previous batch (``bulk.in_thread``)
            try:
                with bulk.fewer_collections(), bulk.in_thread(batches) if loader else contextlib.nullcontext(batches) as batches:
                    for batch in batches:
                        checked, slow = [], []
                        for item in batch:
                            if not isinstance(item, bulk.Unchecked):
                                checked.append(item)
                                continue
                            number, cells = item
                            width = len(cells)
                            row = Row(number=number, values={code: cells[pos] if pos < width else None for pos, code in positions},
                                      headers=headers)
                            if unnamed.found(cells):
                                unnamed.warn(row, cells)
                            ctx.seen.clear()  # duplicates across the file are found by the database (flat memory)
                            try:
                                prepared = importer.prepare(row, ctx)
                            except RowError as exc:
                                row.error(exc.message, exc.column)
                                prepared = None
                            if row.errors:
                                _bulk_errors(report, row.errors)
                                continue
                            if row.warnings and len(report.warnings) < MAX_BULK_ERRORS:
                                report.warnings.extend(row.warnings)
                            prepared.slow = True
                            slow.append(prepared)
                        if loader:
                            checked = sorted(checked + stager(slow), key=lambda staged: staged.prepared.number) if slow else checked
                            if checked:
                                loader.write(checked)
                        elif checked or slow:
                            _bulk_write(sorted(checked + slow, key=lambda prepared: prepared.number), ctx, cs, report)
                        if progress is not None:
                            progress("trial" if dry_run else "write", report.total, max(report.total, stream.estimated_lines() - 1))
            except UnicodeDecodeError as exc:
                # a byte the file's encoding (chosen on its first megabyte) cannot read, further on
                report.file_errors.append(f"文件第 {stream.line} 行第 {exc.start + 1} 个字节无法按 {encoding} 读取"
                                          f"（{exc.object[exc.start:exc.end].hex(' ').upper()}）：请确认整份文件用同一种编码（UTF-8 或 GB18030）"
                                          "保存后重新导入；本次未写入任何数据")
                report.outcome = "refused"
                report.created = report.updated = report.unchanged = 0
                transaction.set_rollback(True)
                return report
            if loader:
                loader.finish()
            report.errors.sort(key=lambda e: e["row"])
            if report.error_rows > len({e["row"] for e in report.errors}):
                report.notes.append(f"共 {report.error_rows} 行有错误，这里列出前 {MAX_BULK_ERRORS} 行的")
            if dry_run:
                report.outcome = "dry_run"
            elif report.error_rows and not good_rows:
                report.outcome = "rejected"
            else:
                report.outcome = "partial" if report.error_rows else "imported"
            if progress is not None:
                progress("trial" if dry_run else "write", report.total, report.total)
            if report.outcome in ("imported", "partial"):
                counts = {"total": report.total, "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                          "errors": report.error_rows}
                type(cs).objects.filter(pk=cs.pk).update(counts=counts)
                report.change_set_id = cs.pk
                if report.created:
                    facts.announce_import(cs, actor=actor, kind=FactKind.PENALTY, created=report.created, source=source or "")
            else:
                transaction.set_rollback(True)
    if report.outcome == "rejected":
        report.created = report.updated = report.unchanged = 0
    return report


def _bulk_errors(report: Report, errors: list[dict]) -> None:
    report.error_rows += 1
    if len(report.errors) < MAX_BULK_ERRORS:
        report.errors.extend(errors)


def _bulk_write(rows: list[FactRow], ctx: Context, cs, report: Report) -> None:
    """One batch of the streamed import on SQLite (PostgreSQL: :class:`_PostgresLoader`): the
    facts that exist already found by (source, 文号), then the new ones matched
    (``match_many``), derived and inserted with ``bulk_create``."""
    from django.db import transaction
    from django.utils import timezone

    from .matching import match_many
    from .models import CreditFact
    from .services import facts

    kind = FactKind.PENALTY
    now = ctx.cache.setdefault("import_now", timezone.now())  # the import's time: what it saw or updated is last seen then
    keyed: dict[tuple[str, str], FactRow] = {}
    for prepared in rows:
        key = (facts.source_key_of(prepared.source_department, prepared.source_name, prepared.source_code), prepared.source_record_id)
        if key in keyed:
            _bulk_errors(report, [_duplicate(prepared, keyed[key])])
            continue
        keyed[key] = prepared
    existing = {}
    ids = sorted({k[1] for k in keyed})
    for fact in CreditFact.objects.filter(kind=kind, source_record_id__in=ids):
        if (fact.source_key, fact.source_record_id) in keyed:
            existing[(fact.source_key, fact.source_record_id)] = fact

    new: list[tuple[tuple[str, str], CreditFact]] = []
    seen_again: list[int] = []
    updated: list[int] = []
    for key, prepared in keyed.items():
        fact = existing.get(key)
        if fact is not None:
            if fact.created_in_id == cs.pk or fact.last_seen_at == now:  # an earlier batch of this file has the 文号
                _bulk_errors(report, [_duplicate(prepared, None)])
            elif _same(fact, prepared):
                seen_again.append(fact.pk)
            else:
                with transaction.atomic():
                    facts.record_fact(actor=ctx.actor, kind=kind, source_record_id=prepared.source_record_id, party_name=prepared.party_name,
                                      source_department=prepared.source_department, source_name=prepared.source_name,
                                      source_code=prepared.source_code, **prepared.fields)
                updated.append(fact.pk)
            continue
        fields = dict(prepared.fields)
        published_on = fields.pop("published_on", facts._NOT_GIVEN)
        values = facts._clean(kind, prepared.source_record_id, prepared.party_name, fields)
        department = prepared.source_department
        values.update(source_name=prepared.source_name or (department.name if department is not None else ""),
                      source_department_id=department.pk if department is not None else None)
        fact = CreditFact(kind=kind, source_key=key[0], first_seen_at=now, last_seen_at=now, created_in_id=cs.pk, **values)
        fact._published_on = published_on
        new.append((key, fact))

    if seen_again or updated:  # marked as this import's: a later batch with the same 文号 is a duplicate
        CreditFact.objects.filter(pk__in=seen_again + updated).update(last_seen_at=now)
        report.unchanged += len(seen_again)
        report.updated += len(updated)
    if not new:
        return
    matches = match_many([{"uscc": f.party_uscc, "codes": f.party_codes, "name": f.party_name, "party_kind": f.party_kind} for _, f in new])
    derived = ctx.cache.setdefault("derived", {})
    for (_, fact), match in zip(new, matches, strict=True):
        fact.enterprise, fact.candidate, fact.match_status = match.enterprise, match.candidate, match.status
        fact.region_id = match.enterprise.region_id if match.enterprise is not None else None
        _derive_cached(fact, fact._published_on, derived)
    created = CreditFact._base_manager.bulk_create([f for _, f in new], batch_size=len(new))
    report.created += len(created)

    if getattr(ctx.actor, "is_authenticated", False):
        # record_fact's recheck: the actor must be able to see what it wrote
        from zhiliang.core.permissions import restrict

        visible = restrict(CreditFact.objects.filter(pk__in=[f.pk for f in created]), ctx.actor, "view").count()
        if visible != len(created):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("导入的信用信息超出了您的管辖范围")


class _PostgresLoader:
    """The PostgreSQL side of :func:`bulk_import_penalties`: batches of checked rows into the
    staging table, then set-wise SQL (:mod:`zhiliang.credit.bulk`)."""

    def __init__(self, ctx: Context, cs, report: Report):
        from django.db import connection
        from django.utils import timezone

        from . import bulk

        self.ctx, self.cs, self.report = ctx, cs, report
        self.now = timezone.now()
        self.cursor = connection.cursor()
        # the statements are short and repeated: compiling them (JIT) would cost more than running them
        self.cursor.execute("SET LOCAL jit = off")
        bulk.create_stage(self.cursor)

    def write(self, rows: list) -> None:
        """One batch of :class:`~zhiliang.credit.bulk.Staged` rows: duplicates within it, ``COPY``
        into the staging table, the facts that exist already (an earlier import: identical →
        "unchanged", else ``record_fact``; an earlier batch: a duplicate), then the new ones
        matched and inserted (:mod:`zhiliang.credit.bulk`)."""
        from django.db import transaction

        from . import bulk
        from .models import CreditFact
        from .services import facts

        keyed: dict[tuple[str, str], FactRow] = {}
        new: list[str] = []
        for staged in rows:
            prepared = staged.prepared
            first = keyed.setdefault((staged.values["source_key"], prepared.source_record_id), prepared)
            if first is not prepared:
                _bulk_errors(self.report, [_duplicate(prepared, first)])
                continue
            new.append(staged.row)
        bulk.stage(self.cursor, new)
        found = bulk.existing(self.cursor)
        if found:
            by_number = {prepared.number: prepared for prepared in keyed.values()}
            facts_by_id = CreditFact.objects.in_bulk([fact_id for _, fact_id, _, _ in found])
            seen_again, updated = [], []
            for number, fact_id, created_in, last_seen in sorted(found):
                prepared = by_number[number]
                if created_in == self.cs.pk or last_seen == self.now:  # an earlier row of this file has the 文号
                    _bulk_errors(self.report, [_duplicate(prepared, None)])
                elif _same(facts_by_id[fact_id], prepared):
                    seen_again.append(fact_id)
                else:
                    with transaction.atomic():
                        facts.record_fact(actor=self.ctx.actor, kind=FactKind.PENALTY, source_record_id=prepared.source_record_id,
                                          party_name=prepared.party_name, source_department=prepared.source_department,
                                          source_name=prepared.source_name, source_code=prepared.source_code, **prepared.fields)
                    updated.append(fact_id)
            if seen_again or updated:  # marked as this import's: a later batch with the same 文号 is a duplicate
                CreditFact.objects.filter(pk__in=seen_again + updated).update(last_seen_at=self.now)
                self.report.unchanged += len(seen_again)
                self.report.updated += len(updated)
            bulk.unstage(self.cursor, [number for number, *_ in found])
        self.report.created += bulk.insert_staged(self.cursor, change_set_id=self.cs.pk, now=self.now)

    def finish(self) -> None:
        from . import bulk

        self.cursor.execute(f"DROP TABLE {bulk.STAGE}")
        if getattr(self.ctx.actor, "is_authenticated", False):
            # record_fact's recheck: the actor must be able to see what it wrote
            from django.core.exceptions import PermissionDenied

            from zhiliang.core.permissions import restrict

            from .models import CreditFact

            mine = CreditFact.objects.filter(created_in_id=self.cs.pk, kind=FactKind.PENALTY)
            if restrict(mine, self.ctx.actor, "view").count() != self.report.created:
                raise PermissionDenied("导入的信用信息超出了您的管辖范围")


def _values(prepared: FactRow, source_key: str) -> dict:
    """A new fact's column values as ``facts._clean`` gives them (the fast checks' rows are
    already in that form; the others go through ``_clean``), with its source, and the given
    publication date under ``_published_on``."""
    fields = dict(prepared.fields)
    published_on = fields.pop("published_on", _NOT_GIVEN)
    if prepared.slow:
        from .services import facts

        values = facts._clean(FactKind.PENALTY, prepared.source_record_id, prepared.party_name, fields)
    else:
        values = fields
        values.setdefault("severity", "")
        values.update(party_kind=str(values["party_kind"]), procedure=str(values["procedure"]), severity=str(values["severity"]),
                      party_name=prepared.party_name, source_record_id=prepared.source_record_id)
    department = prepared.source_department
    values.update(source_name=prepared.source_name or (department.name if department is not None else ""),
                  source_department_id=department.pk if department is not None else None, source_key=source_key,
                  _published_on=published_on)
    return values


#: what ``facts._derive`` reads of a new fact (besides the rules in force, fixed during a run)
_DERIVE_INPUTS = ("kind", "decided_on", "procedure", "is_warning_only", "is_criticism_or_low_fine", "severity", "valid_until", "repaired_on")
_DERIVE_OUTPUTS = ("regime", "is_publishable", "publish_due", "published_on", "publicity_ends_on")


def _derive_cached(fact, published_on, cache: dict) -> None:
    """``facts._derive(fact, published_on)``, computed once per distinct input (the rules read the
    database: at a million rows there are only some thousand distinct decision dates)."""
    from .services import facts

    key = (*(getattr(fact, name) for name in _DERIVE_INPUTS), published_on)
    if key not in cache:
        facts._derive(fact, published_on)
        cache[key] = tuple(getattr(fact, name) for name in _DERIVE_OUTPUTS)
    for name, value in zip(_DERIVE_OUTPUTS, cache[key], strict=True):
        setattr(fact, name, value)


def _duplicate(prepared: FactRow, first: FactRow | None) -> dict:
    where = f"与第 {first.number} 行重复" if first is not None else "与本文件前面的一行重复"
    return {"row": prepared.number, "column": "行政处罚决定书文号",
            "message": f"决定书文号“{prepared.source_record_id}”{where}（同一来源的同一文书只能有一条）"}


def _same(fact, prepared: FactRow) -> bool:
    """Would ``record_fact`` report "unchanged" for ``prepared``?"""
    from .services import facts

    fields = dict(prepared.fields)
    published_on = fields.pop("published_on", facts._NOT_GIVEN)
    values = facts._clean(FactKind.PENALTY, prepared.source_record_id, prepared.party_name, fields)
    department = prepared.source_department
    values.update(source_name=prepared.source_name or (department.name if department is not None else ""),
                  source_department_id=department.pk if department is not None else None)
    return all(getattr(fact, name) == values.get(name, getattr(fact, name)) for name in facts.COMPARED) and (
        published_on is facts._NOT_GIVEN or published_on == fact.published_on)
