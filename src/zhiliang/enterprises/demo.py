"""Living demo data of the registry: a generated Shiyan (十堰).

Everything here is **generated** from the seed — no real enterprise's or
person's data.  Names follow the city's industry (commercial vehicles and
their parts above all, 东风-style supplier names, 专用车/改装车 makers,
engines, axles, castings), the ten key consumer-goods categories, tea
(武当道茶), 绿松石 and local food.  Every USCC is valid (GB 32100, with a
valid GB 11714 organisation code inside) and carries the registering
authority's division code (the city's 420300 or a county's); the region
(where the enterprise operates) is mostly the code's county, sometimes the
city registered a firm that operates in a county or a special zone.

Legal representatives' ID numbers are synthetic: 18 characters with a valid
ISO 7064 check character, a Shiyan county's code and a plausible birth date,
and a sequence number from the 990–999 block, drawn at random — they belong to
no one.  Phone numbers come from ``core.demo.fake_phone`` (1990… block).

The pure generator functions (:func:`make_uscc_for`, :func:`make_name`,
:func:`generate_enterprises` …) are shared with ``bench/bench_search.py``; the
loader (:func:`load_registry`) writes the rows with ``bulk_create`` inside the
demo's change set (one change set, no per-row log rows), fills the
denormalised regions and the USCC-derived identifiers exactly as the services
do, and indexes the search kinds in batches.

Validity dates (licences, insurance, CMA) are counted from the day of loading,
so the demo always shows some expired and some soon-expiring licences; all
other data is identical for the same seed.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from zhiliang.core.identity import id_check_char, orgcode_check_char
from zhiliang.core.uscc import ALPHABET, make_uscc

# --- places -------------------------------------------------------------------------------

CITY_CODE = "420300"
COUNTY_CODES = ("420302", "420303", "420304", "420322", "420323", "420324", "420325", "420381")
#: division codes a demo USCC may carry (registering authority: the city or a county)
DIVISION_CODES = (CITY_CODE, *COUNTY_CODES)
ZONE_JINGKAI, ZONE_WUDANG = "4203K1", "4203K2"
REGION_CODES = (*COUNTY_CODES, ZONE_JINGKAI, ZONE_WUDANG)


@dataclass(frozen=True)
class Place:
    code: str
    short: str  #: as in enterprise names (张湾区…, 房县…)
    prefix: str  #: address prefix
    weight: int
    streets: tuple[str, ...]
    #: (division code, weight) of the registering authority
    divisions: tuple[tuple[str, int], ...]
    #: a county whose code a resident's ID number may carry
    id_code: str


PLACES = {
    "420302": Place("420302", "茅箭区", "十堰市茅箭区", 16,
                    ("北京北路", "人民北路", "武当路", "东岳路", "上海路", "柳林路", "五堰街", "朝阳中路", "茅箭路", "赛武当路", "江苏路", "浙江路"),
                    (("420302", 8), (CITY_CODE, 2)), "420302"),
    "420303": Place("420303", "张湾区", "十堰市张湾区", 20,
                    ("车城路", "东风大道", "张湾路", "襄渝路", "公园路", "花果大道", "红卫路", "汉江路", "西城路", "天津路", "重庆路", "工业新区大连路"),
                    (("420303", 8), (CITY_CODE, 2)), "420303"),
    "420304": Place("420304", "郧阳区", "十堰市郧阳区", 10,
                    ("沿江大道", "长岭大道", "天马大道", "解放路", "城关镇汉江路", "茶店镇茶店街", "青曲镇青曲街", "柳陂镇柳陂大道"),
                    (("420304", 8), (CITY_CODE, 2)), "420304"),
    "420322": Place("420322", "郧西县", "十堰市郧西县", 5,
                    ("天河大道", "城关镇府前路", "上津镇古城路", "观音镇观音街", "涧池乡涧池街", "工业园区天河路"),
                    (("420322", 9), (CITY_CODE, 1)), "420322"),
    "420323": Place("420323", "竹山县", "十堰市竹山县", 6,
                    ("女娲路", "城关镇迎宾大道", "宝丰镇宝丰街", "麻家渡镇麻家渡街", "秦古镇绿松石大道", "工业园区堵河路"),
                    (("420323", 9), (CITY_CODE, 1)), "420323"),
    "420324": Place("420324", "竹溪县", "十堰市竹溪县", 6,
                    ("城关镇府前路", "鄂坪乡鄂坪街", "水坪镇水坪街", "工业园区竹溪大道", "蒋家堰镇关垭路", "县河镇县河街"),
                    (("420324", 9), (CITY_CODE, 1)), "420324"),
    "420325": Place("420325", "房县", "十堰市房县", 6,
                    ("诗经路", "城关镇西关大道", "红塔镇红塔街", "军店镇军店街", "土城镇黄酒大道", "工业园区房陵大道"),
                    (("420325", 9), (CITY_CODE, 1)), "420325"),
    "420381": Place("420381", "丹江口市", "湖北省丹江口市", 10,
                    ("均州路", "沧浪大道", "丹赵路", "太和路", "土关垭镇土关垭街", "六里坪镇六里坪大道", "丹江大道", "左岸路"),
                    (("420381", 8), (CITY_CODE, 2)), "420381"),
    ZONE_JINGKAI: Place(ZONE_JINGKAI, "十堰经济技术开发区", "十堰经济技术开发区", 12,
                        ("白浪东路", "发展大道", "东风大道东段", "龙门工业园龙门大道", "鄂西北工业园创业路", "天津路东段", "白浪西路"),
                        ((CITY_CODE, 7), ("420303", 3)), "420303"),
    ZONE_WUDANG: Place(ZONE_WUDANG, "武当山特区", "十堰市武当山旅游经济特区", 5,
                       ("太和大道", "玄岳路", "老营大道", "紫霄路", "金街", "遇真宫路"),
                       (("420381", 6), (CITY_CODE, 4)), "420381"),
}

# --- names ---------------------------------------------------------------------------------

BRAND_FIRST = "华鑫盛恒宏金泰瑞永兴昌广祥新佳美诚康晨汉武车秦楚郧神正博汇天润福合鼎聚东明凯驰旭三银嘉远腾万中锦卓百荣顺宝安创科利丰昊乾坤双龙鹏飞骏同和德信通达源"
BRAND_SECOND = "达通远龙安丰利隆源德福佳宝信顺阳江当城巴峰力和汇宇泰瑞盛成鑫昌邦程桥航发威星辉鹰虎腾康华茂誉泽林川翔诚"


def make_brand(rng: random.Random) -> str:
    """A two-character trade name (字号) such as 华鑫, 汉江, 神力."""
    return rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)


def fill(pattern: str, rng: random.Random, **values: str) -> str:
    """Expand ``{name}`` placeholders, then ``#`` → a digit and ``@`` → a letter."""
    text = pattern.format(**values) if "{" in pattern else pattern
    out = []
    for ch in text:
        if ch == "#":
            out.append(rng.choice("0123456789"))
        elif ch == "@":
            out.append(rng.choice("ABCDEFGHJKLMNPRSTUVWXY"))
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Sector:
    """A line of business: what its enterprises are called, make, and hold."""

    key: str
    category: str  #: product category code (enterprises/reference_data.py)
    weight: int
    industries: tuple[str, ...]
    #: names of companies (type 91): {p} place prefix for names, {b} brand
    names: tuple[str, ...]
    #: (product name, model pattern, standards)
    products: tuple[tuple[str, str, tuple[str, ...]], ...]
    licences: tuple[str, ...] = ()
    #: share of enterprises holding the CCC certificate when "ccc" is optional for the sector
    ccc_share: float = 1.0
    #: names of individual businesses (type 92), {c} county short name, {b} brand, {n} a person's name
    shops: tuple[str, ...] = ()
    #: names of farmers' cooperatives (type 93)
    coops: tuple[str, ...] = ()
    #: region weight multipliers (where the sector clusters)
    regions: dict[str, int] = field(default_factory=dict)
    #: production licence product-unit code (XKnn-nnn) or SC food category (3 digits)
    licence_code: str = ""
    #: retail/wholesale industry code for shops
    shop_industry: str = "F5299"


AUTO = {"420303": 4, ZONE_JINGKAI: 4, "420302": 2}
SECTORS: tuple[Sector, ...] = (
    Sector(
        "auto-parts", "auto-parts", 24, ("C3670", "C3670", "C3670", "C3660", "C3391"),
        ("十堰东风{b}汽车零部件有限公司", "十堰东风{b}汽车配件有限公司", "东风{b}（十堰）汽车部件有限公司", "十堰东风{b}工贸有限公司",
         "十堰东风{b}汽车零部件有限公司", "十堰东风{b}车桥有限公司", "十堰{b}汽车零部件有限公司", "十堰{b}汽车配件有限公司", "湖北{b}汽车零部件股份有限公司",
         "十堰{b}车桥有限公司", "十堰{b}汽车制动系统有限公司", "十堰{b}汽车电器有限公司", "十堰{b}汽车散热器有限公司",
         "十堰{b}汽车饰件有限公司", "十堰{b}离合器有限公司", "十堰{b}汽车钢板弹簧有限公司", "十堰{b}精密铸造有限公司",
         "十堰{b}铸造有限公司", "十堰{b}发动机零部件有限公司", "十堰{b}汽车线束有限公司", "十堰{b}汽车传动轴有限公司",
         "{p}{b}汽车零部件有限公司", "十堰{b}工贸有限公司", "十堰{b}机械制造有限公司", "湖北{b}汽车部件有限公司"),
        (("驱动桥总成", "2400##0-K####", ("QC/T 533-2020", "Q/SYDF 001-2024")),
         ("制动鼓", "3502##1-K####", ("GB 12676-2014", "GB/T 9439-2010")),
         ("制动衬片", "3501##5-T####", ("GB 5763-2018",)),
         ("离合器总成", "1601##0-KC###", ("QC/T 27-2014",)),
         ("钢板弹簧总成", "2912##0-K####", ("GB/T 19844-2018",)),
         ("汽车电线束", "3724##0-C####", ("QC/T 29106-2014",)),
         ("传动轴总成", "2201##0-K####", ("QC/T 29082-2019",)),
         ("散热器总成", "1301##0-K####", ("QC/T 468-2010",)),
         ("气缸盖", "C39##-1003###", ("GB/T 1348-2019", "Q/SYDF 002-2024")),
         ("柴油发动机", "ISD###50", ("GB 17691-2018", "GB 20891-2014")),
         ("制动软管总成", "3506##0-K####", ("GB 16897-2022",)),
         ("组合后灯", "3716##0-C####", ("GB 4785-2019",))),
        ("ccc",), 0.3,
        ("{c}{b}汽配商行", "{c}{b}汽车配件经营部", "{c}{n}汽修配件门市部", "{c}{b}汽车零部件加工厂"), (), AUTO, "", "F5174",
    ),
    Sector(
        "auto-modified", "auto-modified", 8, ("C3630",),
        ("十堰{b}专用汽车有限公司", "湖北{b}专用车制造有限公司", "十堰{b}改装车有限公司", "十堰{b}特种汽车有限公司", "湖北{b}专用汽车股份有限公司"),
        (("洒水车", "{x}5###GSS6", ("GB 7258-2017", "QC/T 54-2006")),
         ("冷藏车", "{x}5###XLC6", ("GB 7258-2017", "QC/T 449-2010")),
         ("随车起重运输车", "{x}5###JSQ6", ("GB 7258-2017", "QC/T 459-2014")),
         ("压缩式垃圾车", "{x}5###ZYS6", ("GB 7258-2017", "QC/T 52-2015")),
         ("清障车", "{x}5###TQZ6", ("GB 7258-2017", "GB 1589-2016")),
         ("厢式运输车", "{x}5###XXY6", ("GB 7258-2017", "GB 1589-2016")),
         ("仓栅式半挂车", "{x}9###CCY", ("GB/T 23336-2022", "GB 1589-2016"))),
        ("ccc",), 1.0, (), (), AUTO,
    ),
    Sector(
        "auto-commercial", "auto-commercial", 3, ("C3611", "C3612", "C3650"),
        ("十堰{b}商用车有限公司", "湖北{b}重型汽车有限公司", "十堰{b}新能源汽车有限公司", "十堰{b}汽车车身有限公司"),
        (("牵引汽车", "DFL4251A##", ("GB 7258-2017", "GB 1589-2016")),
         ("载货汽车", "DFL1250A##", ("GB 7258-2017", "GB 1589-2016")),
         ("纯电动厢式运输车", "EQ5180XXYTBEV#", ("GB 7258-2017", "GB 18384-2020")),
         ("自卸汽车", "DFH3250A##", ("GB 7258-2017", "GB 1589-2016"))),
        ("ccc",), 1.0, (), (), AUTO,
    ),
    Sector(
        "food", "food-processed", 9, ("C1431", "C1411", "C1391", "C1469", "C1495"),
        ("{p}{b}食品有限公司", "十堰{b}食品股份有限公司", "{p}{b}香菇食品有限公司", "{p}{b}魔芋食品有限公司", "{p}{b}粮油有限公司", "十堰{b}农产品开发有限公司"),
        (("香菇酱", "2##g", ("GB 2718-2014",)),
         ("干香菇", "2##g", ("GB 7096-2014",)),
         ("黑木耳", "1##g", ("GB/T 6192-2019",)),
         ("魔芋粉丝", "3##g", ("NY/T 494-2010",)),
         ("挂面", "#00g", ("GB/T 40636-2021",)),
         ("糕点", "散装称重", ("GB 7099-2015",)),
         ("核桃油", "#L", ("GB 2716-2018",)),
         ("蜂蜜", "5##g", ("GB 14963-2011",))),
        ("sc",), 1.0,
        ("{c}{n}副食店", "{c}{b}食品经营部", "{c}{b}粮油店", "{c}{n}糕点坊"),
        ("{c}{b}香菇种植专业合作社", "{c}{b}木耳专业合作社", "{c}{b}魔芋专业合作社"),
        {"420325": 3, "420324": 3, "420323": 2}, "101",
    ),
    Sector(
        "tea", "food-tea", 6, ("C1530",),
        ("十堰武当{b}茶业有限公司", "{p}{b}茶叶有限公司", "湖北武当道茶{b}有限公司", "{p}{b}生态茶业有限公司", "竹溪{b}贡茶有限公司"),
        (("武当道茶（绿茶）", "特级 250g", ("GB/T 14456.1-2017",)),
         ("武当针井", "一级 100g", ("GB/T 14456.1-2017",)),
         ("红茶", "特级 200g", ("GB/T 13738.2-2017",)),
         ("竹溪贡茶", "特级 250g", ("GB/T 14456.1-2017",))),
        ("sc",), 1.0, ("{c}{n}茶庄", "{c}{b}茶叶经营部"), ("{c}{b}茶叶专业合作社", "{c}{b}生态茶专业合作社"),
        {"420381": 3, ZONE_WUDANG: 4, "420324": 3, "420322": 2}, "114",
    ),
    Sector(
        "drinks", "food-drinks", 2, ("C1525",),
        ("丹江口{b}饮用水有限公司", "{p}{b}饮品有限公司", "十堰{b}矿泉水有限公司"),
        (("饮用天然水", "550mL", ("GB 19298-2014",)), ("饮用天然矿泉水", "#L", ("GB 8537-2018",)), ("果汁饮料", "3##mL", ("GB/T 31121-2014",))),
        ("sc",), 1.0, (), (), {"420381": 5}, "106",
    ),
    Sector(
        "liquor", "food-liquor", 2, ("C1512", "C1515"),
        ("房县{b}黄酒有限公司", "{p}{b}酒业有限公司", "十堰{b}酒业股份有限公司"),
        (("房县黄酒", "#L", ("GB/T 13662-2018",)), ("白酒", "500mL 52%vol", ("GB/T 10781.1-2021",))),
        ("sc",), 1.0, ("{c}{n}黄酒坊",), (), {"420325": 6}, "115",
    ),
    Sector(
        "condiments", "food-condiments", 1, ("C1469",),
        ("{p}{b}调味品有限公司", "十堰{b}酱业有限公司"),
        (("辣椒酱", "2##g", ("GB 2718-2014",)), ("酿造酱油", "500mL", ("GB 2717-2018",))),
        ("sc",), 1.0, (), (), {}, "103",
    ),
    Sector(
        "kids-clothing", "kids-clothing", 4, ("C1810", "C1820"),
        ("十堰{b}服饰有限公司", "十堰{b}童装有限公司", "{p}{b}制衣有限公司", "湖北{b}婴童用品有限公司"),
        (("婴幼儿连体衣", "66/44", ("GB 31701-2015", "FZ/T 81014-2008")),
         ("儿童羽绒服", "130/64", ("GB 31701-2015", "GB/T 14272-2021")),
         ("中小学生校服", "150/76", ("GB/T 31888-2015",)),
         ("婴儿睡袋", "90cm", ("GB 31701-2015",))),
        (), 1.0, ("{c}{n}童装店", "{c}{b}服装加工厂"), (), {},
    ),
    Sector(
        "school-supplies", "school-supplies", 4, ("C2411", "C2412"),
        ("十堰{b}文具有限公司", "{p}{b}文化用品有限公司", "十堰{b}纸品有限公司", "湖北{b}学生用品有限公司"),
        (("中性笔", "GP-####", ("GB 21027-2020", "QB/T 2625-2003")),
         ("练习本", "16K 40页", ("GB 21027-2020", "QB/T 1437-2014")),
         ("学生书包", "SB-###", ("GB 21027-2020", "QB/T 1333-2018")),
         ("修正带", "5mm×##m", ("GB 21027-2020",))),
        (), 1.0, ("{c}{n}文具店", "{c}{b}文化用品经营部"), (), {"420302": 2},
    ),
    Sector(
        "cookware", "cookware", 3, ("C3381",),
        ("十堰{b}厨具有限公司", "{p}{b}不锈钢制品有限公司", "湖北{b}炊具有限公司"),
        (("不锈钢炒锅", "CG-3#", ("GB 4806.9-2023",)), ("铸铁锅", "TG-3#", ("GB 4806.9-2023",)), ("不锈钢蒸锅", "ZG-2#", ("GB 4806.9-2023",))),
        (), 1.0, ("{c}{b}厨具店",), (), {},
    ),
    Sector(
        "furniture", "furniture", 5, ("C2110", "C2130"),
        ("十堰{b}家具有限公司", "{p}{b}家具厂", "湖北{b}家居有限公司", "十堰{b}办公家具有限公司"),
        (("实木餐桌", "CZ-####", ("GB/T 3324-2017", "GB 18584-2001")),
         ("板式衣柜", "YG-####", ("GB/T 3324-2017", "GB 18584-2001")),
         ("儿童床", "ET-###", ("GB 28007-2011",)),
         ("钢制文件柜", "WJG-###", ("GB/T 3325-2017",))),
        (), 1.0, ("{c}{n}家具店", "{c}{b}木器加工厂"), (), {"420303": 2},
    ),
    Sector(
        "water-purifiers", "water-purifiers", 3, ("C3859",),
        ("十堰{b}净水设备有限公司", "湖北{b}环保科技有限公司", "十堰{b}水处理设备有限公司"),
        (("反渗透净水机", "RO-###G", ("GB 34914-2021", "GB/T 30307-2013")),
         ("超滤净水器", "UF-###", ("GB/T 30307-2013",)),
         ("管线机", "GX-##", ("GB 4706.1-2005",))),
        ("health",), 1.0, ("{c}{b}净水器经营部",), (), {},
    ),
    Sector(
        "wood-panels", "wood-panels", 3, ("C2021", "C2022", "C2023"),
        ("十堰{b}木业有限公司", "{p}{b}人造板有限公司", "湖北{b}板业有限公司"),
        (("胶合板", "1220×2440×##mm", ("GB/T 9846-2015", "GB 18580-2017")),
         ("中密度纤维板", "1220×2440×##mm", ("GB/T 11718-2021", "GB 18580-2017")),
         ("刨花板", "1220×2440×##mm", ("GB/T 4897-2015", "GB 18580-2017"))),
        (), 1.0, (), (), {"420325": 2, "420323": 2, "420324": 2},
    ),
    Sector(
        "waterproofing", "waterproofing", 3, ("C3034",),
        ("十堰{b}防水材料有限公司", "湖北{b}防水科技有限公司", "{p}{b}建材有限公司"),
        (("SBS改性沥青防水卷材", "I PY S 4mm", ("GB 18242-2008",)),
         ("聚氨酯防水涂料", "单组分 I型", ("GB/T 19250-2013",)),
         ("高分子防水卷材", "JS1 1.5mm", ("GB/T 18173.1-2012",))),
        ("production",), 1.0, (), (), {}, "23-003",
    ),
    Sector(
        "wires-cables", "wires-cables", 3, ("C3831",),
        ("十堰{b}电线电缆有限公司", "湖北{b}电缆有限公司", "{p}{b}线缆有限公司"),
        (("聚氯乙烯绝缘电线", "BV 450/750V 2.5mm²", ("GB/T 5023.3-2008",)),
         ("交联聚乙烯绝缘电力电缆", "YJV 0.6/1kV 4×##mm²", ("GB/T 12706.1-2020",)),
         ("聚氯乙烯护套软电缆", "RVV 300/500V 3×1.5mm²", ("GB/T 5023.5-2008",)),
         ("架空绝缘电缆", "JKLYJ 10kV 1×##mm²", ("GB/T 14049-2008",))),
        ("production", "ccc"), 0.5, (), (), {ZONE_JINGKAI: 2}, "06-014",
    ),
    Sector(
        "turquoise", "souvenirs", 4, ("C2439",),
        ("竹山{b}绿松石有限公司", "十堰{b}绿松石工艺品有限公司", "湖北{b}珠宝有限公司", "{p}{b}松石文化有限公司"),
        (("绿松石手串", "8mm×##粒", ("GB/T 36169-2018", "GB/T 16552-2017")),
         ("绿松石原石摆件", "##0g", ("GB/T 16553-2017",)),
         ("武当文创挂件", "WD-###", ("GB 6675.1-2014",))),
        (), 1.0, ("{c}{n}绿松石店", "{c}{b}工艺品店"), (), {"420323": 6, "420304": 3, ZONE_WUDANG: 3, "420302": 2},
    ),
)
SECTOR_WEIGHTS = [s.weight for s in SECTORS]
KEY_CATEGORIES = ("food", "kids-clothing", "school-supplies", "cookware", "furniture", "water-purifiers", "auto-modified",
                  "wood-panels", "waterproofing", "wires-cables")

GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂建国华文斌宇浩凯鹏飞"
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾肖田董袁潘"


def fake_person(rng: random.Random) -> str:
    return rng.choice(FAMILY) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def fake_phone(rng: random.Random) -> str:
    return "1990" + "".join(rng.choice("0123456789") for _ in range(7))


# --- codes ---------------------------------------------------------------------------------

_ORG_ALPHABET = "".join(c for c in ALPHABET if c.isalnum())
_BASE31 = ALPHABET  # the USCC alphabet (31 characters)


def make_orgcode(rng: random.Random, *, established: int = 2016, serial: int | None = None) -> str:
    """A valid 组织机构代码 (8-character body + GB 11714 check character).

    New registrations (from 2015) carry the ``MA4`` bodies Hubei issues; older
    ones eight digits.  ``serial`` (0 ≤ serial < 31⁵) makes the body unique."""
    if established >= 2015:
        if serial is None:
            tail = "".join(rng.choice(_BASE31) for _ in range(5))
        else:
            digits = []
            for _ in range(5):
                serial, r = divmod(serial, 31)
                digits.append(_BASE31[r])
            tail = "".join(reversed(digits))
        body = "MA4" + tail
    else:
        body = rng.choice("567") + "".join(rng.choice("0123456789") for _ in range(7))
    check = orgcode_check_char(body)
    return body + check


def make_uscc_for(division: str, *, kind: str = "91", orgcode: str) -> str:
    """A valid USCC: registration kind (91 enterprise, 92 个体工商户, 93 农民专业合作社,
    12 事业单位), the registering authority's division code, the organisation code."""
    return make_uscc(kind + division + orgcode)


def fake_id_number(rng: random.Random, county_code: str, *, born_from: int = 1958, born_to: int = 1996) -> str:
    """A synthetic resident ID number: county code, plausible birth date, sequence 990–999, valid check."""
    birth = datetime.date(born_from, 1, 1) + datetime.timedelta(days=rng.randrange((born_to - born_from) * 365))
    first17 = f"{county_code}{birth:%Y%m%d}99{rng.randrange(10)}"
    return first17 + id_check_char(first17)


def ean13(first12: str) -> str:
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _weighted(rng: random.Random, items: dict) -> str:
    keys = list(items)
    return rng.choices(keys, weights=[items[k] for k in keys])[0]


def pick_region(rng: random.Random, sector: Sector) -> str:
    return _weighted(rng, {code: p.weight * sector.regions.get(code, 1) for code, p in PLACES.items()})


def name_place(region_code: str, rng: random.Random) -> str:
    """The place part of a company name: 十堰 (most), or the county's own name."""
    place = PLACES[region_code]
    if region_code in (ZONE_JINGKAI, "420302", "420303") or rng.random() < 0.5:
        return "十堰"
    return {"420381": "丹江口", ZONE_WUDANG: "武当山", "420325": "房县"}.get(region_code, place.short[:-1])


def make_name(rng: random.Random, sector: Sector, region_code: str, kind: str = "91", brand: str | None = None) -> str:
    """An enterprise name for the sector (company, individual business or cooperative)."""
    brand = brand or make_brand(rng)
    county = PLACES[region_code].short
    if kind == "92" and sector.shops:
        return fill(rng.choice(sector.shops), rng, c=county, b=brand, n=fake_person(rng))
    if kind == "93" and sector.coops:
        return fill(rng.choice(sector.coops), rng, c=county, b=brand)
    return fill(rng.choice(sector.names), rng, p=name_place(region_code, rng), b=brand)


# --- enterprise records ---------------------------------------------------------------------


@dataclass
class EnterpriseRecord:
    uscc: str
    name: str
    sector: Sector
    kind: str
    region: str
    division: str
    brand: str
    entity_type: str
    status: str
    scale: str
    established: datetime.date
    industry: str
    address: str
    capital: Decimal | None
    legal_rep: str
    legal_rep_id: str
    cqo: str = ""
    cqo_phone: str = ""
    insured_until: datetime.date | None = None
    insured: bool = False
    products: list[dict] = field(default_factory=list)
    licences: list[dict] = field(default_factory=list)


STATUSES = {"active": 88, "cancelled": 6, "revoked": 4, "suspended": 1, "moved_out": 1}
SCALES = {"large": 2, "medium": 9, "small": 35, "micro": 54}
CAPITAL = {"large": (5_000, 200_000), "medium": (500, 5_000), "small": (50, 500), "micro": (3, 100)}


def pick_kind(rng: random.Random, sector: Sector) -> str:
    r = rng.random()
    if sector.coops and r < 0.12:
        return "93"
    if sector.shops and r < 0.30:
        return "92"
    return "91"


def make_enterprise(rng: random.Random, *, serial: int | None = None, today: datetime.date | None = None) -> EnterpriseRecord:
    """One generated enterprise (without products and licences)."""
    today = today or datetime.date(2026, 12, 1)
    sector = rng.choices(SECTORS, weights=SECTOR_WEIGHTS)[0]
    region = pick_region(rng, sector)
    place = PLACES[region]
    kind = pick_kind(rng, sector)
    brand = make_brand(rng)
    name = make_name(rng, sector, region, kind, brand)
    division = _weighted(rng, dict(place.divisions))
    # 个体工商户 and cooperatives register with the county (or the city for the zones)
    if kind in ("92", "93") and division == CITY_CODE and region in COUNTY_CODES:
        division = region
    year = rng.choice((1969, 1975, 1983, 1990)) if rng.random() < 0.03 else int(rng.triangular(1992, today.year, 2016))
    established = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    if established > today:
        established = today - datetime.timedelta(days=rng.randrange(30, 300))
    orgcode = make_orgcode(rng, established=max(year, 2015) if kind != "91" else year, serial=serial)
    uscc = make_uscc_for(division, kind=kind, orgcode=orgcode)
    if kind == "92":
        entity_type, scale = "individual", "micro"
    elif kind == "93":
        entity_type, scale = "cooperative", rng.choice(("micro", "micro", "small"))
    else:
        scale = _weighted(rng, SCALES)
        if sector.key.startswith("auto") and scale == "micro":
            scale = rng.choice(("small", "micro"))
        if "股份" in name:
            entity_type = "joint_stock"
            scale = rng.choice(("large", "medium"))
        elif name.endswith("厂") or rng.random() < 0.05:
            form = rng.choice(("sole", "partnership"))
            # a 个人独资企业 or 合伙企业 may not be named 有限公司 (企业名称登记管理规定): a company stays one
            entity_type = "limited" if name.endswith("公司") else form
        else:
            entity_type = "limited"
    status = _weighted(rng, STATUSES) if established < today - datetime.timedelta(days=400) else "active"
    if sector.key in ("auto-modified", "auto-commercial") and scale == "micro":
        scale = "small"
    lo, hi = CAPITAL[scale]
    capital = None if kind == "92" and rng.random() < 0.5 else Decimal(rng.randrange(lo * 100, hi * 100, 100)) / 100
    industry = sector.shop_industry if kind == "92" and sector.key == "auto-parts" and rng.random() < 0.6 else rng.choice(sector.industries)
    address = f"{place.prefix}{rng.choice(place.streets)}{rng.randrange(1, 300)}号"
    id_county = place.id_code if rng.random() < 0.8 else rng.choice(COUNTY_CODES)
    rec = EnterpriseRecord(
        uscc=uscc, name=name, sector=sector, kind=kind, region=region, division=division, brand=brand,
        entity_type=entity_type, status=status, scale=scale, established=established, industry=industry,
        address=address, capital=capital, legal_rep=fake_person(rng), legal_rep_id=fake_id_number(rng, id_county),
    )
    if scale in ("large", "medium") or (scale == "small" and rng.random() < 0.2):
        rec.cqo, rec.cqo_phone = fake_person(rng), fake_phone(rng)
    insure_share = {"large": 0.8, "medium": 0.5, "small": 0.2, "micro": 0.05}[scale]
    if status == "active" and rng.random() < insure_share:
        rec.insured = True
        rec.insured_until = today + datetime.timedelta(days=rng.randrange(-90, 720))
    return rec


def generate_enterprises(rng: random.Random, n: int, *, today: datetime.date | None = None) -> list[EnterpriseRecord]:
    """``n`` enterprises with unique names and USCCs, every key category represented."""
    records: list[EnterpriseRecord] = []
    names: set[str] = set()
    usccs: set[str] = set()
    # the first ones: one of each sector, so every key category is there whatever n
    forced = list(SECTORS)
    while len(records) < n:
        rec = make_enterprise(rng, today=today)
        if forced:
            sector = forced.pop(0)
            region = pick_region(rng, sector)
            rec.sector, rec.region, rec.kind = sector, region, "91"
            rec.name = make_name(rng, sector, region, "91", rec.brand)
            rec.industry = rng.choice(sector.industries)
            rec.address = f"{PLACES[region].prefix}{rng.choice(PLACES[region].streets)}{rng.randrange(1, 300)}号"
            rec.division = _weighted(rng, dict(PLACES[region].divisions))
            rec.uscc = make_uscc_for(rec.division, kind="91", orgcode=rec.uscc[8:17])
            if rec.entity_type in ("individual", "cooperative"):
                rec.entity_type, rec.scale = "limited", "medium"
        if rec.name in names or rec.uscc in usccs:
            continue
        names.add(rec.name)
        usccs.add(rec.uscc)
        records.append(rec)
    return records


# --- products and licences ------------------------------------------------------------------

LICENCE_ISSUERS = {
    "sc": "{county}市场监督管理局",
    "food_business": "{county}市场监督管理局",
    "production": "湖北省市场监督管理局",
    "ccc": "中国质量认证中心",
    "health": "湖北省卫生健康委员会",
}
CONSUMER = {"food", "tea", "drinks", "liquor", "condiments", "kids-clothing", "school-supplies", "cookware", "water-purifiers", "turquoise"}


def add_products_and_licences(rng: random.Random, rec: EnterpriseRecord, serials: dict[str, int], today: datetime.date) -> None:
    sector = rec.sector
    x = "".join(rng.choice("ABCDEFGHJKLMNPQRSTWXYZ") for _ in range(3))  # the maker's model prefix (e.g. SYW)
    if rec.kind == "91":
        n = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
    elif rec.kind == "93" or rec.name.endswith(("厂", "坊")):
        n = rng.choice((1, 1, 2))
    else:
        n = 0  # a shop sells, it makes nothing
    chosen = rng.sample(sector.products, min(n, len(sector.products)))
    gtin_prefix = "69" + "".join(rng.choice("0123456789") for _ in range(5))
    seen = set()
    abbr = "SY" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTWXYZ") for _ in range(2))
    for i, (pname, pattern, standards) in enumerate(chosen):
        model = fill(pattern, rng, x=x)
        key = (pname, model)
        if key in seen:
            continue
        seen.add(key)
        stds = list(standards)
        if rng.random() < 0.3:
            stds.append(f"Q/{abbr} {rng.randrange(1, 20):03d}{'S' if sector.category.startswith('food') else ''}-{rng.randrange(2019, 2026)}")
        gtin = ean13(gtin_prefix + f"{rng.randrange(100000):05d}") if sector.key in CONSUMER and rng.random() < 0.6 else ""
        rec.products.append({"name": pname, "brand": rec.brand if rng.random() < 0.85 else f"{rec.brand}牌",
                             "model": model, "standards": stds, "gtin": gtin, "category": sector.category})
    # licences
    county = PLACES[rec.region].short if rec.region in COUNTY_CODES else "十堰市"
    status = {"cancelled": "cancelled", "revoked": "revoked"}.get(rec.status, "valid")
    kinds = list(sector.licences)
    if rec.kind == "92" and sector.category.startswith("food"):
        kinds = ["food_business"]
    elif rec.kind == "92":
        kinds = []
    for kind in kinds:
        if kind == "ccc" and rng.random() >= sector.ccc_share:
            continue
        serials[kind] = serials.get(kind, 0) + 1
        s = serials[kind]
        if kind == "sc":
            number = f"SC{sector.licence_code}{rec.division}{s:04d}{rng.randrange(10)}"
            scope = f"{'、'.join(sorted({p['name'] for p in rec.products}))}"
            years = 5
        elif kind == "food_business":
            number = f"JY1{rec.division}{s:07d}"
            scope = "预包装食品（含冷藏冷冻食品）销售"
            years = 5
        elif kind == "production":
            number = f"鄂XK{sector.licence_code}-{s:05d}"
            scope = "、".join(sorted({p["name"] for p in rec.products}))
            years = 5
        elif kind == "ccc":
            code = {"wires-cables": "0101", "auto-parts": "1111"}.get(sector.key, "1101")
            number = f"{rng.randrange(2019, 2026)}{code}{s:08d}"
            scope = "、".join(sorted({p["name"] for p in rec.products}))
            years = 5
        else:  # health
            number = f"鄂卫水字（{rng.randrange(2020, 2026)}）第{s:04d}号"
            scope = "、".join(sorted({p["name"] for p in rec.products}))
            years = 4
        issued = today - datetime.timedelta(days=rng.randrange(30, 365 * 6))
        if issued < rec.established:
            issued = rec.established + datetime.timedelta(days=rng.randrange(30, 200))
        valid_until = issued.replace(year=issued.year + years) if not (issued.month == 2 and issued.day == 29) else issued + datetime.timedelta(days=365 * years)
        rec.licences.append({"kind": kind, "number": number, "scope_text": scope[:255], "issuer": LICENCE_ISSUERS[kind].format(county=county),
                             "issued_on": issued, "valid_until": valid_until, "status": status, "category": sector.category})


# --- testing agencies and inspectors ----------------------------------------------------------

#: (name, region, public body?, category codes, capacity)
AGENCIES = (
    ("国家汽车零部件产品质量检验检测中心（湖北十堰）", ZONE_JINGKAI, True, ("auto-parts", "auto-modified", "auto-commercial"), 1800),
    ("国家专用汽车质量检验检测中心（十堰）", "420303", True, ("auto-modified", "auto-commercial", "auto-parts"), 900),
    ("十堰市产品质量监督检验所", "420302", True, ("kids-clothing", "school-supplies", "cookware", "furniture", "wires-cables", "waterproofing", "wood-panels"), 1200),
    ("十堰市食品药品检验检测中心", "420302", True, ("food-processed", "food-tea", "food-drinks", "food-liquor", "food-condiments"), 1500),
    ("十堰市纤维检验所", "420303", True, ("kids-clothing",), 400),
    ("十堰市建筑材料质量检测中心", "420303", True, ("waterproofing", "wood-panels", "furniture", "coatings"), 600),
    ("十堰市计量测试与特种设备检验中心", "420302", True, ("water-purifiers", "appliances", "wires-cables"), 500),
    ("郧阳区检验检测中心", "420304", True, ("food-processed", "food-tea", "souvenirs"), 300),
    ("郧西县检验检测中心", "420322", True, ("food-processed", "food-tea"), 200),
    ("竹山县检验检测中心", "420323", True, ("food-processed", "souvenirs"), 250),
    ("竹溪县检验检测中心", "420324", True, ("food-processed", "food-tea"), 200),
    ("房县食品检验检测中心", "420325", True, ("food-processed", "food-liquor"), 250),
    ("丹江口市检验检测中心", "420381", True, ("food-processed", "food-drinks", "food-tea"), 350),
    ("武当山特区农产品质量检测站", ZONE_WUDANG, True, ("food-tea",), 120),
    ("湖北{b}检测技术有限公司", ZONE_JINGKAI, False, ("auto-parts", "wires-cables", "water-purifiers"), 800),
    ("十堰{b}机动车检测有限公司", "420303", False, ("auto-modified", "auto-commercial"), 600),
    ("十堰{b}质量检测技术服务有限公司", "420302", False, ("food-processed", "kids-clothing", "school-supplies", "cookware"), 500),
    ("湖北{b}环境与食品检测有限公司", "420381", False, ("food-drinks", "water-purifiers", "food-processed"), 450),
    ("十堰{b}材料检测研究院有限公司", "420303", False, ("auto-parts", "furniture", "wood-panels", "waterproofing"), 700),
    ("湖北{b}珠宝玉石检测有限公司", "420323", False, ("souvenirs",), 150),
)

#: departments inspectors belong to: (department code, region code, how many)
INSPECTOR_DEPARTMENTS = (
    ("sy-amr", CITY_CODE, 14), ("mj-amr", "420302", 5), ("zw-amr", "420303", 6), ("yy-amr", "420304", 5), ("yx-amr", "420322", 4),
    ("zs-amr", "420323", 4), ("zx-amr", "420324", 4), ("fx-amr", "420325", 4), ("djk-amr", "420381", 5), ("jkq-amr", ZONE_JINGKAI, 6),
    ("wds-amr", ZONE_WUDANG, 3),
)

#: extra demo accounts: department staff (username, department code)
DEPARTMENT_ACCOUNTS = (("eitc", "sy-eitc"), ("agri", "sy-agri"), ("health", "sy-health"), ("edu", "sy-edu"), ("housing", "sy-housing"))
#: enterprise accounts (username, sector key) — ``enterprise`` is created by core's demo
ENTERPRISE_ACCOUNTS = (("enterprise", "auto-parts"), ("ent-food", "food"), ("ent-tea", "tea"), ("ent-cable", "wires-cables"), ("ent-furniture", "furniture"))
#: lab accounts (username, index into AGENCIES) — ``lab`` is created by core's demo
LAB_ACCOUNTS = (("lab", 0), ("lab-food", 3), ("lab-fangxian", 11), ("lab-private", 16))

ENTERPRISE_COUNT = 3200


# --- the loader ------------------------------------------------------------------------------


def _clean(obj, exclude) -> None:
    """Field validation as the services' ``full_clean`` (foreign keys are real rows already;
    uniqueness is guaranteed by the generator and enforced by the database)."""
    obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def load_registry(seed: int, rng: random.Random, report: Callable[[str], None], *, n: int = ENTERPRISE_COUNT,
                  today: datetime.date | None = None) -> dict:
    """The registry's demo loader (runs inside the demo's audit context and change set)."""
    from django.db import transaction

    from zhiliang.core import search
    from zhiliang.core.identity import identifiers_for_uscc
    from zhiliang.core.models import Department, Region
    from zhiliang.core.uscc import validate_uscc

    from .models import (
        ConflictOfInterest,
        Enterprise,
        EnterpriseIdentifier,
        Inspector,
        Licence,
        Product,
        ProductCategory,
        TestingAgency,
    )
    from .search_kinds import agency_document, enterprise_document, product_document

    today = today or datetime.date.today()
    regions = {r.code: r for r in Region.objects.filter(code__in=[*REGION_CODES, CITY_CODE])}
    categories = {c.code: c for c in ProductCategory.objects.all()}
    records = generate_enterprises(rng, n, today=today)
    serials: dict[str, int] = {}
    for rec in records:
        add_products_and_licences(rng, rec, serials, today)

    with transaction.atomic():
        # enterprises
        objs = []
        for rec in records:
            result = validate_uscc(rec.uscc)
            if not result.valid:  # the generator's own check: never expected
                raise ValueError(f"演示数据生成了无效的统一社会信用代码 {rec.uscc}：{result.message}")
            e = Enterprise(
                uscc=rec.uscc, name=rec.name, entity_type=rec.entity_type, legal_rep_name=rec.legal_rep,
                legal_rep_id_type="resident_id", legal_rep_id_number=rec.legal_rep_id, region=regions[rec.region],
                address=rec.address, industry_code=rec.industry, registered_capital=rec.capital, established_on=rec.established,
                status=rec.status, scale=rec.scale, chief_quality_officer=rec.cqo, cqo_phone=rec.cqo_phone,
                liability_insured=rec.insured, insurance_until=rec.insured_until,
            )
            _clean(e, ["region", "categories"])
            objs.append(e)
        Enterprise.objects.bulk_create(objs, batch_size=500)
        Through = Enterprise.categories.through
        Through.objects.bulk_create([Through(enterprise_id=e.pk, productcategory_id=categories[rec.sector.category].pk)
                                     for e, rec in zip(objs, records, strict=True)], batch_size=1000)
        idents = [EnterpriseIdentifier(enterprise_id=e.pk, scheme=i.scheme, value=i.value, source="由统一社会信用代码推导")
                  for e in objs for i in identifiers_for_uscc(e.uscc)]
        EnterpriseIdentifier.objects.bulk_create(idents, batch_size=1000)

        # products and licences (region denormalised from the enterprise, as save_product does)
        products, licences, licence_cats = [], [], []
        for e, rec in zip(objs, records, strict=True):
            for p in rec.products:
                prod = Product(enterprise=e, region_id=e.region_id, category=categories[p["category"]], brand=p["brand"], name=p["name"],
                               model=p["model"], standards=p["standards"], gtin=p["gtin"])
                _clean(prod, ["enterprise", "region", "category"])
                products.append(prod)
            for lic in rec.licences:
                obj = Licence(enterprise=e, region_id=e.region_id, kind=lic["kind"], number=lic["number"], scope_text=lic["scope_text"],
                              issuer=lic["issuer"], issued_on=lic["issued_on"], valid_until=lic["valid_until"], status=lic["status"])
                _clean(obj, ["enterprise", "region", "categories"])
                licences.append(obj)
                licence_cats.append(categories[lic["category"]].pk)
        Product.objects.bulk_create(products, batch_size=500)
        Licence.objects.bulk_create(licences, batch_size=500)
        LThrough = Licence.categories.through
        LThrough.objects.bulk_create([LThrough(licence_id=lic.pk, productcategory_id=c) for lic, c in zip(licences, licence_cats, strict=True)],
                                     batch_size=1000)

        # testing agencies
        agencies, agency_cats = [], []
        for i, (name, region, public, cats, capacity) in enumerate(AGENCIES):
            name = name.format(b=make_brand(rng))
            division = CITY_CODE if region not in COUNTY_CODES else region
            orgcode = make_orgcode(rng, established=rng.choice((1988, 1996, 2004, 2012)) if public else rng.randrange(2015, 2024))
            uscc = make_uscc_for(division, kind="12" if public else "91", orgcode=orgcode)
            cma_year = rng.randrange(2019, 2026)
            agency = TestingAgency(
                name=name, uscc=uscc, cma_number=f"{cma_year % 100:02d}1712{rng.randrange(10, 99)}{i + 1:04d}",
                cma_valid_until=today + datetime.timedelta(days=rng.randrange(-30, 6 * 365)) if i else today + datetime.timedelta(days=900),
                region=regions[region], address=f"{PLACES[region].prefix}{rng.choice(PLACES[region].streets)}{rng.randrange(1, 200)}号",
                monthly_capacity=capacity, is_active=True,
            )
            _clean(agency, ["region", "categories"])
            agencies.append(agency)
            agency_cats.append([categories[c].pk for c in cats if c in categories])
        TestingAgency.objects.bulk_create(agencies)
        AThrough = TestingAgency.categories.through
        AThrough.objects.bulk_create([AThrough(testingagency_id=a.pk, productcategory_id=c) for a, cats in zip(agencies, agency_cats, strict=True) for c in cats])

        # inspectors
        departments = {d.code: d for d in Department.objects.filter(code__in=[d for d, _, _ in INSPECTOR_DEPARTMENTS])}
        inspectors, inspector_cats = [], []
        category_pool = [c for c in categories if c not in ("food", "auto", "building", "leisure", "household", "ecommerce")]
        quals = ("enforcement", "sampling", "food", "special_equipment")
        number = 0
        for dept_code, region_code, count in INSPECTOR_DEPARTMENTS:
            for _ in range(count):
                number += 1
                chosen = ["enforcement"] + [q for q in quals[1:] if rng.random() < 0.4]
                ins = Inspector(name=fake_person(rng), department=departments[dept_code], region=regions[region_code],
                                certificate_number=f"鄂{region_code}{rng.randrange(15, 26)}{number:04d}", qualifications=chosen,
                                phone=fake_phone(rng), is_active=rng.random() < 0.95)
                _clean(ins, ["department", "region", "categories", "user"])
                inspectors.append(ins)
                inspector_cats.append(sorted({categories[c].pk for c in rng.sample(category_pool, rng.randrange(1, 4))}))
        Inspector.objects.bulk_create(inspectors)
        IThrough = Inspector.categories.through
        IThrough.objects.bulk_create([IThrough(inspector_id=ins.pk, productcategory_id=c) for ins, cats in zip(inspectors, inspector_cats, strict=True) for c in cats])

        # a few conflicts of interest
        conflicts = []
        active = [e for e in objs if e.status == "active"]
        reasons_agency = ("该机构为企业提供过质量管理咨询服务", "企业股东持有该机构股份", "该机构曾为企业出具委托检验报告并参与整改")
        reasons_inspector = ("检查人员配偶在该企业任职", "检查人员近亲属为企业股东", "检查人员曾在该企业工作（离职未满三年）")
        for i in range(8):
            e = rng.choice(active)
            start = today - datetime.timedelta(days=rng.randrange(30, 900))
            if i % 2 == 0:
                c = ConflictOfInterest(enterprise=e, region_id=e.region_id, agency=rng.choice(agencies), reason=rng.choice(reasons_agency),
                                       valid_from=start, valid_to=None if rng.random() < 0.5 else start + datetime.timedelta(days=3 * 365))
            else:
                same_region = [ins for ins in inspectors if ins.region_id == e.region_id] or inspectors
                c = ConflictOfInterest(enterprise=e, region_id=e.region_id, inspector=rng.choice(same_region), reason=rng.choice(reasons_inspector),
                                       valid_from=start)
            _clean(c, ["enterprise", "region", "agency", "inspector"])
            conflicts.append(c)
        ConflictOfInterest.objects.bulk_create(conflicts)

        # the search index, in batches, through the kinds' own document functions
        batch = 2000
        for start in range(0, len(objs), batch):
            chunk = Enterprise.objects.filter(pk__in=[e.pk for e in objs[start:start + batch]]).prefetch_related("identifiers")
            search.write_documents("enterprise", {str(e.pk): enterprise_document(e) for e in chunk})
        for start in range(0, len(products), batch):
            chunk = Product.objects.filter(pk__in=[p.pk for p in products[start:start + batch]]).select_related("enterprise")
            search.write_documents("product", {str(p.pk): product_document(p) for p in chunk})
        search.write_documents("agency", {str(a.pk): agency_document(a) for a in agencies})

    accounts = _accounts(rng, records, objs, agencies, inspectors)
    counts = {"enterprises": len(objs), "products": len(products), "licences": len(licences), "agencies": len(agencies),
              "inspectors": len(inspectors), "conflicts": len(conflicts), "accounts": len(accounts)}
    report(f"企业 {len(objs)} 家、产品 {len(products)} 个、许可证书 {len(licences)} 张、检验检测机构 {len(agencies)} 家、"
           f"执法检查人员 {len(inspectors)} 名、利益冲突 {len(conflicts)} 项、账号 {len(accounts)} 个")
    return counts


def _accounts(rng: random.Random, records, enterprises, agencies, inspectors) -> list[str]:
    """Department staff for more departments; enterprise and lab accounts bound to their organisation;
    each county account is also that county's first inspector."""
    from zhiliang.core import demo as core_demo
    from zhiliang.core.audit import SYSTEM
    from zhiliang.core.models import Department, Region, User

    from . import services

    made = []
    city = Region.objects.get(code=CITY_CODE)
    for username, code in DEPARTMENT_ACCOUNTS:
        dept = Department.objects.filter(code=code).first()
        if dept is not None and not User.objects.filter(username=username).exists():
            core_demo.demo_account(rng, username, "department_staff", region=city, department=dept)
            made.append(username)
    # enterprise accounts: a large active enterprise of the sector (the first such, deterministic)
    used = set()
    for username, sector_key in ENTERPRISE_ACCOUNTS:
        candidates = [e for e, r in zip(enterprises, records, strict=True)
                      if r.sector.key == sector_key and e.status == "active" and r.kind == "91" and e.pk not in used]
        candidates.sort(key=lambda e: ("东风" not in e.name, {"large": 0, "medium": 1, "small": 2, "micro": 3}[e.scale], e.pk))
        if not candidates:
            continue
        enterprise = candidates[0]
        used.add(enterprise.pk)
        core_demo.demo_account(rng, username, "enterprise", organisation=enterprise)
        made.append(username)
    for username, index in LAB_ACCOUNTS:
        core_demo.demo_account(rng, username, "lab", organisation=agencies[index])
        made.append(username)
    # county staff are inspectors of their county's market-supervision bureau
    by_region: dict = {}
    for ins in inspectors:
        by_region.setdefault(ins.region_id, ins)
    for code, username in core_demo.COUNTY_ACCOUNTS.items():
        user = User.objects.filter(username=username).first()
        region = Region.objects.get(code=code)
        ins = by_region.get(region.pk)
        if user is not None and ins is not None and not hasattr(user, "inspector"):
            services.save_inspector(actor=SYSTEM, inspector=ins, name=user.display_name or ins.name, user=user)
    return made


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from zhiliang.core.demo import register_demo_loader
    from zhiliang.core.models.audit import register_change_set_counts

    register_demo_loader(10, "enterprises.registry", load_registry)
    register_change_set_counts({"enterprises": _("企业"), "products": _("产品"), "licences": _("许可证书"), "agencies": _("检验检测机构"),
                                "inspectors": _("执法检查人员"), "conflicts": _("回避关系")})
