"""The generic permission cases (``ScopedModelCases``) for every model of the sampling app,
one class per model, ``Test<Model>Cases``.

Besides the page and API actions (their URL names are configured where the views exist),
every class proves ``restrict()`` itself four ways: county staff of 茅箭区 see the object of
茅箭区, staff of 张湾区 do not, a department's staff see only their department's plans' work,
an account of no organisation sees nothing — and the public sees only what is published.
The classes of samples, reports and objections add the organisation checks: a lab sees only
what was sent to it, an enterprise only its own samples."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.sampling.models import (
    Bulletin,
    Draw,
    Objection,
    Quota,
    Rectification,
    Referral,
    Sample,
    SampleAttachment,
    SamplingPlan,
    SamplingTask,
)
from zhiliang.sampling.models import TestItem as Item  # aliased: pytest collects names starting with "Test"
from zhiliang.sampling.models import TestReport as Report
from zhiliang.sampling.models import TestResult as Result
from zhiliang.sampling.services import bulletins, samples
from zhiliang.testing.cases import WHO, ScopedModelCases
from zhiliang.testing.fixtures import as_system, make_user

from .samples_data import acting, build_world, failing_sample, make_plan, make_task, register, through_lab

D = datetime.date
DRAFT_PLAN = "SY-MJ-2024-DRAFT"


def visible(model, obj, user) -> bool:
    return model.objects.restrict(user, "view").filter(pk=obj.pk).exists()


class SamplingCases(ScopedModelCases):
    """The world is built once per test; ``restrict()`` is checked for the four users and
    for the public."""

    def world(self):
        if not hasattr(self, "_world"):
            self._world = build_world()
        return self._world

    @pytest.mark.parametrize("who", WHO)
    def test_restrict(self, who, db):
        obj = self.make_object()
        assert visible(self.model, obj, self.user(who)) == (self.expected_view(who, obj) == 200), who

    def test_public(self, db):
        obj = self.make_object()
        assert visible(self.model, obj, AnonymousUser()) == self.visible_to_outsiders(obj)


# --- plans ---------------------------------------------------------------------------------------------


class TestSamplingPlanCases(SamplingCases):
    """A draft plan is its organiser's; once published it is public."""

    model = SamplingPlan
    list_url = "sampling:plan-list"
    detail_url = "sampling:plan-detail"
    api_list_url = "v1:sampling-plan-list"
    api_detail_url = "v1:sampling-plan-detail"

    def make_object(self):
        return make_plan(code=DRAFT_PLAN, approve=False)[0]

    def test_a_published_plan_is_public(self, db):
        draft = self.make_object()
        assert not visible(SamplingPlan, draft, AnonymousUser())
        published, _ = make_plan(code="SY-MJ-2024-PUB")
        assert visible(SamplingPlan, published, AnonymousUser())
        assert visible(SamplingPlan, published, make_user(Role.COUNTY_STAFF, region_code="420303"))


class TestTestItemCases(SamplingCases):
    model = Item

    def make_object(self):
        return make_plan(code=DRAFT_PLAN, approve=False)[1]["hardness"]


class TestQuotaCases(SamplingCases):
    model = Quota

    def make_object(self):
        return make_plan(code=DRAFT_PLAN, approve=False)[0].quotas.first()


class TestDrawCases(SamplingCases):
    model = Draw
    detail_url = "sampling:draw-detail"
    api_list_url = "v1:sampling-draw-list"
    api_detail_url = "v1:sampling-draw-detail"

    def make_object(self):
        from zhiliang.sampling.services import draws

        with as_system():
            return draws.freeze_enterprise_pool(actor=SYSTEM, plan=self.world().plan, on=D(2024, 3, 10))


# --- tasks and samples ----------------------------------------------------------------------------------


class TestSamplingTaskCases(SamplingCases):
    model = SamplingTask
    list_url = "sampling:task-list"
    detail_url = "sampling:task-detail"
    api_list_url = "v1:sampling-task-list"
    api_detail_url = "v1:sampling-task-detail"

    def make_object(self):
        return make_task(self.world())

    def test_the_enterprise_does_not_see_its_task(self, db):
        """Sampling is unannounced: the drawn enterprise does not see the task."""
        task = self.make_object()
        assert not visible(SamplingTask, task, self.world().user("maojian"))


class TestSampleCases(SamplingCases):
    model = Sample
    list_url = "sampling:sample-list"
    detail_url = "sampling:sample-detail"
    api_list_url = "v1:sampling-sample-list"
    api_detail_url = "v1:sampling-sample-detail"

    def make_object(self):
        return register(self.world())

    def test_a_lab_sees_only_the_samples_sent_to_it(self, db):
        world = self.world()
        sample = self.make_object()
        assert not visible(Sample, sample, world.user("lab"))  # registered, not sent
        with as_system():
            samples.send_sample(actor=SYSTEM, sample=sample, lab=world.lab, on=D(2024, 4, 11))
        assert visible(Sample, sample, world.user("lab"))
        assert not visible(Sample, sample, world.user("other_lab"))

    def test_an_enterprise_sees_its_own_samples_as_producer_or_seller(self, db):
        world = self.world()
        own = self.make_object()
        market, _ = make_plan(code="SY-MJ-2024-M", place="market")
        sold = register(world, plan=market, product=None, category=own.category, product_name="刹车盘", trademark="瑞安",
                        model="RA-300", producer=world.outside, sampled_unit=world.maojian)
        company, stranger = world.user("maojian"), world.user("zhangwan")
        assert visible(Sample, own, company) and visible(Sample, sold, company)
        assert not visible(Sample, own, stranger) and not visible(Sample, sold, stranger)
        outside = make_user(Role.ENTERPRISE, organisation=world.outside)
        assert visible(Sample, sold, outside) and not visible(Sample, own, outside)

    def test_the_public_sees_only_published_results(self, db):
        world = self.world()
        sample = self.make_object()
        through_lab(world, sample)
        with as_system():
            samples.notify_result(actor=SYSTEM, sample=sample, on=D(2024, 4, 26), method="account")
            bulletin = bulletins.create_bulletin(actor=SYSTEM, plan=world.plan, number="SY-MJ-2024-GG-1", title="抽查结果公告",
                                                 samples=[sample])
        assert not visible(Sample, sample, AnonymousUser())
        with as_system():
            bulletins.publish_bulletin(actor=SYSTEM, bulletin=bulletin, on=D(2024, 5, 6))
        assert visible(Sample, sample, AnonymousUser())


class TestSampleAttachmentCases(SamplingCases):
    model = SampleAttachment
    detail_url = "sampling:attachment-download"

    def make_object(self):
        sample = register(self.world())
        with as_system():
            return samples.add_attachment(actor=SYSTEM, sample=sample, kind="form", name="抽样单.pdf", content=b"%PDF-1.4 form")

    def test_the_lab_and_the_enterprise_see_the_attachments_of_their_sample(self, db):
        world = self.world()
        attachment = self.make_object()
        assert visible(SampleAttachment, attachment, world.user("maojian"))
        assert not visible(SampleAttachment, attachment, world.user("zhangwan"))
        assert not visible(SampleAttachment, attachment, world.user("lab"))
        with as_system():
            samples.send_sample(actor=SYSTEM, sample=attachment.sample, lab=world.lab, on=D(2024, 4, 11))
        assert visible(SampleAttachment, attachment, world.user("lab"))


# --- reports -------------------------------------------------------------------------------------------


class ReportCases(SamplingCases):
    def report(self):
        world = self.world()
        sample = register(world)
        return through_lab(world, sample)

    def test_the_lab_and_the_enterprise_see_their_reports_only(self, db):
        world = self.world()
        obj = self.make_object()
        assert visible(self.model, obj, world.user("lab")) and visible(self.model, obj, world.user("maojian"))
        assert not visible(self.model, obj, world.user("other_lab")) and not visible(self.model, obj, world.user("zhangwan"))


class TestTestReportCases(ReportCases):
    model = Report
    api_list_url = "v1:sampling-report-list"
    api_detail_url = "v1:sampling-report-detail"

    def make_object(self):
        return self.report()


class TestTestResultCases(ReportCases):
    model = Result

    def make_object(self):
        return self.report().results.first()


# --- objections, rectification, referral, bulletins ----------------------------------------------------------


class TestObjectionCases(SamplingCases):
    model = Objection
    api_list_url = "v1:sampling-objection-list"
    api_detail_url = "v1:sampling-objection-detail"

    def make_object(self):
        world = self.world()
        sample = failing_sample(world)
        company = world.user("maojian")
        with acting(company):
            return samples.file_objection(actor=company, sample=sample, on=D(2024, 4, 30), reason="硬度检测位置不当")

    def test_the_enterprise_sees_its_objection_and_labs_do_not(self, db):
        world = self.world()
        objection = self.make_object()
        assert visible(Objection, objection, world.user("maojian"))
        assert not visible(Objection, objection, world.user("zhangwan")) and not visible(Objection, objection, world.user("lab"))


class TestRectificationCases(SamplingCases):
    model = Rectification
    list_url = "sampling:rectification-list"
    api_list_url = "v1:sampling-rectification-list"
    api_detail_url = "v1:sampling-rectification-detail"

    def make_object(self):
        sample = failing_sample(self.world())
        with as_system():
            return samples.order_rectification(actor=SYSTEM, sample=sample, on=D(2024, 5, 14))

    def test_the_enterprise_sees_its_rectification(self, db):
        world = self.world()
        rect = self.make_object()
        assert visible(Rectification, rect, world.user("maojian")) and not visible(Rectification, rect, world.user("zhangwan"))


class TestReferralCases(SamplingCases):
    model = Referral
    list_url = "sampling:referral-list"
    api_list_url = "v1:sampling-referral-list"
    api_detail_url = "v1:sampling-referral-detail"

    def make_object(self):
        world = self.world()
        market, _ = make_plan(code="SY-MJ-2024-M", place="market")
        sample = failing_sample(world, plan=market, product=None, category=world.plan.categories.get(code="auto-parts"), product_name="刹车盘",
                                trademark="瑞安", model="RA-300", producer=world.outside, sampled_unit=world.maojian)
        with as_system():
            return samples.refer_to_home_authority(actor=SYSTEM, sample=sample, authority="瑞安市市场监督管理局", on=D(2024, 5, 14))


class TestBulletinCases(SamplingCases):
    model = Bulletin
    list_url = "sampling:bulletin-list"
    detail_url = "sampling:bulletin-detail"
    api_list_url = "v1:sampling-bulletin-list"
    api_detail_url = "v1:sampling-bulletin-detail"

    def make_object(self):
        world = self.world()
        sample = register(world)
        through_lab(world, sample)
        with as_system():
            samples.notify_result(actor=SYSTEM, sample=sample, on=D(2024, 4, 26), method="account")
            return bulletins.create_bulletin(actor=SYSTEM, plan=world.plan, number="SY-MJ-2024-GG-1", title="抽查结果公告", samples=[sample])

    def test_a_published_bulletin_is_public(self, db):
        bulletin = self.make_object()
        with as_system():
            bulletins.publish_bulletin(actor=SYSTEM, bulletin=bulletin, on=D(2024, 5, 6))
        assert visible(Bulletin, bulletin, AnonymousUser())
