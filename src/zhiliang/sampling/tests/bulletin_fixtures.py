"""Fictional producers and the sample bulletin files of ``tests/data/`` (every name is made
up: "示例"/"样例" mark them).  Regenerate the files with
``.venv/bin/python -m zhiliang.sampling.tests.bulletin_fixtures``.

Files (each in a column layout seen in real bulletins):

* ``provincial-2024.csv`` — UTF-8 with BOM; 标称生产企业名称 + 受检单位 (so 受检单位 is the sampled
  unit), 抽样日期, 检验结论 合格/不合格, 主要不合格项目, an unmatched producer outside Shiyan and
  one in 丹江口市 (its county from the address);
* ``national-2024-gbk.csv`` — GBK; 样品名称, 型号规格, 生产日期或批号, 生产企业 + 统一社会信用代码
  (a USCC, a legacy 15-digit 注册号, none), 检验结果 P/F/Pass, 执行标准;
* ``city-2023.xlsx`` — Excel with real dates; only 受检单位 (it is the producer), 抽查结果
  符合/不符合;
* ``bulletin-with-mistakes.csv`` — one good row, then an impossible date, an unknown
  conclusion, a USCC with a wrong check character, no product, no producer, a pass with
  failing items;
* ``unknown-layout.csv`` — headers no bulletin uses.
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

from zhiliang.core.uscc import make_uscc

DATA = Path(__file__).parent / "data"

PARTS = "十堰示例汽车零部件有限公司"          # 茅箭区, matched by USCC
PARTS_USCC = make_uscc("91420302MA4X1A001")
TEA = "竹山示例茶业有限公司"                  # 竹山县, matched by USCC
TEA_USCC = make_uscc("91420323MA4X1A002")
BISCUITS = "郧阳示例食品厂"                  # 郧阳区, no USCC: matched by its legacy 注册号
BISCUITS_REGNO = "420304000012345"
FURNITURE = "房县示例家具有限公司"            # 房县, matched by its exact name
FURNITURE_USCC = make_uscc("91420325MA4X1A003")
CABLES = "湖北样例电线电缆有限公司"          # outside Shiyan, not in the registry
WATER = "丹江口示例饮品厂"                   # 丹江口市, not in the registry
SHOP = "十堰示例超市有限公司竹山店"
BUILDING_SHOP = "张湾区示例建材商行"

PROVINCIAL_HEADER = ["序号", "产品名称", "规格型号", "商标", "生产日期/批号", "标称生产企业名称", "标称生产企业地址", "受检单位",
                     "抽样单位/地区", "抽样日期", "检验结论", "主要不合格项目", "承检机构"]
PROVINCIAL_ROWS = [
    ["1", "制动鼓", "JG-3502", "精工", "2024-03-01", PARTS, "十堰市茅箭区东风大道88号", PARTS, "茅箭区", "2024-04-10", "合格", "/",
     "湖北省示例产品质量检验院"],
    ["2", "绿茶", "250g/袋", "武当示例", "20240315", TEA, "十堰市竹山县城关镇茶园路1号", SHOP, "竹山县", "2024-04-12", "不合格",
     "茶多酚、水分", "湖北省示例产品质量检验院"],
    ["3", "聚氯乙烯绝缘电线", "BV 2.5mm²", "样例", "2024/02/20", CABLES, "湖北省武汉市东西湖区样例路9号", BUILDING_SHOP, "张湾区",
     "2024-05-08", "不合格", "导体电阻", "湖北省示例产品质量检验院"],
    ["4", "桶装饮用水", "18.9L", "丹水示例", "2024-04-01", WATER, "十堰市丹江口市示例大道5号", WATER, "丹江口市", "2024-04-20",
     "合格", "——", "湖北省示例产品质量检验院"],
]

NATIONAL_HEADER = ["序号", "样品名称", "型号规格", "商标", "生产日期或批号", "生产企业", "统一社会信用代码", "受检单位", "抽查时间",
                   "检验结果", "不合格项目", "执行标准"]
NATIONAL_ROWS = [
    ["1", "制动蹄片", "ZP-01", "精工", "2024-05-06", PARTS, PARTS_USCC, PARTS, "2024-06-03", "P", "", "QC/T 309-2017"],
    ["2", "饼干", "500g", "郧味示例", "2024-05-01", BISCUITS, BISCUITS_REGNO, "郧阳区示例商店", "2024-06-05", "F", "菌落总数",
     "GB 7100-2015"],
    ["3", "实木椅", "SC-01", "房示例", "2024-04批", FURNITURE, "", FURNITURE, "2024-06-07", "Pass", "", "GB/T 3324-2017"],
]

CITY_HEADER = ["产品名称", "规格型号", "生产日期/批号", "受检单位", "统一社会信用代码", "抽样单位/地区", "抽查时间", "抽查结果", "不合格项目"]
CITY_ROWS = [
    ["绿茶", "100g/罐", datetime.datetime(2023, 8, 1), TEA, TEA_USCC, "竹山县", datetime.datetime(2023, 9, 12), "符合", None],
    ["制动鼓", "JG-3502", "B230815", PARTS, PARTS_USCC, "茅箭区", datetime.datetime(2023, 9, 20), "不符合", "硬度"],
]

MISTAKES_HEADER = ["序号", "产品名称", "规格型号", "生产日期/批号", "生产企业", "统一社会信用代码", "受检单位", "抽查时间", "检验结论",
                   "不合格项目"]
BAD_USCC = PARTS_USCC[:-1] + ("0" if PARTS_USCC[-1] != "0" else "1")
MISTAKES_ROWS = [
    ["1", "制动鼓", "JG-3502", "2024-03-01", PARTS, PARTS_USCC, PARTS, "2024-04-10", "合格", "/"],            # row 2: good
    ["2", "绿茶", "250g", "2024-03-15", TEA, TEA_USCC, SHOP, "2024-02-30", "合格", ""],                        # row 3: no 2024-02-30
    ["3", "红茶", "250g", "2024-03-15", TEA, TEA_USCC, SHOP, "2024-04-12", "待定", ""],                        # row 4: conclusion
    ["4", "制动蹄片", "ZP-01", "2024-03-01", PARTS, BAD_USCC, PARTS, "2024-04-10", "合格", ""],               # row 5: check char
    ["5", "", "X-1", "2024-03-01", PARTS, PARTS_USCC, PARTS, "2024-04-10", "合格", ""],                        # row 6: no product
    ["6", "饼干", "500g", "2024-05-01", "/", "", "郧阳区示例商店", "2024-06-05", "不合格", "菌落总数"],           # row 7: no producer
    ["7", "实木椅", "SC-01", "2024-04", FURNITURE, "", FURNITURE, "2024-06-07", "合格", "甲醛释放量"],           # row 8: pass + items
]

UNKNOWN_HEADER = ["企业", "货品", "结果", "日期", "价格"]
UNKNOWN_ROWS = [[PARTS, "制动鼓", "合格", "2024-04-10", "120"]]


def csv_bytes(header: list[str], rows: list[list], *, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.title = "抽查结果"
    ws.append(header)
    for row in rows:
        ws.append(row)
    ws.append([])  # Excel's trailing empty rows
    ws.append([])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FILES = {
    "provincial-2024.csv": lambda: csv_bytes(PROVINCIAL_HEADER, PROVINCIAL_ROWS),
    "national-2024-gbk.csv": lambda: csv_bytes(NATIONAL_HEADER, NATIONAL_ROWS, encoding="gbk"),
    "city-2023.xlsx": lambda: xlsx_bytes(CITY_HEADER, CITY_ROWS),
    "bulletin-with-mistakes.csv": lambda: csv_bytes(MISTAKES_HEADER, MISTAKES_ROWS),
    "unknown-layout.csv": lambda: csv_bytes(UNKNOWN_HEADER, UNKNOWN_ROWS),
}


def build_producers():
    """The registry rows the files name (through the registry's services): every producer but
    the two that stay unmatched.  Returns {name: Enterprise}."""
    from zhiliang.core.audit import SYSTEM
    from zhiliang.core.choices import IdentifierScheme
    from zhiliang.enterprises import services
    from zhiliang.testing.fixtures import as_system, region

    with as_system("抽查结果导入测试数据"):
        parts = services.create_enterprise(actor=SYSTEM, uscc=PARTS_USCC, name=PARTS, region=region("420302"), address="十堰市茅箭区东风大道88号")
        tea = services.create_enterprise(actor=SYSTEM, uscc=TEA_USCC, name=TEA, region=region("420323"), address="十堰市竹山县城关镇茶园路1号")
        biscuits = services.create_enterprise(actor=SYSTEM, name=BISCUITS, region=region("420304"), address="十堰市郧阳区城关镇1号")
        services.add_identifier(actor=SYSTEM, enterprise=biscuits, scheme=IdentifierScheme.REGNO, value=BISCUITS_REGNO, source="工商登记")
        furniture = services.create_enterprise(actor=SYSTEM, uscc=FURNITURE_USCC, name=FURNITURE, region=region("420325"), address="十堰市房县城关镇2号")
    return {PARTS: parts, TEA: tea, BISCUITS: biscuits, FURNITURE: furniture}


def main() -> None:
    DATA.mkdir(exist_ok=True)
    for name, make in FILES.items():
        (DATA / name).write_bytes(make())
        print(f"wrote {DATA / name}")


if __name__ == "__main__":
    main()
