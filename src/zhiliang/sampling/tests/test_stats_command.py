"""``zhiliang stats pass-rate`` and ``zhiliang stats ranking`` print the same tables as the
statistics module (and the exports write them)."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from zhiliang.sampling.choices import Level
from zhiliang.sampling.tests.results_data import add

pytestmark = pytest.mark.django_db


def stats(*args) -> str:
    out = io.StringIO()
    call_command("stats", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def results():
    add(9, 1, county="420302")
    add(3, 1, county="420303")
    add(2, 0, level=Level.NATIONAL, county="420304", on=datetime.date(2024, 8, 15))
    add(5, 0, level=Level.CITY, county="420302", on=datetime.date(2024, 2, 1))


def test_pass_rate_by_county_as_a_table(results):
    text = stats("pass-rate", "--by", "county", "--level", "provincial", "--year", "2024")
    lines = text.splitlines()
    assert lines[0] == "2024年省级监督抽查合格率（按县市区（生产企业所在地））"
    assert lines[1].split() == ["县市区（生产企业所在地）", "检验批次", "合格批次", "不合格批次", "合格率（%）", "目标（%）", "低于目标"]
    assert lines[2].split() == ["茅箭区", "10", "9", "1", "90.0", "90"]
    assert lines[3].split() == ["张湾区", "4", "3", "1", "75.0", "90", "是"]
    assert lines[-2].split() == ["合计", "14", "12", "2", "85.7", "90", "是"]
    assert lines[-1] == "目标合格率 90%（纲要§二）；低于目标：张湾区"
    # the numbers line up under their headings (CJK characters are two columns wide)
    assert lines[2].index("90.0") + 4 == lines[3].index("75.0") + 4


def test_pass_rate_by_level_and_category_as_csv(results):
    rows = list(csv.reader(io.StringIO(stats("pass-rate", "--by", "level", "--year", "2024", "--format", "csv"))))
    assert rows[0][0] == "抽查层级" and rows[1:] == [
        ["国家级", "2", "2", "0", "100.0", "90", ""], ["省级", "14", "12", "2", "85.7", "90", "是"],
        ["市级", "5", "5", "0", "100.0", "90", ""], ["县级", "0", "0", "0", "", "90", ""], ["合计", "21", "19", "2", "90.5", "90", ""],
    ]
    upper = list(csv.reader(io.StringIO(stats("pass-rate", "--by", "level", "--level", "national,provincial", "--format", "csv"))))
    assert [r[0] for r in upper] == ["抽查层级", "国家级", "省级", "合计"]
    assert "未分类" in stats("pass-rate", "--by", "category")


def test_pass_rate_by_period_place_and_enterprise(results):
    assert "2024年第1季度" in stats("pass-rate", "--by", "period", "--period", "quarter", "--year", "2024")
    assert "生产环节" in stats("pass-rate", "--by", "place", "--from", "2024-01-01", "--to", "2024-12-31")
    assert "未匹配的生产企业（待核对）" in stats("pass-rate", "--by", "enterprise", "--limit", "5")


def test_pass_rate_in_a_users_scope(results, county_user):
    rows = list(csv.reader(io.StringIO(stats("pass-rate", "--by", "county", "--actor", county_user.username, "--format", "csv"))))
    assert rows[1][:3] == ["茅箭区", "15", "14"] and rows[2][:3] == ["张湾区", "0", "0"]


def test_the_ranking(results):
    text = stats("ranking", "--year", "2024")
    lines = text.splitlines()
    assert lines[0] == "2024年县市区国家级、省级监督抽查合格率排名"
    assert lines[2].split()[:6] == ["1", "郧阳区", "2", "2", "0", "100.0"]
    assert lines[4].split()[:7] == ["3", "张湾区", "4", "3", "1", "75.0", "是"]
    assert "末位 3 名当年不得评为A等" in text and "不参与排名" in text


def test_writing_xlsx_and_csv_files(results, tmp_path):
    target = tmp_path / "county.xlsx"
    assert "已写入" in stats("pass-rate", "--by", "county", "--output", str(target))
    assert load_workbook(target).active["A3"].value == "茅箭区"
    ranking = tmp_path / "ranking.csv"
    stats("ranking", "--year", "2024", "--output", str(ranking))
    assert ranking.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(CommandError, match="只能写 .xlsx 或 .csv"):
        stats("ranking", "--year", "2024", "--output", str(tmp_path / "ranking.pdf"))


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError, match="未知的抽查层级 township"):
        stats("pass-rate", "--by", "county", "--level", "township")
    with pytest.raises(CommandError, match="2024-03-15"):
        stats("pass-rate", "--by", "county", "--from", "15/3/2024")
    with pytest.raises(CommandError):
        stats("pass-rate", "--by", "town")
    with pytest.raises(CommandError, match="未知的县市区“999999”"):
        stats("pass-rate", "--by", "category", "--county", "999999")
    with pytest.raises(CommandError, match="未知的产品类别“tofu”"):
        stats("pass-rate", "--by", "county", "--category", "tofu")
