"""Reference data loaded by data migrations: the region tree and the departments.

Regions: GB/T 2260 codes (RULES.md "Identity"); the two special zones have no
national code and get local codes with a letter, flagged ``is_local``.

Departments: every 责任单位 the seed plan (十政办发〔2017〕51号) names, the
county-level market-supervision bureaus, and the reorganisations that matter
to the records: the 2019 merger of 工商, 质监 and 食药监 (and the price
bureau's inspection duties) into 十堰市市场监督管理局, and the 2018 merger of
the entry-exit inspection bureau into 十堰海关.  Dates of reorganisation are
those of the public announcements as far as known; a deployment corrects
them in the city admin page (they are audited data, not code).
"""

# (code, name, level, parent code, is_local, sort)
REGIONS = [
    ("100000", "中华人民共和国", "nation", None, False, 0),
    ("420000", "湖北省", "province", "100000", False, 1),
    ("420300", "十堰市", "city", "420000", False, 2),
    ("420302", "茅箭区", "county", "420300", False, 10),
    ("420303", "张湾区", "county", "420300", False, 11),
    ("420304", "郧阳区", "county", "420300", False, 12),
    ("420322", "郧西县", "county", "420300", False, 13),
    ("420323", "竹山县", "county", "420300", False, 14),
    ("420324", "竹溪县", "county", "420300", False, 15),
    ("420325", "房县", "county", "420300", False, 16),
    ("420381", "丹江口市", "county", "420300", False, 17),
    ("4203K1", "十堰经济技术开发区", "zone", "420300", True, 18),
    ("4203K2", "武当山旅游经济特区", "zone", "420300", True, 19),
    ("X00000", "十堰市外", "outside", "100000", True, 90),
]

CITY_CODE = "420300"
#: the city's market-supervision bureau: county staff (县市区市场监管人员) work in its line
MARKET_SUPERVISION_CODE = "sy-amr"
OUTSIDE_CODE = "X00000"

# (code, name, short, kind, region, valid_from, valid_to, successor, responsible_unit)
MERGER_2019 = "2019-01-28"
BEFORE_MERGER_2019 = "2019-01-27"
DEPARTMENTS = [
    ("sy-amr", "十堰市市场监督管理局", "市市场监管局", "government", "420300", MERGER_2019, None, None, False),
    ("sy-aic", "十堰市工商行政管理局", "市工商局", "government", "420300", None, BEFORE_MERGER_2019, "sy-amr", True),
    ("sy-qts", "十堰市质量技术监督局", "市质监局", "government", "420300", None, BEFORE_MERGER_2019, "sy-amr", True),
    ("sy-fda", "十堰市食品药品监督管理局", "市食药监局", "government", "420300", None, BEFORE_MERGER_2019, "sy-amr", True),
    ("sy-price", "十堰市物价局", "市物价局", "government", "420300", None, BEFORE_MERGER_2019, "sy-amr", True),
    ("sy-customs", "十堰海关", "十堰海关", "vertical", "420300", None, None, None, True),
    ("sy-ciq", "十堰出入境检验检疫局", "十堰检验检疫局", "vertical", "420300", None, "2018-04-19", "sy-customs", True),
    ("sy-ndrc", "十堰市发展和改革委员会", "市发改委", "government", "420300", None, None, None, True),
    ("sy-eitc", "十堰市经济和信息化委员会", "市经信委", "government", "420300", None, None, None, True),
    ("sy-sci", "十堰市科学技术局", "市科技局", "government", "420300", None, None, None, True),
    ("sy-com", "十堰市商务局", "市商务局", "government", "420300", None, None, None, True),
    ("sy-agri", "十堰市农业局", "市农业局", "government", "420300", None, None, None, True),
    ("sy-health", "十堰市卫生和计划生育委员会", "市卫计委", "government", "420300", None, None, None, True),
    ("sy-env", "十堰市环境保护局", "市环保局", "government", "420300", None, None, None, True),
    ("sy-police", "十堰市公安局", "市公安局", "government", "420300", None, None, None, True),
    ("sy-supervision", "十堰市监察局", "市监察局", "government", "420300", None, None, None, True),
    ("sy-justice", "十堰市司法局", "市司法局", "government", "420300", None, None, None, True),
    ("sy-housing", "十堰市住房和城乡建设委员会", "市住建委", "government", "420300", None, None, None, True),
    ("sy-finance", "十堰市财政局", "市财政局", "government", "420300", None, None, None, True),
    ("sy-ggzy", "十堰市公共资源交易监督管理局", "市公共资源交易监管局", "government", "420300", None, None, None, True),
    ("sy-hrss", "十堰市人力资源和社会保障局", "市人社局", "government", "420300", None, None, None, True),
    ("sy-tourism", "十堰市旅游发展委员会", "市旅游委", "government", "420300", None, None, None, True),
    ("sy-edu", "十堰市教育局", "市教育局", "government", "420300", None, None, None, True),
    ("sy-culture", "十堰市文化体育新闻出版广电局", "市文体新广局", "government", "420300", None, None, None, True),
    ("sy-safety", "十堰市安全生产监督管理局", "市安监局", "government", "420300", None, None, None, True),
    ("sy-ltax", "十堰市地方税务局", "市地税局", "government", "420300", None, None, None, True),
    ("sy-ntax", "十堰市国家税务局", "市国税局", "vertical", "420300", None, None, None, True),
    ("sy-jrb", "十堰市人民政府金融工作办公室", "市政府金融办", "government", "420300", None, None, None, True),
    ("sy-legal", "十堰市人民政府法制办公室", "市政府法制办", "government", "420300", None, None, None, True),
    ("sy-pbc", "中国人民银行十堰市中心支行", "人行十堰分行", "vertical", "420300", None, None, None, True),
    ("sy-propaganda", "中共十堰市委宣传部", "市委宣传部", "government", "420300", None, None, None, True),
    ("sy-union", "十堰市总工会", "市总工会", "other", "420300", None, None, None, True),
    ("sy-quality-committee", "十堰市质量强市工作委员会", "市质量强市工作委员会", "committee", "420300", None, None, None, True),
    ("sy-standardization-group", "十堰市标准化工作领导小组", "市标准化工作领导小组", "committee", "420300", None, None, None, True),
    ("sy-food-safety-committee", "十堰市食品安全委员会", "市食品安全委员会", "committee", "420300", None, None, None, True),
    ("sy-industry-associations", "十堰市有关行业协会", "市有关行业协会", "association", "420300", None, None, None, True),
    ("sy-auto-association", "十堰市汽车行业协会", "市汽车行业协会", "association", "420300", None, None, None, True),
    ("sy-insurance-association", "十堰市保险行业协会", "市保险协会", "association", "420300", None, None, None, True),
    ("sy-consumer-association", "十堰市消费者委员会", "市消费者协会", "association", "420300", None, None, None, True),
    # county-level market-supervision bureaus (created by the 2019 reform)
    ("mj-amr", "茅箭区市场监督管理局", "茅箭区市场监管局", "government", "420302", MERGER_2019, None, None, False),
    ("zw-amr", "张湾区市场监督管理局", "张湾区市场监管局", "government", "420303", MERGER_2019, None, None, False),
    ("yy-amr", "郧阳区市场监督管理局", "郧阳区市场监管局", "government", "420304", MERGER_2019, None, None, False),
    ("yx-amr", "郧西县市场监督管理局", "郧西县市场监管局", "government", "420322", MERGER_2019, None, None, False),
    ("zs-amr", "竹山县市场监督管理局", "竹山县市场监管局", "government", "420323", MERGER_2019, None, None, False),
    ("zx-amr", "竹溪县市场监督管理局", "竹溪县市场监管局", "government", "420324", MERGER_2019, None, None, False),
    ("fx-amr", "房县市场监督管理局", "房县市场监管局", "government", "420325", MERGER_2019, None, None, False),
    ("djk-amr", "丹江口市市场监督管理局", "丹江口市市场监管局", "government", "420381", MERGER_2019, None, None, False),
    ("jkq-amr", "十堰市市场监督管理局经济技术开发区分局", "经开区市场监管分局", "government", "4203K1", MERGER_2019, None, None, False),
    ("wds-amr", "十堰市市场监督管理局武当山旅游经济特区分局", "武当山特区市场监管分局", "government", "4203K2", MERGER_2019, None, None, False),
]
