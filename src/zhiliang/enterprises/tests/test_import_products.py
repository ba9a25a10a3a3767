"""Importing products: enterprise by USCC, category, GTIN check digit, idempotence."""

import io

import pytest
from django.core.management import call_command

from zhiliang.core.audit import SYSTEM, audit_context
from zhiliang.core.models import ObjectChange
from zhiliang.core.uscc import make_uscc
from zhiliang.enterprises import services
from zhiliang.enterprises.models import Product
from zhiliang.exchange import importing
from zhiliang.testing.fixtures import as_system, region

pytestmark = pytest.mark.django_db

U1 = make_uscc("91420302MA4K1A2B3")
U2 = make_uscc("91420303MA4K2C3D4")
HEADER = "生产企业统一社会信用代码,生产企业名称,产品类别,商标,产品名称,规格型号,执行标准,商品条码"
GOOD = [
    f"{U1},十堰华鑫汽车零部件有限公司,auto-parts,华鑫,制动蹄总成,HX-ZD-320,GB 5763-2018,6901234567892",
    f"{U1},十堰华鑫汽车零部件有限公司,汽车零部件及配件,华鑫,离合器压盘,HX-LH-430,QC/T 27-2014、GB/T 1234-2020,",
]


@pytest.fixture
def enterprises():
    with as_system():
        services.create_enterprise(actor=SYSTEM, uscc=U1, name="十堰华鑫汽车零部件有限公司", region=region("420302"))
        services.create_enterprise(actor=SYSTEM, uscc=U2, name="十堰张湾绿源食品有限公司", region=region("420303"))


def run(*lines, actor=SYSTEM, header=HEADER, **options):
    data = ("\n".join([header, *lines]) + "\n").encode()
    with audit_context(actor=actor, reason="测试导入", source="test"):
        return importing.run_import("products", data, "产品.csv", actor=actor, **options)


def test_products_another_import_wrote_after_the_check_are_found_not_created_twice(enterprises):
    """The same product file imported twice at the same moment: the second import finds the
    products the first created after its rows were checked (imports take turns to write)."""
    other = {}

    def meanwhile(phase, done, total):
        if phase == "check" and done == total and not other:
            other["report"] = run(*GOOD)  # the other import, committed before this one writes

    report = run(*GOOD, progress=meanwhile)
    assert (other["report"].created, report.outcome, report.created, report.unchanged) == (2, importing.IMPORTED, 0, 2)
    assert Product.objects.filter(name__in=["制动蹄总成", "离合器压盘"]).count() == 2


def test_products_are_created_then_unchanged_on_reimport(enterprises):
    report = run(*GOOD)
    assert report.outcome == importing.IMPORTED and report.created == 2
    product = Product.objects.get(name="离合器压盘")
    assert product.standards == ["QC/T 27-2014", "GB/T 1234-2020"] and product.region.code == "420302"
    assert product.category.code == "auto-parts"
    changes = ObjectChange.objects.count()
    report = run(*GOOD)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert ObjectChange.objects.count() == changes
    report = run(GOOD[0].replace("GB 5763-2018", "GB 5763-2024"))
    assert report.updated == 1 and Product.objects.get(name="制动蹄总成").standards == ["GB 5763-2024"]


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [
        (GOOD[0].replace("6901234567892", "6901234567891"), "商品条码", "校验位错误：最后一位为 1，按前 12 位应为 2"),
        (GOOD[0].replace("6901234567892", "69012345"), "商品条码", "校验位错误"),
        (GOOD[0].replace("6901234567892", "690123456"), "商品条码", "应为 8、12、13 或 14 位数字"),
        (GOOD[0].replace(U1, make_uscc("91420325MA4K8Q9R1")), "生产企业统一社会信用代码", "请先导入该企业"),
        (GOOD[0].replace(U1, U1[:-1] + "1"), "生产企业统一社会信用代码", f"校验码应为 {U1[-1]}"),
        (GOOD[0].replace("auto-parts", "黄酒"), "产品类别", "未知的产品类别“黄酒”"),
        (GOOD[0].replace("制动蹄总成", ""), "产品名称", "产品名称为空"),
    ],
    ids=["gtin-check", "gtin-8-check", "gtin-length", "unknown-enterprise", "bad-uscc", "category", "name"],
)
def test_each_product_error(enterprises, line, column, expected):
    report = run(GOOD[1], line)
    assert report.outcome == importing.REJECTED and not Product.objects.exists()
    ((row, col, message),) = [(e["row"], e["column"], e["message"]) for e in report.errors]
    assert (row, col) == (3, column) and expected in message, message


def test_the_same_product_twice_in_a_file(enterprises):
    report = run(GOOD[0], GOOD[0])
    assert [(e["row"], e["message"]) for e in report.errors] == [(3, "与第 2 行是同一产品（同一企业、商标、名称、规格型号）")]


def test_a_county_user_cannot_add_products_of_another_county(enterprises, county_user):
    other = f"{U2},十堰张湾绿源食品有限公司,加工食品,绿源,鲜湿面条,500g,GB 2713-2015,6901234567885"
    report = run(GOOD[0], other, actor=county_user, good_rows=True)
    assert [(e["row"], e["message"]) for e in report.errors] == [(3, "所在区划“张湾区”不在您的管辖范围内，无权新增该企业的产品")]
    assert list(Product.objects.values_list("name", flat=True)) == ["制动蹄总成"]


def test_the_import_command_imports_products(enterprises, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("\n".join([HEADER, *GOOD]), encoding="gbk")
    out = io.StringIO()
    call_command("import", "products", str(path), stdout=out)
    assert "GB18030" in out.getvalue() and "新增 2" in out.getvalue()
