"""The outbox table: every outgoing message is stored before any attempt to send it."""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from bot.messages import OutgoingMessage


def enqueue(db: sqlite_utils.Database, message: OutgoingMessage, now: datetime) -> int | None:
    """Store a message to send; return its id, or None when its dedup_key was already queued.

    The dedup key is what makes a re-run job (after a crash or restart) harmless.
    """
    stamp = now.isoformat()
    cursor = db.execute(
        """
        INSERT INTO outbox (platform, account, chat_type, target, text, mentions,
                            image_path, file_path, dedup_key, next_attempt_at, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(dedup_key) DO NOTHING
        """,
        [
            message.platform,
            message.account,
            message.chat_type,
            message.target,
            message.text,
            json.dumps(list(message.mentions)),
            message.image_path,
            message.file_path,
            message.dedup_key,
            stamp,
            stamp,
        ],
    )
    return cursor.lastrowid if cursor.rowcount else None
