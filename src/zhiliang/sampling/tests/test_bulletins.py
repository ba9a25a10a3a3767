"""Result bulletins (抽查结果公告): what a bulletin takes, its due date (20 working days, over a
holiday), publication on time and late, the refusals, and the exports (bulletin and
statistics, CSV and XLSX) read back with csv/openpyxl — and by the bulletin importer."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from zhiliang.core import search
from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.models import DomainEvent
from zhiliang.core.permissions import restrict
from zhiliang.exchange import importing
from zhiliang.sampling import exports, stats
from zhiliang.sampling.choices import BulletinStatus, Level, SampleStatus
from zhiliang.sampling.models import Sample
from zhiliang.sampling.search_kinds import BULLETIN_KIND
from zhiliang.sampling.services.bulletins import create_bulletin, publish_bulletin
from zhiliang.sampling.tests.results_data import add, plan
from zhiliang.testing.fixtures import as_system

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def city_plan():
    return plan(Level.CITY, 2024)


def results(city_plan):
    """Two final results of the city plan (concluded 20 Sep 2024), one still at the lab."""
    drum = add(1, 0, level=Level.CITY, plan_obj=city_plan, on=D(2024, 9, 2), concluded_on=D(2024, 9, 20), product_name="制动鼓",
               model="JG-3502", batch_no="2024-08-01", producer_name="十堰示例汽车零部件有限公司")[0]
    tea = add(0, 1, level=Level.CITY, plan_obj=city_plan, on=D(2024, 9, 3), concluded_on=D(2024, 9, 25), product_name="绿茶",
              model="250g", batch_no="20240815", producer_name="竹山示例茶业有限公司", sampled_unit_name="十堰示例超市有限公司竹山店",
              county="420323", failing_items=("茶多酚", "水分"))[0]
    pending = add(0, 0, level=Level.CITY, plan_obj=city_plan)  # nothing
    lab = add(1, 0, level=Level.CITY, plan_obj=city_plan, status=SampleStatus.RECEIVED, product_name="在检样品")[0]
    with as_system():
        Sample.objects.filter(pk=lab.pk).update(conclusion="", first_conclusion="")
    assert pending == []
    return drum, tea


def create(city_plan, number="十市监抽〔2024〕1号", **kwargs):
    with as_system():
        return create_bulletin(actor=SYSTEM, plan=city_plan, number=number, title="2024年第三季度消费品质量监督抽查结果公告", **kwargs)


def publish(bulletin, on):
    with as_system():
        return publish_bulletin(actor=SYSTEM, bulletin=bulletin, on=on)


def test_a_bulletin_takes_the_plans_final_results_and_is_due_20_working_days_after_the_first(city_plan):
    drum, tea = results(city_plan)
    bulletin = create(city_plan)
    assert bulletin.status == BulletinStatus.DRAFT
    assert set(bulletin.samples.values_list("pk", flat=True)) == {drum.pk, tea.pk}  # not the one at the lab
    # 20 working days after 20 Sep 2024, over the National Day holiday (1–7 Oct) and its make-up
    # working days (Sun 29 Sep, Sat 12 Oct): 23 Oct 2024
    assert bulletin.due_on == D(2024, 10, 23)
    event = DomainEvent.objects.get(name="sampling.bulletin_created")
    assert event.payload["due_on"] == "2024-10-23" and set(event.payload["samples"]) == {drum.sample_no, tea.sample_no}
    with pytest.raises(ValidationError, match="没有可公告的结果"):  # everything final is in a bulletin now
        create(city_plan, number="十市监抽〔2024〕2号")


def test_publishing_on_time_makes_the_results_public(city_plan):
    results(city_plan)
    bulletin = create(city_plan)
    assert restrict(Sample.objects.all(), AnonymousUser()).count() == 0
    assert search.search(bulletin.title[:6], kinds=[BULLETIN_KIND]).hits == []  # a draft is not found by the public
    publish(bulletin, D(2024, 10, 23))
    assert [h.object_id for h in search.search(bulletin.title[:6], kinds=[BULLETIN_KIND]).hits] == [str(bulletin.pk)]
    bulletin.refresh_from_db()
    assert (bulletin.status, bulletin.published_on, bulletin.note) == (BulletinStatus.PUBLISHED, D(2024, 10, 23), "")
    event = DomainEvent.objects.get(name="sampling.bulletin_published")
    assert event.is_public and event.payload["late"] is False and (event.payload["samples"], event.payload["failed"]) == (2, 1)
    assert restrict(Sample.objects.all(), AnonymousUser()).count() == 2
    with pytest.raises(ValidationError, match="不能重复发布"):
        publish(bulletin, D(2024, 10, 24))


def test_a_late_bulletin_is_published_and_flagged(city_plan):
    results(city_plan)
    bulletin = publish(create(city_plan), D(2024, 10, 28))
    assert bulletin.status == BulletinStatus.PUBLISHED
    assert bulletin.note == "逾期发布：应于 2024-10-23 前发布，实际 2024-10-28 发布，逾期 5 天（3 个工作日）"
    payload = DomainEvent.objects.get(name="sampling.bulletin_published").payload
    assert (payload["late"], payload["days_late"], payload["working_days_late"]) == (True, 5, 3)


def test_a_bulletin_refuses_results_it_cannot_show(city_plan):
    drum, tea = results(city_plan)
    other = add(1, 0, level=Level.CITY, plan_obj=plan(Level.CITY, 2024, code="OTHER"))[0]
    at_lab = Sample.objects.get(product_name="在检样品")
    with pytest.raises(ValidationError, match=f"样品 {other.sample_no} 不属于抽查计划"):
        create(city_plan, samples=[drum, other])
    with pytest.raises(ValidationError, match=f"样品 {at_lab.sample_no} 的检验结论尚未确定"):
        create(city_plan, samples=[at_lab])
    with pytest.raises(ValidationError, match="未选择要公告的样品"):
        create(city_plan, samples=[])
    first = create(city_plan, samples=[drum])
    assert first.due_on == D(2024, 10, 23)
    with pytest.raises(ValidationError, match="已被使用"):
        create(city_plan, samples=[tea])
    with pytest.raises(ValidationError, match=f"样品 {drum.sample_no} 已列入公告"):
        create(city_plan, number="十市监抽〔2024〕2号", samples=[drum])
    second = create(city_plan, number="十市监抽〔2024〕2号", samples=[tea])
    assert second.due_on == D(2024, 10, 28)  # 25 Sep + 20 working days


# --- exports ---------------------------------------------------------------------------------------------

EXPECTED_ROWS = [
    ["1", "制动鼓", "JG-3502", "2024-08-01", "十堰示例汽车零部件有限公司", "茅箭区", "2024-09-02", "合格", "/"],
    ["2", "绿茶", "250g", "20240815", "竹山示例茶业有限公司", "十堰示例超市有限公司竹山店（竹山县）", "2024-09-03", "不合格", "茶多酚、水分"],
]


def test_the_bulletin_exports_as_csv_with_the_standard_table(city_plan):
    results(city_plan)
    data = exports.bulletin_csv(create(city_plan))
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "产品名称", "规格型号", "生产日期/批号", "生产企业", "抽样单位/地区", "抽查时间", "检验结论", "不合格项目"]
    assert rows[1:] == EXPECTED_ROWS


def test_the_bulletin_exports_as_xlsx_with_real_dates(city_plan):
    results(city_plan)
    bulletin = create(city_plan)
    ws = load_workbook(io.BytesIO(exports.bulletin_xlsx(bulletin))).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "2024年第三季度消费品质量监督抽查结果公告（十市监抽〔2024〕1号）"
    assert values[1] == exports.BULLETIN_HEADER
    assert values[2][6] == datetime.datetime(2024, 9, 2) and values[2][:6] == [1, "制动鼓", "JG-3502", "2024-08-01", "十堰示例汽车零部件有限公司", "茅箭区"]
    assert values[3][7:] == ["不合格", "茶多酚、水分"]
    assert ws.freeze_panes == "A3"


def test_an_exported_bulletin_reads_back_through_the_bulletin_importer(city_plan):
    results(city_plan)
    data = exports.bulletin_csv(create(city_plan))
    with audit_context(actor=SYSTEM, reason="回读", source="test"):
        report = importing.run_import("sampling-results", data, "bulletin.csv", actor=SYSTEM, options={"level": "city"})
    assert report.outcome == importing.IMPORTED and report.created == 2, report.lines()
    back = Sample.objects.get(source="imported", product_name="绿茶")
    assert (back.conclusion, back.failing_items, back.sampled_unit_name, back.region.code) == ("fail", ["茶多酚", "水分"], "十堰示例超市有限公司竹山店", "420323")


def test_statistics_tables_and_the_ranking_export_as_csv_and_xlsx():
    add(9, 1, county="420302")
    add(3, 1, county="420303")
    rows = stats.pass_rate_table(by="county", level=Level.PROVINCIAL, year=2024)
    lines = list(csv.reader(io.StringIO(exports.stat_csv(rows, by="county").decode("utf-8-sig"))))
    assert lines[0] == ["县市区（生产企业所在地）", "检验批次", "合格批次", "不合格批次", "合格率（%）", "目标（%）", "低于目标"]
    assert lines[1] == ["茅箭区", "10", "9", "1", "90.0", "90", ""] and lines[2] == ["张湾区", "4", "3", "1", "75.0", "90", "是"]
    assert lines[-1] == ["合计", "14", "12", "2", "85.7", "90", "是"]

    ws = load_workbook(io.BytesIO(exports.stat_xlsx(rows, by="county", title="2024年省级监督抽查合格率"))).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "2024年省级监督抽查合格率" and values[2][:5] == ("茅箭区", 10, 9, 1, 90.0)

    ranking = stats.county_ranking(year=2024)
    text = exports.ranking_csv(ranking).decode("utf-8-sig")
    ranked = list(csv.reader(io.StringIO(text)))
    assert ranked[0] == exports.RANKING_HEADER
    assert ranked[1][:7] == ["1", "茅箭区", "10", "9", "1", "90.0", ""] and ranked[2][:7] == ["2", "张湾区", "4", "3", "1", "75.0", "是"]
    assert ranking.explanation[0] in text
    ws = load_workbook(io.BytesIO(exports.ranking_xlsx(ranking))).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "2024年县市区国家级、省级监督抽查合格率排名" in cells and ranking.explanation[-1] in cells
