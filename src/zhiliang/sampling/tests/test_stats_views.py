"""The staff statistics pages: the tables and the chart data are those of ``stats`` for the
reader (county staff count their county's samples), the 90 % target is drawn on every rate
chart, the ranking page marks the bottom three and explains the rule, every table downloads
as CSV and XLSX, and only staff who work on sampling may open the pages."""

import csv
import datetime
import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zhiliang.core.choices import Role
from zhiliang.sampling import stats
from zhiliang.sampling.choices import Level
from zhiliang.sampling.tests.results_data import add
from zhiliang.testing.fixtures import make_user

pytestmark = pytest.mark.django_db

D = datetime.date
#: provincial results of 2024 by the producer's county: (passed, failed)
PROVINCIAL_2024 = {
    "420302": (19, 1),   # 茅箭区 95.0
    "420303": (18, 2),   # 张湾区 90.0
    "420304": (17, 3),   # 郧阳区 85.0
    "420322": (9, 1),    # 郧西县 90.0
    "420323": (8, 2),    # 竹山县 80.0
    "420324": (7, 3),    # 竹溪县 70.0
    "420325": (10, 0),   # 房县 100.0
    "420381": (23, 2),   # 丹江口市 92.0
}


@pytest.fixture
def results():
    for county, (passed, failed) in PROVINCIAL_2024.items():
        add(passed, failed, level=Level.PROVINCIAL, county=county, on=D(2024, 5, 10), category="auto-parts")
    add(5, 0, level=Level.NATIONAL, county="420302", on=D(2024, 8, 1), category="food-drinks")
    add(9, 1, level=Level.CITY, county="420303", on=D(2024, 3, 3), category="food-drinks")
    add(4, 1, level=Level.CITY, county="420302", on=D(2023, 6, 1), category="auto-parts")


def url(name, *args):
    return reverse(f"sampling-public:{name}", args=args)


def chart(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no chart {chart_id}"
    return json.loads(match.group(1))


def table_rows(html: str) -> dict[str, tuple[int, int, str]]:
    body = re.search(r'<section class="card" id="stats-table">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = {}
    for tr in re.findall(r"<tr.*?</tr>", body, re.S):
        cells = [re.sub(r"<.*?>", "", c).strip() for c in re.findall(r"<td.*?>(.*?)</td>", tr, re.S)]
        rows[cells[0]] = (int(cells[1]), int(cells[2]), cells[4])
    return rows


def test_the_county_table_and_its_chart_are_the_stats_table(client, results, city_admin):
    client.force_login(city_admin)
    html = client.get(url("stats"), {"by": "county", "year": 2024, "level": "upper"}).content.decode()
    expected = stats.pass_rate_table(by="county", year=2024, level=["national", "provincial"], user=city_admin)
    rows = table_rows(html)
    assert rows == {r.label: (r.tested, r.qualified, f"{r.rate}%" if r.rate is not None else "—") for r in expected}
    assert rows["茅箭区"] == (25, 24, "96.0%") and rows["竹溪县"] == (10, 7, "70.0%")
    assert re.search(r'id="total-rate">89.2%', html)  # 130 tested, 116 qualified (national 5 of 5, provincial 111 of 125)
    bars = chart(html, "chart-table")
    series = bars["series"][0]
    ranked = [r for r in expected if r.rate is not None]
    assert bars["xAxis"]["data"] == [r.label for r in ranked]
    assert [d["value"] for d in series["data"]] == [float(r.rate) for r in ranked]
    # below the target red, the target a markLine at 90
    colours = {label: d["itemStyle"]["color"] for label, d in zip(bars["xAxis"]["data"], series["data"])}
    assert colours["竹溪县"] == "#b8262b" and colours["茅箭区"] == "#1d4f91" and colours["张湾区"] == "#1d4f91"
    assert series["markLine"]["data"] == [{"yAxis": 90.0, "name": "目标"}]


def test_trend_charts_carry_the_target(client, results, city_admin):
    client.force_login(city_admin)
    html = client.get(url("stats"), {"by": "category", "year": 2024}).content.decode()
    years = chart(html, "chart-years")
    assert years["xAxis"]["data"] == ["2023年", "2024年"]
    trend = stats.trend(unit="year", user=city_admin)
    assert years["series"][0]["data"] == [float(r.rate) for r in trend]
    assert years["series"][0]["markLine"]["data"][0]["yAxis"] == 90.0
    assert years["series"][1]["data"] == [r.tested for r in trend]
    months = chart(html, "chart-months")
    assert months["xAxis"]["data"] == ["2024年3月", "2024年5月", "2024年8月"]
    assert months["series"][0]["markLine"]["data"][0]["yAxis"] == 90.0
    rows = table_rows(html)
    assert rows["汽车零部件及配件"] == (125, 111, "88.8%") and rows["饮料（含瓶装水）"] == (15, 14, "93.3%")


@pytest.mark.parametrize("by", ["level", "period", "enterprise", "place"])
def test_every_dimension_renders_the_stats_table(client, results, city_admin, by):
    client.force_login(city_admin)
    response = client.get(url("stats"), {"by": by, "year": "all", "date_from": "2024-01-01", "date_to": "2024-06-30"})
    assert response.status_code == 200
    expected = stats.pass_rate_table(by=by, date_from=D(2024, 1, 1), date_to=D(2024, 6, 30), user=city_admin,
                                     limit=200 if by == "enterprise" else None)
    rows = table_rows(response.content.decode())
    assert [(k, v[0], v[1]) for k, v in rows.items()] == [(r.label, r.tested, r.qualified) for r in expected]


def test_county_staff_count_only_what_they_may_see(client, results, county_user):
    client.force_login(county_user)
    html = client.get(url("stats"), {"by": "county", "year": 2024}).content.decode()
    expected = stats.pass_rate_table(by="county", year=2024, user=county_user)
    everything = stats.pass_rate_table(by="county", year=2024)
    assert sum(r.tested for r in expected) < sum(r.tested for r in everything)
    assert table_rows(html) == {r.label: (r.tested, r.qualified, f"{r.rate}%" if r.rate is not None else "—") for r in expected}


def test_table_exports_are_the_page_table(client, results, city_admin):
    client.force_login(city_admin)
    params = {"by": "county", "year": 2024, "level": "upper"}
    expected = stats.pass_rate_table(by="county", year=2024, level=["national", "provincial"], user=city_admin)
    response = client.get(url("stats-export", "csv"), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["县市区（生产企业所在地）", "检验批次", "合格批次", "不合格批次", "合格率（%）"]
    assert [(r[0], int(r[1]), int(r[2])) for r in rows[1:-1]] == [(r.label, r.tested, r.qualified) for r in expected]
    assert rows[-1][:3] == ["合计", "130", "116"]
    response = client.get(url("stats-export", "xlsx"), params)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    labels = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "茅箭区" in labels and "合计" in labels
    assert client.get(url("stats-export", "pdf"), params).status_code == 404


def test_the_ranking_marks_the_bottom_three_and_explains_the_rule(client, results, department_user):
    client.force_login(department_user)
    html = client.get(url("stats-ranking"), {"year": 2024}).content.decode()
    ranking = stats.county_ranking(year=2024)
    bottom = re.findall(r'<tr class="bottom" data-bottom="1" data-code="(\d+)">', html)
    assert bottom == [r.code for r in ranking.rows if r.bottom] == ["420304", "420323", "420324"]  # 郧阳 85, 竹山 80, 竹溪 70
    assert "排名后 3 位的县市区当年不得评为 A 等" in html and "§五(一)" in html
    for line in ranking.explanation:
        assert line in html
    assert "武当山旅游经济特区" in html or "无结果，不参与排名" in html  # a county without results is listed, unranked
    bars = chart(html, "chart-ranking")
    ranked = [r for r in ranking.rows if r.rank is not None]
    assert bars["xAxis"]["data"] == [r.name for r in ranked]
    colours = dict(zip(bars["xAxis"]["data"], [d["itemStyle"]["color"] for d in bars["series"][0]["data"]]))
    assert {name for name, colour in colours.items() if colour == "#b8262b"} == {"郧阳区", "竹山县", "竹溪县"}
    assert bars["series"][0]["markLine"]["data"][0]["yAxis"] == 90.0


def test_ranking_exports(client, results, city_admin):
    client.force_login(city_admin)
    response = client.get(url("stats-ranking-export", "csv"), {"year": 2024})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    marked = [r[1] for r in rows[1:] if len(r) > 6 and r[6] == "是"]
    assert marked == ["郧阳区", "竹山县", "竹溪县"]
    response = client.get(url("stats-ranking-export", "xlsx"), {"year": 2024})
    assert response.status_code == 200
    assert "竹溪县" in [row[1] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) if len(row) > 1]


def test_the_pages_open_on_the_latest_year_with_results(client, results, city_admin):
    client.force_login(city_admin)
    html = client.get(url("stats-ranking")).content.decode()
    assert "2024年县市区监督抽查合格率排名" in html
    html = client.get(url("stats")).content.decode()
    assert '<option value="2024" selected>' in html


def test_only_sampling_staff_open_the_statistics(client, results, auditor):
    assert client.get(url("stats")).status_code == 302  # login
    lab = make_user(Role.LAB)
    client.force_login(lab)
    assert client.get(url("stats")).status_code == 403
    assert client.get(url("stats-ranking")).status_code == 403
    assert client.get(url("stats-export", "csv")).status_code == 403
    client.force_login(auditor)
    assert client.get(url("stats")).status_code == 200
    assert client.get(url("stats-ranking")).status_code == 200


def test_menu_entries_for_staff(client, county_user):
    from zhiliang.sampling.sections import register_menu

    register_menu()
    client.force_login(county_user)
    html = client.get(reverse("core:staff-home")).content.decode()
    assert url("stats") in html and url("stats-ranking") in html
    client.logout()
    assert url("index") in client.get(reverse("core:public-home")).content.decode()
