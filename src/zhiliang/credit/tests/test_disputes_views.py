"""The pages and API of objections and credit repair: the generic permission cases for
``FactObjection`` and ``RepairApplication`` (queue, detail, API list and detail), the enterprise's
forms with their uploads, the staff's decisions, the file downloads and the overdue flags."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zhiliang.core.choices import Role
from zhiliang.core.tests.test_views import external_urls
from zhiliang.credit.choices import FactStatus, ObjectionStatus, RepairStatus
from zhiliang.credit.models import CreditFact, FactObjection, RepairApplication
from zhiliang.credit.selectors import public_facts_of
from zhiliang.testing.fixtures import make_user

from .disputes_data import REPAIR_FROM, build_disputes, objection, repair, upload
from .test_cases import CreditCases

D = datetime.date


def on_day(monkeypatch, day: datetime.date) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def page(client, user, url, data=None):
    client.force_login(user)
    response = client.post(url, data) if data is not None else client.get(url)
    if response.status_code == 200 and not response.streaming:
        assert external_urls(response.content.decode()) == []
    return response


# --- the generic permission cases ---------------------------------------------------------------------


class DisputeCases(CreditCases):
    """A request of 茅箭's 精工 on a fine of the city bureau (sy-amr): county staff of 茅箭区 see it;
    the commerce bureau (sy-com, the excluding scope) and 张湾区 do not; a lab account has no
    permission at all."""

    def world(self):
        if not hasattr(self, "_world"):
            self._world = build_disputes()
        return self._world

    def test_the_enterprise_and_the_reviewing_department_see_it(self, db):
        obj = self.make_object()
        world = self.world()
        for user in (world.firm, world.amr, world.county):
            assert self.model.objects.restrict(user, "view").filter(pk=obj.pk).exists()
        for user in (world.other_firm, world.commerce, world.other_county, AnonymousUser()):
            assert not self.model.objects.restrict(user, "view").filter(pk=obj.pk).exists()


class TestFactObjectionCases(DisputeCases):
    model = FactObjection
    list_url = "credit:objection-queue"
    detail_url = "credit:objection-detail"
    api_list_url = "v1:credit-objection-list"
    api_detail_url = "v1:credit-objection-detail"

    def make_object(self):
        return objection(self.world().firm, self.world().fact, evidence=upload())


class TestRepairApplicationCases(DisputeCases):
    model = RepairApplication
    list_url = "credit:repair-queue"
    detail_url = "credit:repair-detail"
    api_list_url = "v1:credit-repair-list"
    api_detail_url = "v1:credit-repair-detail"

    def make_object(self):
        return repair(self.world().firm, self.world().fact)


# --- the enterprise's forms -------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    return build_disputes()


def test_the_enterprise_files_an_objection_with_its_evidence_through_the_form(world, client, monkeypatch):
    on_day(monkeypatch, D(2024, 9, 27))
    url = reverse("credit:objection-file", args=[world.fact.pk])
    shown = page(client, world.firm, url)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "十市监罚〔2024〕101号" in html and "10 个工作日" in html and "2024-10-16" in html
    response = client.post(url, {"grounds": "该处罚已被复议决定撤销", "evidence": upload("复议决定书.pdf", b"%PDF-1.4 review decision")})
    assert response.status_code == 302 and response["Location"] == reverse("credit:my-disputes")
    filed = FactObjection.objects.get(fact=world.fact)
    assert (filed.filed_on, filed.review_due, filed.filed_by) == (D(2024, 9, 27), D(2024, 10, 16), world.firm)
    assert filed.evidence_sha256 == hashlib.sha256(b"%PDF-1.4 review decision").hexdigest()
    assert CreditFact.objects.get(pk=world.fact.pk).disputed
    listed = page(client, world.firm, reverse("credit:my-disputes")).content.decode()
    assert f'data-objection="{filed.pk}"' in listed and "2024-10-16" in listed and "核查中" in listed
    again = page(client, world.firm, url).content.decode()
    assert 'id="objection-pending"' in again and 'id="objection-form"' not in again


def test_an_empty_objection_is_returned_with_the_field_named(world, client):
    response = page(client, world.firm, reverse("credit:objection-file", args=[world.fact.pk]), {"grounds": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["grounds"]
    assert not FactObjection.objects.exists()


def test_the_repair_form_names_the_first_day_and_accepts_the_application_on_it(world, client, monkeypatch):
    url = reverse("credit:repair-apply", args=[world.fact.pk])
    on_day(monkeypatch, REPAIR_FROM - datetime.timedelta(days=1))
    early = page(client, world.firm, url).content.decode()
    assert "最早可于 2025-03-20 申请信用修复" in early and 'id="repair-form"' not in early
    on_day(monkeypatch, REPAIR_FROM)
    shown = page(client, world.firm, url).content.decode()
    assert 'id="repair-form"' in shown and "行政处罚信息公示满6个月后可申请" in shown
    missing = client.post(url, {"statement": "罚款已缴清"})
    assert missing.status_code == 400 and missing.context["form"].errors["commitment"]
    response = client.post(url, {"statement": "罚款已缴清", "commitment": upload("承诺书.pdf", b"%PDF-1.4 we promise"),
                                 "proof": upload("缴款凭证.pdf", b"%PDF-1.4 receipt")})
    assert response.status_code == 302
    applied = RepairApplication.objects.get(fact=world.fact)
    assert (applied.applied_on, applied.eligible_from, applied.status) == (REPAIR_FROM, REPAIR_FROM, RepairStatus.PENDING)
    assert (applied.commitment_sha256, applied.proof_sha256) == (hashlib.sha256(b"%PDF-1.4 we promise").hexdigest(), hashlib.sha256(b"%PDF-1.4 receipt").hexdigest())
    listed = page(client, world.firm, reverse("credit:my-disputes")).content.decode()
    assert f'data-repair="{applied.pk}"' in listed and applied.decision_due.isoformat() in listed


def test_a_fact_that_can_never_be_repaired_shows_the_reason_and_no_form(world, client):
    from .facts_data import penalty_fields, record

    fact = record(**penalty_fields(world.maojian, source_record_id="V-1", licence_action="吊销营业执照"))[0]
    html = page(client, world.firm, reverse("credit:repair-apply", args=[fact.pk])).content.decode()
    assert "依法不予信用修复" in html and 'id="repair-form"' not in html


def test_another_enterprises_fact_is_not_found_and_roles_without_the_right_are_refused(world, client):
    for name in ("credit:objection-file", "credit:repair-apply"):
        url = reverse(name, args=[world.other_fact.pk])
        assert page(client, world.firm, url).status_code == 404
        assert page(client, world.firm, url, {"grounds": "x", "statement": "x"}).status_code == 404
        assert page(client, world.lab, reverse(name, args=[world.fact.pk])).status_code == 403
        client.logout()
        assert client.get(url).status_code == 302  # the login page
    assert not FactObjection.objects.exists() and not RepairApplication.objects.exists()
    assert page(client, world.lab, reverse("credit:my-disputes")).status_code == 403
    assert page(client, world.county, reverse("credit:objection-file", args=[world.fact.pk])).status_code == 200  # on its behalf


# --- staff: queues, decisions, files --------------------------------------------------------------------------


def test_the_queues_flag_overdue_requests(world, client, monkeypatch):
    filed = objection(world.firm, world.fact, filed_on=D(2024, 9, 27))
    applied = repair(world.firm, world.fact)
    on_day(monkeypatch, D(2024, 10, 16))
    html = page(client, world.county, reverse("credit:objection-queue")).content.decode()
    assert f'data-objection="{filed.pk}"' in html and "已逾期" not in html
    on_day(monkeypatch, D(2024, 10, 17))
    for user in (world.county, world.amr):
        html = page(client, user, reverse("credit:objection-queue")).content.decode()
        assert "已逾期" in html and 'id="overdue-count"' in html
    on_day(monkeypatch, applied.decision_due + datetime.timedelta(days=1))
    html = page(client, world.amr, reverse("credit:repair-queue")).content.decode()
    assert f'data-repair="{applied.pk}"' in html and "已逾期" in html
    assert list(page(client, world.commerce, reverse("credit:repair-queue")).context["page"].object_list) == []


def test_staff_decide_an_objection_on_its_page(world, client):
    filed = objection(world.firm, world.fact, filed_on=D(2024, 11, 4))
    url = reverse("credit:objection-detail", args=[filed.pk])
    shown = page(client, world.county, url).content.decode()
    assert 'id="decide-form"' in shown and "处罚已被复议决定撤销" in shown
    auditor = make_user(Role.AUDITOR, region_code="420300")
    looked = page(client, auditor, url)
    assert looked.status_code == 200 and 'id="decide-form"' not in looked.content.decode()
    assert page(client, auditor, url, {"upheld": "1", "note": "x"}).status_code == 403
    assert page(client, world.commerce, url).status_code == 404
    response = page(client, world.county, url, {"upheld": "1", "note": "复议决定已撤销该处罚"})
    assert response.status_code == 302
    assert FactObjection.objects.get(pk=filed.pk).status == ObjectionStatus.UPHELD
    fact = CreditFact.objects.get(pk=world.fact.pk)
    assert (fact.status, fact.disputed) == (FactStatus.REVOKED, False)
    seen = page(client, world.firm, url).content.decode()  # the enterprise reads the outcome
    assert "复议决定已撤销该处罚" in seen and 'id="decide-form"' not in seen
    again = page(client, world.firm, reverse("credit:objection-file", args=[world.fact.pk])).content.decode()
    assert 'id="objection-revoked"' in again and 'id="objection-form"' not in again


def test_staff_grant_a_repair_on_its_page_and_the_fact_leaves_the_public_view(world, client, monkeypatch):
    applied = repair(world.firm, world.fact, proof=upload("缴款凭证.pdf", b"%PDF-1.4 receipt"))
    on_day(monkeypatch, D(2025, 4, 1))
    url = reverse("credit:repair-detail", args=[applied.pk])
    shown = page(client, world.amr, url).content.decode()
    assert 'id="decide-form"' in shown and 'id="commitment-link"' in shown and 'id="proof-link"' in shown
    refused = page(client, world.amr, url, {"granted": "0", "note": ""})
    assert refused.status_code == 400 and "不予修复的，请说明理由" in refused.content.decode()
    assert world.fact in public_facts_of(world.maojian)
    assert page(client, world.amr, url, {"granted": "1", "note": "已履行"}).status_code == 302
    assert RepairApplication.objects.get(pk=applied.pk).status == RepairStatus.GRANTED
    assert world.fact not in public_facts_of(world.maojian)
    # the enterprise's page says why the fact is no longer public — not that its period ran out
    mine = page(client, world.firm, reverse("credit:my-credit")).content.decode()
    row = mine[mine.index(f'data-fact="{world.fact.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "信用修复后停止公示" in row and "data-expired" not in row


def test_staff_see_and_download_a_file_under_the_name_it_was_uploaded_with(world, client):
    """Storage rewrites names (blanks to _, a random suffix when the name is taken): staff read
    缴款凭证_2025-10_DcpILL0.pdf for the enterprise's 缴款凭证 2025-10.pdf."""
    objection(world.other_firm, world.other_fact, evidence=upload("缴款凭证 2025-10.pdf", b"%PDF-1.4 first"))
    filed = objection(world.firm, world.fact, evidence=upload("缴款凭证 2025-10.pdf", b"%PDF-1.4 second"))
    assert filed.evidence.name.rsplit("/", 1)[-1] != "缴款凭证 2025-10.pdf"  # what storage made of it
    html = page(client, world.amr, reverse("credit:objection-detail", args=[filed.pk])).content.decode()
    assert '>缴款凭证 2025-10.pdf</a>' in html
    response = page(client, world.amr, reverse("credit:dispute-file", args=["objection", filed.pk, "evidence"]))
    assert "filename*=utf-8''%E7%BC%B4%E6%AC%BE%E5%87%AD%E8%AF%81%202025-10.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 second"


def test_files_are_served_to_those_who_see_the_request_only(world, client):
    filed = objection(world.firm, world.fact, evidence=upload("复议决定书.pdf", b"%PDF-1.4 review decision"))
    applied = repair(world.firm, world.fact)
    evidence = reverse("credit:dispute-file", args=["objection", filed.pk, "evidence"])
    commitment = reverse("credit:dispute-file", args=["repair", applied.pk, "commitment"])
    for user in (world.firm, world.county, world.amr):
        response = page(client, user, evidence)
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 review decision"
        assert page(client, user, commitment).status_code == 200
    for user in (world.other_firm, world.other_county, world.commerce, world.lab):
        assert page(client, user, evidence).status_code == 404
        assert page(client, user, commitment).status_code == 404
    assert page(client, world.firm, reverse("credit:dispute-file", args=["repair", applied.pk, "proof"])).status_code == 404  # none given
    assert page(client, world.firm, reverse("credit:dispute-file", args=["objection", filed.pk, "grounds"])).status_code == 404


# --- API ---------------------------------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_enterprise_files_through_the_api_with_multipart_uploads(world, monkeypatch):
    on_day(monkeypatch, REPAIR_FROM)
    created = api(world.firm).post(reverse("v1:credit-objection-list"), {
        "fact": world.fact.pk, "grounds": "数据有误", "evidence": upload("证明.pdf", b"%PDF-1.4 proof of error")}, format="multipart")
    assert created.status_code == 201, created.data
    assert created.data["evidence_sha256"] == hashlib.sha256(b"%PDF-1.4 proof of error").hexdigest()
    assert created.data["evidence_url"].endswith(reverse("credit:dispute-file", args=["objection", created.data["id"], "evidence"]))
    applied = api(world.firm).post(reverse("v1:credit-repair-list"), {
        "fact": world.fact.pk, "statement": "罚款已缴清", "commitment": upload("承诺书.pdf", b"%PDF-1.4 promise")}, format="multipart")
    assert applied.status_code == 201, applied.data
    assert (applied.data["eligible_from"], applied.data["status"]) == ("2025-03-20", "pending")
    assert api(world.county).post(reverse("v1:credit-repair-list"), {"fact": world.fact.pk, "statement": "x"}).status_code == 403
    other = api(world.firm).post(reverse("v1:credit-objection-list"), {"fact": world.other_fact.pk, "grounds": "x"}, format="multipart")
    assert other.status_code == 403
    assert api(world.firm).post(reverse("v1:credit-repair-decide", args=[applied.data["id"]]), {"granted": True}).status_code == 403
    decided = api(world.amr).post(reverse("v1:credit-repair-decide", args=[applied.data["id"]]), {"granted": True, "note": "已履行"}, format="json")
    assert decided.status_code == 200 and decided.data["status"] == "granted"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("证明.exe", b"MZ\x90\x00", "只能上传 PDF、JPG 或 PNG 文件（“证明.exe”不是）"),
    ("证明.pdf", b"MZ\x90\x00 a program renamed", "“证明.pdf”的内容不是 PDF 文件（可能改过扩展名）"),
])
def test_only_pdf_jpg_or_png_files_are_taken_as_evidence_the_page_and_the_api_alike(client, world, monkeypatch, name, content, message):
    """A program sent as 证明.exe (or renamed 证明.pdf) was stored and offered to the reviewing staff
    for download. The form and the API refuse it at the field; nothing is filed."""
    on_day(monkeypatch, D(2024, 9, 27))
    url = reverse("credit:objection-file", args=[world.fact.pk])
    client.force_login(world.firm)
    response = client.post(url, {"grounds": "该处罚已被复议决定撤销", "evidence": upload(name, content)})
    assert response.status_code == 400 and message in response.content.decode()
    answer = api(world.firm).post(reverse("v1:credit-objection-list"), {"fact": world.fact.pk, "grounds": "数据有误",
                                                                         "evidence": upload(name, content)}, format="multipart")
    assert answer.status_code == 400 and message in str(answer.data)
    assert not FactObjection.objects.exists()
    png = upload("缴款凭证.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
    assert client.post(url, {"grounds": "该处罚已被复议决定撤销", "evidence": png}).status_code == 302
