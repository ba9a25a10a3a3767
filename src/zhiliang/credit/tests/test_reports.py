"""The printable credit report (``services.reports.issue_report``, ``pdf.render_report``) and
its verification by code (``selectors.verify_report``, ``/xinyong/verify/``)."""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from zhiliang.core.audit import SYSTEM
from zhiliang.core.choices import Role
from zhiliang.core.models import DomainEvent
from zhiliang.credit import pdf
from zhiliang.credit.models import CreditReport
from zhiliang.credit.selectors import digest_of, normalise_code, verify_report
from zhiliang.credit.services.reports import issue_report
from zhiliang.enterprises.tests.views_data import ID_NUMBER
from zhiliang.sampling.tests.samples_data import acting
from zhiliang.testing.fixtures import as_system

from .facts_data import penalty_fields, record
from .query_data import FACT_ID_NUMBER, PERSON_ID_NUMBER, build_query_world
from .test_cases import CreditCases

pytestmark = pytest.mark.django_db
CODE = re.compile(r"^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}$")
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


@pytest.fixture
def world():
    return build_query_world()


def issue(world, audience="public", actor=SYSTEM, enterprise=None):
    with acting(actor):
        return issue_report(actor=actor, enterprise=enterprise or world.maojian, audience=audience)


def test_a_public_report_is_a_pdf_with_a_code_and_the_digest_of_its_snapshot(world):
    report, data = issue(world)
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert CODE.match(report.code)
    report.refresh_from_db()  # as stored (JSON round trip)
    canonical = json.dumps(report.snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert report.digest == hashlib.sha256(canonical).hexdigest()
    snap = report.snapshot
    assert snap["audience"] == "public" and snap["enterprise"]["uscc"] == world.maojian.uscc
    numbers = {r["decision_no"] for k in snap["kinds"] for r in k["rows"]}
    assert numbers == {"十市监罚〔2026〕7号", "十市监罚〔2024〕101号", "JY14203020012345"}
    assert snap["assessment"] is None
    text = json.dumps(snap, ensure_ascii=False)
    for personal in (FACT_ID_NUMBER, PERSON_ID_NUMBER, ID_NUMBER, "legal_rep_id_number", "person_id_number"):
        assert personal not in text, personal
    event = DomainEvent.objects.get(name="credit.report_issued")
    assert event.payload["code"] == report.code and event.payload["digest"] == report.digest


@pytest.mark.skipif(not os.path.isfile(WQY), reason="WenQuanYi Micro Hei is not installed")
def test_the_pdf_embeds_the_cjk_font(world):
    _report, data = issue(world)
    assert b"WenQuanYiMicroHei" in data and b"/FontFile2" in data


def test_without_any_cjk_font_the_pdf_uses_the_built_in_cid_font(world, settings, monkeypatch):
    settings.ZHILIANG_PDF_FONT = "/nonexistent/font.ttf"
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    _report, data = issue(world)
    assert data.startswith(b"%PDF") and b"STSong-Light" in data


def test_a_very_long_fact_still_prints_and_the_snapshot_keeps_it_whole(world):
    long_text = "责令改正并处罚款，" * 700
    record(**penalty_fields(world.zhangwan, source_record_id="十市监罚〔2025〕99号", decision_no="十市监罚〔2025〕99号", content=long_text))
    report, data = issue(world, enterprise=world.zhangwan)
    assert data.startswith(b"%PDF")
    assert long_text in {r["content"] for k in report.snapshot["kinds"] for r in k["rows"]}


def test_a_staff_report_holds_what_staff_see_and_needs_the_enterprise_in_scope(world, client):
    client.force_login(world.county)
    response = client.post(reverse("credit:staff-report", args=[world.maojian.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    report = CreditReport.objects.get(audience="staff")
    assert report.issued_by == world.county
    numbers = {r["decision_no"] for k in report.snapshot["kinds"] for r in k["rows"]}
    assert {"十市监简罚〔2025〕3号", "十市监罚〔2020〕1号"} <= numbers
    assert FACT_ID_NUMBER not in json.dumps(report.snapshot, ensure_ascii=False)  # masked
    assert client.get(reverse("credit:staff-report", args=[world.maojian.pk])).status_code == 405
    assert client.post(reverse("credit:staff-report", args=[world.zhangwan.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        issue(world, "staff", actor=world.other_county)
    with pytest.raises(PermissionDenied):
        issue(world, "enterprise", actor=world.other_firm)


def test_the_enterprise_prints_its_own_report(world, client):
    client.force_login(world.firm)
    response = client.post(reverse("credit:my-report"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    report = CreditReport.objects.get()
    assert (report.audience, report.enterprise) == ("enterprise", world.maojian)


def test_anyone_gets_a_public_report_from_the_public_page(world, client):
    response = client.get(reverse("credit:public-report", args=[world.maojian.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    report = CreditReport.objects.get()
    assert report.audience == "public" and report.issued_by is None


def test_verify_shows_a_valid_report_and_says_a_wrong_code_is_not_found(world, client):
    report, _ = issue(world)
    url = reverse("credit:verify")
    html = client.get(url, {"code": report.code}).content.decode()
    assert 'data-verify="valid"' in html and world.maojian.name in html and report.digest in html and "公众版" in html
    typed = report.code.replace("-", "").lower()
    assert normalise_code(typed) == report.code
    assert 'data-verify="valid"' in client.get(url, {"code": typed}).content.decode()
    wrong = "ABCD-EFGH-JKMN-PQRS" if report.code != "ABCD-EFGH-JKMN-PQRS" else "ABCD-EFGH-JKMN-PQRT"
    html = client.get(url, {"code": wrong}).content.decode()
    assert 'data-verify="not-found"' in html and world.maojian.name not in html
    assert 'data-verify="not-found"' in client.get(url, {"code": "0000"}).content.decode()


def test_a_tampered_snapshot_does_not_match_its_digest(world, client):
    report, _ = issue(world)
    snapshot = dict(report.snapshot)
    snapshot["total_facts"] = 0
    with as_system("篡改测试"):
        CreditReport.objects.filter(pk=report.pk).update(snapshot=snapshot)
    result = verify_report(report.code)
    assert result["found"] and not result["matches"]
    assert digest_of(snapshot) != report.digest
    html = client.get(reverse("credit:verify"), {"code": report.code}).content.decode()
    assert 'data-verify="mismatch"' in html and "内容与摘要不符" in html


class TestCreditReportCases(CreditCases):
    """A public report of 茅箭's 精工: its county's staff and the enterprise itself see the row
    (the verification page reads it by code); another enterprise does not."""

    model = CreditReport
    constrained = {"role": Role.ENTERPRISE}

    def organisation_for(self, who: str):
        return self.world().zhangwan if who == "constrained" else None

    def make_object(self):
        with acting(SYSTEM):
            return issue_report(actor=SYSTEM, enterprise=self.world().maojian, audience="public")[0]


def test_the_report_dates_the_class_in_the_citys_time_as_the_page_does():
    """Computed at 21:23 UTC on 28 November is 05:23 on the 29th in Shiyan: the snapshot keeps UTC
    text, the PDF prints the local day (it printed the 28th)."""
    assert pdf._local_time("2026-11-28T21:23:45.123456+00:00") == "2026-11-29 05:23"
    assert pdf._local_time("2026-11-29T03:00:00+08:00") == "2026-11-29 03:00"
    assert pdf._local_time(None) == "—"


def test_a_partnerships_report_names_its_managing_partner_in_chinese(world):
    """The report's basic facts name the 执行事务合伙人 of a 合伙企业, in Chinese whatever the
    viewer's language; a company's (and an old snapshot's, without the type) is the 法定代表人."""
    from django.utils import translation

    with as_system():
        type(world.maojian).objects.filter(pk=world.maojian.pk).update(entity_type="partnership")
    world.maojian.refresh_from_db()
    report, _data = issue(world)
    assert report.snapshot["enterprise"]["entity_type"] == "partnership"
    assert report.snapshot["enterprise"]["legal_rep_title"] == "执行事务合伙人"
    with translation.override("en"):
        assert pdf._legal_rep_title("partnership") == "执行事务合伙人"
    assert pdf._legal_rep_title("limited") == pdf._legal_rep_title(None) == "法定代表人"
