"""Joint reward and punishment (联合奖惩): cases opened and closed from the list and class
events, idempotent re-delivery, feedback by the executing department only, feedback deadlines
in working days across the National Day holiday, the daily expiry, statistics, the default
catalogue, and the generic permission cases of Measure, MeasureCase and MeasureFeedback."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from zhiliang.core import events
from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.daily import run_daily
from zhiliang.core.models import DomainEvent
from zhiliang.credit import catalogue, measures_read
from zhiliang.credit.choices import CaseStatus, FeedbackOutcome, MeasureKind, MeasureTrigger
from zhiliang.credit.models import Measure, MeasureCase, MeasureFeedback
from zhiliang.credit.services import measures as services
from zhiliang.sampling.tests.samples_data import acting
from zhiliang.testing.fixtures import as_system, department, make_user

from .measures_data import (
    CLASS_A_CODES,
    FEEDBACK_DUE,
    PUBLISHED,
    SERIOUS_CODES,
    build_measure_world,
    class_event,
    make_entry,
    publish,
    remove,
)
from .test_cases import CreditCases, visible

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_measure_world()


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """Run ``fn`` and deliver every event committed meanwhile, as the task worker would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def staff(code: str):
    return make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code=code)


def listed(world, delivered):
    entry = make_entry(world.maojian)
    delivered(publish, entry)
    return entry


def cases_of(enterprise, **filters):
    return MeasureCase.objects.filter(enterprise=enterprise, **filters).select_related("measure", "executing_department")


def give_feedback(user, case, outcome=FeedbackOutcome.RESTRICTED, occurred_on=D(2024, 10, 15), **extra):
    with acting(user):
        return services.feedback(actor=user, case=case, outcome=outcome, occurred_on=occurred_on, **extra)


# --- opening and closing from the events ----------------------------------------------------------------


def test_a_serious_listing_opens_a_punishment_case_for_each_executing_department(world, delivered):
    entry = listed(world, delivered)
    cases = list(cases_of(world.maojian))
    assert {c.measure.code: c.executing_department.code for c in cases} == SERIOUS_CODES
    assert {c.measure.kind for c in cases} == {MeasureKind.PUNISHMENT}
    for case in cases:
        assert (case.status, case.list_entry, case.opened_on, case.region) == (CaseStatus.OPEN, entry, PUBLISHED, world.maojian.region)
        assert case.feedback_due == FEEDBACK_DUE  # 20 working days across the National Day holiday
        assert case.ends_on is None  # in force while listed
    opened = DomainEvent.objects.get(name="credit.cases_opened")
    assert opened.enterprise_key == world.maojian.search_key and len(opened.payload["created"]) == 8
    assert set(opened.payload["departments"]) == set(SERIOUS_CODES.values())
    assert not cases_of(world.zhangwan).exists()


def test_redelivery_and_a_repeated_event_open_nothing_more(world, delivered):
    entry = listed(world, delivered)
    event = DomainEvent.objects.get(name="credit.list_entry_published")
    assert events.deliver(str(event.pk)) == 0  # each handler runs once per event
    delivered(publish, entry)  # the same publication announced again
    assert cases_of(world.maojian).count() == 8
    assert DomainEvent.objects.filter(name="credit.cases_opened").count() == 1
    with as_system():  # calling the service again keeps the open cases
        again = services.open_cases(actor=SYSTEM, enterprise=world.maojian, trigger=MeasureTrigger.SERIOUS_LIST, on=D(2024, 10, 9), list_entry=entry)
    assert {c.pk for c in again} == set(cases_of(world.maojian).values_list("pk", flat=True))
    assert DomainEvent.objects.filter(name="credit.cases_opened").latest("created_at").payload["created"] == []


def test_removal_closes_the_entrys_cases_and_a_new_listing_opens_new_ones(world, delivered):
    entry = listed(world, delivered)
    delivered(remove, entry, D(2025, 10, 10))
    closed = list(cases_of(world.maojian))
    assert {c.status for c in closed} == {CaseStatus.CLOSED}
    assert {c.closed_on for c in closed} == {D(2025, 10, 10)}
    assert closed[0].close_reason == "移出严重违法失信名单（依申请提前移出）"
    assert DomainEvent.objects.get(name="credit.cases_closed").payload["cases"] == sorted(c.pk for c in closed)

    again = make_entry(world.maojian, published_on=D(2026, 3, 2), decision_no="十市监信列〔2026〕3号")
    delivered(publish, again)
    assert cases_of(world.maojian, status=CaseStatus.OPEN, list_entry=again).count() == 8
    assert cases_of(world.maojian, status=CaseStatus.CLOSED).count() == 8


def test_removal_of_another_entry_leaves_the_cases_open(world, delivered):
    listed(world, delivered)
    other = make_entry(world.zhangwan)
    delivered(remove, other, D(2025, 10, 10))
    assert cases_of(world.maojian, status=CaseStatus.OPEN).count() == 8


def test_class_a_opens_the_rewards_and_leaving_a_closes_them(world, delivered):
    delivered(class_event, world.maojian, "B", "A")
    rewards = list(cases_of(world.maojian))
    assert {c.measure.code for c in rewards} == CLASS_A_CODES
    assert {c.measure.kind for c in rewards} == {MeasureKind.REWARD}
    delivered(class_event, world.maojian, "A", "A", name="credit.class_computed")  # recomputed, still A
    assert cases_of(world.maojian).count() == 2 and DomainEvent.objects.filter(name="credit.cases_opened").count() == 1
    delivered(class_event, world.maojian, "A", "B")
    assert {c.status for c in cases_of(world.maojian)} == {CaseStatus.CLOSED}
    assert "不再为A类" in cases_of(world.maojian).first().close_reason


def test_class_d_opens_more_frequent_inspection(world, delivered):
    delivered(class_event, world.zhangwan, "C", "D", name="credit.class_computed")
    case = cases_of(world.zhangwan).get()
    assert (case.measure.code, case.measure.trigger, case.executing_department.code) == ("LHCJ-CD-01", MeasureTrigger.CLASS_D, "sy-amr")
    delivered(class_event, world.zhangwan, "D", None)  # no longer classified (cancelled)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


# --- feedback -------------------------------------------------------------------------------------------


def test_the_executing_department_feeds_back_and_the_case_is_fed_back(world, delivered):
    listed(world, delivered)
    case = cases_of(world.maojian).get(measure__code="LHCJ-SL-01")
    finance = staff("sy-finance")
    item = give_feedback(finance, case, matter="十堰市2024年办公设备采购项目", note="该企业投标被否决")
    case.refresh_from_db()
    assert case.status == CaseStatus.FED_BACK and item.reported_by == finance
    give_feedback(finance, case, outcome=FeedbackOutcome.NORMAL, occurred_on=D(2024, 11, 2))
    case.refresh_from_db()
    assert case.status == CaseStatus.FED_BACK and case.feedback.count() == 2
    event = DomainEvent.objects.filter(name="credit.measure_feedback").latest("created_at")
    assert event.payload["case"] == case.pk and event.payload["first"] is False


def test_only_the_executing_department_may_feed_back(world, delivered):
    listed(world, delivered)
    case = cases_of(world.maojian).get(measure__code="LHCJ-SL-01")
    for user in (staff("sy-hrss"), make_user(Role.COUNTY_STAFF, region_code="420302"), make_user(Role.AUDITOR, region_code="420300")):
        with pytest.raises(PermissionDenied):
            give_feedback(user, case)
    assert not MeasureFeedback.objects.exists()
    admin = make_user(Role.CITY_ADMIN, region_code="420300")
    give_feedback(admin, case)  # the city admin may report on a department's behalf
    assert MeasureFeedback.objects.count() == 1


def test_the_system_may_record_feedback_for_demo_data_and_imports(world, delivered):
    listed(world, delivered)
    case = cases_of(world.maojian).get(measure__code="LHCJ-SL-06")
    item = give_feedback(SYSTEM, case, outcome=FeedbackOutcome.RESTRICTED)
    assert item.reported_by is None and MeasureCase.objects.get(pk=case.pk).status == CaseStatus.FED_BACK


def test_a_closed_case_and_a_wrong_date_refuse_feedback(world, delivered):
    entry = listed(world, delivered)
    case = cases_of(world.maojian).get(measure__code="LHCJ-SL-01")
    finance = staff("sy-finance")
    with pytest.raises(ValidationError) as error:
        give_feedback(finance, case, occurred_on=D(2024, 9, 1))
    assert "早于案件发起日期" in error.value.message_dict["occurred_on"][0]
    delivered(remove, entry, D(2025, 10, 10))
    case.refresh_from_db()
    with pytest.raises(ValidationError, match="已于 2025-10-10 结束"):
        give_feedback(finance, case)
    assert not MeasureFeedback.objects.exists()


# --- deadlines, expiry, statistics ---------------------------------------------------------------------------


def test_a_case_is_overdue_the_working_day_after_its_deadline_across_the_holiday(world, delivered):
    listed(world, delivered)
    finance = staff("sy-finance")
    assert not measures_read.overdue_cases(finance, FEEDBACK_DUE).exists()
    overdue = measures_read.overdue_cases(finance, D(2024, 10, 31))
    assert {c.measure.code for c in overdue} == {"LHCJ-SL-01", "LHCJ-SL-03"}  # only its own department's
    case = overdue.get(measure__code="LHCJ-SL-01")
    assert measures_read.overdue_days(case, D(2024, 10, 31)) == 1
    assert measures_read.overdue_days(case, D(2024, 11, 4)) == 3  # Saturday and Sunday do not count
    give_feedback(finance, case, occurred_on=D(2024, 11, 1))
    assert [c.measure.code for c in measures_read.overdue_cases(finance, D(2024, 11, 4))] == ["LHCJ-SL-03"]


def test_a_provisional_deadline_is_counted_again_when_the_year_is_loaded(world, delivered):
    from zhiliang.core import services as core_services
    from zhiliang.core import workdays
    from zhiliang.credit import rules

    opened = D(2026, 12, 18)
    provisional = rules.feedback_due(opened)
    assert provisional.provisional and provisional.year == 2027  # 2027's holidays are not announced yet
    entry = make_entry(world.maojian, published_on=opened, decision_no="十市监信列〔2026〕9号")
    delivered(publish, entry)
    case = cases_of(world.maojian).get(measure__code="LHCJ-SL-01")
    assert case.feedback_due == provisional
    extra = workdays.next_working_day(D(2027, 1, 5))  # a weekday before the deadline becomes a holiday
    try:
        with as_system():
            delivered(core_services.load_calendar_year, actor=SYSTEM, year=2027, source="测试",
                      days=[(D(2027, 1, 1), False, "元旦"), (extra, False, "测试假日")])
        case.refresh_from_db()
        assert case.feedback_due == rules.feedback_due(opened) == workdays.next_working_day(provisional + datetime.timedelta(days=1))
    finally:
        workdays.invalidate()  # the loaded year is rolled back with the test: forget it in this process too
    assert DomainEvent.objects.get(name="credit.case_deadlines_recomputed").payload["cases"] == sorted(
        cases_of(world.maojian).values_list("pk", flat=True))


def test_a_measure_with_a_duration_ends_by_the_daily_job(world, delivered):
    admin = make_user(Role.CITY_ADMIN, region_code="420300")
    with acting(admin):
        services.save_measure(actor=admin, code="LHCJ-SL-99", kind=MeasureKind.PUNISHMENT, trigger=MeasureTrigger.SERIOUS_LIST, domain="财政补贴",
                              cause="被列入严重违法失信名单", legal_basis=catalogue.MEMORANDUM, content="一年内不得申请市级产业扶持资金",
                              requesting_department=department("sy-amr"), executing_department=department("sy-eitc"), duration_months=12)
    listed(world, delivered)
    case = cases_of(world.maojian).get(measure__code="LHCJ-SL-99")
    assert case.ends_on == D(2025, 9, 27)
    assert run_daily(D(2025, 9, 26), names=["credit-measure-cases"])[0][1] == "没有期限届满的联合奖惩措施"
    assert run_daily(D(2025, 9, 27), names=["credit-measure-cases"])[0][1] == "结束期限届满的联合奖惩措施 1 件"
    case.refresh_from_db()
    assert (case.status, case.closed_on) == (CaseStatus.CLOSED, D(2025, 9, 27))
    assert cases_of(world.maojian, status=CaseStatus.OPEN).count() == 8  # the others last while listed


def test_statistics_count_cases_feedback_and_overdue(world, delivered):
    listed(world, delivered)
    finance, amr = staff("sy-finance"), staff("sy-amr")
    give_feedback(finance, cases_of(world.maojian).get(measure__code="LHCJ-SL-01"))
    give_feedback(finance, cases_of(world.maojian).get(measure__code="LHCJ-SL-01"), outcome=FeedbackOutcome.NORMAL)
    give_feedback(amr, cases_of(world.maojian).get(measure__code="LHCJ-SL-07"), outcome=FeedbackOutcome.NORMAL)
    admin = make_user(Role.CITY_ADMIN, region_code="420300")

    stats = measures_read.measure_statistics(admin, D(2024, 1, 1), D(2024, 12, 31), on=D(2024, 11, 1))
    assert {k: stats["totals"][k] for k in ("opened", "fed_back", "overdue", "feedback")} == {"opened": 8, "fed_back": 2, "overdue": 6, "feedback": 3}
    by_department = {r["executing_department__code"]: r for r in stats["by_department"]}
    assert (by_department["sy-finance"]["opened"], by_department["sy-finance"]["fed_back"], by_department["sy-finance"]["overdue"]) == (2, 1, 1)
    assert (by_department["sy-amr"]["opened"], by_department["sy-amr"]["fed_back"], by_department["sy-amr"]["overdue"]) == (3, 1, 2)
    assert stats["by_outcome"][FeedbackOutcome.RESTRICTED] == 1 and stats["by_outcome"][FeedbackOutcome.NORMAL] == 2
    sl01 = next(r for r in stats["by_measure"] if r["measure__code"] == "LHCJ-SL-01")
    outcomes = dict(zip(FeedbackOutcome.values, sl01["outcomes"]))
    assert (sl01["feedback"], outcomes["restricted"], outcomes["normal"]) == (2, 1, 1)
    # before the deadline nothing is overdue; a department sees only its own figures; another period nothing
    assert measures_read.measure_statistics(admin, D(2024, 1, 1), D(2024, 12, 31), on=FEEDBACK_DUE)["totals"]["overdue"] == 0
    assert measures_read.measure_statistics(finance, D(2024, 1, 1), D(2024, 12, 31), on=D(2024, 11, 1))["totals"]["opened"] == 2
    assert measures_read.measure_statistics(admin, D(2025, 1, 1), D(2025, 12, 31))["totals"]["opened"] == 0


# --- the catalogue ------------------------------------------------------------------------------------------


def test_the_default_catalogue_installs_once_and_keeps_edits(world):
    assert Measure.objects.count() == len(catalogue.MEASURES)
    for measure in Measure.objects.select_related("executing_department", "requesting_department"):
        assert measure.legal_basis and measure.executing_department.valid_to is None
    admin = make_user(Role.CITY_ADMIN, region_code="420300")
    edited = Measure.objects.get(code="LHCJ-SL-03")
    with acting(admin):
        services.save_measure(actor=admin, measure=edited, content="限制申请市级财政专项资金")
        assert catalogue.install_default_catalogue(actor=admin) == (0, len(catalogue.MEASURES))
    assert Measure.objects.count() == len(catalogue.MEASURES)
    assert Measure.objects.get(code="LHCJ-SL-03").content == "限制申请市级财政专项资金"
    saved = DomainEvent.objects.filter(name="credit.measure_saved").latest("created_at")
    assert saved.payload["changed"] == ["content"] and saved.payload["created"] is False


def test_only_the_city_admin_maintains_the_catalogue(world):
    measure = Measure.objects.get(code="LHCJ-SL-01")
    for user in (staff("sy-finance"), make_user(Role.COUNTY_STAFF, region_code="420302")):
        with acting(user), pytest.raises(PermissionDenied):
            services.save_measure(actor=user, measure=measure, content="改写")
        with acting(user), pytest.raises(PermissionDenied):
            services.save_measure(actor=user, code="X-1", kind=MeasureKind.REWARD, trigger=MeasureTrigger.RED_LIST, domain="评优评先", cause="红名单",
                                  legal_basis="备忘录", content="优先", requesting_department=department("sy-amr"),
                                  executing_department=department("sy-hrss"))
    assert not Measure.objects.filter(code="X-1").exists()
    assert Measure.objects.get(code="LHCJ-SL-01").content != "改写"
    admin = make_user(Role.CITY_ADMIN, region_code="420300")
    with acting(admin), pytest.raises(ValidationError) as error:
        services.save_measure(actor=admin, code="LHCJ-SL-01", kind=MeasureKind.REWARD, trigger="someday", domain="x", cause="x", legal_basis="x",
                              content="x", requesting_department=department("sy-amr"), executing_department=department("sy-hrss"))
    assert {"code", "trigger"} <= set(error.value.message_dict)


# --- generic permission cases ------------------------------------------------------------------------------


class TestMeasureCases(CreditCases):
    """The catalogue is reference data and public policy: every staff user and the public read
    the active measures; only the city admin edits them."""

    model = Measure
    permitted = {"role": Role.CITY_ADMIN, "region_code": "420300"}
    list_url = "credit:measure-list"
    edit_url = "credit:measure-edit"
    changed = ("content", "依法限制参加政府采购活动（修订）")

    @property
    def edit_data(self):
        measure = Measure.objects.get(code="LHCJ-SL-01")
        return {"code": measure.code, "kind": measure.kind, "trigger": measure.trigger, "domain": measure.domain, "cause": measure.cause,
                "legal_basis": measure.legal_basis, "content": self.changed[1], "requesting_department": measure.requesting_department_id,
                "executing_department": measure.executing_department_id, "duration_months": "", "is_active": "on"}

    def make_object(self):
        self.world()
        with as_system():
            catalogue.install_default_catalogue(actor=SYSTEM)
        return Measure.objects.get(code="LHCJ-SL-01")

    def test_an_inactive_measure_is_not_public(self, db):
        measure = self.make_object()
        admin = self.user("permitted")
        with acting(admin):
            services.save_measure(actor=admin, measure=measure, is_active=False)
        assert not visible(Measure, measure, AnonymousUser())
        assert visible(Measure, measure, self.user("constrained"))  # reference data: staff still read it


class TestMeasureCaseCases(CreditCases):
    """A case of 茅箭's 精工 executed by the finance bureau: 茅箭's county staff see it, the
    finance bureau sees it, another department (商务局) does not, 张湾 does not."""

    model = MeasureCase
    list_url = "credit:case-inbox"
    detail_url = "credit:case-detail"
    api_list_url = "v1:credit-case-list"
    api_detail_url = "v1:credit-case-detail"

    def make_object(self):
        world = self.world()
        with as_system():
            catalogue.install_default_catalogue(actor=SYSTEM)
            cases = services.open_cases(actor=SYSTEM, enterprise=world.maojian, trigger=MeasureTrigger.SERIOUS_LIST, on=PUBLISHED,
                                        list_entry=make_entry(world.maojian))
        return next(c for c in cases if c.measure.code == "LHCJ-SL-01")

    def test_the_executing_department_and_the_enterprise_see_it(self, db):
        case = self.make_object()
        assert visible(MeasureCase, case, staff("sy-finance"))
        assert not visible(MeasureCase, case, staff("sy-hrss"))
        assert visible(MeasureCase, case, make_user(Role.ENTERPRISE, organisation=self.world().maojian))
        assert not visible(MeasureCase, case, make_user(Role.ENTERPRISE, organisation=self.world().zhangwan))


class TestMeasureFeedbackCases(CreditCases):
    """Feedback follows its case: the executing department and the county see it; the public
    and other departments do not."""

    model = MeasureFeedback

    def make_object(self):
        case = TestMeasureCaseCases.make_object(self)
        return give_feedback(staff("sy-finance"), case)

    def test_another_department_does_not_see_it(self, db):
        item = self.make_object()
        assert visible(MeasureFeedback, item, staff("sy-finance"))
        assert not visible(MeasureFeedback, item, staff("sy-hrss"))
