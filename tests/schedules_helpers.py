"""Test helpers for the schedules: a small school inserted straight into SQLite.

Roster import and report upsert belong to other features; these tests write the rows
directly with sqlite-utils so they exercise the schedules only.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from bot.config import Config
from schedules.opened import record_opened
from storage.nodes import ensure_path

TZ = ZoneInfo("Asia/Shanghai")
STAMP = "2020-02-01T00:00:00+08:00"


def add_node(db: sqlite_utils.Database, path: str) -> int:
    """The node and its parents, kinds by depth, as a roster import builds them."""
    return ensure_path(db, path.split("/"))


def node_id(db: sqlite_utils.Database, path: str) -> int:
    return db.execute("SELECT id FROM nodes WHERE path = ?", [path]).fetchone()[0]


def add_person(
    db: sqlite_utils.Database,
    pid: str,
    name: str,
    *,
    cls: str | None = None,
    role: str = "学生",
    qq: str | None = None,
    wechat: str | None = None,
    private_nags: bool = True,
    responsible: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> None:
    db["people"].insert(
        {
            "id": pid,
            "name": name,
            "role": role,
            "class_id": node_id(db, cls) if cls else None,
            "active": 1,
            "private_nags": int(private_nags),
            "updated_at": STAMP,
        }
    )
    for platform, account in (("qq", qq), ("wechat", wechat)):
        if account:
            db["accounts"].insert(
                {"platform": platform, "account_id": account, "person_id": pid, "created_at": STAMP}
            )
    for path in responsible:
        db["responsibilities"].insert({"person_id": pid, "node_id": node_id(db, path)})
    for tag in tags:
        db["tags"].insert({"person_id": pid, "tag": tag, "start_day": "2020-02-01"})


def add_report(
    db: sqlite_utils.Database,
    pid: str,
    day: str,
    *,
    temperature: float | None = 36.5,
    abnormal: bool = False,
    symptoms: tuple[str, ...] = (),
) -> None:
    class_id = db.execute("SELECT class_id FROM people WHERE id = ?", [pid]).fetchone()[0]
    db["reports"].insert(
        {
            "person_id": pid,
            "day": day,
            "class_id": class_id,
            "temperature": temperature,
            "abnormal": int(abnormal),
            "symptoms": json.dumps(list(symptoms), ensure_ascii=False),
            "on_campus": 1,
            "source": "free",
            "created_at": f"{day}T09:00:00+08:00",
            "updated_at": f"{day}T09:00:00+08:00",
        },
        replace=True,
    )


def add_leave(
    db: sqlite_utils.Database, pid: str, start: str, end: str, reason: str = "事假"
) -> None:
    db["leaves"].insert(
        {
            "person_id": pid,
            "start_day": start,
            "end_day": end,
            "reason": reason,
            "created_at": STAMP,
        }
    )


def add_chat(db: sqlite_utils.Database, platform: str, chat: str, path: str, purpose: str) -> None:
    db["chats"].insert(
        {"platform": platform, "chat_id": chat, "node_id": node_id(db, path), "purpose": purpose}
    )


CLASS1 = "计算机学院/2021级/计科1班"
CLASS2 = "计算机学院/2021级/计科2班"
GRADE = "计算机学院/2021级"
COLLEGE = "计算机学院"


def small_school(db: sqlite_utils.Database) -> None:
    """Two classes of one grade; a 班长, a counselor, a duty pair; chats bound on QQ."""
    add_node(db, COLLEGE)
    add_node(db, GRADE)
    add_node(db, CLASS1)
    add_node(db, CLASS2)
    add_person(db, "s1", "张三", cls=CLASS1, role="班长", qq="1001")
    add_person(db, "s2", "李四", cls=CLASS1, qq="1002", tags=("湖北籍",))
    add_person(db, "s3", "王五", cls=CLASS1, qq="1003")
    add_person(db, "s4", "赵六", cls=CLASS1)  # no bound account: named, never @
    add_person(db, "s5", "孙七", cls=CLASS1, qq="1005", private_nags=False)
    add_person(db, "t1", "周一", cls=CLASS2, qq="2001")
    add_person(db, "t2", "吴二", cls=CLASS2, qq="2002")
    add_person(db, "c1", "郑老师", role="辅导员", qq="9001", responsible=(GRADE,))
    add_person(db, "d1", "冯老师", role="值班辅导员", qq="9101")
    add_person(db, "d2", "陈书记", role="值班党员", wechat="wx_chen")
    add_chat(db, "qq", "700001", CLASS1, "class")
    add_chat(db, "qq", "700002", CLASS2, "class")
    add_chat(db, "qq", "700900", GRADE, "counselor")
    add_chat(db, "qq", "700999", COLLEGE, "duty")
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
