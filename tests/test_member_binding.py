"""Binding group members to roster people (storage/bindings.py), the same for QQ and WeChat:
certain matches are bound, doubtful ones reviewed, nothing guessed."""

from __future__ import annotations

import json

import pytest

from storage.bindings import Member, bind_members, name_tokens
from storage.nodes import by_path, dorm_path, ensure_dorm, ensure_path

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

CLASS = "计算机学院/2021级/计科1班"
DORM = dorm_path("12栋305")


def roster(db):
    with db.atomic():
        c1, c2 = (ensure_path(db, p.split("/")) for p in (CLASS, "计算机学院/2021级/计科2班"))
        dorm = ensure_dorm(db, "12栋305")
        people = [
            ("2021001", "张三", "学生", c1, dorm),
            ("2021002", "李四", "学生", c1, None),
            ("2021003", "王芳", "学生", c1, None),
            ("2021004", "王芳", "学生", c1, None),  # two students share a name
            ("2021005", "赵六", "学生", c1, None),
            ("2021006", "阿依古丽·买买提", "学生", c1, None),
            ("2021007", "买买提", "学生", c1, None),
            ("2021101", "孙七", "学生", c2, dorm),  # another class, same dorm as 张三
            ("T001", "周老师", "辅导员", None, None),
        ]
        db["people"].insert_all(
            {
                "id": i,
                "name": n,
                "role": r,
                "class_id": c,
                "dorm_id": d,
                "updated_at": "2020-02-10T07:00:00+08:00",
            }
            for i, n, r, c, d in people
        )
        grade = by_path(db, "计算机学院/2021级").id
        db["responsibilities"].insert({"person_id": "T001", "node_id": grade})
        db["accounts"].insert(
            {
                "platform": "qq",
                "account_id": "99999",
                "person_id": "2021005",
                "created_at": "2020-02-01T00:00:00+08:00",
            }
        )


def bind(db, clock, members, node=CLASS, platform="qq", chat="700001"):
    with db.atomic():
        return bind_members(db, platform, chat, node, members, clock.now())


def test_qq_members_exact_names_bind_and_doubtful_ones_go_to_review(db, clock):
    roster(db)
    report = bind(
        db,
        clock,
        [
            Member("20001", ("张三", "zs")),  # the card first
            Member("20002", ("", "李四")),  # no card: the nickname
            Member("20003", ("王芳",)),  # two people named 王芳
            Member("20005", ("赵六",)),  # 赵六 already has another QQ
            Member("20006", ("孙七",)),  # not in this class
            Member("20007", ("周老师",)),  # counselor of the grade
            Member("20008", ("张三 ", "x")),  # second claim on 张三
            Member("99999", ("赵六",)),  # already bound: left alone
            Member("20009", ("家长", "某某")),
        ],
    )
    assert sorted(report.bound) == [("20002", "2021002"), ("20007", "T001")]
    assert sorted(report.review) == [
        ("20001", "contested", ["2021001"]),  # 张三 claimed by 20001 and 20008
        ("20003", "ambiguous", ["2021003", "2021004"]),
        ("20005", "conflict", ["2021005"]),
        ("20008", "contested", ["2021001"]),
    ]
    assert sorted(report.unmatched) == ["20006", "20009"]
    assert report.already_bound == ["99999"]
    bound = {r["account_id"]: r for r in db["accounts"].rows_where("source = 'member_list'")}
    assert bound["20002"]["person_id"] == "2021002" and bound["20002"]["display_name"] == "李四"
    rows = {r["account_id"]: r for r in db["account_reviews"].rows}
    assert json.loads(rows["20003"]["candidates"]) == ["2021003", "2021004"]
    assert rows["20003"]["display_name"] == "王芳"


def test_decorated_names_bind_by_their_pieces(db, clock):
    roster(db)
    report = bind(
        db,
        clock,
        [
            Member("wxid_zs", ("计科1班-张三", "小张同学")),
            Member("wxid_ls", ("", "2021002 李四")),  # id and name: the same person
            Member("wxid_t", ("周老师（辅导员）", "Zhou")),
            Member("wxid_wf", ("王芳【宣传委员】",)),  # still two 王芳
        ],
        platform="wechat",
        chat="R@chatroom",
    )
    assert sorted(report.bound) == [
        ("wxid_ls", "2021002"),
        ("wxid_t", "T001"),
        ("wxid_zs", "2021001"),
    ]
    assert report.review == [("wxid_wf", "ambiguous", ["2021003", "2021004"])]
    shown = dict(db.execute("SELECT account_id, display_name FROM accounts"))
    assert shown["wxid_zs"] == "计科1班-张三"  # what the group sees, for a counselor


def test_whole_name_before_its_pieces_and_card_before_nickname(db, clock):
    roster(db)
    report = bind(
        db,
        clock,
        [
            Member("1", ("阿依古丽·买买提",)),  # one person, not also 买买提
            Member("2", ("李四", "张三")),  # the group card decides
        ],
    )
    assert sorted(report.bound) == [("1", "2021006"), ("2", "2021002")]
    assert report.review == []
    assert name_tokens("张三（班长）") >= {"张三（班长）", "张三", "班长"}
    assert "张三" in name_tokens("21级 张三")
    assert name_tokens("  ") == set()


def test_review_clears_once_the_doubt_is_gone(db, clock):
    roster(db)
    bind(db, clock, [Member("1", ("张三",)), Member("2", ("张三",))])
    assert db["account_reviews"].count == 2
    # the impostor left the group and the member list is fetched again
    report = bind(db, clock, [Member("1", ("张三",))])
    assert report.bound == [("1", "2021001")]
    assert report.resolved == 2  # bound, and gone
    open_reviews = "SELECT count(*) FROM account_reviews WHERE resolved_at IS NULL"
    assert db.execute(open_reviews).fetchone()[0] == 0
    # the doubt comes back (a new claim on someone bound): the review reopens
    report = bind(db, clock, [Member("2", ("张三",))])
    assert report.review == [("2", "conflict", ["2021001"])]
    assert db.execute(open_reviews).fetchone()[0] == 1


def test_a_second_run_changes_nothing(db, clock):
    roster(db)
    members = [Member("1", ("李四",)), Member("2", ("王芳",)), Member("3", ("家长",))]
    bind(db, clock, members)
    again = bind(db, clock, members)
    assert again.bound == [] and again.already_bound == ["1"]
    assert again.review == [("2", "ambiguous", ["2021003", "2021004"])]
    assert again.resolved == 0
    assert db["account_reviews"].count == 1 and db["accounts"].count == 2


def test_grade_and_dorm_groups_hold_the_people_below_them(db, clock):
    roster(db)
    grade = bind(db, clock, [Member("7", ("孙七",))], node="计算机学院/2021级", chat="700900")
    assert grade.bound == [("7", "2021101")]
    dorm = bind(
        db,
        clock,
        [Member("8", ("张三",)), Member("9", ("李四",))],
        node=DORM,
        platform="wechat",
        chat="R2@chatroom",
    )
    assert dorm.bound == [("8", "2021001")]  # 李四 lives elsewhere
    assert dorm.unmatched == ["9"]
