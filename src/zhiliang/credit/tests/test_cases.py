"""The generic permission cases (``ScopedModelCases``) for every model of the credit app, one
class per model.  Each class proves ``restrict()`` itself four ways (county staff of 茅箭区 see
the object of 茅箭区, staff of 张湾区 do not, a scope excluding it does not, an account without
the permission sees nothing) and what the public sees; where the views exist their page and API
URL names are configured, so the pages and endpoints run the same four ways."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from zhiliang.core.choices import Role
from zhiliang.credit.models import CreditFact, RiskAssessment
from zhiliang.testing.cases import WHO, ScopedModelCases
from zhiliang.testing.fixtures import as_system, make_user

from .facts_data import build_credit_registry, penalty_fields, record

D = datetime.date


def visible(model, obj, user) -> bool:
    return model.objects.restrict(user, "view").filter(pk=obj.pk).exists()


class CreditCases(ScopedModelCases):
    def world(self):
        if not hasattr(self, "_world"):
            self._world = build_credit_registry()
        return self._world

    @pytest.mark.parametrize("who", WHO)
    def test_restrict(self, who, db):
        obj = self.make_object()
        assert visible(self.model, obj, self.user(who)) == (self.expected_view(who, obj) == 200), who

    def test_public(self, db):
        obj = self.make_object()
        assert visible(self.model, obj, AnonymousUser()) == self.visible_to_outsiders(obj)


class TestCreditFactCases(CreditCases):
    """A non-public fact (a simple-procedure penalty) of 茅箭's 精工 from the city bureau: county
    staff of 茅箭区 see it; another department's staff read it (one database shared by all
    departments) but cannot change it, and without its identity numbers."""

    model = CreditFact
    list_url = "credit:fact-list"
    list_query = {"all": "1"}  # by default the list holds the user's own records (their department's, their county's)
    detail_url = "credit:fact-detail"
    api_list_url = "v1:credit-fact-list"
    api_detail_url = "v1:credit-fact-detail"

    def make_object(self):
        return record(**penalty_fields(self.world().maojian, procedure="simple"))[0]

    def test_a_department_sees_its_own_facts_and_the_enterprise_its_own(self, db):
        fact = self.make_object()
        assert not fact.is_publishable
        assert visible(CreditFact, fact, make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-amr"))
        assert visible(CreditFact, fact, make_user(Role.ENTERPRISE, organisation=self.world().maojian))
        assert not visible(CreditFact, fact, make_user(Role.ENTERPRISE, organisation=self.world().zhangwan))

    def test_the_public_sees_a_published_fact_until_its_publicity_ends(self, db):
        today = timezone.localdate()
        fact = record(**penalty_fields(self.world().maojian, decided_on=today - datetime.timedelta(days=30)))[0]
        assert fact.publicity_ends_on > today
        for user in (AnonymousUser(), make_user(Role.COUNTY_STAFF, region_code="420303")):
            assert visible(CreditFact, fact, user)
        expired = record(**penalty_fields(self.world().maojian, source_record_id="X-OLD", decided_on=D(2020, 1, 6)))[0]
        assert expired.publicity_ends_on <= today
        assert not visible(CreditFact, expired, AnonymousUser())
        assert visible(CreditFact, expired, make_user(Role.COUNTY_STAFF, region_code="420302"))

    def test_an_unmatched_fact_is_city_wide(self, db):
        self.world()
        fact = record(**penalty_fields(None, procedure="simple"))[0]
        assert fact.region is None
        assert visible(CreditFact, fact, make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-amr"))
        assert not visible(CreditFact, fact, make_user(Role.COUNTY_STAFF, region_code="420302"))


class TestRiskAssessmentCases(CreditCases):
    """A class of 茅箭's 精工: its county's staff and the enterprise itself see it; department
    staff see every county's classes, so the excluding scope here is another enterprise."""

    model = RiskAssessment
    constrained = {"role": Role.ENTERPRISE}
    detail_url = "credit:assessment-detail"
    api_list_url = "v1:credit-assessment-list"
    api_detail_url = "v1:credit-assessment-detail"

    def organisation_for(self, who: str):
        return self.world().zhangwan if who == "constrained" else None

    def make_object(self):
        enterprise = self.world().maojian
        with as_system():
            return RiskAssessment.objects.create(enterprise=enterprise, region=enterprise.region, risk_class="B", score=Decimal("42.5"),
                                                 rule_set="test", explanation=[])

    def test_the_enterprise_sees_its_own_class(self, db):
        assessment = self.make_object()
        assert visible(RiskAssessment, assessment, make_user(Role.ENTERPRISE, organisation=self.world().maojian))
        assert visible(RiskAssessment, assessment, make_user(Role.DEPARTMENT_STAFF, region_code="420300", department_code="sy-com"))
