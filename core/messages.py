"""The platform-neutral messages every adapter produces and consumes.

Handlers see only these types, never a platform payload, so the same core runs on WeChat,
QQ and the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ChatType = Literal["group", "private"]

#: How users call each platform, in every text they read.
PLATFORM_NAMES = {"qq": "QQ", "wechat": "微信", "sim": "模拟", "webhook": "群机器人"}


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def account_label(account_key: str) -> str:
    """A stored `platform:account` as users read it: 「QQ 123456」, 「模拟 nick-1」."""
    platform, _, account = account_key.partition(":")
    return f"{platform_name(platform)} {account}" if account else account_key


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One chat message as the core sees it.

    `chat_id` is the group id for group messages and the sender's account id for private ones.
    `message_id` is the platform's own id: (platform, message_id) is the dedup key.
    `line_authors`, when the platform knows them (WeChat 接龙 `solitaire_info`), maps each
    numbered chain entry (1-based) to the account that wrote it. `reply_to`, when the
    message quotes another (QQ's reply segment), is the quoted message's platform id.
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
    reply_to: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.message_id}"


@dataclass(frozen=True, slots=True)
class Recall:
    """A group message withdrawn (撤回): whose it was and who withdrew it (an admin may)."""

    platform: str
    chat_id: str
    message_id: str
    sender_id: str
    operator_id: str
    time: datetime
    account: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.message_id}"


MemberChangeKind = Literal["joined", "left", "renamed"]


@dataclass(frozen=True, slots=True)
class MemberChange:
    """Someone joined or left a group, or changed their group card; `names` as a member
    list gives them (card first, then nickname)."""

    platform: str
    chat_id: str
    account_id: str
    change: MemberChangeKind
    names: tuple[str, ...] = ()


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
