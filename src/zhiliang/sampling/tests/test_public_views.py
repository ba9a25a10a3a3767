"""The public sampling pages (/choucha/): an anonymous visitor sees published plans, draw
records and bulletins — and nothing unpublished (404), no personal data, the enterprise pool
file only for enterprise draws, downloads that match what the page shows; the pages are
throttled per address like the public search."""

import csv
import hashlib
import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zhiliang.enterprises.tests.views_data import CQO_PHONE, ID_NUMBER, INSPECTOR_PHONE
from zhiliang.sampling import draw as engine
from zhiliang.sampling.tests.public_data import INSPECTOR_NAMES, build_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def pub(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_QUERY_RATE = "1000/d"
    from django.core.cache import cache

    cache.clear()
    return build_published()


def url(name, *args):
    return reverse(f"sampling-public:{name}", args=args)


def page(client, name, *args, status=200, **params):
    response = client.get(url(name, *args), params)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode() if status == 200 else ""


PERSONAL = (ID_NUMBER, CQO_PHONE, INSPECTOR_PHONE, *INSPECTOR_NAMES, "王质量")  # the CQO is shown to staff only


def assert_no_personal_data(html: str) -> None:
    for value in PERSONAL:
        assert value not in html, f"personal data {value!r} on a public page"


# --- plans --------------------------------------------------------------------------------------


def test_plan_list_shows_only_published_plans(client, pub):
    html = page(client, "plan-list")
    assert pub.plan.title in html
    assert pub.draft_plan.title not in html
    assert url("plan-detail", pub.plan.pk) in html


def test_plan_page_shows_categories_test_items_and_quotas_by_county(client, pub):
    html = page(client, "plan-detail", pub.plan.pk)
    for text in ("汽车零部件", "硬度", "QC/T 316-2023", "180～240 HBW", "≤ 0.05 mm", "应有永久性标志", "≤ 100 CFU/mL", "茅箭区"):
        assert text in html, text
    quotas = re.search(r'id="plan-quotas".*?</section>', html, re.S).group(0)
    assert re.findall(r"<th class=\"num\">(.*?)</th>", quotas)[:2] == ["饮料（含瓶装水）", "汽车零部件及配件"]
    assert re.search(r"茅箭区</td>\s*<td class=\"num\">1</td>\s*<td class=\"num\">2</td>\s*<td class=\"num\"><strong>3</strong>", quotas)
    # its published draws and bulletin are linked; the frozen draw of the draft plan is not
    assert url("draw-detail", pub.enterprise_draw.pk) in html
    assert url("bulletin-detail", pub.bulletin.pk) in html
    assert pub.draft_bulletin.title not in html


def test_unpublished_things_are_404(client, pub):
    page(client, "plan-detail", pub.draft_plan.pk, status=404)
    page(client, "draw-detail", pub.frozen_draw.pk, status=404)
    page(client, "draw-record", pub.frozen_draw.pk, status=404)
    page(client, "draw-pool", pub.frozen_draw.pk, status=404)
    page(client, "bulletin-detail", pub.draft_bulletin.pk, status=404)
    page(client, "bulletin-export", pub.draft_bulletin.pk, "csv", status=404)
    page(client, "plan-detail", 987654, status=404)


def test_signed_in_staff_see_the_same_public_pages(client, pub, city_admin):
    client.force_login(city_admin)
    page(client, "plan-detail", pub.draft_plan.pk, status=404)  # the public page is public, whoever asks
    page(client, "bulletin-detail", pub.draft_bulletin.pk, status=404)


# --- draws -----------------------------------------------------------------------------------------


def test_draw_list_shows_published_draws_only(client, pub):
    html = page(client, "draw-list")
    assert url("draw-detail", pub.enterprise_draw.pk) in html
    assert url("draw-detail", pub.inspector_draw.pk) in html
    assert url("draw-detail", pub.frozen_draw.pk) not in html


def test_enterprise_draw_page_shows_the_verification_data_and_the_result(client, pub):
    d = pub.enterprise_draw
    html = page(client, "draw-detail", d.pk)
    for value in (d.pool_hash, d.seed_commitment, d.seed, d.public_value, d.algorithm, d.result_hash):
        assert value in html
    result = re.search(r'id="draw-result".*?</section>', html, re.S).group(0)
    # the active 茅箭 auto-parts maker is drawn; the revoked drinks maker was excluded before the freeze
    assert [p["key"] for p in d.result] == [pub.registry.maojian.search_key]
    assert pub.registry.maojian.name in result and pub.registry.maojian_food.name not in result
    assert "茅箭区 · 汽车零部件及配件 · B 类" in result
    assert url("draw-pool", d.pk) in html and url("draw-record", d.pk) in html
    assert "zhiliang draw verify" in html and "HMAC-SHA256" in html


def test_the_pool_download_is_the_hashed_file_and_the_record_verifies(client, pub):
    d = pub.enterprise_draw
    pool = client.get(url("draw-pool", d.pk))
    assert pool.status_code == 200
    pool_bytes = b"".join(pool.streaming_content)
    assert hashlib.sha256(pool_bytes).hexdigest() == d.pool_hash
    record = client.get(url("draw-record", d.pk))
    assert record.status_code == 200 and record["Content-Type"].startswith("application/json")
    data = json.loads(record.content)
    assert (data["pool_hash"], data["seed"], data["result_hash"]) == (d.pool_hash, d.seed, d.result_hash)
    checked = engine.verify(data, pool_bytes)
    assert checked.ok, checked.summary()
    # a pool file altered by one byte does not verify
    tampered = pool_bytes.replace("十堰东风山泉".encode(), "十堰东风甘泉".encode())
    assert not engine.verify(data, tampered).ok


def test_inspector_draw_publishes_only_hashes(client, pub):
    d = pub.inspector_draw
    html = page(client, "draw-detail", d.pk)
    assert d.pool_hash in html and d.result_hash in html and d.seed_commitment in html
    assert 'id="draw-result"' not in html and url("draw-pool", d.pk) not in html
    assert "只公布名录和结果的 SHA-256 摘要" in html
    page(client, "draw-pool", d.pk, status=404)
    data = json.loads(client.get(url("draw-record", d.pk)).content)
    assert "result" not in data and data["result_public"] is False
    assert data["pool_hash"] == d.pool_hash and data["result_hash"] == d.result_hash
    body = json.dumps(data, ensure_ascii=False)
    assert "inspector:" not in body
    assert_no_personal_data(html + body)
    # a citizen verifying this record learns what can be checked and what cannot — not "tampered"
    checked = engine.verify(data, None)
    assert not checked.failed and checked.incomplete
    assert "抽取结果不公开，仅公布其 SHA-256" in checked.summary()


def test_how_to_verify_page(client, pub):
    html = page(client, "draw-howto")
    assert "zhiliang draw verify" in html and "docs/draw.md" in html and "SHA-256" in html


# --- bulletins ---------------------------------------------------------------------------------------


def test_bulletin_list_shows_published_bulletins_with_their_counts(client, pub):
    html = page(client, "bulletin-list")
    assert pub.bulletin.title in html and pub.draft_bulletin.title not in html
    row = re.search(r"茅市监抽〔2024〕1号.*?</tr>", html, re.S).group(0)
    assert re.findall(r'<td class="num">(?:<span class="rate-low">)?(\d+)', row) == ["2", "1"]


def test_bulletin_page_has_the_standard_table(client, pub):
    html = page(client, "bulletin-detail", pub.bulletin.pk)
    table = re.search(r'<table id="result-table">.*?</table>', html, re.S).group(0)
    headers = re.findall(r"<th>(.*?)</th>", table)
    assert headers == ["序号", "产品名称", "规格型号", "生产日期/批号", "生产企业", "抽样单位/地区", "抽查时间", "检验结论", "不合格项目"]
    for text in ("制动鼓", "JG-3502", "2024-03-01", pub.registry.maojian.name, "2024-04-10", "合格",
                 "制动蹄片", "ZP-01", pub.registry.zhangwan.name, "不合格", "摩擦系数、标志"):
        assert text in table, text
    assert "未公告的刹车片" not in html  # the draft bulletin's sample
    assert "共抽查 2 批次，不合格 1 批次，合格率 50.0%" in html
    assert_no_personal_data(html)


def test_bulletin_downloads_match_the_page(client, pub):
    response = client.get(url("bulletin-export", pub.bulletin.pk, "csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1:] == ["产品名称", "规格型号", "生产日期/批号", "生产企业", "抽样单位/地区", "抽查时间", "检验结论", "不合格项目"]
    assert sorted(r[1] for r in rows[1:]) == ["制动蹄片", "制动鼓"]
    response = client.get(url("bulletin-export", pub.bulletin.pk, "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "制动蹄片" in values and "未公告的刹车片" not in values
    page(client, "bulletin-export", pub.bulletin.pk, "pdf", status=404)


# --- pass rate, index, privacy, throttling -------------------------------------------------------------------


def test_public_pass_rate_counts_published_results_only(client, pub):
    # county-level results are not "city level and above": the published county bulletin is not counted
    html = page(client, "pass-rate")
    assert "尚无已公布的市级及以上抽查结果" in html
    from zhiliang.core.audit import SYSTEM
    from zhiliang.sampling.choices import Level
    from zhiliang.sampling.services.bulletins import create_bulletin, publish_bulletin
    from zhiliang.sampling.tests.results_data import add, plan
    from zhiliang.testing.fixtures import as_system

    city = plan(Level.CITY, 2024)
    made = add(9, 1, level=Level.CITY, plan_obj=city, category="auto-parts") + add(3, 2, level=Level.CITY, plan_obj=city, category="food-drinks")
    add(0, 5, level=Level.CITY, plan_obj=city, category="auto-parts")  # not in a published bulletin: not counted
    with as_system():
        b = create_bulletin(actor=SYSTEM, plan=city, number="十市监抽〔2024〕9号", title="市级抽查结果", samples=made)
        publish_bulletin(actor=SYSTEM, bulletin=b, on=b.due_on)
    html = page(client, "pass-rate")
    year_row = re.search(r"<td>2024年</td>.*?</tr>", html, re.S).group(0)
    assert ">15<" in year_row and ">12<" in year_row and "80.0%" in year_row and "低于目标" in year_row
    years = json.loads(re.search(r'<script id="chart-years" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert years["xAxis"]["data"] == ["2024年"] and years["series"][0]["data"] == [80.0]
    assert years["series"][0]["markLine"]["data"] == [{"yAxis": 90.0, "name": "目标"}]  # seed §二's target
    assert re.search(r"汽车零部件及配件</td><td class=\"num\">10</td><td class=\"num\">1</td><td class=\"num\">90.0%", html)
    assert 'data-chart="chart-years"' in html and 'data-chart="chart-categories"' in html


def test_index_links_the_published_records(client, pub):
    html = page(client, "index")
    assert pub.plan.title in html and pub.bulletin.title in html and url("draw-detail", pub.enterprise_draw.pk) in html
    assert pub.draft_plan.title not in html


def test_no_public_page_shows_personal_data_or_loads_another_host(client, pub):
    for name, args in (("index", ()), ("plan-list", ()), ("plan-detail", (pub.plan.pk,)), ("draw-list", ()),
                       ("draw-detail", (pub.enterprise_draw.pk,)), ("draw-detail", (pub.inspector_draw.pk,)), ("bulletin-list", ()),
                       ("bulletin-detail", (pub.bulletin.pk,)), ("pass-rate", ()), ("draw-howto", ())):
        html = page(client, name, *args)
        assert_no_personal_data(html)
        assert not re.search(r'(src|href)="(https?:)?//', html), name


def test_public_pages_are_throttled_per_address(client, pub, settings):
    settings.PUBLIC_QUERY_RATE = "3/d"  # a day-long window: a minute window can roll over mid-test
    codes = [client.get(url("bulletin-detail", pub.bulletin.pk)).status_code for _ in range(2)]
    codes += [client.get(url("draw-record", pub.enterprise_draw.pk)).status_code for _ in range(2)]
    assert codes == [200, 200, 200, 429]
    assert "请求过于频繁" in client.get(url("plan-list")).content.decode()
    assert client.get(url("plan-list"), REMOTE_ADDR="10.0.0.9").status_code == 200


def test_public_search_finds_published_plans_and_bulletins_only(client, pub):
    from zhiliang.core import search
    from zhiliang.sampling.search_kinds import BULLETIN_KIND, PLAN_KIND

    search.reindex(PLAN_KIND)
    search.reindex(BULLETIN_KIND)
    found = search.search("茅箭区", user=None, kinds=[PLAN_KIND, BULLETIN_KIND], per_page=50)
    titles = {h.title for h in found.hits}
    assert pub.plan.title in titles and pub.bulletin.title in titles
    assert pub.draft_plan.title not in titles and pub.draft_bulletin.title not in titles
    html = client.get(reverse("core:public-search"), {"q": "制动蹄片"}).content.decode()  # a product named in the bulletin
    assert url("bulletin-detail", pub.bulletin.pk) in html
