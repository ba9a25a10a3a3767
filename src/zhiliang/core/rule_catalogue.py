"""RULES.md's rules, registered with their defaults and sources.

Every numbered rule of ``/work/shared/RULES.md`` (its "number" column) is one
or more :class:`~zhiliang.core.rules.Rule` here; ``source`` is the source
column of RULES.md (where it says "same", the source it refers to is spelt
out).  Code asks :func:`zhiliang.core.rules.value` for the value in force on
the relevant date.  ``docs/rules.md`` is generated from this registry
(``zhiliang rules --markdown``) and a test keeps it in step.

Rules of RULES.md without a number (field lists, procedures, formats) are
implemented by the apps that own them, not registered here.
"""

from __future__ import annotations

import datetime

from .rules import Rule, register

SAMPLING = "监督抽查"
CREDIT = "信用"
STANDARDS = "企业标准"
COMPLAINTS = "投诉"
RISK = "风险"
RECALL = "召回追溯"
PLAN = "纲要目标"
IDENTITY = "身份"
#: the order of groups in listings (RULES.md's order)
GROUP_ORDER = (IDENTITY, SAMPLING, CREDIT, STANDARDS, COMPLAINTS, RISK, RECALL, PLAN)

#: the day the 2025 credit regime (国办发〔2025〕22号, SAMR Order 107) takes over from Order 45's
CREDIT_REGIME_SWITCH = datetime.date(2025, 12, 25)
#: Order 45 (市场监督管理行政处罚信息公示规定) in force from
ORDER_45_IN_FORCE = datetime.date(2021, 9, 1)


def _r(name, title, default, kind, source, group, *, unit="", minimum=None, maximum=None, description="", **extra) -> Rule:
    return register(
        Rule(
            name=name,
            title=title,
            default=default,
            kind=kind,
            source=source,
            group=group,
            unit=unit,
            minimum=minimum,
            maximum=maximum,
            description=description,
            **extra,
        )
    )


# --- 身份 Identity ------------------------------------------------------------------------------

_r(
    "RULE_IDENTITY_MASK_VISIBLE_CHARS",
    "公开展示的个人身份证件号码保留末几位",
    4,
    "int",
    "PIPL",
    IDENTITY,
    unit="位",
    minimum=0,
    maximum=4,
    description="个人身份证件号码公开时只显示末4位，其余以*遮盖。",
)

# --- 监督抽查 Supervision sampling ------------------------------------------------------------

_SRC_REPEAT = "Product Quality Law Art. 15; SAMR Order 18; 十堰行动纲要（十政办发〔2017〕51号） §三(六)2"
_r(
    "RULE_SAMPLING_REPEAT_6M",
    "同一产品6个月内不得重复抽查",
    6,
    "months",
    _SRC_REPEAT,
    SAMPLING,
    unit="个月",
    minimum=0,
    maximum=24,
    description="同一生产者、同一标准、同一商标、同一规格型号视为同一产品；“6个月内”至6个月后的同一日（含当日），"
    "如 2020-01-10 抽查的产品至 2020-07-10（含）不得再次抽查。不合格产品的跟踪抽查、应急抽查除外。",
)
_SRC_FEE = "PQL Art. 15; 十堰行动纲要（十政办发〔2017〕51号） §三(六)2"
_r(
    "RULE_SAMPLING_ENTERPRISE_FEE",
    "向被抽查企业收取的检验费用",
    "0",
    "decimal",
    _SRC_FEE,
    SAMPLING,
    unit="元",
    minimum=0,
    maximum=0,
    description="监督抽查不得向被抽查企业收取检验费用；样品应购买。",
)
_r(
    "RULE_SAMPLING_RESERVE_UNITS",
    "每批次备用样品数量",
    1,
    "int",
    _SRC_FEE,
    SAMPLING,
    unit="份",
    minimum=0,
    maximum=5,
    description="抽样数量不超过检验需要：通常检验样品1份、备用样品1份。",
)
_SRC_RETEST = "PQL Art. 15; Order 18; Food Safety Law Art. 88"
_r(
    "RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL",
    "工业产品复检申请期限（自收到检验结果之日起）",
    15,
    "days",
    _SRC_RETEST,
    SAMPLING,
    unit="天",
    minimum=1,
    maximum=60,
)
_r(
    "RULE_SAMPLING_RETEST_WD_FOOD",
    "食品复检申请期限（自收到检验结论之日起）",
    7,
    "working_days",
    _SRC_RETEST,
    SAMPLING,
    unit="个工作日",
    minimum=1,
    maximum=30,
)
_SRC_FOLLOWUP = "Order 18 Arts. 45–48"
_r("RULE_SAMPLING_RECTIFY_DAYS", "不合格产品整改期限（自责令整改之日起）", 60, "days", _SRC_FOLLOWUP, SAMPLING, unit="天", minimum=1, maximum=180)
_r("RULE_SAMPLING_RECHECK_DAYS", "不合格产品复查期限（自责令整改之日起）", 75, "days", _SRC_FOLLOWUP, SAMPLING, unit="天", minimum=1, maximum=180)
_r(
    "RULE_SAMPLING_SECOND_RECHECK_MIN_DAYS",
    "复查不合格公告后再次复查的最早时间",
    60,
    "days",
    _SRC_FOLLOWUP,
    SAMPLING,
    unit="天",
    minimum=1,
    maximum=365,
)
_r(
    "RULE_SAMPLING_SECOND_RECHECK_MAX_DAYS",
    "复查不合格公告后再次复查的最晚时间",
    90,
    "days",
    _SRC_FOLLOWUP,
    SAMPLING,
    unit="天",
    minimum=1,
    maximum=365,
)
_r(
    "RULE_SAMPLING_NOTICE_DAYS",
    "无法送达时公告送达检验结果的公告期",
    15,
    "days",
    "provincial practice",
    SAMPLING,
    unit="天",
    minimum=1,
    maximum=90,
    description="公告期满无异议的，视为认可检验结果。",
)
_r(
    "RULE_SAMPLING_REFERRAL_REPLY_DAYS",
    "异地核查处置的回复期限（自移送之日起）",
    30,
    "days",
    "provincial practice (异地核查处置; set per deployment)",
    SAMPLING,
    unit="天",
    minimum=1,
    maximum=180,
    description="生产企业不在本市的不合格结果移送其所在地监管部门核查处置，跟踪回复；逾期未复列入逾期清单。",
)
_r(
    "RULE_SAMPLING_MIN_INSPECTORS",
    "双随机检查每户企业的执法检查人员最少人数",
    2,
    "int",
    "国发〔2019〕5号; 十堰行动纲要（十政办发〔2017〕51号） §三(六)2",
    SAMPLING,
    unit="人",
    minimum=2,
    maximum=10,
)
_r(
    "RULE_SAMPLING_CREDIT_CLASS_RATIOS",
    "按信用风险分类（A/B/C/D）的年度抽查比例",
    {"A": 5, "B": 10, "C": 30, "D": 60},
    "json",
    "SAMR 国市监信发〔2022〕6号; a county's 2024 rules",
    SAMPLING,
    unit="%",
    minimum=0,
    maximum=100,
    description="A类最低、D类最高；各地规则示例：A≤5%，B 5–20%，C 21–60%，D 61–100%。",
)
_r(
    "RULE_SAMPLING_PUBLISH_WD",
    "抽查检查结果公示期限（自形成结果之日起）",
    20,
    "working_days",
    "企业信息公示暂行条例 Art. 6",
    SAMPLING,
    unit="个工作日",
    minimum=1,
    maximum=60,
)
_r(
    "RULE_SAMPLING_PASS_RATE_TARGET",
    "市级及以上监督抽查合格率目标",
    "90",
    "percent",
    "十堰行动纲要（十政办发〔2017〕51号） §二",
    SAMPLING,
    unit="%",
    description="合格率 = 合格批次 / 检验批次（复检结果取代初检结果）；同时是纲要§二的目标（纲要目标组不重复登记）。",
)
_r(
    "RULE_SAMPLING_BOTTOM_COUNTIES",
    "省级及以上抽查合格率排名末位、当年不得评为A等的县市区数",
    3,
    "int",
    "十堰行动纲要（十政办发〔2017〕51号） §五(一)",
    SAMPLING,
    unit="个",
    minimum=0,
    maximum=10,
)

# --- 信用 Credit ----------------------------------------------------------------------------------

_SRC_45 = "SAMR Order 45"
_r(
    "RULE_CREDIT_PENALTY_PUBLISH_WD",
    "行政处罚信息公示期限（自作出决定之日起）",
    20,
    "working_days",
    _SRC_45,
    CREDIT,
    unit="个工作日",
    minimum=1,
    maximum=60,
    description="仅适用于普通程序；简易程序和仅处警告的处罚不公示。",
)
_r(
    "RULE_CREDIT_PENALTY_WITHDRAW_WD",
    "处罚决定被撤销后撤下公示信息的期限",
    3,
    "working_days",
    _SRC_45,
    CREDIT,
    unit="个工作日",
    minimum=1,
    maximum=20,
)
_r(
    "RULE_CREDIT_PUBLICITY_SHORT_MONTHS",
    "通报批评或较低数额罚款的处罚信息公示期",
    3,
    "months",
    "Order 45",
    CREDIT,
    unit="个月",
    minimum=1,
    maximum=36,
    description="较低数额罚款的标准由省级市场监管部门确定。",
)
_r(
    "RULE_CREDIT_PUBLICITY_LONG_YEARS",
    "其他行政处罚信息公示期",
    3,
    "years",
    "Order 45",
    CREDIT,
    unit="年",
    minimum=1,
    maximum=10,
    description="限制期限长于3年的，公示期与限制期限相同。",
)
_r(
    "RULE_CREDIT_LOW_FINE_WAN",
    "“较低数额罚款”的上限（万元，含本数）",
    {"natural_person": 1, "individual_business": 1, "legal_entity": 10},
    "json",
    "Order 45 art. 14 (数额由省级确定); 多省通行标准，湖北省公布后按其调整",
    CREDIT,
    unit="万元",
    minimum=0,
    maximum=1000,
    description="按处罚决定日在用的数值：不超过此数额、且无没收和暂扣吊销的罚款，Order 45 下公示3个月。"
    "natural_person 自然人，individual_business 个体工商户，legal_entity 法人及非法人组织。",
)
_SRC_REPAIR = "市场监督管理信用修复管理办法"
_r(
    "RULE_CREDIT_REPAIR_MONTHS",
    "行政处罚信息公示满多久可申请信用修复",
    6,
    "months",
    _SRC_REPAIR,
    CREDIT,
    unit="个月",
    minimum=0,
    maximum=36,
)
_r(
    "RULE_CREDIT_REPAIR_MONTHS_FOOD_DRUG",
    "食品、药品、特种设备领域处罚信息公示满多久可申请信用修复",
    12,
    "months",
    _SRC_REPAIR,
    CREDIT,
    unit="个月",
    minimum=0,
    maximum=36,
)
_SRC_TIERS = "国办发〔2025〕22号; SAMR Order 107 (2025)"
_r(
    "RULE_CREDIT_REGIME",
    "失信信息公示与修复所适用的制度",
    "tiers2025",
    "choice",
    _SRC_TIERS,
    CREDIT,
    choices=("order45", "tiers2025"),
    default_since=CREDIT_REGIME_SWITCH,
    history=((ORDER_45_IN_FORCE, "order45"),),
    description="order45：总局令第45号（3个月/3年公示期）；tiers2025：国办发〔2025〕22号的轻微/一般/严重三档。"
    "以处罚决定日在用的制度为准，缺省自 2025-12-25 起切换。",
)
_r("RULE_CREDIT_TIER_MINOR_MAX_MONTHS", "轻微失信信息最长公示期", 3, "months", _SRC_TIERS, CREDIT, unit="个月", minimum=0, maximum=12)
_r("RULE_CREDIT_TIER_GENERAL_MAX_MONTHS", "一般失信信息最长公示期", 12, "months", _SRC_TIERS, CREDIT, unit="个月", minimum=1, maximum=36)
_r(
    "RULE_CREDIT_TIER_GENERAL_REPAIR_MONTHS",
    "一般失信信息公示满多久可申请修复",
    3,
    "months",
    _SRC_TIERS,
    CREDIT,
    unit="个月",
    minimum=0,
    maximum=12,
)
_r("RULE_CREDIT_TIER_SERIOUS_MAX_MONTHS", "严重失信信息最长公示期", 36, "months", _SRC_TIERS, CREDIT, unit="个月", minimum=12, maximum=120)
_r(
    "RULE_CREDIT_TIER_SERIOUS_REPAIR_MONTHS",
    "严重失信信息公示满多久可申请修复",
    12,
    "months",
    _SRC_TIERS,
    CREDIT,
    unit="个月",
    minimum=0,
    maximum=36,
)
_SRC_44 = "SAMR Order 44 (2021)"
_r(
    "RULE_CREDIT_SERIOUS_LIST_REMOVAL_APPLY_YEARS",
    "列入严重违法失信名单满多久可申请移出",
    1,
    "years",
    _SRC_44,
    CREDIT,
    unit="年",
    minimum=0,
    maximum=5,
)
_r(
    "RULE_CREDIT_SERIOUS_LIST_AUTO_REMOVAL_YEARS",
    "列入严重违法失信名单满多久自动移出",
    3,
    "years",
    _SRC_44,
    CREDIT,
    unit="年",
    minimum=1,
    maximum=10,
)
_r(
    "RULE_CREDIT_SERIOUS_LIST_PROVINCIAL_APPROVAL",
    "县、市级列入严重违法失信名单须报上一级批准",
    True,
    "bool",
    _SRC_44,
    CREDIT,
    description="省级批准文件为外部文书；2025年征求意见稿拟取消该环节，故可切换。",
)

_r(
    "RULE_CREDIT_SERIOUS_LIST_PUBLISH_WD",
    "作出列入严重违法失信名单决定后公示的期限",
    20,
    "working_days",
    _SRC_44,
    CREDIT,
    unit="个工作日",
    minimum=1,
    maximum=60,
    description="自作出列入决定之日起，通过信用信息公示系统公示。",
)
_r(
    "RULE_CREDIT_OBJECTION_REVIEW_WD",
    "信用信息异议的核查期限（自收到异议之日起）",
    10,
    "working_days",
    "湖北省公共信用信息异议处理通行做法（本系统假设，可配置）",
    CREDIT,
    unit="个工作日",
    minimum=1,
    maximum=60,
    description="核查期间该信息标注“异议处理中”。",
)
_r(
    "RULE_CREDIT_REPAIR_DECISION_WD",
    "信用修复申请的审核期限（自受理之日起）",
    15,
    "working_days",
    _SRC_REPAIR,
    CREDIT,
    unit="个工作日",
    minimum=1,
    maximum=60,
)
_r(
    "RULE_CREDIT_MEASURE_FEEDBACK_WD",
    "联合奖惩实施部门反馈执行情况的期限（自案件发起之日起）",
    20,
    "working_days",
    "联合奖惩合作备忘录；省级联合奖惩系统通行做法（本系统假设，可配置）",
    CREDIT,
    unit="个工作日",
    minimum=1,
    maximum=90,
)

# --- 信用风险分类 Credit-risk class (credit/classes.py, docs/credit-class.md) ---------------------
# rule set "zl-credit-class-1" after SAMR 国市监信发〔2022〕6号: risk points per indicator (基础信息,
# 违法违规, 质量, 其他), positive indicators deduct; thresholds give A–D; overrides come last.
_SRC_CLASS = "SAMR 国市监信发〔2022〕6号（市场监管信用风险分类管理）; docs/credit-class.md"
_r("RULE_CREDIT_CLASS_PENALTY_YEARS", "信用风险分类计入行政处罚的期间（决定日起）", 3, "years", _SRC_CLASS, CREDIT, unit="年", minimum=1, maximum=10)
_r(
    "RULE_CREDIT_CLASS_PENALTY_POINTS",
    "每项行政处罚计入的风险分（按严重程度）",
    {"minor": 5, "general": 10, "serious": 30},
    "json",
    _SRC_CLASS,
    CREDIT,
    unit="分",
    minimum=0,
    maximum=100,
    description="未标严重程度的处罚按“一般”计。",
)
_r("RULE_CREDIT_CLASS_SAMPLING_YEARS", "信用风险分类计入监督抽查不合格、拒检的期间", 2, "years", _SRC_CLASS, CREDIT, unit="年", minimum=1, maximum=10)
_r("RULE_CREDIT_CLASS_SAMPLING_FAILURE_POINTS", "每批次监督抽查不合格计入的风险分", 10, "int", _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_SAMPLING_REFUSAL_POINTS", "每次拒绝监督抽查计入的风险分", 15, "int", _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_COMPLAINT_YEARS", "信用风险分类计入经核实投诉的期间", 1, "years", _SRC_CLASS, CREDIT, unit="年", minimum=1, maximum=5)
_r("RULE_CREDIT_CLASS_COMPLAINT_POINTS", "每件经核实的消费投诉计入的风险分", 2, "int", _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_COMPLAINT_MAX_POINTS", "经核实的消费投诉合计计入的风险分上限", 10, "int", _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_RECALL_YEARS", "信用风险分类计入缺陷产品召回的期间", 2, "years", _SRC_CLASS, CREDIT, unit="年", minimum=1, maximum=10)
_r("RULE_CREDIT_CLASS_RECALL_POINTS", "每次缺陷产品召回计入的风险分", 5, "int", _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_ABNORMAL_LIST_POINTS", "列入经营异常名录（在列期间）计入的风险分", 20, "int", _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_AWARD_YEARS", "信用风险分类计入奖励表彰的期间", 3, "years", _SRC_CLASS, CREDIT, unit="年", minimum=1, maximum=10)
_r("RULE_CREDIT_CLASS_AWARD_POINTS", "期间内获奖励表彰扣减的风险分（一次）", 10, "int", _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_RED_LIST_POINTS", "列入守信红名单（在列期间）扣减的风险分", 15, "int", _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_INSURANCE_POINTS", "投保产品质量安全责任保险（在保期间）扣减的风险分", 5, "int", "纲要§五(三); " + _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r("RULE_CREDIT_CLASS_CQO_POINTS", "设首席质量官扣减的风险分", 5, "int", "纲要§三(二)1; " + _SRC_CLASS, CREDIT, unit="分", minimum=0, maximum=100)
_r(
    "RULE_CREDIT_CLASS_THRESHOLDS",
    "信用风险分类的分值界限",
    {"A_max": -10, "C_min": 20, "D_min": 50},
    "json",
    _SRC_CLASS,
    CREDIT,
    unit="分",
    minimum=-1000,
    maximum=1000,
    description="风险分 ≥ D_min 为D类；≥ C_min 为C类；≤ A_max 为A类；其余为B类（无任何信息的企业为0分，即B类）。",
)
_r("RULE_CREDIT_CLASS_SERIOUS_LIST_D", "列入严重违法失信名单（在列期间）直接判为D类", True, "bool", "SAMR Order 44 (2021); " + _SRC_CLASS, CREDIT)
_r(
    "RULE_CREDIT_CLASS_REVOKED_D",
    "被吊销营业执照的企业直接判为D类",
    True,
    "bool",
    _SRC_CLASS,
    CREDIT,
    description="已注销的企业不再分类（当前分类结束，历史保留）。",
)

# --- 投诉 Complaints -------------------------------------------------------------------------------

_r(
    "RULE_COMPLAINT_ACCEPT_WD",
    "投诉受理决定期限（自收到投诉之日起）",
    7,
    "working_days",
    "SAMR Order 20 (2022) Art. 14",
    COMPLAINTS,
    unit="个工作日",
    minimum=1,
    maximum=30,
)
_r(
    "RULE_COMPLAINT_LIMIT_YEARS",
    "自知道或应当知道权益受损之日起超过多久不予受理",
    3,
    "years",
    "Art. 15",
    COMPLAINTS,
    unit="年",
    minimum=1,
    maximum=10,
)
_r(
    "RULE_COMPLAINT_MEDIATION_WD",
    "调解终止期限（自受理之日起未达成协议）",
    45,
    "working_days",
    "Art. 21",
    COMPLAINTS,
    unit="个工作日",
    minimum=1,
    maximum=120,
    description="检测、检验、鉴定等时间不计算在内。",
)
_r(
    "RULE_COMPLAINT_MEDIATION_NOTIFY_WD",
    "调解终止后告知当事人的期限",
    7,
    "working_days",
    "Art. 21",
    COMPLAINTS,
    unit="个工作日",
    minimum=1,
    maximum=30,
)
_r(
    "RULE_COMPLAINT_VIOLATION_CHECK_WD",
    "调解中发现违法线索的核查期限",
    15,
    "working_days",
    "Art. 23",
    COMPLAINTS,
    unit="个工作日",
    minimum=1,
    maximum=60,
)
_r(
    "RULE_COMPLAINT_VIOLATION_CHECK_EXTENSION_WD",
    "违法线索核查可延长的期限",
    15,
    "working_days",
    "Art. 23",
    COMPLAINTS,
    unit="个工作日",
    minimum=0,
    maximum=60,
)
_r(
    "RULE_COMPLAINT_JOINT_MAX_REPRESENTATIVES",
    "共同投诉可推选的代表人数上限",
    2,
    "int",
    "Art. 11",
    COMPLAINTS,
    unit="人",
    minimum=1,
    maximum=10,
)

# --- 风险 Risk --------------------------------------------------------------------------------------

_r(
    "RULE_RISK_MATRIX",
    "风险等级矩阵（概率档界与各伤害严重程度对应的风险等级）",
    {
        "edges": ["1/2", "1/10", "1/100", "1/1000", "1/10000", "1/100000", "1/1000000"],
        "levels": [
            ["high", "serious", "serious", "serious"],
            ["medium", "serious", "serious", "serious"],
            ["medium", "serious", "serious", "serious"],
            ["low", "high", "serious", "serious"],
            ["low", "medium", "high", "serious"],
            ["low", "low", "medium", "high"],
            ["low", "low", "low", "medium"],
            ["low", "low", "low", "low"],
        ],
    },
    "json",
    "EU RAG, Decision (EU) 2019/417; UK OPSS PRISM",
    RISK,
    description="概率 P 严格大于第 i 个档界时取 levels[i]（按严重程度1–4）；不大于最后一个档界取最后一行。"
    "概率须用精确分数计算。多个情景取最高风险。",
)
_SRC_NEISS = "US NEISS practice"
_r("RULE_RISK_INJURY_MIN_CASES", "伤害估计的最少样本病例数（少于则不稳定）", 20, "int", _SRC_NEISS, RISK, unit="例", minimum=1, maximum=1000)
_r("RULE_RISK_INJURY_MAX_CV", "伤害估计的最大变异系数（超过则不稳定）", "33", "percent", _SRC_NEISS, RISK, unit="%")
_r(
    "RULE_RISK_INJURY_ESTIMATE_FLOOR",
    "伤害估计值下限（低于则不稳定）",
    1200,
    "int",
    _SRC_NEISS,
    RISK,
    unit="例",
    minimum=0,
    maximum=1_000_000,
    description="NEISS 在美国全国尺度上取 1200；本市应按人口规模自行设定。",
)

# --- 召回追溯 Recall and traceability -------------------------------------------------------------

_r(
    "RULE_RECALL_FOOD_START_HOURS",
    "食品召回启动时限（按召回级别）",
    {"1": 24, "2": 48, "3": 72},
    "json",
    "food recall rules",
    RECALL,
    unit="小时",
    minimum=1,
    maximum=720,
)
_r(
    "RULE_RECALL_FOOD_FINISH_WD",
    "食品召回完成时限（按召回级别）",
    {"1": 10, "2": 20, "3": 30},
    "json",
    "food recall rules",
    RECALL,
    unit="个工作日",
    minimum=1,
    maximum=120,
)
_SRC_TRACE = "Food Safety Law Arts. 50–53"
_r(
    "RULE_TRACE_RETENTION_YEARS",
    "无保质期产品的追溯记录最短保存期",
    2,
    "years",
    _SRC_TRACE,
    RECALL,
    unit="年",
    minimum=2,
    maximum=30,
    description="这是最低要求：记录从不自动清除。",
)
_r(
    "RULE_TRACE_RETENTION_EXTRA_MONTHS",
    "追溯记录保存期超出保质期的月数",
    6,
    "months",
    _SRC_TRACE,
    RECALL,
    unit="个月",
    minimum=6,
    maximum=120,
)

# --- 纲要目标 The plan's targets --------------------------------------------------------------------

_SRC_PLAN = "十堰行动纲要（十政办发〔2017〕51号） §二, §三(一)1"
for _name, _title, _default, _kind, _unit in (
    ("RULE_PLAN_CUSTOMER_SATISFACTION", "顾客满意度目标", "90", "percent", "%"),
    ("RULE_PLAN_QUALITY_ENGINEER_SHARE", "质量检测工程师占从业人员比例目标", "10", "percent", "%"),
    ("RULE_PLAN_COMPETITIVENESS_INDEX", "消费品质量竞争力指数目标", "85", "decimal", ""),
    ("RULE_PLAN_FAMOUS_TRADEMARKS", "中国驰名商标数量目标", 20, "int", "个"),
    ("RULE_PLAN_HUBEI_FAMOUS_BRANDS", "湖北名牌产品数量目标", 100, "int", "个"),
    ("RULE_PLAN_BRAND_ENTERPRISE_SHARE", "拥有自主品牌的企业比例目标", "60", "percent", "%"),
    ("RULE_PLAN_CHINA_QUALITY_AWARD", "中国质量奖数量目标", 1, "int", "个"),
    ("RULE_PLAN_CHANGJIANG_QUALITY_AWARD", "长江质量奖数量目标", 3, "int", "个"),
    ("RULE_PLAN_WUDANG_QUALITY_AWARD", "武当质量奖数量目标", 10, "int", "个"),
    ("RULE_PLAN_LOCAL_STANDARDS_PER_YEAR", "每年制定地方标准数量目标", 10, "int", "项"),
):
    _r(_name, _title, _default, _kind, _SRC_PLAN, PLAN, unit=_unit, minimum=0 if _kind != "percent" else None,
       maximum=1000 if _kind == "int" else (100 if _kind == "decimal" else None))
