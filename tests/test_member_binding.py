"""Binding QQ group members to roster people from get_group_member_list: certain or reviewed."""

from __future__ import annotations

import json

from storage.bindings import Member, bind_members

CLASS = "计算机学院/2021级/计科1班"


def roster(db):
    with db.conn:
        db["nodes"].insert_all(
            [
                {"id": 1, "path": "计算机学院", "name": "计算机学院", "kind": "college"},
                {
                    "id": 2,
                    "path": "计算机学院/2021级",
                    "name": "2021级",
                    "kind": "grade",
                    "parent_id": 1,
                },
                {"id": 3, "path": CLASS, "name": "计科1班", "kind": "class", "parent_id": 2},
                {
                    "id": 4,
                    "path": "计算机学院/2021级/计科2班",
                    "name": "计科2班",
                    "kind": "class",
                    "parent_id": 2,
                },
            ]
        )
        people = [
            ("2021001", "张三", "学生", 3),
            ("2021002", "李四", "学生", 3),
            ("2021003", "王芳", "学生", 3),
            ("2021004", "王芳", "学生", 3),  # two students share a name
            ("2021005", "赵六", "学生", 3),
            ("2021101", "孙七", "学生", 4),  # another class: never bound from this group
            ("T001", "周老师", "辅导员", None),
        ]
        db["people"].insert_all(
            {
                "id": i,
                "name": n,
                "role": r,
                "class_id": c,
                "updated_at": "2020-02-10T07:00:00+08:00",
            }
            for i, n, r, c in people
        )
        db["responsibilities"].insert({"person_id": "T001", "node_id": 2})
        db["accounts"].insert(
            {
                "platform": "qq",
                "account_id": "99999",
                "person_id": "2021005",
                "created_at": "2020-02-01T00:00:00+08:00",
            }
        )


def test_exact_names_bind_and_doubtful_ones_go_to_review(db, clock):
    roster(db)
    members = [
        Member("20001", card="张三", nickname="zs"),  # card wins
        Member("20002", card="", nickname="李四"),  # no card: nickname
        Member("20003", card="王芳"),  # two people named 王芳
        Member("20005", card="赵六"),  # 赵六 already has another QQ
        Member("20006", card="孙七"),  # not in this class
        Member("20007", card="周老师"),  # counselor of the grade
        Member("20008", card="张三 ", nickname="x"),  # second claim on 张三
        Member("99999", card="赵六"),  # already bound: left alone
        Member("20009", card="家长", nickname="某某"),
    ]
    with db.conn:
        report = bind_members(db, "qq", "700001", CLASS, members, clock.now())
    assert sorted(report.bound) == [("20002", "2021002"), ("20007", "T001")]
    reviewed = dict(report.review)
    assert set(reviewed) == {"20001", "20003", "20005", "20008"}
    assert reviewed == {
        "20001": "contested",  # 张三 claimed by 20001 and 20008
        "20008": "contested",
        "20003": "ambiguous",
        "20005": "conflict",
    }
    assert sorted(report.unmatched) == ["20006", "20009"]
    assert report.known == 1
    bound = {r["account_id"]: r for r in db["accounts"].rows_where("source = 'member_list'")}
    assert bound["20002"]["person_id"] == "2021002" and bound["20002"]["display_name"] == "李四"
    rows = {r["account_id"]: r for r in db["account_reviews"].rows}
    assert json.loads(rows["20003"]["candidates"]) == ["2021003", "2021004"]


def test_review_clears_once_the_doubt_is_gone(db, clock):
    roster(db)
    with db.conn:
        bind_members(
            db,
            "qq",
            "700001",
            CLASS,
            [Member("1", card="张三"), Member("2", card="张三")],
            clock.now(),
        )
    assert db["account_reviews"].count == 2
    with db.conn:  # the impostor left the group and the member list is fetched again
        report = bind_members(db, "qq", "700001", CLASS, [Member("1", card="张三")], clock.now())
    assert report.bound == [("1", "2021001")]
    assert report.resolved == 2  # bound, and gone
    assert (
        db.execute("SELECT count(*) FROM account_reviews WHERE resolved_at IS NULL").fetchone()[0]
        == 0
    )


def test_a_grade_group_holds_all_its_classes(db, clock):
    roster(db)
    with db.conn:
        report = bind_members(
            db, "qq", "700900", "计算机学院/2021级", [Member("7", card="孙七")], clock.now()
        )
    assert report.bound == [("7", "2021101")]
