"""The shared status queries: what every count means, for a class and rolled up."""

from __future__ import annotations

import pytest

from storage.status import day_status, node_status
from tests.schedules_helpers import (
    CLASS1,
    CLASS2,
    COLLEGE,
    GRADE,
    add_leave,
    add_person,
    add_report,
    node_id,
    small_school,
)

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

DAY, YESTERDAY = "2020-02-10", "2020-02-09"


def test_counts_lists_and_change_for_a_class(db):
    small_school(db)
    add_leave(db, "s3", "2020-02-09", "2020-02-11", "病假")
    add_report(db, "s3", DAY, temperature=38.2, abnormal=True, symptoms=("发热",))  # on leave
    add_report(db, "s1", DAY)
    add_report(db, "s2", DAY, temperature=37.5, abnormal=True, symptoms=("咳嗽", "乏力"))
    add_report(db, "s1", YESTERDAY)
    db["people"].update("s5", {"active": 0})  # dropped from the roster
    s = node_status(db, node_id(db, CLASS1), DAY)
    c = s.counts
    assert (c.expected, c.reported, c.missing, c.on_leave, c.abnormal) == (3, 2, 1, 1, 2)
    assert [m.name for m in s.missing] == ["赵六"]
    assert [x.name for x in s.on_leave] == ["王五"] and s.on_leave[0].reason == "病假"
    assert [(a.name, a.temperature, a.symptoms) for a in s.abnormal] == [
        ("李四", 37.5, ("咳嗽", "乏力")),
        ("王五", 38.2, ("发热",)),
    ]
    assert s.key_groups["湖北籍"].total == 1 and s.key_groups["湖北籍"].abnormal == 1
    assert s.change.reported == 1 and s.change.abnormal == 2


def test_missing_carry_their_accounts_for_mentions(db):
    small_school(db)
    add_person(db, "s6", "钱八", cls=CLASS1, qq="1006", wechat="wx_qian")
    s = node_status(db, node_id(db, CLASS1), DAY)
    qian = next(m for m in s.missing if m.id == "s6")
    assert qian.account_on("qq").account_id == "1006"
    assert qian.account_on("wechat").account_id == "wx_qian"
    assert not next(m for m in s.missing if m.id == "s5").private_nags


def test_roll_up_equals_the_sum_of_classes(db):
    small_school(db)
    for pid in ("s1", "s2", "t1"):
        add_report(db, pid, DAY)
    status = day_status(db, DAY)
    one, two = status.counts(node_id(db, CLASS1)), status.counts(node_id(db, CLASS2))
    grade = status.counts(node_id(db, GRADE))
    assert grade.expected == one.expected + two.expected == 7
    assert grade.reported == 3
    assert status.counts(node_id(db, COLLEGE)) == grade
    assert status.school_counts() == grade
    assert len(status.node(node_id(db, GRADE)).missing) == 4


def test_school_of_several_colleges_merges_for_the_duty_pair(db):
    from schedules.summaries import school_status
    from tests.schedules_helpers import add_node

    small_school(db)
    add_node(db, "数学学院")
    add_node(db, "数学学院/2021级")
    add_node(db, "数学学院/2021级/数学1班")
    add_person(db, "m1", "刘一", cls="数学学院/2021级/数学1班", tags=("湖北籍",))
    add_report(db, "m1", DAY, temperature=37.6, abnormal=True)
    add_report(db, "s1", DAY)
    school, children = school_status(day_status(db, DAY, YESTERDAY))
    assert school.node.name == "全校"
    assert (school.counts.expected, school.counts.reported, school.counts.abnormal) == (8, 2, 1)
    assert [name for name, _ in children] == ["数学学院", "计算机学院"]
    assert school.key_groups["湖北籍"].total == 2 and school.missing == []
