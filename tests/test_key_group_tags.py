"""One list of key-group tags (config key_groups.tags) for the roster import, /重点, the
summaries and the ledger: a tag one of them accepts, all of them accept."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.config import DEFAULT_TAGS, KeyGroups
from storage.roster import RosterProblems, import_roster
from storage.status import node_status
from tests.commands_helpers import G21, School
from tests.conftest import TZ
from tests.school_factory import node_id

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

HEADER = "学号,姓名,学院,年级,班级,宿舍,角色,负责,微信,QQ,重点群体\n"
NOW = datetime(2020, 2, 10, 8, 0, tzinfo=TZ)


def roster(tmp_path, tags: str):
    path = tmp_path / "roster.csv"
    path.write_text(
        HEADER
        + "T001,陈老师,,,,,辅导员,计算机学院/2021级,,,\n"
        + "2021001,张三,计算机学院,2021级,计科1班,,学生,,,,湖北籍\n"
        + f"2021002,李四,计算机学院,2021级,计科1班,,学生,,,,{tags}\n",
        encoding="utf-8",
    )
    return path


def rebind_counselor(db) -> None:
    """The roster file has no sim account column: bind 陈老师's sim account again."""
    db.execute(
        "INSERT INTO accounts (platform, account_id, person_id, display_name,"
        " confirmed, source, created_at) VALUES ('sim', 'uT001', 'T001', '陈老师', 1, 'admin', ?)"
        " ON CONFLICT DO NOTHING",
        [NOW.isoformat()],
    )


def test_the_defaults_are_the_six_groups_of_2020():
    assert DEFAULT_TAGS == [
        "湖北籍",
        "留校",
        "14天内途经湖北",
        "14天内接触湖北人员",
        "在琼",
        "实习隔离",
    ]


def test_an_unknown_tag_in_the_roster_is_a_row_error_and_nothing_is_written(db, tmp_path):
    with pytest.raises(RosterProblems) as raised:
        import_roster(db, roster(tmp_path, "留校;密切接触者"), now=NOW)
    text = str(raised.value)
    assert "第4行" in text and "密切接触者" in text and "key_groups.tags" in text
    assert db.execute("SELECT count(*) FROM people").fetchone()[0] == 0


def test_a_configured_tag_is_accepted_by_the_roster_and_by_the_chat_command(db, clock, tmp_path):
    groups = KeyGroups(tags=[*DEFAULT_TAGS, "密切接触者"])
    school = School(db, clock, tmp_path)
    school.config.key_groups = groups
    clock.set(NOW)
    import_roster(db, roster(tmp_path, "密切接触者"), now=NOW, key_groups=groups)
    assert node_status(db, node_id(db, G21), "2020-02-10").key_groups["密切接触者"].total == 1
    rebind_counselor(db)
    answer = school.say("T001", "/重点 2021001 密切接触者")
    assert "列入重点群体「密切接触者」" in answer[0].text
    assert (
        db.execute(
            "SELECT count(*) FROM tags WHERE person_id = '2021001' AND tag = '密切接触者'"
        ).fetchone()[0]
        == 1
    )


@pytest.mark.parametrize("tag", DEFAULT_TAGS)
def test_every_default_tag_works_in_the_roster_and_in_chat(db, clock, tmp_path, tag):
    school = School(db, clock, tmp_path)
    clock.set(NOW)
    import_roster(db, roster(tmp_path, tag), now=NOW)
    rebind_counselor(db)
    answer = school.say("T001", f"/重点 2021001 {tag}")
    assert f"列入重点群体「{tag}」" in answer[0].text


def test_a_start_warns_about_tags_the_config_does_not_list(db, caplog):
    from core.config import Config
    from storage.startup import prepare

    db.execute("INSERT INTO people (id, name, role, updated_at) VALUES ('x', '甲', '学生', ?)",
               [NOW.isoformat()])  # fmt: skip
    db.execute("INSERT INTO tags (person_id, tag, start_day) VALUES ('x', '密切接触者', ?)",
               ["2020-02-09"])  # fmt: skip
    with caplog.at_level("WARNING", logger="storage.startup"):
        prepare(db, Config(), NOW)
    assert "密切接触者 (1)" in caplog.text and "key_groups.tags" in caplog.text
