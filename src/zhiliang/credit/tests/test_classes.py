"""The credit-risk class (信用风险分类, rule set zl-credit-class-1, ``docs/credit-class.md``):
the class and its explanation follow from the facts and the rules, the overrides decide
where they apply, a recomputation keeps history without duplicates, a fact event recomputes,
and the sampling pools read the class."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from zhiliang.core import services as core_services
from zhiliang.core.audit import SYSTEM
from zhiliang.core.daily import run_daily
from zhiliang.core.models import DomainEvent
from zhiliang.core.uscc import make_uscc
from zhiliang.credit import classes
from zhiliang.credit.models import RiskAssessment
from zhiliang.credit.services import classes as class_services
from zhiliang.credit.services import facts as fact_services
from zhiliang.enterprises import services as registry
from zhiliang.enterprises.models import Enterprise
from zhiliang.enterprises.tests.views_data import category
from zhiliang.sampling import draw as engine
from zhiliang.sampling.services import draws
from zhiliang.testing.fixtures import as_system, region

pytestmark = pytest.mark.django_db

D = datetime.date
ON = D(2026, 6, 1)
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _wired():
    """What ``CreditConfig.ready`` does (idempotent): handlers, daily job, pool provider."""
    classes.register()


def enterprise(name: str = "十堰信用测试有限公司", **data) -> Enterprise:
    n = next(_serial)
    with as_system("信用分类测试企业"):
        return registry.create_enterprise(actor=SYSTEM, uscc=make_uscc(f"91420302MA{n + 7000000:07d}"), name=f"{name}{n}",
                                          region=region("420302"), categories=[category("auto-parts")], **data)


def fact(owner: Enterprise, kind: str, on: datetime.date, **fields):
    """A fact from the market-supervision bureau about ``owner`` (matched by its USCC)."""
    with as_system("信用分类测试信息"):
        made, _ = fact_services.record_fact(actor=SYSTEM, kind=kind, source_record_id=f"{kind}-{next(_serial):06d}", party_name=owner.name,
                                            source_name="十堰市市场监督管理局", party_uscc=owner.uscc, decided_on=on,
                                            procedure="ordinary" if kind == "penalty" else "", **fields)
    assert made.enterprise_id == owner.pk
    return made


def override(rule: str, value, effective_from: datetime.date = D(2020, 1, 1)) -> None:
    with as_system("信用分类测试规则"):
        core_services.set_rule_override(actor=SYSTEM, rule=rule, value=value, effective_from=effective_from, reason="测试")


def recompute(owner: Enterprise, on: datetime.date = ON, trigger: str = "测试"):
    with as_system("信用分类测试计算"):
        return class_services.recompute_class(actor=SYSTEM, enterprise=owner, trigger=trigger, on=on)


def indicators(result) -> dict[str, dict]:
    return {item["indicator"]: item for item in result.explanation if "indicator" in item}


def overrides(result) -> list[dict]:
    return [item for item in result.explanation if "override" in item]


# --- the class and its explanation -------------------------------------------------------------------------


def test_an_enterprise_without_facts_is_b_with_score_zero():
    result = classes.compute(enterprise(), ON)
    assert (result.risk_class, result.score, result.rule_set) == ("B", Decimal(0), "zl-credit-class-1")
    assert indicators(result) == {} and overrides(result) == []
    assert result.explanation[-1]["classification"] == "B"
    assert result.explanation[-1]["rule"] == {"name": "RULE_CREDIT_CLASS_THRESHOLDS", "value": {"A_max": -10, "C_min": 20, "D_min": 50}}


def test_the_class_and_its_explanation_match_the_facts_hand_computed():
    owner = enterprise(chief_quality_officer="王质量")
    serious = fact(owner, "penalty", D(2025, 3, 1), severity="serious", decision_no="十市监罚〔2025〕12号", title="生产不合格产品")
    minor = fact(owner, "penalty", D(2026, 1, 10), severity="minor")
    unrated = fact(owner, "penalty", D(2024, 2, 1))  # no tier: counts as general
    fact(owner, "penalty", D(2023, 5, 31), severity="serious")  # decided more than 3 years before 2026-06-01: not counted
    failed = fact(owner, "sampling_failure", D(2025, 8, 1))
    fact(owner, "sampling_failure", D(2024, 5, 31))  # older than 2 years
    complaints = [fact(owner, "complaint", D(2026, 2, n)) for n in range(1, 4)]
    fact(owner, "licence", D(2025, 1, 1))  # neutral
    result = classes.compute(owner, ON)
    # 30 + 10 + 5 + 10 + 3 × 2 − 5 = 56 → D
    assert result.score == Decimal(56) and result.risk_class == "D"
    found = indicators(result)
    assert set(found) == {"penalty_serious", "penalty_general", "penalty_minor", "sampling_failure", "complaint", "chief_quality_officer"}
    assert found["penalty_serious"]["points"] == 30
    assert found["penalty_serious"]["rule"] == {"name": "RULE_CREDIT_CLASS_PENALTY_POINTS", "key": "serious", "value": 30}
    assert found["penalty_serious"]["window"] == {"name": "RULE_CREDIT_CLASS_PENALTY_YEARS", "value": 3}
    assert found["penalty_serious"]["facts"] == [{"id": serious.pk, "kind": "penalty", "date": "2025-03-01", "record": "十市监罚〔2025〕12号",
                                                  "title": "生产不合格产品"}]
    assert [f["id"] for f in found["penalty_general"]["facts"]] == [unrated.pk] and found["penalty_general"]["points"] == 10
    assert [f["id"] for f in found["penalty_minor"]["facts"]] == [minor.pk] and found["penalty_minor"]["points"] == 5
    assert [f["id"] for f in found["sampling_failure"]["facts"]] == [failed.pk]
    assert found["sampling_failure"]["rule"] == {"name": "RULE_CREDIT_CLASS_SAMPLING_FAILURE_POINTS", "value": 10}
    assert [f["id"] for f in found["complaint"]["facts"]] == [c.pk for c in complaints] and found["complaint"]["points"] == 6
    assert found["chief_quality_officer"] == {"indicator": "chief_quality_officer", "group": "基础信息", "label": "设首席质量官", "points": -5,
                                              "facts": [], "rule": {"name": "RULE_CREDIT_CLASS_CQO_POINTS", "value": 5}}
    assert result.explanation[-1]["classification"] == "D" and result.explanation[-1]["score"] == 56
    # a day later the serious penalty is still within its 3 years; on 2028-03-01 it has left them
    assert classes.compute(owner, D(2028, 3, 1)).explanation and "penalty_serious" not in indicators(classes.compute(owner, D(2028, 3, 1)))
    assert "penalty_serious" in indicators(classes.compute(owner, D(2028, 2, 29)))


def test_a_penalty_without_a_tier_counts_in_the_tier_its_publicity_follows():
    """通报批评 or a low fine without a severity is published 3 months (minor) but was scored
    as general (+10): one fact, two judgements. It counts as minor; other untiered ones general."""
    owner = enterprise()
    low = fact(owner, "penalty", D(2026, 1, 10), is_criticism_or_low_fine=True)
    plain = fact(owner, "penalty", D(2026, 1, 12))
    found = indicators(classes.compute(owner, ON))
    assert [f["id"] for f in found["penalty_minor"]["facts"]] == [low.pk] and found["penalty_minor"]["points"] == 5
    assert [f["id"] for f in found["penalty_general"]["facts"]] == [plain.pk]


def test_complaints_are_capped_and_a_revoked_fact_does_not_count():
    owner = enterprise()
    for n in range(1, 8):
        fact(owner, "complaint", D(2026, 3, n))
    assert indicators(classes.compute(owner, ON))["complaint"]["points"] == 10  # 7 × 2 = 14, capped at 10
    failed = fact(owner, "sampling_failure", D(2026, 1, 5))
    assert classes.compute(owner, ON).score == Decimal(20)
    with as_system("撤销"):
        fact_services.revoke_fact(actor=SYSTEM, fact=failed, on=D(2026, 4, 1))
    assert classes.compute(owner, ON).score == Decimal(10)


def test_positive_indicators_make_a_class_a_and_insurance_counts_only_while_in_force():
    owner = enterprise(chief_quality_officer="李首席", liability_insured=True, insurance_until=D(2026, 12, 31))
    result = classes.compute(owner, ON)
    assert (result.score, result.risk_class) == (Decimal(-10), "A")  # −5 −5 = −10 = A_max
    assert indicators(result)["liability_insurance"]["rule"] == {"name": "RULE_CREDIT_CLASS_INSURANCE_POINTS", "value": 5}
    after = classes.compute(owner, D(2027, 1, 1))
    assert (after.score, after.risk_class) == (Decimal(-5), "B") and "liability_insurance" not in indicators(after)
    awarded = enterprise()
    award = fact(awarded, "award", D(2025, 10, 1), title="十堰市市长质量奖")
    fact(awarded, "award", D(2025, 11, 1))  # a second award counts once
    result = classes.compute(awarded, ON)
    assert (result.score, result.risk_class) == (Decimal(-10), "A")
    assert indicators(result)["award"]["facts"][0]["id"] == award.pk and len(indicators(result)["award"]["facts"]) == 2


@pytest.mark.parametrize(("points", "expected"), [(19, "B"), (20, "C"), (49, "C"), (50, "D")])
def test_thresholds_at_their_boundaries(points, expected):
    override("RULE_CREDIT_CLASS_SAMPLING_FAILURE_POINTS", points)
    owner = enterprise()
    fact(owner, "sampling_failure", D(2026, 1, 5))
    result = classes.compute(owner, ON)
    assert (result.score, result.risk_class) == (Decimal(points), expected)


@pytest.mark.parametrize(("points", "expected"), [(10, "A"), (9, "B")])
def test_the_a_threshold_is_inclusive(points, expected):
    override("RULE_CREDIT_CLASS_CQO_POINTS", points)
    result = classes.compute(enterprise(chief_quality_officer="赵首席"), ON)
    assert (result.score, result.risk_class) == (Decimal(-points), expected)


def test_a_rule_override_changes_the_result_from_its_effective_date():
    owner = enterprise()
    fact(owner, "sampling_failure", D(2026, 1, 5))
    assert classes.compute(owner, ON).risk_class == "B"
    override("RULE_CREDIT_CLASS_THRESHOLDS", {"A_max": -10, "C_min": 10, "D_min": 50}, effective_from=D(2026, 5, 1))
    assert classes.compute(owner, D(2026, 4, 30)).risk_class == "B"
    after = classes.compute(owner, ON)
    assert after.risk_class == "C"
    assert after.explanation[-1]["rule"] == {"name": "RULE_CREDIT_CLASS_THRESHOLDS", "value": {"A_max": -10, "C_min": 10, "D_min": 50}}


# --- overrides ---------------------------------------------------------------------------------------------------


def test_the_serious_dishonesty_list_makes_d_while_listed_whatever_the_score():
    owner = enterprise(chief_quality_officer="钱首席")
    fact(owner, "award", D(2025, 10, 1))
    listed = fact(owner, "serious_list", D(2026, 3, 2), valid_from=D(2026, 3, 2), valid_until=D(2026, 9, 30), severity="serious")
    result = classes.compute(owner, ON)
    assert (result.risk_class, result.score) == ("D", Decimal(-15))
    assert overrides(result) == [{"override": "serious_list", "label": "列入严重违法失信名单，判为D类",
                                  "facts": [{"id": listed.pk, "kind": "serious_list", "date": "2026-03-02", "record": listed.source_record_id, "title": ""}],
                                  "rule": {"name": "RULE_CREDIT_CLASS_SERIOUS_LIST_D", "value": True}, "class": "D"}]
    assert result.explanation[-1]["classification"] == "A"  # what the score alone would give
    assert classes.compute(owner, D(2026, 9, 30)).risk_class == "D"  # 有效期至 is the last listed day
    assert classes.compute(owner, D(2026, 10, 1)).risk_class == "A"
    assert classes.compute(owner, D(2026, 3, 1)).risk_class == "A"  # not yet listed
    override("RULE_CREDIT_CLASS_SERIOUS_LIST_D", False)
    assert classes.compute(owner, ON).risk_class == "A" and overrides(classes.compute(owner, ON)) == []


def test_the_abnormal_operations_list_counts_while_listed():
    owner = enterprise()
    listed = fact(owner, "abnormal_list", D(2026, 2, 1), valid_from=D(2026, 2, 1), valid_until=D(2026, 7, 31))
    found = indicators(classes.compute(owner, ON))["abnormal_list"]
    assert found["points"] == 20 and found["facts"][0]["id"] == listed.pk
    assert classes.compute(owner, ON).risk_class == "C"
    assert classes.compute(owner, D(2026, 8, 1)).risk_class == "B"


def test_a_revoked_enterprise_is_d_and_a_cancelled_one_is_no_longer_classified():
    revoked = enterprise(status="revoked", chief_quality_officer="孙首席")
    result = classes.compute(revoked, ON)
    assert result.risk_class == "D" and overrides(result)[0]["override"] == "revoked"
    assert overrides(result)[0]["rule"] == {"name": "RULE_CREDIT_CLASS_REVOKED_D", "value": True}
    override("RULE_CREDIT_CLASS_REVOKED_D", False)
    assert classes.compute(revoked, ON).risk_class == "B"

    closing = enterprise()
    fact(closing, "sampling_failure", D(2026, 1, 5))
    first = recompute(closing)
    assert first.risk_class == "B"
    with as_system("注销"):
        registry.update_enterprise(actor=SYSTEM, enterprise=closing, status="cancelled")
    assert classes.compute(closing, ON).risk_class is None
    assert recompute(closing) is None
    first.refresh_from_db()
    assert not first.is_current and RiskAssessment.objects.filter(enterprise=closing).count() == 1  # history kept
    changed = DomainEvent.objects.filter(name="credit.class_changed", enterprise_key=closing.search_key).latest("created_at")
    assert (changed.payload["old_class"], changed.payload["new_class"], changed.payload["outcome"]) == ("B", None, "unclassified")
    assert classes.current_class(closing) == "B"  # the pools' default (it is out of operation, so not drawn anyway)


# --- recomputation: history, events ---------------------------------------------------------------------------------


def test_recomputing_keeps_history_and_adds_no_row_when_nothing_changed():
    owner = enterprise()
    first = recompute(owner, trigger="首次计算")
    assert (first.risk_class, first.is_current, first.rule_set, first.trigger) == ("B", True, "zl-credit-class-1", "首次计算")
    again = recompute(owner)
    assert again.pk == first.pk and RiskAssessment.objects.filter(enterprise=owner).count() == 1
    computed = DomainEvent.objects.filter(name="credit.class_computed", enterprise_key=owner.search_key).order_by("created_at")
    assert [e.payload["outcome"] for e in computed] == ["created", "unchanged"]

    fact(owner, "sampling_failure", D(2026, 1, 5))
    same_class = recompute(owner)  # 10 points: still B, but the explanation changed
    assert same_class.pk != first.pk and same_class.risk_class == "B" and same_class.score == Decimal(10)
    fact(owner, "sampling_refusal", D(2026, 2, 5))
    now_c = recompute(owner)
    assert (now_c.risk_class, now_c.score) == ("C", Decimal(25))
    rows = list(RiskAssessment.objects.filter(enterprise=owner).order_by("pk"))
    assert [(r.risk_class, r.is_current) for r in rows] == [("B", False), ("B", False), ("C", True)]
    assert now_c.explanation == classes.compute(owner, ON).explanation
    changes = DomainEvent.objects.filter(name="credit.class_changed", enterprise_key=owner.search_key).order_by("created_at")
    # a first class B is no change for those who read the class (B was assumed): only B → C
    assert [(e.payload["old_class"], e.payload["new_class"]) for e in changes] == [("B", "C")]
    assert [e.payload["outcome"] for e in DomainEvent.objects.filter(name="credit.class_computed", enterprise_key=owner.search_key).order_by("created_at")] == [
        "created", "unchanged", "updated", "changed"]


def test_recording_a_fact_recomputes_the_class_through_its_event(django_capture_on_commit_callbacks):
    owner = enterprise()
    today = timezone.localdate()  # handlers compute for today
    with django_capture_on_commit_callbacks(execute=True):
        fact(owner, "penalty", today - datetime.timedelta(days=12), severity="serious")
        fact(owner, "sampling_failure", today - datetime.timedelta(days=11))
        fact(owner, "sampling_refusal", today - datetime.timedelta(days=10))
    current = RiskAssessment.objects.get(enterprise=owner, is_current=True)
    assert (current.risk_class, current.score) == ("D", Decimal(55))
    assert current.trigger.startswith("credit.fact_recorded#")
    # the three events are delivered after the commit, when all three facts are there: the
    # first recomputation writes the row, the other two change nothing and add nothing
    assert RiskAssessment.objects.filter(enterprise=owner).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        fact(owner, "award", today - datetime.timedelta(days=5))
    assert RiskAssessment.objects.get(enterprise=owner, is_current=True).score == Decimal(45)
    assert RiskAssessment.objects.filter(enterprise=owner).count() == 2


def test_undoing_a_wrong_match_recomputes_the_enterprise_it_was_taken_from(django_capture_on_commit_callbacks):
    owner = enterprise()
    with django_capture_on_commit_callbacks(execute=True):
        wrong = fact(owner, "abnormal_list", timezone.localdate() - datetime.timedelta(days=3))
    assert RiskAssessment.objects.get(enterprise=owner, is_current=True).risk_class == "C"
    with django_capture_on_commit_callbacks(execute=True):
        with as_system("撤销错误匹配"):
            fact_services.unmatch(actor=SYSTEM, fact=wrong, reason="同名不同主体")
    current = RiskAssessment.objects.get(enterprise=owner, is_current=True)
    assert (current.risk_class, current.score) == ("B", Decimal(0)) and current.trigger.startswith("credit.match_undone#")


def test_the_daily_job_recomputes_every_enterprise_in_batches():
    listed = enterprise()
    fact(listed, "abnormal_list", D(2026, 2, 1), valid_from=D(2026, 2, 1), valid_until=D(2026, 6, 1))
    plain = enterprise()
    with as_system("每日"):
        summary = classes.recompute_all(actor=SYSTEM, on=ON, batch=1)
    assert summary.startswith("共 2 家企业，2 家首次分类") and "2 家首次分类" in summary
    assert classes.current_classes([listed.pk, plain.pk]) == {listed.pk: "C", plain.pk: "B"}
    [(job, text)] = run_daily(D(2026, 6, 2), names=["credit-classes"])  # the listing ended on 06-01
    assert job.name == "credit-classes" and "分类变化" in text
    assert classes.current_classes([listed.pk, plain.pk]) == {listed.pk: "B", plain.pk: "B"}
    assert RiskAssessment.objects.filter(enterprise=plain).count() == 1  # nothing changed for it: no new row
    changes = DomainEvent.objects.filter(name="credit.class_changed").order_by("created_at")
    assert [(e.enterprise_key, e.payload["old_class"], e.payload["new_class"]) for e in changes] == [
        (listed.search_key, None, "C"), (listed.search_key, "C", "B")]
    assert DomainEvent.objects.filter(name="credit.classes_recomputed").exists()


# --- sampling reads the class ---------------------------------------------------------------------------------------------


def test_the_sampling_pool_puts_a_d_enterprise_in_stratum_d():
    from zhiliang.sampling.tests.draw_data import plan, pool_lines

    high = enterprise("十堰高风险汽配有限公司")
    fact(high, "serious_list", D(2026, 1, 5), valid_from=D(2026, 1, 5))
    recompute(high, on=D(2026, 3, 2))
    ordinary = enterprise("十堰普通汽配有限公司")
    assert classes.current_classes([high.pk, ordinary.pk], D(2026, 3, 2)) == {high.pk: "D", ordinary.pk: "B"}
    made = plan("SY-MJ-2026-CR1")
    with as_system("冻结名录"):
        frozen = draws.freeze_enterprise_pool(actor=SYSTEM, plan=made, on=D(2026, 3, 2))
    with default_storage.open(frozen.pool_file.name, "rb") as stored:
        lines = {x["key"]: x["stratum"] for x in pool_lines(engine.decompress(stored.read()))}
    assert lines[high.search_key] == "420302|auto-parts|D"
    assert lines[ordinary.search_key] == "420302|auto-parts|B"

