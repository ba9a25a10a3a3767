"""Each sampling rule of RULES.md ("Supervision sampling") from its worked example, through
``sampling.rules`` and, where the rule guards a write, through the service that applies it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhiliang.core import rules as rules_registry
from zhiliang.core import services as core_services
from zhiliang.core import workdays
from zhiliang.core.audit import SYSTEM
from zhiliang.sampling import rules
from zhiliang.sampling.models import Sample
from zhiliang.sampling.services import bulletins
from zhiliang.testing.fixtures import as_system, region

from .samples_data import build_world, make_plan, register

pytestmark = pytest.mark.django_db
D = datetime.date


# --- the 6-month repeat ban -------------------------------------------------------------------------


@pytest.fixture
def world():
    """A 2020 county plan of 茅箭区 (the same authority plans again in 2020-H2)."""
    return build_world(code="SY-MJ-2020-01", year=2020, on=D(2020, 1, 2))


def key_of(world, *, model="JG-3502", trademark="精工", standard="QC/T 316-2023"):
    return rules.ProductKey.of(world.maojian.pk, trademark, model, standard)


def barred(world, plan, day, **key) -> bool:
    try:
        rules.check_repeat_ban(key_of(world, **key), plan=plan, day=day)
    except ValidationError:
        return True
    return False


def test_within_six_months_runs_to_the_same_calendar_day_inclusive(world):
    register(world, sampled_on=D(2020, 1, 10))
    again, _ = make_plan(code="SY-MJ-2020-02", year=2020, on=D(2020, 1, 2))  # same authority, another plan
    assert rules.repeat_ban_until(D(2020, 1, 10)) == D(2020, 7, 10)
    assert barred(world, again, D(2020, 6, 30))
    assert barred(world, again, D(2020, 7, 10))
    assert not barred(world, again, D(2020, 7, 11))


def test_registering_a_barred_sample_is_refused_with_the_reason(world):
    first = register(world, sampled_on=D(2020, 1, 10))
    again, _ = make_plan(code="SY-MJ-2020-02", year=2020, on=D(2020, 1, 2), place="market")
    with pytest.raises(ValidationError) as err:
        register(world, plan=again, sampled_on=D(2020, 6, 30), sampled_unit_name="茅箭区某汽配商店")
    message = err.value.message_dict["model"][0]
    assert "6 个月内不得重复抽查" in message and first.sample_no in message and "2020-07-10（含）前不得再次抽查" in message
    # the next day the same sample is welcome
    assert register(world, plan=again, sampled_on=D(2020, 7, 11), sampled_unit_name="茅箭区某汽配商店").pk


@pytest.mark.parametrize("kind", ["follow_up", "emergency"])
def test_follow_up_of_a_failure_and_emergency_sampling_are_exempt(world, kind):
    register(world, sampled_on=D(2020, 1, 10))
    exempt, _ = make_plan(code=f"SY-MJ-2020-{kind}", year=2020, on=D(2020, 1, 2), kind=kind)
    assert not barred(world, exempt, D(2020, 2, 1))
    sample = register(world, plan=exempt, sampled_on=D(2020, 2, 1))
    assert sample.exemption == kind  # the exemption that was used is recorded


def test_a_provincial_result_bars_a_county_plan(world):
    provincial, _ = make_plan(code="HB-2020-01", year=2020, level="provincial", region_code="420000", department_code=None, on=D(2020, 1, 2))
    register(world, plan=provincial, sampled_on=D(2020, 3, 1))
    assert barred(world, world.plan, D(2020, 5, 1))
    assert not barred(world, world.plan, D(2020, 9, 2))


def test_a_county_result_does_not_bar_a_provincial_plan(world):
    register(world, sampled_on=D(2020, 3, 1))
    provincial, _ = make_plan(code="HB-2020-01", year=2020, level="provincial", region_code="420000", department_code=None, on=D(2020, 1, 2))
    assert not barred(world, provincial, D(2020, 3, 5))
    # …nor another county's plan (a different authority at the same, lower level)
    other_county, _ = make_plan(code="SY-ZW-2020-01", year=2020, region_code="420303", department_code="zw-amr", on=D(2020, 1, 2))
    assert not barred(world, other_county, D(2020, 3, 5))


def test_an_imported_bulletin_without_the_standard_matches_on_producer_trademark_and_model(world):
    with as_system():
        plan = bulletins.create_imported_plan(actor=SYSTEM, code="IMP-HB-2020", level="provincial", year=2020,
                                              organiser_name="湖北省市场监督管理局", region=region("420000"))
        bulletins.record_imported_result(actor=SYSTEM, plan=plan, data={
            "sample_no": "HB2020-0001", "level": "provincial", "region": region("420302"), "product_name": "制动鼓",
            "trademark": "精工", "model": "JG 3502", "producer": world.maojian, "producer_name": world.maojian.name,
            "producer_region": world.maojian.region, "sampled_on": D(2020, 3, 1), "conclusion": "pass",
        }, source_row={})
    assert Sample.objects.get(sample_no="HB2020-0001").standard == ""
    # model written differently ("JG 3502" / "JG-3502"), standard missing on one side: the same product
    assert barred(world, world.plan, D(2020, 4, 1), standard="QC/T 316-2023")
    # a different model is another product
    assert not barred(world, world.plan, D(2020, 4, 1), model="JG-3503")


def test_different_model_is_another_product(world):
    register(world, sampled_on=D(2020, 1, 10))
    again, _ = make_plan(code="SY-MJ-2020-02", year=2020, on=D(2020, 1, 2))
    assert barred(world, again, D(2020, 2, 1))
    assert not barred(world, again, D(2020, 2, 1), model="JG-3503")
    assert not barred(world, again, D(2020, 2, 1), trademark="东精")
    # where both sides name a standard, a different standard is another product
    assert not barred(world, again, D(2020, 2, 1), standard="Q/JG 001-2019")
    # spelling does not separate products: spaces, full-width characters, case
    assert barred(world, again, D(2020, 2, 1), model="ｊｇ 3502", standard="QC/T316-2023")


def test_an_override_of_the_ban_changes_the_outcome(world):
    register(world, sampled_on=D(2020, 1, 10))
    again, _ = make_plan(code="SY-MJ-2020-02", year=2020, on=D(2020, 1, 2))
    assert barred(world, again, D(2020, 5, 1))
    with as_system():
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_SAMPLING_REPEAT_6M", value=3, effective_from=D(2019, 1, 1), reason="测试：3个月")
    assert rules.repeat_ban_until(D(2020, 1, 10)) == D(2020, 4, 10)
    assert not barred(world, again, D(2020, 5, 1))
    assert barred(world, again, D(2020, 4, 10))


# --- deadlines -----------------------------------------------------------------------------------------


def test_retest_deadline_industrial_15_days_moves_off_a_holiday():
    # 2024-09-20 + 15 days = 2024-10-05, inside the National Day holiday → the next working day
    assert rules.retest_deadline(D(2024, 9, 20), is_food=False) == D(2024, 10, 8)
    # an ordinary last day stays
    assert rules.retest_deadline(D(2024, 3, 1), is_food=False) == D(2024, 3, 18)  # the 16th is a Saturday
    assert rules.retest_deadline(D(2024, 3, 4), is_food=False) == D(2024, 3, 19)


def test_retest_deadline_food_7_working_days_across_national_day_2024():
    # served Friday 2024-09-27: Sun 29 (make-up working day) 1, Mon 30 2, 1–7 Oct holiday,
    # Tue 8 3, 9 4, 10 5, 11 6, Sat 12 (make-up working day) 7
    assert workdays.is_working_day(D(2024, 9, 29))
    assert rules.retest_deadline(D(2024, 9, 27), is_food=True) == D(2024, 10, 12)
    # served Monday 2024-09-30 → 8, 9, 10, 11, 12, 14, 15 October
    assert rules.retest_deadline(D(2024, 9, 30), is_food=True) == D(2024, 10, 15)


def test_rectification_60_and_75_days():
    assert rules.rectification_dates(D(2024, 3, 1)) == (D(2024, 4, 30), D(2024, 5, 15))


def test_second_recheck_window_60_to_90_days_after_publication():
    assert rules.second_recheck_window(D(2024, 6, 1)) == (D(2024, 7, 31), D(2024, 8, 30))


def test_public_notice_serves_after_15_days():
    assert rules.public_notice_served_on(D(2024, 3, 1)) == D(2024, 3, 16)


def test_publication_within_20_working_days_across_national_day():
    # from 2024-09-20: 23–27 Sep (5), Sun 29 (6), 30 (7), 8–12 Oct (12), 14–18 (17), 21, 22, 23 (20)
    assert rules.publication_due(D(2024, 9, 20)) == D(2024, 10, 23)


def test_overrides_change_the_deadlines():
    with as_system():
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_SAMPLING_RETEST_WD_FOOD", value=5, effective_from=D(2024, 1, 1), reason="测试")
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_SAMPLING_RECTIFY_DAYS", value=30, effective_from=D(2024, 1, 1), reason="测试")
    assert rules.retest_deadline(D(2024, 9, 27), is_food=True) == D(2024, 10, 10)
    assert rules.rectification_dates(D(2024, 3, 1))[0] == D(2024, 3, 31)
    # a date before the override keeps the default
    assert rules.retest_deadline(D(2023, 3, 1), is_food=True) == workdays.add_working_days(D(2023, 3, 1), 7)


# --- ratios and inspectors -----------------------------------------------------------------------------


def test_credit_class_ratios_default_and_override():
    assert rules.credit_class_ratios(D(2024, 1, 1)) == {"A": Decimal("0.05"), "B": Decimal("0.1"), "C": Decimal("0.3"), "D": Decimal("0.6")}
    with as_system():
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_SAMPLING_CREDIT_CLASS_RATIOS", value={"A": 3, "B": 15, "C": 40, "D": 80},
                                        effective_from=D(2025, 1, 1), reason="县级规则")
    assert rules.credit_class_ratios(D(2025, 6, 1))["D"] == Decimal("0.8")


def test_minimum_inspectors_and_reserve_units_defaults():
    assert rules_registry.value("RULE_SAMPLING_MIN_INSPECTORS") == 2
    assert rules_registry.value("RULE_SAMPLING_RESERVE_UNITS") == 1
    assert Decimal(str(rules_registry.value("RULE_SAMPLING_ENTERPRISE_FEE"))) == 0
