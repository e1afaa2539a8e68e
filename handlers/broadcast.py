"""Notices with acknowledgement: send to class chats, record 收到, remind the missing once.

`send` posts a notice through the outbox to every class chat in scope; `record_ack` is called
by the message path for ordinary group messages; `remind_due` is the periodic job that
@-mentions, once, those who have not acknowledged when the reminder time comes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config import Config
from core.messages import OutgoingMessage
from handlers.ack import is_ack
from handlers.context import HandlerContext
from storage import broadcasts
from storage.backend import Database
from storage.outbox import enqueue

log = logging.getLogger(__name__)

MAX_NOTICE = 1000  # characters in a notice, from the chat (/广播) or the dashboard


@dataclass(frozen=True, slots=True)
class Sent:
    id: int
    chats: int
    audience: int


def class_chats(db: Database, node_ids: set[int]) -> list[tuple[str, str, int]]:
    """(platform, chat id, node id) of the class chats bound to any of `node_ids`."""
    ids = sorted(node_ids)
    if not ids:
        return []
    rows = db.execute(
        f"""
        SELECT c.platform, c.chat_id, c.node_id FROM chats c JOIN nodes n ON n.id = c.node_id
        WHERE c.purpose = 'class' AND c.node_id IN ({",".join("?" * len(ids))})
        ORDER BY n.path, c.platform, c.chat_id
        """,
        ids,
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def notice_text(broadcast_id: int, text: str) -> str:
    return f"【通知 #{broadcast_id}】{text}\n（请回复「收到」确认）"


def send(
    db: Database,
    config: Config,
    now: datetime,
    *,
    author_id: str | None,
    scope_node_id: int | None,
    scope_label: str,
    node_ids: set[int],
    text: str,
) -> Sent | None:
    """Create the broadcast and queue the notice for each class chat; None when no chat."""
    chats = class_chats(db, node_ids)
    if not chats:
        return None
    settings = config.broadcast
    window_ends = now + timedelta(hours=settings.ack_window_hours)
    remind_at = None
    if settings.remind_after_minutes is not None:
        remind_at = now + timedelta(minutes=settings.remind_after_minutes)
        if remind_at >= window_ends:
            remind_at = None
    broadcast_id = broadcasts.create(
        db,
        author_id=author_id,
        scope_node_id=scope_node_id,
        scope_label=scope_label,
        text=text,
        now=now,
        window_ends=window_ends,
        remind_at=remind_at,
    )
    body = notice_text(broadcast_id, text)
    for platform, chat_id, node_id in chats:
        outbox_id = enqueue(
            db,
            OutgoingMessage(
                platform=platform,
                chat_type="group",
                target=chat_id,
                text=body,
                dedup_key=f"broadcast:{broadcast_id}:{platform}:{chat_id}",
            ),
            now,
        )
        broadcasts.add_target(db, broadcast_id, platform, chat_id, node_id, outbox_id)
    audience = db.execute(
        f"SELECT count(*) FROM people WHERE active = 1 AND class_id IN "
        f"({','.join('?' * len(chats))})",
        [c[2] for c in chats],
    ).fetchone()[0]
    log.info("broadcast %s to %d chats", broadcast_id, len(chats))
    return Sent(broadcast_id, len(chats), audience)


def record_ack(ctx: HandlerContext) -> bool:
    """Mark the sender of an acknowledgement in a class chat; True when one was recorded.

    A 收到 counts for every notice still open in that chat which the sender had not yet
    acknowledged: someone who read two notices and says 收到 once has seen both.
    """
    msg = ctx.message
    if msg.chat_type != "group" or ctx.sender is None or not is_ack(msg.text):
        return False
    now = ctx.clock.now()
    recorded = False
    for broadcast_id in broadcasts.open_in_chat(ctx.db, msg.platform, msg.chat_id, now):
        recorded |= broadcasts.record_ack(ctx.db, broadcast_id, ctx.sender.id, now, msg.key)
    return recorded


def remind_due(db: Database, config: Config, now: datetime) -> int:
    """Post the one reminder of every broadcast whose time has come; returns messages queued.

    Each class chat gets one message @-mentioning its members who have not acknowledged
    (those without an account on that platform are named only). Idempotent: the broadcast is
    marked reminded, and each message has a dedup key.
    """
    queued = 0
    for b in broadcasts.due_reminders(db, now):
        for target in broadcasts.targets(db, b.id):
            if not target.missing:
                continue
            accounts = broadcasts.accounts_on(db, target.platform, [p for p, _ in target.missing])
            names = "、".join(name for _, name in target.missing)
            queued += (
                enqueue(
                    db,
                    OutgoingMessage(
                        platform=target.platform,
                        chat_type="group",
                        target=target.chat_id,
                        text=f"【通知 #{b.id} 提醒】以下同学还没有回复「收到」：{names}。"
                        "请查看上面的通知并回复「收到」。",
                        mentions=tuple(accounts[p] for p, _ in target.missing if p in accounts),
                        dedup_key=f"broadcast-remind:{b.id}:{target.platform}:{target.chat_id}",
                    ),
                    now,
                )
                is not None
            )
        broadcasts.mark_reminded(db, b.id, now)
    return queued
