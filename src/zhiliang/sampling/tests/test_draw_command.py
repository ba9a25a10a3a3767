"""``zhiliang draw export`` and ``zhiliang draw verify``: a citizen re-runs a published draw
from the exported files; a tampered file is caught, with the reason, and a non-zero exit."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.choices import Role
from zhiliang.sampling.services import draws, plans
from zhiliang.testing.fixtures import make_user

from .draw_data import D, enterprise, inspector, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    for i in range(1, 8):
        enterprise(f"十堰第{i}汽配有限公司")
    inspector("周明")
    inspector("陈刚")
    made = plan("SY-MJ-2026-01", quotas={("420302", "auto-parts"): 3})
    with audit_context(actor=SYSTEM, reason="抽取", source="test"):
        frozen = draws.freeze_enterprise_pool(actor=SYSTEM, plan=made, on=D(2026, 3, 2))
        drawn = draws.run_draw(actor=SYSTEM, draw=frozen, public_value="2026025")
        plans.publish_plan(actor=SYSTEM, plan=made, on=D(2026, 3, 2))
        draws.publish_draw(actor=SYSTEM, draw=drawn)
    return drawn


def command(*args) -> str:
    out = StringIO()
    call_command("draw", *args, stdout=out)
    return out.getvalue()


def export(draw, tmp_path, *extra) -> tuple:
    printed = command("export", str(draw.pk), "--out", str(tmp_path), *extra)
    return tmp_path / f"draw-{draw.pk}.json", printed


def test_export_then_verify_says_the_result_matches(published, tmp_path):
    record_path, printed = export(published, tmp_path)
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["seed"] == published.seed and record["result_hash"] == published.result_hash and len(record["result"]) == 3
    assert (tmp_path / f"{published.pool_hash}.jsonl").is_file() and "名录文件" in printed
    out = command("verify", str(record_path))
    assert "核验通过" in out and "✓ 名录文件的 SHA-256 与抽取记录一致" in out and "得到与记录相同的 3 条结果" in out


def test_verify_of_a_tampered_pool_file_fails_with_the_reason(published, tmp_path):
    record_path, _ = export(published, tmp_path)
    pool = tmp_path / f"{published.pool_hash}.jsonl"
    pool.write_bytes(pool.read_bytes().replace("十堰第2汽配".encode(), "十堰第8汽配".encode()))
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("draw", "verify", str(record_path), stdout=out)
    assert failed.value.returncode == 1 and "核验未通过" in str(failed.value)
    assert "✗ 名录文件的 SHA-256 为" in out.getvalue() and "被改动过" in out.getvalue()


def test_verify_of_a_tampered_result_fails(published, tmp_path):
    record_path, _ = export(published, tmp_path)
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["result"][0]["key"] = "91420302MA9999999X"
    record_path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("draw", "verify", str(record_path), "--pool", str(tmp_path / f"{published.pool_hash}.jsonl"), stdout=out)
    assert failed.value.returncode == 1
    assert "抽取结果的 SHA-256 为" in out.getvalue() and "91420302MA9999999X" in out.getvalue()


def test_an_inspector_pool_is_exported_in_full_only_to_an_auditor(published, tmp_path):
    with audit_context(actor=SYSTEM, reason="抽取人员", source="test"):
        people = draws.draw_inspectors(actor=SYSTEM, enterprise_draw=published, public_value="7", on=D(2026, 3, 2))
    record_path, printed = export(people, tmp_path / "public")
    assert "名录不公开，只导出其 SHA-256" in printed and not (tmp_path / "public" / f"{people.pool_hash}.jsonl").exists()
    out = StringIO()
    with pytest.raises(CommandError) as incomplete:
        call_command("draw", "verify", str(record_path), stdout=out)
    assert incomplete.value.returncode == 2 and "未提供名录文件" in out.getvalue()

    staff = make_user(Role.COUNTY_STAFF, region_code="420302", username="mj-staff")
    with pytest.raises(CommandError, match="只有审计监督人员"):
        export(people, tmp_path / "staff", "--full", "--actor", staff.username)
    make_user(Role.AUDITOR, region_code="420300", username="auditor-1")
    record_path, _ = export(people, tmp_path / "audit", "--full", "--actor", "auditor-1")
    assert "核验通过" in command("verify", str(record_path))


def test_a_frozen_draw_exports_only_the_commitment(tmp_path):
    enterprise("十堰甲汽配有限公司")
    made = plan("SY-MJ-2026-02", quotas={("420302", "auto-parts"): 1})
    with audit_context(actor=SYSTEM, reason="冻结", source="test"):
        frozen = draws.freeze_enterprise_pool(actor=SYSTEM, plan=made, on=D(2026, 3, 2))
    record_path, printed = export(frozen, tmp_path)
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["seed"] == "" and record["seed_commitment"] == frozen.seed_commitment and "只公开随机种子的承诺" in printed
    with pytest.raises(CommandError) as incomplete:
        command("verify", str(record_path))
    assert incomplete.value.returncode == 2


def test_another_countys_staff_cannot_export_an_unpublished_draw(tmp_path):
    enterprise("十堰甲汽配有限公司")
    made = plan("SY-MJ-2026-03", quotas={("420302", "auto-parts"): 1})
    with audit_context(actor=SYSTEM, reason="冻结", source="test"):
        frozen = draws.freeze_enterprise_pool(actor=SYSTEM, plan=made, on=D(2026, 3, 2))
    make_user(Role.COUNTY_STAFF, region_code="420303", username="zw-staff")
    with pytest.raises(CommandError, match="不存在，或无权查看"):
        export(frozen, tmp_path, "--actor", "zw-staff")
