"""What the registry imports from the tables departments send: enterprises and
their products (the ``exchange`` app's engine reads the file, reports and
keeps the transaction; this module knows the columns and the rules).

Enterprises are matched by 统一社会信用代码; a row without one is matched by
its exact name, and a name shared by several enterprises is reported, never
guessed.  A row is compared with the stored enterprise before anything is
written: only changed fields go to :func:`~zhiliang.enterprises.services.update_enterprise`,
an identical row is "unchanged" and writes nothing.  An empty cell means
"not given": it never clears a stored value.

The region of a new enterprise is the ``region`` column when given, else the
county named in its address (竹山县… → 420323), else the USCC's division code
when that is a county's; otherwise the row is an error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, ClassVar

from zhiliang.core.models import Region
from zhiliang.core.permissions import has_perm, restrict
from zhiliang.core.audit import mask_value
from zhiliang.core.identity import looks_like_person_id, person_id_problem
from zhiliang.core.uscc import division_code, validate_uscc
from zhiliang.exchange.importing import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    Context,
    Importer,
    Row,
    RowError,
    register,
)
from zhiliang.exchange.parsing import (
    folded,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_gtin,
    refuse_excel_number,
    split_list,
    text,
)

from . import services
from .choices import EnterpriseStatus, EntityType, Scale
from .industries import CODE_RE
from .models import Enterprise, Product, ProductCategory

# --- shared lookups -------------------------------------------------------------------------------

#: names found in addresses that are not a region's official name
REGION_ALIASES = {
    "郧县": "420304",  # renamed 郧阳区 in 2014
    "十堰经济开发区": "4203K1",
    "十堰经开区": "4203K1",
    "经济技术开发区": "4203K1",
    "武当山特区": "4203K2",
    "武当山旅游经济特区": "4203K2",
}
#: GB/T 4754 sections by the first two digits of a division (for codes given without their letter)
SECTIONS = [("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52), ("G", 53, 60),
            ("H", 61, 62), ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72), ("M", 73, 75), ("N", 76, 79),
            ("O", 80, 82), ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90), ("S", 91, 97), ("T", 98, 98)]
STATUS_ALIASES = {"吊销": EnterpriseStatus.REVOKED, "注销": EnterpriseStatus.CANCELLED, "迁出": EnterpriseStatus.MOVED_OUT,
                  "停业": EnterpriseStatus.SUSPENDED, "歇业": EnterpriseStatus.SUSPENDED, "存续": EnterpriseStatus.ACTIVE,
                  "在营": EnterpriseStatus.ACTIVE, "开业": EnterpriseStatus.ACTIVE, "在业": EnterpriseStatus.ACTIVE,
                  "在册": EnterpriseStatus.ACTIVE}
ENTITY_ALIASES = {"有限责任": EntityType.LIMITED, "股份有限": EntityType.JOINT_STOCK, "个人独资": EntityType.SOLE,
                  "合伙": EntityType.PARTNERSHIP, "个体": EntityType.INDIVIDUAL, "合作社": EntityType.COOPERATIVE,
                  "分公司": EntityType.BRANCH, "分支机构": EntityType.BRANCH, "外商": EntityType.FOREIGN,
                  "外资": EntityType.FOREIGN, "境外": EntityType.OVERSEAS}
SCALE_ALIASES = {"大": Scale.LARGE, "中": Scale.MEDIUM, "小": Scale.SMALL, "微": Scale.MICRO}


def parse_industry(value: Any) -> str:
    raw = folded(value).upper().replace(" ", "")
    if raw.isdigit():
        if len(raw) == 3 and not isinstance(value, str):  # Excel dropped the leading 0 of 0110
            raw = "0" + raw
        if len(raw) not in (2, 3, 4):
            raise RowError(f"行业代码“{raw}”应为 GB/T 4754 门类字母加 2–4 位数字，如 C3670")
        division = int(raw[:2])
        letter = next((s for s, lo, hi in SECTIONS if lo <= division <= hi), None)
        if letter is None:
            raise RowError(f"行业代码“{raw}”的大类 {raw[:2]} 不存在")
        raw = letter + raw
    if not CODE_RE.match(raw):
        raise RowError(f"行业代码“{raw}”应为 GB/T 4754 门类字母加 2–4 位数字，如 C3670")
    return raw


def _key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


#: ``Enterprise.name``'s length
NAME_LIMIT = Enterprise._meta.get_field("name").max_length


def parse_uscc(value: Any) -> str:
    refuse_excel_number(value, "统一社会信用代码")
    result = validate_uscc(text(value))
    # a person's identity number in the USCC column: say so, rather than accept it (a valid one can pass
    # the USCC checks, and the enterprise's public page would show it) or ask for another check digit
    if looks_like_person_id(result.code, check=result.valid):
        raise RowError(f"“{mask_value(result.code)}”是个人身份证号码，不是统一社会信用代码：请填写营业执照上的 18 位统一社会信用代码"
                       "（个体工商户以 92 开头）；没有统一社会信用代码的，本列留空")
    if not result.valid:
        raise RowError(f"统一社会信用代码“{result.code}”无效：{result.message}")
    return result.code


class Lookups:
    """Regions and categories by code and name, loaded once per run."""

    def __init__(self):
        self.regions = list(Region.objects.all())
        self.region_by_key: dict[str, Region] = {}
        for r in self.regions:
            self.region_by_key[r.code.upper()] = r
            self.region_by_key[r.name] = r
            for prefix in ("湖北省十堰市", "十堰市", "湖北省"):
                if r.name.startswith(prefix) and len(r.name) > len(prefix):
                    self.region_by_key.setdefault(r.name[len(prefix):], r)
        by_code = {r.code: r for r in self.regions}
        for alias, code in REGION_ALIASES.items():
            if code in by_code:
                self.region_by_key.setdefault(alias, by_code[code])
        self.address_names = sorted(
            [(r.name, r) for r in self.regions if r.level in ("county", "zone")]
            + [(alias, by_code[code]) for alias, code in REGION_ALIASES.items() if code in by_code],
            key=lambda item: -len(item[0]),
        )
        self.categories = list(ProductCategory.objects.all())
        self.category_by_key = {_key(c.code): c for c in self.categories} | {_key(c.name): c for c in self.categories}

    def region(self, value: Any) -> Region:
        raw = folded(value)
        key = raw.replace(" ", "")
        for candidate in (key.upper(), key, re.sub(r"^(湖北省)?(十堰市)?", "", key)):
            if candidate in self.region_by_key:
                return self.region_by_key[candidate]
        raise RowError(f"未知的区划“{raw}”，请填写区划代码（如 420323）或名称（如 竹山县）")

    def region_from_address(self, address: str) -> Region | None:
        found = [(address.find(name), region) for name, region in self.address_names if name in address]
        return min(found, key=lambda item: item[0])[1] if found else None

    def region_from_uscc(self, uscc: str) -> Region | None:
        code = division_code(uscc)
        region = next((r for r in self.regions if r.code == code), None)
        return region if region is not None and region.level == "county" else None

    def category_list(self, value: Any) -> list[str]:
        """The items of a category cell; names that contain a separator themselves
        (食品相关产品（包装、容器、工具）) are taken whole."""
        raw = unicodedata.normalize("NFKC", text(value))
        for c in self.categories:
            name = unicodedata.normalize("NFKC", c.name)
            if re.search(r"[、；;，,]", name) and name in raw:
                raw = raw.replace(name, c.code)
        return split_list(raw)

    def category(self, raw: str) -> ProductCategory:
        category = self.category_by_key.get(_key(raw))
        if category is None:
            raise RowError(f"未知的产品类别“{raw}”（可填类别名称或代码，如“家具”或 furniture）")
        return category


def _lookups(ctx: Context) -> Lookups:
    if "lookups" not in ctx.cache:
        ctx.cache["lookups"] = Lookups()
    return ctx.cache["lookups"]


def _scope_message(what: str, action: str, region, ctx: Context, exc) -> str:
    verb = "新增" if action == "add" else "修改"
    user = ctx.user
    model_perm = f"enterprises.{action}_{what}"
    if user is not None and not has_perm(user, model_perm):
        return f"您的角色无权{verb}{'企业' if what == 'enterprise' else '产品'}"
    where = f"“{region.name}”" if region is not None else ""
    return f"所在区划{where}不在您的管辖范围内，无权{verb}该{'企业' if what == 'enterprise' else '企业的产品'}"


# --- enterprises -----------------------------------------------------------------------------------

ENTERPRISE_COLUMNS = [
    Column("uscc", "统一社会信用代码", aliases=("社会信用代码", "信用代码")),
    Column("name", "企业名称", required=True, aliases=("名称", "市场主体名称", "单位名称")),
    Column("region", "所在区划", aliases=("区划", "所属区划", "行政区划", "区划代码")),
    Column("legal_rep_name", "法定代表人", aliases=("法定代表人姓名", "负责人", "经营者")),
    Column("legal_rep_id_number", "法定代表人证件号码", aliases=("法定代表人身份证号", "身份证号码")),
    Column("address", "住所", aliases=("地址", "住所（经营场所）", "经营场所", "注册地址")),
    Column("industry_code", "行业代码", aliases=("国民经济行业代码", "行业")),
    Column("registered_capital", "注册资本（万元）", aliases=("注册资本",)),
    Column("established_on", "成立日期", aliases=("成立时间", "注册日期")),
    Column("status", "登记状态", aliases=("经营状态", "状态")),
    Column("entity_type", "主体类型", aliases=("企业类型", "类型")),
    Column("scale", "企业规模", aliases=("规模",)),
    Column("chief_quality_officer", "首席质量官"),
    Column("liability_insured", "是否投保", aliases=("投保产品质量安全责任保险", "是否投保产品质量安全责任保险")),
    Column("insurance_until", "保险有效期至", aliases=("保险到期日", "保险有效期")),
    Column("categories", "产品类别", aliases=("主要产品类别",)),
]


@dataclass
class EnterpriseRow:
    number: int
    data: dict[str, Any]
    categories: list[ProductCategory] | None
    enterprise: Enterprise | None = None
    notes: list[str] = field(default_factory=list)


@register
class EnterpriseImporter(Importer):
    kind = "enterprises"
    label = "企业"
    columns = ENTERPRISE_COLUMNS

    def begin(self, ctx: Context) -> None:
        _lookups(ctx)

    def prepare(self, row: Row, ctx: Context) -> EnterpriseRow | None:
        lookups = _lookups(ctx)
        data: dict[str, Any] = {}
        uscc = row.parse("uscc", parse_uscc)
        name = re.sub(r"\s+", "", text(row.get("name", ""))).replace("(", "（").replace(")", "）")
        if uscc:
            data["uscc"] = uscc
        if len(name) > NAME_LIMIT:  # checked with the rest, not by the model after every other error is fixed
            row.error(f"企业名称过长（{len(name)} 个字，最多 {NAME_LIMIT} 个）", "name")
        elif name:
            data["name"] = name
        else:
            row.error("企业名称为空", "name")
        if row.has("region"):
            data["region"] = row.parse("region", lookups.region)
        for code, limit in (("legal_rep_name", 60), ("address", 200), ("chief_quality_officer", 60)):
            if row.has(code):
                value = text(row.get(code))
                if len(value) > limit:
                    row.error(f"内容过长（{len(value)} 个字，最多 {limit} 个）", code)
                else:
                    data[code] = value
        if row.has("legal_rep_id_number") and row.parse("legal_rep_id_number",
                                                        lambda v: refuse_excel_number(v, "法定代表人证件号码", personal=True) or True):
            number = text(row.get("legal_rep_id_number")).upper()
            if not re.fullmatch(r"[0-9A-Z]{6,30}", number):
                row.error("证件号码只能包含数字和字母（6–30 位）", "legal_rep_id_number")
            elif problem := person_id_problem("", number):
                row.error(problem, "legal_rep_id_number")
            else:
                data["legal_rep_id_number"] = number
        parsed = {
            "industry_code": row.parse("industry_code", parse_industry),
            "registered_capital": row.parse("registered_capital", parse_decimal),
            "established_on": row.parse("established_on", lambda v: parse_date(v, not_after_today=True)),
            "status": row.parse("status", lambda v: parse_choice(v, EnterpriseStatus, aliases=STATUS_ALIASES, what="登记状态")),
            "entity_type": row.parse("entity_type", lambda v: parse_choice(v, EntityType, aliases=ENTITY_ALIASES, what="主体类型")),
            "scale": row.parse("scale", lambda v: parse_choice(v, Scale, aliases=SCALE_ALIASES, what="企业规模")),
            "liability_insured": row.parse("liability_insured", parse_bool),
            "insurance_until": row.parse("insurance_until", parse_date),
        }
        data.update({k: v for k, v in parsed.items() if v is not None})
        if data.get("insurance_until") and data.get("liability_insured") is False:
            row.error("填写了保险有效期，但“是否投保”为否", "insurance_until")
        elif data.get("insurance_until") and "liability_insured" not in data:
            data["liability_insured"] = True
        categories = None
        if row.has("categories"):
            categories = []
            for item in lookups.category_list(row.get("categories")):
                try:
                    categories.append(lookups.category(item))
                except RowError as exc:
                    row.error(exc.message, "categories")
        if row.errors or not name:
            return None
        return self._match(row, ctx, EnterpriseRow(row.number, data, categories))

    def _match(self, row: Row, ctx: Context, prepared: EnterpriseRow) -> EnterpriseRow | None:
        data = prepared.data
        qs = restrict(Enterprise.objects.all(), ctx.user, "view")
        key = ("uscc", data["uscc"]) if data.get("uscc") else ("name", data["name"])
        if key in ctx.seen:
            label = "统一社会信用代码" if key[0] == "uscc" else "企业名称（无统一社会信用代码）"
            row.error(f"与第 {ctx.seen[key]} 行的{label}重复", key[0])
            return None
        ctx.seen[key] = row.number
        if key[0] == "uscc":
            prepared.enterprise = qs.filter(uscc=data["uscc"]).first()
        else:
            same_name = list(qs.filter(name=data["name"])[:6])
            if len(same_name) > 1:
                codes = "、".join(e.uscc or f"无代码（编号 {e.pk}）" for e in same_name[:5])
                row.error(f"名称“{data['name']}”对应多家企业（{codes}），无法确定是哪一家，请填写统一社会信用代码", "name")
                return None
            prepared.enterprise = same_name[0] if same_name else None
        if prepared.enterprise is None and "region" not in data:
            lookups = _lookups(ctx)
            region = lookups.region_from_address(data.get("address", ""))
            if region is None and data.get("uscc"):
                region = lookups.region_from_uscc(data["uscc"])
            if region is None:
                row.error("无法确定所在区划，请填写“所在区划”列", "region" if "region" in row.headers else None)
                return None
            data["region"] = region
        return prepared

    def write(self, prepared: EnterpriseRow, ctx: Context) -> str:
        # not there when the row was checked — unless an import of the same file that ran at the
        # same moment wrote it since (imports take turns to write: ``one_import_at_a_time``)
        enterprise = prepared.enterprise or _written_since_checked(prepared.data)
        if enterprise is None:
            services.create_enterprise(actor=ctx.actor, categories=prepared.categories, **prepared.data)
            return CREATED
        enterprise = Enterprise.objects.get(pk=enterprise.pk)  # fresh: an earlier row may have changed it
        changes = {}
        for name, value in prepared.data.items():
            current = getattr(enterprise, "region_id" if name == "region" else name)
            new = value.pk if name == "region" else value
            if current != new:
                changes[name] = value
        categories_changed = prepared.categories is not None and (
            set(enterprise.categories.values_list("pk", flat=True)) != {c.pk for c in prepared.categories}
        )
        if not changes and not categories_changed:
            return UNCHANGED
        services.update_enterprise(actor=ctx.actor, enterprise=enterprise, categories=prepared.categories if categories_changed else None, **changes)
        return UPDATED

    def permission_message(self, prepared: EnterpriseRow, ctx: Context, exc) -> str:
        region = prepared.data.get("region") or (prepared.enterprise.region if prepared.enterprise else None)
        return _scope_message("enterprise", "add" if prepared.enterprise is None else "change", region, ctx, exc)


def _written_since_checked(data: dict[str, Any]) -> Enterprise | None:
    """The enterprise of a row checked as new, if it exists now: by its USCC, or by its name
    when that is one enterprise's."""
    if data.get("uscc"):
        return Enterprise.objects.filter(uscc=data["uscc"]).first()
    same_name = list(Enterprise.objects.filter(name=data["name"])[:2])
    return same_name[0] if len(same_name) == 1 else None


# --- products --------------------------------------------------------------------------------------

PRODUCT_COLUMNS = [
    Column("enterprise_uscc", "生产企业统一社会信用代码", required=True, aliases=("企业统一社会信用代码", "统一社会信用代码")),
    Column("enterprise_name", "生产企业名称", aliases=("企业名称",), help="仅供核对，不导入"),
    Column("category", "产品类别", required=True, aliases=("类别",)),
    Column("brand", "商标", aliases=("品牌", "商标（品牌）")),
    Column("name", "产品名称", required=True, aliases=("名称",)),
    Column("model", "规格型号", aliases=("型号", "规格")),
    Column("standards", "执行标准", aliases=("产品标准", "标准")),
    Column("gtin", "商品条码", aliases=("条码", "GTIN", "商品条码（GTIN）")),
]


@dataclass
class ProductRow:
    enterprise: Enterprise
    data: dict[str, Any]
    product: Product | None = None


@register
class ProductImporter(Importer):
    kind = "products"
    label = "产品"
    columns = PRODUCT_COLUMNS
    field_columns: ClassVar[dict[str, str]] = {"enterprise": "enterprise_uscc"}

    def begin(self, ctx: Context) -> None:
        _lookups(ctx)
        ctx.cache["enterprises"] = {}

    def prepare(self, row: Row, ctx: Context) -> ProductRow | None:
        lookups = _lookups(ctx)
        uscc = row.parse("enterprise_uscc", parse_uscc)
        if not row.has("enterprise_uscc"):
            row.error("生产企业统一社会信用代码为空", "enterprise_uscc")
        enterprise = None
        if uscc:
            cache = ctx.cache["enterprises"]
            if uscc not in cache:
                cache[uscc] = restrict(Enterprise.objects.all(), ctx.user, "view").filter(uscc=uscc).first()
            enterprise = cache[uscc]
            if enterprise is None:
                row.error(f"找不到统一社会信用代码为 {uscc} 的企业，请先导入该企业", "enterprise_uscc")
        category = None
        if row.has("category"):
            category = row.parse("category", lambda v: lookups.category(text(v)))
        else:
            row.error("产品类别为空", "category")
        name = text(row.get("name", ""))
        if not name:
            row.error("产品名称为空", "name")
        data: dict[str, Any] = {"name": name, "brand": text(row.get("brand", "")), "model": text(row.get("model", ""))}
        for code, limit in (("name", 120), ("brand", 60), ("model", 120)):
            if len(data[code]) > limit:
                row.error(f"内容过长（{len(data[code])} 个字，最多 {limit} 个）", code)
        if row.has("standards"):
            data["standards"] = split_list(row.get("standards"))
        gtin = row.parse("gtin", parse_gtin)
        if gtin:
            data["gtin"] = gtin
        if row.errors:
            return None
        data["category"] = category
        key = (enterprise.pk, name, data["brand"], data["model"])
        if key in ctx.seen:
            row.error(f"与第 {ctx.seen[key]} 行是同一产品（同一企业、商标、名称、规格型号）", "name")
            return None
        ctx.seen[key] = row.number
        product = restrict(Product.objects.all(), ctx.user, "view").filter(
            enterprise=enterprise, name=name, brand=data["brand"], model=data["model"]).first()
        return ProductRow(enterprise=enterprise, data=data, product=product)

    def write(self, prepared: ProductRow, ctx: Context) -> str:
        data = prepared.data
        # as for enterprises: written since the check by an import of the same file at the same moment?
        product = prepared.product or Product.objects.filter(enterprise=prepared.enterprise, name=data["name"], brand=data["brand"],
                                                             model=data["model"]).first()
        if product is None:
            services.save_product(actor=ctx.actor, enterprise=prepared.enterprise, **data)
            return CREATED
        product = Product.objects.get(pk=product.pk)
        changes = {}
        for name, value in prepared.data.items():
            current = getattr(product, "category_id" if name == "category" else name)
            if current != (value.pk if name == "category" else value):
                changes[name] = value
        if not changes:
            return UNCHANGED
        services.save_product(actor=ctx.actor, product=product, **changes)
        return UPDATED

    def permission_message(self, prepared: ProductRow, ctx: Context, exc) -> str:
        return _scope_message("product", "add" if prepared.product is None else "change", prepared.enterprise.region, ctx, exc)
