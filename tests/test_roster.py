"""Roster import: .csv and .xlsx, row-numbered errors, all-or-nothing, re-import."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from bot.cli import main
from core.config import Config, GroupBinding
from core.errors import ConfigError, RosterError
from storage.chats import bind_groups
from storage.roster import RosterProblems, import_if_newer, import_roster
from tests.conftest import REPO, TZ
from tests.roster_helpers import BASE, HEADER, row, write_csv, write_xlsx

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

NOW = datetime(2020, 2, 10, 8, 0, tzinfo=TZ)


def people(db):
    return {r["id"]: r for r in db.query("SELECT * FROM people ORDER BY id")}


def node_path(db, node_id):
    return db.execute("SELECT path FROM nodes WHERE id = ?", [node_id]).fetchone()[0]


def test_csv_import_builds_people_hierarchy_accounts_and_tags(db, tmp_path):
    result = import_roster(db, write_csv(tmp_path / "r.csv", BASE), now=NOW)
    assert (result.rows, result.added, result.updated, result.deactivated) == (5, 5, 0, 0)
    ppl = people(db)
    assert ppl["1001"]["role"] == "班长" and ppl["1004"]["role"] == "学生"
    assert ppl["1003"]["role"] == "学生"  # empty 角色 means 学生
    assert node_path(db, ppl["1001"]["class_id"]) == "计算机学院/2021级/计科1班"
    assert node_path(db, ppl["1004"]["dorm_id"]) == "宿舍/5栋201"
    assert ppl["T1"]["class_id"] is None
    kinds = dict(db.execute("SELECT path, kind FROM nodes").fetchall())
    assert kinds["计算机学院"] == "college" and kinds["计算机学院/2021级"] == "grade"
    assert kinds["计算机学院/2021级/计科2班"] == "class" and kinds["宿舍/12栋305"] == "dorm"
    resp = db.execute(
        "SELECT r.person_id, n.path FROM responsibilities r JOIN nodes n ON n.id = r.node_id"
    ).fetchall()
    assert resp == [("T1", "计算机学院/2021级")]
    accounts = set(db.execute("SELECT platform, account_id, person_id FROM accounts").fetchall())
    assert accounts == {
        ("wechat", "wxid_zhou01", "T1"),
        ("qq", "10001", "1001"),
        ("qq", "10002", "1002"),
        ("wechat", "wxid_wang05", "1003"),
    }
    tags = db.execute("SELECT person_id, tag, start_day, period_days FROM tags ORDER BY 1, 2")
    assert tags.fetchall() == [
        ("1002", "湖北籍", "2020-02-10", 14),
        ("1004", "湖北籍", "2020-02-10", 14),
        ("1004", "留校", "2020-02-10", 14),
    ]
    imports = db.execute("SELECT kind, rows FROM imports").fetchall()
    assert imports == [("roster", 5)]


def test_xlsx_import_equals_csv_import(db, tmp_path):
    # Spreadsheet cells come as numbers: 学号 1001 and QQ 10001 typed as numbers.
    rows = [[int(c) if c.isdigit() else c for c in row] for row in BASE]
    import_roster(db, write_xlsx(tmp_path / "r.xlsx", rows), now=NOW)
    from_xlsx = people(db)
    assert set(from_xlsx) == {"T1", "1001", "1002", "1003", "1004"}
    assert db.execute("SELECT account_id FROM accounts WHERE person_id = '1001'").fetchone() == (
        "10001",
    )


def test_bundled_sample_roster_imports_from_csv_and_xlsx(db):
    first = import_roster(db, REPO / "examples" / "roster.csv", now=NOW)
    again = import_roster(db, REPO / "examples" / "roster.xlsx", now=NOW)
    assert first.added == first.rows and (again.added, again.updated) == (0, 0)
    assert again.unchanged == first.rows and not again.changed  # the same people, as xlsx
    assert again.summary().startswith(f"无变化：{first.rows} 行")
    students = db.execute(
        "SELECT count(*) FROM people WHERE role IN ('学生', '班长', '宿舍长')"
    ).fetchone()[0]
    assert 110 <= students <= 130
    roles = {r[0] for r in db.execute("SELECT DISTINCT role FROM people").fetchall()}
    assert roles == {"学生", "班长", "宿舍长", "辅导员", "值班辅导员", "值班党员", "管理员"}
    classes = [r[0] for r in db.execute("SELECT path FROM nodes WHERE kind = 'class' ORDER BY 1")]
    assert classes == [
        "计算机学院/2021级/计科1班",
        "计算机学院/2021级/计科2班",
        "计算机学院/2022级/计科1班",
        "计算机学院/2022级/计科2班",
    ]
    dup_in_class = db.execute(
        "SELECT class_id, name FROM people WHERE class_id IS NOT NULL "
        "GROUP BY class_id, name HAVING count(*) > 1"
    ).fetchall()
    assert dup_in_class == []
    counselors = db.execute(
        "SELECT p.name, n.path FROM responsibilities r JOIN people p ON p.id = r.person_id "
        "JOIN nodes n ON n.id = r.node_id WHERE p.role = '辅导员' ORDER BY n.path"
    ).fetchall()
    assert [path for _, path in counselors] == ["计算机学院/2021级", "计算机学院/2022级"]


def test_utf8_bom_and_gbk_files(db, tmp_path):
    import_roster(db, write_csv(tmp_path / "bom.csv", BASE[:2], encoding="utf-8-sig"), now=NOW)
    assert set(people(db)) == {"T1", "1001"}
    import_roster(db, write_csv(tmp_path / "gbk.csv", BASE, encoding="gbk"), now=NOW)
    assert people(db)["1004"]["name"] == "赵敏"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (row(",无号,计算机学院,2021级,计科1班,,,,,,"), "缺少学号"),
        (row("1001,重号,计算机学院,2021级,计科1班,,,,,,"),
         "学号 1001 与第3行重复"),
        (row("1009,某人,计算机学院,2021级,计科1班,,老师,,,,"),
         "角色 '老师' 不认识"),
        (row("T9,某老师,,,,,辅导员,计算机学院//2021级,,,"),
         "负责路径 '计算机学院//2021级' 格式不对"),
        (row("T9,某老师,,,,,辅导员,计算机学院/2030级,,,"),
         "负责路径 '计算机学院/2030级' 不存在"),
        (row("1009,某人,计算机学院,,计科1班,,,,,,"), "学生缺少 年级"),
        (row("1009,某人,计算机学院,2021级,计科1班,,,,,12ab,"),
         "QQ号 '12ab' 不对"),
        (row("1009,某人,计算机学院,2021级,计科1班,,,,,10001,"),
         "QQ号 10001 与第3行重复"),
        (row("1009,某人,计算机学院,2021级,计科1班,,,,微信 号,,"),
         "微信号 '微信 号' 不对"),
    ],
)  # fmt: skip
def test_bad_rows_are_listed_with_row_numbers_and_nothing_is_written(db, tmp_path, row, expected):
    path = write_csv(tmp_path / "bad.csv", [*BASE, row])
    with pytest.raises(RosterProblems) as err:
        import_roster(db, path, now=NOW)
    # header is row 1, BASE takes rows 2–6: the bad row is row 7
    assert any(p.startswith("第7行") and expected in p for p in err.value.problems), err.value
    for table in ("people", "nodes", "accounts", "tags", "imports", "responsibilities"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_every_bad_row_is_reported_at_once(db, tmp_path):
    rows = [
        *BASE,
        row(",甲,计算机学院,2021级,计科1班,,,,,,"),
        row("1005,乙,,,,,学生,,,,"),
    ]
    with pytest.raises(RosterError) as err:
        import_roster(db, write_csv(tmp_path / "bad.csv", rows), now=NOW)
    message = str(err.value)
    assert "第7行: 缺少学号" in message and "第8行: 学生缺少 学院、年级、班级" in message


def test_missing_required_column(db, tmp_path):
    with pytest.raises(RosterError, match="缺少列 学号"):
        import_roster(db, write_csv(tmp_path / "r.csv", [["张三"]], header=["姓名"]), now=NOW)


def test_failed_reimport_keeps_the_previous_roster(db, tmp_path):
    import_roster(db, write_csv(tmp_path / "r.csv", BASE), now=NOW)
    before = people(db)
    bad = [
        *BASE[:2],
        row("1002,李四改,计算机学院,2021级,计科9班,,老师,,,,"),
    ]
    with pytest.raises(RosterError):
        import_roster(db, write_csv(tmp_path / "bad.csv", bad), now=NOW)
    assert people(db) == before


def test_reimport_updates_in_place_moves_class_and_deactivates_missing(db, tmp_path):
    import_roster(db, write_csv(tmp_path / "r.csv", BASE), now=NOW)
    db.execute(
        "INSERT INTO reports (person_id, day, class_id, source, created_at, updated_at) "
        "SELECT '1003', '2020-02-10', class_id, 'free', 'x', 'x' FROM people WHERE id = '1003'"
    )
    later = datetime(2020, 2, 12, 8, 0, tzinfo=TZ)
    changed = [
        BASE[0],
        row("1001,张三丰,计算机学院,2021级,计科1班,12栋305,学生,,,10001,"),
        # 李四 dropped; 王五 moves to 计科1班; 赵敏 loses 留校
        row("1003,王五,计算机学院,2021级,计科1班,12栋306,,,wxid_wang05,,"),
        row("1004,赵敏,计算机学院,2021级,计科2班,5栋201,学生,,,,湖北籍"),
    ]  # fmt: skip
    result = import_roster(db, write_csv(tmp_path / "r2.csv", changed), now=later)
    assert (result.added, result.updated, result.moved, result.deactivated) == (0, 3, 1, 1)
    assert result.unchanged == 1  # T1, the same row again
    ppl = people(db)
    assert len(ppl) == 5  # nobody duplicated, nobody deleted
    assert ppl["1001"]["name"] == "张三丰" and ppl["1001"]["role"] == "学生"
    assert ppl["1002"]["active"] == 0
    assert node_path(db, ppl["1003"]["class_id"]) == "计算机学院/2021级/计科1班"
    # the old report keeps the class it was made in
    old_class = db.execute("SELECT class_id FROM reports WHERE person_id = '1003'").fetchone()[0]
    assert node_path(db, old_class) == "计算机学院/2021级/计科2班"
    tags = dict(db.execute("SELECT tag, ended_day FROM tags WHERE person_id = '1004'").fetchall())
    assert tags == {"湖北籍": None, "留校": "2020-02-12"}
    start = db.execute(
        "SELECT start_day FROM tags WHERE person_id = '1004' AND tag = '湖北籍'"
    ).fetchone()[0]
    assert start == "2020-02-10"  # still listed: the watch keeps its first day


def test_reimport_reactivates_and_rebinds(db, tmp_path):
    import_roster(db, write_csv(tmp_path / "r.csv", BASE), now=NOW)
    import_roster(db, write_csv(tmp_path / "r2.csv", BASE[:2]), now=NOW)
    moved = [
        *BASE[:2],
        row("1002,李四,计算机学院,2021级,计科1班,,,,,10099,"),
    ]
    import_roster(db, write_csv(tmp_path / "r3.csv", moved), now=NOW)
    assert people(db)["1002"]["active"] == 1
    qq = db.execute("SELECT account_id FROM accounts WHERE person_id = '1002'").fetchall()
    assert qq == [("10099",)]


def test_import_if_newer_runs_once_per_file_change(db, tmp_path):
    path = write_csv(tmp_path / "r.csv", BASE)
    assert import_if_newer(db, path, now=NOW) is not None
    assert import_if_newer(db, path, now=NOW) is None
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 60))
    assert import_if_newer(db, path, now=NOW) is not None
    assert db.execute("SELECT count(*) FROM imports").fetchone()[0] == 2


def test_progress_is_reported_for_large_files(db, tmp_path):
    rows = [
        [str(100000 + i), f"学生{chr(0x4E00 + i)}", "计算机学院", "2021级", f"计科{i % 40}班"]
        for i in range(2500)
    ]
    seen = []
    path = write_csv(tmp_path / "big.csv", rows, header=HEADER[:5])
    import_roster(db, path, now=NOW, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_groups_bind_to_existing_nodes_only(db, tmp_path):
    import_roster(db, write_csv(tmp_path / "r.csv", BASE), now=NOW)
    config = Config(
        groups=[
            GroupBinding(platform="qq", chat="700001", node="计算机学院/2021级/计科1班",
                         purpose="class"),
            GroupBinding(platform="qq", chat="700900", node="计算机学院/2021级",
                         purpose="counselor"),
        ]
    )  # fmt: skip
    assert bind_groups(db, config) == 2
    config.groups.append(
        GroupBinding(
            platform="qq", chat="700002", node="计算机学院/2021级/计科3班", purpose="class"
        )
    )
    with pytest.raises(ConfigError, match=r"groups\[2\]\.node: 节点 '计算机学院/2021级/计科3班'"):
        bind_groups(db, config)
    assert db.execute("SELECT count(*) FROM chats").fetchone()[0] == 2


def test_cli_import_prints_summary_or_row_errors(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(f"storage: {{path: {tmp_path / 'p.db'}}}\n", encoding="utf-8")
    assert main(["roster", "import", str(write_csv(tmp_path / "r.csv", BASE)),
                 "--config", str(config)]) == 0  # fmt: skip
    assert "新增 5 人" in capsys.readouterr().out
    bad = write_csv(tmp_path / "bad.csv", [*BASE, row("1001,重号,,,,,,,,,")])
    assert main(["roster", "import", str(bad), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "第7行: 学号 1001 与第3行重复" in err and "Traceback" not in err


def test_a_missing_class_column_is_one_header_error_not_one_per_row(db, tmp_path):
    """A sheet without 班级: the admin reads one line about the header, not 120 alike."""
    header = [c for c in HEADER if c != "班级"]
    where = HEADER.index("班级")
    rows = [r[:where] + r[where + 1 :] for r in BASE]
    with pytest.raises(RosterProblems) as err:
        import_roster(db, write_csv(tmp_path / "r.csv", rows, header=header), now=NOW)
    assert err.value.problems == ["第1行: 缺少列 班级（4 个学生行需要 学院、年级、班级）"]
    assert people(db) == {}


def test_reimporting_the_same_file_says_no_change(db, tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(f"storage: {{path: {tmp_path / 'p.db'}}}\n", encoding="utf-8")
    argv = ["roster", "import", str(write_csv(tmp_path / "r.csv", BASE)), "--config", str(config)]
    assert main(argv) == 0
    assert "新增 5 人" in capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("无变化：5 行与上次导入的一致")
    changed = [*BASE[:-1], row("1004,赵敏,计算机学院,2021级,计科2班,5栋201,学生,,,,湖北籍")]
    argv[2] = str(write_csv(tmp_path / "r2.csv", changed))
    assert main(argv) == 0
    assert "更新 1 人, 未变 4 人" in capsys.readouterr().out
