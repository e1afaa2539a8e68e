"""What every handler receives: the store, the config, the clock, the message and who sent it.

Handlers get their collaborators as arguments (never an adapter, never aiohttp), so the same
code runs under the simulator, QQ and WeChat, and in tests with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.chat_binding import ChatBinding
from core.clock import Clock
from core.config import Config
from core.messages import ChatType, IncomingMessage, OutgoingMessage
from storage.backend import Database
from storage.outbox import enqueue


@dataclass(frozen=True, slots=True)
class Person:
    """A roster row as handlers see it."""

    id: str
    name: str
    role: str
    class_id: int | None = None
    dorm_id: int | None = None


@dataclass(slots=True)
class HandlerContext:
    db: Database
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
