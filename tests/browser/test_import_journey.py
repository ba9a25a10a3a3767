"""A department clerk uploads the enterprise file their colleagues sent — with
its mistakes — and reads the row-by-row report; nothing was written."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhiliang.exchange import importing

from .conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLES = Path(importing.__file__).parent / "samples"


def test_department_uploads_a_file_with_mistakes_and_reads_the_report(page, live_server, department_user):
    from zhiliang.enterprises.models import Enterprise

    log_in(page, live_server, department_user.username)
    page.click("nav.sidenav >> text=数据导入")
    page.wait_for_url("**/staff/imports/")
    page.select_option("#id_kind", "enterprises")
    page.set_input_files("#id_file", str(SAMPLES / "enterprises-with-mistakes.csv"))
    screenshot(page, "30-import-upload")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/staff/imports/" in page.url
    page.wait_for_selector("table.import-errors")
    status = page.locator("#import-status")
    assert "文件有错误，未写入任何数据" in status.inner_text()
    rows = page.locator("table.import-errors tbody tr").all_inner_texts()
    assert len(rows) == 8
    assert "第 3 行" in rows[0] and "统一社会信用代码" in rows[0] and "校验码应为 F" in rows[0]
    assert any("2023年2月没有30日" in r for r in rows)
    assert any("无法确定所在区划" in r for r in rows)
    screenshot(page, "31-import-report")
    assert not Enterprise.objects.exists()
    # the job is listed on the import page
    page.click("nav.sidenav >> text=数据导入")
    assert "enterprises-with-mistakes.csv" in page.locator("main table").inner_text()
