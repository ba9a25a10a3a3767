"""A small registry for the page tests and the browser journeys, built through
the services (not the demo generator): two enterprises in 茅箭区 and one in
张湾区, products, licences, a testing agency and an inspector in each county."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from zhiliang.core.audit import SYSTEM
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services
from zhiliang.enterprises.models import Enterprise, Inspector, Licence, Product, ProductCategory, TestingAgency
from zhiliang.testing.fixtures import as_system, department, region

ID_NUMBER = "420302198001011234"
CQO_PHONE = "13907191234"
INSPECTOR_PHONE = "13807195678"
MAOJIAN_USCC = make_uscc("91420302MA4A1B2C3")
MAOJIAN2_USCC = make_uscc("91420302MA4A1B2D4")
ZHANGWAN_USCC = make_uscc("91420303MA4A1B2E5")


@dataclass
class Registry:
    maojian: Enterprise
    maojian_food: Enterprise
    zhangwan: Enterprise
    product: Product
    licence: Licence
    expiring: Licence
    agency: TestingAgency
    maojian_inspector: Inspector
    zhangwan_inspector: Inspector


def category(code: str) -> ProductCategory:
    return ProductCategory.objects.get(code=code)


def build_registry() -> Registry:
    today = timezone.localdate()
    with as_system("页面测试数据"):
        maojian = services.create_enterprise(
            actor=SYSTEM, uscc=MAOJIAN_USCC, name="十堰东风精工汽车零部件有限公司", region=region("420302"),
            address="十堰市茅箭区东风大道88号", legal_rep_name="李建国", legal_rep_id_number=ID_NUMBER,
            industry_code="C3670", registered_capital=2000, established_on=datetime.date(2008, 5, 20), status="active",
            scale="medium", chief_quality_officer="王质量", cqo_phone=CQO_PHONE, liability_insured=True,
            insurance_until=today + datetime.timedelta(days=200), categories=[category("auto-parts")],
        )
        maojian_food = services.create_enterprise(
            actor=SYSTEM, uscc=MAOJIAN2_USCC, name="十堰东风山泉饮品有限公司", region=region("420302"),
            address="十堰市茅箭区武当路12号", legal_rep_name="陈水生", industry_code="C1525", status="revoked",
            scale="small", categories=[category("food-drinks")],
        )
        zhangwan = services.create_enterprise(
            actor=SYSTEM, uscc=ZHANGWAN_USCC, name="十堰东风车桥配件有限公司", region=region("420303"),
            address="十堰市张湾区车城路6号", legal_rep_name="赵铁军", legal_rep_id_number="420303197502023456",
            industry_code="C3670", status="active", scale="small", categories=[category("auto-parts")],
        )
        product, _ = services.save_product(
            actor=SYSTEM, enterprise=maojian, category=category("auto-parts"), brand="精工", name="制动鼓",
            model="JG-3502", standards=["QC/T 316-2023"], gtin="6901234567892",
        )
        licence, _ = services.save_licence(
            actor=SYSTEM, enterprise=maojian, kind="ccc", number="2024011101000001", scope_text="汽车制动部件",
            issuer="中国质量认证中心", issued_on=today - datetime.timedelta(days=400),
            valid_until=today + datetime.timedelta(days=800), categories=[category("auto-parts")],
        )
        expiring, _ = services.save_licence(
            actor=SYSTEM, enterprise=maojian_food, kind="sc", number="SC10642030200012", scope_text="饮料",
            issuer="十堰市市场监督管理局", issued_on=today - datetime.timedelta(days=1700),
            valid_until=today + datetime.timedelta(days=30), categories=[category("food-drinks")],
        )
        agency = services.save_agency(
            actor=SYSTEM, name="十堰市产品质量监督检验所", uscc=make_uscc("12420300MB1A2B3C4"), cma_number="221712340123",
            cma_valid_until=today + datetime.timedelta(days=900), region=region("420302"), address="十堰市茅箭区北京中路1号",
            monthly_capacity=320, categories=[category("auto"), category("food")],
        )
        maojian_inspector = services.save_inspector(
            actor=SYSTEM, name="周明", department=department("mj-amr"), region=region("420302"), certificate_number="42030200101",
            qualifications=["enforcement", "sampling"], phone=INSPECTOR_PHONE, categories=[category("auto-parts")],
        )
        zhangwan_inspector = services.save_inspector(
            actor=SYSTEM, name="吴刚", department=department("zw-amr"), region=region("420303"), certificate_number="42030300102",
            qualifications=["enforcement"], phone="13607193333",
        )
    return Registry(maojian, maojian_food, zhangwan, product, licence, expiring, agency, maojian_inspector, zhangwan_inspector)
