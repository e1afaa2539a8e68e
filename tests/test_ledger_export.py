"""The ledger (台账): `pingan export` writes a workbook that reads back cell by cell."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from bot.cli import main
from storage.db import open_db
from storage.keygroups import set_tag
from tests.commands_helpers import audit_rows, seed
from tests.school_factory import add_report as report


@pytest.fixture
def school(tmp_path):
    path = tmp_path / "pingan.db"
    db = open_db(path)
    seed(db)
    report(db, "2021001", "2020-02-10", temperature=36.5, abnormal=False, on_campus=True)
    report(db, "2021001", "2020-02-11", temperature=36.6, abnormal=False, source="chain",
           posted_by="2021003", proxy=True)  # fmt: skip
    report(db, "2021002", "2020-02-10", temperature=37.8, abnormal=True, symptoms=["发热", "咳嗽"],
           on_campus=False, province="湖北", isolation="home")  # fmt: skip
    report(db, "2021002", "2020-02-11", temperature=36.9, abnormal=False, source="补报",
           posted_by="T001", on_campus=False)  # fmt: skip
    report(db, "2021101", "2020-02-10")
    report(db, "2021004", "2020-02-12", source="free", proxy=True)  # by an unbound account
    with db.atomic():
        db.execute(
            "UPDATE reports SET posted_account = 'qq:66666' WHERE person_id = '2021004'"
            " AND day = '2020-02-12'"
        )
        db.execute(
            "INSERT INTO leaves (person_id, start_day, end_day, reason, created_at)"
            " VALUES ('2021004', '2020-02-10', '2020-02-11', '住院', '2020-02-09T10:00:00+08:00')"
        )
        set_tag(db, "2021002", "湖北籍", "2020-02-01", 14, "roster")
        set_tag(db, "2021101", "留校", "2020-02-11", 0, "roster")
        db.execute(
            "INSERT INTO cases (person_id, opened_day, opened_at, reason, last_abnormal_day)"
            " VALUES ('2021002', '2020-02-10', '2020-02-10T09:00:00+08:00',"
            " '37.8℃ 发热、咳嗽', '2020-02-10')"
        )
    db.close()
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  path: {path}\n", encoding="utf-8")
    return tmp_path, config, path


def test_export_range_reads_back_cell_by_cell(school, capsys):
    tmp, config, dbpath = school
    out = tmp / "台账.xlsx"
    code = main(["export", "--config", str(config), "--from", "2020-02-10", "--to", "2020-02-11",
                 "--node", "计算机学院/2021级", "-o", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "2021级-计科1班", "2021级-计科2班", "重点-湖北籍", "重点-留校",
                             "未报异常联系", "异常跟踪"]  # fmt: skip

    cls = wb["2021级-计科1班"]
    assert cls.freeze_panes == "E3"
    merged = {str(r) for r in cls.merged_cells.ranges}
    assert {"A1:A2", "D1:D2", "E1:I1", "J1:N1"} <= merged  # day headers span their group
    assert [c.value for c in cls[1]][:5] == ["学号", "姓名", "宿舍", "重点群体", "2020-02-10"]
    assert [c.value for c in cls[2]][4:14] == ["体温", "状态", "地点", "来源", "备注"] * 2
    rows = {r[0]: r for r in cls.iter_rows(min_row=3, values_only=True)}
    assert list(rows) == ["2021001", "2021002", "2021003", "2021004"]
    zhang = rows["2021001"]
    assert zhang[:4] == ("2021001", "张三", "12栋305", None)  # the dorm as the roster has it
    assert zhang[4:9] == (36.5, "正常", "在校", "自报", None)
    assert zhang[9:14] == (36.6, "正常", "在校", "接龙", "代报：王五")
    li = rows["2021002"]
    assert li[3] == "湖北籍"
    assert li[4:9] == (37.8, "异常：发热、咳嗽", "在家 湖北 居家隔离", "自报", None)
    assert li[9:14] == (36.9, "正常", "在家", "补报", "补报：陈老师")
    assert rows["2021003"][4:14] == (None, "未报", None, None, None) * 2
    assert rows["2021004"][4:9] == (None, "请假", None, None, "请假：住院")
    assert cls["F4"].fill.fgColor.rgb.endswith("F8CBAD")  # 异常 stands out
    assert cls.column_dimensions["F"].width >= 10

    summary = wb["汇总"]
    lines = {r[0]: r for r in summary.iter_rows(min_row=3, values_only=True)}
    assert list(lines) == [
        "计算机学院/2021级",
        "计算机学院/2021级/计科1班",
        "计算机学院/2021级/计科2班",
    ]
    # 应报 实报 未报 异常 请假, per day
    assert lines["计算机学院/2021级/计科1班"] == ("计算机学院/2021级/计科1班", "班级", 4,
                                                 3, 2, 1, 1, 1, 3, 2, 1, 0, 1)  # fmt: skip
    assert lines["计算机学院/2021级"][1:] == ("年级", 6, 5, 3, 2, 1, 1, 5, 2, 3, 0, 1)

    hubei = wb["重点-湖北籍"]
    assert [c.value for c in hubei[1]] == ["日期", "学号", "姓名", "班级", "观察进度", "起始日期",
                                           "结束日期", "体温", "状态", "地点"]  # fmt: skip
    assert [tuple(r) for r in hubei.iter_rows(min_row=2, values_only=True)] == [
        ("2020-02-10", "2021002", "李四", "计算机学院/2021级/计科1班", "第10/14天", "2020-02-01",
         "2020-02-14", 37.8, "异常：发热、咳嗽", "在家 湖北 居家隔离"),
        ("2020-02-11", "2021002", "李四", "计算机学院/2021级/计科1班", "第11/14天", "2020-02-01",
         "2020-02-14", 36.9, "正常", "在家"),
    ]  # fmt: skip
    stay = [tuple(r) for r in wb["重点-留校"].iter_rows(min_row=2, values_only=True)]
    assert stay == [("2020-02-11", "2021101", "钱一", "计算机学院/2021级/计科2班", "第1天",
                     "2020-02-11", "不限", None, "未报", None)]  # fmt: skip

    cases = [tuple(r) for r in wb["异常跟踪"].iter_rows(min_row=2, values_only=True)]
    assert cases == [(1, "2021002", "李四", "计算机学院/2021级/计科1班", "2020-02-10",
                      "37.8℃ 发热、咳嗽", "2020-02-10", "跟踪中", None, None, None)]  # fmt: skip

    db = open_db(dbpath)
    (row,) = audit_rows(db, "export")
    assert (row["actor"], row["via"], row["scope"]) == (None, "cli", "计算机学院/2021级")
    assert (row["day_from"], row["day_to"], row["rows"]) == ("2020-02-10", "2020-02-11", 12)


def test_export_scope_leaves_other_grades_out(school):
    tmp, config, _ = school
    out = tmp / "a.xlsx"
    assert main(["export", "--config", str(config), "--date", "2020-02-10",
                 "--node", "计算机学院/2022级", "-o", str(out)]) == 0  # fmt: skip
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "2022级-计科1班", "未报异常联系", "异常跟踪"]
    ids = [r[0] for r in wb["2022级-计科1班"].iter_rows(min_row=3, values_only=True)]
    assert ids == ["2022001", "2022002"]
    assert wb["异常跟踪"].max_row == 1


def test_export_node_by_unique_ending_as_in_chat(school, capsys):
    """--node reads names as the chat commands do: `2022级` is 计算机学院/2022级."""
    tmp, config, dbpath = school
    out = tmp / "b.xlsx"
    assert main(["export", "--date", "2020-02-10", "--node", "2022级", "-o", str(out),
                 "--config", str(config)]) == 0  # fmt: skip
    assert "计算机学院/2022级" in capsys.readouterr().out
    assert load_workbook(out).sheetnames == ["汇总", "2022级-计科1班", "未报异常联系", "异常跟踪"]
    db = open_db(dbpath)
    (row,) = audit_rows(db, "export")
    assert row["scope"] == "计算机学院/2022级"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--node", "无此学院"], "找不到「无此学院」"),
        (
            ["--node", "计科1班"],
            "「计科1班」有歧义，可能是：计算机学院/2021级/计科1班、计算机学院/2022级/计科1班",
        ),
        (["--from", "2020-02-12", "--to", "2020-02-10"], "早于"),
        (["--date", "2020-02-10", "--from", "2020-02-10", "--to", "2020-02-11"], "只能给一种"),
        (["--from", "2020-02-10"], "要一起给"),
    ],
)
def test_export_refuses_bad_arguments_in_one_line(school, capsys, argv, message):
    tmp, config, _ = school
    code = main(["export", "--config", str(config), *argv, "-o", str(tmp / "x.xlsx")])
    err = capsys.readouterr().err
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_a_proxy_by_an_unbound_account_names_the_account(school, capsys):
    """Issue 12: a 代报 always says who posted it, in the ledger (for staff) too."""
    tmp, config, _ = school
    out = tmp / "台账.xlsx"
    code = main(["export", "--config", str(config), "--date", "2020-02-12",
                 "--node", "计算机学院/2021级/计科1班", "-o", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = {
        r[0]: r for r in load_workbook(out)["2021级-计科1班"].iter_rows(min_row=3, values_only=True)
    }
    assert rows["2021004"][4:9] == (36.5, "正常", "在校", "自报", "代报：qq:66666")
