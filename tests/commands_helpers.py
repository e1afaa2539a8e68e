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

from core.clock import FakeClock
from core.config import Config
from core.messages import IncomingMessage
from handlers.pipeline import Pipeline
from storage.nodes import dorm_path
from tests.school_factory import build_school

COLLEGE = "计算机学院"
G21 = "计算机学院/2021级"
C21_1 = "计算机学院/2021级/计科1班"
C21_2 = "计算机学院/2021级/计科2班"
G22 = "计算机学院/2022级"
C22_1 = "计算机学院/2022级/计科1班"
DORM = dorm_path("12栋305")

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


def seed(db: sqlite_utils.Database, people=PEOPLE) -> None:
    """The school above, each person bound to the sim account u<学号>."""
    build_school(
        db,
        people=[
            {"pid": sid, "name": name, "role": role, "cls": cls, "dorm": dorm,
             "responsible": duties, "sim": f"u{sid}", "display_name": name}
            for sid, name, role, cls, dorm, duties in people
        ],
        chats=[("sim", chat, path, purpose) for path, (chat, purpose) in CHATS.items()],
        stamp=STAMP,
    )  # fmt: skip


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
