"""The "抽查记录" section of the enterprise page: staff see the enterprise's samples within
their scope (and what is published), the public page only published results, and an
enterprise with nothing to show has no section."""

import datetime
import re

import pytest
from django.urls import reverse

from zhiliang.core.audit import SYSTEM
from zhiliang.enterprises.tests.views_data import build_registry
from zhiliang.sampling.choices import Level
from zhiliang.sampling.services.bulletins import create_bulletin, publish_bulletin
from zhiliang.sampling.tests.results_data import add, plan
from zhiliang.testing.fixtures import as_system

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def reg():
    registry = build_registry()
    county_plan = plan(Level.COUNTY, 2024, region_code="420302")
    published = add(1, 1, level=Level.COUNTY, plan_obj=county_plan, producer=registry.maojian, on=D(2024, 4, 10),
                    product_name="制动鼓", model="JG-3502", failing_items=("硬度",))
    with as_system():
        bulletin = create_bulletin(actor=SYSTEM, plan=county_plan, number="茅市监抽〔2024〕1号", title="茅箭区抽查结果公告", samples=published)
        publish_bulletin(actor=SYSTEM, bulletin=bulletin, on=D(2024, 5, 10))
    # not published: the county's own work (sampled in 茅箭区)
    add(0, 1, level=Level.COUNTY, plan_obj=county_plan, producer=registry.maojian, on=D(2024, 6, 1), product_name="内部刹车片",
        model="NB-1", failing_items=("耐磨性",))
    return registry


def section(html: str) -> str:
    match = re.search(r'<section class="card enterprise-section" id="section-samples".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_county_staff_see_their_countys_samples_of_the_enterprise(client, reg, county_user):
    client.force_login(county_user)
    html = section(client.get(reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])).content.decode())
    assert "抽查记录" in html
    assert "制动鼓" in html and "内部刹车片" in html
    assert "共 3 批次，已出结论 3 批次，不合格 2 批次，合格率 33.3%" in html
    assert "硬度" in html and "耐磨性" in html


def test_another_countys_staff_see_only_the_published_results(client, reg, other_county_user):
    client.force_login(other_county_user)
    html = section(client.get(reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])).content.decode())
    assert "制动鼓" in html and "内部刹车片" not in html
    assert "共 2 批次" in html


def test_the_public_page_shows_published_results_only(client, reg):
    html = client.get(reverse("enterprises:public-enterprise", args=[reg.maojian.pk])).content.decode()
    sec = section(html)
    assert "制动鼓" in sec and "JG-3502" in sec and "硬度" in sec
    assert "内部刹车片" not in html
    assert "茅箭区抽查结果公告" in sec and reverse("sampling-public:bulletin-detail", args=[reg.maojian.produced_samples.filter(bulletin__isnull=False).first().bulletin_id]) in sec
    assert not re.search(r"T\d{6}", sec)  # no internal sample numbers on the public page


def test_no_section_without_samples(client, reg, county_user):
    assert 'id="section-samples"' not in client.get(reverse("enterprises:public-enterprise", args=[reg.zhangwan.pk])).content.decode()
    client.force_login(county_user)
    assert 'id="section-samples"' not in client.get(reverse("enterprises:enterprise-detail", args=[reg.zhangwan.pk])).content.decode()


def test_the_section_sits_after_the_registrys_own(client, reg, county_user):
    client.force_login(county_user)
    html = client.get(reverse("enterprises:enterprise-detail", args=[reg.maojian.pk])).content.decode()
    keys = re.findall(r'data-section="([a-z_]+)"', html)
    assert keys.index("samples") > keys.index("basic")
