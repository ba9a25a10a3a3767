"""Regenerate the sample 双公示 files in this folder (fictional parties, dates in 2026):

    cd /work/main && .venv/bin/python src/zhiliang/credit/tests/data/generate.py

* ``penalties_gbk.csv`` — Chinese headers, GBK: a low fine (USCC of the test registry's
  十堰东风精工汽车零部件有限公司), a heavy fine with confiscation, a warning only (个体工商户), a
  natural person with an identity number, a simple-procedure fine.
* ``penalties_codes.xlsx`` — the same rows under upper-case cf_* codes.
* ``penalties.json`` — the same rows as ``{"data": [...]}`` under lower-case cf_* codes.
* ``licences.csv`` (UTF-8, XK_* codes), ``licences.xlsx`` (Chinese headers).
"""

import csv
import io
import json
from pathlib import Path

HERE = Path(__file__).parent

# the test registry's (enterprises/tests/views_data.py) MAOJIAN_USCC / ZHANGWAN_USCC
MAOJIAN_USCC = ZHANGWAN_USCC = OTHER_USCC = ""  # set by _fix()
PERSON_ID = "420302199001010015"   # fictional, valid check character
REP_ID = "420303197502023452"


def _fix() -> None:
    import sys

    sys.path.insert(0, str(HERE.parents[3]))
    from zhiliang.core.uscc import make_uscc

    globals()["MAOJIAN_USCC"] = make_uscc("91420302MA4A1B2C3")
    globals()["ZHANGWAN_USCC"] = make_uscc("91420303MA4A1B2E5")
    globals()["OTHER_USCC"] = make_uscc("92420302MA4XY0001")


PENALTY_HEADERS = [
    ("cf_xdr_mc", "行政相对人名称"), ("cf_xdr_lb", "行政相对人类别"), ("cf_xdr_shxym", "统一社会信用代码"), ("cf_frdb", "法定代表人"),
    ("cf_fr_sfzh", "法定代表人证件号码"), ("cf_xdr_zjlx", "证件类型"), ("cf_xdr_zjhm", "证件号码"), ("cf_wsh", "行政处罚决定书文号"),
    ("cf_wfxw", "违法行为类型"), ("cf_sy", "违法事实"), ("cf_yj", "处罚依据"), ("cf_cflb", "处罚类别"), ("cf_nr", "处罚内容"),
    ("cf_nr_fk", "罚款金额（万元）"), ("cf_nr_wfff", "没收违法所得、没收非法财物的金额（万元）"), ("cf_jdrq", "处罚决定日期"),
    ("cf_cfjg", "处罚机关"), ("cf_cfjgdm", "处罚机关统一社会信用代码"), ("cf_sjly", "数据来源单位"), ("cf_cfcx", "处罚程序"), ("bz", "备注"),
]


def penalty_rows() -> list[list[str]]:
    amr = "十堰市市场监督管理局"
    return [
        ["十堰东风精工汽车零部件有限公司", "法人及非法人组织", MAOJIAN_USCC, "李建国", REP_ID, "", "", "十市监处罚〔2026〕101号",
         "生产不合格产品", "示例：抽查不合格", "《产品质量法》第四十九条", "罚款", "罚款0.5万元", "0.5", "", "2026-03-10", amr, "", amr,
         "普通程序", "示例数据"],
        ["虚构示例电器制造有限公司", "法人及非法人组织", ZHANGWAN_USCC, "王示例", "", "", "", "十市监处罚〔2026〕102号",
         "以次充好", "示例：以不合格产品冒充合格产品", "《产品质量法》第五十条", "罚款;没收违法所得", "罚款20万元，没收违法所得1.2万元",
         "20", "1.2", "2026-04-01", amr, "", amr, "普通程序", ""],
        ["虚构示例五金商行", "个体工商户", OTHER_USCC, "张示例", "", "", "", "茅市监处罚〔2026〕7号", "未明示标识",
         "示例", "《产品质量法》第五十四条", "警告", "警告", "", "", "2026-05-06", "十堰市茅箭区市场监督管理局", "", amr, "普通程序", ""],
        ["刘虚构", "自然人", "", "", "", "身份证", PERSON_ID, "十市监处罚〔2026〕103号", "销售伪劣产品", "示例", "《产品质量法》",
         "罚款", "罚款0.2万元", "0.2", "", "2026-06-15", amr, "", amr, "普通程序", ""],
        ["虚构示例副食店", "法人及非法人组织", "", "", "", "", "", "十市监当场〔2026〕9号", "标签不规范", "示例", "《食品安全法》",
         "罚款", "罚款0.02万元", "0.02", "", "2026-07-01", amr, "", amr, "简易程序", ""],
    ]


LICENCE_HEADERS = [
    ("XK_XDR_MC", "行政相对人名称"), ("XK_XDR_LB", "行政相对人类别"), ("XK_XDR_SHXYM", "统一社会信用代码"), ("XK_FRDB", "法定代表人"),
    ("XK_XKWS", "行政许可决定文书名称"), ("XK_WSH", "行政许可决定文书号"), ("XK_XKLB", "许可类别"), ("XK_XKZS", "许可证书名称"),
    ("XK_XKBH", "许可编号"), ("XK_NR", "许可内容"), ("XK_JDRQ", "许可决定日期"), ("XK_YXQZ", "有效期自"), ("XK_YXQZI", "有效期至"),
    ("XK_XKJG", "许可机关"), ("XK_LYDW", "数据来源单位"),
]


def licence_rows() -> list[list[str]]:
    amr = "十堰市市场监督管理局"
    return [
        ["十堰东风精工汽车零部件有限公司", "法人及非法人组织", MAOJIAN_USCC, "李建国", "准予行政许可决定书", "十市监许〔2026〕21号",
         "普通", "全国工业产品生产许可证", "XK00-000-00001", "示例：生产许可", "2026-02-02", "2026-02-02", "2031-02-01", amr, amr],
        ["虚构示例五金商行", "个体工商户", OTHER_USCC, "张示例", "准予行政许可决定书", "茅市监许〔2026〕3号", "普通",
         "食品经营许可证", "JY0000000000001", "示例：预包装食品销售", "2026-03-03", "2026-03-03", "2031-03-02",
         "十堰市茅箭区市场监督管理局", amr],
    ]


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> None:
    _fix()
    codes, names = [c for c, _ in PENALTY_HEADERS], [n for _, n in PENALTY_HEADERS]
    (HERE / "penalties_gbk.csv").write_bytes(csv_bytes(names, penalty_rows(), "gbk"))
    (HERE / "penalties_codes.xlsx").write_bytes(xlsx_bytes([c.upper() for c in codes], penalty_rows()))
    data = {"data": [dict(zip(codes, row, strict=True)) for row in penalty_rows()]}
    (HERE / "penalties.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    codes, names = [c for c, _ in LICENCE_HEADERS], [n for _, n in LICENCE_HEADERS]
    (HERE / "licences.csv").write_bytes(csv_bytes(codes, licence_rows(), "utf-8"))
    (HERE / "licences.xlsx").write_bytes(xlsx_bytes(names, licence_rows()))


if __name__ == "__main__":
    main()
