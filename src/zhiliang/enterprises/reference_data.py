"""The product category tree loaded by migration: the 5 key fields of the seed
(§四) and its 10 key product categories (§三(四)1), plus the product groups the
city's industry needs (automobile parts …).  Licence requirements are the
market-access checks later capabilities apply; a deployment edits them."""

# (code, name, parent, kind, key_category, key_field, is_food, licence_kinds, sort)
CATEGORIES = [
    # §四 (一) 食品及食品相关产品 — also §三(四)1's first key category
    ("food", "食品及食品相关产品", None, "field", True, True, True, ["sc"], 10),
    ("food-processed", "加工食品", "food", "category", False, False, True, ["sc"], 11),
    ("food-drinks", "饮料（含瓶装水）", "food", "category", False, False, True, ["sc"], 12),
    ("food-tea", "茶叶及相关制品", "food", "category", False, False, True, ["sc"], 13),
    ("food-condiments", "调味品", "food", "category", False, False, True, ["sc"], 14),
    ("food-liquor", "酒类", "food", "category", False, False, True, ["sc"], 15),
    ("food-related", "食品相关产品（包装、容器、工具）", "food", "category", False, False, False, ["production"], 16),
    # §四 (二) 汽车产品
    ("auto", "汽车产品", None, "field", False, True, False, [], 20),
    ("auto-modified", "改装车", "auto", "category", True, False, False, ["ccc"], 21),
    ("auto-commercial", "商用车整车", "auto", "category", False, False, False, ["ccc"], 22),
    ("auto-parts", "汽车零部件及配件", "auto", "category", False, False, False, ["ccc"], 23),
    # §四 (三) 建材及装饰装修产品
    ("building", "建材及装饰装修产品", None, "field", False, True, False, [], 30),
    ("furniture", "家具", "building", "category", True, False, False, [], 31),
    ("wood-panels", "人造板", "building", "category", True, False, False, [], 32),
    ("waterproofing", "防水材料", "building", "category", True, False, False, ["production"], 33),
    ("wires-cables", "电线电缆", "building", "category", True, False, False, ["production", "ccc"], 34),
    ("coatings", "涂料", "building", "category", False, False, False, ["production"], 35),
    # §四 (四) 旅游及文教体育休闲用品
    ("leisure", "旅游及文教体育休闲用品", None, "field", False, True, False, [], 40),
    ("school-supplies", "学生用品", "leisure", "category", True, False, False, [], 41),
    ("toys", "玩具", "leisure", "category", False, False, False, ["ccc"], 42),
    ("souvenirs", "旅游纪念品（含绿松石制品）", "leisure", "category", False, False, False, [], 43),
    # §四 (五) 电子商务产品 — a channel: products sold online keep their own category
    ("ecommerce", "电子商务产品", None, "field", False, True, False, [], 50),
    # the remaining key categories of §三(四)1
    ("household", "日用消费品", None, "field", False, False, False, [], 60),
    ("kids-clothing", "儿童及婴幼儿服装", "household", "category", True, False, False, [], 61),
    ("cookware", "厨具", "household", "category", True, False, False, [], 62),
    ("water-purifiers", "净水机", "household", "category", True, False, False, ["health"], 63),
    ("appliances", "家用电器", "household", "category", False, False, False, ["ccc"], 64),
]
