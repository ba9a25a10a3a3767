"""``zhiliang calendar``: load (CSV/JSON, audited, all-or-nothing), show, add-working-days."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from zhiliang.core.models import CalendarDay, CalendarYear, DomainEvent, ObjectChange
from zhiliang.core.workdays import add_working_days, year_source

D = datetime.date
pytestmark = pytest.mark.django_db

CSV_2027 = """date,is_working,name
2027-01-01,0,元旦
2027-02-05,否,春节
2027-02-08,休,春节
2027-02-09,false,春节
2027-02-10,0,春节
2027-02-11,0,春节
2027-02-20,1,春节调休
2027-10-09,是,国庆节调休
"""


def run(*args):
    out = io.StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_load_csv_then_show(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(CSV_2027, encoding="utf-8")
    assert year_source(2027) == "provisional"
    out = run("load", str(path), "--year", "2027", "--source", "国办发明电〔2026〕X号", "--reason", "国务院公布2027年安排")
    assert out == "已加载 2027 年工作日历：6 个休息日、2 个上班日（来源：国办发明电〔2026〕X号）\n"
    cal = CalendarYear.objects.get(year=2027)
    assert cal.source == "国办发明电〔2026〕X号"
    assert CalendarDay.objects.filter(year=cal).count() == 8
    # audited: the change log names the system actor and the reason; the event is in the outbox
    change = ObjectChange.objects.filter(object_repr="2027").get()
    assert change.actor_name == "系统" and change.reason == "国务院公布2027年安排" and change.source == "command"
    assert DomainEvent.objects.filter(name="core.calendar_loaded", payload__year=2027).exists()
    assert year_source(2027) == "loaded"
    assert add_working_days(D(2027, 2, 4), 3) == D(2027, 2, 16)

    shown = run("show", "2027").splitlines()
    assert shown[0] == "2027 年工作日历 — 来源：本地加载（国办发明电〔2026〕X号）"
    assert "  2027-02-11 周四 春节" in shown
    assert shown[-2:] == ["  2027-02-20 周六 春节调休", "  2027-10-09 周六 国庆节调休"]
    assert not any("临时" in line for line in shown)


def test_load_json_with_an_actor(tmp_path, city_admin):
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"days": [{"date": "2027-01-01", "is_working": False, "name": "元旦"}]}, ensure_ascii=False))
    run("load", str(path), "--source", "测试文件", "--actor", city_admin.username)
    change = ObjectChange.objects.filter(object_repr="2027").get()
    assert change.actor_id == city_admin.pk
    assert change.reason == "加载 2027 年工作日历（测试文件）"


def test_a_bad_csv_names_every_row_and_column_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,is_working,name\n2027-01-01,0,元旦\n2027-13-01,0,x\n2027-02-05,maybe,春节\n2027-02-06\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        run("load", str(path), "--year", "2027", "--source", "s")
    assert str(exc.value).splitlines() == [
        "日历文件有错误，未写入任何数据：",
        "bad.csv 第 3 行第 1 列（date）：“2027-13-01”不是日期（应为 YYYY-MM-DD）",
        "bad.csv 第 4 行第 2 列（is_working）：无法识别“maybe”（应为 1/0、true/false、是/否、上班/休息）",
        "bad.csv 第 5 行：只有 1 列，应有 3 列",
    ]
    assert not CalendarYear.objects.exists() and not CalendarDay.objects.exists()
    assert year_source(2027) == "provisional"


def test_a_bad_header_or_json_or_year_is_refused(tmp_path):
    header = tmp_path / "h.csv"
    header.write_text("day,working\n2027-01-01,0\n", encoding="utf-8")
    with pytest.raises(CommandError, match="h.csv 第 1 行：表头须为 date,is_working,name"):
        run("load", str(header), "--source", "s")
    broken = tmp_path / "b.json"
    broken.write_text('[{"date": "2027-01-01", "is_working": fals}]', encoding="utf-8")
    with pytest.raises(CommandError, match="不是合法的 JSON（第 1 行第 39 列"):
        run("load", str(broken), "--source", "s")
    items = tmp_path / "i.json"
    items.write_text('[{"date": "2027-01-01"}, {"date": "2027-01-02", "is_working": "x"}]', encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        run("load", str(items), "--source", "s")
    assert "i.json 第 1 项：缺少字段 is_working" in str(exc.value)
    assert "i.json 第 2 项的 is_working：无法识别“x”" in str(exc.value)
    mixed = tmp_path / "m.csv"
    mixed.write_text("日期,是否工作日,名称\n2026-12-31,0,x\n2027-01-01,0,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="请用 --year 指定"):
        run("load", str(mixed), "--source", "s")
    with pytest.raises(CommandError, match="2026-12-31 不属于 2027 年"):
        run("load", str(mixed), "--source", "s", "--year", "2027")
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        run("load", str(_ok(tmp_path)), "--source", "s", "--actor", "nobody")
    assert not CalendarYear.objects.exists()


def _ok(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("date,is_working,name\n2027-01-01,0,元旦\n", encoding="utf-8")
    return path


def test_dry_run_checks_without_writing(tmp_path):
    assert run("load", str(_ok(tmp_path)), "--source", "s", "--dry-run") == "文件检查通过：2027 年 1 天（未写入）\n"
    assert not CalendarYear.objects.exists()


def test_show_a_provisional_and_a_package_year():
    provisional = run("show", "2027").splitlines()
    assert provisional[0].startswith("2027 年工作日历 — 来源：临时（推算）")
    assert provisional[1].startswith("注意：该年度的官方节假日安排尚未加载")
    assert "  2027-02-08 周一 春节" in provisional
    assert provisional[-1] == "  （无）"
    package = run("show", "2025").splitlines()
    assert package[0] == "2025 年工作日历 — 来源：chinese-calendar 数据包（chinese-calendar）"
    assert "  2025-09-28 周日 国庆节调休" in package
    assert "  2025-10-11 周六 国庆节调休" in package
    assert "  2025-10-06 周一 中秋节" in package


def test_add_working_days_command():
    assert run("add-working-days", "2025-09-30", "5") == "2025-09-30 之后第 5 个工作日：2025-10-14 周二\n"
    assert run("add-working-days", "2026-12-20", "10") == (
        "2026-12-20 之后第 10 个工作日：2027-01-04 周一（临时：涉及尚未加载官方安排的年度）\n"
    )
    with pytest.raises(CommandError, match="起算日须为 YYYY-MM-DD，收到“30/9/2025”"):
        run("add-working-days", "30/9/2025", "5")
