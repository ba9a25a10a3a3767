"""The credit part of the living demo keeps its promises: 双公示 penalties and licences from
several departments (matched by USCC, by a legacy code, by name only, or not at all; natural
persons among them, their identity numbers never public), both publicity regimes, the lists in
every state with their monthly publications, joint-measure cases in every state and feedback of
each outcome, objections and repairs in every state, classes A–D in every county, and work
waiting in each demo account — the same for the same seed, and nothing added when the demo is
started again.

A small demo set is loaded for this module (core accounts, a registry of
:data:`ENTERPRISES` enterprises, then the credit part — the sampling part is left out: its
failures' path to credit facts is the handlers' own and is tested with them), twice: the first
load rolled back, to compare it with the second (same seed, same facts).  The tests run inside
the second load's transaction, rolled back at the end.  Before each load the primary-key
sequences are set back to the tables' contents, as in a fresh database."""

from __future__ import annotations

import datetime
import random
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from zhiliang.core import demo as core_demo
from zhiliang.core.audit import SYSTEM, audit_context, change_set
from zhiliang.core.models import Membership, User
from zhiliang.core.permissions import restrict
from zhiliang.credit import demo as credit_demo
from zhiliang.credit import selectors
from zhiliang.credit.rules import repair_refusal
from zhiliang.credit.choices import (
    CaseStatus,
    FactKind,
    FactStatus,
    FeedbackOutcome,
    ListEntryStatus,
    MatchStatus,
    ObjectionStatus,
    PartyKind,
    RemovalWay,
    RepairStatus,
)
from zhiliang.credit.models import (
    CreditFact,
    FactObjection,
    ListEntry,
    ListPublication,
    MeasureCase,
    MeasureFeedback,
    RepairApplication,
    RiskAssessment,
    public_facts,
)
from zhiliang.credit.services import lists as list_services

SEED = 4343
ENTERPRISES = 1200
COUNTIES = credit_demo.REGIONS


def fresh_sequences() -> None:
    """Primary keys continue from the rows present, as in a new database."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def load_small(seed: int) -> list[str]:
    """What ``core.demo.load`` does, with the loaders this part needs and a smaller registry;
    returns the credit part's report lines."""
    from zhiliang.enterprises.demo import load_registry

    lines: list[str] = []
    with audit_context(actor=SYSTEM, reason=f"加载演示数据（seed={seed}）", source="command"):
        with transaction.atomic(), change_set(kind=core_demo.DEMO_KIND, file_name=f"seed={seed}"):
            core_demo.core_accounts(seed, random.Random(f"{seed}:core.accounts"), lambda message: None)
            load_registry(seed, random.Random(f"{seed}:enterprises.registry"), lambda message: None, n=ENTERPRISES)
            credit_demo.load_credit(seed, random.Random(f"{seed}:{credit_demo.LOADER_NAME}"), lines.append)
    return lines


def fingerprint() -> list[tuple]:
    facts = CreditFact.objects.order_by("kind", "source_key", "source_record_id").values_list(
        "kind", "source_key", "source_record_id", "party_name", "enterprise__uscc", "match_status", "decided_on", "status", "publicity_ends_on")
    entries = ListEntry.objects.order_by("enterprise__uscc", "list_kind").values_list("enterprise__uscc", "list_kind", "status", "published_on")
    classes = RiskAssessment.objects.filter(is_current=True).order_by("enterprise__uscc").values_list("enterprise__uscc", "risk_class")
    return [*facts, *entries, *classes]


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from zhiliang.testing.fixtures import ensure_reference_data

        ensure_reference_data()
        with transaction.atomic():
            with transaction.atomic():
                fresh_sequences()
                load_small(SEED)
                first = fingerprint()
                transaction.set_rollback(True)
            fresh_sequences()
            lines = load_small(SEED)
            yield {"first": first, "lines": lines}
            transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def today() -> datetime.date:
    return timezone.localdate()


def user(username: str) -> User:
    return User.objects.get(username=username)


def organisation_of(username: str):
    (membership,) = Membership.objects.filter(user__username=username)
    return membership.organisation


def test_same_seed_same_facts_lists_and_classes(demo_data):
    assert len(demo_data["first"]) > 1000
    assert fingerprint() == demo_data["first"]


def test_starting_the_demo_again_adds_nothing(demo_data):
    assert core_demo.is_loaded()  # `zhiliang demo` finds the data and does not load it again
    before = fingerprint()
    counts = (CreditFact.objects.count(), ListEntry.objects.count(), MeasureCase.objects.count(), FactObjection.objects.count())
    lines: list[str] = []
    with audit_context(actor=SYSTEM, reason="再次加载演示数据", source="command"):
        result = credit_demo.load_credit(SEED, random.Random(SEED), lines.append)
    assert result == {} and lines == ["质量信用演示数据已存在，未重复加载"]
    assert (CreditFact.objects.count(), ListEntry.objects.count(), MeasureCase.objects.count(), FactObjection.objects.count()) == counts
    assert fingerprint() == before
    # the report of the first load names what it made, and every county got each class
    assert any(line.startswith("信用信息 ") and "信用风险分类 A类" in line for line in demo_data["lines"])
    assert not any("未能覆盖" in line for line in demo_data["lines"]), demo_data["lines"]


def test_the_loader_runs_after_the_sampling_part():
    from zhiliang.sampling import demo as sampling_demo

    # the sampling part's failures become credit facts: it must have run before this part
    assert credit_demo.LOADER_ORDER > sampling_demo.LOADER_ORDER


def test_penalties_from_several_departments_as_their_files_were_imported():
    penalties = CreditFact.objects.filter(kind=FactKind.PENALTY)
    sources = set(penalties.values_list("source_key", flat=True))
    assert {"sy-amr", "sy-env", "sy-safety", "sy-health", "sy-agri"} <= sources
    assert len(sources & set(credit_demo.COUNTY_DEPARTMENTS.values())) >= 5  # the county bureaus too
    transport = penalties.filter(source_department__isnull=True)
    assert transport.exists() and set(transport.values_list("source_name", flat=True)) == {"十堰市交通运输局"}
    # each file is one import change set, named after its department
    from zhiliang.core.models import ChangeSet

    files = ChangeSet.objects.filter(kind="import:penalties").values_list("file_name", flat=True)
    assert len(files) >= 8 and all("行政处罚双公示" in f for f in files)
    # realistic 双公示 content: type, facts, basis, fines in 万元
    sample = penalties.exclude(fine_wan__isnull=True).first()
    assert sample.title and sample.content and "《" in sample.legal_basis and sample.decision_no.endswith("号")
    assert penalties.filter(legal_basis__contains="《中华人民共和国产品质量法》第四十九条").exists()
    assert penalties.filter(fine_wan__gte=10).exists() and penalties.filter(fine_wan__lt=1).exists()
    licences = CreditFact.objects.filter(kind=FactKind.LICENCE)
    assert licences.values("source_key").distinct().count() >= 3 and not licences.filter(valid_until__isnull=True).exists()


def test_what_a_party_is_penalised_and_licensed_for_fits_its_trade():
    """A cable maker is not fined for stale food nor holds a food licence; a simple procedure is a
    warning or a small fine on the spot, never a confiscation (行政处罚法 第五十一条)."""
    for fact in CreditFact.objects.filter(kind=FactKind.PENALTY).exclude(party_kind="natural_person"):
        food_only = {v.title for v in credit_demo.VIOLATIONS["amr"][3:7]}
        if fact.title in food_only:
            assert credit_demo.trade(fact.party_name)[0] or fact.title == "未取得食品经营许可从事食品经营活动", (fact.party_name, fact.title)
        if fact.procedure == "simple":
            assert fact.confiscated_wan is None and (fact.fine_wan or 0) <= 0.3, fact.decision_no
    for fact in CreditFact.objects.filter(kind=FactKind.LICENCE):
        food, shop = credit_demo.trade(fact.party_name)
        if "食品" in fact.title or "工业产品生产许可证" in fact.title:
            assert ("食品" in fact.title) == food, (fact.party_name, fact.title)
        if "排污" in fact.title:
            assert not shop, fact.party_name


def test_publicity_regimes_procedures_and_dates():
    penalties = CreditFact.objects.filter(kind=FactKind.PENALTY)
    years = set(d.year for d in penalties.values_list("decided_on", flat=True))
    assert min(years) <= today().year - 4 and max(years) == today().year
    assert {"order45", "tiers2025"} <= set(penalties.values_list("regime", flat=True))
    # simple-procedure and warning-only penalties are kept but never published
    unpublished = penalties.filter(is_publishable=False)
    assert unpublished.filter(procedure="simple").exists() and unpublished.filter(is_warning_only=True).exists()
    assert not unpublished.filter(public_facts()).exists()
    # some in publicity, some expired
    assert penalties.filter(public_facts()).count() >= 20
    assert penalties.filter(publicity_ends_on__lte=today(), status=FactStatus.ACTIVE).count() >= 20


def test_matching_review_queue_and_personal_data():
    statuses = Counter(CreditFact.objects.filter(kind=FactKind.PENALTY).values_list("match_status", flat=True))
    assert statuses[MatchStatus.USCC] > 50
    assert statuses[MatchStatus.IDENTIFIER] >= 3  # old records with only the 组织机构代码
    assert statuses[MatchStatus.CONFIRMED] == 1 and statuses[MatchStatus.CANDIDATE] >= 2 and statuses[MatchStatus.UNMATCHED] >= 5
    queue = list(selectors.review_queue(user("amr")))
    assert queue[0].match_status == MatchStatus.CANDIDATE and queue[0].candidate is not None
    order = [fact.match_status for fact in queue]  # every candidate first, then the unmatched
    assert order == [MatchStatus.CANDIDATE] * order.count(MatchStatus.CANDIDATE) + [MatchStatus.UNMATCHED] * order.count(MatchStatus.UNMATCHED)
    persons = CreditFact.objects.filter(party_kind=PartyKind.NATURAL_PERSON)
    assert persons.count() >= 5 and all(len(p.person_id_number) == 18 and p.enterprise_id is None for p in persons)
    assert CreditFact.objects.filter(party_kind=PartyKind.INDIVIDUAL_BUSINESS, match_status=MatchStatus.USCC).exists()
    # identity numbers are never on a public page, nor in the received copy unmasked
    ids = set(persons.values_list("person_id_number", flat=True)) | set(
        CreditFact.objects.exclude(legal_rep_id_number="").values_list("legal_rep_id_number", flat=True))
    for fact in CreditFact.objects.filter(public_facts()).exclude(enterprise=None)[:200]:
        profile = selectors.credit_profile(fact.enterprise, None, public=True)
        text = repr(profile)
        assert not any(number in text for number in ids)
    assert not any(number in repr(f.received) for f in CreditFact.objects.filter(kind=FactKind.PENALTY) for number in ids)


def test_the_lists_in_every_state_with_their_publications():
    serious = ListEntry.objects.filter(list_kind="serious")
    assert set(serious.values_list("status", flat=True)) == {
        ListEntryStatus.PROPOSED, ListEntryStatus.APPROVED, ListEntryStatus.NOTIFIED, ListEntryStatus.PUBLISHED, ListEntryStatus.REMOVED,
        ListEntryStatus.REJECTED, ListEntryStatus.WITHDRAWN}
    assert set(serious.filter(status=ListEntryStatus.REMOVED).values_list("removal_way", flat=True)) == {RemovalWay.APPLICATION, RemovalWay.AUTOMATIC}
    for entry in serious.filter(status__in=(ListEntryStatus.PUBLISHED, ListEntryStatus.REMOVED)):
        assert entry.fact is not None and entry.facts.exists() and entry.proposed_on <= entry.decided_on <= entry.published_on
        # in force: its listing fact is public and makes the class D; removed: no longer public
        public = CreditFact.objects.filter(public_facts(), pk=entry.fact_id).exists()
        assert public == (entry.status == ListEntryStatus.PUBLISHED)
        if entry.status == ListEntryStatus.PUBLISHED:
            assert RiskAssessment.objects.get(enterprise=entry.enterprise, is_current=True).risk_class == "D"
    automatic = serious.get(removal_way=RemovalWay.AUTOMATIC)
    assert automatic.removed_on == automatic.auto_removal_on <= today()
    assert ListEntry.objects.filter(list_kind="red", status=ListEntryStatus.PUBLISHED).count() == 3
    monthly = ListPublication.objects.filter(list_kind="serious").order_by("period_end")
    assert monthly.count() == 3 and all(p.period_start.day == 1 and p.published_on > p.period_end for p in monthly)
    assert any(p.entries for p in monthly)
    # a city proposal carries the province's document; a county's waits for the city
    assert serious.exclude(external_approval_no="").exists()
    waiting = serious.filter(status=ListEntryStatus.PROPOSED, approval_required=True, deciding_region__level="county")
    assert waiting.count() >= 2 and all(e.proposed_by is not None for e in waiting)


def test_joint_measure_cases_in_every_state_and_feedback_of_each_outcome():
    from zhiliang.credit.models import Measure

    assert Measure.objects.filter(is_active=True).count() >= 10
    cases = MeasureCase.objects.all()
    assert cases.filter(status=CaseStatus.OPEN, feedback_due__gte=today()).exists()
    assert cases.filter(status=CaseStatus.OPEN, feedback_due__lt=today()).exists()  # overdue
    assert cases.filter(status=CaseStatus.FED_BACK).exists() and cases.filter(status=CaseStatus.CLOSED).exists()
    assert set(MeasureFeedback.objects.values_list("outcome", flat=True)) == {
        FeedbackOutcome.NORMAL, FeedbackOutcome.RESTRICTED, FeedbackOutcome.FAST_TRACKED, FeedbackOutcome.REDUCED, FeedbackOutcome.NOT_APPLICABLE}
    for case in cases.filter(status=CaseStatus.CLOSED).select_related("list_entry"):
        assert case.list_entry.status == ListEntryStatus.REMOVED and case.closed_on == case.list_entry.removed_on
    assert all(f.occurred_on >= f.case.opened_on for f in MeasureFeedback.objects.select_related("case"))


def test_objections_and_repairs_in_every_state():
    objections = FactObjection.objects.select_related("fact")
    assert set(objections.values_list("status", flat=True)) == {ObjectionStatus.PENDING, ObjectionStatus.UPHELD, ObjectionStatus.REJECTED}
    for o in objections:
        if o.status == ObjectionStatus.PENDING:
            assert o.fact.disputed
        elif o.status == ObjectionStatus.UPHELD:
            assert o.fact.status == FactStatus.REVOKED and not CreditFact.objects.filter(public_facts(), pk=o.fact_id).exists()
        else:
            assert o.fact.status == FactStatus.ACTIVE and not o.fact.disputed
    repairs = RepairApplication.objects.select_related("fact")
    assert set(repairs.values_list("status", flat=True)) == {RepairStatus.PENDING, RepairStatus.GRANTED, RepairStatus.REFUSED}
    for r in repairs:
        public = CreditFact.objects.filter(public_facts(), pk=r.fact_id).exists()
        assert public == (r.status != RepairStatus.GRANTED)
        assert r.applied_on >= r.eligible_from and r.commitment_sha256
        if r.status == RepairStatus.GRANTED:
            assert r.fact.status == FactStatus.REPAIRED and r.fact.repaired_on == r.decided_on


def test_classes_a_to_d_in_every_county():
    current = RiskAssessment.objects.filter(is_current=True)
    per_county: dict[str, set] = {}
    for code, klass in current.values_list("region__code", "risk_class"):
        per_county.setdefault(code, set()).add(klass)
    for code in COUNTIES:
        assert per_county.get(code) == {"A", "B", "C", "D"}, (code, per_county.get(code))
    spread = Counter(current.values_list("risk_class", flat=True))
    assert spread["B"] > spread["A"] > 0 and spread["C"] > 0 and spread["D"] > 0


def test_each_account_has_something_to_see():
    day = today()
    # county staff: their county's facts and entries, not another county's
    for username, code in (("zhangwan", "420303"), ("yunxi", "420322")):
        staff = user(username)
        mine = restrict(CreditFact.objects.filter(region__code=code), staff, "change")
        assert mine.filter(kind=FactKind.PENALTY).exists(), username
        assert not restrict(CreditFact.objects.exclude(region__code=code).exclude(region=None), staff, "change").exists(), username
    proposing = [username for code, username in credit_demo.COUNTY_ACCOUNTS.items()
                 if restrict(ListEntry.objects.filter(status=ListEntryStatus.PROPOSED, region__code=code), user(username), "change").exists()]
    assert len(proposing) >= 2, proposing
    # department staff: a measures inbox, objections and repairs to review
    for username in ("finance", "ggzy", "amr"):
        inbox = restrict(MeasureCase.objects.filter(status=CaseStatus.OPEN), user(username), "change")
        assert inbox.exists(), username
    reviews = Counter()
    for username in ("amr", "health", "env", "safety", "agri"):
        reviews[username] = (restrict(FactObjection.objects.all(), user(username), "change").count()
                             + restrict(RepairApplication.objects.all(), user(username), "change").count())
    assert sum(1 for n in reviews.values() if n) >= 3, reviews
    # the city admin: the approval queue — a county's proposal the admin may approve (tried, then undone)
    admin = user("admin")
    waiting = restrict(ListEntry.objects.filter(status=ListEntryStatus.PROPOSED, approval_required=True, deciding_region__level="county"),
                       admin, "change")
    assert waiting.exists()
    with transaction.atomic():
        with audit_context(actor=admin, reason="审批县市区提出的列入申请", source="web"):
            assert list_services.approve(actor=admin, entry=waiting.first(), note="同意").status == ListEntryStatus.APPROVED
        transaction.set_rollback(True)
    # enterprise accounts: their own facts; ent-food may apply for a repair today; ent-cable's objection is pending;
    # the enterprise account's class is A with its red-list and class-A incentives
    for username in ("enterprise", "ent-food", "ent-tea", "ent-cable", "ent-furniture"):
        account, enterprise = user(username), organisation_of(username)
        profile = selectors.credit_profile(enterprise, account, public=False)
        assert profile["audience"] == "enterprise" and profile["total_facts"] >= 2, username
    food = organisation_of("ent-food")
    assert any(not repair_refusal(f, day) for f in CreditFact.objects.filter(enterprise=food, kind=FactKind.PENALTY))
    assert FactObjection.objects.filter(enterprise=organisation_of("ent-cable"), status=ObjectionStatus.PENDING).exists()
    own = organisation_of("enterprise")
    assert RiskAssessment.objects.get(enterprise=own, is_current=True).risk_class == "A"
    assert MeasureCase.objects.filter(enterprise=own, measure__trigger="class_a").exists()
    furniture = RiskAssessment.objects.get(enterprise=organisation_of("ent-furniture"), is_current=True)
    assert furniture.risk_class in ("C", "D")
