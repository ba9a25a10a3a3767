"""The `zhiliang` console script, settings modes and the demo/serve commands.

These run the real script in a subprocess on a fresh data dir, as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ZHILIANG = [sys.executable, "-m", "zhiliang.cli"]


def run(args, data_dir, extra_env=None, check=False):
    # a clean operator environment (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process)
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "ZHILIANG_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"ZHILIANG_DATA_DIR": str(data_dir)})
    env.pop("DATABASE_URL", None)
    env.update(extra_env or {})
    result = subprocess.run([*ZHILIANG, *args], capture_output=True, text=True, env=env, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_help_lists_the_operator_commands(tmp_path):
    result = run(["--help"], tmp_path, check=True)
    for name in ("demo", "serve", "check-uscc", "calendar", "rules", "search", "token"):
        assert f"  {name} " in result.stdout, name
    assert "DATABASE_URL" in result.stdout


def test_a_new_data_dir_gets_a_migrated_sqlite_database_and_a_secret_key(tmp_path):
    data = tmp_path / "new"
    result = run(["showmigrations", "core", "--plan"], data, check=True)
    assert (data / "secret_key").exists() and len((data / "secret_key").read_text()) >= 50
    oct_mode = (data / "secret_key").stat().st_mode & 0o777
    assert oct_mode == 0o600
    # showmigrations does not migrate; a command that uses the database does
    assert "[ ]" in result.stdout
    run(["rules"], data, check=True)
    assert (data / "zhiliang.sqlite3").exists()
    assert "[ ]" not in run(["showmigrations", "core", "--plan"], data, check=True).stdout


def test_demo_loads_once_and_keeps_its_data(tmp_path):
    first = run(["demo", "--no-serve", "--seed", "3"], tmp_path, check=True)
    assert "正在生成演示数据" in first.stdout
    assert "http://127.0.0.1:8000/" in first.stdout
    for account in ("admin", "auditor", "maojian", "amr", "enterprise", "lab"):
        assert f"  {account} " in first.stdout
    assert "zhiliang-demo" in first.stdout
    second = run(["demo", "--no-serve", "--port", "8123"], tmp_path, check=True)
    assert "演示数据已存在" in second.stdout and "http://127.0.0.1:8123/" in second.stdout
    assert (tmp_path / "static").is_dir() and any((tmp_path / "static").rglob("*.css"))


def test_production_mode_refuses_unsafe_settings(tmp_path):
    result = run(["check"], tmp_path, {"ZHILIANG_MODE": "production"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    result = run(["check"], tmp_path, {"ZHILIANG_MODE": "production", "SECRET_KEY": "x" * 60})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr  # too few distinct characters
    key = "9kq-" + "".join(chr(65 + (i * 7) % 26) + str(i % 10) for i in range(30))
    result = run(["check"], tmp_path, {"ZHILIANG_MODE": "production", "SECRET_KEY": key})
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("配置错误")  # the setting named, not a traceback
    result = run(["check"], tmp_path, {"ZHILIANG_MODE": "production", "SECRET_KEY": key, "ALLOWED_HOSTS": "*"})
    assert result.returncode != 0 and "不能用 *" in result.stderr


def test_production_check_deploy_is_clean(tmp_path):
    key = "9kq-" + "".join(chr(65 + (i * 7) % 26) + str(i % 10) for i in range(30))
    env = {"ZHILIANG_MODE": "production", "SECRET_KEY": key, "ALLOWED_HOSTS": "zhiliang.example.gov.cn"}
    result = run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    served = run(["serve", "--check-only"], tmp_path, env)
    assert served.returncode == 0 and "部署检查通过" in served.stdout, served.stderr[-2000:]


def test_demo_refuses_production_mode(tmp_path):
    key = "9kq-" + "".join(chr(65 + (i * 7) % 26) + str(i % 10) for i in range(30))
    env = {"ZHILIANG_MODE": "production", "SECRET_KEY": key, "ALLOWED_HOSTS": "zhiliang.example.gov.cn"}
    result = run(["demo", "--no-serve"], tmp_path, env)
    assert result.returncode != 0 and "生产模式" in result.stderr


@pytest.mark.django_db
def test_demo_command_in_process_creates_every_role():
    from zhiliang.core.choices import Role
    from zhiliang.core.models import Membership

    call_command("demo", no_serve=True, seed=11, stdout=open(os.devnull, "w"))
    roles = set(Membership.objects.values_list("role__name", flat=True))
    assert roles == set(Role.values)
    # every county and zone has its county staff account
    assert Membership.objects.filter(role__name=Role.COUNTY_STAFF).count() == 10


def test_readme_commands_exist():
    root = Path(__file__).resolve().parents[4]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "./scripts/demo" in readme and "./scripts/test" in readme
    assert os.access(root / "scripts" / "demo", os.X_OK) and os.access(root / "scripts" / "test", os.X_OK)
    assert "scripts/test" in (root / ".ci" / "run").read_text()
