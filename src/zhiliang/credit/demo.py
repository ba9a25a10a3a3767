"""Living demo data of the quality-credit center (质量信用): 双公示 penalties and licences from
several departments, the review queue of name-only matches, the serious-dishonesty list and the
red list in every state with their monthly publications, joint measures and their feedback,
objections and credit repairs, and the credit-risk classes A–D computed at the end.  (No credit
report is printed: rendering its PDF alone takes a second of the demo's start.)

Everything is generated from the demo seed over the registry's generated city
(``enterprises.demo``) and the sampling demo (whose failing results become credit facts); no real enterprise's or person's data (natural persons get synthetic
identity numbers, as the registry's legal representatives do).  "Today" is
``timezone.localdate()``, so the demo is alive whenever it is started: decisions are spread over
the last four and a half years — some expired, some in publicity, some decided under SAMR Order
45 and some under the 2025 severity tiers (RULE_CREDIT_REGIME).

How it is written (inside the demo's audit context and change set):

* the **sampling facts**: the failing results of the sampling demo (its living samples' events
  are delivered only after the demo's commit, and its bulk history has none) are recorded by the
  credit handler's own code, its refusals by delivering their events here (as the worker would);
* **penalties and licences** as the departments send them: a 双公示 CSV file per department,
  imported with ``zhiliang import penalties|licences`` (``exchange.importing.run_import``) —
  matched by USCC, by a legacy 组织机构代码, by name only (left in the review queue, one
  confirmed and one rejected by ``amr``), or not at all; natural persons and 个体工商户 among them;
* awards, verified complaints, recalls and abnormal-operation listings through
  ``services.facts.record_fact``;
* the **lists** through ``services.lists`` as the demo accounts would do it (county staff
  propose, ``admin`` approves, the city bureau's ``amr`` decides city listings), with the list
  events delivered in the transaction so the joint-measure cases open and close
  (``services.measures`` handlers); dates in the past where the services take them, and the
  proposal/approval dates of the old entries set back afterwards (the services stamp today);
* **joint measures**: the default catalogue (``credit.catalogue``), feedback by the executing
  departments' accounts; **objections** and **repairs** through ``services.disputes``;
* the **classes**: ``classes.recompute_all`` at the end; the counts per class are reported.  The
  class events are left to the worker, which opens the class-A and class-D measures of every such
  enterprise after the demo's commit — except the enterprise account's class-A incentive, opened
  here with its feedback.

The other events written here (facts recorded, lists, disputes) are delivered by the worker after
the commit too; their handlers are idempotent, so what was delivered here is not done twice.

The profiles given to enterprises (:data:`PROFILES`) are chosen so that every county has
enterprises of each class A–D.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

D = datetime.date
DAY = datetime.timedelta(days=1)

LOADER_ORDER = 50
LOADER_NAME = "credit.demo"
DEMO_REASON = "演示数据：十堰市质量信用日常工作"

CITY = "420300"
REGIONS = ("420302", "420303", "420304", "420322", "420323", "420324", "420325", "420381", "4203K1", "4203K2")
COUNTY_DEPARTMENTS = {"420302": "mj-amr", "420303": "zw-amr", "420304": "yy-amr", "420322": "yx-amr", "420323": "zs-amr",
                      "420324": "zx-amr", "420325": "fx-amr", "420381": "djk-amr", "4203K1": "jkq-amr", "4203K2": "wds-amr"}
#: the short form of each county bureau's penalty decision numbers
COUNTY_DOC = {"420302": "茅市监", "420303": "张市监", "420304": "郧阳市监", "420322": "郧西市监", "420323": "竹山市监", "420324": "竹溪市监",
              "420325": "房市监", "420381": "丹市监", "4203K1": "十市监经开", "4203K2": "十市监武当"}
COUNTY_ACCOUNTS = {"420302": "maojian", "420303": "zhangwan", "420304": "yunyang", "420322": "yunxi", "420323": "zhushan",
                   "420324": "zhuxi", "420325": "fangxian", "420381": "danjiangkou", "4203K1": "jingkai", "4203K2": "wudangshan"}
#: department accounts this part adds (the registry's demo made amr, health, agri …): the
#: executing departments of the joint measures and the reviewers of their penalties
DEPARTMENT_ACCOUNTS = (("finance", "sy-finance"), ("ggzy", "sy-ggzy"), ("env", "sy-env"), ("safety", "sy-safety"))
#: the transport bureau sends its 双公示 data as an external source unit (no department row);
#: its USCC is generated (valid structure, fake) by :func:`transport_source`
TRANSPORT_NAME = "十堰市交通运输局"


def transport_source() -> tuple[str, str]:
    from zhiliang.enterprises import demo as registry

    return TRANSPORT_NAME, registry.make_uscc_for(CITY, kind="11", orgcode=registry.make_orgcode(random.Random(0), serial=20190301))


# --- what the departments penalise ------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """A kind of violation a department penalises: 违法行为类型, a fact pattern, the legal
    basis, the fine range in 万元, and whether it belongs to the food/drug/special-equipment
    domains (the repair wait is a year there)."""

    title: str
    facts: str
    basis: str
    fine: tuple[float, float]
    categories: str = "罚款"
    licence_action: str = ""


V = Violation
VIOLATIONS: dict[str, tuple[Violation, ...]] = {
    "amr": (
        V("生产、销售不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品",
          "当事人生产的{product}经监督抽查，{item}项目不符合{standard}要求，货值金额{value}元",
          "《中华人民共和国产品质量法》第四十九条", (0.8, 12), "罚款;没收违法所得"),
        V("在产品中掺杂、掺假，以次充好", "当事人销售的{product}以不合格品冒充合格品，货值金额{value}元",
          "《中华人民共和国产品质量法》第五十条", (1, 15), "罚款;没收违法所得"),
        V("伪造产品的产地，伪造或者冒用他人的厂名、厂址", "当事人在其生产的{product}标签上冒用他人厂名、厂址",
          "《中华人民共和国产品质量法》第五十三条", (0.5, 6)),
        V("经营超过保质期的食品", "执法人员在当事人经营场所发现超过保质期的{food}{count}件，标价待售",
          "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项", (0.5, 5)),
        V("经营标签不符合规定的预包装食品", "当事人经营的{food}标签未标明生产日期和贮存条件",
          "《中华人民共和国食品安全法》第一百二十五条第一款第（二）项", (0.2, 2)),
        V("未取得食品经营许可从事食品经营活动", "当事人未取得食品经营许可证，在其经营场所从事{food}销售",
          "《中华人民共和国食品安全法》第一百二十二条第一款", (1, 8), "罚款;没收违法所得"),
        V("超范围、超限量使用食品添加剂", "当事人生产的{food}经抽检，山梨酸及其钾盐超过GB 2760-2014规定的最大使用量",
          "《中华人民共和国食品安全法》第一百二十四条第一款第（三）项", (5, 30), "罚款;没收违法所得"),
        V("使用未经定期检验的特种设备", "当事人使用的{equipment}未按规定在检验合格有效期届满前一个月申报定期检验",
          "《中华人民共和国特种设备安全法》第八十四条第（一）项", (3, 30)),
        V("发布虚假广告", "当事人在其网店页面宣称{product}“国家级质量认证”“零甲醛”，无事实依据",
          "《中华人民共和国广告法》第五十五条第一款", (2, 20)),
        V("不按规定明码标价", "当事人销售的商品未按规定明码标价", "《明码标价和禁止价格欺诈规定》第二十一条", (0.05, 0.5), "警告;罚款"),
        V("使用未经检定的计量器具", "当事人使用的电子计价秤未按规定申请强制检定", "《中华人民共和国计量法实施细则》第四十三条",
          (0.02, 0.1), "罚款"),
    ),
    "env": (
        V("超过大气污染物排放标准排放大气污染物", "在线监测数据显示当事人锅炉颗粒物排放浓度超过排放标准",
          "《中华人民共和国大气污染防治法》第九十九条第（二）项", (10, 60)),
        V("未采取防治措施排放含有毒有害物质的废水", "当事人喷涂车间废水未经处理直接排入雨水管网",
          "《中华人民共和国水污染防治法》第八十三条第（三）项", (10, 50)),
        V("建设项目环境影响报告表未经批准擅自开工建设", "当事人{product}生产线扩建项目未报批环境影响报告表即开工建设",
          "《中华人民共和国环境影响评价法》第三十一条第一款", (5, 20)),
    ),
    "safety": (
        V("未按照规定对从业人员进行安全生产教育和培训", "当事人未对新入职的{count}名一线员工进行岗前安全生产教育和培训",
          "《中华人民共和国安全生产法》第九十七条第（三）项", (1, 10)),
        V("未对重大危险源登记建档、进行定期检测评估", "当事人液氨储罐区未登记建档，未进行定期检测、评估",
          "《中华人民共和国安全生产法》第一百零一条第（二）项", (3, 10)),
        V("未经许可经营危险化学品", "当事人未取得危险化学品经营许可证，在其门市部销售油漆稀释剂",
          "《危险化学品安全管理条例》第七十七条第三款", (10, 20), "罚款;没收违法所得"),
    ),
    "transport": (
        V("未取得道路运输经营许可，擅自从事道路运输经营", "当事人使用未取得道路运输证的货车从事道路货物运输经营",
          "《中华人民共和国道路运输条例》第六十三条", (1, 10), "罚款;没收违法所得"),
        V("车辆超限运输", "当事人所属货车车货总重超过限定标准，在G70福银高速十堰收费站被查获",
          "《公路安全保护条例》第六十四条", (0.1, 3)),
    ),
    "health": (
        V("公共场所未取得卫生许可证擅自营业", "当事人经营的{place}未取得公共场所卫生许可证擅自营业",
          "《公共场所卫生管理条例实施细则》第三十五条第一款", (0.05, 0.5), "警告;罚款"),
        V("供水单位供应的饮用水不符合国家卫生标准", "经抽检，当事人二次供水水箱出水菌落总数超过GB 5749-2022限值",
          "《生活饮用水卫生监督管理办法》第二十六条第（四）项", (0.2, 2)),
        V("未按照规定组织劳动者进行职业健康检查", "当事人未组织接触粉尘作业的劳动者进行上岗前和在岗期间职业健康检查",
          "《中华人民共和国职业病防治法》第七十一条第（四）项", (5, 20)),
    ),
    "agri": (
        V("经营假农药", "当事人经营的{pesticide}经检验有效成分含量不符合产品质量标准",
          "《农药管理条例》第五十五条第一款第（一）项", (0.5, 5), "罚款;没收违法所得"),
        V("销售未经审定的农作物品种种子", "当事人销售的玉米种子品种未经审定", "《中华人民共和国种子法》第七十七条第一款第（一）项",
          (0.2, 3), "罚款;没收违法所得"),
    ),
}
#: words of a name that tell the trade: what a department may plausibly penalise or license it for
FOOD_WORDS = ("食品", "茶", "酒", "调味", "粮油", "副食", "糕点", "香菇", "魔芋", "木耳", "饮", "农产品", "蜂", "小吃")
SHOP_ENDINGS = ("店", "经营部", "门市部", "坊", "合作社", "超市", "商行")
#: the market-supervision violations (indexes into ``VIOLATIONS["amr"]``) of each trade: (food, shop)
AMR_FITS = {(True, False): (2, 4, 6, 7, 8, 10), (True, True): (3, 4, 5, 9, 10), (False, False): (0, 1, 2, 7, 8), (False, True): (8, 9, 10)}


def trade(name: str) -> tuple[bool, bool]:
    """(food, shop) from a name: a 食品 factory, a 副食店, a cable maker, a 五金门市部."""
    return any(w in name for w in FOOD_WORDS), name.endswith(SHOP_ENDINGS)


def fitting(name: str, kind: str) -> tuple[str, tuple[Violation, ...]]:
    """(kind, violations) a department of ``kind`` plausibly penalises the party ``name`` for —
    a shop is not fined for waste water, a cable maker not for stale food; where the kind does
    not fit the trade, market supervision's fitting ones."""
    food, shop = trade(name)
    if kind == "agri" and shop and ("农资" in name or "种" in name):
        return kind, VIOLATIONS["agri"]
    if kind == "health" and not shop:
        return kind, (VIOLATIONS["health"][2],)  # occupational health checks of a factory's workers
    if kind in ("env", "safety", "transport") and not shop:
        return kind, VIOLATIONS[kind]
    return "amr", tuple(VIOLATIONS["amr"][i] for i in AMR_FITS[(food, shop)])


FOODS = ("散装豆干", "香菇酱", "绿茶", "面包", "牛肉干", "酸辣粉", "米酒", "豆瓣酱")
PRODUCTS = ("汽车制动软管", "电线电缆", "儿童服装", "铝合金门窗", "电动自行车", "水性涂料", "学生书包", "净水器滤芯")
EQUIPMENT = ("乘客电梯", "叉车", "燃气锅炉", "压力容器（储气罐）")
PLACES = ("宾馆", "游泳馆", "美容美发店", "足浴店")
PESTICIDES = ("草甘膦异丙胺盐水剂", "吡虫啉可湿性粉剂", "阿维菌素乳油")
ITEMS = ("导体电阻", "甲醛含量", "纤维含量", "pH值", "耐压强度", "绝缘电阻")
STANDARDS = ("GB/T 5023.3-2008", "GB 31701-2015", "GB 18401-2010", "GB 17761-2024", "GB 21551.1-2023")


def _fill(rng: random.Random, text: str) -> str:
    return text.format(product=rng.choice(PRODUCTS), item=rng.choice(ITEMS), standard=rng.choice(STANDARDS), value=rng.randrange(800, 90000),
                       food=rng.choice(FOODS), count=rng.randrange(3, 40), equipment=rng.choice(EQUIPMENT), place=rng.choice(PLACES),
                       pesticide=rng.choice(PESTICIDES))


# --- the profiles: what happens to the chosen enterprises --------------------------------------------

#: per county: how many enterprises get each profile (what each means: ``Builder.penalties``)
PROFILES = {
    "D": 1,        # a serious penalty and two general ones within 3 years: 50 points
    "C": 2,        # two general penalties (20 points; half of them with a verified complaint besides)
    "B": 5,        # a minor penalty, a warning, a simple-procedure fine or an old (expired) penalty
    "A": 2,        # an award within 3 years (−10)
}
AWARDS = (("武当质量奖", "十堰市人民政府"), ("湖北名牌产品", "湖北省市场监督管理局"), ("十堰市质量强市示范企业", "十堰市质量强市工作委员会"),
          ("守合同重信用企业", "十堰市市场监督管理局"))
COMMITMENT_TEXT = ("信用修复承诺书\n\n本企业已全面履行行政处罚决定书规定的义务，按期缴纳罚款，并已完成整改。"
              "本企业承诺今后严格遵守相关法律法规，如有违反，自愿接受相关部门依法依规采取的惩戒措施。\n\n（演示数据）\n")


@dataclass
class PenaltyRow:
    """One row of a department's 双公示 penalty file."""

    source: str                  # department code, or "transport"
    party: str
    decided_on: D
    violation: Violation
    party_kind: str = "法人及非法人组织"
    uscc: str = ""
    orgcode: str = ""
    rep: str = ""
    rep_id: str = ""
    person_id: str = ""
    severity: str = "一般"
    procedure: str = "普通程序"
    warning_only: bool = False
    fine: Decimal | None = None
    licence_action: str = ""
    note: str = ""
    number: str = ""
    region: str = CITY


@dataclass
class Story:
    """What the demo did to one enterprise (kept to pick facts for lists, objections, repairs)."""

    enterprise: object
    profile: str
    rows: list[PenaltyRow] = field(default_factory=list)


class Builder:
    def __init__(self, rng: random.Random, today: D, report: Callable[[str], None]):
        self.rng = rng
        self.today = today
        self.report = report
        self.counts: Counter[str] = Counter()
        self.skipped: list[str] = []
        self.stories: dict[int, Story] = {}
        self.numbers: Counter[tuple[str, int]] = Counter()
        self.transport = transport_source()

    # -- helpers ----------------------------------------------------------------------------------

    def user(self, username: str):
        from zhiliang.core.models import User

        return User.objects.get(username=username)

    def context(self, actor, reason: str):
        from zhiliang.core.audit import audit_context

        return audit_context(actor=actor, reason=reason[:255], source="web")

    def back(self, months_lo: float, months_hi: float) -> D:
        """A working day between ``months_lo`` and ``months_hi`` months before today."""
        day = self.today - datetime.timedelta(days=self.rng.randint(int(months_lo * 30.4), int(months_hi * 30.4)))
        while day.weekday() >= 5:
            day -= DAY
        return day

    def deliver(self, *names: str) -> int:
        """Deliver the pending events called ``names`` now, in the demo's transaction — what the
        worker does after a commit (their handlers are idempotent per event)."""
        from zhiliang.core.events import deliver
        from zhiliang.core.models import DomainEvent

        ids = list(DomainEvent.objects.filter(name__in=names, delivered_at__isnull=True).order_by("created_at", "pk").values_list("pk", flat=True))
        for pk in ids:
            deliver(str(pk))
        return len(ids)

    def doc_no(self, source: str, region: str, year: int) -> str:
        self.numbers[(source, year)] += 1
        n = self.numbers[(source, year)] + 10 + (year % 7)
        prefix = {"amr": "十市监", "env": "十环", "safety": "十应急", "transport": "十交", "health": "十卫", "agri": "十农"}.get(source)
        if prefix is None:  # a county bureau
            prefix = COUNTY_DOC[region]
        return f"{prefix}罚〔{year}〕{n}号" if source != "transport" else f"十交执罚〔{year}〕{n:03d}号"

    # -- 1. the sampling facts ----------------------------------------------------------------------

    def sampling_facts(self) -> None:
        from zhiliang.sampling.models import Sample

        from . import handlers
        from .choices import FactKind
        from .matching import source_key_of
        from .models import CreditFact

        # every final failing result (the living ones' events and the bulk history alike) by the
        # handler's own code; the refusals by delivering their events (the worker finds both done)
        delivered = self.deliver("sampling.task_refused")
        have = set(CreditFact.objects.filter(kind=FactKind.SAMPLING_FAILURE).values_list("source_key", "source_record_id"))
        failing = (Sample.objects.filter(status="final", conclusion="fail")
                   .select_related("plan", "department", "producer", "bulletin", "plan__region").order_by("sample_no"))
        added = 0
        for sample in failing:
            if (source_key_of(**handlers._source_of(sample)), sample.sample_no) in have:
                continue
            handlers._record_failure(sample, f"监督抽查不合格（样品 {sample.sample_no}）")
            added += 1
        self.counts["sampling_events"] = delivered
        self.counts["sampling_history_facts"] = added

    # -- 2. accounts ----------------------------------------------------------------------------------

    def accounts(self) -> None:
        from zhiliang.core import demo as core_demo
        from zhiliang.core.models import Department, Region, User

        city = Region.objects.get(code=CITY)
        for username, code in DEPARTMENT_ACCOUNTS:
            department = Department.objects.filter(code=code).first()
            if department is not None and not User.objects.filter(username=username).exists():
                core_demo.demo_account(self.rng, username, "department_staff", region=city, department=department)
                self.counts["accounts"] += 1

    # -- 3. choosing enterprises -------------------------------------------------------------------

    def pick(self) -> None:
        """The enterprises of each county that get a profile, and the enterprise accounts'."""
        from zhiliang.core.models import Membership
        from zhiliang.enterprises.models import Enterprise

        own = {m.organisation_id: m.user.username for m in Membership.objects.filter(role__name="enterprise").select_related("user")
               if m.organisation_id}
        self.accounts_of = {username: Enterprise.objects.select_related("region").get(pk=pk) for pk, username in own.items()}
        taken = set(own)
        by_region: dict[str, list] = defaultdict(list)
        for e in Enterprise.objects.filter(status="active", uscc__isnull=False).select_related("region").order_by("uscc"):
            by_region[e.region.code].append(e)
        self.by_region = by_region
        self.pool: list = []
        for code in REGIONS:
            firms = [e for e in by_region[code] if e.pk not in taken and (e.uscc or "")[:2] == "91"]
            self.rng.shuffle(firms)
            # C and D from enterprises without a chief quality officer or insurance (each lowers the score)
            firms.sort(key=lambda e: bool(e.chief_quality_officer.strip() or e.liability_insured))
            for profile, n in PROFILES.items():
                for _ in range(n):
                    if not firms:
                        break
                    e = firms.pop(0)
                    taken.add(e.pk)
                    self.stories[e.pk] = Story(e, profile)
            self.pool.extend(firms[:12])  # spare enterprises of the county (lists, legacy codes, candidates)
        # the enterprise accounts: their own story
        for username, profile in (("enterprise", "A"), ("ent-food", "repairable"), ("ent-tea", "B"), ("ent-cable", "objection"),
                                  ("ent-furniture", "C+")):
            e = self.accounts_of.get(username)
            if e is not None:
                self.stories[e.pk] = Story(e, profile)
        self.taken = taken

    def spare(self, region: str | None = None):
        """A spare enterprise (of ``region``), never given twice."""
        for i, e in enumerate(self.pool):
            if region is None or e.region.code == region:
                return self.pool.pop(i)
        return self.pool.pop(0)

    # -- 4. penalties as 双公示 files ---------------------------------------------------------------

    def source_of_county(self, region: str) -> str:
        return COUNTY_DEPARTMENTS[region] if region in COUNTY_DEPARTMENTS else "sy-amr"

    def penalty(self, e, *, severity: str, months: tuple[float, float], source: str | None = None, kinds=("amr",), **extra) -> PenaltyRow:
        rng = self.rng
        kind, options = fitting(e.name, rng.choice(kinds))
        violation = rng.choice(options)
        if source is None:
            source = {"amr": self.source_of_county(e.region.code) if rng.random() < 0.6 else "sy-amr", "env": "sy-env", "safety": "sy-safety",
                      "transport": "transport", "health": "sy-health", "agri": "sy-agri"}[kind]
        lo, hi = violation.fine
        if severity == "严重":
            lo, hi = max(lo, hi * 0.6), max(hi, 20)
        elif severity == "轻微":
            hi = min(hi, max(lo, 1))
        fine = Decimal(str(round(rng.uniform(lo, hi), 2 if hi < 1 else 1)))
        row = PenaltyRow(source=source, party=e.name, decided_on=self.back(*months), violation=violation, uscc=e.uscc or "",
                         rep=e.legal_rep_name, rep_id=e.legal_rep_id_number, severity=severity, fine=fine, region=e.region.code,
                         licence_action=violation.licence_action)
        if (e.uscc or "").startswith("92"):
            row.party_kind = "个体工商户"
        for name, value in extra.items():
            setattr(row, name, value)
        story = self.stories.get(e.pk)
        if story is not None:
            story.rows.append(row)
        self.rows.append(row)
        return row

    def penalties(self) -> None:
        from zhiliang.enterprises import demo as registry

        rng = self.rng
        self.rows: list[PenaltyRow] = []
        general_kinds = ("amr", "amr", "amr", "env", "safety", "health", "transport", "agri")
        for story in list(self.stories.values()):
            e, p = story.enterprise, story.profile
            if p == "D":
                self.penalty(e, severity="严重", months=(4, 30), kinds=("amr", "env"))
                self.penalty(e, severity="一般", months=(2, 20), kinds=general_kinds)
                self.penalty(e, severity="一般", months=(8, 34), kinds=general_kinds)
            elif p == "C+":  # an enterprise with a chief quality officer and insurance: a serious and a general penalty
                self.penalty(e, severity="严重", months=(5, 20), kinds=("amr",), source="sy-amr")
                self.penalty(e, severity="一般", months=(1, 12), kinds=general_kinds)
            elif p == "C":
                self.penalty(e, severity="一般", months=(1, 22), kinds=general_kinds)
                self.penalty(e, severity="一般", months=(3, 33), kinds=general_kinds)
            elif p == "B":
                choice = rng.randrange(4)
                if choice == 0:
                    self.penalty(e, severity="轻微", months=(1, 30), kinds=general_kinds)
                elif choice == 1:
                    self.penalty(e, severity="轻微", months=(1, 40), warning_only=True)
                elif choice == 2:
                    self.penalty(e, severity="轻微", months=(1, 40), procedure="简易程序", fine=Decimal("0.02"))
                else:  # decided more than 3 years ago: expired, no longer counted
                    self.penalty(e, severity="一般", months=(38, 54), kinds=general_kinds)
            elif p == "repairable":  # food penalty (confiscation: 3-year publicity), > 1 year old: repair may be applied for
                self.penalty(e, severity="一般", months=(13, 20), kinds=("amr",), source="sy-amr", violation=VIOLATIONS["amr"][5],
                             fine=Decimal("3.0"))
            elif p == "objection":
                self.penalty(e, severity="一般", months=(1, 2), kinds=("amr",), source="sy-amr", fine=Decimal("12.0"))
        # the stories of lists, objections and repairs need more penalties (chosen later)
        self.extra_rows()
        # natural persons (no USCC; identity numbers synthetic, never public)
        for i in range(8):
            region = rng.choice(REGIONS)
            person = registry.fake_person(rng)
            # what a person is penalised for: an overloaded lorry, a stall's prices or scales, seeds sold at a market
            kind, violation = rng.choice((("transport", VIOLATIONS["transport"][1]), ("amr", VIOLATIONS["amr"][9]),
                                          ("amr", VIOLATIONS["amr"][10]), ("agri", VIOLATIONS["agri"][1])))
            source = {"amr": self.source_of_county(region), "transport": "transport", "agri": "sy-agri"}[kind]
            self.rows.append(PenaltyRow(source=source, party=person, decided_on=self.back(1, 40), violation=violation, party_kind="自然人",
                                        person_id=registry.fake_id_number(rng, region if region.isdigit() else "420302"),
                                        severity=rng.choice(("轻微", "一般")), fine=Decimal(str(round(rng.uniform(0.02, 0.5), 2))), region=region))
        # 个体工商户 matched by their USCC
        shops = [e for code in REGIONS for e in self.by_region[code] if (e.uscc or "").startswith("92") and e.pk not in self.taken]
        rng.shuffle(shops)
        for e in shops[:10]:
            self.taken.add(e.pk)
            self.penalty(e, severity=rng.choice(("轻微", "一般")), months=(1, 36), kinds=("amr", "health"))
        # legacy codes: an old record with only the 组织机构代码 (matched through the identifier)
        for _ in range(8):
            e = self.spare()
            self.taken.add(e.pk)
            self.penalty(e, severity="一般", months=(40, 54), kinds=("amr", "env", "safety"), uscc="", orgcode=e.uscc[8:17],
                         note="历史数据，原以组织机构代码报送")
        # name only: waiting in the review queue (one confirmed, one rejected below)
        self.candidates = []
        for _ in range(5):
            e = self.spare()
            self.taken.add(e.pk)
            row = self.penalty(e, severity="轻微", months=(1, 12), kinds=("amr",), source="sy-amr", uscc="", rep="", rep_id="",
                               note="报送单位未提供统一社会信用代码")
            self.candidates.append((row, e))
        # not in the registry: kept unmatched (city-wide in the review queue until tied by hand)
        for i in range(5):
            region = REGIONS[i * 2]
            name = f"{registry.PLACES[region].short}{registry.fake_person(rng)}{rng.choice(('副食店', '五金门市部', '小吃店', '日杂经营部', '农资店'))}"
            self.rows.append(PenaltyRow(source=self.source_of_county(region), party=name, decided_on=self.back(1, 24),
                                        violation=rng.choice(fitting(name, "amr")[1]), party_kind="个体工商户", severity="轻微",
                                        fine=Decimal(str(round(rng.uniform(0.1, 0.8), 2))), region=region, note="未办理营业执照或已注销"))
        self.import_penalties()

    def extra_rows(self) -> None:
        """Penalties of the enterprises the lists, objections and repairs are about."""
        self.listed: list = []
        for i in range(14):  # serious-list candidates: a heavy penalty each
            e = self.spare(REGIONS[i % len(REGIONS)])
            self.taken.add(e.pk)
            months = (40, 44) if i == 0 else (14, 18) if i == 1 else (1, 10)
            heavy = [v for v in fitting(e.name, "amr")[1] if v.fine[1] >= 10] or list(fitting(e.name, "amr")[1])
            row = self.penalty(e, severity="严重", months=months, kinds=("amr",), violation=self.rng.choice(heavy),
                               fine=Decimal(str(round(self.rng.uniform(20, 60), 1))))
            self.listed.append((e, row))
        # the red list: the enterprise account's own enterprise (award and red list: class A) and two more
        self.red: list = [self.accounts_of["enterprise"]] if "enterprise" in self.accounts_of else []
        for i in range(3 - len(self.red)):
            e = self.spare(REGIONS[(i * 3) % len(REGIONS)])
            self.taken.add(e.pk)
            self.red.append(e)
        self.disputes: list = []
        for i in range(12):  # objections and repairs: one general penalty each (Order 45, 7–30 months; 2025 tiers 4–10 months)
            e = self.spare(REGIONS[(i * 7) % len(REGIONS)])
            self.taken.add(e.pk)
            months = (4, 10) if i % 3 == 0 else (7, 30)
            # (a fine above the low-fine threshold: 3 years of publicity under Order 45)
            row = self.penalty(e, severity="一般", months=months, kinds=("amr", "env", "safety", "health"),
                               fine=Decimal(str(round(self.rng.uniform(11, 18), 1))))
            self.disputes.append((e, row))

    def csv_bytes(self, rows: list[PenaltyRow]) -> bytes:
        from zhiliang.core.models import Department

        out = io.StringIO()
        columns = ["cf_xdr_mc", "cf_xdr_lb", "cf_xdr_shxym", "cf_xdr_zzjg", "cf_frdb", "cf_fr_zjlx", "cf_fr_sfzh", "cf_xdr_zjlx", "cf_xdr_zjhm",
                   "cf_wsh", "cf_wfxw", "cf_sy", "cf_yj", "cf_cflb", "cf_nr", "cf_nr_fk", "cf_nr_wfff", "cf_nr_zkdx", "cf_jdrq", "cf_cfjg",
                   "cf_cfjgdm", "cf_sjly", "cf_sjlydm", "cf_cfcx", "cf_yzcd", "bz"]
        writer = csv.writer(out)
        writer.writerow(columns)
        names = dict(Department.objects.values_list("code", "name"))
        for r in rows:
            v = r.violation
            authority = self.transport[0] if r.source == "transport" else names[r.source]
            categories = "警告" if r.warning_only else "罚款" if r.procedure == "简易程序" else v.categories
            fine = "" if r.warning_only else f"{r.fine}"
            confiscated = f"{Decimal(str(round(self.rng.uniform(0.05, 2), 2)))}" if "没收" in categories and not r.warning_only else ""
            content = "警告" if r.warning_only else f"{'警告，' if '警告' in categories else ''}罚款{r.fine}万元" + (f"，没收违法所得{confiscated}万元" if confiscated else "")
            if r.licence_action:
                content += f"，{r.licence_action}"
            writer.writerow([
                r.party, r.party_kind, r.uscc, r.orgcode, r.rep if r.party_kind != "自然人" else "", "身份证" if r.rep_id else "", r.rep_id,
                "身份证" if r.person_id else "", r.person_id, r.number, v.title, _fill(self.rng, v.facts) + "，违反了" + v.basis.split("第")[0] + "的规定。",
                v.basis, categories, content, fine, confiscated, r.licence_action, r.decided_on.isoformat(), authority,
                self.transport[1] if r.source == "transport" else "", authority if r.source == "transport" else "",
                self.transport[1] if r.source == "transport" else "", r.procedure, r.severity, r.note,
            ])
        return out.getvalue().encode("utf-8")

    def import_penalties(self) -> None:
        from zhiliang.core.audit import SYSTEM
        from zhiliang.exchange.importing import run_import

        for r in sorted(self.rows, key=lambda r: (r.decided_on, r.party)):
            r.number = self.doc_no({"sy-amr": "amr", "sy-env": "env", "sy-safety": "safety", "sy-health": "health", "sy-agri": "agri",
                                    "transport": "transport"}.get(r.source, "county"), r.region, r.decided_on.year)
        by_source: dict[str, list] = defaultdict(list)
        for r in self.rows:
            by_source[r.source].append(r)
        for source in sorted(by_source):
            rows = by_source[source]
            data = self.csv_bytes(rows)
            name = f"{self.transport[0] if source == 'transport' else source}-行政处罚双公示-{self.today:%Y%m}.csv"
            with self.context(SYSTEM, f"演示数据：{name} 报送行政处罚信息"):
                report = run_import("penalties", data, name, actor=SYSTEM, options={} if source == "transport" else {"source": source})
            if report.errors or report.file_errors:
                raise ValueError(f"演示数据的行政处罚文件 {name} 未能导入：{(report.file_errors or report.errors)[:3]}")
            self.counts["penalties"] += report.created

    # -- 5. licences -----------------------------------------------------------------------------------

    def licences(self) -> None:
        from zhiliang.core.audit import SYSTEM
        from zhiliang.core.models import Department
        from zhiliang.exchange.importing import run_import

        rng = self.rng
        # each department licenses the trades it licenses: a food shop's 食品经营许可证, a cable maker's 生产许可证
        def amr_licence(e):
            food, shop = trade(e.name)
            if food:
                return (("食品经营许可证", "JY1420300", "预包装食品（含冷藏冷冻食品）销售，散装食品销售", 5) if shop else
                        ("食品生产许可证", "SC1014203", "食品生产（品种明细见许可证副本）", 5))
            for words, scope, prefix in ((("电缆", "线缆", "电线"), "电线电缆", "(鄂)XK06-"), (("防水",), "建筑防水卷材", "(鄂)XK12-"),
                                         (("板业", "人造板", "木业"), "人造板", "(鄂)XK18-")):
                if any(w in e.name for w in words):
                    return ("工业产品生产许可证", prefix, scope, 5)
            return None

        def factory(spec):
            return lambda e: None if trade(e.name)[1] else spec

        kinds = {
            "sy-amr": amr_licence,
            "sy-env": factory(("排污许可证", "91420300", "涂装、热处理废气，生产废水", 5)),
            "sy-safety": lambda e: ("危险化学品经营许可证", "鄂十危化经字〔{y}〕", "油漆、稀释剂（不带储存设施）", 3)
            if any(w in e.name for w in ("建材", "五金", "日杂", "防水", "家具", "木业")) else None,
        }
        names = dict(Department.objects.values_list("code", "name"))
        columns = ["xk_xdr_mc", "xk_xdr_lb", "xk_xdr_shxym", "xk_frdb", "xk_xkws", "xk_wsh", "xk_xklb", "xk_xkzs", "xk_xkbh", "xk_nr", "xk_jdrq",
                   "xk_yxqz", "xk_yxqzi", "xk_xkjg", "xk_zt", "bz"]
        firms = [e for code in REGIONS for e in self.by_region[code][:60]]
        accounts = list(self.accounts_of.values())
        serial = 0
        for source, licence_of in kinds.items():
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(columns)
            fits = [e for e in firms if licence_of(e)]
            chosen = rng.sample(fits, min(24, len(fits))) + ([e for e in accounts if licence_of(e)] if source == "sy-amr" else [])
            for e in chosen:
                serial += 1
                title, prefix, scope, years = licence_of(e)
                decided = self.back(0.5, 56)
                until = decided.replace(year=decided.year + years) - DAY if not (decided.month == 2 and decided.day == 29) else D(decided.year + years, 2, 28)
                number = prefix.format(y=decided.year) + f"{serial:05d}"
                writer.writerow([e.name, "个体工商户" if (e.uscc or "").startswith("92") else "法人及非法人组织", e.uscc, e.legal_rep_name,
                                 "准予行政许可决定书", f"{names[source][:2]}许准字〔{decided.year}〕{serial:04d}号", "普通", title, number,
                                 f"许可范围：{scope}", decided.isoformat(), decided.isoformat(), until.isoformat(), names[source],
                                 "有效" if until >= self.today else "已过期", ""])
            name = f"{source}-行政许可双公示-{self.today:%Y%m}.csv"
            with self.context(SYSTEM, f"演示数据：{name} 报送行政许可信息"):
                report = run_import("licences", out.getvalue().encode("utf-8"), name, actor=SYSTEM, options={"source": source})
            if report.errors or report.file_errors:
                raise ValueError(f"演示数据的行政许可文件 {name} 未能导入：{(report.file_errors or report.errors)[:3]}")
            self.counts["licences"] += report.created

    # -- 6. other facts ------------------------------------------------------------------------------

    def other_facts(self) -> None:
        from zhiliang.core.audit import SYSTEM
        from zhiliang.core.models import Department

        from .choices import FactKind
        from .services.facts import record_fact

        rng = self.rng
        amr = Department.objects.get(code="sy-amr")
        committee = Department.objects.filter(code="sy-quality-committee").first() or amr
        with self.context(SYSTEM, "演示数据：奖励表彰、消费投诉、召回、经营异常名录信息"):
            for story in self.stories.values():
                e = story.enterprise
                if story.profile == "A":
                    title, authority = rng.choice(AWARDS)
                    decided = self.back(2, 30)
                    record_fact(actor=SYSTEM, kind=FactKind.AWARD, source_department=committee, source_record_id=f"JL-{decided.year}-{e.uscc}",
                                party_name=e.name, party_uscc=e.uscc or "", title=title, content=f"{decided.year}年度{title}", authority=authority,
                                decided_on=decided, valid_from=decided)
                    self.counts["awards"] += 1
                elif story.profile == "C" and rng.random() < 0.5:
                    decided = self.back(1, 10)
                    record_fact(actor=SYSTEM, kind=FactKind.COMPLAINT, source_department=amr, source_record_id=f"12315-{decided:%Y%m%d}-{e.uscc[-6:]}",
                                party_name=e.name, party_uscc=e.uscc or "", title="经核实的消费投诉",
                                content="消费者投诉所购商品存在质量问题，经调解，经营者同意退货并赔偿", decided_on=decided, severity="minor",
                                authority=amr.name)
                    self.counts["complaints"] += 1
            # a recall and abnormal-operation listings of a few spare enterprises
            for i in range(4):
                e = self.spare()
                self.taken.add(e.pk)
                decided = self.back(1, 20)
                if i == 0:
                    record_fact(actor=SYSTEM, kind=FactKind.RECALL, source_department=amr, source_record_id=f"ZH-{decided.year}-{i + 1:03d}",
                                party_name=e.name, party_uscc=e.uscc or "", title="缺陷产品召回",
                                content="主动召回2024年批次电动自行车充电器（输出过压保护失效）共1,260只", decided_on=decided, severity="general",
                                authority=amr.name)
                    self.counts["recalls"] += 1
                else:
                    county = Department.objects.get(code=self.source_of_county(e.region.code))
                    record_fact(actor=SYSTEM, kind=FactKind.ABNORMAL_LIST, source_department=county, source_record_id=f"YCML-{e.uscc}",
                                party_name=e.name, party_uscc=e.uscc or "", title="列入经营异常名录",
                                content="未按照《企业信息公示暂行条例》第八条规定的期限公示年度报告", decided_on=decided, valid_from=decided,
                                severity="general", authority=county.name)
                    self.counts["abnormal"] += 1

    # -- 7. the review queue ------------------------------------------------------------------------

    def review(self) -> None:
        from .choices import MatchStatus
        from .models import CreditFact
        from .services.facts import confirm_match, reject_match

        amr = self.user("amr")
        facts = []
        for row, e in self.candidates:
            fact = CreditFact.objects.filter(kind="penalty", decision_no=row.number, match_status=MatchStatus.CANDIDATE).first()
            if fact is not None:
                facts.append((fact, e))
        if len(facts) >= 2:
            with self.context(amr, "核对名称匹配：处罚机关确认当事人即名录库企业"):
                confirm_match(actor=amr, fact=facts[0][0], enterprise=facts[0][1])
            with self.context(amr, "核对名称匹配：同名企业，住所不一致，非同一主体"):
                reject_match(actor=amr, fact=facts[1][0])
        self.counts["candidates"] = CreditFact.objects.filter(match_status=MatchStatus.CANDIDATE).count()
        self.counts["unmatched"] = CreditFact.objects.filter(match_status=MatchStatus.UNMATCHED).count()

    # -- 8. lists and joint measures -----------------------------------------------------------------

    def fact_of(self, row: PenaltyRow):
        from .models import CreditFact

        return CreditFact.objects.get(kind="penalty", decision_no=row.number, source_record_id=row.number)

    def lists(self) -> None:
        from zhiliang.core.audit import SYSTEM

        from .catalogue import install_default_catalogue
        from .choices import ListKind, RemovalWay
        from .models import ListEntry
        from .services import lists

        admin, amr = self.user("admin"), self.user("amr")
        with self.context(admin, "演示数据：启用联合奖惩措施目录"):
            added, _ = install_default_catalogue(actor=admin)
        self.counts["measures"] = added
        grounds = "因生产、销售不合格产品被处以较重罚款（罚款数额达到裁量基准“情节严重”档次），依法应列入严重违法失信名单"
        basis = "《市场监督管理严重违法失信名单管理办法》第五条第二款第（一）项、第十条"
        entries = []

        def county_user(e):
            return self.user(COUNTY_ACCOUNTS[e.region.code])

        def decider(entry):
            return county_user(entry.enterprise) if entry.deciding_region.level == "county" else amr

        def propose(e, row, *, city: bool = False):
            city = city or e.region.level != "county"  # the special zones' bureaus are the city's branches
            actor = amr if city else county_user(e)
            with self.context(actor, f"提出列入严重违法失信名单：{e.name}"):
                entry = lists.propose(actor=actor, enterprise=e, grounds=grounds, legal_basis=basis, facts=[self.fact_of(row)])
            entries.append(entry)
            return entry

        def approve(entry, on: D | None = None):
            if entry.deciding_region.level == "county":
                with self.context(admin, "审批县市区提出的列入申请"):
                    return lists.approve(actor=admin, entry=entry, note="经审核，事实清楚，依据充分，同意列入")
            on = on or self.today - 2 * DAY
            with self.context(amr, "录入省级批准文书"):
                return lists.record_external_approval(actor=amr, entry=entry, document_no=f"鄂市监信函〔{on.year}〕{len(entries) + 40}号",
                                                      document_on=on)

        def notify(entry, decided: D, notified: D, actor=None):
            actor = actor or decider(entry)
            with self.context(actor, f"送达列入{entry.get_list_kind_display()}决定书"):
                return lists.notify(actor=actor, entry=entry, decision_no=f"十市监信列〔{decided.year}〕{len(entries) + 3}号", decided_on=decided,
                                    notified_on=notified, method=self.rng.choice(("直接送达", "邮寄送达", "电子送达")))

        def publish(entry, on: D):
            actor = decider(entry)
            with self.context(actor, f"公示列入{entry.get_list_kind_display()}信息"):
                entry = lists.publish(actor=actor, entry=entry, published_on=on)
            self.deliver("credit.list_entry_published")  # the joint measures open (as the worker would)
            return entry

        def backdate(entry, proposed: D, approved: D | None = None):
            """The services stamp today on proposal and approval: an old entry's real dates."""
            values = {"proposed_on": proposed}
            if entry.approved_on and approved:
                values["approved_on"] = approved
            ListEntry.objects.filter(pk=entry.pk).update(**values)
            for name, value in values.items():  # later steps save the instance they hold
                setattr(entry, name, value)

        listed = list(self.listed)
        # removed automatically: published 3 years ago (the daily job removes it on its day)
        e, row = listed.pop(0)
        entry = propose(e, row)
        entry = approve(entry)
        decided = row.decided_on + datetime.timedelta(days=25)
        entry = notify(entry, decided, decided + 3 * DAY)
        entry = publish(entry, self.workday(decided + 10 * DAY))
        backdate(entry, row.decided_on + 7 * DAY, row.decided_on + 18 * DAY)
        with self.context(SYSTEM, "每日任务：严重违法失信名单期满自动移出"):
            lists.remove_due(actor=SYSTEM, on=self.today)
        self.deliver("credit.list_entry_removed")
        # removed on application: published 14–18 months ago
        e, row = listed.pop(0)
        entry = propose(e, row)
        entry = approve(entry)
        decided = row.decided_on + datetime.timedelta(days=20)
        entry = notify(entry, decided, decided + 2 * DAY)
        entry = publish(entry, self.workday(decided + 8 * DAY))
        backdate(entry, row.decided_on + 6 * DAY, row.decided_on + 15 * DAY)
        self.feedback_all(entry, partial=False)
        applied = max(entry.removal_apply_from, self.today - 40 * DAY)
        with self.context(self.user(COUNTY_ACCOUNTS[e.region.code]), "企业申请提前移出严重违法失信名单"):
            entry = lists.apply_removal(actor=self.user(COUNTY_ACCOUNTS[e.region.code]), entry=entry, applied_on=applied,
                                        reason="已缴清罚款，全部召回不合格产品并完成整改，列入满一年，申请提前移出")
        with self.context(admin, "审核移出申请"):
            lists.remove(actor=admin, entry=entry, way=RemovalWay.APPLICATION, removed_on=self.workday(applied + 12 * DAY),
                         note="经核查，当事人已履行行政处罚决定，整改到位，准予提前移出")
        self.deliver("credit.list_entry_removed")
        # published (in force): four, from 9 months ago to this week; the measures' cases open,
        # the older ones fed back (some outcomes) or overdue
        for i in range(4):
            e, row = listed.pop()
            entry = propose(e, row, city=(i == 1))
            decided = self.workday(max(row.decided_on + datetime.timedelta(days=15), self.today - datetime.timedelta(days=[270, 120, 45, 12][i])))
            decided = min(decided, self.today - 5 * DAY)
            entry = approve(entry, decided - 6 * DAY)
            entry = notify(entry, decided, decided + DAY)
            entry = publish(entry, min(self.workday(decided + 4 * DAY), self.today))
            backdate(entry, decided - 20 * DAY, decided - 10 * DAY)
            if i < 3:
                self.feedback_all(entry, partial=i > 0)
        # notified (awaiting publication), approved (awaiting notice), proposed (awaiting the city)
        e, row = listed.pop()
        entry = approve(propose(e, row))
        backdate(entry, self.today - 20 * DAY, self.today - 12 * DAY)
        notify(entry, self.today - 6 * DAY, self.today - 4 * DAY)
        e, row = listed.pop()
        backdate(approve(propose(e, row)), self.today - 9 * DAY, self.today - 2 * DAY)
        e, row = listed.pop()
        backdate(approve(propose(e, row, city=True), self.today - 3 * DAY), self.today - 25 * DAY)  # the province's document recorded
        for days in (1, 4, 9):
            e, row = listed.pop()
            backdate(propose(e, row), self.today - days * DAY)
        # a proposal the city did not approve, and one withdrawn by its county
        e, row = listed.pop()
        entry = propose(e, row)
        with self.context(admin, "审批县市区提出的列入申请"):
            lists.reject(actor=admin, entry=entry, note="罚款数额未达到裁量基准“情节严重”档次，不符合列入条件")
        if listed:
            e, row = listed.pop()
            entry = propose(e, row)
            with self.context(decider(entry), "撤回列入申请"):
                lists.withdraw(actor=decider(entry), entry=entry, reason="当事人已申请行政复议，待复议结果后再行处理")
        # the red list: three enterprises, published
        for i, e in enumerate(self.red):
            with self.context(amr, f"提出列入守信红名单：{e.name}"):
                entry = lists.propose(actor=amr, enterprise=e, list_kind=ListKind.RED, grounds="连续三年监督抽查合格，无行政处罚记录，获评质量诚信企业",
                                      legal_basis="《十堰市守信联合激励实施办法》（演示）")
            entries.append(entry)
            decided = self.workday(self.today - datetime.timedelta(days=[200, 90, 30][i]))
            entry = notify(entry, decided, decided + DAY, actor=amr)
            entry = publish(entry, self.workday(decided + 3 * DAY))
            backdate(entry, decided - 14 * DAY)
            if i < 2:
                self.feedback_all(entry, partial=False)
        self.counts["list_entries"] = ListEntry.objects.count()

    def workday(self, day: D) -> D:
        while day.weekday() >= 5:
            day += DAY
        return min(day, self.today)

    def feedback_all(self, entry, *, partial: bool) -> None:
        """The executing departments with a demo account feed back on the entry's cases (all of
        them, or — ``partial`` — only some, the others left open, possibly overdue)."""
        from zhiliang.core.models import Membership

        from .choices import CaseStatus, FeedbackOutcome
        from .models import MeasureCase
        from .services.measures import feedback

        staff = {m.department_id: m.user for m in Membership.objects.filter(role__name="department_staff").select_related("user")
                 if m.department_id}
        outcomes = {
            "政府采购": (FeedbackOutcome.RESTRICTED, "十堰市2026年公务车辆维修服务采购项目", "资格审查时查询到其列入严重违法失信名单，认定投标无效"),
            "招标投标": (FeedbackOutcome.RESTRICTED, "郧阳区工业园区道路改造工程施工招标", "限制其参与投标"),
            "财政补贴": (FeedbackOutcome.NOT_APPLICABLE, "2026年技术改造专项资金申报", "该企业本年度未申报财政补贴项目"),
            "行政许可": (FeedbackOutcome.NORMAL, "食品经营许可证延续", "列为重点审查对象，经现场核查符合条件，准予延续（不适用告知承诺制）"),
            "日常监管": (FeedbackOutcome.NORMAL, "“双随机、一公开”检查", "已列为重点监管对象，纳入本年度全覆盖检查"),
        }
        red = (FeedbackOutcome.FAST_TRACKED, "工业产品生产许可证变更", "开通绿色通道，容缺受理，当日办结")
        cases = list(MeasureCase.objects.filter(list_entry=entry, status=CaseStatus.OPEN).select_related("measure").order_by("measure__code"))
        for i, case in enumerate(cases):
            user = staff.get(case.executing_department_id)
            if user is None or (partial and i % 2):
                continue
            outcome, matter, note = red if case.measure.kind == "reward" else outcomes.get(case.measure.domain, (FeedbackOutcome.NORMAL, "", "已知悉，按规定执行"))
            occurred = min(case.opened_on + datetime.timedelta(days=self.rng.randrange(3, 20)), self.today)
            with self.context(user, "联合奖惩执行反馈"):
                feedback(actor=user, case=case, outcome=outcome, occurred_on=occurred, matter=matter, note=note)
            self.counts["feedback"] += 1

    def periodic(self) -> None:
        """The serious list published monthly for the last three months (and the red list once)."""
        from .services.lists import publish_periodic_list

        admin = self.user("admin")
        first = self.today.replace(day=1)
        for k in (3, 2, 1):
            start = first
            for _ in range(k):
                start = (start - DAY).replace(day=1)
            end = (start + datetime.timedelta(days=32)).replace(day=1) - DAY
            with self.context(admin, "严重违法失信名单定期公布"):
                publish_periodic_list(actor=admin, list_kind="serious", period_start=start, period_end=end,
                                      number=f"{end.year}年第{end.month}期", published_on=self.workday(end + 5 * DAY))
            self.counts["publications"] += 1
        end = first - DAY
        with self.context(admin, "守信红名单定期公布"):
            publish_periodic_list(actor=admin, list_kind="red", period_start=end.replace(month=1, day=1), period_end=end,
                                  number=f"{end.year}年守信红名单（截至{end.month}月）", published_on=self.workday(end + 5 * DAY))
        self.counts["publications"] += 1

    # -- 9. objections and repairs -------------------------------------------------------------------

    def disputes_(self) -> None:
        from django.core.files.base import ContentFile

        from . import rules
        from .choices import RepairStatus
        from .pdf import text_document
        from .models import RepairApplication
        from .services import disputes

        def reviewer(fact):
            from zhiliang.core.models import Membership

            m = Membership.objects.filter(role__name="department_staff", department=fact.source_department).select_related("user").first()
            return m.user if m is not None else self.user(COUNTY_ACCOUNTS[fact.enterprise.region.code])

        def on_behalf(fact):
            username = next((u for u, e in self.accounts_of.items() if e.pk == fact.enterprise_id), None)
            return self.user(username) if username else self.user(COUNTY_ACCOUNTS[fact.enterprise.region.code])

        evidence_pdf = text_document("异议证明材料\n行政复议决定书、处罚决定书原件等材料的扫描件。\n（演示数据）")
        commitment_pdf = text_document(COMMITMENT_TEXT)
        proof_pdf = text_document("履行证明材料\n罚款缴纳凭证、整改报告的扫描件。\n（演示数据）")
        # objections: the enterprise account's own (pending), and staff-filed ones
        cable = self.accounts_of.get("ent-cable")
        story = self.stories.get(cable.pk) if cable is not None else None
        todo = []
        if story is not None and story.rows:
            todo.append((self.fact_of(story.rows[0]), "pending"))
        for (e, row), outcome in zip(self.disputes[:6], ("upheld", "rejected", "pending", "upheld", "rejected", "pending"), strict=True):
            todo.append((self.fact_of(row), outcome))
        grounds = {
            "upheld": "处罚决定书已被十堰市人民政府行政复议决定撤销，公示信息应予撤销（附行政复议决定书）",
            "rejected": "当事人名称公示有误，本企业未受过该项处罚",
            "pending": "公示的罚款金额与处罚决定书不一致，决定书载明罚款为1.5万元",
        }
        for fact, outcome in todo:
            actor = on_behalf(fact)
            filed = max(fact.published_on or fact.decided_on, self.today - datetime.timedelta(days=self.rng.randrange(2, 40)))
            if outcome == "pending":
                filed = max(fact.published_on or fact.decided_on, self.today - datetime.timedelta(days=self.rng.randrange(1, 5)))
            with self.context(actor, "提出信用信息异议"):
                objection = disputes.file_objection(actor=actor, fact=fact, grounds=grounds[outcome], filed_on=filed,
                                                    evidence=ContentFile(evidence_pdf, name="证明材料.pdf"))
            self.counts["objections"] += 1
            if outcome != "pending":
                staff = reviewer(fact)
                note = ("经核查，该处罚决定已被行政复议撤销，撤销公示信息" if outcome == "upheld"
                        else "经核对处罚决定书原件及送达回证，公示信息与决定书一致，异议不成立")
                with self.context(staff, "核查信用信息异议"):
                    disputes.decide_objection(actor=staff, objection=objection, upheld=outcome == "upheld", note=note,
                                              decided_on=min(filed + datetime.timedelta(days=self.rng.randrange(2, 9)), self.today))
        # repairs: granted (the fact leaves public view), refused, pending
        done = Counter()
        for e, row in self.disputes[6:]:
            fact = self.fact_of(row)
            if rules.repair_refusal(fact, self.today):
                continue
            state = ("granted", "refused", "pending")[sum(done.values()) % 3]
            actor = on_behalf(fact)
            eligible, _reason = rules.repair_eligibility(fact)
            applied = max(eligible, self.today - datetime.timedelta(days=30 if state != "pending" else 3))
            with self.context(actor, "提出信用修复申请"):
                application = disputes.apply_repair(actor=actor, fact=fact, statement="已按期缴纳罚款并完成整改，近一年无同类违法行为",
                                                    commitment=ContentFile(commitment_pdf, name="信用修复承诺书.pdf"),
                                                    proof=ContentFile(proof_pdf, name="履行证明.pdf"),
                                                    applied_on=applied)
            if state != "pending":
                staff = reviewer(fact)
                with self.context(staff, "审核信用修复申请"):
                    disputes.decide_repair(actor=staff, application=application, granted=state == "granted",
                                           note="" if state == "granted" else "申请人尚有一项同类违法行为正在立案调查，暂不予修复",
                                           decided_on=min(applied + datetime.timedelta(days=self.rng.randrange(3, 12)), self.today))
            done[state] += 1
        self.counts["repairs"] = RepairApplication.objects.count()
        self.counts["repairs_granted"] = RepairApplication.objects.filter(status=RepairStatus.GRANTED).count()

    # -- 10. classes ---------------------------------------------------------------------

    def classes(self) -> None:
        from zhiliang.core.audit import SYSTEM

        from .classes import recompute_all
        from .models import RiskAssessment

        with self.context(SYSTEM, "每日任务：重新计算企业信用风险分类"):
            recompute_all(actor=SYSTEM, on=self.today)
        current = RiskAssessment.objects.filter(is_current=True)
        self.class_counts = Counter(current.values_list("risk_class", flat=True))
        per_region: dict[str, set] = defaultdict(set)
        for code, klass in current.values_list("region__code", "risk_class"):
            per_region[code].add(klass)
        self.incomplete = sorted(code for code in REGIONS if per_region[code] != {"A", "B", "C", "D"})

    def class_measures(self) -> None:
        """The enterprise account's class-A incentive (what the worker opens for every class-A
        enterprise after the demo's commit, from the class events), with the city bureau's
        feedback: fewer inspections."""
        from .choices import FeedbackOutcome, MeasureTrigger
        from .models import RiskAssessment
        from .services.measures import feedback, open_cases

        e = self.accounts_of.get("enterprise")
        current = RiskAssessment.objects.filter(enterprise=e, is_current=True).first() if e is not None else None
        if current is None or current.risk_class != "A":
            self.skipped.append("A类企业的守信激励案件")
            return
        from zhiliang.core.audit import SYSTEM, audit_context

        amr = self.user("amr")
        with audit_context(actor=SYSTEM, reason=f"信用风险分类为A类（{e.name}），发起联合奖惩", source="task"):
            cases = open_cases(actor=SYSTEM, enterprise=e, trigger=MeasureTrigger.CLASS_A, on=self.today, assessment=current)
        for case in cases:
            if case.executing_department.code == "sy-amr" and case.measure.domain == "日常监管":
                with self.context(amr, "联合奖惩执行反馈"):
                    feedback(actor=amr, case=case, outcome=FeedbackOutcome.REDUCED, occurred_on=self.today, matter="2026年度“双随机、一公开”抽查",
                             note="A类企业，本年度抽查比例按5%执行，未抽中")
                self.counts["feedback"] += 1

    def run(self) -> None:
        self.sampling_facts()
        self.accounts()
        self.pick()
        self.penalties()
        self.licences()
        self.other_facts()
        self.review()
        self.lists()
        self.periodic()
        self.disputes_()
        self.classes()
        self.class_measures()


def already_loaded() -> bool:
    """Whether this part ran already (re-running the demo start adds nothing)."""
    from zhiliang.core.models import ChangeSet

    return ChangeSet.objects.filter(kind="import:penalties", file_name__contains="-行政处罚双公示-", reason__startswith="演示数据").exists()


def load_credit(seed: int, rng: random.Random, report: Callable[[str], None], *, today: D | None = None) -> dict:
    """The credit app's demo loader (inside the demo's audit context and change set)."""
    from django.utils import timezone

    from .models import CreditFact

    if already_loaded():
        report("质量信用演示数据已存在，未重复加载")
        return {}
    builder = Builder(rng, today or timezone.localdate(), report)
    builder.run()
    c = builder.counts
    kinds = Counter(CreditFact.objects.values_list("kind", flat=True))
    classes = "、".join(f"{k}类 {builder.class_counts.get(k, 0)}" for k in "ABCD")
    report(f"信用信息 {sum(kinds.values())} 条（行政处罚 {kinds.get('penalty', 0)}、行政许可 {kinds.get('licence', 0)}、"
           f"抽查不合格 {kinds.get('sampling_failure', 0)}、其他 {sum(kinds.values()) - kinds.get('penalty', 0) - kinds.get('licence', 0) - kinds.get('sampling_failure', 0)}），"
           f"待核对匹配 {c['candidates']} 条、未匹配 {c['unmatched']} 条；名单记录 {c['list_entries']} 条、定期公布 {c['publications']} 期；"
           f"联合奖惩措施 {c['measures']} 项、执行反馈 {c['feedback']} 条；异议 {c['objections']} 件、信用修复申请 {c['repairs']} 件；"
           f"信用风险分类 {classes}")
    if builder.incomplete:
        report(f"（以下区划未能覆盖 A–D 全部分类：{'、'.join(builder.incomplete)}）")
    if builder.skipped:
        report(f"（本城市数据下未能生成的演示情景：{'、'.join(builder.skipped)}）")
    return {"credit_facts": sum(kinds.values()), "list_entries": c["list_entries"], "objections": c["objections"], "repairs": c["repairs"]}


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from zhiliang.core.demo import register_demo_loader
    from zhiliang.core.models.audit import register_change_set_counts

    register_demo_loader(LOADER_ORDER, LOADER_NAME, load_credit)
    register_change_set_counts({"credit_facts": _("信用信息"), "list_entries": _("名单记录"), "objections": _("异议"), "repairs": _("信用修复")})
