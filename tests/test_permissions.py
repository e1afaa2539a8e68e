"""Roles and the 负责 column → the nodes a person may act on."""

from __future__ import annotations

import pytest

from handlers.context import Person
from handlers.permissions import may_act_on, responsible_counselors, scope
from tests.commands_helpers import C21_1, C21_2, C22_1, DORM, G21, G22, School
from tests.school_factory import node_id

DAY = "2020-02-10"


@pytest.fixture
def school(db, clock, tmp_path):
    return School(db, clock, tmp_path)


def person(db, pid: str) -> Person:
    return Person(*db.execute(
        "SELECT id, name, role, class_id, dorm_id FROM people WHERE id = ?", [pid]
    ).fetchone())  # fmt: skip


def paths(db, ids: set[int]) -> set[str]:
    return {db.execute("SELECT path FROM nodes WHERE id = ?", [i]).fetchone()[0] for i in ids}


def test_scope_per_role(school):
    db = school.db
    assert scope(db, person(db, "2021002"), DAY) == set()  # 学生
    assert scope(db, None, DAY) == set()  # not bound
    assert paths(db, scope(db, person(db, "2021001"), DAY)) == {C21_1}  # 班长
    assert paths(db, scope(db, person(db, "2021003"), DAY)) == {DORM}  # 宿舍长
    assert paths(db, scope(db, person(db, "T001"), DAY)) == {G21, C21_1, C21_2}  # 辅导员
    assert paths(db, scope(db, person(db, "T002"), DAY)) == {G22, C22_1}
    everything = {r[0] for r in db.execute("SELECT id FROM nodes").fetchall()}
    assert scope(db, person(db, "A001"), DAY) == everything  # 管理员


def test_duty_counselor_sees_the_school_on_duty_days_only(school):
    db = school.db
    duty = person(db, "D001")
    assert scope(db, duty, DAY) == set()
    with db.atomic():
        db.execute("INSERT INTO duty_roster (day, counselor_id) VALUES (?, 'D001')", [DAY])
    assert len(scope(db, duty, DAY)) == db.execute("SELECT count(*) FROM nodes").fetchone()[0]
    assert scope(db, duty, "2020-02-11") == set()


def test_who_may_act_on_a_student(school):
    db = school.db
    li = person(db, "2021002")
    assert not may_act_on(db, li, "2021001", DAY)
    assert not may_act_on(db, li, "2021002", DAY)  # /补报 for oneself: no
    assert may_act_on(db, person(db, "2021003"), "2021001", DAY)  # same dorm, 宿舍长
    assert not may_act_on(db, person(db, "2021003"), "2021004", DAY)  # no dorm
    assert may_act_on(db, person(db, "T001"), "2021101", DAY)
    assert not may_act_on(db, person(db, "T002"), "2021101", DAY)


def test_alerts_go_to_the_nearest_counselor_or_else_the_admins(school):
    db = school.db
    assert responsible_counselors(db, node_id(db, C21_2)) == ["T001"]
    with db.atomic():
        db.execute("DELETE FROM responsibilities WHERE person_id = 'T002'")
    assert responsible_counselors(db, node_id(db, C22_1)) == ["A001"]


def test_a_student_cannot_reach_anyone_elses_report_by_any_command(school):
    for text in ("/异常", "/导出", "/统计", "/未报", "/补报 2021001 36.5 正常"):
        (sent,) = school.say("2021002", text)
        assert "仅限" in sent.text
    # /更正 only ever changes the sender's own report.
    school.say("2021002", "/更正 张三 38.5 发烧")
    owners = school.db.execute("SELECT DISTINCT person_id FROM reports").fetchall()
    assert owners == [("2021002",)]


def test_role_names_are_the_rosters():
    from handlers.permissions import ROLES, STAFF
    from storage.roster_rows import ROLES as ROSTER_ROLES
    from storage.roster_rows import STAFF_ROLES

    assert ROLES == ROSTER_ROLES and STAFF == STAFF_ROLES
