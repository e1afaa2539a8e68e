"""Every incoming message, kept once: the audit trail and the dedup key (platform, id)."""

from __future__ import annotations

from datetime import datetime

from core.messages import IncomingMessage
from storage.backend import Database


def record(
    db: Database,
    message: IncomingMessage,
    text: str,
    now: datetime,
    kind: str | None = None,
) -> bool:
    """Store the message; return False when (platform, message_id) was seen before.

    `text` is the message text as cleaned at the edge (no NULs, valid UTF-8), which is what
    SQLite can store and what the handlers read. `kind` is the router's verdict, when known
    before the write (one statement instead of an insert and an update).
    """
    cursor = db.execute(
        """
        INSERT INTO raw_messages (platform, message_id, chat_type, chat_id, sender_id,
                                  display_name, text, sent_at, received_at, kind)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(platform, message_id) DO NOTHING
        """,
        [
            message.platform,
            message.message_id,
            message.chat_type,
            message.chat_id,
            message.sender_id,
            message.display_name,
            text,
            message.time.isoformat(),
            now.isoformat(),
            kind,
        ],
    )
    return cursor.rowcount == 1


def set_kind(db: Database, message: IncomingMessage, kind: str) -> None:
    db.execute(
        "UPDATE raw_messages SET kind = ? WHERE platform = ? AND message_id = ?",
        [kind, message.platform, message.message_id],
    )


def last_seen(db: Database, platform: str, chat_id: str, received_before: datetime) -> str | None:
    """When the newest message kept from this chat that arrived before `received_before`
    was written (ISO), or None: what backfill after downtime starts from. Messages that
    arrived live since the account reconnected do not count, or the gap before them would
    be skipped (the raw_messages_chat_time index answers it, newest first)."""
    row = db.execute(
        "SELECT sent_at FROM raw_messages WHERE platform = ? AND chat_id = ?"
        " AND received_at < ? ORDER BY sent_at DESC LIMIT 1",
        [platform, chat_id, received_before.isoformat()],
    ).fetchone()
    return row[0] if row else None
