"""Key-group tags from the roster's 重点群体 column: configured periods, automatic end, and
re-imports that neither restart an ended observation nor touch a /重点 tag."""

from __future__ import annotations

from datetime import datetime

from core.config import KeyGroups
from storage.keygroups import end_expired, observed_on, set_tag
from storage.roster import import_roster
from tests.conftest import TZ

HEADER = "学号,姓名,学院,年级,班级,宿舍,角色,负责,微信,QQ,重点群体\n"


def write(tmp_path, rows: list[str]):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def when(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T07:00:00").replace(tzinfo=TZ)


def tags(db):
    return db.execute(
        "SELECT person_id, tag, start_day, period_days, ended_day, source FROM tags"
        " ORDER BY person_id, tag"
    ).fetchall()


def test_roster_tags_follow_the_configured_periods_and_survive_reimports(db, tmp_path):
    groups = KeyGroups(periods={"留校": 0})
    rows = [
        "2021001,张三,计算机学院,2021级,计科1班,,学生,,,,湖北籍;留校",
        "2021002,李四,计算机学院,2021级,计科1班,,学生,,,,",
    ]
    import_roster(db, write(tmp_path, rows), now=when("2020-02-01"), key_groups=groups)
    assert tags(db) == [  # ordered by code point: 湖 before 留
        ("2021001", "湖北籍", "2020-02-01", 14, None, "roster"),
        ("2021001", "留校", "2020-02-01", 0, None, "roster"),
    ]
    with db.atomic():
        set_tag(db, "2021002", "在琼", "2020-02-03", 14, "/重点:T001")
        assert end_expired(db, "2020-02-15") == [("2021001", "湖北籍", "2020-02-15")]
    assert [o.tag for o in observed_on(db, "2020-02-15")] == ["在琼", "留校"]

    # Re-imported for another reason: the ended watch stays ended, /重点's tag stays.
    import_roster(db, write(tmp_path, rows), now=when("2020-02-16"), key_groups=groups)
    assert tags(db)[0] == ("2021001", "湖北籍", "2020-02-01", 14, "2020-02-15", "roster")
    assert tags(db)[2] == ("2021002", "在琼", "2020-02-03", 14, None, "/重点:T001")

    # Dropped from the file: 留校 ends today; listed again later: a new observation.
    rows[0] = "2021001,张三,计算机学院,2021级,计科1班,,学生,,,,湖北籍"
    import_roster(db, write(tmp_path, rows), now=when("2020-02-17"), key_groups=groups)
    assert tags(db)[1] == ("2021001", "留校", "2020-02-01", 0, "2020-02-17", "roster:dropped")
    rows[0] = "2021001,张三,计算机学院,2021级,计科1班,,学生,,,,湖北籍;留校"
    import_roster(db, write(tmp_path, rows), now=when("2020-02-20"), key_groups=groups)
    assert tags(db)[1] == ("2021001", "留校", "2020-02-20", 0, None, "roster")


def test_key_group_sheet_import_all_or_nothing(db, tmp_path, capsys):
    from openpyxl import Workbook

    from bot.cli import main
    from tests.commands_helpers import seed

    seed(db)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"storage:\n  path: {tmp_path / 'pingan.db'}\nkey_groups:\n  periods: {{在琼: 0}}\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "学号,标签,起始日期\n2021002,湖北籍,2020-02-08\n9999999,发烧,2月\n", encoding="utf-8"
    )
    assert main(["keygroups", "import", str(bad), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "第3行: 学号 9999999 不在花名册中" in err and "没有「发烧」这个标签" in err
    assert "第3行: 起始日期「2月」看不懂" in err
    assert db.execute("SELECT count(*) FROM tags").fetchone() == (0,)

    book = Workbook()
    sheet = book.active
    sheet.append(["学号", "标签", "起始日期", "观察天数"])
    sheet.append([2021002, "湖北籍;在琼", datetime(2020, 2, 8), None])
    sheet.append(["2022001", "实习隔离", None, 7])
    good = tmp_path / "good.xlsx"
    book.save(good)
    assert main(["keygroups", "import", str(good), "--config", str(config)]) == 0
    rows = db.execute(
        "SELECT person_id, tag, start_day, period_days, source FROM tags ORDER BY person_id, tag"
    ).fetchall()
    today = datetime.now(TZ).date().isoformat()
    assert rows == [
        ("2021002", "在琼", "2020-02-08", 0, "sheet"),
        ("2021002", "湖北籍", "2020-02-08", 14, "sheet"),
        ("2022001", "实习隔离", today, 7, "sheet"),
    ]
