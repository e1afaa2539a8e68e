"""Several people's reports in one message that is no 接龙 (a 宿舍长 reporting the dorm).

The parser reads such a message as one entry per person line (docs/parse-contract.md,
settled question 11); the bot stores each line, as a 代报 wherever it is not the writer's
own, and never lets one overwrite a student's own report.
"""

from __future__ import annotations

import pytest

from tests.commands_helpers import School


@pytest.fixture
def school(db, clock, tmp_path):
    return School(db, clock, tmp_path)


def reports(db) -> dict[str, tuple]:
    rows = db.execute(
        "SELECT person_id, temperature, author, posted_by FROM reports ORDER BY person_id"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_a_dorm_heads_list_in_the_class_group_stores_every_line(school):
    school.say("2021003", "王五 36.5 正常 在校\n李四 36.6 正常 在校\n赵敏 36.4 正常 在校", "g211")
    assert reports(school.db) == {
        "2021002": (36.6, "proxy", "2021003"),
        "2021003": (36.5, "self", None),
        "2021004": (36.4, "proxy", "2021003"),
    }
    outcome = school.db.execute("SELECT kind FROM raw_messages").fetchone()[0]
    assert outcome == "list"


def test_a_list_never_overwrites_a_students_own_report(school):
    school.say("2021002", "李四 38.6 发烧 在校", "g211")
    school.say("2021003", "王五 36.5 正常 在校\n李四 36.5 正常 在校", "g211")
    assert reports(school.db)["2021002"] == (38.6, "self", None)
    assert reports(school.db)["2021003"] == (36.5, "self", None)


def test_the_same_list_twice_counts_once(school):
    text = "王五 36.5 正常 在校\n赵敏 36.4 正常 在校"
    school.say("2021003", text, "g211")
    school.say("2021003", text, "g211")
    revisions = school.db.execute("SELECT revision FROM reports ORDER BY person_id").fetchall()
    assert revisions == [(1,), (1,)]
