"""The one way tests put a school into SQLite: nodes, people and their chat accounts, chats,
reports and leaves, written as a roster import and the message path would have left them
(nodes through storage/nodes.py, so kinds by depth and dorms under 宿舍/ as an import makes
them). Tests then exercise only the part they are about.

`build_school` takes the whole school as parameters; the schools of the helper modules
(commands_helpers.seed, schedules_helpers.small_school, web_helpers.seed_school,
chain_helpers.ClassGroup) are each one call to it with their own people and chats.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlite_utils

from storage.nodes import DORM_ROOT, ensure_dorm, ensure_path

STAMP = "2020-02-01T00:00:00+08:00"


def node_id(db: sqlite_utils.Database, path: str) -> int:
    return db.execute("SELECT id FROM nodes WHERE path = ?", [path]).fetchone()[0]


def add_node(db: sqlite_utils.Database, path: str) -> int:
    """The node and its parents (a dorm when the path is under 宿舍/), as an import builds them."""
    if path.startswith(DORM_ROOT + "/"):
        return ensure_dorm(db, path.removeprefix(DORM_ROOT + "/"))
    return ensure_path(db, path.split("/"))


def add_person(
    db: sqlite_utils.Database,
    pid: str,
    name: str,
    *,
    cls: str | None = None,
    dorm: str | None = None,
    role: str = "学生",
    qq: str | None = None,
    wechat: str | None = None,
    sim: str | None = None,
    display_name: str | None = None,
    private_nags: bool = True,
    responsible: Iterable[str] = (),
    tags: Iterable[str] = (),
    stamp: str = STAMP,
) -> None:
    """A roster row: class and dorm by path, chat accounts by platform, 负责 nodes, tags."""
    db["people"].insert(
        {
            "id": pid,
            "name": name,
            "role": role,
            "class_id": add_node(db, cls) if cls else None,
            "dorm_id": add_node(db, dorm) if dorm else None,
            "active": 1,
            "private_nags": int(private_nags),
            "updated_at": stamp,
        }
    )
    for platform, account in (("qq", qq), ("wechat", wechat), ("sim", sim)):
        if account:
            db["accounts"].insert(
                {
                    "platform": platform,
                    "account_id": account,
                    "person_id": pid,
                    "display_name": display_name,
                    "created_at": stamp,
                }
            )
    for path in responsible:
        db["responsibilities"].insert({"person_id": pid, "node_id": add_node(db, path)})
    for tag in tags:
        db["tags"].insert({"person_id": pid, "tag": tag, "start_day": "2020-02-01"})


def add_chat(db: sqlite_utils.Database, platform: str, chat: str, path: str, purpose: str) -> None:
    db["chats"].insert(
        {"platform": platform, "chat_id": chat, "node_id": add_node(db, path), "purpose": purpose}
    )


def add_report(
    db: sqlite_utils.Database,
    pid: str,
    day: str,
    *,
    at: str | None = None,
    temperature: float | None = 36.5,
    abnormal: bool | None = False,
    symptoms: Iterable[str] | None = (),
    on_campus: bool | None = True,
    province: str | None = None,
    isolation: str | None = None,
    source: str = "free",
    posted_by: str | None = None,
    proxy: bool = False,
) -> None:
    """One report row as the message path stores it (replacing the day's earlier one); `at`
    is when it came in (default 09:00 that day)."""
    class_id = db.execute("SELECT class_id FROM people WHERE id = ?", [pid]).fetchone()[0]
    stamp = at or f"{day}T09:00:00+08:00"
    db["reports"].insert(
        {
            "person_id": pid,
            "day": day,
            "class_id": class_id,
            "temperature": temperature,
            "abnormal": None if abnormal is None else int(abnormal),
            "symptoms": json.dumps(list(symptoms or ()), ensure_ascii=False),
            "on_campus": None if on_campus is None else int(on_campus),
            "province": province,
            "isolation": isolation,
            "source": source,
            "posted_by": posted_by,
            "proxy": int(proxy),
            "created_at": stamp,
            "updated_at": stamp,
        },
        replace=True,
    )


def add_leave(
    db: sqlite_utils.Database,
    pid: str,
    start: str,
    end: str,
    reason: str = "事假",
    *,
    stamp: str = STAMP,
) -> None:
    row = {"person_id": pid, "start_day": start, "end_day": end, "reason": reason}
    db["leaves"].insert({**row, "created_at": stamp})


def build_school(
    db: sqlite_utils.Database,
    *,
    nodes: Iterable[str] = (),
    people: Iterable[Mapping[str, Any]] = (),
    chats: Iterable[tuple[str, str, str, str]] = (),
    stamp: str = STAMP,
) -> None:
    """A school in one transaction: `nodes` first, in order (so their ids are predictable),
    then `people` (add_person's arguments, `pid` and `name` included) and `chats`
    ((platform, chat id, node path, purpose))."""
    with db.atomic():
        for path in nodes:
            add_node(db, path)
        for person in people:
            add_person(db, **{"stamp": stamp, **person})
        for chat in chats:
            add_chat(db, *chat)
