"""The sampling part of the living demo keeps its promises: two years of plans at every level,
draws whose records verify, samples in every state at factory, market and online, results
judged from their items, pass rates ≈ 88–95 % varying by county and category, objections and
re-tests, rectifications in progress and overdue, referrals, refusals, the 6-month ban, and
work waiting in each demo account — the same for the same seed.

The whole demo is loaded twice for this module (the first load rolled back, to compare it
with the second: same seed, same samples); the tests run inside the second load's
transaction, rolled back at the end.  Before each load the primary-key sequences are set
back to the tables' contents, as in a fresh database (PostgreSQL does not roll sequences
back, and the draws rank inspectors, labs and products by their keys)."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal, InvalidOperation

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from zhiliang.core import demo as core_demo
from zhiliang.core.models import Membership, User
from zhiliang.core.permissions import restrict, restrict_q
from zhiliang.core.reference_data import CITY_CODE, OUTSIDE_CODE
from zhiliang.enterprises.models import Enterprise, ProductCategory
from zhiliang.sampling import draw as engine
from zhiliang.sampling import rules, selectors, stats
from zhiliang.sampling.choices import Level, Place, PlanStatus, SampleStatus
from zhiliang.sampling.models import (
    Bulletin,
    Draw,
    Objection,
    Rectification,
    Referral,
    Sample,
    SamplingPlan,
    SamplingTask,
    TestReport,
)

SEED = 4242
COUNTIES = ("420302", "420303", "420304", "420322", "420323", "420324", "420325", "420381", "4203K1", "4203K2")


def fresh_sequences() -> None:
    """Primary keys continue from the rows present, as in a new database."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def fingerprint() -> list[tuple]:
    return list(Sample.objects.order_by("sample_no").values_list("sample_no", "status", "conclusion", "producer__uscc"))


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from zhiliang.testing.fixtures import ensure_reference_data

        ensure_reference_data()
        with transaction.atomic():
            with transaction.atomic():
                fresh_sequences()
                core_demo.load(seed=SEED, report=lambda message: None)
                first = fingerprint()
                transaction.set_rollback(True)
            fresh_sequences()
            core_demo.load(seed=SEED, report=lambda message: None)
            yield {"first": first}
            transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def today() -> datetime.date:
    return timezone.localdate()


def this_year() -> int:
    return (today() - datetime.timedelta(days=200)).year


def user(username: str) -> User:
    return User.objects.get(username=username)


def organisation_of(username: str):
    (membership,) = Membership.objects.filter(user__username=username)
    return membership.organisation


def test_same_seed_same_samples_and_conclusions(demo_data):
    assert len(demo_data["first"]) > 800
    assert fingerprint() == demo_data["first"]


def test_two_years_of_plans_at_every_level():
    year = this_year()
    for y in (year - 1, year):
        levels = set(SamplingPlan.objects.filter(year=y).values_list("level", flat=True))
        assert levels == set(Level.values), (y, levels)
    for level, organiser in ((Level.NATIONAL, "国家市场监督管理总局"), (Level.PROVINCIAL, "湖北省市场监督管理局")):
        upper = SamplingPlan.objects.filter(level=level)
        assert upper.count() >= 2 and all(p.source == "imported" and p.status == PlanStatus.CLOSED and p.organiser_name == organiser
                                          for p in upper)
        assert Sample.objects.filter(plan__level=level, source="imported").count() > 30
    city = SamplingPlan.objects.filter(level=Level.CITY)
    assert all(p.department.code == "sy-amr" and p.region.code == CITY_CODE for p in city)
    assert SamplingPlan.objects.filter(level=Level.COUNTY).values("region").distinct().count() >= 5
    # last year's are done; this year's later ones are still drafts, approved or published
    assert set(SamplingPlan.objects.filter(year=year - 1).values_list("status", flat=True)) == {PlanStatus.CLOSED}
    assert {PlanStatus.DRAFT, PlanStatus.APPROVED, PlanStatus.PUBLISHED} <= set(SamplingPlan.objects.filter(year__gte=year).values_list("status", flat=True))


def test_local_plans_have_key_categories_test_items_and_quotas():
    key = ProductCategory.objects.filter(is_key_category=True)
    allowed = {pk for c in key for pk in c.descendant_ids()}
    allowed |= set(ProductCategory.objects.get(code="auto").descendant_ids())  # the city's own industry (汽车产品, seed §四(二))
    for plan in SamplingPlan.objects.filter(source="local").prefetch_related("categories", "test_items", "quotas"):
        categories = list(plan.categories.all())
        assert categories and {c.pk for c in categories} <= allowed, plan.code
        items = Counter(i.category_id for i in plan.test_items.all())
        if plan.status != PlanStatus.DRAFT:
            assert all(2 <= items[c.pk] <= 5 for c in categories), plan.code
            assert plan.quotas.exists(), plan.code
            if plan.level == Level.CITY:
                assert plan.quotas.values("region").distinct().count() >= 8, plan.code
    standards = set(SamplingPlan.objects.values_list("test_items__standard", flat=True))
    assert {"GB 31701-2015", "GB 4806.9-2023", "GB 18580-2017", "GB/T 5023.3-2008"} <= standards


def test_draw_records_verify_and_list_their_exclusions():
    draws = list(Draw.objects.select_related("plan"))
    assert len(draws) >= 30 and {d.kind for d in draws} == {"enterprise", "inspector", "lab"}
    for d in draws:
        assert d.status == "published" and d.on_date == d.frozen_at.astimezone(timezone.get_current_timezone()).date()
        with default_storage.open(d.pool_file.name, "rb") as stored:
            result = engine.verify(engine.record_for(d), stored.read())
        assert result.ok, (d.plan.code, d.kind, result.summary())
    # every local plan that samples factories or sellers was drawn; the tasks come from the draws
    drawn = {d.plan_id for d in draws}
    for plan in SamplingPlan.objects.filter(source="local", status__in=(PlanStatus.PUBLISHED, PlanStatus.CLOSED)).exclude(place=Place.ONLINE):
        assert plan.pk in drawn, plan.code
    assert not SamplingTask.objects.filter(draw__isnull=True).exists()
    # the second-batch plan drawn this autumn left out what was sampled provincially within 6 months
    late = max((d for d in draws if d.kind == "enterprise"), key=lambda d: d.on_date)
    with default_storage.open(late.pool_file.name, "rb") as stored:
        text = engine.decompress(stored.read()).decode("utf-8")
    assert "6个月内不得重复抽查" in text and "省级" in text
    assert "不在经营" in text
    # the draw page lists them from the file, without its header line (it showed as a blank row with the count)
    from zhiliang.sampling.views import MAX_EXCLUSIONS_SHOWN, _pool_preview

    shown = _pool_preview(late)["exclusions"]
    assert len(shown) == min(late.excluded_count, MAX_EXCLUSIONS_SHOWN) and all(item.get("key") and item["excluded"] for item in shown)


def test_samples_in_every_state_at_factory_market_and_online():
    statuses = set(Sample.objects.values_list("status", flat=True))
    assert statuses == set(SampleStatus.values)
    places = set(Sample.objects.filter(source="local").values_list("place", flat=True))
    assert places == set(Place.values)
    online = Sample.objects.filter(place=Place.ONLINE)
    assert online.exists() and not online.filter(platform="").exists() and not online.filter(shop="").exists()
    assert not online.filter(order_no="").exists()
    assert Sample.objects.filter(place=Place.ONLINE, attachments__kind="page_capture").exists()
    assert Sample.objects.filter(place=Place.MARKET, sampled_unit__isnull=False).exclude(producer=None).exists()
    # bought, never a fee: every local sample (but a vehicle) has a price paid
    assert not Sample.objects.filter(source="local", price_paid__isnull=True).exclude(category__code="auto-modified").exists()
    # numbered as the services number them
    assert not Sample.objects.filter(source="local").exclude(sample_no__regex=r"^CJ\d{4}(\d{6}|\d{4}K\d)\d{5}$").exists()


def _judged(direction: str, low, high, measured: str) -> bool:
    """An independent judgement of a measured value (limits inclusive)."""
    if direction == "qualitative":
        return measured in ("符合", "合格")
    if direction == "max" and measured in ("未检出", "ND", "N.D."):
        return True
    try:
        value = Decimal(measured)
    except InvalidOperation:
        raise AssertionError(f"实测值“{measured}”不是数值") from None
    if direction == "max":
        return value <= high
    if direction == "min":
        return value >= low
    return low <= value <= high


def test_every_conclusion_follows_from_its_items():
    reports = list(TestReport.objects.prefetch_related("results"))
    assert len(reports) > 500
    for report in reports:
        results = list(report.results.all())
        assert 2 <= len(results) <= 5, report.report_no
        for r in results:
            assert r.passed == _judged(r.direction, r.limit_low, r.limit_high, r.measured), (report.report_no, r.name, r.measured)
        failing = [r.name for r in results if not r.passed]
        assert report.conclusion == ("fail" if failing else "pass") and report.failing_items == failing, report.report_no
    # a sample's result is its last issued report's (a re-test replaces the first)
    for sample in Sample.objects.filter(source="local").exclude(conclusion="").prefetch_related("reports"):
        issued = sorted((r for r in sample.reports.all() if r.status == "issued"), key=lambda r: r.is_retest)
        assert issued and issued[-1].conclusion == sample.conclusion, sample.sample_no
        assert issued[0].conclusion == sample.first_conclusion and issued[-1].failing_items == sample.failing_items
    # imported results carry their bulletin's failing items
    for sample in Sample.objects.filter(source="imported"):
        assert (sample.conclusion == "fail") == bool(sample.failing_items), sample.sample_no


def test_pass_rates_vary_by_county_and_category_around_the_target():
    year = this_year()
    for y in (year - 1, year, None):
        rows = {r.key: r for r in stats.pass_rate_table(by="county", year=y)}
        rates = [rows[c].rate for c in COUNTIES]
        assert all(rows[c].tested >= 20 for c in COUNTIES), y
        assert all(Decimal(85) <= r <= Decimal(97) for r in rates), (y, rates)
        assert max(rates) - min(rates) >= Decimal(2), (y, rates)
    categories = [r for r in stats.pass_rate_table(by="category") if r.tested >= 20]
    assert len(categories) >= 10
    assert all(Decimal(80) <= r.rate <= Decimal(99) for r in categories), [(r.label, r.rate) for r in categories]
    assert max(r.rate for r in categories) - min(r.rate for r in categories) >= Decimal(4)
    # the ranking on provincial-and-above results has its bottom three
    ranking = stats.county_ranking(year=year)
    assert len(ranking.rows) == len(COUNTIES) and 3 <= len(ranking.bottom) <= 4


def test_objections_and_re_tests_one_overturning_the_first_result():
    objections = list(Objection.objects.select_related("sample"))
    statuses = Counter(o.status for o in objections)
    assert statuses["filed"] >= 1 and statuses["accepted"] >= 1 and statuses["rejected"] >= 1 and statuses["decided"] >= 2
    overturned = [o for o in objections if o.result_changed]
    assert overturned and all(o.sample.first_conclusion == "fail" and o.sample.conclusion == "pass" and o.fee_bearer == "authority"
                              for o in overturned)
    confirmed = [o for o in objections if o.result_changed is False]
    assert confirmed and all(o.sample.conclusion == "fail" and o.fee_bearer == "applicant" for o in confirmed)
    assert Sample.objects.filter(status=SampleStatus.RETEST, objection__status="accepted").exists()
    for o in objections:
        assert o.filed_on <= o.deadline == selectors.retest_deadline_of(o.sample)


def test_rectifications_in_progress_and_overdue_and_referrals_outside_shiyan():
    day = today()
    overdue = selectors.overdue_rectifications(user("admin"), day)
    assert len(overdue) >= 2
    in_progress = Rectification.objects.filter(status="ordered", rechecked_on__isnull=True, recheck_due__gte=day)
    assert in_progress.exists()
    assert set(Rectification.objects.values_list("status", flat=True)) >= {"ordered", "passed", "published"}
    for rect in Rectification.objects.all():
        correction, recheck = rules.rectification_dates(rect.ordered_on)
        assert (rect.correction_due, rect.recheck_due) == (correction, recheck)
        assert rect.rechecked_on is None or rect.rechecked_on < day
    referrals = list(Referral.objects.select_related("sample__producer__region"))
    assert 1 <= len(referrals) <= 3
    assert all(r.sample.producer.region.code == OUTSIDE_CODE and r.sample.conclusion == "fail" for r in referrals)
    assert {r.status for r in referrals} == {"sent", "replied"}
    assert selectors.overdue_referrals(user("admin"), day)
    # the local seller of a product made outside Shiyan rectifies here
    sold_here = [r.sample for r in referrals if r.sample.sampled_unit_id]
    assert any(Rectification.objects.filter(sample=s, enterprise=s.sampled_unit).exists() for s in sold_here)


def test_refusals_cancelled_tasks_and_the_six_month_ban():
    day = today()
    assert SamplingTask.objects.filter(status="refused", refused_on__isnull=False).exclude(note="").count() >= 2
    assert SamplingTask.objects.filter(status="assigned").exists()
    # no sample is barred by an earlier one (the demo keeps the ban in both directions)
    for s in Sample.objects.filter(producer__isnull=False).select_related("plan"):
        key = rules.ProductKey.of(s.producer_id, s.trademark, s.model, s.standard)
        authority = (s.level, s.plan.region_id, s.plan.department_id)
        assert rules.find_bar(key, level=s.level, authority=authority, day=s.sampled_on, exclude_sample_id=s.pk) is None, s.sample_no
    # and the ban is observable: a provincial result of the last six months bars a county sample today
    recent = Sample.objects.filter(level=Level.PROVINCIAL, producer__region__code__in=COUNTIES,
                                   sampled_on__gt=day - datetime.timedelta(days=150)).select_related("plan")
    county_plan = SamplingPlan.objects.filter(level=Level.COUNTY, status=PlanStatus.PUBLISHED).first()
    assert recent.exists() and county_plan is not None
    s = recent.first()
    bar = rules.find_bar(rules.ProductKey.of(s.producer_id, s.trademark, s.model, s.standard), level=Level.COUNTY,
                         authority=(Level.COUNTY, county_plan.region_id, county_plan.department_id), day=day)
    assert bar is not None and bar.sample_no == s.sample_no


def test_bulletins_publish_the_final_results():
    published = Bulletin.objects.filter(status="published")
    assert published.count() >= 10 and Bulletin.objects.filter(status="draft").exists()
    assert not Sample.objects.filter(bulletin__isnull=False).exclude(status=SampleStatus.FINAL).exists()
    assert Sample.objects.filter(bulletin__status="published", conclusion="fail").exists()
    assert all(b.published_on <= today() for b in published)


def test_county_accounts_see_their_county_and_not_another():
    for username, code, other in (("maojian", "420302", "420303"), ("zhangwan", "420303", "420302")):
        staff = user(username)
        own = restrict(Sample.objects.all(), staff, "change")
        assert own.count() > 20 and set(own.values_list("region__code", flat=True)) == {code}
        assert restrict(SamplingTask.objects.all(), staff, "view").filter(region__code=code).exists()
        assert not restrict(SamplingTask.objects.all(), staff, "view").filter(region__code=other).exists()
        # an unpublished sample of the other county stays out of sight
        hidden = Sample.objects.filter(region__code=other, bulletin__isnull=True).first()
        assert hidden is not None and not restrict(Sample.objects.filter(pk=hidden.pk), staff, "view").exists()
        queues = {q.key: q.count for q in selectors.work_queues(staff, today())}
        assert queues["to_send"] >= 1 and sum(queues.values()) >= 3, queues
    assert {q.key for q in selectors.work_queues(user("zhangwan"), today()) if q.count} >= {"objections", "overdue_rectifications"}


@pytest.mark.parametrize("username", ["lab", "lab-food", "lab-fangxian", "lab-private"])
def test_each_lab_has_samples_to_receive_and_to_report_and_sees_only_its_own(username):
    lab_user, lab = user(username), organisation_of(username)
    mine = Sample.objects.filter(restrict_q(Sample, lab_user, "view", own_scope_only=True))
    assert mine.exists() and set(mine.values_list("lab_id", flat=True)) == {lab.pk}
    assert selectors.samples_to_receive(lab_user).exists()
    assert selectors.reports_to_write(lab_user).exists()
    assert not restrict(Sample.objects.all(), lab_user, "change").exclude(lab=lab).exists()


@pytest.mark.parametrize("username", ["enterprise", "ent-food", "ent-tea", "ent-cable", "ent-furniture"])
def test_each_enterprise_sees_its_own_samples_only(username):
    account, enterprise = user(username), organisation_of(username)
    mine = Sample.objects.filter(restrict_q(Sample, account, "view", own_scope_only=True))
    assert mine.exists()
    assert all(enterprise.pk in (s.producer_id, s.sampled_unit_id) for s in mine)
    hidden = Sample.objects.exclude(producer=enterprise).exclude(sampled_unit=enterprise).filter(bulletin__isnull=True).first()
    assert not restrict(Sample.objects.filter(pk=hidden.pk), account, "view").exists()


def test_enterprise_accounts_can_object_today_and_follow_a_rectification():
    day = today()
    windows = {u: selectors.open_objection_windows(user(u), day) for u in ("enterprise", "ent-food", "ent-tea", "ent-cable", "ent-furniture")}
    assert any(windows.values())
    sample, deadline = next(w for ws in windows.values() for w in ws)
    assert selectors.can_object(sample, day) and deadline >= day
    rectifications = [r for u in ("enterprise", "ent-food", "ent-tea", "ent-cable", "ent-furniture")
                      for r in restrict(Rectification.objects.all(), user(u), "view")]
    assert any(r.status == "ordered" and r.recheck_due >= day for r in rectifications)


def test_written_in_the_demo_change_set_and_searchable():
    from zhiliang.core.models import ChangeSet, SearchEntry

    cs = ChangeSet.objects.get(kind=core_demo.DEMO_KIND)
    assert cs.counts["samples"] == Sample.objects.count() and cs.counts["sampling_plans"] == SamplingPlan.objects.count()
    assert not Sample.objects.filter(source="imported").exclude(created_in=cs).exists()
    plans = set(SearchEntry.objects.filter(kind="sampling_plan").values_list("object_id", flat=True))
    assert plans == {str(pk) for pk in SamplingPlan.objects.values_list("pk", flat=True)}
    assert SearchEntry.objects.filter(kind="sampling_bulletin", is_public=True).exists()
    # producers outside Shiyan are registry records of region 十堰市外
    assert Enterprise.objects.filter(region__code=OUTSIDE_CODE).count() == 2


def test_samples_sent_to_another_lab_than_the_drawn_one_say_why():
    """A living sample sent to another lab than its task's drawn one carries the written reason
    (改送其他检验机构的原因) naming both labs; every other sample carries none."""
    changed, kept = [], 0
    for sample in Sample.objects.filter(sent_on__isnull=False).select_related("task__lab", "lab"):
        first = next((r for r in sample.reports.all() if not r.is_retest), None)  # a re-test moves the sample on
        sent_to = first.lab if first is not None else sample.lab
        if sample.task_id and sample.task.lab_id and sent_to.pk != sample.task.lab_id:
            changed.append(sample)
            assert sample.lab_change_reason, sample.sample_no
            assert f"“{sent_to.name}”" in sample.lab_change_reason, sample.lab_change_reason
            assert sample.task.lab.name in sample.lab_change_reason, sample.lab_change_reason
        else:
            kept += 1
            assert sample.lab_change_reason == "", sample.sample_no
    assert changed and kept > len(changed)
