"""Notices (/广播) and who acknowledged them (收到), per class chat.

A broadcast goes to class chats; each chat's audience is the active students of the class
node the chat is bound to. An acknowledgement is (broadcast, person), so a student who says
收到 twice, or in two chats, is counted once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.backend import Database
from storage.db import inserted_id


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    author_id: str | None
    scope_node_id: int | None
    scope_label: str
    text: str
    created_at: str
    window_ends_at: str
    remind_at: str | None
    reminded_at: str | None


@dataclass(frozen=True, slots=True)
class Target:
    platform: str
    chat_id: str
    node_id: int
    node_path: str
    audience: int
    missing: list[tuple[str, str]]  # (学号, 姓名), by 学号


COLUMNS = (
    "id, author_id, scope_node_id, scope_label, text, created_at, window_ends_at, remind_at,"
    " reminded_at"
)


def create(
    db: Database,
    *,
    author_id: str | None,
    scope_node_id: int | None,
    scope_label: str,
    text: str,
    now: datetime,
    window_ends: datetime,
    remind_at: datetime | None,
) -> int:
    cursor = db.execute(
        f"INSERT INTO broadcasts ({COLUMNS.removeprefix('id, ')})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        [
            author_id,
            scope_node_id,
            scope_label,
            text,
            now.isoformat(),
            window_ends.isoformat(),
            remind_at.isoformat() if remind_at else None,
        ],
    )
    return inserted_id(cursor)


def add_target(
    db: Database,
    broadcast_id: int,
    platform: str,
    chat_id: str,
    node_id: int,
    outbox_id: int | None,
) -> None:
    db.execute(
        "INSERT INTO broadcast_targets VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [broadcast_id, platform, chat_id, node_id, outbox_id],
    )


def get(db: Database, broadcast_id: int) -> Broadcast | None:
    row = db.execute(f"SELECT {COLUMNS} FROM broadcasts WHERE id = ?", [broadcast_id]).fetchone()
    return Broadcast(*row) if row else None


def latest_for_nodes(db: Database, node_ids: set[int]) -> Broadcast | None:
    """The newest broadcast that reached any class among `node_ids`."""
    ids = sorted(node_ids)
    if not ids:
        return None
    row = db.execute(
        f"""
        SELECT {COLUMNS} FROM broadcasts WHERE id IN (
            SELECT broadcast_id FROM broadcast_targets
            WHERE node_id IN ({",".join("?" * len(ids))}))
        ORDER BY id DESC LIMIT 1
        """,
        ids,
    ).fetchone()
    return Broadcast(*row) if row else None


def open_in_chat(
    db: Database, platform: str, chat_id: str, now: datetime
) -> list[int]:
    """Broadcasts sent to this chat whose acknowledgement window is still open."""
    stamp = now.isoformat()
    rows = db.execute(
        """
        SELECT b.id FROM broadcasts b JOIN broadcast_targets t ON t.broadcast_id = b.id
        WHERE t.platform = ? AND t.chat_id = ? AND b.created_at <= ? AND ? <= b.window_ends_at
        ORDER BY b.id
        """,
        [platform, chat_id, stamp, stamp],
    ).fetchall()
    return [r[0] for r in rows]


def record_ack(
    db: Database, broadcast_id: int, person_id: str, now: datetime, message_key: str
) -> bool:
    """Mark `person_id` as having acknowledged; False when they already had."""
    cursor = db.execute(
        "INSERT INTO acks VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [broadcast_id, person_id, now.isoformat(), message_key],
    )
    return cursor.rowcount == 1


def targets(
    db: Database, broadcast_id: int, node_ids: set[int] | None = None
) -> list[Target]:
    """Each class chat the notice went to (within `node_ids`, when given), with who in that
    class has not acknowledged. Two queries whatever the number of chats."""
    rows = [
        r
        for r in db.execute(
            """
            SELECT t.platform, t.chat_id, t.node_id, n.path FROM broadcast_targets t
            JOIN nodes n ON n.id = t.node_id WHERE t.broadcast_id = ? ORDER BY n.path, t.chat_id
            """,
            [broadcast_id],
        ).fetchall()
        if node_ids is None or r[2] in node_ids
    ]
    audience: dict[int, int] = {}
    missing: dict[int, list[tuple[str, str]]] = {}
    for class_id, person_id, name, acked in db.execute(
        """
        SELECT p.class_id, p.id, p.name,
               EXISTS (SELECT 1 FROM acks a WHERE a.broadcast_id = :b AND a.person_id = p.id)
        FROM people p
        WHERE p.active = 1 AND p.class_id IN
              (SELECT node_id FROM broadcast_targets WHERE broadcast_id = :b)
        ORDER BY p.id
        """,
        {"b": broadcast_id},
    ).fetchall():
        audience[class_id] = audience.get(class_id, 0) + 1
        if not acked:
            missing.setdefault(class_id, []).append((person_id, name))
    return [
        Target(platform, chat_id, node_id, path, audience.get(node_id, 0), missing.get(node_id, []))
        for platform, chat_id, node_id, path in rows
    ]


def due_reminders(db: Database, now: datetime) -> list[Broadcast]:
    """Broadcasts whose one reminder is due and whose window is still open."""
    stamp = now.isoformat()
    rows = db.execute(
        f"""
        SELECT {COLUMNS} FROM broadcasts
        WHERE remind_at IS NOT NULL AND reminded_at IS NULL AND remind_at <= ?
          AND ? < window_ends_at
        ORDER BY id
        """,
        [stamp, stamp],
    ).fetchall()
    return [Broadcast(*r) for r in rows]


def mark_reminded(db: Database, broadcast_id: int, now: datetime) -> None:
    db.execute(
        "UPDATE broadcasts SET reminded_at = ? WHERE id = ?", [now.isoformat(), broadcast_id]
    )


def accounts_on(db: Database, platform: str, person_ids: list[str]) -> dict[str, str]:
    """One confirmed chat account per person on `platform`, for @-mentions."""
    if not person_ids:
        return {}
    rows = db.execute(
        f"""
        SELECT person_id, min(account_id) FROM accounts
        WHERE platform = ? AND confirmed = 1 AND person_id IN ({",".join("?" * len(person_ids))})
        GROUP BY person_id
        """,
        [platform, *person_ids],
    ).fetchall()
    return dict(rows)
