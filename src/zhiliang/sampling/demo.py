"""Living demo data of supervision sampling (监督抽查): two years of plans at every level,
verifiable draws, samples in every state, test reports, objections and re-tests,
rectifications, referrals, bulletins and imported upper-level results.

Everything is generated from the demo seed over the registry's generated city
(``enterprises.demo``); no real enterprise's or person's data.  "Today" is
``timezone.localdate()`` so the demo is alive whenever it is started: the current
working year ``Y`` is the year of (today − 200 days) and ``Y − 1`` the last one.

How it is written (inside the demo's audit context and change set):

* **plans** (city plans of 十堰市市场监督管理局, county plans of several counties) through
  ``services.plans`` (created, approved by ``admin``, published by their staff); their test
  items and quotas are validated as ``add_test_item``/``set_quota`` validate them and written
  at once; the national and provincial results are imported closed plans
  (``services.bulletins.create_imported_plan``, code as ``zhiliang import`` would give them)
  with their results written in bulk;
* **draws** through ``services.draws`` (freeze, draw, inspectors, labs, publish) — the
  records verify with ``sampling.draw.verify``.  The draw seeds are derived from the demo seed
  (:func:`draw_seeds`), so the same seed gives the same draws, tasks and samples;
* **the bulk of the history** (hundreds of final results with their reports and item
  results, rectifications) with ``bulk_create``: each measured value is generated for the
  wanted outcome and judged by the services' own judgement (``services.samples.build_results``),
  so no conclusion can disagree with its items; the 6-month ban (``rules``) is respected by
  every sample, in both directions (:class:`BanIndex`);
* **the living part** — a few dozen samples of this year in every state, objections and
  re-tests, rectifications in progress and overdue, referrals to producers' home
  authorities, refusals — through ``services.samples`` as the demo accounts would do it
  (county staff, the city bureau's staff ``amr``, the lab accounts, the enterprise accounts);
  a sample sent to another lab than its task's drawn one carries the written reason
  (:meth:`Builder.lab_change_reason`);
* **bulletins** through ``services.bulletins``; last year's plans are then closed.

Pass rates: the failures of the bulk are allocated per (year, producer county) so that
each county lands on its own rate (≈ 88–95 %, the living samples' results counted in),
upper-level (national and provincial) results separately so that the county ranking has a
clear bottom three; within a group the failures go where a category is furthest below its
own share, so categories land on their rates too (children's clothing and wood panels
lowest, tea highest) (:class:`RateKeeper`).

Who acts: the services are called as the demo accounts would call them (nested audit
contexts inherit the demo's change set), or as ``SYSTEM`` for the imported results and the
producers registered outside Shiyan.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

D = datetime.date
DAY = datetime.timedelta(days=1)

LOADER_ORDER = 40
LOADER_NAME = "sampling.demo"

CITY = "420300"
REGIONS = ("420302", "420303", "420304", "420322", "420323", "420324", "420325", "420381", "4203K1", "4203K2")
BIG_REGIONS = ("420302", "420303", "4203K1")
MID_REGIONS = ("420304", "420381")
COUNTY_DEPARTMENTS = {"420302": "mj-amr", "420303": "zw-amr", "420304": "yy-amr", "420322": "yx-amr", "420323": "zs-amr",
                      "420324": "zx-amr", "420325": "fx-amr", "420381": "djk-amr", "4203K1": "jkq-amr", "4203K2": "wds-amr"}
COUNTY_SHORT = {"420302": "茅箭区", "420303": "张湾区", "420304": "郧阳区", "420322": "郧西县", "420323": "竹山县", "420324": "竹溪县",
                "420325": "房县", "420381": "丹江口市", "4203K1": "经开区", "4203K2": "武当山特区"}
COUNTY_CODE_PREFIX = {"420302": "MJ", "420303": "ZW", "420304": "YY", "420322": "YX", "420323": "ZS", "420324": "ZX",
                      "420325": "FX", "420381": "DJK", "4203K1": "JKQ", "4203K2": "WDS"}
NATIONAL_ORGANISER = "国家市场监督管理总局"
PROVINCIAL_ORGANISER = "湖北省市场监督管理局"


# --- test items ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    """A test item of a category (added to each plan of the category) and how its measured
    values are generated: ``places`` decimals, ``nd`` the share of 未检出 among passing
    values of an upper-limit item, ``grades`` (passing values, failing values) for items
    measured in grades (级), ``risk`` how often it is the failing item."""

    name: str
    direction: str
    standard: str
    clause: str = ""
    unit: str = ""
    low: str | None = None
    high: str | None = None
    requirement: str = ""
    places: int = 1
    nd: float = 0.0
    grades: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    risk: float = 1.0


MAX, MIN, RANGE, QUAL = "max", "min", "range", "qualitative"
I = ItemSpec  # noqa: E741 — the table below reads better with a short name

CATEGORY_ITEMS: dict[str, tuple[ItemSpec, ...]] = {
    "food-processed": (
        I("菌落总数", MAX, "GB 7099-2015", "3.4", "CFU/g", high="100000", places=0, risk=3),
        I("大肠菌群", MAX, "GB 7099-2015", "3.4", "CFU/g", high="100", places=0, nd=0.7, risk=1.5),
        I("酸价（以脂肪计）（KOH）", MAX, "GB 7099-2015", "3.3", "mg/g", high="5", places=1),
        I("山梨酸及其钾盐（以山梨酸计）", MAX, "GB 2760-2014", "表A.1", "g/kg", high="1.0", places=3, nd=0.5, risk=2),
        I("铅（以Pb计）", MAX, "GB 2762-2022", "3.1", "mg/kg", high="0.5", places=3, nd=0.3, risk=0.5),
    ),
    "food-tea": (
        I("铅（以Pb计）", MAX, "GB 2762-2022", "3.1", "mg/kg", high="5.0", places=2),
        I("吡虫啉", MAX, "GB 2763-2021", "4.2", "mg/kg", high="0.5", places=3, nd=0.6, risk=2),
        I("草甘膦", MAX, "GB 2763-2021", "4.2", "mg/kg", high="1", places=2, nd=0.7),
        I("水分", MAX, "GB/T 14456.1-2017", "5.2", "%", high="7.0", places=1, risk=1.5),
    ),
    "food-drinks": (
        I("耗氧量（以O₂计）", MAX, "GB 19298-2014", "3.2", "mg/L", high="2.0", places=2),
        I("溴酸盐", MAX, "GB 19298-2014", "3.2", "mg/L", high="0.01", places=4, nd=0.7),
        I("大肠菌群", QUAL, "GB 19298-2014", "3.3", requirement="n=5，c=0，不得检出/250mL", risk=2),
        I("铜绿假单胞菌", QUAL, "GB 19298-2014", "3.3", requirement="n=5，c=0，不得检出/250mL", risk=2),
    ),
    "food-liquor": (
        I("酒精度", RANGE, "GB/T 13662-2018", "6.2", "%vol", low="11.0", high="13.0", places=1, risk=1.5),
        I("氨基酸态氮", MIN, "GB/T 13662-2018", "6.2", "g/L", low="0.40", places=2, risk=1.5),
        I("总酸（以乳酸计）", RANGE, "GB/T 13662-2018", "6.2", "g/L", low="3.0", high="7.0", places=1),
        I("甜蜜素（以环己基氨基磺酸计）", MAX, "GB 2760-2014", "表A.1", "g/kg", high="0.010", places=3, nd=0.9),
    ),
    "kids-clothing": (
        I("甲醛含量", MAX, "GB 31701-2015", "4.1", "mg/kg", high="20", places=0, nd=0.6, risk=1.5),
        I("pH值", RANGE, "GB 31701-2015", "4.1", "", low="4.0", high="7.5", places=1, risk=1.5),
        I("耐唾液色牢度（变色、沾色）", MIN, "GB 31701-2015", "4.1", "级", low="4", grades=(("4", "4.5", "5"), ("3", "3.5")), risk=1),
        I("绳带要求", QUAL, "GB 31701-2015", "4.2", requirement="7岁以下儿童服装头部和颈部不应存在任何绳带", risk=2),
        I("纤维含量偏差", MAX, "GB/T 29862-2013", "4.3", "%", high="5.0", places=1, risk=2),
    ),
    "school-supplies": (
        I("可迁移元素铅", MAX, "GB 21027-2020", "4.3", "mg/kg", high="90", places=1, nd=0.5),
        I("邻苯二甲酸酯（DBP、BBP、DEHP总和）", MAX, "GB 21027-2020", "4.5", "%", high="0.1", places=3, nd=0.5, risk=2),
        I("纸张D65亮度", MAX, "GB 40070-2021", "4.2", "%", high="85.0", places=1, risk=2),
        I("标识", QUAL, "GB 21027-2020", "5", requirement="应标明产品名称、执行标准、生产者名称和地址", risk=1.5),
    ),
    "cookware": (
        I("砷迁移量", MAX, "GB 4806.9-2023", "4.3", "mg/kg", high="0.04", places=3, nd=0.7, risk=0.5),
        I("镉迁移量", MAX, "GB 4806.9-2023", "4.3", "mg/kg", high="0.02", places=3, nd=0.7, risk=0.5),
        I("铅迁移量", MAX, "GB 4806.9-2023", "4.3", "mg/kg", high="0.05", places=3, nd=0.5),
        I("铬迁移量", MAX, "GB 4806.9-2023", "4.3", "mg/kg", high="2.0", places=2, risk=1.5),
        I("镍迁移量", MAX, "GB 4806.9-2023", "4.3", "mg/kg", high="0.5", places=2, risk=2),
    ),
    "furniture": (
        I("甲醛释放量", MAX, "GB 18584-2001", "5", "mg/L", high="1.5", places=2, risk=2),
        I("可溶性重金属（铅）", MAX, "GB 18584-2001", "5", "mg/kg", high="90", places=1, nd=0.5),
        I("漆膜附着力", MAX, "GB/T 3324-2017", "5.6.2", "级", high="2", grades=(("1", "2"), ("3", "4"))),
        I("稳定性", QUAL, "GB/T 3324-2017", "5.5", requirement="试验后不应倾翻", risk=1.5),
    ),
    "water-purifiers": (
        I("净水产水率", MIN, "GB 34914-2021", "4.1", "%", low="50", places=1, risk=2),
        I("余氯降低率", MIN, "GB/T 30307-2013", "5.2", "%", low="90", places=1),
        I("出水浑浊度", MAX, "GB/T 30307-2013", "5.2", "NTU", high="1", places=2),
        I("标志和说明", QUAL, "GB 4706.1-2005", "7", requirement="应有额定电压、额定功率等标志和中文使用说明", risk=1.5),
    ),
    "auto-modified": (
        I("外廓尺寸偏差", RANGE, "GB 21861-2014", "6.3", "%", low="-1.0", high="1.0", places=2, risk=2),
        I("整备质量偏差", RANGE, "GB 21861-2014", "6.4", "%", low="-5.0", high="5.0", places=1, risk=1.5),
        I("侧面及后下部防护", QUAL, "GB 11567-2017", "4", requirement="防护装置的尺寸、离地高度和强度符合要求", risk=1.5),
        I("车身反光标识", QUAL, "GB 23254-2009", "4", requirement="应粘贴车身反光标识，粘贴面积和位置符合要求"),
        I("行车制动率（空载）", MIN, "GB 7258-2017", "7.10.2", "%", low="60", places=1),
    ),
    "auto-parts": (
        I("硬度", RANGE, "GB/T 9439-2010", "5.3", "HBW", low="170", high="241", places=0, risk=2),
        I("尺寸偏差", MAX, "QC/T 533-2020", "4.2", "mm", high="0.10", places=2, risk=1.5),
        I("耐盐雾性能（48h）", QUAL, "QC/T 625-2013", "5.4", requirement="试验后无红锈", risk=1),
        I("产品标识", QUAL, "GB/T 191-2008", "3", requirement="应有永久性的生产企业标识和零件号"),
    ),
    "wood-panels": (
        I("甲醛释放量", MAX, "GB 18580-2017", "4", "mg/m³", high="0.124", places=3, risk=2),
        I("胶合强度", MIN, "GB/T 9846-2015", "6.3", "MPa", low="0.70", places=2, risk=1.5),
        I("含水率", RANGE, "GB/T 9846-2015", "6.3", "%", low="5.0", high="14.0", places=1),
    ),
    "waterproofing": (
        I("可溶物含量", MIN, "GB 18242-2008", "5.3", "g/m²", low="2900", places=0, risk=2),
        I("拉力（纵向）", MIN, "GB 18242-2008", "5.3", "N/50mm", low="500", places=0, risk=1.5),
        I("低温柔性（-20℃）", QUAL, "GB 18242-2008", "5.3", requirement="-20℃ 无裂缝", risk=1.5),
        I("不透水性（0.3MPa，30min）", QUAL, "GB 18242-2008", "5.3", requirement="不透水"),
    ),
    "wires-cables": (
        I("导体电阻（20℃）", MAX, "GB/T 5023.3-2008", "表4", "Ω/km", high="7.41", places=2, risk=3),
        I("绝缘平均厚度", MIN, "GB/T 5023.3-2008", "表4", "mm", low="0.80", places=2, risk=1.5),
        I("绝缘最薄处厚度", MIN, "GB/T 5023.3-2008", "表4", "mm", low="0.62", places=2, risk=1.5),
        I("老化前绝缘抗张强度", MIN, "GB/T 5023.1-2008", "表1", "MPa", low="12.5", places=1),
        I("标志", QUAL, "GB/T 5023.1-2008", "3", requirement="应有制造商名称、产品型号和额定电压的连续标志"),
    ),
}

#: the pass rate each category tends to (the riskier ones lower); the allocation steers every
#: category towards its rate while each county lands on its own
CATEGORY_RATE = {
    "kids-clothing": 0.875, "wood-panels": 0.88, "water-purifiers": 0.885, "wires-cables": 0.89, "school-supplies": 0.895,
    "waterproofing": 0.9, "furniture": 0.91, "cookware": 0.915, "food-processed": 0.92, "auto-modified": 0.925, "food-liquor": 0.93,
    "food-drinks": 0.93, "auto-parts": 0.935, "food-tea": 0.95,
}
#: (unit, tested, reserve, lowest price, highest price) of a sample of the category
PACKS = {
    "food-processed": ("袋", 6, 6, 20, 120), "food-tea": ("盒", 4, 4, 80, 600), "food-drinks": ("瓶", 12, 12, 20, 60),
    "food-liquor": ("瓶", 6, 6, 60, 300), "kids-clothing": ("件", 3, 3, 60, 400), "school-supplies": ("件", 10, 10, 15, 150),
    "cookware": ("件", 2, 2, 80, 500), "furniture": ("件", 1, 1, 600, 4000), "water-purifiers": ("台", 1, 1, 900, 4500),
    "auto-modified": ("辆", 1, 0, None, None), "auto-parts": ("件", 3, 3, 150, 3000), "wood-panels": ("张", 3, 3, 90, 400),
    "waterproofing": ("卷", 2, 2, 150, 600), "wires-cables": ("卷", 2, 2, 120, 900),
}
#: what a product of the category is called when the drawn enterprise has none registered
GENERIC_PRODUCTS = {
    "food-processed": ("糕点", "散装称重", "GB 7099-2015"), "food-tea": ("绿茶", "一级 250g", "GB/T 14456.1-2017"),
    "food-drinks": ("饮用天然水", "550mL", "GB 19298-2014"), "food-liquor": ("黄酒", "2.5L", "GB/T 13662-2018"),
    "kids-clothing": ("儿童针织套装", "110/56", "GB 31701-2015"), "school-supplies": ("学生作业本", "16K 36页", "GB 21027-2020"),
    "cookware": ("不锈钢汤锅", "24cm", "GB 4806.9-2023"), "furniture": ("实木椅", "YZ-01", "GB/T 3324-2017"),
    "water-purifiers": ("反渗透净水机", "RO-400G", "GB 34914-2021"), "auto-modified": ("厢式运输车", "5042XXY6", "GB 7258-2017"),
    "auto-parts": ("制动鼓", "3502075-K0800", "GB/T 9439-2010"), "wood-panels": ("胶合板", "1220×2440×15mm", "GB/T 9846-2015"),
    "waterproofing": ("SBS改性沥青防水卷材", "I PY S 4mm", "GB 18242-2008"),
    "wires-cables": ("聚氯乙烯绝缘电线", "BV 450/750V 2.5mm²", "GB/T 5023.3-2008"),
}
PLATFORMS = ("淘宝", "天猫", "京东", "拼多多", "抖音电商")
SHOP_SUFFIXES = ("旗舰店", "官方旗舰店", "专营店", "企业店", "工厂店")
FOOD_CATEGORIES = ("food-processed", "food-tea", "food-drinks", "food-liquor")
CONDITIONS = ("封条完好，样品完好", "封条完好，包装完整", "封样完好，数量与抽样单一致", "样品及封条完好，冷链运输温度正常")

#: producers registered outside Shiyan whose failing products are referred to their home authority
OUTSIDE_PRODUCERS = (
    # (division code, name, address, category, product, model, trademark, home authority)
    ("330502", "湖州织里童趣服饰有限公司", "浙江省湖州市吴兴区织里镇", "kids-clothing", "儿童连帽卫衣", "120/60", "童趣",
     "湖州市吴兴区市场监督管理局"),
    ("445202", "揭阳市榕城区鑫达不锈钢制品厂", "广东省揭阳市榕城区", "cookware", "不锈钢汤锅", "24cm 双耳", "鑫达",
     "揭阳市榕城区市场监督管理局"),
)


# --- small helpers -----------------------------------------------------------------------------


def _between(rng: random.Random, lo: D, hi: D) -> D:
    if hi <= lo:
        return lo
    return lo + DAY * rng.randrange((hi - lo).days + 1)


def _working(day: D) -> D:
    """The day itself or the next working day (sampling and lab work happen on working days)."""
    from zhiliang.core import workdays

    return _plain(workdays.next_working_day(day))


def _plain(d) -> D:
    return D(d.year, d.month, d.day)


def _q(value: float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def measure(rng: random.Random, spec: ItemSpec, passing: bool) -> str:
    """A measured value of ``spec`` that passes (or fails) its limit.  The judgement itself is
    the services' (:func:`judged_results`); this only aims."""
    if spec.direction == QUAL:
        return "符合" if passing else "不符合"
    if spec.grades:
        return rng.choice(spec.grades[0 if passing else 1])
    low = Decimal(spec.low) if spec.low is not None else None
    high = Decimal(spec.high) if spec.high is not None else None
    step = Decimal(1).scaleb(-spec.places)
    if spec.direction == MAX:
        if passing:
            if spec.nd and rng.random() < spec.nd:
                return "未检出"
            value = _q(float(high) * rng.uniform(0.12, 0.9), spec.places)
            return str(max(value, step) if value <= high else high)
        return str(max(_q(float(high) * rng.uniform(1.08, 1.9), spec.places), high + step))
    if spec.direction == MIN:
        if passing:
            return str(max(_q(float(low) * rng.uniform(1.02, 1.45), spec.places), low))
        value = _q(float(low) * rng.uniform(0.6, 0.96), spec.places)
        return str(min(value, low - step))
    width = float(high - low)
    if passing:
        return str(_q(float(low) + width * rng.uniform(0.15, 0.85), spec.places))
    if rng.random() < 0.5:
        return str(min(_q(float(low) - width * rng.uniform(0.05, 0.3), spec.places), low - step))
    return str(max(_q(float(high) + width * rng.uniform(0.05, 0.3), spec.places), high + step))


def choose_failing(rng: random.Random, specs: tuple[ItemSpec, ...]) -> set[str]:
    """The items a failing sample fails: one (mostly) or two, the riskier ones more often."""
    names = [s.name for s in specs]
    weights = [s.risk for s in specs]
    first = rng.choices(names, weights=weights)[0]
    chosen = {first}
    if len(names) > 2 and rng.random() < 0.2:
        rest = [(n, w) for n, w in zip(names, weights, strict=True) if n != first]
        chosen.add(rng.choices([n for n, _ in rest], weights=[w for _, w in rest])[0])
    return chosen


def lottery_value(rng: random.Random, on: D) -> str:
    """A public random value as announced on the day (a welfare-lottery draw number)."""
    number = on.timetuple().tm_yday // 2 + 1
    return f"中国福利彩票3D第{on:%Y}{number:03d}期开奖号码 {rng.randrange(10)} {rng.randrange(10)} {rng.randrange(10)}"


@contextmanager
def draw_seeds(seed: int) -> Iterator[None]:
    """Derive the draws' secret seeds from the demo seed (``sampling.draw.new_seed`` is
    replaced for the duration of the demo load only): the same demo seed gives the same
    draws, hence the same tasks and samples.  The seeds are still committed before and
    revealed after each draw, and every record verifies."""
    from . import draw as engine

    original = engine.new_seed
    counter = itertools.count(1)
    engine.new_seed = lambda: hashlib.sha256(f"zhiliang-demo:{seed}:draw:{next(counter)}".encode()).hexdigest()
    try:
        yield
    finally:
        engine.new_seed = original


# --- the 6-month ban, in memory ------------------------------------------------------------------


class BanIndex:
    """Every sample written (or reserved) so far, by producer: a new one may not be barred by
    an earlier one nor bar a later one (RULE_SAMPLING_REPEAT_6M, through ``sampling.rules``)."""

    def __init__(self) -> None:
        self.by_producer: dict[int, list[tuple]] = defaultdict(list)

    @staticmethod
    def key(producer_id, trademark, model, standard):
        from . import rules

        return rules.ProductKey.of(producer_id, trademark, model, standard)

    def conflicts(self, producer_id, key, authority, day: D) -> bool:
        from . import rules

        level = authority[0]
        for other, other_authority, other_day in self.by_producer.get(producer_id, ()):
            if not key.same_product(other):
                continue
            if other_day <= day and rules.bars_level(other_authority[0], other_authority, level, authority) and rules.is_barred_on(other_day, day):
                return True
            if day <= other_day and rules.bars_level(level, authority, other_authority[0], other_authority) and rules.is_barred_on(day, other_day):
                return True
        return False

    def add(self, producer_id, key, authority, day: D) -> None:
        self.by_producer[producer_id].append((key, authority, day))


# --- the world as the loader sees it ---------------------------------------------------------------


@dataclass
class Maker:
    """A registered enterprise and its products of one category."""

    pk: int
    name: str
    region: str
    products: list[tuple]  # (pk, name, brand, model, standard)


@dataclass
class World:
    today: D
    year: int
    last: int
    regions: dict
    categories: dict
    departments: dict
    enterprises: dict  # pk -> (name, region code, status, uscc)
    region_of: dict  # enterprise pk -> Region
    makers: dict  # category code -> region code -> [Maker]
    maker_of: dict  # (enterprise pk, category code) -> Maker
    labs: list  # TestingAgency rows
    lab_categories: dict  # lab pk -> set of category codes (with descendants)
    inspectors_by_region: dict  # region code -> [Inspector]
    users: dict  # username -> User
    lab_users: dict  # lab pk -> User
    enterprise_users: dict  # enterprise pk -> User
    account_enterprises: dict  # username -> Enterprise
    members: dict = field(default_factory=dict)  # (region code, category code) -> operating enterprises
    sellers: dict = field(default_factory=dict)  # category code -> region code -> [enterprise pk] (no product of it)
    conflicts: set = field(default_factory=set)  # (lab pk, enterprise pk) declared conflicts
    ban: BanIndex = field(default_factory=BanIndex)
    sample_seq: Counter = field(default_factory=Counter)
    report_seq: Counter = field(default_factory=Counter)

    def sample_no(self, sampled_on: D, region_code: str) -> str:
        prefix = f"CJ{sampled_on.year}{region_code}"
        self.sample_seq[prefix] += 1
        return f"{prefix}{self.sample_seq[prefix]:05d}"

    def taken(self, sample_no: str) -> None:
        """A number the services gave: the bulk continues after it."""
        prefix, seq = sample_no[:-5], sample_no[-5:]
        if seq.isdigit():
            self.sample_seq[prefix] = max(self.sample_seq[prefix], int(seq))

    def report_no(self, lab, year: int) -> str:
        code = (lab.cma_number or f"{lab.pk:04d}")[-4:]
        self.report_seq[(lab.pk, year)] += 1
        return f"BG{year}{code}{self.report_seq[(lab.pk, year)]:05d}"

    def labs_for(self, category: str, on: D, exclude=()) -> list:
        return [lab for lab in self.labs if category in self.lab_categories[lab.pk] and lab.is_active
                and (lab.cma_valid_until is None or lab.cma_valid_until >= max(on, self.today)) and lab.pk not in exclude]

    def all_makers(self, category: str) -> list[Maker]:
        return [m for code in REGIONS for m in self.makers.get(category, {}).get(code, [])]


def _load_world(today: D) -> World:
    from zhiliang.core.models import Department, Membership, Region, User
    from zhiliang.enterprises.demo import ENTERPRISE_ACCOUNTS
    from zhiliang.enterprises.models import ConflictOfInterest, Enterprise, Inspector, Product, ProductCategory, TestingAgency

    regions = {r.code: r for r in Region.objects.all()}
    categories = {c.code: c for c in ProductCategory.objects.all()}
    by_pk = {c.pk: c for c in categories.values()}
    departments = {d.code: d for d in Department.objects.all()}
    region_by_pk = {r.pk: r for r in regions.values()}
    enterprises = {}
    region_of = {}
    for pk, name, region_id, status, uscc in Enterprise.objects.order_by("pk").values_list("pk", "name", "region_id", "status", "uscc"):
        region = region_by_pk[region_id]
        enterprises[pk] = (name, region.code, status, uscc)
        region_of[pk] = region
    makers: dict = defaultdict(lambda: defaultdict(list))
    maker_of: dict = {}
    rows = Product.objects.filter(enterprise__status="active").order_by("enterprise_id", "pk").values_list(
        "pk", "enterprise_id", "category_id", "name", "brand", "model", "standards")
    for pk, enterprise_id, category_id, name, brand, model, standards in rows:
        code = by_pk[category_id].code
        maker = maker_of.get((enterprise_id, code))
        if maker is None:
            name_, region_code, _, _ = enterprises[enterprise_id]
            if region_code not in REGIONS:
                continue
            maker = maker_of[(enterprise_id, code)] = Maker(enterprise_id, name_, region_code, [])
            makers[code][region_code].append(maker)
        maker.products.append((pk, name, brand, model, (standards or [""])[0]))
    labs = list(TestingAgency.objects.order_by("pk"))
    lab_categories = {}
    for lab in labs:
        codes = set()
        for category in lab.categories.all():
            codes |= {by_pk[pk].code for pk in category.descendant_ids() if pk in by_pk}
        lab_categories[lab.pk] = codes
    inspectors_by_region: dict = defaultdict(list)
    for ins in Inspector.objects.filter(is_active=True).select_related("region").order_by("pk"):
        inspectors_by_region[ins.region.code].append(ins)
    users = {u.username: u for u in User.objects.filter(is_service_account=False)}
    lab_users, enterprise_users, account_enterprises = {}, {}, {}
    memberships = Membership.objects.filter(role__name__in=("lab", "enterprise")).select_related("role", "user").order_by("pk")
    lab_pks = {lab.pk: lab for lab in labs}
    for m in memberships:
        if not m.organisation_id:
            continue
        if m.role.name == "lab" and int(m.organisation_id) in lab_pks:
            lab_users.setdefault(int(m.organisation_id), m.user)
        elif m.role.name == "enterprise":
            enterprise_users.setdefault(int(m.organisation_id), m.user)
    for username, _sector in ENTERPRISE_ACCOUNTS:
        user = users.get(username)
        if user is not None:
            pk = next((e for e, u in enterprise_users.items() if u.pk == user.pk), None)
            if pk is not None:
                account_enterprises[username] = Enterprise.objects.select_related("region").get(pk=pk)
    members: Counter = Counter()
    sellers: dict = defaultdict(lambda: defaultdict(list))
    through = Enterprise.categories.through.objects.order_by("enterprise_id", "productcategory_id").values_list("enterprise_id", "productcategory_id")
    for enterprise_id, category_id in through:
        name_, region_code, status, _ = enterprises[enterprise_id]
        code = by_pk[category_id].code
        if status != "active" or region_code not in REGIONS:
            continue
        members[(region_code, code)] += 1
        if (enterprise_id, code) not in maker_of:
            sellers[code][region_code].append(enterprise_id)
    conflicts = set(ConflictOfInterest.objects.filter(agency__isnull=False).values_list("agency_id", "enterprise_id"))
    year = (today - datetime.timedelta(days=200)).year
    return World(today, year, year - 1, regions, categories, departments, enterprises, region_of,
                 {k: dict(v) for k, v in makers.items()}, maker_of, labs, lab_categories, dict(inspectors_by_region), users,
                 lab_users, enterprise_users, account_enterprises, dict(members), {k: dict(v) for k, v in sellers.items()}, conflicts)


# --- plans -------------------------------------------------------------------------------------------


@dataclass
class PlanDef:
    key: str
    code: str
    title: str
    year: int
    level: str
    region: str
    department: str
    place: str
    categories: tuple[str, ...]
    status: str  # draft / approved / published / closed
    created_on: D
    published_on: D | None = None
    draw_on: D | None = None
    window: tuple[D, D] | None = None  # bulk sampling window
    pending: float = 0.0  # share of the drawn tasks left to sample
    quota_regions: tuple[str, ...] = ()
    quota_size: Callable | None = None
    description: str = ""
    plan: object = None
    draw: object = None


def _quota_city(rng: random.Random, region: str, available: int) -> int:
    if region in BIG_REGIONS:
        want = rng.choice((2, 3, 3, 4))
    elif region in MID_REGIONS:
        want = rng.choice((2, 2, 3))
    else:
        want = rng.choice((1, 2, 2))
    return min(want, available)


def _quota_county(rng: random.Random, region: str, available: int) -> int:
    return min(rng.choice((3, 4, 5, 6)), available)


def _quota_market(rng: random.Random, region: str, available: int) -> int:
    return min(rng.choice((1, 2, 2, 3)) if region in BIG_REGIONS + MID_REGIONS else rng.choice((1, 1, 2)), available)


def plan_defs(world: World) -> list[PlanDef]:
    """Every local plan of the two years, with its dates relative to today."""
    T, Y, L = world.today, world.year, world.last
    end = T - datetime.timedelta(days=55)  # the last day of this year's bulk (final) sampling

    def window(start: D, stop: D, after: D) -> tuple[D, D]:
        stop = max(stop, after + datetime.timedelta(days=15))
        start = min(max(start, after + DAY * 5), stop - datetime.timedelta(days=10))
        return start, stop

    city_factory = ("food-processed", "food-tea", "kids-clothing", "furniture", "wires-cables", "auto-modified", "auto-parts")
    defs = [
        PlanDef("CF-L", f"SYSJ{L}-01", f"十堰市{L}年产品质量监督抽查计划（生产领域）", L, "city", CITY, "sy-amr", "factory", city_factory,
                "closed", D(L, 2, 26), D(L, 3, 8), D(L, 3, 12), (D(L, 3, 25), D(L, 5, 20)), 0.0, REGIONS, _quota_city,
                "按照“双随机、一公开”要求，对本市生产企业的重点消费品开展监督抽查；汽车零部件为本市特色产业加抽类别。"),
        PlanDef("CM-L", f"SYSJ{L}-02", f"十堰市{L}年流通领域产品质量监督抽查计划", L, "city", CITY, "sy-amr", "market",
                ("school-supplies", "cookware", "water-purifiers", "wood-panels", "waterproofing"), "closed", D(L, 6, 10), D(L, 6, 20),
                D(L, 6, 25), (D(L, 7, 6), D(L, 8, 20)), 0.0, REGIONS, _quota_market, "随机抽取销售者，在其经营场所购买样品。"),
        PlanDef("CO-L", f"SYSJ{L}-03", f"十堰市{L}年电子商务产品质量监督抽查计划", L, "city", CITY, "sy-amr", "online",
                ("kids-clothing", "school-supplies", "water-purifiers", "food-tea"), "closed", D(L, 9, 12), D(L, 9, 25), None,
                (D(L, 10, 9), D(L, 11, 15)), 0.0, REGIONS, _quota_market, "以消费者身份在电子商务平台购买本市网店销售的产品。"),
        PlanDef("MJ-L", f"MJ{L}-01", f"茅箭区{L}年产品质量监督抽查计划", L, "county", "420302", "mj-amr", "factory",
                ("food-processed", "school-supplies", "kids-clothing", "cookware"), "closed", D(L, 3, 16), D(L, 3, 28), D(L, 4, 2),
                (D(L, 4, 14), D(L, 5, 31)), 0.0, ("420302",), _quota_county),
        PlanDef("ZW-L", f"ZW{L}-01", f"张湾区{L}年产品质量监督抽查计划", L, "county", "420303", "zw-amr", "factory",
                ("furniture", "wires-cables", "auto-parts", "food-processed"), "closed", D(L, 4, 3), D(L, 4, 15), D(L, 4, 20),
                (D(L, 5, 6), D(L, 6, 25)), 0.0, ("420303",), _quota_county),
        PlanDef("YY-L", f"YY{L}-01", f"郧阳区{L}年产品质量监督抽查计划", L, "county", "420304", "yy-amr", "factory",
                ("food-processed", "food-tea", "wood-panels"), "closed", D(L, 5, 8), D(L, 5, 20), D(L, 5, 25),
                (D(L, 6, 8), D(L, 7, 25)), 0.0, ("420304",), _quota_county),
        PlanDef("DJK-L", f"DJK{L}-01", f"丹江口市{L}年产品质量监督抽查计划", L, "county", "420381", "djk-amr", "factory",
                ("food-drinks", "food-tea", "food-processed"), "closed", D(L, 3, 10), D(L, 3, 20), D(L, 3, 25),
                (D(L, 4, 8), D(L, 5, 25)), 0.0, ("420381",), _quota_county),
        PlanDef("FX-L", f"FX{L}-01", f"房县{L}年产品质量监督抽查计划", L, "county", "420325", "fx-amr", "factory",
                ("food-liquor", "food-processed", "wood-panels"), "closed", D(L, 6, 28), D(L, 7, 10), D(L, 7, 15),
                (D(L, 8, 3), D(L, 9, 20)), 0.0, ("420325",), _quota_county),
        # this year
        PlanDef("CF-Y", f"SYSJ{Y}-01", f"十堰市{Y}年产品质量监督抽查计划（生产领域）", Y, "city", CITY, "sy-amr", "factory",
                (*city_factory, "water-purifiers"), "published", D(Y, 2, 24), D(Y, 3, 6), D(Y, 3, 10),
                window(D(Y, 3, 24), end, D(Y, 3, 10)), 0.12, REGIONS, _quota_city,
                "按照“双随机、一公开”要求，对本市生产企业的重点消费品开展监督抽查；全年分批实施，四季度完成剩余任务。"),
        PlanDef("CM-Y", f"SYSJ{Y}-02", f"十堰市{Y}年流通领域产品质量监督抽查计划", Y, "city", CITY, "sy-amr", "market",
                ("wires-cables", "food-processed", "food-tea", "auto-parts", "kids-clothing", "cookware", "furniture"), "published",
                D(Y, 5, 2), D(Y, 5, 12), D(Y, 5, 18), window(D(Y, 6, 2), end, D(Y, 5, 18)), 0.3, REGIONS, _quota_market,
                "随机抽取销售者，在其经营场所购买样品；生产者在外地的，不合格结果移送其所在地市场监管部门核查处置。"),
        PlanDef("CO-Y", f"SYSJ{Y}-03", f"十堰市{Y}年电子商务产品质量监督抽查计划", Y, "city", CITY, "sy-amr", "online",
                ("kids-clothing", "school-supplies", "cookware", "water-purifiers", "food-tea"), "published", D(Y, 4, 10), D(Y, 4, 22), None,
                window(D(Y, 5, 6), end, D(Y, 4, 22)), 0.0, REGIONS, _quota_market, "以消费者身份在电子商务平台购买样品，留存网页截图和购样凭证。"),
        PlanDef("MJ-Y", f"MJ{Y}-01", f"茅箭区{Y}年产品质量监督抽查计划", Y, "county", "420302", "mj-amr", "factory",
                ("food-processed", "school-supplies", "kids-clothing", "cookware"), "published", D(Y, 3, 6), D(Y, 3, 18), D(Y, 3, 23),
                window(D(Y, 4, 7), end, D(Y, 3, 23)), 0.1, ("420302",), _quota_county),
        PlanDef("DJK-Y", f"DJK{Y}-01", f"丹江口市{Y}年产品质量监督抽查计划", Y, "county", "420381", "djk-amr", "factory",
                ("food-drinks", "food-tea", "food-processed"), "closed", D(Y, 3, 12), D(Y, 3, 25), D(Y, 3, 30),
                window(D(Y, 4, 12), min(end, D(Y, 7, 31)), D(Y, 3, 30)), 0.0, ("420381",), _quota_county),
        PlanDef("YY-Y", f"YY{Y}-01", f"郧阳区{Y}年产品质量监督抽查计划", Y, "county", "420304", "yy-amr", "factory",
                ("food-processed", "food-tea", "wood-panels"), "published", D(Y, 4, 15), D(Y, 4, 28), D(Y, 5, 5),
                window(D(Y, 5, 19), end, D(Y, 5, 5)), 0.2, ("420304",), _quota_county),
    ]
    second = (T - datetime.timedelta(days=45))
    defs += [
        PlanDef("ZW-Y", f"ZW{second.year}-02", f"张湾区{second.year}年第二批产品质量监督抽查计划", second.year, "county", "420303", "zw-amr", "factory",
                ("furniture", "wires-cables", "food-processed", "wood-panels"), "published", T - datetime.timedelta(days=58), second,
                T - datetime.timedelta(days=40), None, 1.0, ("420303",), _quota_county,
                "第二批抽查：家具、电线电缆、加工食品、人造板；名录冻结时排除6个月内已被抽查的产品。"),
        PlanDef("ZS-Y", f"ZS{T.year}-02", f"竹山县{T.year}年第二批产品质量监督抽查计划", T.year, "county", "420323", "zs-amr", "factory",
                ("food-processed", "wood-panels", "water-purifiers"), "approved", T - datetime.timedelta(days=16), None, None, None, 0.0,
                ("420323",), _quota_county),
        PlanDef("ZX-Y", f"ZX{T.year}-02", f"竹溪县{T.year}年第二批产品质量监督抽查计划（草案）", T.year, "county", "420324", "zx-amr", "factory",
                ("food-tea", "food-processed"), "draft", T - DAY * 5, None, None, None, 0.0, (), None),
        PlanDef("CW-Y", f"SYSJ{T.year}-04", f"十堰市{T.year}年冬季节令产品质量监督抽查计划（草案）", T.year, "city", CITY, "sy-amr", "market",
                ("kids-clothing", "food-processed", "water-purifiers"), "draft", T - DAY * 3, None, None, None, 0.0, ("420302", "420303"),
                _quota_market, "儿童羽绒服、节令食品、净水机等冬季热销产品。"),
    ]
    return defs


# --- the samples of the bulk ------------------------------------------------------------------------


@dataclass
class SampleSpec:
    """One historical sample before it is written: who, what, where, when; ``fail`` is decided
    by the allocation of failures (:class:`RateKeeper`)."""

    pdef: PlanDef | None
    plan: object
    category: str
    region: object  # where sampled (a county, or the city for online purchases)
    county: str  # the producer's county (statistics), or "other"
    sampled_on: D
    producer_id: int | None
    producer_name: str
    product: tuple | None  # (pk, name, brand, model, standard)
    product_name: str
    trademark: str
    model: str
    standard: str
    place: str = "factory"
    task: object = None
    sampled_unit_id: int | None = None
    sampled_unit_name: str = ""
    platform: str = ""
    shop: str = ""
    order_no: str = ""
    page_url: str = ""
    lab: object = None
    inspectors: tuple = ()
    fail: bool = False
    level: str = "city"


class RateKeeper:
    """Allocates failures so that each (year, producer county) lands on its pass rate: a
    running total per group (error diffusion), so a plan's few samples of a county need not
    hit the rate alone; upper-level (imported) results have their own, more spread, rates."""

    def __init__(self, rng: random.Random, years: tuple[int, int]):
        self.rng = rng
        self.rate: dict[tuple[int, str], float] = {}
        self.upper: dict[tuple[int, str], float] = {}
        for code in REGIONS:
            base = rng.uniform(0.885, 0.945)
            upper = min(0.975, max(0.86, base + rng.uniform(-0.04, 0.03)))
            for i, year in enumerate(sorted(years)):
                drift = 0.0 if i == 0 else rng.uniform(-0.008, 0.015)
                self.rate[(year, code)] = min(0.95, max(0.885, base + drift))
                self.upper[(year, code)] = min(0.975, max(0.86, upper + drift + rng.uniform(-0.01, 0.01)))
        self.tested: Counter = Counter()
        self.failed: Counter = Counter()
        self.category_tested: Counter = Counter()
        self.category_failed: Counter = Counter()

    def count(self, year: int, county: str, failed: bool, category: str | None = None) -> None:
        """A result decided elsewhere (the living samples) that the rates must absorb."""
        self.tested[(year, county)] += 1
        self.failed[(year, county)] += int(failed)
        if category:
            self.category_tested[category] += 1
            self.category_failed[category] += int(failed)

    def pick(self, categories: list[str], k: int) -> set[int]:
        """``k`` of the group to fail: each time the one whose category is furthest below its
        share of failures (a little noise, so it is not always the same enterprise kind)."""
        for category in categories:
            self.category_tested[category] += 1
        chosen: set[int] = set()
        for _ in range(min(k, len(categories))):
            best = max((i for i in range(len(categories)) if i not in chosen),
                       key=lambda i: (self.category_tested[categories[i]] * (1 - CATEGORY_RATE.get(categories[i], 0.91))
                                      - self.category_failed[categories[i]] + self.rng.uniform(0, 0.9)))
            chosen.add(best)
            self.category_failed[categories[best]] += 1
        return chosen

    def allocate(self, specs: list[SampleSpec], *, upper: bool = False) -> None:
        groups: dict[tuple[int, str], list[SampleSpec]] = defaultdict(list)
        for spec in specs:
            groups[(spec.sampled_on.year, spec.county)].append(spec)
        for key in sorted(groups):
            group = groups[key]
            rate = (self.upper if upper else self.rate).get(key)
            if rate is None:  # outside Shiyan or unmatched: the city's usual rate
                rate = 0.9
            if upper:
                want = round(len(group) * (1 - rate))
            else:
                tested = self.tested[key] + len(group)
                want = max(0, min(len(group), round(tested * (1 - rate)) - self.failed[key]))
            chosen = self.pick([s.category for s in group], want)
            for i, spec in enumerate(group):
                spec.fail = i in chosen
                self.tested[key] += 1
                self.failed[key] += int(spec.fail)


def judged_results(items: list, specs: dict[str, ItemSpec], failing: set[str], rng: random.Random, sample) -> list:
    """The item results of a report: values generated to pass or fail, then judged by the
    services' own judgement (``services.samples.build_results``); a value that does not judge
    as intended is a generator bug, not data."""
    from .judgement import build_results

    rows = [{"item": item, "measured": measure(rng, specs[item.name], item.name not in failing)} for item in items]
    results = build_results(sample, rows)
    got = {r.name for r in results if not r.passed}
    if got != failing:
        raise RuntimeError(f"演示数据生成的检验结果判定不符：应不合格 {sorted(failing)}，判定为 {sorted(got)}")
    return results


# --- the living samples (through the services) ----------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One sample of this year taken through the services to a chosen state.

    ``producer``: ``task`` (the drawn enterprise), ``maker`` (a maker of the category in
    ``region``), an enterprise account's username, or ``outside:N`` (:data:`OUTSIDE_PRODUCERS`).
    ``outcome``: the conclusion the statistics count at the end (None: no result yet)."""

    key: str
    plan: str
    region: str | None
    category: str | None
    state: str
    outcome: str | None
    producer: str = "task"
    lab: str | None = None


STORIES = (
    Story("registered-mj", "CF-Y", "420302", None, "registered", None),
    Story("registered-zw", "ZW-Y", "420303", None, "registered", None),
    Story("sent-lab", "CF-Y", "4203K1", "auto-parts", "sent", None, lab="lab"),
    Story("received-lab", "CF-Y", "420303", "auto-modified", "received", None, lab="lab"),
    Story("sent-lab-food", "CM-Y", None, "food-tea", "sent", None, producer="ent-tea", lab="lab-food"),
    Story("received-lab-food", "CF-Y", "420303", "food-processed", "received", None, lab="lab-food"),
    Story("sent-lab-fangxian", "CM-Y", "420325", "food-processed", "sent", None, producer="maker", lab="lab-fangxian"),
    Story("received-lab-fangxian", "CM-Y", "420324", "food-processed", "received", None, producer="maker", lab="lab-fangxian"),
    Story("sent-lab-private", "CO-Y", "420302", "kids-clothing", "sent", None, producer="maker", lab="lab-private"),
    Story("received-lab-private", "CO-Y", "420303", "school-supplies", "received", None, producer="maker", lab="lab-private"),
    Story("sent-zw", "ZW-Y", "420303", None, "sent", None),
    Story("reported-pass-mj", "CF-Y", "420302", None, "reported-pass", "pass"),
    Story("reported-pass-zw", "ZW-Y", "420303", None, "reported-pass", "pass"),
    Story("reported-fail-mj", "MJ-Y", "420302", None, "reported-fail", "fail"),
    Story("notified-cable", "CM-Y", None, "wires-cables", "notified", "fail", producer="ent-cable"),
    Story("public-notice", "CF-Y", "4203K1", None, "public-notice", "fail"),
    Story("objection-pending", "ZW-Y", "420303", None, "objection", "fail"),
    Story("retest-food", "CM-Y", None, "food-processed", "retest", "fail", producer="ent-food", lab="lab-food"),
    Story("retest-overturned", "CM-Y", None, "furniture", "overturned", "pass", producer="ent-furniture"),
    Story("retest-confirmed", "CF-Y", "420303", None, "confirmed", "fail"),
    Story("objection-rejected", "MJ-Y", "420302", None, "rejected", "fail"),
    Story("rectifying", "CM-Y", None, "auto-parts", "rectifying", "fail", producer="enterprise"),
    Story("recheck-failed", "CF-Y", "420304", None, "recheck-failed", "fail"),
    Story("overdue-djk", "CF-Y", "420381", None, "overdue", "fail"),
    Story("to-rectify-zw", "CF-Y", "420303", None, "final-fail", "fail"),
    Story("referral-overdue", "CO-Y", None, "kids-clothing", "referral-overdue", "fail", producer="outside:0"),
    Story("referral-replied", "CM-Y", None, "cookware", "referral-replied", "fail", producer="outside:1"),
    Story("final-pass-mj-1", "CF-Y", "420302", None, "final-pass", "pass"),
    Story("final-pass-mj-2", "MJ-Y", "420302", None, "final-pass", "pass"),
    Story("final-pass-zw-1", "CF-Y", "420303", None, "final-pass", "pass"),
    Story("final-pass-zw-2", "CF-Y", "420303", None, "final-pass", "pass"),
    Story("refused-mj", "CF-Y", "420302", None, "refused", None),
    Story("refused-yx", "CF-Y", "420322", None, "refused", None),
    Story("refused-mj-last", "MJ-L", "420302", None, "refused", None),
)
#: when a story's sample is taken (days before today), by story key, else by state
STORY_DAYS = {"registered-mj": 1, "registered-zw": 2, "sent-zw": 6, "reported-pass-zw": 30, "refused-mj": 50, "refused-yx": 33,
              "final-pass-mj-1": 95, "final-pass-mj-2": 70, "final-pass-zw-1": 88, "final-pass-zw-2": 64}
STORY_SAMPLED = {"registered": 2, "sent": 5, "received": 10, "reported-pass": 18, "reported-fail": 20, "notified": 28, "public-notice": 30,
                 "objection": 36, "retest": 45, "overturned": 150, "confirmed": 170, "rejected": 160, "rectifying": 75,
                 "recheck-failed": 215, "overdue": 150, "final-fail": 55, "referral-overdue": 210, "referral-replied": 150,
                 "final-pass": 80, "refused": 50}
#: each state's steps, in days before today (``final-pass`` counts from its sampling day)
STORY_STEPS = {
    "sent": {"send": 3},
    "received": {"send": 9, "receive": 7},
    "reported-pass": {"send": 17, "receive": 16, "tested": 12, "issued": 4},
    "reported-fail": {"send": 19, "receive": 18, "tested": 14, "issued": 5},
    "notified": {"send": 27, "receive": 26, "tested": 20, "issued": 8, "notify": 3},
    "public-notice": {"send": 29, "receive": 28, "tested": 22, "issued": 10, "notify": 6},
    "objection": {"send": 35, "receive": 34, "tested": 30, "issued": 20, "notify": 18, "objection": 10},
    "retest": {"send": 44, "receive": 43, "tested": 36, "issued": 26, "notify": 22, "objection": 18, "decide": 14},
    "overturned": {"send": 149, "receive": 148, "tested": 140, "issued": 128, "notify": 126, "objection": 120, "decide": 117,
                   "retest_tested": 110, "retest_issued": 104},
    "confirmed": {"send": 169, "receive": 168, "tested": 160, "issued": 146, "notify": 144, "objection": 136, "decide": 133,
                  "retest_tested": 126, "retest_issued": 120, "order": 110},
    "rejected": {"send": 159, "receive": 158, "tested": 150, "issued": 138, "notify": 136, "objection": 130, "decide": 126, "order": 100},
    "rectifying": {"send": 74, "receive": 73, "tested": 66, "issued": 52, "notify": 50, "order": 25},
    "recheck-failed": {"send": 214, "receive": 213, "tested": 205, "issued": 192, "notify": 190, "order": 170, "recheck": 85, "publish": 75},
    "overdue": {"send": 149, "receive": 148, "tested": 140, "issued": 128, "notify": 126, "order": 95},
    "final-fail": {"send": 54, "receive": 53, "tested": 46, "issued": 35, "notify": 33, "finalise": 5},
    "referral-overdue": {"send": 205, "receive": 203, "tested": 196, "issued": 185, "notify": 183, "refer": 95},
    "referral-replied": {"send": 149, "receive": 148, "tested": 140, "issued": 128, "notify": 126, "refer": 100, "order": 98, "reply": 70,
                         "recheck": 40},
    "final-pass": {"send": -1, "receive": -2, "tested": -8, "issued": -20, "notify": -22},
}
#: the item a story's sample fails (else one chosen by risk)
STORY_FAILING = {"notified-cable": "导体电阻（20℃）", "retest-food": "菌落总数", "retest-overturned": "甲醛释放量", "rectifying": "硬度",
                 "referral-overdue": "甲醛含量", "referral-replied": "镍迁移量"}
OBJECTION_REASONS = (
    "对检验结论有异议：本批次产品出厂检验合格，申请对备用样品复检。",
    "抽样后样品运输、保存条件可能影响检验结果，申请复检。",
    "检验方法与产品执行标准规定的方法不一致，申请复检。",
)
REFUSAL_NOTE = ("企业负责人以“生产任务紧张、负责人不在”为由拒绝抽样；执法人员当场告知拒绝抽样的法律后果后仍拒绝，"
                "已制作现场笔录并录像，依法认定为拒绝监督抽查。")
#: why a living sample went to another lab than its drawn one when that lab could still have
#: tested it: its schedule (nothing the data could contradict); chosen by the sample number,
#: so the seed's random stream is not touched
LAB_CHANGE_REASONS = (
    "原定承检机构“{assigned}”本月检验任务已满，不能在规定时限内完成检验，经组织机关同意改送“{lab}”检验。",
    "原定承检机构“{assigned}”收样排期较晚，为保证样品在规定时限内完成检验，经组织机关同意改送“{lab}”检验。",
)
REFERRAL_REPLY = "经核查，该企业已对同批次库存产品实施召回并停止销售，已责令整改并依法立案调查。"
#: the story states whose result fails (first result) — the measured values are made to fail
FAILING_STATES = {"reported-fail", "notified", "public-notice", "objection", "retest", "overturned", "confirmed", "rejected", "rectifying",
                  "recheck-failed", "overdue", "final-fail", "referral-overdue", "referral-replied"}


# --- the loader -------------------------------------------------------------------------------------------

DEMO_REASON = "演示数据：十堰市监督抽查日常工作"


def _aware(day: D, hour: int, minute: int = 0) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _clean(obj, exclude=()) -> None:
    """Field validation as the services' ``full_clean`` (foreign keys are real rows already)."""
    obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


SAMPLE_FKS = ("plan", "task", "region", "department", "category", "product", "producer", "producer_region", "sampled_unit", "lab",
              "bulletin", "sampled_by")


class Builder:
    """Writes the demo's sampling data, phase by phase (see the module docstring)."""

    def __init__(self, world: World, rng: random.Random, seed: int):
        self.w = world
        self.rng = rng
        self.seed = seed
        self.defs = plan_defs(world)
        self.by_key = {d.key: d for d in self.defs}
        self.items: dict[tuple[int, str], list] = {}
        self.rates = RateKeeper(rng, (world.last, world.year))
        self.imported_plans: dict[tuple[str, int], object] = {}
        self.reserved_tasks: dict[str, object] = {}  # story key -> task
        self.story_data: dict[str, dict] = {}
        self.outside: list = []  # (Enterprise, Product, authority)
        self.counts: Counter = Counter()
        self.final_days: dict[int, D] = {}  # sample pk -> the day its result became final (bulletins)
        self.skipped: list[str] = []  # stories this seed's city could not tell

    # -- who acts ------------------------------------------------------------------------------------

    @contextmanager
    def acting(self, user, reason: str = DEMO_REASON):
        from zhiliang.core.audit import SYSTEM, audit_context

        if user is None:
            yield SYSTEM
            return
        with audit_context(actor=user, reason=reason, source="web"):
            yield user

    def staff(self, d: PlanDef):
        from zhiliang.core.demo import COUNTY_ACCOUNTS

        return self.w.users.get("amr") if d.level == "city" else self.w.users.get(COUNTY_ACCOUNTS.get(d.region, ""))

    def lab_user(self, lab):
        return self.w.lab_users.get(lab.pk) if lab is not None else None

    def lab_of_account(self, username: str):
        from zhiliang.enterprises.demo import LAB_ACCOUNTS

        index = dict(LAB_ACCOUNTS).get(username)
        return self.w.labs[index] if index is not None and index < len(self.w.labs) else None

    # -- dates -----------------------------------------------------------------------------------------

    def at(self, days_before: int, *, not_before: D | None = None) -> D:
        """The working day on or before today − ``days_before`` (never before ``not_before``)."""
        from zhiliang.core import workdays

        day = self.w.today - DAY * days_before
        while not workdays.is_working_day(day):
            day -= DAY
        if not_before is not None and day < not_before:
            day = _working(not_before)
        return day

    def window_day(self, lo: D, hi: D) -> D:
        return _working(_between(self.rng, lo, hi))

    def later(self, day: D, lo: int, hi: int) -> D:
        return _working(day + DAY * self.rng.randint(lo, hi))

    # -- phase 0: producers outside Shiyan -------------------------------------------------------------

    def outside_producers(self) -> None:
        from zhiliang.core.audit import SYSTEM
        from zhiliang.core.reference_data import OUTSIDE_CODE
        from zhiliang.enterprises import services as registry
        from zhiliang.enterprises.demo import make_orgcode, make_uscc_for


        outside = self.w.regions[OUTSIDE_CODE]
        for division, name, address, category, product, model, brand, authority in OUTSIDE_PRODUCERS:
            uscc = make_uscc_for(division, orgcode=make_orgcode(self.rng, established=2016))
            enterprise = registry.create_enterprise(actor=SYSTEM, uscc=uscc, name=name, region=outside, address=address,
                                                    entity_type="sole" if name.endswith("厂") else "limited", status="active",
                                                    categories=[self.w.categories[category]])
            item, _ = registry.save_product(actor=SYSTEM, enterprise=enterprise, category=self.w.categories[category], brand=brand,
                                            name=product, model=model, standards=[GENERIC_PRODUCTS[category][2]])
            self.outside.append((enterprise, item, authority))

    # -- phase 1: plans --------------------------------------------------------------------------------

    def make_plans(self) -> None:
        from .models import Quota, TestItem
        from .services import plans
        from .judgement import check_item_limits

        T = self.w.today
        admin = self.w.users.get("admin")
        items, quotas = [], []
        for d in self.defs:
            staff = self.staff(d)
            categories = [self.w.categories[c] for c in d.categories]
            starts = d.published_on or d.created_on + DAY * 14
            ends = D(d.year, 12, 20) if d.status == "closed" else max(D(d.year, 12, 20), T + DAY * 30)
            with self.acting(staff) as actor:
                plan = plans.create_plan(
                    actor=actor, code=d.code, title=d.title, year=d.year, level=d.level, region=self.w.regions[d.region],
                    department=self.w.departments[d.department], place=d.place, categories=categories, starts_on=starts, ends_on=ends,
                    description=d.description,
                )
            # the test items and quotas, validated as ``add_test_item``/``set_quota`` validate them, written at once
            with_items = d.categories[:1] if d.key == "ZX-Y" else d.categories  # a draft still being written
            for code in with_items:
                for order, spec in enumerate(CATEGORY_ITEMS[code], start=1):
                    low, high = check_item_limits(spec.name, spec.direction, spec.low, spec.high, spec.requirement)
                    item = TestItem(plan=plan, category=self.w.categories[code], name=spec.name, direction=spec.direction, standard=spec.standard,
                                    clause=spec.clause, unit=spec.unit, limit_low=low, limit_high=high, requirement=spec.requirement,
                                    sort_order=order)
                    item.full_clean(exclude=["plan", "category"])
                    items.append(item)
            for region in d.quota_regions:
                for code in d.categories:
                    quantity = d.quota_size(self.rng, region, self.w.members.get((region, code), 0)) if d.quota_size else 0
                    if quantity:
                        quota = Quota(plan=plan, region=self.w.regions[region], category=self.w.categories[code], quantity=quantity)
                        quota.full_clean(exclude=["plan", "region", "category"])
                        quotas.append(quota)
            d.plan = plan
            self.counts["plans"] += 1
        TestItem.objects.bulk_create(items, batch_size=500)
        Quota.objects.bulk_create(quotas, batch_size=500)
        for d in self.defs:
            staff = self.staff(d)
            if d.status in ("approved", "published", "closed"):
                approved_on = (d.published_on or T - DAY * 6) - DAY * 4
                with self.acting(admin) as actor:
                    plans.approve_plan(actor=actor, plan=d.plan, on=approved_on)
            if d.status in ("published", "closed"):
                with self.acting(staff) as actor:
                    plans.publish_plan(actor=actor, plan=d.plan, on=d.published_on)
        for item in TestItem.objects.select_related("category").order_by("plan_id", "category_id", "sort_order", "pk"):
            self.items.setdefault((item.plan_id, item.category.code), []).append(item)

    # -- phase 2: imported national and provincial results --------------------------------------------

    def imported_plan(self, level: str, year: int):
        from .services import bulletins

        key = (level, year)
        if key not in self.imported_plans:
            from zhiliang.core.audit import SYSTEM

            organiser = NATIONAL_ORGANISER if level == "national" else PROVINCIAL_ORGANISER
            code = f"IMP-{level}-{year}-{hashlib.sha256(organiser.encode('utf-8')).hexdigest()[:8].upper()}"
            self.imported_plans[key] = bulletins.create_imported_plan(actor=SYSTEM, code=code, level=level, year=year, organiser_name=organiser,
                                                                      region=self.w.regions[CITY])
            self.counts["plans"] += 1
        return self.imported_plans[key]

    def pick_product(self, maker: Maker, authority, day: D, *, prefer=None) -> tuple | None:
        """A product of ``maker`` the 6-month ban allows on ``day`` (``prefer`` first)."""
        products = list(maker.products)
        self.rng.shuffle(products)
        if prefer is not None:
            products.sort(key=lambda p: p[0] != prefer)
        for product in products:
            key = BanIndex.key(maker.pk, product[2], product[3], product[4])
            if not self.w.ban.conflicts(maker.pk, key, authority, day):
                return product
        return None

    def imported_specs(self) -> list[SampleSpec]:
        from .choices import Level

        T, Y, L = self.w.today, self.w.year, self.w.last
        avoid = {e.pk for e in self.w.account_enterprises.values()}
        national_categories = ("kids-clothing", "school-supplies", "wires-cables", "water-purifiers", "cookware", "furniture", "wood-panels",
                               "waterproofing", "auto-modified", "food-processed", "food-tea")
        specs: list[SampleSpec] = []
        for level, per_region, extra in ((Level.NATIONAL, 2, 14), (Level.PROVINCIAL, 9, 55)):
            for year in (L, Y):
                lo, hi = D(year, 3, 1), (D(year, 11, 30) if year == L else T - DAY * 20)
                weights = {code: sum(len(v.get(code, [])) for v in self.w.makers.values()) for code in REGIONS}
                sequence = [code for code in REGIONS for _ in range(per_region)]
                sequence += self.rng.choices(list(weights), weights=list(weights.values()), k=extra)
                for region in sequence:
                    cats = [c for c in (national_categories if level == Level.NATIONAL else CATEGORY_ITEMS)
                            if self.w.makers.get(c, {}).get(region)]
                    if not cats:
                        continue
                    for _attempt in range(8):
                        category = self.rng.choices(cats, weights=[len(self.w.makers[c][region]) ** 0.5 for c in cats])[0]
                        maker = self.rng.choice(self.w.makers[category][region])
                        if year == Y and maker.pk in avoid:
                            continue
                        day = self.window_day(lo, hi)
                        plan = self.imported_plan(level, day.year)
                        authority = (level, plan.region_id, plan.department_id)
                        product = self.pick_product(maker, authority, day)
                        if product is None:
                            continue
                        specs.append(self.imported_spec(plan, level, category, maker, product, day, authority))
                        break
        # a product the 张湾 second-batch draw must leave out (sampled provincially within 6 months)
        zw = self.by_key.get("ZW-Y")
        if zw is not None and zw.draw_on:
            day = self.at(75)
            for code in zw.categories:
                single = [m for m in self.w.makers.get(code, {}).get("420303", []) if len(m.products) == 1 and m.pk not in avoid]
                found = False
                for maker in single:
                    plan = self.imported_plan(Level.PROVINCIAL, day.year)
                    authority = (Level.PROVINCIAL, plan.region_id, plan.department_id)
                    product = self.pick_product(maker, authority, day)
                    if product is not None:
                        specs.append(self.imported_spec(plan, Level.PROVINCIAL, code, maker, product, day, authority))
                        found = True
                        break
                if found:
                    break
        return specs

    def imported_spec(self, plan, level, category, maker, product, day, authority) -> SampleSpec:
        self.w.ban.add(maker.pk, BanIndex.key(maker.pk, product[2], product[3], product[4]), authority, day)
        place, unit_name = "factory", maker.name
        if self.rng.random() < 0.2:
            sellers = self.w.sellers.get(category, {}).get(maker.region, [])
            if sellers:
                place, unit_name = "market", self.w.enterprises[self.rng.choice(sellers)][0]
        standard = product[4] if self.rng.random() < 0.6 else ""  # bulletins often leave the standard out
        return SampleSpec(None, plan, category, self.w.regions[maker.region], maker.region, day, maker.pk, maker.name, product, product[1],
                          product[2], product[3], standard, place=place, sampled_unit_name=unit_name, level=level)

    def write_imported(self, specs: list[SampleSpec]) -> None:
        from .importers import content_key, imported_sample_no
        from .models import Sample

        objs = []
        seq: Counter = Counter()
        for spec in specs:
            production = spec.sampled_on - DAY * self.rng.randint(8, 150)
            batch_no = self.batch_no(spec.category, production)
            seq[(spec.level, spec.sampled_on.year)] += 1
            report_no = f"{'GJCC' if spec.level == 'national' else 'HBCC'}{spec.sampled_on.year}{seq[(spec.level, spec.sampled_on.year)]:05d}"
            failing = sorted(choose_failing(self.rng, CATEGORY_ITEMS[spec.category])) if spec.fail else []
            key = content_key(spec.product_name, spec.model, batch_no, spec.producer_name, spec.sampled_unit_name, spec.trademark,
                              spec.sampled_on.isoformat(), report_no)
            organiser = spec.plan.organiser_name
            row = {"序号": str(len(objs) + 1), "产品名称": spec.product_name, "商标": spec.trademark, "规格型号": spec.model,
                   "生产日期/批号": batch_no, "标称生产企业名称": spec.producer_name, "受检单位": spec.sampled_unit_name,
                   "抽查时间": spec.sampled_on.isoformat(), "检验结论": "不合格" if spec.fail else "合格",
                   "不合格项目": "、".join(failing) or "/", "报告编号": report_no, "组织机关": organiser, "来源": "演示数据（模拟公告）"}
            sample = Sample(
                sample_no=imported_sample_no(spec.sampled_on, key), plan=spec.plan, level=spec.level, region=spec.region, department=None,
                category=self.w.categories[spec.category], product_name=spec.product_name, trademark=spec.trademark, model=spec.model,
                standard=spec.standard, batch_no=batch_no, production_date=production, producer_id=spec.producer_id,
                producer_name=spec.producer_name, producer_region=self.w.regions[spec.county], sampled_unit_name=spec.sampled_unit_name,
                place=spec.place, quantity_reserve=0, sampled_on=spec.sampled_on, status="final", first_conclusion="fail" if spec.fail else "pass",
                conclusion="fail" if spec.fail else "pass", failing_items=failing, source="imported", source_row=row,
            )
            _clean(sample, SAMPLE_FKS)
            objs.append(sample)
        # two results whose producer the bulletin names but the registry does not know: the review list
        for name, product, region, day in (("十堰市郧阳区鑫源食品厂", "香菇酱", "420304", self.at(120)),
                                           ("河南省南阳市宛城区华佳童装厂", "儿童棉服", None, self.at(140))):
            plan = self.imported_plan("provincial", day.year)
            key = content_key(product, "", "", name, "", "", day.isoformat(), "")
            category = "food-processed" if "食品" in name else "kids-clothing"
            sample = Sample(
                sample_no=imported_sample_no(day, key), plan=plan, level="provincial", region=self.w.regions[region or "420302"],
                category=self.w.categories[category], product_name=product, producer_name=name,
                producer_region=self.w.regions[region] if region else self.w.regions.get("X00000"), sampled_unit_name="" if region else "十堰市茅箭区某商场",
                place="factory" if region else "market", quantity_reserve=0, sampled_on=day, status="final", first_conclusion="pass",
                conclusion="pass", failing_items=[], source="imported",
                source_row={"产品名称": product, "标称生产企业名称": name, "抽查时间": day.isoformat(), "检验结论": "合格", "来源": "演示数据（模拟公告）"},
            )
            _clean(sample, SAMPLE_FKS)
            objs.append(sample)
        Sample.objects.bulk_create(objs, batch_size=500)
        self.counts["samples_imported"] += len(objs)
        # the county's rectification of a Shiyan producer's failing upper-level result
        rects = []
        for spec, sample in zip(specs, objs[:len(specs)], strict=True):
            if spec.fail and spec.sampled_on <= self.w.today - DAY * 60:
                final = self.later(spec.sampled_on, 30, 45)
                rect = self.rectification(sample, spec.producer_id, self.w.regions[spec.county], final)
                if rect is not None:
                    rects.append(rect)
        self.write_rectifications(rects)

    # -- shared writers ------------------------------------------------------------------------------

    def batch_no(self, category: str, production: D) -> str:
        if category in FOOD_CATEGORIES:
            return f"{production:%Y-%m-%d}"
        if category in ("auto-modified",):
            return f"VIN LGAX{self.rng.randrange(10**8, 10**9)}"
        return self.rng.choice((f"{production:%Y%m%d}", f"{production:%Y}{self.rng.choice('ABCD')}{self.rng.randrange(1, 999):03d}",
                                f"{production:%Y-%m}"))

    def rectification(self, sample, enterprise_id: int, region, final: D):
        """A rectification of a final failing result, as far as today allows (the rules' dates)."""
        from . import rules
        from .models import Rectification

        T = self.w.today
        ordered = self.later(final, 2, 12)
        if ordered >= T:
            return None
        correction_due, recheck_due = (_plain(d) for d in rules.rectification_dates(ordered))
        rect = Rectification(sample=sample, enterprise_id=enterprise_id, region=region, ordered_on=ordered, stop_sale=True,
                             correction_due=correction_due, recheck_due=recheck_due, status="ordered")
        rechecked = min(self.later(ordered, 40, 70), recheck_due)
        if rechecked >= T:
            return rect  # in progress, not late
        rect.rechecked_on = rechecked
        rect.recheck_passed = self.rng.random() < 0.88
        if rect.recheck_passed:
            rect.status = "passed"
            return rect
        published = min(self.later(rechecked, 3, 12), T - DAY)
        start, end = (_plain(d) for d in rules.second_recheck_window(published))
        rect.published_on, rect.second_recheck_from, rect.second_recheck_until, rect.status = published, start, end, "published"
        second = min(self.later(start, 0, 25), end)
        if second < T:
            rect.second_rechecked_on = second
            rect.second_passed = self.rng.random() < 0.7
            rect.status = "second_passed" if rect.second_passed else "suspended"
            if not rect.second_passed:
                rect.suspended_on = second
                rect.note = "再次复查仍不合格，依法责令停业整顿。"
        elif end < T:  # the window has passed: the second re-check was done on its last day
            rect.second_rechecked_on, rect.second_passed, rect.status = end, True, "second_passed"
        return rect

    def write_rectifications(self, rects: list) -> None:
        from .models import Rectification

        for rect in rects:
            rect.sample_id = rect.sample.pk
            _clean(rect, ("sample", "enterprise", "region"))
        Rectification.objects.bulk_create(rects, batch_size=500)
        self.counts["rectifications"] += len(rects)

    # -- phase 3: draws -----------------------------------------------------------------------------------

    def run_draws(self, d: PlanDef) -> None:
        from .models import Draw
        from .services import draws

        with self.acting(self.staff(d)) as actor:
            enterprise = draws.freeze_enterprise_pool(actor=actor, plan=d.plan, on=d.draw_on)
            enterprise = draws.run_draw(actor=actor, draw=enterprise, public_value=lottery_value(self.rng, d.draw_on))
            inspectors = draws.draw_inspectors(actor=actor, enterprise_draw=enterprise, public_value=lottery_value(self.rng, d.draw_on),
                                               on=d.draw_on)
            labs = draws.draw_labs(actor=actor, enterprise_draw=enterprise, public_value=lottery_value(self.rng, d.draw_on), on=d.draw_on)
            for draw in (enterprise, inspectors, labs):
                draws.publish_draw(actor=actor, draw=draw)
        # the record's times are those of the day of the draw, not of the demo's loading
        for minutes, draw in enumerate((enterprise, inspectors, labs)):
            Draw.objects.filter(pk=draw.pk).update(frozen_at=_aware(d.draw_on, 9, minutes * 5), drawn_at=_aware(d.draw_on, 10, minutes * 5),
                                                   published_at=_aware(d.draw_on, 16, 30))
        d.draw = enterprise
        self.counts["draws"] += 3

    # -- phase 4: the living samples' resources ---------------------------------------------------------------

    def story_county(self, story: Story) -> str:
        if story.producer.startswith("outside:"):
            return "other"
        if story.producer in self.w.account_enterprises:
            return self.w.account_enterprises[story.producer].region.code
        return story.region or "other"

    def story_day(self, story: Story) -> D:
        d = self.by_key.get(story.plan)
        if d is not None and d.status == "closed" and d.window:  # last year's: during the plan's campaign
            return _working(d.window[0] + DAY * 20)
        return self.at(STORY_DAYS.get(story.key, STORY_SAMPLED.get(story.state, 60)))

    def count_stories(self) -> None:
        for story in STORIES:
            if story.outcome and story.plan in self.by_key:
                self.rates.count(self.story_day(story).year, self.story_county(story), story.outcome == "fail", story.category)

    def open_tasks(self, d: PlanDef, *, region=None, category=None):
        from .models import SamplingTask

        if d.draw is None:
            return []
        qs = SamplingTask.objects.filter(draw=d.draw, status="assigned").exclude(pk__in=[t.pk for t in self.reserved_tasks.values()])
        if region:
            qs = qs.filter(region__code=region)
        if category:
            qs = qs.filter(category__code=category)
        return list(qs.select_related("enterprise", "enterprise__region", "product", "category", "region", "lab")
                    .prefetch_related("inspectors").order_by("pk"))

    def reserve_producers(self) -> None:
        """The producers and products of the stories that do not sample a drawn enterprise (the
        enterprise accounts', makers', producers outside Shiyan), chosen before any bulk so the
        bulk cannot take them within the 6-month ban."""
        for story in STORIES:
            d = self.by_key.get(story.plan)
            if d is None or story.producer == "task" or story.state == "refused":
                continue
            day = max(self.story_day(story), (d.draw_on or d.published_on) + DAY * 3)
            authority = (d.plan.level, d.plan.region_id, d.plan.department_id)
            category = story.category
            if story.producer.startswith("outside:"):
                enterprise, item, _authority = self.outside[int(story.producer.split(":")[1])]
                producer = Maker(enterprise.pk, enterprise.name, "other", [(item.pk, item.name, item.brand, item.model, item.standards[0])])
            elif story.producer in self.w.account_enterprises:
                producer = self.w.maker_of.get((self.w.account_enterprises[story.producer].pk, category))
            else:  # a maker of the category in the story's county
                makers = list(self.w.makers.get(category, {}).get(story.region, []))
                self.rng.shuffle(makers)
                producer = next((m for m in makers if self.pick_product(m, authority, day) is not None), None)
            product = self.pick_product(producer, authority, day) if producer is not None else None
            if product is None:
                continue  # the city has no such producer for this seed: the story is left out
            self.w.ban.add(producer.pk, BanIndex.key(producer.pk, product[2], product[3], product[4]), authority, day)
            self.story_data[story.key] = {"producer": producer, "product": product}

    def reserve(self, d: PlanDef) -> None:
        """Pick the tasks, producers and products of this plan's stories before the bulk is
        made, so the bulk leaves them alone (and the 6-month ban is kept between them)."""
        for story in STORIES:
            if story.plan != d.key:
                continue
            day = max(self.story_day(story), (d.draw_on or d.published_on) + DAY * 3)
            authority = (d.plan.level, d.plan.region_id, d.plan.department_id)
            data: dict = {"day": day}
            if story.state == "refused":
                tasks = self.open_tasks(d, region=story.region) or self.open_tasks(d)
                if tasks:
                    self.reserved_tasks[story.key] = self.rng.choice(tasks)
                    self.story_data[story.key] = data
                continue
            category = story.category
            producer = product = None
            if story.producer == "task":
                candidates = self.open_tasks(d, region=story.region, category=category) or self.open_tasks(d, category=category) or (
                    [] if category else self.open_tasks(d))
                self.rng.shuffle(candidates)
                for task in candidates:
                    maker = self.w.maker_of.get((task.enterprise_id, task.category.code))
                    if maker is None or task.enterprise.status != "active":
                        continue
                    chosen = self.pick_product(maker, authority, day, prefer=task.product_id)
                    if chosen is not None:
                        self.reserved_tasks[story.key] = task
                        producer, product, category = maker, chosen, task.category.code
                        break
            else:  # chosen before any bulk (:meth:`reserve_producers`); here only the seller
                chosen = self.story_data.pop(story.key, None)
                if chosen is None:
                    continue
                producer, product = chosen["producer"], chosen["product"]
                if d.place == "market":  # the seller: a drawn task of the category, in the producer's county if there is one
                    region = producer.region if producer.region in REGIONS else None
                    tasks = self.open_tasks(d, region=region, category=category) or self.open_tasks(d, category=category)
                    if tasks:
                        self.reserved_tasks[story.key] = self.rng.choice(tasks)
                data.update(producer=producer, product=product, category=category)
                self.story_data[story.key] = data
                continue
            if producer is None or product is None:
                continue  # the city has no such producer for this seed: the story is left out
            self.w.ban.add(producer.pk, BanIndex.key(producer.pk, product[2], product[3], product[4]), authority, day)
            data.update(producer=producer, product=product, category=category)
            self.story_data[story.key] = data

    # -- phase 5: the plan's bulk --------------------------------------------------------------------------

    def inspectors_for(self, d: PlanDef) -> tuple:
        pool = self.w.inspectors_by_region.get(d.region if d.level == "county" else CITY, [])
        return tuple(self.rng.sample(pool, 2)) if len(pool) >= 2 else tuple(pool)

    def lab_for(self, category: str, day: D, enterprises=(), exclude=()):
        labs = [lab for lab in self.w.labs_for(category, day, exclude) if not any((lab.pk, e) in self.w.conflicts for e in enterprises if e)]
        if not labs:  # (history only) any lab accredited for the category
            labs = [lab for lab in self.w.labs if category in self.w.lab_categories[lab.pk] and lab.pk not in exclude]
        if not labs:
            return None
        return self.rng.choices(labs, weights=[lab.monthly_capacity or 1 for lab in labs])[0]

    def bulk_specs(self, d: PlanDef) -> tuple[list[SampleSpec], list]:
        """The plan's historical samples (and the tasks left to sample, and those cancelled)."""
        specs, cancelled = [], []
        lo, hi = d.window if d.window else (None, None)
        if d.draw is not None:
            tasks = self.open_tasks(d)
            left = set()
            if d.pending:
                left = {t.pk for t in self.rng.sample(tasks, round(len(tasks) * d.pending))}
            if lo is None:
                return [], []
            for task in tasks:
                if task.pk in left:
                    continue
                spec = self.task_spec(d, task, self.window_day(max(lo, d.draw_on + DAY * 5), hi))
                if spec is None:
                    cancelled.append(task)
                else:
                    specs.append(spec)
        elif lo is not None:  # online: the quotas say how many, bought from the county's shops
            for quota in d.plan.quotas.select_related("region", "category").order_by("pk"):
                for _ in range(quota.quantity):
                    spec = self.online_spec(d, quota.region.code, quota.category.code, self.window_day(lo, hi))
                    if spec is not None:
                        specs.append(spec)
        return specs, cancelled

    def task_spec(self, d: PlanDef, task, day: D) -> SampleSpec | None:
        authority = (d.plan.level, d.plan.region_id, d.plan.department_id)
        category = task.category.code
        inspectors = tuple(task.inspectors.all())
        if d.place == "factory":
            producer_pk = task.enterprise_id
            maker = self.w.maker_of.get((producer_pk, category))
            if maker is not None:
                product = self.pick_product(maker, authority, day, prefer=task.product_id)
                if product is None:
                    return None  # every product of it was sampled within 6 months: the task is cancelled
            else:  # the drawn enterprise has no product of the category registered: chosen on site
                name, model, standard = GENERIC_PRODUCTS[category]
                key = BanIndex.key(producer_pk, "", model, standard)
                if self.w.ban.conflicts(producer_pk, key, authority, day):
                    return None
                product = (None, name, "", model, standard)
            unit_id, unit_name = producer_pk, task.enterprise.name
            producer_name, county = task.enterprise.name, task.enterprise.region.code
        else:  # market: the drawn seller; what it sells, from a maker of the city
            unit_id, unit_name = task.enterprise_id, task.enterprise.name
            own = self.w.maker_of.get((task.enterprise_id, category))
            makers = [own] if own is not None and self.rng.random() < 0.5 else []
            local = self.w.makers.get(category, {}).get(task.region.code, [])
            makers += self.rng.sample(local, min(3, len(local))) + self.rng.sample(self.w.all_makers(category), min(5, len(self.w.all_makers(category))))
            product = maker = None
            for candidate in makers:
                product = self.pick_product(candidate, authority, day)
                if product is not None:
                    maker = candidate
                    break
            if maker is None:
                return None
            producer_pk, producer_name, county = maker.pk, maker.name, maker.region
        self.w.ban.add(producer_pk, BanIndex.key(producer_pk, product[2], product[3], product[4]), authority, day)
        lab = task.lab or self.lab_for(category, day, (producer_pk, unit_id))
        return SampleSpec(d, d.plan, category, task.region, county, day, producer_pk, producer_name, product, product[1], product[2],
                          product[3], product[4], place=d.place, task=task, sampled_unit_id=unit_id, sampled_unit_name=unit_name, lab=lab,
                          inspectors=inspectors, level=d.plan.level)

    def online_spec(self, d: PlanDef, region: str, category: str, day: D) -> SampleSpec | None:
        authority = (d.plan.level, d.plan.region_id, d.plan.department_id)
        makers = list(self.w.makers.get(category, {}).get(region, [])) or self.w.all_makers(category)
        self.rng.shuffle(makers)
        for maker in makers[:6]:
            product = self.pick_product(maker, authority, day)
            if product is None:
                continue
            self.w.ban.add(maker.pk, BanIndex.key(maker.pk, product[2], product[3], product[4]), authority, day)
            platform, shop, order_no, url = self.online_purchase(product[2] or maker.name[2:4], day)
            return SampleSpec(d, d.plan, category, self.w.regions[maker.region], maker.region, day, maker.pk, maker.name, product, product[1],
                              product[2], product[3], product[4], place="online", sampled_unit_name=shop, platform=platform, shop=shop,
                              order_no=order_no, page_url=url, lab=self.lab_for(category, day, (maker.pk,)), inspectors=self.inspectors_for(d),
                              level=d.plan.level)
        return None

    def online_purchase(self, brand: str, day: D) -> tuple[str, str, str, str]:
        platform = self.rng.choice(PLATFORMS)
        shop = f"{brand.rstrip('牌')}{self.rng.choice(SHOP_SUFFIXES)}"
        order_no = f"{day:%y%m%d}{self.rng.randrange(10**11, 10**12)}"
        url = f"https://item.example.com/{self.rng.randrange(10**11, 10**12)}.html"
        return platform, shop, order_no, url

    def chain(self, spec: SampleSpec) -> dict:
        """The dates of a historical sample's life, all before today."""
        from . import rules

        T = self.w.today
        food = spec.category in FOOD_CATEGORIES
        sent = self.later(spec.sampled_on, 0, 2)
        received = self.later(sent, 0, 2)
        tested = self.later(received, 1, 4)
        issued = self.later(tested, 2, 6 if food else 10)
        notified = self.later(issued, 1, 5)
        method = "account" if spec.producer_id in self.w.enterprise_users else self.rng.choice(("post", "post", "account"))
        served = notified
        if spec.fail and self.rng.random() < 0.06:
            by_notice = _plain(rules.public_notice_served_on(notified))
            if _plain(rules.retest_deadline(by_notice, is_food=food)) < T - DAY * 3:
                method, served = "public_notice", by_notice
        final = served
        if spec.fail:
            final = _plain(rules.retest_deadline(served, is_food=food)) + DAY
        return {"sent": sent, "received": received, "tested": tested, "issued": issued, "notified": notified, "method": method,
                "served": served, "final": final}

    def write_local(self, d: PlanDef, specs: list[SampleSpec], cancelled: list) -> None:
        from .models import Sample, SamplingTask, TestReport, TestResult

        samples, reports, results, chains, item_rows = [], [], [], [], []
        for spec in specs:
            dates = self.chain(spec)
            unit, tested_qty, reserve, low, high = PACKS[spec.category]
            production = spec.sampled_on - DAY * self.rng.randint(5, 120)
            price = None if low is None else Decimal(self.rng.randrange(low * 10, high * 10)) / 10
            sample = Sample(
                sample_no=self.w.sample_no(spec.sampled_on, spec.region.code), plan=spec.plan, task=spec.task, level=spec.level,
                region=spec.region, department=spec.plan.department, category=self.w.categories[spec.category],
                product_id=spec.product[0], product_name=spec.product_name, trademark=spec.trademark, model=spec.model,
                standard=spec.standard, batch_no=self.batch_no(spec.category, production), production_date=production,
                producer_id=spec.producer_id, producer_name=spec.producer_name, producer_region=self.w.region_of.get(spec.producer_id),
                sampled_unit_id=spec.sampled_unit_id, sampled_unit_name=spec.sampled_unit_name, place=spec.place, platform=spec.platform,
                shop=spec.shop, order_no=spec.order_no, page_url=spec.page_url, quantity_tested=tested_qty, quantity_reserve=reserve, unit=unit,
                price_paid=price, sampled_on=spec.sampled_on, lab=spec.lab, sent_on=dates["sent"], received_on=dates["received"],
                received_condition=self.rng.choice(CONDITIONS), status="final", concluded_on=dates["issued"], notified_on=dates["notified"],
                notice_method=dates["method"], served_on=dates["served"], source="local",
            )
            items = self.items[(spec.plan.pk, spec.category)]
            item_specs = {s.name: s for s in CATEGORY_ITEMS[spec.category]}
            failing = choose_failing(self.rng, tuple(item_specs[i.name] for i in items)) if spec.fail else set()
            built = judged_results(items, item_specs, failing, self.rng, sample)
            names = [r.name for r in built if not r.passed]
            conclusion = "fail" if names else "pass"
            sample.conclusion = sample.first_conclusion = conclusion
            sample.failing_items = names
            _clean(sample, SAMPLE_FKS)
            report = TestReport(lab=spec.lab, report_no=self.w.report_no(spec.lab, spec.sampled_on.year), tested_on=dates["tested"],
                                issued_on=dates["issued"], status="issued", conclusion=conclusion, failing_items=names)
            samples.append(sample)
            reports.append(report)
            item_rows.append(built)
            chains.append(dates)
        Sample.objects.bulk_create(samples, batch_size=500)
        for sample, report in zip(samples, reports, strict=True):
            report.sample_id = sample.pk
        TestReport.objects.bulk_create(reports, batch_size=500)
        for report, built in zip(reports, item_rows, strict=True):
            for result in built:
                result.report_id = report.pk
                results.append(result)
        TestResult.objects.bulk_create(results, batch_size=1000)
        through = Sample.sampled_by.through
        through.objects.bulk_create([through(sample_id=s.pk, inspector_id=i.pk) for s, spec in zip(samples, specs, strict=True)
                                     for i in spec.inspectors], batch_size=1000)
        rects = []
        for sample, spec, dates in zip(samples, specs, chains, strict=True):
            self.final_days[sample.pk] = dates["final"]
            if sample.conclusion == "fail" and spec.producer_id in self.w.region_of and spec.county in REGIONS:
                rect = self.rectification(sample, spec.producer_id, self.w.region_of[spec.producer_id], dates["final"])
                if rect is not None:
                    rects.append(rect)
        self.write_rectifications(rects)
        sampled = [s.task.pk for s in specs if s.task is not None]
        if sampled:
            SamplingTask.objects.filter(pk__in=sampled).update(status="sampled")
        if cancelled:
            SamplingTask.objects.filter(pk__in=[t.pk for t in cancelled]).update(
                status="cancelled", note="该企业本类产品6个月内已被抽查（含国家、省级抽查），依法不得重复抽查，任务取消。")
        self.counts["samples_bulk"] += len(samples)
        self.counts["tasks_cancelled"] += len(cancelled)

    # -- phase 6: the living samples, through the services ---------------------------------------------------

    def run_stories(self, d: PlanDef) -> None:
        from django.core.exceptions import ValidationError
        from django.db import transaction

        for story in STORIES:
            if story.plan != d.key:
                continue
            if story.key not in self.story_data:
                self.skipped.append(story.key)
                continue
            try:  # a story the calendar cannot fit (a demo started early in the year) is left out, not half-told
                with transaction.atomic():
                    self.run_story(d, story, self.story_data[story.key])
            except ValidationError as exc:
                self.skipped.append(f"{story.key}（{'；'.join(exc.messages)[:80]}）")

    def story_lab(self, wanted: str | None, category: str, task, enterprises, exclude=()):
        """The lab of a story's sample: the lab account ``wanted`` (when it may test the
        category today), else the drawn one, else one drawn here — valid today, no conflict."""
        T = self.w.today
        usable = {lab.pk for lab in self.w.labs_for(category, T, exclude)
                  if not any((lab.pk, e) in self.w.conflicts for e in enterprises if e)}
        named = self.lab_of_account(wanted) if wanted else None
        if named is not None and named.pk in usable:
            return named
        if task is not None and task.lab_id in usable:
            return task.lab
        return self.lab_for(category, T, enterprises, exclude)

    def lab_change_reason(self, sample, lab, on: D) -> str:
        """Why the sample goes to ``lab`` rather than its assigned lab ("" when it does not):
        what keeps the assigned lab from testing it on ``on`` (its accreditation, a conflict,
        …) when something does, else a reason of the lab's workload."""
        from django.core.exceptions import ValidationError

        from . import selectors
        from .services import samples as svc

        assigned = selectors.assigned_lab(sample)
        if assigned is None or assigned.pk == lab.pk:
            return ""
        try:
            svc._check_lab(assigned, sample.category, on, enterprises=(sample.producer, sample.sampled_unit))
        except ValidationError as exc:
            return f"原定承检机构不能承检：{'；'.join(exc.messages)}。经组织机关同意改送“{lab}”检验。"
        pick = int(hashlib.sha256(sample.sample_no.encode()).hexdigest(), 16) % len(LAB_CHANGE_REASONS)
        return LAB_CHANGE_REASONS[pick].format(assigned=assigned, lab=lab)

    def story_results(self, sample, items, failing: set[str]) -> list[dict]:
        specs = {s.name: s for s in CATEGORY_ITEMS[sample.category.code]}
        return [{"item": item, "measured": measure(self.rng, specs[item.name], item.name not in failing)} for item in items]

    def run_story(self, d: PlanDef, story: Story, data: dict) -> None:
        from zhiliang.enterprises.models import Enterprise, Product

        from .services import samples as svc

        T = self.w.today
        staff = self.staff(d)
        task = self.reserved_tasks.get(story.key)
        day = data["day"]
        if story.state == "refused":
            if task is not None:
                with self.acting(staff) as actor:
                    svc.refuse_sampling(actor=actor, task=task, on=day, note=REFUSAL_NOTE)
                self.counts["refusals"] += 1
            return
        producer, product, category = data["producer"], data["product"], data["category"]
        producer_obj = Enterprise.objects.select_related("region").get(pk=producer.pk)
        product_obj = Product.objects.get(pk=product[0]) if product[0] else None
        steps = STORY_STEPS.get(story.state, {})
        if story.state == "final-pass":
            base = (T - day).days
            steps = {k: base + v for k, v in steps.items()}
        dates: dict[str, D] = {}
        previous = day

        def when(step: str) -> D | None:
            nonlocal previous
            if step not in steps:
                return None
            on = self.at(steps[step], not_before=previous)
            if on >= T:
                return None
            dates[step] = previous = on
            return on

        # register
        unit, tested_qty, reserve, low, high = PACKS[category]
        production = day - DAY * self.rng.randint(10, 90)
        kwargs = dict(plan=d.plan, sampled_on=day, task=task, product=product_obj, price_paid=None if low is None else
                      Decimal(self.rng.randrange(low * 10, high * 10)) / 10, quantity_tested=tested_qty, quantity_reserve=max(reserve, 1),
                      unit=unit, batch_no=self.batch_no(category, production), production_date=production)
        if task is None or d.place != "factory":
            kwargs.update(producer=producer_obj, category=self.w.categories[category], inspectors=list(self.inspectors_for(d)) if task is None else ())
        if d.place == "market":
            seller = task.enterprise if task is not None else None
            if seller is None:
                sellers = self.w.sellers.get(category, {})
                pool = sellers.get(producer.region) or [pk for code in REGIONS for pk in sellers.get(code, [])]
                seller = Enterprise.objects.select_related("region").get(pk=self.rng.choice(pool)) if pool else None
            kwargs.update(place="market", sampled_unit=seller, sampled_unit_name="" if seller else "十堰市茅箭区百货商场",
                          region=seller.region if seller is not None else self.w.regions["420302"])
        elif d.place == "online":
            platform, shop, order_no, url = self.online_purchase(product[2] or producer.name[2:4], day)
            region = self.w.regions[producer.region] if producer.region in REGIONS else self.w.regions[CITY]
            kwargs.update(place="online", platform=platform, shop=shop, order_no=order_no, page_url=url, sampled_unit_name=shop, region=region)
        # the lab: the drawn one, or the story's (a lab account's), valid today; a re-tested food
        # sample is first tested elsewhere and re-tested by the story's lab
        unit_id = kwargs.get("sampled_unit").pk if kwargs.get("sampled_unit") is not None else (task.enterprise_id if task else None)
        enterprises = (producer.pk, unit_id)
        wanted, exclude = story.lab, ()
        if story.state == "retest" and story.lab:  # tested first elsewhere, re-tested by the named lab
            named = self.lab_of_account(story.lab)
            wanted, exclude = None, ((named.pk,) if named is not None else ())
        lab = self.story_lab(wanted, category, task, enterprises, exclude)
        kwargs["lab"] = lab
        with self.acting(staff) as actor:
            sample = svc.register_sample(actor=actor, **kwargs)
            self.w.taken(sample.sample_no)
            if d.place == "online":
                svc.add_attachment(actor=actor, sample=sample, kind="page_capture", name=f"{sample.sample_no}-商品页面.html",
                                   content=self.page_capture(sample).encode("utf-8"), description="下单时的商品页面截图（存档）")
                svc.add_attachment(actor=actor, sample=sample, kind="purchase", name=f"{sample.sample_no}-订单.html",
                                   content=(f"<!doctype html><meta charset=utf-8><title>订单详情 {sample.order_no}</title>"
                                            f"<p>平台：{sample.platform}</p><p>网店：{sample.shop}</p><p>订单号：{sample.order_no}</p>"
                                            f"<p>下单日期：{day:%Y-%m-%d}</p><p>实付金额：{sample.price_paid} 元</p>"
                                            "<p>（演示数据：订单页面存档）</p>").encode(),
                                   description="购样订单及付款凭证（订单页面）")
        self.counts["samples_living"] += 1
        on = when("send")
        if on is None or lab is None:
            return
        with self.acting(staff) as actor:
            svc.send_sample(actor=actor, sample=sample, lab=lab, on=on, lab_change_reason=self.lab_change_reason(sample, lab, on))
        on = when("receive")
        if on is None:
            return
        with self.acting(self.lab_user(lab)) as actor:
            svc.receive_sample(actor=actor, sample=sample, on=on, condition=self.rng.choice(CONDITIONS))
        tested = when("tested")
        issued = when("issued")
        if issued is None:
            return
        items = self.items[(d.plan.pk, category)]
        failing: set[str] = set()
        if story.state in FAILING_STATES:
            wanted = STORY_FAILING.get(story.key)
            names = {i.name for i in items}
            failing = {wanted} if wanted in names else choose_failing(self.rng, tuple(s for s in CATEGORY_ITEMS[category] if s.name in names))
        with self.acting(self.lab_user(lab)) as actor:
            report = svc.save_report(actor=actor, sample=sample, report_no=self.w.report_no(lab, day.year),
                                     results=self.story_results(sample, items, failing), tested_on=tested)
            svc.issue_report(actor=actor, report=report, on=issued)
        on = when("notify")
        if on is None:
            return
        public = story.state in ("public-notice", "referral-overdue")
        method = "public_notice" if public else ("account" if (sample.producer_id in self.w.enterprise_users
                                                               or sample.sampled_unit_id in self.w.enterprise_users) else "post")
        with self.acting(staff) as actor:
            svc.notify_result(actor=actor, sample=sample, on=on, method=method)
        on = when("objection")
        objection = None
        if on is not None:
            owner = self.w.enterprise_users.get(sample.producer_id) or self.w.enterprise_users.get(sample.sampled_unit_id)
            with self.acting(owner or staff) as actor:
                objection = svc.file_objection(actor=actor, sample=sample, on=on, reason=self.rng.choice(OBJECTION_REASONS))
            self.counts["objections"] += 1
        on = when("decide")
        retest_lab = None
        if on is not None and objection is not None:
            accept = story.state != "rejected"
            if accept:
                named = self.lab_of_account(story.lab) if story.lab else None
                usable = {lab_.pk for lab_ in self.w.labs_for(category, T)}
                retest_lab = named if named is not None and named.pk in usable and named.pk != lab.pk else self.lab_for(category, T, enterprises,
                                                                                                                        (lab.pk,))
            with self.acting(staff) as actor:
                svc.decide_objection(actor=actor, objection=objection, accept=accept, on=on, retest_lab=retest_lab,
                                     note="" if accept else "经核查，抽样程序合法、样品封存完好，检验方法符合标准规定，异议理由不成立，不予受理。")
        tested = when("retest_tested")
        issued = when("retest_issued")
        if issued is not None and retest_lab is not None:
            retest_failing = set() if story.state == "overturned" else failing
            with self.acting(self.lab_user(retest_lab)) as actor:
                report = svc.save_report(actor=actor, sample=sample, report_no=self.w.report_no(retest_lab, issued.year), is_retest=True,
                                         results=self.story_results(sample, items, retest_failing), tested_on=tested,
                                         note="对备用样品复检")
                svc.issue_report(actor=actor, report=report, on=issued)
        on = when("finalise")
        if on is not None:
            with self.acting(staff) as actor:
                svc.finalise_result(actor=actor, sample=sample, on=on)
        refer_on, order_on = steps.get("refer"), steps.get("order")
        referral = rect = None
        for step in sorted(("refer", "order"), key=lambda s: -(steps.get(s) or -10**6)):
            if step == "refer" and refer_on is not None and (on := when("refer")) is not None:
                authority = next((a for e, _p, a in self.outside if e.pk == sample.producer_id), "生产企业所在地市场监督管理局")
                with self.acting(staff) as actor:
                    referral = svc.refer_to_home_authority(actor=actor, sample=sample, authority=authority, on=on)
                self.counts["referrals"] += 1
            if step == "order" and order_on is not None and (on := when("order")) is not None:
                with self.acting(staff) as actor:
                    rect = svc.order_rectification(actor=actor, sample=sample, on=on)
                self.counts["rectifications"] += 1
        on = when("reply")
        if on is not None and referral is not None:
            with self.acting(staff) as actor:
                svc.record_referral_reply(actor=actor, referral=referral, on=on, reply=REFERRAL_REPLY)
        on = when("recheck")
        if on is not None and rect is not None:
            with self.acting(staff) as actor:
                svc.record_recheck(actor=actor, rectification=rect, on=on, passed=story.state != "recheck-failed")
        on = when("publish")
        if on is not None and rect is not None:
            with self.acting(staff) as actor:
                svc.publish_recheck_failure(actor=actor, rectification=rect, on=on)

    def page_capture(self, sample) -> str:
        return (f"<!doctype html><meta charset=utf-8><title>{sample.product_name}</title>"
                f"<h1>{sample.trademark} {sample.product_name} {sample.model}</h1><p>店铺：{sample.shop}（{sample.platform}）</p>"
                f"<p>价格：{sample.price_paid} 元</p><p>生产企业：{sample.producer_name}</p><p>执行标准：{sample.standard}</p>"
                f"<p>（演示数据：网页存档）</p>")

    # -- phase 7: bulletins, closing ----------------------------------------------------------------------------

    def final_day(self, sample) -> D:
        from . import rules

        if sample.pk in self.final_days:
            return self.final_days[sample.pk]
        objection = getattr(sample, "objection", None)
        if objection is not None:
            report = sample.reports.filter(is_retest=True).first()
            return (report.issued_on if report is not None and report.issued_on else objection.decided_on) or sample.concluded_on
        if sample.conclusion == "pass":
            return sample.notified_on or sample.concluded_on
        food = bool(sample.category and sample.category.is_food)
        return _plain(rules.retest_deadline(sample.served_on, is_food=food)) + DAY if sample.served_on else sample.concluded_on

    def bulletins(self) -> None:
        from . import rules
        from .models import Sample
        from .services import bulletins

        T = self.w.today
        numbers: Counter = Counter()
        self.closed_on: dict[str, D] = {}
        for d in sorted((d for d in self.defs if d.status in ("published", "closed")), key=lambda d: d.published_on):
            finals = list(Sample.objects.filter(plan=d.plan, status="final", bulletin__isnull=True).select_related("category").order_by("pk"))
            remaining = []
            for sample in finals:
                day = self.final_day(sample)
                if day <= T - DAY * 3:
                    remaining.append((sample, day))
            staff = self.staff(d)
            organiser = self.w.departments[d.department]
            batches = 0
            while remaining:
                # the earliest result sets the due date (20 working days); published then with every result final by then
                head, head_final = min(remaining, key=lambda pair: (pair[0].concluded_on, pair[0].pk))
                due = _plain(rules.publication_due(head.concluded_on))
                on = min(max(self.at((T - due).days + self.rng.randint(0, 2)), _working(head_final + DAY)), self.at(1))
                batch = [s for s, day in remaining if day < on]
                if not batch:
                    break
                batches += 1
                numbers[(d.region, on.year)] += 1
                prefix = "十市监抽公" if d.level == "city" else f"{COUNTY_SHORT[d.region]}市监抽公"
                number = f"{prefix}〔{on.year}〕{numbers[(d.region, on.year)]}号"
                title = f"{organiser.name}关于{d.year}年{'流通领域' if d.place == 'market' else '电子商务' if d.place == 'online' else ''}产品质量监督抽查结果的公告（第{batches}批）"
                last = len(batch) == len(remaining)
                with self.acting(staff) as actor:
                    bulletin = bulletins.create_bulletin(actor=actor, plan=d.plan, number=number, title=title, samples=batch)
                    if not (last and d.key == "CM-Y" and batches > 1):  # the latest one of the market plan is still being checked
                        bulletins.publish_bulletin(actor=actor, bulletin=bulletin, on=on)
                        self.closed_on[d.key] = on
                self.counts["bulletins"] += 1
                done = {s.pk for s in batch}
                remaining = [(s, day) for s, day in remaining if s.pk not in done]

    def close_plans(self) -> None:
        from .services import plans

        T = self.w.today
        for d in self.defs:
            if d.status != "closed":
                continue
            on = min(self.closed_on.get(d.key, d.window[1]) + DAY * 10, T - DAY)
            with self.acting(self.staff(d)) as actor:
                plans.close_plan(actor=actor, plan=d.plan, on=_working(on) if _working(on) < T else on)

    # -- all of it ----------------------------------------------------------------------------------------------

    def run(self) -> None:
        self.outside_producers()
        self.make_plans()
        imported = self.imported_specs()
        self.rates.allocate(imported, upper=True)
        self.write_imported(imported)
        self.count_stories()
        self.reserve_producers()
        local = sorted((d for d in self.defs if d.status in ("published", "closed")), key=lambda d: d.draw_on or d.published_on)
        for d in local:
            if d.draw_on:
                self.run_draws(d)
            self.reserve(d)
            specs, cancelled = self.bulk_specs(d)
            self.rates.allocate(specs)
            self.write_local(d, specs, cancelled)
            self.run_stories(d)
        self.bulletins()
        self.close_plans()
        self.index()

    def index(self) -> None:
        """Plans and bulletins in the one-stop search, through the kinds' own documents."""
        from zhiliang.core import search

        from .models import Bulletin, SamplingPlan
        from .search_kinds import BULLETIN_KIND, PLAN_KIND, bulletin_document, plan_document

        search.write_documents(PLAN_KIND, {str(p.pk): plan_document(p) for p in SamplingPlan.objects.prefetch_related("categories")})
        search.write_documents(BULLETIN_KIND, {str(b.pk): bulletin_document(b) for b in Bulletin.objects.select_related("plan")})


def load_sampling(seed: int, rng: random.Random, report: Callable[[str], None], *, today: D | None = None) -> dict:
    """The sampling app's demo loader (inside the demo's audit context and change set)."""
    from django.utils import timezone

    from .choices import PlanStatus, SampleStatus
    from .models import Sample, SamplingPlan

    world = _load_world(today or timezone.localdate())
    builder = Builder(world, rng, seed)
    with draw_seeds(seed):
        builder.run()
    plans = Counter(SamplingPlan.objects.values_list("status", flat=True))
    samples = Counter(Sample.objects.values_list("status", flat=True))
    plan_words = "、".join(f"{PlanStatus(k).label} {v}" for k, v in sorted(plans.items()))
    sample_words = "、".join(f"{SampleStatus(k).label} {v}" for k, v in sorted(samples.items()))
    report(f"抽查计划 {sum(plans.values())} 个（{plan_words}）、样品 {sum(samples.values())} 批（{sample_words}）、"
           f"抽取记录 {builder.counts['draws']} 条、结果公告 {builder.counts['bulletins']} 期、"
           f"复检申请 {builder.counts['objections']} 件、整改 {builder.counts['rectifications']} 件、异地移送 {builder.counts['referrals']} 件")
    if builder.skipped:
        report(f"（本城市数据下未能生成的演示情景：{'、'.join(builder.skipped)}）")
    # (the producers outside Shiyan are registry records: counted with the registry's enterprises)
    return {"enterprises": len(builder.outside), "sampling_plans": sum(plans.values()), "samples": sum(samples.values()),
            "draws": builder.counts["draws"], "bulletins": builder.counts["bulletins"]}


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from zhiliang.core.demo import register_demo_loader
    from zhiliang.core.models.audit import register_change_set_counts

    register_demo_loader(LOADER_ORDER, LOADER_NAME, load_sampling)
    register_change_set_counts({"sampling_plans": _("抽查计划"), "samples": _("样品"), "draws": _("随机抽取"), "bulletins": _("结果公告")})
