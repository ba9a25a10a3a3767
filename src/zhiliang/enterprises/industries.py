"""GB/T 4754-2017 industry codes used by the registry (国民经济行业分类).

Only the classes this city's consumer-goods work touches are labelled here; any
well-formed code (section letter + up to 4 digits) is accepted and shown as is.
"""

import re

CODE_RE = re.compile(r"^[A-T](\d{2}|\d{3}|\d{4})?$")

INDUSTRIES = {
    "C13": "农副食品加工业",
    "C1391": "淀粉及淀粉制品制造",
    "C14": "食品制造业",
    "C1411": "糕点、面包制造",
    "C1431": "米、面制品制造",
    "C1461": "味精制造",
    "C1469": "其他调味品、发酵制品制造",
    "C1495": "食品及饲料添加剂制造",
    "C15": "酒、饮料和精制茶制造业",
    "C1512": "白酒制造",
    "C1525": "饮料制造（含瓶装水）",
    "C1530": "精制茶加工",
    "C18": "纺织服装、服饰业",
    "C1810": "机织服装制造",
    "C1820": "针织或钩针编织服装制造",
    "C20": "木材加工和木、竹、藤、棕、草制品业",
    "C2021": "胶合板制造",
    "C2022": "纤维板制造",
    "C2023": "刨花板制造",
    "C21": "家具制造业",
    "C2110": "木质家具制造",
    "C2130": "金属家具制造",
    "C24": "文教、工美、体育和娱乐用品制造业",
    "C2411": "文具制造",
    "C2412": "笔的制造",
    "C2439": "其他工艺美术及礼仪用品制造（绿松石制品）",
    "C2451": "电玩具制造",
    "C30": "非金属矿物制品业",
    "C3034": "防水建筑材料制造",
    "C33": "金属制品业",
    "C3381": "金属制厨房用器具制造",
    "C36": "汽车制造业",
    "C3611": "汽柴油车整车制造",
    "C3612": "新能源车整车制造",
    "C3630": "改装汽车制造",
    "C3650": "汽车车身、挂车制造",
    "C3660": "汽车用发动机制造",
    "C3670": "汽车零部件及配件制造",
    "C38": "电气机械和器材制造业",
    "C3831": "电线、电缆制造",
    "C3854": "家用厨房电器具制造",
    "C3855": "家用清洁卫生电器具制造",
    "C3859": "其他家用电力器具制造（含净水机）",
    "F51": "批发业",
    "F52": "零售业",
    "F5292": "互联网零售",
    "I64": "互联网和相关服务",
}


def industry_label(code: str | None) -> str:
    if not code:
        return ""
    if code in INDUSTRIES:
        return INDUSTRIES[code]
    for length in (4, 3):
        if code[:length] in INDUSTRIES:
            return INDUSTRIES[code[:length]]
    return code


def valid_industry_code(code: str) -> bool:
    return bool(CODE_RE.match(code or ""))
