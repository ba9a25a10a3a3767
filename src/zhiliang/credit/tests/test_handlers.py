"""Facts from the sampling app's events, end to end through the sampling services: a final
failing result becomes a sampling-failure fact (public with its bulletin), an imported failure
too, a corrected (passing) result revokes it, a refusal becomes a refusal fact; re-delivery
and re-receipt change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from zhiliang.core import events
from zhiliang.core.audit import SYSTEM
from zhiliang.core.models import DomainEvent
from zhiliang.core.permissions import restrict
from zhiliang.credit import handlers
from zhiliang.credit.choices import FactKind, FactStatus, MatchStatus, Severity
from zhiliang.credit.models import CreditFact
from zhiliang.sampling.models import SamplingPlan
from zhiliang.sampling.services import bulletins, samples
from zhiliang.sampling.tests.samples_data import build_world, failing_sample, make_task, register, through_lab
from zhiliang.testing.fixtures import as_system, region

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """Run what is committed, as the task worker would (the immediate backend in tests)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            with as_system():
                return fn(*args, actor=SYSTEM, **kwargs)

    return run


def failures():
    return CreditFact.objects.filter(kind=FactKind.SAMPLING_FAILURE)


def test_a_final_failing_result_becomes_a_fact_public_with_its_bulletin(world, delivered, monkeypatch):
    sample = failing_sample(world)
    assert not failures().exists()  # notified, not final yet: the producer may still object
    delivered(samples.finalise_result, sample=sample, on=D(2024, 6, 3))
    fact = failures().get()
    assert (fact.source_key, fact.source_record_id, fact.severity) == ("mj-amr", sample.sample_no, Severity.GENERAL)
    assert (fact.enterprise, fact.match_status, fact.region) == (world.maojian, MatchStatus.USCC, world.maojian.region)
    assert fact.decided_on == D(2024, 4, 25) and "硬度" in fact.content
    assert fact.published_on is None  # the result is not public before its bulletin

    bulletin = delivered(bulletins.create_bulletin, plan=world.plan, number="SY-MJ-2024-GG-1", title="抽查结果公告", samples=[sample])
    delivered(bulletins.publish_bulletin, bulletin=bulletin, on=D(2024, 6, 12))
    fact.refresh_from_db()
    assert (fact.published_on, fact.publicity_ends_on) == (D(2024, 6, 12), D(2025, 6, 12))
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2025, 6, 11))
    assert restrict(CreditFact.objects.all(), AnonymousUser()).filter(pk=fact.pk).exists()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2025, 6, 12))
    assert not restrict(CreditFact.objects.all(), AnonymousUser()).filter(pk=fact.pk).exists()


def test_redelivery_and_a_repeated_event_change_nothing(world, delivered):
    sample = failing_sample(world)
    delivered(samples.finalise_result, sample=sample, on=D(2024, 6, 3))
    fact = failures().get()
    event = DomainEvent.objects.filter(name="sampling.sample_judged", payload__final=True).latest("pk")
    assert events.deliver(str(event.pk)) == 0
    recorded = DomainEvent.objects.filter(name="credit.fact_recorded").count()
    handlers.sample_judged(event)  # the same thing received again (e.g. another event about it)
    assert failures().count() == 1
    again = failures().get()
    assert again.updated_at == fact.updated_at and again.last_seen_at >= fact.last_seen_at
    assert DomainEvent.objects.filter(name="credit.fact_recorded").count() == recorded + 1
    assert DomainEvent.objects.filter(name="credit.fact_recorded", payload__outcome="unchanged").count() == 1


def test_a_pass_and_a_first_failure_not_yet_final_make_no_fact(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        through_lab(world, register(world))  # a pass: final, but nothing against the producer
        failing_sample(world, product=None, category=world.registry.product.category, product_name="刹车盘", trademark="精工",
                       model="JG-9", producer=world.maojian)  # notified, objection window open
    assert DomainEvent.objects.filter(name="sampling.sample_judged", payload__final=True, payload__conclusion="pass").exists()
    assert not CreditFact.objects.exists()


def imported(world, delivered, conclusion="fail", producer="maojian", **extra):
    data = {
        "sample_no": "HB2024-0007", "level": "provincial", "region": region("420302"), "product_name": "制动鼓", "trademark": "精工",
        "model": "JG-3502", "producer": getattr(world, producer) if producer else None, "producer_name": world.maojian.name,
        "producer_region": world.maojian.region, "sampled_on": D(2024, 5, 8), "conclusion": conclusion,
        "failing_items": ["硬度"] if conclusion == "fail" else [], **extra,
    }
    existing = SamplingPlan.objects.filter(code="IMP-HB-2024").first()
    if existing is None:
        existing = delivered(bulletins.create_imported_plan, code="IMP-HB-2024", level="provincial", year=2024,
                             organiser_name="湖北省市场监督管理局", region=region("420000"))
    return delivered(bulletins.record_imported_result, plan=existing, data=data, source_row={})[0]


def test_an_imported_failure_is_a_public_fact_and_a_corrected_pass_revokes_it(world, delivered):
    sample = imported(world, delivered)
    fact = failures().get()
    assert (fact.source_key, fact.source_name, fact.source_record_id) == ("湖北省市场监督管理局", "湖北省市场监督管理局", sample.sample_no)
    assert (fact.enterprise, fact.published_on, fact.decided_on) == (world.maojian, D(2024, 5, 8), D(2024, 5, 8))
    imported(world, delivered, conclusion="pass")
    fact.refresh_from_db()
    assert fact.status == FactStatus.REVOKED
    assert DomainEvent.objects.filter(name="credit.fact_revoked", enterprise_key=world.maojian.uscc).exists()


def test_an_unmatched_imported_failure_waits_for_review_and_follows_the_staffs_match(world, delivered):
    sample = imported(world, delivered, producer=None)
    fact = failures().get()
    assert (fact.match_status, fact.candidate, fact.enterprise) == (MatchStatus.CANDIDATE, world.maojian, None)
    delivered(bulletins.match_imported_sample, sample=sample, enterprise=world.maojian)
    fact.refresh_from_db()
    assert (fact.match_status, fact.enterprise) == (MatchStatus.USCC, world.maojian)
    delivered(bulletins.match_imported_sample, sample=sample, enterprise=None)
    fact.refresh_from_db()
    assert (fact.match_status, fact.enterprise, fact.region) == (MatchStatus.UNMATCHED, None, None)


def test_a_refusal_becomes_a_refusal_fact(world, delivered):
    task = make_task(world)
    delivered(samples.refuse_sampling, task=task, on=D(2024, 4, 9), note="企业负责人拒绝抽样，拒绝在抽样单上签字")
    fact = CreditFact.objects.get(kind=FactKind.SAMPLING_REFUSAL)
    assert (fact.enterprise, fact.source_key, fact.decided_on, fact.published_on) == (world.maojian, "mj-amr", D(2024, 4, 9), D(2024, 4, 9))
    assert "拒绝抽样" in fact.content
    assert DomainEvent.objects.filter(name="credit.fact_recorded", enterprise_key=world.maojian.uscc).exists()


def test_an_enterprise_without_a_uscc_is_matched_by_its_legacy_codes(world, delivered):
    from zhiliang.enterprises import services as registry_services

    from .facts_data import OLD_REGNO

    with as_system():
        old = registry_services.create_enterprise(actor=SYSTEM, uscc=None, name="十堰市茅箭区老字号五金厂", region=region("420302"))
        registry_services.add_identifier(actor=SYSTEM, enterprise=old, scheme="regno", value=OLD_REGNO)
    delivered(samples.refuse_sampling, task=make_task(world, enterprise=old), on=D(2024, 4, 9), note="拒绝抽样")
    fact = CreditFact.objects.get(kind=FactKind.SAMPLING_REFUSAL)
    assert (fact.enterprise, fact.match_status, fact.party_codes) == (old, MatchStatus.IDENTIFIER, {"regno": OLD_REGNO})
