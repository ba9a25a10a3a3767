"""``zhiliang search reindex`` and ``zhiliang search query``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from zhiliang.core.models import Department, SearchEntry


def run(*args) -> str:
    out = StringIO()
    call_command("search", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_reindex_reports_counts_and_can_be_repeated(db):
    SearchEntry.objects.filter(kind="department").delete()
    first = run("reindex", "--kind", "department")
    total = Department.objects.count()
    assert f"department（部门）：共 {total} 条；新增 {total}，更新 0，未变 0，移除 0" in first
    again = run("reindex", "--kind", "department")
    assert f"新增 0，更新 0，未变 {total}，移除 0" in again
    everything = run("reindex")
    assert "region（行政区划）" in everything and "department（部门）" in everything


def test_query_prints_ranked_hits(db):
    out = run("query", "郧西", "--kind", "region")
    assert out.splitlines()[0] == "“郧西”：共 1 条，第 1 页"
    assert "[行政区划] 郧西县（region:" in out
    dept = Department.objects.get(code="sy-amr")
    out = run("query", dept.name, "--kind", "department")
    assert f"1. [部门] {dept.name}（department:{dept.pk}，exact）" in out


def test_query_errors_say_what_is_wrong(db):
    with pytest.raises(CommandError, match="请至少输入两个字"):
        run("query", "车")
    with pytest.raises(CommandError, match="未登记的检索类型：nope"):
        run("query", "十堰", "--kind", "nope")
    with pytest.raises(CommandError, match="用户“ghost”不存在"):
        run("query", "十堰", "--user", "ghost")
