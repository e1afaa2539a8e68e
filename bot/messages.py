"""The platform-neutral messages every adapter produces and consumes.

Handlers see only these types, never a platform payload, so the same core runs on WeChat,
QQ and the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ChatType = Literal["group", "private"]


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One chat message as the core sees it.

    `chat_id` is the group id for group messages and the sender's account id for private ones.
    `message_id` is the platform's own id: (platform, message_id) is the dedup key.
    `line_authors`, when the platform knows them (WeChat 接龙 `solitaire_info`), maps each
    numbered chain entry (1-based) to the account that wrote it.
    """

    platform: str
    chat_type: ChatType
    chat_id: str
    sender_id: str
    display_name: str
    text: str
    message_id: str
    time: datetime
    mentions: tuple[str, ...] = ()
    account: str = ""
    line_authors: dict[int, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.message_id}"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message the bot wants to send; it goes through the persistent outbox.

    `mentions` are platform account ids to @. `dedup_key`, when set, makes the enqueue
    idempotent: a scheduled job that re-runs after a restart cannot send twice.
    """

    platform: str
    chat_type: ChatType
    target: str
    text: str
    mentions: tuple[str, ...] = ()
    image_path: str | None = None
    file_path: str | None = None
    dedup_key: str | None = None
    account: str = ""
