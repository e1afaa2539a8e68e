"""A small school written straight into SQLite, and a way to send it chat messages.

Two grades of 计算机学院, three classes, a dorm, students, cadres, counselors, a duty
counselor and an admin, each bound to a `sim` account `u<学号>`; one class chat per class, a
counselor chat per grade. `School.say` sends a message through the real message path and
returns what the bot queued in the outbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from bot.clock import FakeClock
from bot.config import Config
from bot.messages import IncomingMessage
from handlers.pipeline import Pipeline

COLLEGE = "计算机学院"
G21 = "计算机学院/2021级"
C21_1 = "计算机学院/2021级/计科1班"
C21_2 = "计算机学院/2021级/计科2班"
G22 = "计算机学院/2022级"
C22_1 = "计算机学院/2022级/计科1班"
DORM = "12栋/305"

# (学号, 姓名, 角色, 班级 path, 宿舍 path, 负责 paths)
PEOPLE = [
    ("2021001", "张三", "班长", C21_1, DORM, []),
    ("2021002", "李四", "学生", C21_1, DORM, []),
    ("2021003", "王五", "宿舍长", C21_1, DORM, []),
    ("2021004", "赵敏", "学生", C21_1, None, []),
    ("2021101", "钱一", "学生", C21_2, None, []),
    ("2021102", "孙二", "学生", C21_2, None, []),
    ("2022001", "周六", "学生", C22_1, None, []),
    ("2022002", "吴七", "学生", C22_1, None, []),
    ("T001", "陈老师", "辅导员", None, None, [G21]),
    ("T002", "林老师", "辅导员", None, None, [G22]),
    ("D001", "郑老师", "值班辅导员", None, None, []),
    ("A001", "管理员", "管理员", None, None, []),
]

CHATS = {
    C21_1: ("g211", "class"),
    C21_2: ("g212", "class"),
    C22_1: ("g221", "class"),
    G21: ("c21", "counselor"),
    G22: ("c22", "counselor"),
}

STAMP = "2020-02-01T08:00:00+08:00"


def node_id(db: sqlite_utils.Database, path: str) -> int:
    return db.execute("SELECT id FROM nodes WHERE path = ?", [path]).fetchone()[0]


def _ensure_node(db: sqlite_utils.Database, path: str) -> int:
    row = db.execute("SELECT id FROM nodes WHERE path = ?", [path]).fetchone()
    if row:
        return row[0]
    parts = path.split("/")
    parent = _ensure_node(db, "/".join(parts[:-1])) if len(parts) > 1 else None
    kind = "dorm" if path.startswith("12栋") else ("college", "grade", "class")[len(parts) - 1]
    cur = db.execute(
        "INSERT INTO nodes (path, name, kind, parent_id) VALUES (?, ?, ?, ?)",
        [path, parts[-1], kind, parent],
    )
    return cur.lastrowid


def seed(db: sqlite_utils.Database, people=PEOPLE) -> None:
    with db.conn:
        for sid, name, role, cls, dorm, duties in people:
            class_id = _ensure_node(db, cls) if cls else None
            dorm_id = _ensure_node(db, dorm) if dorm else None
            db.execute(
                "INSERT INTO people (id, name, role, class_id, dorm_id, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [sid, name, role, class_id, dorm_id, STAMP],
            )
            for path in duties:
                db.execute(
                    "INSERT INTO responsibilities VALUES (?, ?)", [sid, _ensure_node(db, path)]
                )
            db.execute(
                "INSERT INTO accounts (platform, account_id, person_id, display_name, created_at)"
                " VALUES ('sim', ?, ?, ?, ?)",
                [f"u{sid}", sid, name, STAMP],
            )
        for path, (chat, purpose) in CHATS.items():
            db.execute(
                "INSERT INTO chats VALUES ('sim', ?, ?, ?)", [chat, _ensure_node(db, path), purpose]
            )


def report(
    db: sqlite_utils.Database,
    person_id: str,
    day: str,
    *,
    temperature: float | None = 36.5,
    abnormal: bool | None = False,
    symptoms: list[str] | None = None,
    on_campus: bool | None = True,
    province: str | None = None,
    isolation: str | None = None,
    source: str = "free",
    posted_by: str | None = None,
    proxy: bool = False,
) -> None:
    """Insert one report row as the message path would have stored it."""
    class_id = db.execute("SELECT class_id FROM people WHERE id = ?", [person_id]).fetchone()[0]
    stamp = f"{day}T09:00:00+08:00"
    with db.conn:
        db.execute(
            """
            INSERT OR REPLACE INTO reports (person_id, day, class_id, temperature, abnormal,
                symptoms, on_campus, province, isolation, source, posted_by, proxy,
                created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                person_id,
                day,
                class_id,
                temperature,
                None if abnormal is None else int(abnormal),
                json.dumps(symptoms or [], ensure_ascii=False),
                None if on_campus is None else int(on_campus),
                province,
                isolation,
                source,
                posted_by,
                int(proxy),
                stamp,
                stamp,
            ],
        )


@dataclass
class Sent:
    chat_type: str
    target: str
    text: str
    mentions: list[str]
    file_path: str | None


def outbox(db: sqlite_utils.Database, since: int = 0) -> list[Sent]:
    rows = db.execute(
        "SELECT chat_type, target, text, mentions, file_path FROM outbox WHERE id > ? ORDER BY id",
        [since],
    ).fetchall()
    return [Sent(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]


def last_outbox_id(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]


class School:
    """The seeded school behind the real message path (handlers.pipeline.Pipeline)."""

    def __init__(self, db: sqlite_utils.Database, clock: FakeClock, base_dir: Path) -> None:
        seed(db)
        self.db, self.clock = db, clock
        self.config = Config(base_dir=base_dir)
        self.pipeline = Pipeline(db, self.config, clock)
        self._n = 0

    def message(self, sender: str, text: str, chat: str | None = None) -> IncomingMessage:
        self._n += 1
        account = sender if sender.startswith("u") else f"u{sender}"
        return IncomingMessage(
            platform="sim",
            chat_type="group" if chat else "private",
            chat_id=chat or account,
            sender_id=account,
            display_name=account,
            text=text,
            message_id=f"m{self._n}",
            time=self.clock.now(),
        )

    def say(self, sender: str, text: str, chat: str | None = None) -> list[Sent]:
        """`sender` (学号 or account) says `text` in `chat` (None: privately to the bot);
        returns what the bot queued in reply."""
        before = last_outbox_id(self.db)
        outcome = self.pipeline.handle(self.message(sender, text, chat))
        assert outcome != "error", f"the message path failed on {text!r}"
        return outbox(self.db, before)


def audit_rows(db: sqlite_utils.Database, action: str | None = None) -> list[dict]:
    sql = "SELECT actor, action, detail FROM audit_log"
    args: list = []
    if action:
        sql += " WHERE action = ?"
        args.append(action)
    return [
        {"actor": r[0], "action": r[1], **json.loads(r[2])}
        for r in db.execute(sql + " ORDER BY id", args).fetchall()
    ]
