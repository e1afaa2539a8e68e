"""School admins and counselors see their own school only: chat, CLI and nightly summaries."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.cli import main
from core.clock import FakeClock
from core.config import Config
from schedules import Deps, duty_roll_up
from schedules.opened import record_opened
from tests.schools_helpers import DAY, DEFAULT, OTHER, Province

pytestmark = pytest.mark.both_stores

TZ = ZoneInfo("Asia/Shanghai")
OURS = ["张三丰", "李四海", "王五岳"]  # 平安大学's students
THEIRS = ["赵六合", "孙七星", "周八方"]  # 师范大学's


@pytest.fixture
def province(db, tmp_path):
    return Province(db, FakeClock(datetime(2020, 2, 10, 12, 0, tzinfo=TZ)), tmp_path)


def test_each_admin_hears_only_their_schools_missing(province):
    (theirs,) = province.say("30001", "/未报")  # 乙管理, 师范大学
    assert "孙七星" in theirs.text and not any(n in theirs.text for n in OURS)
    (ours,) = province.say("20001", "/未报")  # 甲管理, 平安大学
    assert "王五岳" in ours.text and not any(n in ours.text for n in THEIRS)


def test_statistics_count_the_askers_school(province):
    (theirs,) = province.say("30001", "/统计")
    assert f"{OTHER}/计算机学院：应报 2 实报 1 未报 1 异常 1" in theirs.text
    assert "应报 3" not in theirs.text  # 平安大学's class of three is not there
    (counselor,) = province.say("30002", "/统计")  # 乙老师: 负责 their school's 2021级
    assert "计科1班：应报 2 实报 1 未报 1 异常 1" in counselor.text


def test_another_schools_class_and_student_are_out_of_reach(province):
    (short,) = province.say("30001", "/未报 计科1班")  # the same name in both schools
    assert "孙七星" in short.text and "有歧义" not in short.text and "王五岳" not in short.text
    (full,) = province.say("30001", "/未报 平安大学/计算机学院/2021级/计科1班")
    assert full.text.startswith("找不到") and "王五岳" not in full.text
    (record,) = province.say("30001", "/补报 1003 36.5 正常 在校")
    assert record.text == "学号 1003 不在你负责的范围内。"
    reports = province.db.execute("SELECT count(*) FROM reports WHERE person_id = '1003'")
    assert reports.fetchone()[0] == 0


def config_file(tmp_path, db_path):
    path = tmp_path / "config.yaml"
    path.write_text(f"school: {DEFAULT}\nstorage:\n  path: {db_path}\n", encoding="utf-8")
    return path


def workbook_text(path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


@pytest.mark.sqlite_only("the CLI opens the store its config file names: this test's SQLite file")
def test_cli_export_as_a_school_admin_holds_their_school_only(province, tmp_path, capsys):
    config = config_file(tmp_path, tmp_path / "pingan.db")
    out = tmp_path / "b.xlsx"
    code = main(["export", "--config", str(config), "--date", DAY, "--as", "B01", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    text = workbook_text(out)
    assert all(n in text for n in ["赵六合", "孙七星"]) and not any(n in text for n in OURS)
    whole = tmp_path / "all.xlsx"
    assert main(["export", "--config", str(config), "--date", DAY, "-o", str(whole)]) == 0
    assert all(n in workbook_text(whole) for n in ["张三丰", "赵六合"])  # no --as: everything


@pytest.mark.sqlite_only("the CLI opens the store its config file names: this test's SQLite file")
def test_cli_export_as_refuses_another_schools_node_and_the_province(province, tmp_path, capsys):
    config = config_file(tmp_path, tmp_path / "pingan.db")
    out = tmp_path / "x.xlsx"
    base = ["export", "--config", str(config), "--date", DAY, "-o", str(out)]
    assert main([*base, "--as", "B01", "--node", "平安大学/计算机学院"]) == 1
    assert "找不到「平安大学/计算机学院」" in capsys.readouterr().err
    assert main([*base, "--as", "A01", "--node", f"{OTHER}/计算机学院"]) == 1
    assert "找不到" in capsys.readouterr().err
    assert main([*base, "--as", "P01"]) == 1
    assert "省级账号只能查看各校汇总人数" in capsys.readouterr().err
    assert not out.exists()


def test_the_duty_roll_up_covers_the_duty_persons_school(province):
    db = province.db
    db.execute(
        "INSERT INTO duty_roster (day, counselor_id, officer_id) VALUES (?, 'BT1', 'A01')", [DAY]
    )
    classes = [r[0] for r in db.execute("SELECT path FROM nodes WHERE kind = 'class'")]
    record_opened(db, DAY, classes, datetime(2020, 2, 10, 7, 0, tzinfo=TZ))
    db.conn.commit()
    clock = FakeClock(datetime(2020, 2, 10, 21, 0, tzinfo=TZ))
    deps = Deps(db, Config(checkin={"charts": False}, school=DEFAULT), clock)
    assert duty_roll_up(deps, DAY) == 2
    sent = dict(db.execute("SELECT target, text FROM outbox WHERE chat_type = 'private'"))
    theirs, ours = sent["30002"], sent["20001"]  # 乙老师 (师范大学), 甲管理 (平安大学)
    assert "应报 2，实报 1" in theirs and "文学院" in theirs and "赵六合" in theirs
    assert "李四海" not in theirs
    assert "应报 3，实报 2" in ours and "李四海" in ours
    assert "文学院" not in ours and "赵六合" not in ours


def test_a_psychologist_reads_and_is_paged_for_their_own_school_only(province):
    from handlers.care.people import to_page
    from handlers.care.visibility import visible_cases
    from handlers.context import Person
    from storage.care import open_or_extend

    db, now = province.db, province.clock.now()
    open_or_extend(db, "1001", DAY, now)
    open_or_extend(db, "2001", DAY, now)
    theirs = Person("BP1", "乙心理", "心理老师")
    assert [c.person_id for c in visible_cases(db, theirs, DAY)] == ["2001"]
    ours = Person("AP1", "甲心理", "心理老师")
    assert [c.person_id for c in visible_cases(db, ours, DAY)] == ["1001"]
    class_2001 = db.execute("SELECT class_id FROM people WHERE id = '2001'").fetchone()[0]
    paged = to_page(db, province.config, class_2001, DAY)
    assert "BP1" in paged and "AP1" not in paged


def test_an_admin_confirms_staff_accounts_of_their_own_school_only(province):
    (other,) = province.say("30001", "/确认绑定 AT1 99999")  # 乙管理 on 平安大学's 甲老师
    assert other.text == "学号 AT1 的账号只能由管理员确认。"
    (own,) = province.say("20001", "/确认绑定 AT1 99999")  # 甲管理, same school
    assert own.text.startswith("甲老师（AT1）没有")


def test_an_admins_jielong_detail_is_of_their_own_schools_class(province):
    (theirs,) = province.say("30001", "/接龙 计科1班")
    (ours,) = province.say("20001", "/接龙 计科1班")
    assert "孙七星" in theirs.text and not any(n in theirs.text for n in OURS)
    assert "王五岳" in ours.text and not any(n in ours.text for n in THEIRS)
