"""The duty roster: import (csv, xlsx, errors), and the duty pair receiving the roll-up."""

from __future__ import annotations

import openpyxl
import pytest

from bot.cli import main
from core.clock import FakeClock
from core.errors import RosterError
from schedules import Deps, duty_roll_up
from storage.db import open_db
from storage.duty import duty_for, import_duty
from tests.schedules_helpers import (
    add_person,
    at,
    config,
    last_id,
    opened,
    outbox,
    small_school,
)


@pytest.fixture
def school(db):
    small_school(db)
    add_person(db, "d3", "褚老师", role="值班辅导员", qq="9103")
    add_person(db, "d4", "卫书记", role="值班党员", qq="9104")
    return db


def test_csv_import_replaces_days_and_picks_the_right_people(school, tmp_path):
    sheet = tmp_path / "duty.csv"
    sheet.write_text(
        "\ufeff日期,值班辅导员 学号,值班党员 学号\n2020-02-10,d3,d4\n2020/2/11,d1,d2\n",
        encoding="utf-8",
    )
    with school.atomic():
        assert import_duty(school, sheet, at("08:00")) == 2
    assert duty_for(school, "2020-02-10").counselor.name == "褚老师"
    assert duty_for(school, "2020-02-11").officer.name == "陈书记"
    assert duty_for(school, "2020-02-12").counselor is None
    opened(school, "2020-02-10")
    opened(school, "2020-02-11")
    duty_roll_up(Deps(school, config(), FakeClock(at("21:00"))), "2020-02-10")
    assert sorted(r["target"] for r in outbox(school)) == ["9103", "9104"]
    mark = last_id(school)
    duty_roll_up(Deps(school, config(), FakeClock(at("21:00", "2020-02-11"))), "2020-02-11")
    assert sorted(r["target"] for r in outbox(school, mark)) == ["9101", "wx_chen"]


def test_xlsx_import_with_date_cells(school, tmp_path):
    from datetime import datetime

    book = openpyxl.Workbook()
    book.active.append(["日期", "值班辅导员学号", "值班党员学号"])
    book.active.append([datetime(2020, 2, 13), "d1", "d4"])
    book.save(tmp_path / "duty.xlsx")
    with school.atomic():
        import_duty(school, tmp_path / "duty.xlsx", at("08:00"))
    duty = duty_for(school, "2020-02-13")
    assert (duty.counselor.id, duty.officer.id) == ("d1", "d4")


def test_a_sheet_excel_saved_in_gbk_with_chinese_dates(school, tmp_path):
    """Read like the roster (storage/roster_file.py): GBK csv, 年月日 dates, blank rows."""
    sheet = tmp_path / "值班表.csv"
    sheet.write_bytes(
        "日期,值班辅导员　学号,值班党员 学号\n2020年2月15日,d3,d4\n,,\n2020.2.16,d1,d2\n".encode(
            "gb18030"
        )
    )
    with school.atomic():
        assert import_duty(school, sheet, at("08:00")) == 2
    assert duty_for(school, "2020-02-15").counselor.id == "d3"
    assert duty_for(school, "2020-02-16").officer.id == "d2"


def test_bad_rows_fail_the_whole_file_with_row_numbers(school, tmp_path):
    sheet = tmp_path / "duty.csv"
    sheet.write_text(
        "日期,值班辅导员 学号,值班党员 学号\n2020-02-20,d3,d4\n2月30日,d1,d2\n2020-02-21,nobody,\n",
        encoding="utf-8",
    )
    with pytest.raises(RosterError) as err, school.atomic():
        import_duty(school, sheet, at("08:00"))
    message = str(err.value)
    assert "第3行: 日期 '2月30日'" in message
    assert "第4行: 值班辅导员 学号 nobody 不在名单里" in message
    assert "第4行: 值班党员 学号为空" in message
    assert duty_for(school, "2020-02-20").counselor is None  # nothing stored


def test_cli_import(school, tmp_path, capsys):
    db_path = school.execute("PRAGMA database_list").fetchone()[2]
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"storage:\n  path: {db_path}\n", encoding="utf-8")
    sheet = tmp_path / "duty.csv"
    sheet.write_text("日期,值班辅导员,值班党员\n2020-02-14,d3,d4\n", encoding="utf-8")
    assert main(["duty", "import", str(sheet), "--config", str(cfg)]) == 0
    assert "导入 1 天的值班安排" in capsys.readouterr().out
    check = open_db(db_path)
    assert duty_for(check, "2020-02-14").counselor.id == "d3"
    check.close()
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,谁\n", encoding="utf-8")
    assert main(["duty", "import", str(bad), "--config", str(cfg)]) == 1
    assert "第1行应有列 日期" in capsys.readouterr().err
    assert main(["duty", "show", "--date", "2020-02-14", "--days", "2", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2020-02-14\t值班辅导员 褚老师(d3)\t值班党员 卫书记(d4)",
        "2020-02-15\t值班辅导员 —\t值班党员 —",
    ]


def test_cli_bad_dates_are_usage_errors_not_tracebacks(capsys):
    for argv in (
        ["duty", "show", "--date", "2020-13-01"],
        ["keygroups", "show", "--date", "昨天"],
        ["export", "--date", "2020-02-30", "-o", "x.xlsx"],
    ):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
        assert "日期应写成 YYYY-MM-DD" in capsys.readouterr().err
