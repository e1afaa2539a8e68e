"""What one live connection can do: decode a message, send one, list a room's members.

The adapter makes a new Session on every (re)connect, so cached names never outlive the
connection they came from.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import tzinfo

from grpclib import GRPCError
from grpclib.const import Status

from core.messages import IncomingMessage, OutgoingMessage

from .decode import (
    WIRE_TEXT,
    mention_prefix,
    message_time,
    parse_solitaire,
    strip_self_mention,
)
from .puppet import PuppetClient

log = logging.getLogger(__name__)

PLATFORM = "wechat"
MEMBER_LOOKUPS_IN_FLIGHT = 8
# gRPC answers that mean "try again later"; any other error about one message is final.
RETRYABLE = frozenset(
    {Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.RESOURCE_EXHAUSTED, Status.UNKNOWN}
)


@dataclass(frozen=True, slots=True)
class RoomMember:
    """A room member as binding needs it: wxid, WeChat name, and the 群昵称 if set."""

    wxid: str
    name: str
    room_alias: str


class Session:
    def __init__(self, client: PuppetClient) -> None:
        self.client = client
        self._self_names: dict[str, list[str]] = {}
        self._rooms_seen: set[str] = set()

    # -- names -----------------------------------------------------------------------------

    async def contact_name(self, wxid: str) -> str:
        """The WeChat name, or "" when the service has none (a stranger, a left member)."""
        try:
            return await self.client.contact_name(wxid)
        except GRPCError as e:
            if e.status in RETRYABLE:
                raise
            log.debug("wechaty: no contact payload for %s: %r", wxid, e)
            return ""

    async def alias_and_name(self, room_id: str, wxid: str) -> tuple[str, str]:
        """The 群昵称 and WeChat name of a room member (RoomMemberPayload, then Contact)."""
        alias, name = await self.client.room_member(room_id, wxid)
        if not name:
            name = await self.contact_name(wxid)
        return alias, name

    async def shown_name(self, room_id: str, wxid: str) -> str:
        """What WeChat shows for a member: 群昵称, else WeChat name, else the wxid."""
        try:
            alias, name = await self.alias_and_name(room_id, wxid)
        except GRPCError as e:
            if e.status in RETRYABLE:
                raise
            log.debug("wechaty: no member payload for %s in %s: %r", wxid, room_id, e)
            alias, name = "", await self.contact_name(wxid)
        return alias or name or wxid

    async def self_names(self, room_id: str, self_id: str) -> list[str]:
        if room_id not in self._self_names:
            alias, name = await self.alias_and_name(room_id, self_id)
            self._self_names[room_id] = [n for n in (alias, name) if n]
        return self._self_names[room_id]

    # -- incoming --------------------------------------------------------------------------

    async def decode(
        self, message_id: str, *, self_id: str | None, tz: tzinfo, account: str
    ) -> IncomingMessage | None:
        """Fetch a message and its sender's names; None for our own or unsupported messages."""
        payload = await self.client.message(message_id)
        sender = payload.from_id
        if not sender or sender == self_id:
            return None
        text = payload.text or ""
        line_authors: dict[int, str] = {}
        solitaire = parse_solitaire(text)
        if solitaire is not None:
            text, line_authors = solitaire.text, solitaire.line_authors
        elif int(payload.type) != WIRE_TEXT:
            log.debug("wechaty: skipping message %s of type %s", message_id, payload.type)
            return None
        room_id = payload.room_id
        mentions = tuple(payload.mention_ids or ())
        if room_id:
            await self._announce_room(room_id)
            display = await self.shown_name(room_id, sender)
            if self_id and self_id in mentions:
                text = strip_self_mention(text, await self.self_names(room_id, self_id))
        else:
            display = await self.contact_name(sender) or sender
        return IncomingMessage(
            platform=PLATFORM,
            chat_type="group" if room_id else "private",
            chat_id=room_id or sender,
            sender_id=sender,
            display_name=display,
            text=text,
            message_id=payload.id or message_id,
            time=message_time(payload.timestamp, tz),
            mentions=mentions,
            account=account,
            line_authors=line_authors,
        )

    async def _announce_room(self, room_id: str) -> None:
        """Log each room once with its name: how an admin finds the id for `groups:`."""
        if room_id in self._rooms_seen:
            return
        self._rooms_seen.add(room_id)
        try:
            topic = await self.client.room_topic(room_id)
        except Exception as e:  # the name is a courtesy; the message still goes on
            topic = f"name unavailable: {e!r}"
        log.info("wechaty: messages from room %s (%s)", room_id, topic)

    # -- outgoing --------------------------------------------------------------------------

    async def send(self, message: OutgoingMessage) -> str:
        """Text (with @s in a room), then any image or file; the platform's id of the text.

        Only MessageSendText's answer counts: fetching the sent message's payload afterwards
        (as wechaty's Room.say does) could fail and report a delivered message as failed,
        making the outbox send it twice. The @ text is written as WeChat writes it, with the
        member's 群昵称 (Room.say uses the WeChat name).
        """
        target = message.target
        mention_ids = list(dict.fromkeys(message.mentions)) if message.chat_type == "group" else []
        text = message.text
        if mention_ids:
            names = [await self.shown_name(target, wxid) for wxid in mention_ids]
            text = mention_prefix(names) + text
        msg_id = None
        if text:
            msg_id = await self.client.send_text(target, text, mention_ids)
        for path in (message.image_path, message.file_path):
            if path:
                file_id = await self.client.send_file(target, path)
                msg_id = msg_id or file_id
        return msg_id or ""

    # -- members ---------------------------------------------------------------------------

    async def member_list(self, room_id: str, self_id: str | None) -> list[RoomMember]:
        """Everyone in a room but the bot, with names and 群昵称 (member list + payloads)."""
        wxids = await self.client.room_member_ids(room_id)
        gate = asyncio.Semaphore(MEMBER_LOOKUPS_IN_FLIGHT)

        async def one(wxid: str) -> RoomMember:
            async with gate:
                alias, name = await self.alias_and_name(room_id, wxid)
            return RoomMember(wxid, name, alias)

        return list(await asyncio.gather(*(one(w) for w in dict.fromkeys(wxids) if w != self_id)))
