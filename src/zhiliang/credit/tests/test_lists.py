"""The serious-dishonesty list and the red list: the workflow (proposal, approval one level up,
notice, publication, removal), its dates across holidays, the daily automatic removal, the
periodic publication, and who may see an entry (``ScopedModelCases``)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhiliang.core import services as core_services
from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.daily import run_daily
from zhiliang.core.models import DomainEvent
from zhiliang.credit.choices import FactKind, FactStatus, ListEntryStatus, ListKind, RemovalWay
from zhiliang.credit.models import CreditFact, ListEntry, ListPublication, RiskAssessment
from zhiliang.credit.services import facts as fact_services
from zhiliang.credit.services import lists
from zhiliang.credit.services.classes import recompute_class
from zhiliang.testing.cases import WHO, ScopedModelCases
from zhiliang.testing.fixtures import as_system, make_user, region

from .facts_data import penalty_fields, record
from .lists_data import act, build_list_world, proposed_entry, published_entry

D = datetime.date
S = ListEntryStatus


@pytest.fixture
def world(db):
    return build_list_world()


def visible(model, obj, user) -> bool:
    return model.objects.restrict(user, "view").filter(pk=obj.pk).exists()


def events(name: str, entry) -> list[dict]:
    return [e.payload for e in DomainEvent.objects.filter(name=name, subject_id=str(entry.pk)).order_by("pk")]


def override_approval(value: bool) -> None:
    with as_system("名单测试规则"):
        core_services.set_rule_override(actor=SYSTEM, rule="RULE_CREDIT_SERIOUS_LIST_PROVINCIAL_APPROVAL", value=value,
                                        effective_from=D(2020, 1, 1), reason="测试：2025年征求意见稿取消批准环节")


# --- dates ---------------------------------------------------------------------------------------


def test_publication_is_due_20_working_days_after_the_decision_across_national_day_2024(world):
    """Decided on Fri 2024-09-20: the make-up Sundays 09-29 and Saturday 10-12 count, 10-01…07 do
    not — the 20th working day is Wed 2024-10-23 (calendar: 33 days)."""
    entry = act(lists.approve, world.city_staff, entry=proposed_entry(world))
    entry = act(lists.notify, world.proposer, entry=entry, decision_no="十茅市监信〔2024〕1号", decided_on=D(2024, 9, 20),
                notified_on=D(2024, 9, 23), method="直接送达")
    assert entry.status == S.NOTIFIED
    assert entry.publish_due == D(2024, 10, 23)
    assert events("credit.list_entry_notified", entry)[0]["publish_due"] == "2024-10-23"


def test_removal_may_be_applied_for_from_one_year_after_publication(world):
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    assert (entry.removal_apply_from, entry.auto_removal_on) == (D(2025, 10, 21), D(2027, 10, 21))
    # staff record the enterprise's paper application on the day it was received
    with pytest.raises(ValidationError) as refused:
        act(lists.apply_removal, world.proposer, entry=entry, applied_on=D(2025, 10, 20), reason="已整改并缴纳罚款")
    assert "2025-10-21" in str(refused.value)
    entry.refresh_from_db()
    assert entry.removal_applied_on is None
    entry = act(lists.apply_removal, world.proposer, entry=entry, applied_on=D(2025, 10, 21), reason="已整改并缴纳罚款")
    assert entry.removal_applied_on == D(2025, 10, 21)
    assert events("credit.list_entry_removal_applied", entry)


def test_an_application_is_never_dated_later_than_today_and_the_enterprise_applies_on_the_day(world):
    today = timezone.localdate()
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    for actor, day in ((world.proposer, today + datetime.timedelta(days=1)), (world.enterprise_user, today + datetime.timedelta(days=200)),
                       (world.enterprise_user, today - datetime.timedelta(days=1))):
        with pytest.raises(ValidationError) as refused:
            act(lists.apply_removal, actor, entry=entry, applied_on=day, reason="已整改并缴纳罚款")
        assert f"{day:%Y-%m-%d} 晚于今天" in str(refused.value) or f"提交当日（{today:%Y-%m-%d}）" in str(refused.value)
        entry.refresh_from_db()
        assert entry.removal_applied_on is None
    entry = act(lists.apply_removal, world.enterprise_user, entry=entry, applied_on=today, reason="已整改并缴纳罚款")
    assert entry.removal_applied_on == today


def test_staff_never_record_a_decision_notice_publication_or_removal_after_today(world):
    """Dated tomorrow, the entry would be on the public list before its decision: refused at each
    step, nothing written; the daily job (SYSTEM) removes on the day it is given."""
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    entry = act(lists.approve, world.city_staff, entry=proposed_entry(world))
    for decided_on, notified_on, field in ((tomorrow, tomorrow, "decided_on"), (today, tomorrow, "notified_on")):
        with pytest.raises(ValidationError) as refused:
            act(lists.notify, world.proposer, entry=entry, decision_no="十茅市监信〔2026〕9号", decided_on=decided_on, notified_on=notified_on,
                method="直接送达")
        assert field in refused.value.error_dict and f"{tomorrow:%Y-%m-%d} 晚于今天" in str(refused.value)
    entry = act(lists.notify, world.proposer, entry=entry, decision_no="十茅市监信〔2026〕9号", decided_on=today, notified_on=today,
                method="直接送达")
    with pytest.raises(ValidationError, match="晚于今天"):
        act(lists.publish, world.proposer, entry=entry, published_on=tomorrow)
    entry.refresh_from_db()
    assert entry.status == S.NOTIFIED and not visible(ListEntry, entry, AnonymousUser())
    entry = act(lists.publish, world.proposer, entry=entry, published_on=today)
    with pytest.raises(ValidationError, match="晚于今天"):
        act(lists.remove, world.proposer, entry=entry, way=RemovalWay.REVOKED, removed_on=tomorrow, note="十政复决〔2026〕3号")
    entry.refresh_from_db()
    assert entry.status == S.PUBLISHED
    with pytest.raises(ValidationError, match="晚于今天"):
        act(fact_services.revoke_fact, world.proposer, fact=world.penalty, on=tomorrow)
    with as_system():
        removed = lists.remove(actor=SYSTEM, entry=entry, way=RemovalWay.REVOKED, removed_on=tomorrow, note="每日任务")
    assert removed.status == S.REMOVED


def test_a_red_list_entry_ends_on_its_day_and_is_not_applied_off(world):
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21), list_kind=ListKind.RED,
                            grounds="连续五年监督抽查合格，无失信记录", decision_no="十茅市监信〔2024〕红1号")
    assert (entry.removal_apply_from, entry.auto_removal_on) == (None, D(2027, 10, 21))
    assert entry.get_status_display() == "已公示，激励措施执行中"
    with pytest.raises(ValidationError) as refused:
        act(lists.apply_removal, world.enterprise_user, entry=entry, applied_on=timezone.localdate(), reason="申请移出红名单")
    assert "守信红名单不需申请移出" in str(refused.value)
    serious = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21), decision_no="十茅市监信〔2024〕2号")
    assert serious.get_status_display() == "已公示，惩戒措施执行中"


def test_another_enterprise_cannot_apply_for_the_removal_of_an_entry(world):
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    stranger = make_user(Role.ENTERPRISE, organisation=world.zhangwan)
    with pytest.raises(PermissionDenied):
        act(lists.apply_removal, stranger, entry=entry, applied_on=D(2026, 1, 5), reason="冒名申请")


def test_the_daily_job_removes_an_entry_on_its_three_year_day_and_not_before(world):
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    fact = entry.fact
    [(_, summary)] = run_daily(D(2027, 10, 20), names=["credit-list-removals"])
    entry.refresh_from_db()
    assert entry.status == S.PUBLISHED and "没有" in summary
    [(_, summary)] = run_daily(D(2027, 10, 21), names=["credit-list-removals"])
    entry.refresh_from_db()
    fact.refresh_from_db()
    assert (entry.status, entry.removal_way, entry.removed_on) == (S.REMOVED, RemovalWay.AUTOMATIC, D(2027, 10, 21))
    assert fact.publicity_ends_on == D(2027, 10, 21)
    assert "1 条" in summary
    [(_, again)] = run_daily(D(2027, 10, 22), names=["credit-list-removals"])
    assert "没有" in again
    assert len(events("credit.list_entry_removed", entry)) == 1
    assert events("credit.list_entry_removed", entry)[0] == {
        "entry": entry.pk, "enterprise": world.maojian.search_key, "list_kind": "serious", "removed_on": "2027-10-21", "way": "automatic"}


def test_an_entry_whose_listing_fact_was_revoked_is_still_removed_on_its_day(world):
    from zhiliang.credit.services import facts

    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    act(facts.revoke_fact, SYSTEM, fact=entry.fact, on=D(2025, 3, 3))
    [(_, summary)] = run_daily(D(2027, 10, 21), names=["credit-list-removals"])
    entry.refresh_from_db()
    assert entry.status == S.REMOVED and "未能" not in summary


def test_without_the_approval_rule_a_proposal_goes_straight_to_notice(world):
    override_approval(False)
    entry = proposed_entry(world)
    assert entry.approval_required is False
    with pytest.raises(ValidationError):
        act(lists.approve, world.city_staff, entry=entry)
    entry = act(lists.notify, world.proposer, entry=entry, decision_no="十茅市监信〔2026〕3号", decided_on=D(2026, 3, 2),
                notified_on=D(2026, 3, 3), method="邮寄送达")
    assert entry.status == S.NOTIFIED


def test_with_the_approval_rule_a_proposal_cannot_skip_approval(world):
    entry = proposed_entry(world)
    assert entry.approval_required is True
    with pytest.raises(ValidationError) as refused:
        act(lists.notify, world.proposer, entry=entry, decision_no="X", decided_on=D(2026, 3, 2), notified_on=D(2026, 3, 3), method="直接送达")
    assert "已提出，待批准" in str(refused.value)


def test_the_red_list_needs_no_approval(world):
    entry = proposed_entry(world, list_kind=ListKind.RED, grounds="连续三年抽查合格，守信经营")
    assert entry.approval_required is False


# --- the workflow --------------------------------------------------------------------------------


def test_a_county_proposal_is_approved_by_the_city_not_by_the_county_nor_the_proposer(world):
    entry = proposed_entry(world)
    assert (entry.deciding_region.code, entry.region.code, entry.status) == ("420302", "420302", S.PROPOSED)
    assert list(entry.facts.all()) == [world.penalty]
    for refused in (world.colleague, world.proposer, world.zhangwan_staff):
        with pytest.raises(PermissionDenied):
            act(lists.approve, refused, entry=entry)
    # the proposer holding a city membership as well still cannot approve their own proposal
    with as_system():
        core_services.add_membership(actor=SYSTEM, user=world.proposer, role=Role.COUNTY_STAFF, region=region("420300"))
    world.proposer._zl_memberships = None
    with pytest.raises(PermissionDenied):
        act(lists.approve, world.proposer, entry=entry)
    entry.refresh_from_db()
    assert entry.status == S.PROPOSED
    entry = act(lists.approve, world.city_staff, entry=entry, note="同意列入")
    assert (entry.status, entry.approved_by, entry.approval_note) == (S.APPROVED, world.city_staff, "同意列入")
    assert events("credit.list_entry_approved", entry)[0]["external"] is False


def test_a_city_decision_is_approved_by_an_external_provincial_document(world):
    entry = act(lists.propose, world.city_staff, enterprise=world.zhangwan, grounds="拒绝监督抽查且情节严重")
    assert entry.deciding_region.code == "420300"
    with pytest.raises(ValidationError):
        act(lists.approve, world.city_admin, entry=entry)
    entry = act(lists.record_external_approval, world.city_staff, entry=entry, document_no="鄂市监信批〔2026〕5号", document_on=D(2026, 4, 1))
    assert (entry.status, entry.external_approval_no) == (S.APPROVED, "鄂市监信批〔2026〕5号")
    assert events("credit.list_entry_approved", entry)[0]["external"] is True


def test_a_rejected_proposal_needs_a_reason_and_ends_there(world):
    entry = proposed_entry(world)
    with pytest.raises(ValidationError):
        act(lists.reject, world.city_staff, entry=entry, note=" ")
    entry = act(lists.reject, world.city_staff, entry=entry, note="证据不足")
    assert entry.status == S.REJECTED
    with pytest.raises(ValidationError) as refused:
        act(lists.notify, world.proposer, entry=entry, decision_no="X", decided_on=D(2026, 3, 2), notified_on=D(2026, 3, 2), method="直接送达")
    assert "该名单记录当前状态为“未批准”" in str(refused.value)


def test_publication_records_the_listing_fact_and_makes_the_class_d_and_removal_ends_it(world):
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    fact = entry.fact
    assert (fact.kind, fact.enterprise, fact.source_record_id, fact.severity) == (FactKind.SERIOUS_LIST, world.maojian, "十茅市监信〔2024〕1号", "serious")
    assert (fact.decided_on, fact.published_on, fact.content) == (D(2024, 9, 20), D(2024, 10, 21), entry.grounds)
    assert events("credit.list_entry_published", entry) == [{
        "entry": entry.pk, "enterprise": world.maojian.search_key, "list_kind": "serious", "published_on": "2024-10-21", "region": "420302"}]
    with as_system():
        assessment = recompute_class(actor=SYSTEM, enterprise=world.maojian, on=D(2025, 1, 6))
    assert assessment.risk_class == "D"
    assert any(item.get("override") == "serious_list" for item in assessment.explanation)

    entry = act(lists.apply_removal, world.proposer, entry=entry, applied_on=D(2025, 11, 3), reason="已履行处罚并完成整改")
    entry = act(lists.remove, world.proposer, entry=entry, way=RemovalWay.APPLICATION, removed_on=D(2025, 11, 20), note="经审核准予移出")
    fact.refresh_from_db()
    assert (entry.status, entry.removed_on, entry.removed_by) == (S.REMOVED, D(2025, 11, 20), world.proposer)
    assert (fact.publicity_ends_on, fact.status) == (D(2025, 11, 20), FactStatus.ACTIVE)
    assert events("credit.list_entry_removed", entry) == [{
        "entry": entry.pk, "enterprise": world.maojian.search_key, "list_kind": "serious", "removed_on": "2025-11-20", "way": "application"}]
    with as_system():
        later = recompute_class(actor=SYSTEM, enterprise=world.maojian, on=D(2025, 12, 1))
    assert not any(item.get("override") == "serious_list" for item in (later.explanation if later else []))
    assert RiskAssessment.objects.filter(enterprise=world.maojian).count() >= 1


def test_removal_on_application_needs_an_application(world):
    entry = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    with pytest.raises(ValidationError) as refused:
        act(lists.remove, world.proposer, entry=entry, way=RemovalWay.APPLICATION, removed_on=D(2025, 11, 20))
    assert "尚未申请" in str(refused.value)
    with pytest.raises(ValidationError):
        act(lists.remove, world.proposer, entry=entry, way=RemovalWay.AUTOMATIC, removed_on=D(2026, 1, 5))


def test_each_step_checks_the_current_status(world):
    entry = proposed_entry(world)
    with pytest.raises(ValidationError) as refused:
        act(lists.publish, world.proposer, entry=entry, published_on=D(2026, 1, 5))
    assert "该名单记录当前状态为“已提出，待批准”，不能公示" in str(refused.value)
    entry = act(lists.withdraw, world.proposer, entry=entry, reason="当事人已提起行政复议")
    assert entry.status == S.WITHDRAWN
    with pytest.raises(ValidationError) as refused:
        act(lists.withdraw, world.proposer, entry=entry, reason="再次撤回")
    assert "当前状态为“已撤回”" in str(refused.value)


def test_only_the_proposing_side_withdraws(world):
    entry = proposed_entry(world)
    with pytest.raises(PermissionDenied):
        act(lists.withdraw, world.zhangwan_staff, entry=entry, reason="不是我提出的")
    entry = act(lists.withdraw, world.colleague, entry=entry, reason="同一县局撤回")
    assert entry.status == S.WITHDRAWN


def test_the_facts_must_be_the_enterprises_own_and_staff_only_their_scope(world):
    other = record(**penalty_fields(world.zhangwan, source_record_id="十张市监罚〔2024〕9号", decision_no="十张市监罚〔2024〕9号"))[0]
    with pytest.raises(ValidationError) as refused:
        proposed_entry(world, facts=[other])
    assert "不属于" in str(refused.value)
    with pytest.raises(PermissionDenied):
        act(lists.propose, world.proposer, enterprise=world.zhangwan, grounds="越权提出")
    with pytest.raises(PermissionDenied):
        act(lists.propose, world.enterprise_user, enterprise=world.maojian, grounds="企业不能提出")
    assert not ListEntry.objects.exists()


def test_an_enterprise_is_not_proposed_twice_while_an_entry_is_open(world):
    proposed_entry(world)
    with pytest.raises(ValidationError):
        proposed_entry(world)


# --- the periodic list -----------------------------------------------------------------------------


def test_the_periodic_list_holds_the_entries_in_force_and_those_added_and_removed(world):
    old = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    act(lists.apply_removal, world.proposer, entry=old, applied_on=D(2025, 11, 3), reason="已整改")
    old.refresh_from_db()
    act(lists.remove, world.proposer, entry=old, way=RemovalWay.APPLICATION, removed_on=D(2025, 11, 10))
    new = published_entry(world, decided_on=D(2025, 11, 3), published_on=D(2025, 11, 14), decision_no="十茅市监信〔2025〕8号")
    later = published_entry(world, enterprise=world.credit.old, decided_on=D(2025, 12, 1), published_on=D(2025, 12, 2),
                            decision_no="十茅市监信〔2025〕9号")
    with pytest.raises(PermissionDenied):
        act(lists.publish_periodic_list, world.proposer, list_kind=ListKind.SERIOUS, period_start=D(2025, 11, 1), period_end=D(2025, 11, 30),
            number="2025年第11期")
    publication = act(lists.publish_periodic_list, world.city_staff, list_kind=ListKind.SERIOUS, period_start=D(2025, 11, 1),
                      period_end=D(2025, 11, 30), number="2025年第11期", published_on=D(2025, 12, 3))
    assert [r["entry"] for r in publication.entries] == [new.pk]
    assert [r["entry"] for r in publication.added] == [new.pk]
    assert [(r["entry"], r["removed_on"]) for r in publication.removed] == [(old.pk, "2025-11-10")]
    assert publication.entries[0]["decision_no"] == "十茅市监信〔2025〕8号" and publication.entries[0]["uscc"] == world.maojian.uscc
    assert later.pk not in [r["entry"] for r in publication.entries + publication.added]
    # an enterprise without a USCC: its listing fact is tied to it all the same
    assert later.fact.enterprise == world.credit.old
    with pytest.raises(ValidationError) as refused:
        act(lists.publish_periodic_list, world.city_admin, list_kind=ListKind.SERIOUS, period_start=D(2025, 11, 1), period_end=D(2025, 11, 30),
            number="2025年第11期（重）")
    assert "已公布" in str(refused.value)
    assert ListPublication.objects.count() == 1
    assert DomainEvent.objects.filter(name="credit.list_published").count() == 1


def test_the_public_sees_only_published_entries_in_force(world):
    published = published_entry(world, decided_on=D(2024, 9, 20), published_on=D(2024, 10, 21))
    proposal = act(lists.propose, world.zhangwan_staff, enterprise=world.zhangwan, grounds="拒绝监督抽查")
    assert visible(ListEntry, published, AnonymousUser())
    assert not visible(ListEntry, proposal, AnonymousUser())
    act(lists.apply_removal, world.proposer, entry=published, applied_on=D(2025, 11, 3), reason="企业委托县局代为申请")
    published.refresh_from_db()
    act(lists.remove, world.proposer, entry=published, way=RemovalWay.APPLICATION, removed_on=D(2025, 11, 10))
    assert not visible(ListEntry, published, AnonymousUser())
    assert not visible(CreditFact, published.fact, AnonymousUser())


# --- permission cases ------------------------------------------------------------------------------


class ListCases(ScopedModelCases):
    def world(self):
        if not hasattr(self, "_world"):
            self._world = build_list_world()
        return self._world

    @pytest.mark.parametrize("who", WHO)
    def test_restrict(self, who, db):
        obj = self.make_object()
        assert visible(self.model, obj, self.user(who)) == (self.expected_view(who, obj) == 200), who

    def test_public(self, db):
        obj = self.make_object()
        assert visible(self.model, obj, AnonymousUser()) == self.visible_to_outsiders(obj)


class TestListEntryCases(ListCases):
    """A proposal of 茅箭's 精工 by 茅箭 county staff: not public; 张湾 staff get 404; a department's
    staff see only their department's entries; the enterprise sees its own."""

    model = ListEntry
    list_url = "credit:list-entry-list"
    detail_url = "credit:list-entry-detail"
    api_list_url = "v1:credit-list-entry-list"
    api_detail_url = "v1:credit-list-entry-detail"

    def make_object(self):
        return proposed_entry(self.world())

    def test_the_enterprise_sees_its_own_entry_only(self, db):
        entry = self.make_object()
        assert visible(ListEntry, entry, self.world().enterprise_user)
        assert not visible(ListEntry, entry, make_user(Role.ENTERPRISE, organisation=self.world().zhangwan))


class TestListPublicationCases(ListCases):
    """A periodic publication is public: every staff user reads it, and so does the public."""

    model = ListPublication
    list_url = "credit:list-publication-list"
    detail_url = "credit:list-publication-detail"
    api_list_url = "v1:credit-list-publication-list"
    api_detail_url = "v1:credit-list-publication-detail"

    def make_object(self):
        world = self.world()
        return act(lists.publish_periodic_list, world.city_admin, list_kind=ListKind.SERIOUS, period_start=D(2026, 1, 1),
                   period_end=D(2026, 1, 31), number="2026年第1期", published_on=D(2026, 2, 2))
