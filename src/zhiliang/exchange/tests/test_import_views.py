"""The import pages: upload → job (django-tasks, immediate in tests) → report;
progress fragment; permissions and scoping of import jobs."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhiliang.core.audit import audit_context
from zhiliang.core.models import ChangeSet
from zhiliang.enterprises.models import Enterprise
from zhiliang.exchange import services
from zhiliang.exchange.choices import JobStatus
from zhiliang.exchange.models import ImportJob
from zhiliang.testing.cases import ScopedModelCases
from zhiliang.testing.fixtures import make_user

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes())


def submit(user, name="enterprises.csv", **options):
    with audit_context(actor=user, reason="测试上传", source="test"):
        return services.submit_import(actor=user, kind="enterprises", upload=upload(name), **options)


class TestImportJobPermissions(ScopedModelCases):
    model = ImportJob
    detail_url = "exchange:import-detail"

    def make_object(self):
        return submit(make_user("county_staff", region_code="420302"))


def test_upload_runs_the_job_and_shows_the_report(client, city_admin, django_capture_on_commit_callbacks):
    client.force_login(city_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:imports"), {"kind": "enterprises", "file": upload("enterprises.csv"), "reason": "三月名录"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exchange:import-detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.report["counts"]["created"] == 5 and job.processed == job.total == 5
    assert job.region.code == "420300" and job.file_sha256 == job.report["sha256"]
    assert Enterprise.objects.count() == 5
    cs = ChangeSet.objects.get()
    assert job.change_set == cs and cs.reason == "三月名录" and cs.actor_id == city_admin.pk
    page = client.get(response["Location"]).content.decode()
    assert "已导入" in page and reverse("core:changeset-detail", args=[cs.pk]) in page
    assert f"<dd>CSV（编码 {job.report['encoding']}）</dd>" in page  # the encoding the file was read in, as the command says it
    assert "hx-trigger" not in page  # finished: no more polling


def test_a_file_with_mistakes_shows_every_row_and_writes_nothing(client, department_user, django_capture_on_commit_callbacks):
    client.force_login(department_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:imports"), {"kind": "enterprises", "file": upload("enterprises-with-mistakes.csv")})
    page = client.get(response["Location"]).content.decode()
    assert "文件有错误，未写入任何数据" in page
    assert "第 3 行" in page and "校验码应为 F" in page and "2023年2月没有30日" in page
    assert not Enterprise.objects.exists()
    job = ImportJob.objects.get()
    assert job.department.code == "sy-amr" and job.report["counts"]["errors"] == 8


def test_good_rows_checkbox(client, city_admin, django_capture_on_commit_callbacks):
    client.force_login(city_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exchange:imports"), {"kind": "enterprises", "file": upload("enterprises-with-mistakes.csv"), "good_rows": "on"})
    assert ImportJob.objects.get().report["outcome"] == "partial"
    assert list(Enterprise.objects.values_list("name", flat=True)) == ["十堰华鑫汽车零部件有限公司"]


def test_a_queued_job_polls_its_progress(client, county_user):
    job = submit(county_user)  # never committed in this test: still queued
    client.force_login(county_user)
    page = client.get(reverse("exchange:import-detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and reverse("exchange:import-status", args=[job.pk]) in page
    fragment = client.get(reverse("exchange:import-status", args=[job.pk])).content.decode()
    assert "已处理 0 / 0 行" in fragment
    from django.core.cache import cache

    from zhiliang.exchange.jobs import execute, progress_key

    cache.set(progress_key(job.pk), {"phase": "写入", "processed": 40, "total": 100})
    assert "已处理 40 / 100 行" in client.get(reverse("exchange:import-status", args=[job.pk])).content.decode()
    with audit_context(actor=county_user, reason="测试", source="test"):
        execute(job.pk)
    fragment = client.get(reverse("exchange:import-status", args=[job.pk])).content.decode()
    assert "hx-trigger" not in fragment and "导入报告" in fragment


def test_another_countys_job_is_404_and_not_listed(client, county_user, other_county_user):
    job = submit(county_user)
    client.force_login(other_county_user)
    assert client.get(reverse("exchange:import-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("exchange:import-status", args=[job.pk])).status_code == 404
    detail = reverse("exchange:import-detail", args=[job.pk])
    assert detail not in client.get(reverse("exchange:imports")).content.decode()
    client.force_login(county_user)
    assert detail in client.get(reverse("exchange:imports")).content.decode()


def test_the_page_needs_the_import_permission(client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("exchange:imports")).status_code == 403
    client.logout()
    assert client.get(reverse("exchange:imports")).status_code == 302


def test_wrong_file_types_are_refused_by_the_form(client, county_user):
    client.force_login(county_user)
    response = client.post(reverse("exchange:imports"), {"kind": "enterprises", "file": SimpleUploadedFile("名录.xls", b"\xd0\xcf\x11\xe0")})
    assert response.status_code == 400 and "另存为 .xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_header_template_downloads(client, county_user):
    client.force_login(county_user)
    response = client.get(reverse("exchange:import-template", args=["enterprises"]))
    assert response.content.decode("utf-8").startswith("\ufeff统一社会信用代码,企业名称,所在区划")


def test_an_options_choices_are_a_list_on_the_page_and_values_with_labels_in_the_commands_help(client, county_user, capsys):
    """The clerk picks 国家级 from a list (its help no longer spells “national 国家级、…”);
    the command's help lists the values to type, each with its label."""
    from django.core.management import call_command

    client.force_login(county_user)
    html = client.get(reverse("exchange:imports")).content.decode()
    assert '<option value="national">国家级</option>' in html and "national 国家级" not in html
    with pytest.raises(SystemExit):
        call_command("import", "--help")
    assert "national 国家级、provincial 省级、city 市级、county 县级" in " ".join(capsys.readouterr().out.split())
