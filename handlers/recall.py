"""A withdrawn (撤回) report message withdraws the report it made, unless a newer one stands.

Students withdraw a message they got wrong, and counselors withdraw a message that should not
have been posted; either way the group no longer shows it, so the day's report must not rest
on it. Only reports whose current version came from the withdrawn message change: they go
back to the version before it (from report_history, skipping versions whose message was
withdrawn too), or, with none left, the report is removed and the student counts as missing
again. A report a later message updated stands as it is. The sender hears privately what
became of it, without any health detail. A recall of a message that made no report (chatter,
an older version) changes nothing and says nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from core.messages import OutgoingMessage, Recall
from storage.backend import Database
from storage.outbox import enqueue
from storage.reports import FIELDS

log = logging.getLogger(__name__)

RECALLED = "recalled"  # raw_messages.kind of a withdrawn message
RESTORED = ("source", "message_key", "posted_by", "proxy", *FIELDS)


def _recalled_keys(db: Database, keys: set[str]) -> set[str]:
    if not keys:
        return set()
    rows = db.execute(
        f"SELECT platform || ':' || message_id FROM raw_messages WHERE kind = ? AND "
        f"platform || ':' || message_id IN ({','.join('?' * len(keys))})",
        [RECALLED, *keys],
    ).fetchall()
    return {r[0] for r in rows}


def _previous(db: Database, person_id: str, day: str) -> dict[str, Any] | None:
    """The newest earlier version whose message still stands."""
    versions = [
        json.loads(f)
        for (f,) in db.execute(
            "SELECT fields FROM report_history WHERE person_id = ? AND day = ? "
            "ORDER BY revision DESC",
            [person_id, day],
        )
    ]
    gone = _recalled_keys(db, {v["message_key"] for v in versions if v.get("message_key")})
    return next((v for v in versions if v.get("message_key") not in gone), None)


def _withdraw_one(db: Database, row: dict[str, Any], now: datetime) -> bool:
    """Put the report back one version; True when an earlier version now stands."""
    person, day = row["person_id"], row["day"]
    stamp = now.isoformat()
    db.execute(
        "INSERT INTO report_history (person_id, day, revision, fields, replaced_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [person, day, row["revision"], json.dumps(row, ensure_ascii=False), stamp],
    )
    previous = _previous(db, person, day)
    if previous is None:
        db.execute("DELETE FROM reports WHERE person_id = ? AND day = ?", [person, day])
        return False
    assignments = ", ".join(f"{column} = ?" for column in RESTORED)
    db.execute(
        f"UPDATE reports SET {assignments}, updated_at = ?, revision = ? "
        "WHERE person_id = ? AND day = ?",
        [*(previous[c] for c in RESTORED), stamp, row["revision"] + 1, person, day],
    )
    return True


def _notice(name: str, day: str, earlier: bool, own: bool) -> str:
    month, dom = int(day[5:7]), int(day[8:10])
    whose = "" if own else f"为{name}代报的"
    if earlier:
        return (
            f"你撤回了{whose}{month}月{dom}日平安报告的消息，这条报告已作废，以之前发的报告为准；"
            "如需更正，请重新发送。"
        )
    return (
        f"你撤回了{whose}{month}月{dom}日平安报告的消息，这条报告已作废，"
        f"{'你' if own else name}这一天还没有有效的报告，请重新发送。"
    )


def withdraw(db: Database, recall: Recall, now: datetime) -> int:
    """Apply one recall in its own transaction; return the messages queued (0 or more)."""
    queued = 0
    with db.atomic():
        db.execute(
            "UPDATE raw_messages SET kind = ? WHERE platform = ? AND message_id = ?",
            [RECALLED, recall.platform, recall.message_id],
        )
        cursor = db.execute(
            "SELECT r.*, p.name FROM reports r JOIN people p ON p.id = r.person_id "
            "WHERE r.message_key = ?",
            [recall.key],
        )
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
        for row in rows:
            name = row.pop("name")
            earlier = _withdraw_one(db, row, now)
            own = db.execute(
                "SELECT 1 FROM accounts WHERE platform = ? AND account_id = ? AND person_id = ?",
                [recall.platform, recall.sender_id, row["person_id"]],
            ).fetchone()
            log.info(
                "report %s %s withdrawn with message %s (%s)",
                row["person_id"], row["day"], recall.key,
                "earlier version stands" if earlier else "removed",
            )  # fmt: skip
            message = OutgoingMessage(
                platform=recall.platform,
                chat_type="private",
                target=recall.sender_id,
                text=_notice(name, row["day"], earlier, own is not None),
                account=recall.account,
                dedup_key=f"recall:{recall.key}:{row['person_id']}",
            )
            queued += enqueue(db, message, now) is not None
    return queued
