"""The rule catalogue (RULES.md): defaults, effective-dated overrides, the 2025 regime switch."""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from zhiliang.core import rules, services
from zhiliang.core.models import RuleOverride
from zhiliang.core.rule_catalogue import CREDIT_REGIME_SWITCH, GROUP_ORDER
from zhiliang.core.workdays import add_calendar_months, within_months

D = datetime.date
DOCS = Path(__file__).resolve().parents[4] / "docs" / "rules.md"


def test_every_default_passes_its_own_clean():
    for rule in rules.all_rules():
        stored = rule.clean(rule.default)
        assert rule.python(stored) == rule.python(rule.default), rule.name
        for _start, earlier in rule.history:
            rule.clean(earlier)


def test_every_rule_is_described():
    all_rules = rules.all_rules()
    assert len(all_rules) >= 50
    for rule in all_rules:
        assert re.fullmatch(r"RULE_[A-Z0-9_]+", rule.name)
        assert re.search(r"[\u4e00-\u9fff]", rule.title), rule.name
        assert rule.source.strip(), rule.name
        assert rule.group in GROUP_ORDER, rule.name
        if rule.kind in {"days", "working_days", "months", "years", "hours", "percent"}:
            assert rule.unit, rule.name


def test_defaults_from_rules_md():
    expected = {
        "RULE_SAMPLING_REPEAT_6M": 6,
        "RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL": 15,
        "RULE_SAMPLING_RETEST_WD_FOOD": 7,
        "RULE_SAMPLING_RECTIFY_DAYS": 60,
        "RULE_SAMPLING_RECHECK_DAYS": 75,
        "RULE_SAMPLING_SECOND_RECHECK_MIN_DAYS": 60,
        "RULE_SAMPLING_SECOND_RECHECK_MAX_DAYS": 90,
        "RULE_SAMPLING_NOTICE_DAYS": 15,
        "RULE_SAMPLING_REFERRAL_REPLY_DAYS": 30,
        "RULE_SAMPLING_MIN_INSPECTORS": 2,
        "RULE_SAMPLING_CREDIT_CLASS_RATIOS": {"A": 5, "B": 10, "C": 30, "D": 60},
        "RULE_SAMPLING_PUBLISH_WD": 20,
        "RULE_SAMPLING_PASS_RATE_TARGET": Decimal("90"),
        "RULE_SAMPLING_BOTTOM_COUNTIES": 3,
        "RULE_CREDIT_PENALTY_PUBLISH_WD": 20,
        "RULE_CREDIT_PENALTY_WITHDRAW_WD": 3,
        "RULE_CREDIT_REPAIR_MONTHS": 6,
        "RULE_CREDIT_REPAIR_MONTHS_FOOD_DRUG": 12,
        "RULE_CREDIT_SERIOUS_LIST_REMOVAL_APPLY_YEARS": 1,
        "RULE_CREDIT_SERIOUS_LIST_AUTO_REMOVAL_YEARS": 3,
        "RULE_CREDIT_SERIOUS_LIST_PROVINCIAL_APPROVAL": True,
        "RULE_CREDIT_SERIOUS_LIST_PUBLISH_WD": 20,
        "RULE_CREDIT_LOW_FINE_WAN": {"natural_person": 1, "individual_business": 1, "legal_entity": 10},
        "RULE_CREDIT_OBJECTION_REVIEW_WD": 10,
        "RULE_CREDIT_REPAIR_DECISION_WD": 15,
        "RULE_CREDIT_MEASURE_FEEDBACK_WD": 20,
        "RULE_CREDIT_CLASS_PENALTY_YEARS": 3,
        "RULE_CREDIT_CLASS_PENALTY_POINTS": {"minor": 5, "general": 10, "serious": 30},
        "RULE_CREDIT_CLASS_SAMPLING_YEARS": 2,
        "RULE_CREDIT_CLASS_SAMPLING_FAILURE_POINTS": 10,
        "RULE_CREDIT_CLASS_SAMPLING_REFUSAL_POINTS": 15,
        "RULE_CREDIT_CLASS_COMPLAINT_YEARS": 1,
        "RULE_CREDIT_CLASS_COMPLAINT_POINTS": 2,
        "RULE_CREDIT_CLASS_COMPLAINT_MAX_POINTS": 10,
        "RULE_CREDIT_CLASS_RECALL_YEARS": 2,
        "RULE_CREDIT_CLASS_RECALL_POINTS": 5,
        "RULE_CREDIT_CLASS_ABNORMAL_LIST_POINTS": 20,
        "RULE_CREDIT_CLASS_AWARD_YEARS": 3,
        "RULE_CREDIT_CLASS_AWARD_POINTS": 10,
        "RULE_CREDIT_CLASS_RED_LIST_POINTS": 15,
        "RULE_CREDIT_CLASS_INSURANCE_POINTS": 5,
        "RULE_CREDIT_CLASS_CQO_POINTS": 5,
        "RULE_CREDIT_CLASS_THRESHOLDS": {"A_max": -10, "C_min": 20, "D_min": 50},
        "RULE_CREDIT_CLASS_SERIOUS_LIST_D": True,
        "RULE_CREDIT_CLASS_REVOKED_D": True,
        "RULE_IDENTITY_MASK_VISIBLE_CHARS": 4,
        "RULE_COMPLAINT_ACCEPT_WD": 7,
        "RULE_COMPLAINT_LIMIT_YEARS": 3,
        "RULE_COMPLAINT_MEDIATION_WD": 45,
        "RULE_COMPLAINT_MEDIATION_NOTIFY_WD": 7,
        "RULE_COMPLAINT_VIOLATION_CHECK_WD": 15,
        "RULE_COMPLAINT_JOINT_MAX_REPRESENTATIVES": 2,
        "RULE_RISK_INJURY_MIN_CASES": 20,
        "RULE_RISK_INJURY_MAX_CV": Decimal("33"),
        "RULE_RECALL_FOOD_START_HOURS": {"1": 24, "2": 48, "3": 72},
        "RULE_RECALL_FOOD_FINISH_WD": {"1": 10, "2": 20, "3": 30},
        "RULE_TRACE_RETENTION_YEARS": 2,
        "RULE_PLAN_WUDANG_QUALITY_AWARD": 10,
    }
    for name, value in expected.items():
        rule = rules.get(name)
        assert rule.python(rule.default) == value, name
    assert rules.get("RULE_SAMPLING_RETEST_WD_FOOD").kind == "working_days"
    assert rules.get("RULE_SAMPLING_RETEST_DAYS_INDUSTRIAL").kind == "days"


def test_risk_matrix_bands():
    matrix = rules.get("RULE_RISK_MATRIX").default
    assert len(matrix["levels"]) == len(matrix["edges"]) + 1
    assert matrix["levels"][0] == ["high", "serious", "serious", "serious"]  # P > 1/2
    assert matrix["levels"][3] == ["low", "high", "serious", "serious"]  # P > 1/1000 (the worked example 1/500)
    assert matrix["levels"][-1] == ["low"] * 4


def test_unknown_rule_in_chinese():
    with pytest.raises(ValidationError, match="未知规则 RULE_NOPE"):
        rules.get("RULE_NOPE")


# --- overrides -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_override_applies_from_its_date_on(system):
    name = "RULE_COMPLAINT_ACCEPT_WD"
    services.set_rule_override(actor=system, rule=name, value="10", effective_from=D(2026, 3, 1), reason="市政府文件")
    assert rules.value(name, D(2026, 2, 28)) == 7
    assert rules.value(name, D(2026, 3, 1)) == 10
    assert rules.value(name, D(2030, 1, 1)) == 10
    services.set_rule_override(actor=system, rule=name, value=5, effective_from=D(2027, 1, 1), reason="再次调整")
    assert [rules.value(name, D(y, 6, 1)) for y in (2025, 2026, 2027)] == [7, 10, 5]
    # a penalty decided in 2026 keeps 2026's rule
    assert rules.value(name, datetime.datetime(2026, 6, 1, 10, 0)) == 10


@pytest.mark.django_db
def test_json_and_percent_overrides(system):
    services.set_rule_override(
        actor=system,
        rule="RULE_SAMPLING_CREDIT_CLASS_RATIOS",
        value='{"A": 3, "B": 15, "C": 40, "D": 80}',
        effective_from=D(2026, 1, 1),
        reason="县级规则",
    )
    assert rules.value("RULE_SAMPLING_CREDIT_CLASS_RATIOS", D(2026, 1, 1)) == {"A": 3, "B": 15, "C": 40, "D": 80}
    assert rules.value("RULE_SAMPLING_CREDIT_CLASS_RATIOS", D(2025, 12, 31)) == {"A": 5, "B": 10, "C": 30, "D": 60}
    services.set_rule_override(actor=system, rule="RULE_SAMPLING_PASS_RATE_TARGET", value="92.5", effective_from=D(2026, 1, 1), reason="新纲要")
    assert rules.value("RULE_SAMPLING_PASS_RATE_TARGET", D(2026, 1, 1)) == Decimal("92.5")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, value, message",
    [
        ("RULE_COMPLAINT_ACCEPT_WD", "abc", "规则“投诉受理决定期限（自收到投诉之日起）”的取值须为整数，收到“abc”"),
        ("RULE_COMPLAINT_ACCEPT_WD", "7.5", "的取值须为整数，收到“7.5”"),
        ("RULE_SAMPLING_MIN_INSPECTORS", 1, "的取值不能小于 2"),
        ("RULE_TRACE_RETENTION_YEARS", 1, "的取值不能小于 2"),
        ("RULE_SAMPLING_PASS_RATE_TARGET", "101", "是百分比，须在 0 至 100 之间"),
        ("RULE_SAMPLING_PASS_RATE_TARGET", "九十", "的取值须为数值，收到“九十”"),
        ("RULE_CREDIT_SERIOUS_LIST_PROVINCIAL_APPROVAL", "也许", "的取值须为“是”或“否”，收到“也许”"),
        ("RULE_CREDIT_REGIME", "order99", "的取值须为 order45、tiers2025 之一"),
        ("RULE_SAMPLING_CREDIT_CLASS_RATIOS", '{"A": 5, "B": 10}', "须包含且仅包含这些键：A、B、C、D"),
        ("RULE_SAMPLING_CREDIT_CLASS_RATIOS", '{"A": "五", "B": 10, "C": 30, "D": 60}', "的“A”须为数值，收到“五”"),
        ("RULE_SAMPLING_CREDIT_CLASS_RATIOS", '{"A": 5, "B": 10, "C": 30, "D": 160}', "的“D”的取值不能大于 100"),
        ("RULE_SAMPLING_CREDIT_CLASS_RATIOS", '{"A": 5,', "的取值不是合法的 JSON"),
        ("RULE_RECALL_FOOD_FINISH_WD", [10, 20, 30], "的取值结构须与缺省值相同"),
    ],
)
def test_bad_override_values_are_refused_in_chinese(system, name, value, message):
    with pytest.raises(ValidationError) as exc:
        services.set_rule_override(actor=system, rule=name, value=value, effective_from=D(2026, 1, 1), reason="测试")
    assert message in exc.value.messages[0]
    assert not RuleOverride.objects.exists()


@pytest.mark.django_db
def test_override_needs_a_reason_and_a_known_rule(system):
    with pytest.raises(ValidationError, match="请填写调整依据"):
        services.set_rule_override(actor=system, rule="RULE_COMPLAINT_ACCEPT_WD", value=8, effective_from=D(2026, 1, 1), reason=" ")
    with pytest.raises(ValidationError, match="未知规则 RULE_X"):
        services.set_rule_override(actor=system, rule="RULE_X", value=8, effective_from=D(2026, 1, 1), reason="x")


# --- the 2025-12-25 credit regime switch --------------------------------------------------------------


@pytest.mark.django_db
def test_credit_regime_switches_on_2025_12_25():
    assert CREDIT_REGIME_SWITCH == D(2025, 12, 25)
    assert rules.value("RULE_CREDIT_REGIME", D(2024, 6, 1)) == "order45"
    assert rules.value("RULE_CREDIT_REGIME", D(2025, 12, 24)) == "order45"
    assert rules.value("RULE_CREDIT_REGIME", D(2025, 12, 25)) == "tiers2025"
    assert rules.value("RULE_CREDIT_REGIME", D(2026, 6, 1)) == "tiers2025"


@pytest.mark.django_db
def test_a_later_regime_switch_supersedes_an_earlier_override(system):
    # an override made before the national switch yields to it from the switch day …
    services.set_rule_override(actor=system, rule="RULE_CREDIT_REGIME", value="order45", effective_from=D(2025, 6, 1), reason="明确沿用")
    assert rules.value("RULE_CREDIT_REGIME", D(2025, 12, 24)) == "order45"
    assert rules.value("RULE_CREDIT_REGIME", D(2025, 12, 25)) == "tiers2025"
    # … and an override made after it (a transition period) applies from its own date
    services.set_rule_override(actor=system, rule="RULE_CREDIT_REGIME", value="order45", effective_from=D(2026, 1, 1), reason="过渡期")
    assert rules.value("RULE_CREDIT_REGIME", D(2025, 12, 30)) == "tiers2025"
    assert rules.value("RULE_CREDIT_REGIME", D(2026, 2, 1)) == "order45"
    services.set_rule_override(actor=system, rule="RULE_CREDIT_REGIME", value="tiers2025", effective_from=D(2026, 3, 1), reason="过渡期结束")
    assert rules.value("RULE_CREDIT_REGIME", D(2026, 3, 1)) == "tiers2025"


# --- RULE_SAMPLING_REPEAT_6M's worked example ---------------------------------------------------------


@pytest.mark.django_db
def test_repeat_sampling_bar_worked_example(system):
    sampled = D(2020, 1, 10)
    months = rules.value("RULE_SAMPLING_REPEAT_6M", sampled)
    assert months == 6
    assert add_calendar_months(sampled, months) == D(2020, 7, 10)
    assert within_months(sampled, months, D(2020, 7, 10))  # barred through 10 July inclusive
    assert not within_months(sampled, months, D(2020, 7, 11))
    services.set_rule_override(actor=system, rule="RULE_SAMPLING_REPEAT_6M", value=3, effective_from=D(2020, 1, 1), reason="试行")
    assert add_calendar_months(sampled, rules.value("RULE_SAMPLING_REPEAT_6M", sampled)) == D(2020, 4, 10)


# --- docs/rules.md and the rules command -------------------------------------------------------------


def test_committed_docs_match_the_registry():
    out = io.StringIO()
    call_command("rules", "--markdown", stdout=out)
    assert DOCS.read_text(encoding="utf-8") == out.getvalue(), "docs/rules.md is stale: run `zhiliang rules --markdown > docs/rules.md`"
    for rule in rules.all_rules():
        assert f"`{rule.name}`" in out.getvalue()


@pytest.mark.django_db
def test_rules_command_lists_values_in_force(system):
    services.set_rule_override(actor=system, rule="RULE_COMPLAINT_ACCEPT_WD", value=10, effective_from=D(2026, 3, 1), reason="市政府文件")
    out = io.StringIO()
    call_command("rules", "--on", "2026-03-01", "--group", "投诉", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "2026-03-01 在用的规则（共 7 条）："
    accept = next(line for line in lines if line.startswith("RULE_COMPLAINT_ACCEPT_WD"))
    assert "10个工作日（已调整）" in accept
    out = io.StringIO()
    call_command("rules", "--on", "2026-02-01", "--group", "投诉", stdout=out)
    assert "\t7个工作日\t" in next(line for line in out.getvalue().splitlines() if line.startswith("RULE_COMPLAINT_ACCEPT_WD"))


# --- who may override -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_a_city_admin_may_override_and_every_staff_user_may_read(city_admin, county_user):
    from django.core.exceptions import PermissionDenied

    from zhiliang.core.audit import audit_context

    with audit_context(actor=city_admin, reason="市政府文件", source="web"):
        override = services.set_rule_override(
            actor=city_admin, rule="RULE_COMPLAINT_ACCEPT_WD", value=10, effective_from=D(2026, 3, 1), reason="市政府文件"
        )
    with audit_context(actor=county_user, reason="越权尝试", source="web"):
        with pytest.raises(PermissionDenied):
            services.set_rule_override(
                actor=county_user, rule="RULE_COMPLAINT_ACCEPT_WD", value=3, effective_from=D(2026, 4, 1), reason="越权"
            )
    assert list(RuleOverride.objects.values_list("value", flat=True)) == [10]
    assert list(RuleOverride.objects.restrict(county_user, "view")) == [override]
    assert not RuleOverride.objects.restrict(county_user, "change").exists()
    assert RuleOverride.objects.restrict(city_admin, "change").get() == override
