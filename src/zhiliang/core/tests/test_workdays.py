"""Working days: official holidays and 调休, provisional years, loaded years, periods."""

import datetime

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhiliang.core import events, services, workdays
from zhiliang.core.models import DomainEvent
from zhiliang.core.workdays import (
    WorkingDate,
    WorkingDayCount,
    add_calendar_months,
    add_days,
    add_working_days,
    is_working_day,
    provisional_holidays,
    provisional_years,
    recompute_needed,
    within_months,
    working_days_between,
    year_source,
)

D = datetime.date

pytestmark = pytest.mark.django_db


# --- National Day 2025 (chinese-calendar 1.11.0): 10/1–10/8 off; Sun 9/28 and Sat 10/11 worked --------


def test_national_day_2025_holidays_and_makeup_days():
    assert is_working_day(D(2025, 9, 28))  # Sunday, 调休上班
    assert not is_working_day(D(2025, 9, 27))  # Saturday
    assert [is_working_day(D(2025, 10, day)) for day in range(1, 9)] == [False] * 8
    assert is_working_day(D(2025, 10, 11))  # Saturday, 调休上班
    assert not is_working_day(D(2025, 10, 12))


def test_deadline_across_national_day_counts_from_the_day_after():
    start = D(2025, 9, 30)
    assert add_working_days(start, 1) == D(2025, 10, 9)
    assert add_working_days(start, 3) == D(2025, 10, 11)  # the make-up Saturday counts
    deadline = add_working_days(start, 5)
    assert deadline == D(2025, 10, 14)
    assert isinstance(deadline, WorkingDate) and deadline.provisional is False
    # a food re-test (7 wd) from Friday 26 September: 28, 29, 30 Sep, 9, 10, 11, 13 Oct
    assert add_working_days(D(2025, 9, 26), 7) == D(2025, 10, 13)


def test_working_days_between_counts_the_half_open_range():
    count = working_days_between(D(2025, 9, 26), D(2025, 10, 13))
    assert count == 7 and isinstance(count, WorkingDayCount) and not count.provisional
    assert working_days_between(D(2025, 10, 13), D(2025, 9, 26)) == -7
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0


def test_zero_and_negative_counts():
    start = D(2025, 10, 4)
    assert add_working_days(start, 0) == start  # n = 0 is the start itself
    assert add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert add_working_days(D(2025, 10, 13), -3) == D(2025, 10, 9)


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2028, 6, 30)), st.integers(min_value=0, max_value=80))
def test_add_and_between_are_inverse(start, n):
    end = add_working_days(start, n)
    between = working_days_between(start, end)
    assert between == n
    assert between.provisional == end.provisional or n == 0
    if n:
        assert is_working_day(end)


# --- the provisional calendar -----------------------------------------------------------------------


def test_an_unknown_year_is_provisional_and_flags_deadlines():
    assert year_source(2027) == "provisional"
    deadline = add_working_days(D(2026, 12, 20), 10)
    assert deadline == D(2027, 1, 4)  # 1 January 2027 (Friday) off, no 调休 known
    assert deadline.provisional
    assert working_days_between(D(2026, 12, 20), D(2027, 1, 4)).provisional
    # within a known year nothing is flagged
    assert not add_working_days(D(2026, 12, 1), 5).provisional
    assert provisional_years(2025, 2028) == [2027, 2028]


def test_provisional_statutory_holidays_of_2027():
    days = provisional_holidays(2027)
    assert [d for d, name in days.items() if name == "春节"] == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert days[D(2027, 4, 5)] == "清明节"
    assert days[D(2027, 6, 9)] == "端午节"  # lunar 5/5
    assert days[D(2027, 9, 15)] == "中秋节"  # lunar 8/15
    assert {D(2027, 1, 1), D(2027, 5, 1), D(2027, 5, 2), D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)} <= set(days)
    assert not is_working_day(D(2027, 2, 8))  # Monday, 初三
    assert not is_working_day(D(2027, 10, 1))  # Friday


@pytest.mark.parametrize("year", [2025, 2026])
def test_provisional_rules_agree_with_the_official_years_under_the_2025_rules(year):
    """The computed statutory days (lunar dates, 清明) are all official rest days."""
    official = {d for d in chinese_calendar.holidays if d.year == year}
    assert set(provisional_holidays(year)) <= official


# --- a loaded year ----------------------------------------------------------------------------------

CAL_2027 = [
    (D(2027, 1, 1), False, "元旦"),
    (D(2027, 2, 5), False, "春节"),
    (D(2027, 2, 8), False, "春节"),
    (D(2027, 2, 9), False, "春节"),
    (D(2027, 2, 10), False, "春节"),
    (D(2027, 2, 11), False, "春节"),
    (D(2027, 2, 20), True, "春节调休"),
]


def test_a_loaded_year_is_official_and_overrides(system):
    services.load_calendar_year(actor=system, year=2027, days=CAL_2027, source="国办发明电〔2026〕X号")
    assert year_source(2027) == "loaded"
    assert 2027 not in provisional_years(2025, 2028)
    assert not is_working_day(D(2027, 2, 11))
    assert is_working_day(D(2027, 2, 20))  # Saturday make-up day
    deadline = add_working_days(D(2027, 2, 4), 3)
    assert deadline == D(2027, 2, 16) and not deadline.provisional
    assert not add_working_days(D(2026, 12, 20), 10).provisional


def test_a_loaded_year_overrides_the_package(system):
    # a correction of 2025: 8 October worked after all
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    services.load_calendar_year(
        actor=system,
        year=2025,
        days=[(D(2025, 10, day), False, "国庆节") for day in range(1, 8)] + [(D(2025, 9, 28), True, "国庆节调休")],
        source="更正",
    )
    assert year_source(2025) == "loaded"
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 8)
    assert not is_working_day(D(2025, 10, 11))  # not listed in the loaded year: a plain Saturday


def test_loading_refuses_days_of_another_year_and_duplicates(system):
    with pytest.raises(Exception) as exc:
        services.load_calendar_year(
            actor=system, year=2027, days=[(D(2026, 12, 31), False, "x"), (D(2027, 1, 1), False, "元旦"), (D(2027, 1, 1), False, "元旦")], source="s"
        )
    assert exc.value.messages == ["2026-12-31 不属于 2027 年", "2027-01-01 重复出现"]
    assert year_source(2027) == "provisional"


def test_a_deadline_costs_few_queries(system, django_assert_max_num_queries):
    services.load_calendar_year(actor=system, year=2027, days=CAL_2027, source="s")
    with django_assert_max_num_queries(2):
        assert add_working_days(D(2026, 11, 1), 80).year == 2027
    with django_assert_max_num_queries(2):
        working_days_between(D(2026, 1, 1), D(2027, 12, 31))


def test_recompute_contract_on_calendar_loaded(system):
    start = D(2026, 12, 20)
    deadline = add_working_days(start, 10)
    assert deadline.provisional
    assert not recompute_needed(start, deadline, deadline.provisional)  # still provisional
    seen = []

    def recompute_deadlines(year):
        seen.append((year, recompute_needed(start, deadline, deadline.provisional), add_working_days(start, 10)))

    workdays.on_calendar_loaded(recompute_deadlines)
    try:
        services.load_calendar_year(actor=system, year=2027, days=CAL_2027, source="s")
        event = DomainEvent.objects.get(name="core.calendar_loaded")
        events.deliver(str(event.pk))  # what the task queue does after commit
    finally:
        events._handlers["core.calendar_loaded"] = [
            h for h in events._handlers["core.calendar_loaded"] if h.__qualname__ != recompute_deadlines.__qualname__
        ]
    (year, needed, recomputed), = seen
    assert year == 2027 and needed
    assert recompute_needed(start, deadline, True, year=2027)
    assert not recompute_needed(D(2025, 1, 1), D(2025, 3, 1), False, year=2027)
    assert recomputed == D(2027, 1, 4) and not recomputed.provisional


# --- calendar periods ---------------------------------------------------------------------------------


def test_add_calendar_months_same_day_inclusive():
    assert add_calendar_months(D(2020, 1, 10), 6) == D(2020, 7, 10)
    assert within_months(D(2020, 1, 10), 6, D(2020, 7, 10))
    assert not within_months(D(2020, 1, 10), 6, D(2020, 7, 11))
    assert not within_months(D(2020, 1, 10), 6, D(2020, 1, 10))


def test_add_calendar_months_clamps_to_month_end():
    assert add_calendar_months(D(2020, 8, 31), 6) == D(2021, 2, 28)
    assert add_calendar_months(D(2019, 8, 31), 6) == D(2020, 2, 29)
    assert add_calendar_months(D(2020, 3, 31), -1) == D(2020, 2, 29)
    assert add_calendar_months(D(2020, 12, 15), 1) == D(2021, 1, 15)
    assert add_calendar_months(D(2020, 1, 10), 36) == D(2023, 1, 10)


def test_add_days_can_extend_a_period_ending_in_a_holiday():
    # 15 days from 16 September 2025 end on 1 October, a holiday: extended to 9 October
    assert add_days(D(2025, 9, 16), 15) == D(2025, 10, 1)
    assert add_days(D(2025, 9, 16), 15, extend_over_holidays=True) == D(2025, 10, 9)
    assert add_days(D(2026, 12, 17), 15, extend_over_holidays=True).provisional  # 1 Jan 2027 → 4 Jan
