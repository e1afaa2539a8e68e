"""Test helpers for the schedules: a small school (tests/school_factory.py) and what the
jobs queued.

Roster import and report upsert belong to other features; these tests write the rows
directly so they exercise the schedules only. The factory's row writers are imported here
too, as the schedules tests have always found them.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from core.config import Config
from schedules.opened import record_opened
from tests.school_factory import (  # noqa: F401 (re-exported for the schedules tests)
    add_chat,
    add_leave,
    add_node,
    add_person,
    add_report,
    build_school,
    node_id,
)

TZ = ZoneInfo("Asia/Shanghai")


CLASS1 = "计算机学院/2021级/计科1班"
CLASS2 = "计算机学院/2021级/计科2班"
GRADE = "计算机学院/2021级"
COLLEGE = "计算机学院"


def small_school(db: sqlite_utils.Database) -> None:
    """Two classes of one grade; a 班长, a counselor, a duty pair; chats bound on QQ."""
    build_school(
        db,
        nodes=[COLLEGE, GRADE, CLASS1, CLASS2],
        people=[
            {"pid": "s1", "name": "张三", "cls": CLASS1, "role": "班长", "qq": "1001"},
            {"pid": "s2", "name": "李四", "cls": CLASS1, "qq": "1002", "tags": ("湖北籍",)},
            {"pid": "s3", "name": "王五", "cls": CLASS1, "qq": "1003"},
            {"pid": "s4", "name": "赵六", "cls": CLASS1},  # no bound account: named, never @
            {"pid": "s5", "name": "孙七", "cls": CLASS1, "qq": "1005", "private_nags": False},
            {"pid": "t1", "name": "周一", "cls": CLASS2, "qq": "2001"},
            {"pid": "t2", "name": "吴二", "cls": CLASS2, "qq": "2002"},
            {"pid": "c1", "name": "郑老师", "role": "辅导员", "qq": "9001",
             "responsible": (GRADE,)},
            {"pid": "d1", "name": "冯老师", "role": "值班辅导员", "qq": "9101"},
            {"pid": "d2", "name": "陈书记", "role": "值班党员", "wechat": "wx_chen"},
        ],
        chats=[
            ("qq", "700001", CLASS1, "class"),
            ("qq", "700002", CLASS2, "class"),
            ("qq", "700900", GRADE, "counselor"),
            ("qq", "700999", COLLEGE, "duty"),
        ],
    )  # fmt: skip
    db["duty_roster"].insert({"day": "2020-02-10", "counselor_id": "d1", "officer_id": "d2"})


def config(**checkin) -> Config:
    return Config.model_validate(
        {
            "checkin": {"charts": False, **checkin},
            "groups": [],
        }
    )


def outbox(db: sqlite_utils.Database, since: int = 0) -> list[dict]:
    rows = []
    for row in db.query("SELECT * FROM outbox WHERE id > ? ORDER BY id", [since]):
        row["mentions"] = json.loads(row["mentions"])
        rows.append(row)
    return rows


def group(rows: list[dict], chat: str) -> list[dict]:
    """The outbox rows addressed to one group chat."""
    return [r for r in rows if r["chat_type"] == "group" and r["target"] == chat]


def class_group_texts(db: sqlite_utils.Database) -> list[str]:
    """Everything queued for small_school's class groups: what the students saw."""
    return [r["text"] for r in outbox(db) if r["target"] in ("700001", "700002")]


def last_id(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()[0]


def at(hhmm: str, day: str = "2020-02-10") -> datetime:
    h, m = map(int, hhmm.split(":"))
    y, mo, d = map(int, day.split("-"))
    return datetime(y, mo, d, h, m, tzinfo=TZ)


def opened(db: sqlite_utils.Database, day: str = "2020-02-10", *paths: str) -> None:
    """The classes' windows opened at 07:00 of `day` (all classes when none are named), for
    tests that call one job directly: a day that never opened is never nagged or summarised."""
    if not paths:
        paths = tuple(p for (p,) in db.execute("SELECT path FROM nodes WHERE kind = 'class'"))
    with db.atomic():
        record_opened(db, day, paths, at("07:00", day))
