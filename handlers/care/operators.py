"""The operators' alert route: where a self-harm page goes besides private messages.

The same send-only group robots that hear of an account that is down (`ops.webhooks` with
`alerts: true`: WeCom, DingTalk, Feishu) hear of a page, through the outbox like every other
message, so a robot that is briefly unreachable gets it later rather than never. Without
one, a page still reaches the counselors and psychologists by private message. The text
given here names no student: an operators' channel is not a counselor-only place.
"""

from __future__ import annotations

from datetime import datetime

from core.config import Config
from core.messages import OutgoingMessage
from storage.backend import Database
from storage.outbox import enqueue

#: The outbox platform of the group robots (bot/webhooks).
WEBHOOK = "webhook"


def alert_operators(
    db: Database, config: Config, now: datetime, text: str, *, dedup: str
) -> int:
    """Queue the alert to every alert robot; return how many were queued (0: none set, or
    this alert was queued before)."""
    queued = 0
    for robot in config.ops.webhooks:
        if robot.alerts:
            message = OutgoingMessage(
                platform=WEBHOOK,
                chat_type="group",
                target=robot.name,
                text=text,
                dedup_key=f"care-alert:{dedup}:{robot.name}",
            )
            queued += enqueue(db, message, now) is not None
    return queued
