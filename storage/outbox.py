"""The outbox table: every outgoing message is stored before any attempt to send it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from core.messages import OutgoingMessage
from storage.backend import Database
from storage.outbox_claims import FREE, OutboxClaims


def enqueue(db: Database, message: OutgoingMessage, now: datetime) -> int | None:
    """Store a message to send; return its id, or None when its dedup_key was already queued.

    The dedup key is what makes a re-run job (after a crash or restart) harmless.
    """
    cursor = db.execute(
        f"{_INSERT} VALUES {_ROW} ON CONFLICT(dedup_key) DO NOTHING", _values(message, now)
    )
    return cursor.lastrowid if cursor.rowcount else None


def enqueue_many(db: Database, messages: Sequence[OutgoingMessage], now: datetime) -> list[bool]:
    """`enqueue` for many messages in a few statements (a scheduled run over a large school
    queues tens of thousands): whether each was queued. False: its dedup key was queued
    before, or earlier in `messages`."""
    queued: list[bool] = []
    for i in range(0, len(messages), CHUNK):
        part = messages[i : i + CHUNK]
        rows = db.execute(
            f"{_INSERT} VALUES {', '.join(_ROW for _ in part)}"
            " ON CONFLICT(dedup_key) DO NOTHING RETURNING dedup_key",
            [value for message in part for value in _values(message, now)],
        ).fetchall()
        new = {key for (key,) in rows if key is not None}
        for message in part:
            key = message.dedup_key
            queued.append(key is None or key in new)  # a keyless row is always new
            new.discard(key)  # the same key again later in `messages`: not new
    return queued


_INSERT = """INSERT INTO outbox (platform, account, chat_type, target, text, mentions,
    image_path, file_path, dedup_key, next_attempt_at, created_at)"""
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
CHUNK = 80  # rows a statement: under the 4 KB psycopg parses once and caches (schedules/runs.py)


def _values(message: OutgoingMessage, now: datetime) -> list:
    stamp = now.isoformat()
    return [
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
    ]


# -- the sender's side ----------------------------------------------------------------------
# Life of a row: pending → (attempt: attempts+1, last_error "unconfirmed ...") → sent, or back
# to pending with a later next_attempt_at, or failed after max_attempts. A row still marked
# "unconfirmed" after a crash is the at-least-once window: it may have gone out.

UNCONFIRMED = "unconfirmed: sent, no confirmation yet"
UNCERTAIN = "uncertain: "  # prefix of last_error when an attempt may have been delivered


def maybe_delivered(row: dict) -> bool:
    """The last attempt went out without an answer (lost link, timeout, crash)."""
    error = row.get("last_error") or ""
    return error.startswith(UNCONFIRMED) or error.startswith(UNCERTAIN)


def platform_id_used(db: Database, platform: str, platform_message_id: str) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM outbox WHERE platform = ? AND platform_message_id = ? LIMIT 1",
            [platform, platform_message_id],
        ).fetchone()
        is not None
    )


def due(
    db: Database,
    platform: str,
    account: str,
    now: datetime,
    *,
    unassigned: bool = False,
    skip_targets: list[str] | tuple[str, ...] = (),
    limit: int = 200,
    claims: OutboxClaims | None = None,
) -> list[dict]:
    """Pending rows for this account due by `now`, oldest first (plus account '' rows when
    this sender is the platform's default). `skip_targets` are chats that must wait (rate
    limit): leaving them out means a busy group never holds back the others. With `claims`
    (several processes), rows another live process has claimed are left out."""
    skip = f"AND target NOT IN ({_marks(skip_targets)})" if skip_targets else ""
    free = f"AND {FREE}" if claims is not None else ""
    rows = db.execute(
        f"""
        SELECT * FROM outbox
        WHERE status = 'pending' AND platform = ? AND next_attempt_at <= ?
          AND (account = ? OR (? = 1 AND account = '')) {skip} {free}
        ORDER BY next_attempt_at, id LIMIT ?
        """,
        [
            platform,
            now.isoformat(),
            account,
            int(unassigned),
            *skip_targets,
            *(claims.free(now) if claims is not None else []),
            limit,
        ],
    )
    columns = [c[0] for c in rows.description]
    return [_decoded(dict(zip(columns, row, strict=True))) for row in rows.fetchall()]


def next_due_at(
    db: Database,
    platform: str,
    account: str,
    *,
    unassigned: bool = False,
    claims: OutboxClaims | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """When the next pending row is due; with `claims`, rows another live process has
    claimed at `now` do not count (they are its to send)."""
    free, params = "", []
    if claims is not None:
        if now is None:
            raise ValueError("next_due_at with claims needs now")
        free, params = f"AND {FREE}", claims.free(now)
    row = db.execute(
        f"""
        SELECT min(next_attempt_at) FROM outbox
        WHERE status = 'pending' AND platform = ? AND (account = ? OR (? = 1 AND account = ''))
          {free}
        """,
        [platform, account, int(unassigned), *params],
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def _decoded(row: dict) -> dict:
    row["mentions"] = tuple(json.loads(row["mentions"] or "[]"))
    return row


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def begin_attempt(db: Database, ids: list[int], now: datetime) -> None:
    """Recorded (and committed by the caller) before the request is written."""
    db.execute(
        f"UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id IN ({_marks(ids)})",
        [f"{UNCONFIRMED} (since {now.isoformat()})", *ids],
    )


def undo_attempt(db: Database, ids: list[int], reason: str) -> None:
    """Nothing was written (not connected): the attempt does not count."""
    db.execute(
        f"UPDATE outbox SET attempts = max(attempts - 1, 0), last_error = ? "
        f"WHERE id IN ({_marks(ids)})",
        [reason, *ids],
    )


def mark_sent(
    db: Database,
    ids: list[int],
    platform_message_id: str,
    now: datetime,
    account: str,
) -> None:
    """Confirmed by the platform; `account` records who sent rows queued without one."""
    db.execute(
        f"UPDATE outbox SET status = 'sent', sent_at = ?, platform_message_id = ?, "
        f"account = ?, last_error = NULL WHERE id IN ({_marks(ids)})",
        [now.isoformat(), platform_message_id, account, *ids],
    )


def mark_retry(db: Database, ids: list[int], error: str, next_attempt_at: datetime) -> None:
    db.execute(
        f"UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id IN ({_marks(ids)})",
        [error, next_attempt_at.isoformat(), *ids],
    )


def mark_failed(db: Database, ids: list[int], error: str) -> None:
    db.execute(
        f"UPDATE outbox SET status = 'failed', last_error = ? WHERE id IN ({_marks(ids)})",
        [error, *ids],
    )


def split_mentions(db: Database, row: dict, chunk: int) -> None:
    """Cut a row with more than `chunk` @-mentions into rows of at most `chunk` each.

    The first chunk stays in the row; each further one becomes a new pending row with the
    same text (dedup_key suffixed `#2`, `#3`...), so each part is confirmed on its own and a
    retry never re-sends a part that went out.
    """
    mentions = list(row["mentions"])
    parts = [mentions[i : i + chunk] for i in range(0, len(mentions), chunk)]
    db.execute("UPDATE outbox SET mentions = ? WHERE id = ?", [json.dumps(parts[0]), row["id"]])
    for n, part in enumerate(parts[1:], start=2):
        db.execute(
            """
            INSERT INTO outbox (platform, account, chat_type, target, text, mentions,
                                dedup_key, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(dedup_key) DO NOTHING
            """,
            [
                row["platform"],
                row["account"],
                row["chat_type"],
                row["target"],
                row["text"],
                json.dumps(part),
                f"{row['dedup_key']}#{n}" if row["dedup_key"] else None,
                row["next_attempt_at"],
                row["created_at"],
            ],
        )


def recent_sends(
    db: Database, platform: str, account: str, since: datetime
) -> list[tuple[str, datetime]]:
    """(target, sent_at) of this account's sends since `since`: the rate budget already
    spent, so a restart does not grant a fresh minute."""
    rows = db.execute(
        "SELECT target, sent_at FROM outbox WHERE status = 'sent' AND platform = ? "
        "AND account = ? AND sent_at >= ? ORDER BY sent_at",
        [platform, account, since.isoformat()],
    ).fetchall()
    return [(target, datetime.fromisoformat(at)) for target, at in rows]


def unconfirmed(db: Database, platform: str) -> list[dict]:
    rows = db.execute(
        "SELECT id, account, target FROM outbox WHERE status = 'pending' AND platform = ? "
        "AND last_error LIKE ?",
        [platform, UNCONFIRMED + "%"],
    ).fetchall()
    return [{"id": i, "account": a, "target": t} for i, a, t in rows]
