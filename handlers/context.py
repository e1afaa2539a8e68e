"""What every handler receives: the store, the config, the clock, the message and who sent it.

Handlers get their collaborators as arguments (never an adapter, never aiohttp), so the same
code runs under the simulator, QQ and WeChat, and in tests with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from bot.clock import Clock
from bot.config import Config
from bot.messages import ChatType, IncomingMessage, OutgoingMessage
from storage.outbox import enqueue


@dataclass(frozen=True, slots=True)
class Person:
    """A roster row as handlers see it."""

    id: str
    name: str
    role: str
    class_id: int | None = None
    dorm_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChatBinding:
    """The node a chat stands for, and what it is for (class, counselor, duty, admin)."""

    platform: str
    chat_id: str
    node_id: int
    node_path: str
    purpose: str


@dataclass(slots=True)
class HandlerContext:
    db: sqlite_utils.Database
    config: Config
    clock: Clock
    message: IncomingMessage
    sender: Person | None = None  # from a confirmed binding only: every permission rests on it
    chat: ChatBinding | None = None
    # The student an unconfirmed binding claims (group-card match, pending /绑定): it may
    # report for that student and nothing else, so it is never `sender`.
    claimed: Person | None = None
    sent: list[int] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.clock.now().astimezone(self.config.tz).date()

    def send(self, message: OutgoingMessage) -> int | None:
        """Queue a message in the outbox (inside the caller's transaction)."""
        message_id = enqueue(self.db, message, self.clock.now())
        if message_id is not None:
            self.sent.append(message_id)
        return message_id

    def reply(self, text: str, *, private: bool = False, mentions: tuple[str, ...] = ()) -> None:
        """Answer in the same chat, or privately to the sender.

        A reply in a class group must never carry anyone's temperature or symptoms: callers
        that answer with health details pass private=True.
        """
        msg = self.message
        chat_type: ChatType = "private" if private else msg.chat_type
        target = msg.sender_id if private else msg.chat_id
        self.send(
            OutgoingMessage(
                platform=msg.platform,
                chat_type=chat_type,
                target=target,
                text=text,
                mentions=mentions,
                account=msg.account,
            )
        )
