"""Pass rates by every dimension against figures computed by hand, the re-test replacing a
result, the 90 % target flag, who sees which results, trends, and the county ranking with
its bottom three, ties and counties without results."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from zhiliang.enterprises import services as registry
from zhiliang.sampling import stats
from zhiliang.sampling.choices import Conclusion, Level, Place, SampleStatus
from zhiliang.sampling.models import Bulletin, Sample
from zhiliang.sampling.tests.results_data import add, plan
from zhiliang.testing.fixtures import SYSTEM, as_system, region

pytestmark = pytest.mark.django_db

D = datetime.date
COUNTY_ORDER = ["420302", "420303", "420304", "420322", "420323", "420324", "420325", "420381", "4203K1", "4203K2"]


def table(rows) -> dict:
    """{key: (tested, qualified, rate as text or None, below target)}"""
    return {r.key: (r.tested, r.qualified, None if r.rate is None else str(r.rate), r.below_target) for r in rows}


@pytest.fixture
def results_2024():
    """2024 (all figures in the tests below are computed from this list):
    provincial  茅箭 9✓1✗ food-drinks factory · 张湾 3✓1✗ auto-parts market · 竹山 6✓2✗ food-drinks online
                市外 1✓1✗ · no producer region 0✓1✗ (both sampled in 张湾区)
    national    郧阳 2✓ auto-parts, 15 Aug
    city        茅箭 5✓, 1 Feb
    county      张湾 1✓1✗, 20 Nov
    and, outside the year, 2023 provincial 房县 1✓3✗."""
    add(9, 1, county="420302", category="food-drinks")
    add(3, 1, county="420303", category="auto-parts", place=Place.MARKET)
    add(6, 2, county="420323", category="food-drinks", place=Place.ONLINE)
    add(1, 1, county="X00000", sample_region="420303")
    add(0, 1, county=None, sample_region="420303")
    add(2, 0, level=Level.NATIONAL, county="420304", category="auto-parts", on=D(2024, 8, 15))
    add(5, 0, level=Level.CITY, county="420302", on=D(2024, 2, 1))
    add(1, 1, level=Level.COUNTY, county="420303", on=D(2024, 11, 20), plan_obj=plan(Level.COUNTY, 2024, region_code="420303"))
    add(1, 3, county="420325", on=D(2023, 6, 1))


def test_by_county_lists_every_county_and_groups_the_rest(results_2024):
    rows = stats.pass_rate_table(by="county", year=2024)
    assert [r.key for r in rows] == [*COUNTY_ORDER, "other"]
    assert [r.label for r in rows][:3] == ["茅箭区", "张湾区", "郧阳区"] and rows[-1].label == "市外/未匹配"
    got = table(rows)
    assert got["420302"] == (15, 14, "93.3", False)
    assert got["420303"] == (6, 4, "66.7", True)
    assert got["420304"] == (2, 2, "100.0", False)
    assert got["420323"] == (8, 6, "75.0", True)
    assert got["420325"] == (0, 0, None, False)  # 房县's results are of 2023
    assert got["other"] == (3, 1, "33.3", True)
    assert stats.total(rows).tested == 34 and stats.total(rows).qualified == 27


def test_by_county_for_provincial_and_above(results_2024):
    got = table(stats.pass_rate_table(by="county", year=2024, level=[Level.NATIONAL, Level.PROVINCIAL]))
    assert got["420302"] == (10, 9, "90.0", False)  # exactly the target: not below it
    assert got["420303"] == (4, 3, "75.0", True)
    assert got["420304"] == (2, 2, "100.0", False)
    assert got["other"] == (3, 1, "33.3", True)
    assert table(stats.pass_rate_table(by="county", level=Level.PROVINCIAL))["420325"] == (4, 1, "25.0", True)  # all years


def test_by_level(results_2024):
    rows = stats.pass_rate_table(by="level", year=2024)
    assert [r.label for r in rows] == ["国家级", "省级", "市级", "县级"]
    assert table(rows) == {
        "national": (2, 2, "100.0", False), "provincial": (25, 19, "76.0", True),
        "city": (5, 5, "100.0", False), "county": (2, 1, "50.0", True),
    }
    assert [r.key for r in stats.pass_rate_table(by="level", year=2024, level=Level.CITY)] == ["city"]


def test_by_category(results_2024):
    rows = stats.pass_rate_table(by="category", year=2024)
    assert [(r.key, r.label) for r in rows] == [("food-drinks", "饮料（含瓶装水）"), ("auto-parts", "汽车零部件及配件"), ("", "未分类")]
    assert table(rows) == {"food-drinks": (18, 15, "83.3", True), "auto-parts": (6, 5, "83.3", True), "": (10, 7, "70.0", True)}
    # a field includes its categories
    food = stats.pass_rate_table(by="county", year=2024, category="food")
    assert table(food)["420323"] == (8, 6, "75.0", True) and table(food)["420303"] == (0, 0, None, False)


def test_by_place(results_2024):
    assert table(stats.pass_rate_table(by="place", year=2024)) == {
        "factory": (22, 18, "81.8", True), "market": (4, 3, "75.0", True), "online": (8, 6, "75.0", True),
    }


def test_by_period_month_and_quarter(results_2024):
    assert table(stats.pass_rate_table(by="period", year=2024)) == {
        "2024-02": (5, 5, "100.0", False), "2024-05": (25, 19, "76.0", True), "2024-08": (2, 2, "100.0", False),
        "2024-11": (2, 1, "50.0", True),
    }
    rows = stats.pass_rate_table(by="period", period="quarter", year=2024)
    assert [(r.key, r.label, r.tested) for r in rows] == [("2024-Q1", "2024年第1季度", 5), ("2024-Q2", "2024年第2季度", 25),
                                                          ("2024-Q3", "2024年第3季度", 2), ("2024-Q4", "2024年第4季度", 2)]
    window = stats.pass_rate_table(by="period", date_from=D(2024, 5, 1), date_to=D(2024, 8, 31))
    assert [r.key for r in window] == ["2024-05", "2024-08"]


def test_by_enterprise_matched_and_unmatched(county_user):
    with as_system():
        maker = registry.create_enterprise(actor=SYSTEM, name="十堰示例统计企业有限公司", region=region("420302"))
    add(3, 1, producer=maker)
    add(1, 1, county=None, producer_name="外地示例工厂")
    rows = stats.pass_rate_table(by="enterprise")
    assert [(r.key, r.label, r.tested, r.qualified, str(r.rate)) for r in rows] == [
        (maker.pk, "十堰示例统计企业有限公司", 4, 3, "75.0"),
        ("unmatched", "未匹配的生产企业（待核对）", 2, 1, "50.0"),
    ]
    with as_system():
        other = registry.create_enterprise(actor=SYSTEM, name="十堰示例另一企业有限公司", region=region("420303"))
    add(1, 0, producer=other, sample_region="420303")
    assert [r.label for r in stats.pass_rate_table(by="enterprise", limit=1)] == ["十堰示例统计企业有限公司", "未匹配的生产企业（待核对）"]
    # 茅箭区 staff: the samples taken in 茅箭区 (the unmatched ones too)
    assert [r.tested for r in stats.pass_rate_table(by="enterprise", user=county_user)] == [4, 2]


def test_only_samples_with_a_conclusion_count():
    add(2, 1)
    with as_system():
        Sample.objects.filter(pk=add(1, 0, status=SampleStatus.RECEIVED)[0].pk).update(conclusion="")  # still at the lab
    assert table(stats.pass_rate_table(by="level"))["provincial"] == (3, 2, "66.7", True)


def test_a_retest_replaces_the_first_result_in_the_rate():
    add(8, 1)
    overturned = add(0, 1)[0]
    assert table(stats.pass_rate_table(by="county"))["420302"] == (10, 8, "80.0", True)
    with as_system():  # the re-test on the reserve sample passed: the final conclusion is a pass
        overturned.first_conclusion, overturned.conclusion, overturned.failing_items = Conclusion.FAIL, Conclusion.PASS, []
        overturned.save()
    assert table(stats.pass_rate_table(by="county"))["420302"] == (10, 9, "90.0", False)


def test_the_target_flag_is_strictly_below_90():
    add(9, 1, county="420302")
    add(8, 1, county="420303")
    got = table(stats.pass_rate_table(by="county"))
    assert got["420302"] == (10, 9, "90.0", False) and got["420303"] == (9, 8, "88.9", True)
    assert {r.target for r in stats.pass_rate_table(by="county")} == {Decimal("90")}


def test_users_see_aggregates_of_what_they_may_see(results_2024, county_user, city_admin):
    # 茅箭区 staff: their county's samples (and anything published)
    mine = table(stats.pass_rate_table(by="county", year=2024, user=county_user))
    assert mine["420302"] == (15, 14, "93.3", False) and mine["420303"] == (0, 0, None, False) and "other" not in mine
    assert stats.total(stats.pass_rate_table(by="county", year=2024, user=city_admin)).tested == 34
    # the public: only results in published bulletins
    public = AnonymousUser()
    assert stats.total(stats.pass_rate_table(by="level", year=2024, user=public)).tested == 0
    with as_system():
        bulletin = Bulletin.objects.create(plan=plan(Level.PROVINCIAL), number="测试公告-1", title="测试公告", status="published",
                                           published_on=D(2024, 7, 1))
        Sample.objects.filter(producer_region__code="420323").update(bulletin=bulletin)
    assert table(stats.pass_rate_table(by="county", year=2024, user=public))["420323"] == (8, 6, "75.0", True)
    assert table(stats.pass_rate_table(by="county", year=2024, user=county_user))["420323"] == (8, 6, "75.0", True)


def test_trend_per_year_and_month(results_2024):
    assert [(r.key, r.tested, r.qualified) for r in stats.trend(level=Level.PROVINCIAL)] == [(2023, 4, 1), (2024, 25, 19)]
    assert [(r.key, r.tested) for r in stats.trend(unit="month", year=2024, county="420302")] == [("2024-02", 5), ("2024-05", 10)]
    assert [r.label for r in stats.trend(category="auto-parts")] == ["2024年"]


def test_an_unknown_dimension_is_refused():
    with pytest.raises(ValueError, match="未知的统计维度“town”"):
        stats.pass_rate_table(by="town")
    with pytest.raises(ValueError, match="未知的抽查层级“township”"):
        stats.pass_rate_table(by="level", level="township")


# --- the county ranking ------------------------------------------------------------------------------


def ranking_world(year=2025, **extra):
    on = D(year, 6, 1)
    rates = {"420302": (10, 0), "420303": (9, 1), "420304": (4, 1), "420322": (3, 1), "420323": (6, 2), "420325": (1, 1)}
    rates.update(extra)
    for county, (passed, failed) in rates.items():
        add(passed, failed, county=county, on=on)
    add(0, 5, level=Level.CITY, county="420324", on=on)  # city results do not count
    add(0, 1, level=Level.PROVINCIAL, county="420324", on=D(year - 1, 12, 31))  # nor last year's


def test_the_ranking_marks_the_bottom_three_and_shares_ranks_on_equal_rates():
    ranking_world()
    ranking = stats.county_ranking(year=2025)
    ranked = [(r.name, r.rank, str(r.rate), r.bottom) for r in ranking.rows if r.rank]
    assert ranked == [
        ("茅箭区", 1, "100.0", False), ("张湾区", 2, "90.0", False), ("郧阳区", 3, "80.0", False),
        ("郧西县", 4, "75.0", True), ("竹山县", 4, "75.0", True), ("房县", 6, "50.0", True),
    ]
    assert [r.name for r in ranking.bottom] == ["郧西县", "竹山县", "房县"]
    assert next(r for r in ranking.rows if r.name == "郧西县").note == "与竹山县并列；末位，当年不得评为A等"
    assert [r.name for r in ranking.unranked] == ["竹溪县", "丹江口市", "十堰经济技术开发区", "武当山旅游经济特区"]
    assert all(not r.bottom and r.note == "无结果，不参与排名" for r in ranking.unranked)
    assert ranking.explanation[2] == "末位 3 名当年不得评为A等（纲要§五(一)；名次数见规则管理中的“省级及以上抽查合格率排名末位、当年不得评为A等的县市区数”）：郧西县、竹山县、房县。"
    assert "竹溪县、丹江口市、十堰经济技术开发区、武当山旅游经济特区 2025年无国家级、省级抽查结果，不参与排名" in ranking.explanation[-1]


def test_a_tie_across_the_boundary_marks_every_tied_county():
    ranking_world(**{"420304": (3, 1)})  # 郧阳 now ties 郧西 and 竹山 at 75 %
    ranking = stats.county_ranking(year=2025)
    assert [r.name for r in ranking.bottom] == ["郧阳区", "郧西县", "竹山县", "房县"]
    assert "末位第 3 名处合格率相同的县市区均列入末位，因此共 4 个（不以抽签等方式取舍）。" in ranking.explanation


def test_national_results_count_and_when_everyone_ties_nobody_is_bottom():
    add(4, 0, county="420302", on=D(2025, 3, 1))
    add(2, 0, level=Level.NATIONAL, county="420303", on=D(2025, 3, 1))
    ranking = stats.county_ranking(year=2025)
    assert [(r.name, r.rank, r.bottom) for r in ranking.rows if r.rank] == [("茅箭区", 1, False), ("张湾区", 1, False)]
    assert ranking.bottom == []
    assert "参与排名的县市区只有 2 个；合格率最高（100.0%）的茅箭区、张湾区不列入末位，因此末位不足 3 个。" in ranking.explanation
    # a provincial-only ranking leaves 张湾区 out
    assert [r.name for r in stats.county_ranking(year=2025, levels=[Level.PROVINCIAL]).rows if r.rank] == ["茅箭区"]


def test_a_year_without_results_ranks_nobody():
    ranking = stats.county_ranking(year=2030)
    assert ranking.bottom == [] and len(ranking.unranked) == 10
    assert "2030年没有任何县市区的国家级、省级抽查结果，无法排名，不标记末位。" in ranking.explanation


def test_the_ranking_follows_the_producers_county_not_where_the_sample_was_taken():
    add(0, 2, county="420302", sample_region="420303", on=D(2025, 4, 1))  # 茅箭 products bought in 张湾
    add(3, 0, county="420303", on=D(2025, 4, 1))
    ranking = stats.county_ranking(year=2025)
    assert [(r.name, r.tested, r.bottom) for r in ranking.rows if r.rank] == [("张湾区", 3, False), ("茅箭区", 2, True)]
