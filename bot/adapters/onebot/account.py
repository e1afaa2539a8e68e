"""One QQ account behind OneBot: its live connections, its actions, and `send` for the outbox.

An account can be reached over one Universal connection or an API + Event pair; whichever
connection can carry actions is used for calls. When the peer reconnects, the new connection
replaces the old one and calls go over it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.adapters.base import History
from bot.adapters.onebot.connection import Connection
from bot.adapters.onebot.event import GroupMessageEvent, Id
from bot.adapters.onebot.exception import (
    ActionFailed,
    ApiNotAvailable,
    ApiTimeout,
    ConnectionLost,
    OneBotError,
)
from bot.adapters.onebot.message import mentions, outgoing, plain_text
from core.errors import (
    DeliveryFailed,
    DeliveryRejected,
    DeliveryUncertain,
    NotConnected,
)
from core.messages import OutgoingMessage
from storage.bindings import Member

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")

PLATFORM = "qq"
HISTORY_COUNT = 30  # recent group messages searched for an unconfirmed send
CLOCK_SKEW_S = 60  # the implementation's clock may differ from ours


class GroupMember(BaseModel):
    """A row of get_group_member_list: enough to bind a QQ number to a roster person."""

    model_config = ConfigDict(extra="ignore")

    user_id: Id
    nickname: str = ""
    card: str = ""
    role: str = "member"

    @field_validator("nickname", "card", "role", mode="before")
    @classmethod
    def _none_as_empty(cls, value: object) -> object:
        return "" if value is None else value

    @property
    def display_name(self) -> str:
        return (self.card or "").strip() or (self.nickname or "").strip() or self.user_id


@dataclass(slots=True)
class _Slots:
    api: Connection | None = None
    events: Connection | None = None


class OneBotAccount:
    """Implements bot.transport.Transport for one QQ account."""

    platform = PLATFORM

    paced = True  # real QQ: the outbox keeps it under the risk-control limits

    def __init__(self, self_id: str, *, api_timeout_s: float = 30.0, tz: tzinfo = SHANGHAI) -> None:
        self.account = self_id
        self.api_timeout_s = api_timeout_s
        self.tz = tz  # of the times in backfilled messages
        self._slots = _Slots()
        self._connected = asyncio.Event()
        self.last_seen: datetime | None = None  # when the last event came (UTC)
        self.logged_in = True  # False while heartbeats say `online: false` (QQ logged out)

    # -- connections -----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._slots.api is not None and self._slots.api.open

    async def wait_connected(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            return False
        return self.connected

    def replace_with(self, conn: Connection) -> list[Connection]:
        """Use `conn` from now on; return the connections it replaces (the caller closes them)."""
        replaced = []
        if conn.carries_api:
            if self._slots.api is not None and self._slots.api is not conn:
                replaced.append(self._slots.api)
            self._slots.api = conn
            self._connected.set()
        if conn.carries_events:
            old = self._slots.events
            if old is not None and old is not conn and old not in replaced:
                replaced.append(old)
            self._slots.events = conn
        return replaced

    def detach(self, conn: Connection) -> None:
        if self._slots.api is conn:
            self._slots.api = None
            self._connected.clear()
        if self._slots.events is conn:
            self._slots.events = None

    def seen(self) -> None:
        """An event arrived: the account is alive as of now."""
        self.last_seen = datetime.now(UTC)

    def connections(self) -> list[Connection]:
        return list({id(c): c for c in (self._slots.api, self._slots.events) if c}.values())

    # -- actions ---------------------------------------------------------------------------

    async def call(self, action: str, **params: Any) -> Any:
        """Call an action and return its `data`; raise ActionFailed unless `status` is ok."""
        conn = self._slots.api
        if conn is None or not conn.open:
            raise ApiNotAvailable(f"QQ {self.account}: not connected")
        response = await conn.call(action, params, self.api_timeout_s)
        if response.status != "ok":
            raise ActionFailed(
                action, response.status, response.retcode, response.wording or response.message
            )
        return response.data

    async def send(self, message: OutgoingMessage) -> str:
        """Send through send_group_msg / send_private_msg; the platform's message_id on `ok`."""
        params: dict[str, Any]
        if message.chat_type == "group":
            action, params = "send_group_msg", {"group_id": numeric_id(message.target)}
        else:
            action, params = "send_private_msg", {"user_id": numeric_id(message.target)}
        params["message"] = segments = outgoing(message.text, message.mentions)
        if message.image_path:
            segments.append(_image_segment(message.image_path))
        try:
            if message.file_path:  # first: a failed upload leaves nothing half-sent
                await self._upload(message)
            data = await self.call(action, **params)
        except ApiNotAvailable as e:
            raise NotConnected(str(e)) from e
        except (ConnectionLost, ApiTimeout) as e:
            raise DeliveryUncertain(f"{action} to {message.target}: {e}") from e
        except ActionFailed as e:
            log.warning("QQ %s: %s to %s refused: %s", self.account, action, message.target, e)
            if e.permanent:
                raise DeliveryRejected(str(e)) from e
            if e.status == "async":
                raise DeliveryUncertain(str(e)) from e
            raise DeliveryFailed(str(e)) from e
        message_id = data.get("message_id") if isinstance(data, dict) else None
        return "" if message_id is None else str(message_id)

    async def _upload(self, message: OutgoingMessage) -> None:
        """Files are not in v11; upload_group_file / upload_private_file are a go-cqhttp
        extension not every implementation has. `file` is a path on the implementation's
        machine, so this works when both share a filesystem; a 1404 marks it failed."""
        path = str(Path(message.file_path or "").resolve())
        name = Path(path).name
        if message.chat_type == "group":
            await self.call(
                "upload_group_file", group_id=numeric_id(message.target), file=path, name=name
            )
        else:
            await self.call(
                "upload_private_file", user_id=numeric_id(message.target), file=path, name=name
            )

    async def find_delivered(self, message: OutgoingMessage, since: datetime) -> list[str]:
        """Ids of our own group messages since `since` with this text and these @s.

        The outbox asks this before re-sending a message whose first attempt went unanswered
        (the link dropped), so a message QQ did post is not posted twice. It reads the group's
        recent history through get_group_msg_history, a go-cqhttp extension NapCat and
        LLOneBot provide; without it (1404) the answer is "none found" and the outbox
        re-sends (at-least-once).
        """
        if message.chat_type != "group":
            return []
        try:
            data = await self.call(
                "get_group_msg_history", group_id=numeric_id(message.target), count=HISTORY_COUNT
            )
        except ApiNotAvailable as e:
            raise NotConnected(str(e)) from e
        except ActionFailed as e:
            log.info("QQ %s: cannot read group history (%s)", self.account, e)
            return []
        rows = data.get("messages") if isinstance(data, dict) else None
        found = []
        for raw in rows if isinstance(rows, list) else []:
            if not isinstance(raw, dict):
                continue
            try:  # own messages may come as post_type message_sent
                event = GroupMessageEvent.model_validate(
                    {**raw, "post_type": "message", "message_type": "group"}
                )
            except ValidationError:
                continue
            if (
                event.user_id == self.account
                and event.time >= since.timestamp() - CLOCK_SKEW_S
                and plain_text(event.message) == message.text.strip()
                and set(mentions(event.message)) == set(message.mentions)
            ):
                found.append(event.message_id)
        return found

    async def get_group_list(self) -> list[str]:
        """The groups this account is in (to route group messages queued without account)."""
        data = await self.call("get_group_list")
        if not isinstance(data, list):
            raise OneBotError("get_group_list: data is not a list")
        return [str(g["group_id"]) for g in data if isinstance(g, dict) and "group_id" in g]

    async def get_group_member_list(self, group_id: str) -> list[GroupMember]:
        data = await self.call("get_group_member_list", group_id=numeric_id(group_id))
        if not isinstance(data, list):
            raise OneBotError(f"get_group_member_list {group_id}: data is not a list")
        members = []
        for row in data:
            try:
                members.append(GroupMember.model_validate(row))
            except ValidationError:
                log.warning("group %s: skipping a member row without user_id", group_id)
        return members

    # -- bot.adapters.base.Account ---------------------------------------------------------

    async def groups(self) -> set[str] | None:
        try:
            return set(await self.get_group_list())
        except OneBotError as e:
            log.info("QQ %s: get_group_list failed (%s); trying every group", self.account, e)
            return None

    async def members(self, group: str) -> list[Member]:
        listed = await self.get_group_member_list(group)
        return [
            Member(m.user_id, (m.card, m.nickname)) for m in listed if m.user_id != self.account
        ]

    async def history(self, group: str, since: datetime) -> History:
        """`get_group_msg_history` paged back to `since` (bot/adapters/onebot/backfill.py);
        an implementation without it (1404) keeps none."""
        from bot.adapters.onebot.backfill import fetch_since  # it imports this module

        try:
            return History(tuple(await fetch_since(self, group, since, self.tz)))
        except ActionFailed as e:
            if e.retcode == 1404:  # the spec's "no such action"
                return History.none_kept()
            raise


def _image_segment(path: str) -> dict[str, Any]:
    """Inline as base64: the implementation often runs elsewhere (a container) and cannot
    read our files."""
    try:
        content = Path(path).read_bytes()
    except OSError as e:
        raise DeliveryRejected(f"image {path} unreadable: {e}") from e
    return {"type": "image", "data": {"file": "base64://" + base64.b64encode(content).decode()}}


def numeric_id(target: str) -> int | str:
    """OneBot ids are integers on the wire; keep anything non-numeric as given."""
    return int(target) if target.isdigit() else target
