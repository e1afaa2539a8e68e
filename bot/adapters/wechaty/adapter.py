"""One WeChat account through a wechaty puppet service: connect, decode, send.

Usage (what `pingan run` does for each `adapters.wechaty` entry):

    adapter = WechatyAdapter(config.adapters.wechaty[0], handle, tz=config.tz)
    await adapter.start()          # returns at once; connects and reconnects in the background
    await adapter.wait_ready(30)   # optional: True once the service accepted us
    msg_id = await adapter.send(OutgoingMessage(...))   # the outbox's Transport
    members = await adapter.member_list(room_id)        # for binding (see members.py)
    await adapter.stop()           # Stop RPC, then the channel is closed

`handle` is the core's `Callable[[IncomingMessage], Awaitable[None]]`. Messages are handed to
it one at a time, in arrival order, each with a timeout; an exception in it is logged and the
next message goes on. A broken or absent service never raises out of `start()`: the adapter
retries with exponential backoff (RECONNECT_INITIAL_S doubling up to RECONNECT_MAX_S).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from grpclib import GRPCError
from grpclib.const import Status

from bot.config import WechatyConnection
from bot.errors import DeliveryFailed
from bot.messages import IncomingMessage, OutgoingMessage

from .compat import isolate_pools, load
from .decode import mention_prefix, message_time, parse_solitaire, strip_self_mention
from .discovery import discover_endpoint, sni_from_token

if TYPE_CHECKING:
    from .puppet import PinganPuppetService, PuppetEvent

log = logging.getLogger(__name__)

PLATFORM = "wechat"
RECONNECT_INITIAL_S = 1.0
RECONNECT_MAX_S = 60.0
STABLE_SESSION_S = 30.0  # a session that lasted this long resets the backoff
HANDLER_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 5.0
DECODE_ATTEMPTS = 3
MEMBER_LOOKUPS_IN_FLIGHT = 8
QRCODE_URL = "https://wechaty.js.org/qrcode/"
# gRPC answers that mean "try again later"; any other error for a message is final.
RETRYABLE = {
    Status.UNAVAILABLE,
    Status.DEADLINE_EXCEEDED,
    Status.RESOURCE_EXHAUSTED,
    Status.UNKNOWN,
}

MessageHandler = Callable[[IncomingMessage], Awaitable[None]]


class RoomMember:
    """A room member as binding needs it: wxid, WeChat name, and the 群昵称 if set."""

    __slots__ = ("name", "room_alias", "wxid")

    def __init__(self, wxid: str, name: str, room_alias: str) -> None:
        self.wxid, self.name, self.room_alias = wxid, name, room_alias

    def __repr__(self) -> str:
        return f"RoomMember({self.wxid!r}, {self.name!r}, {self.room_alias!r})"


class WechatyAdapter:
    """Implements bot.transport.Transport for one WeChat account."""

    platform = PLATFORM

    def __init__(
        self,
        connection: WechatyConnection,
        on_message: MessageHandler,
        *,
        tz: tzinfo | str = "Asia/Shanghai",
        reconnect_initial_s: float = RECONNECT_INITIAL_S,
        reconnect_max_s: float = RECONNECT_MAX_S,
        stable_session_s: float = STABLE_SESSION_S,
        handler_timeout_s: float = HANDLER_TIMEOUT_S,
    ) -> None:
        self.connection = connection
        self.on_message = on_message
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.reconnect_initial_s = reconnect_initial_s
        self.reconnect_max_s = reconnect_max_s
        self.stable_session_s = stable_session_s
        self.handler_timeout_s = handler_timeout_s
        self.rpc_timeout_s = connection.rpc_timeout_s
        self.self_id: str | None = None
        self.sessions = 0  # how many times the service accepted us (1 + reconnects)
        self._sdk = load()
        self._puppet: PinganPuppetService | None = None
        self._bot: Any = None
        self._ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._self_names: dict[str, str] = {}

    # -- Transport -------------------------------------------------------------------------

    @property
    def account(self) -> str:
        return self.connection.account or self.self_id or ""

    async def send(self, message: OutgoingMessage) -> str:
        """Send text (with @s in a room), then any image or file; return the platform id.

        Sends go through the puppet's MessageSendText directly rather than Room.say /
        Contact.say: those fetch the sent message's payload afterwards and raise when that
        fails, which would report a delivered message as failed and make the outbox send it
        twice. The @ text is written as WeChat does, with the member's 群昵称.
        """
        if message.platform != PLATFORM:
            raise DeliveryFailed(f"not a WeChat message: platform {message.platform!r}")
        puppet = self._puppet
        if puppet is None or not self._ready.is_set():
            raise DeliveryFailed("WeChat: not connected to the puppet service")
        room = message.chat_type == "group"
        mention_ids = list(dict.fromkeys(message.mentions)) if room else []
        try:
            async with asyncio.timeout(self.rpc_timeout_s):
                text = message.text
                if mention_ids:
                    names = await self._member_names(message.target, mention_ids)
                    text = mention_prefix(names) + text
                msg_id = None
                if text:
                    msg_id = await puppet.message_send_text(
                        conversation_id=message.target,
                        message=text,
                        mention_ids=mention_ids or None,
                    )
                for path in (message.image_path, message.file_path):
                    if path:
                        box = self._sdk.FileBox.from_file(path)
                        file_id = await puppet.message_send_file(message.target, box)
                        msg_id = msg_id or file_id
        except DeliveryFailed:
            raise
        except Exception as e:  # grpclib/h2/OS errors and timeouts all mean "not confirmed"
            raise DeliveryFailed(f"WeChat send to {message.target}: {e!r}") from e
        return msg_id or ""

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Begin connecting in the background; never raises for an unreachable service."""
        self._stopping.clear()
        self._spawn(self._supervise(), "supervisor")
        self._spawn(self._deliver(), "deliver")

    async def wait_ready(self, timeout: float) -> bool:
        """Wait until the service accepted our Start; False on timeout."""
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    async def stop(self) -> None:
        """Stop the puppet session and every task, within STOP_TIMEOUT_S or so."""
        self._stopping.set()
        self._ready.clear()
        puppet, self._puppet = self._puppet, None
        if puppet is not None and puppet._puppet_stub is not None:
            try:
                await asyncio.wait_for(puppet.puppet_stub.stop(), STOP_TIMEOUT_S)
            except Exception as e:
                log.info("wechaty: Stop RPC on shutdown failed: %r", e)
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
        if puppet is not None:
            puppet.close_channel()
        log.info("wechaty adapter %s stopped", self.account or "(not logged in)")

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(f"wechaty-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- connection ------------------------------------------------------------------------

    async def _supervise(self) -> None:
        delay = self.reconnect_initial_s
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                await self._session()
                reason = "the event stream ended"
            except asyncio.CancelledError:
                raise
            except GRPCError as e:
                reason = repr(e)
                if e.status is Status.UNAUTHENTICATED:
                    log.error("wechaty: the puppet service refused the token; check it in config")
            except Exception as e:
                reason = repr(e)
            finally:
                self._ready.clear()
                self._drop_puppet()
            if self._stopping.is_set():
                return
            if time.monotonic() - began >= self.stable_session_s:
                delay = self.reconnect_initial_s
            wait = delay * random.uniform(0.8, 1.2)
            log.warning("wechaty: disconnected (%s); reconnecting in %.1f s", reason, wait)
            try:
                await asyncio.wait_for(self._stopping.wait(), wait)
                return
            except TimeoutError:
                pass
            delay = min(delay * 2, self.reconnect_max_s)

    async def _session(self) -> None:
        """One connection: open the event stream, Start, then read until the stream ends."""
        from .puppet import ChannelSettings, PinganPuppetService, split_endpoint

        c = self.connection
        endpoint = c.endpoint or await discover_endpoint(c.discovery_url, c.token)
        host, port = split_endpoint(endpoint)
        settings = ChannelSettings(
            host=host,
            port=port,
            token=c.token,
            tls=c.tls,
            tls_ca_cert=c.tls_ca_cert,
            tls_server_name=c.tls_server_name or sni_from_token(c.token) or host,
        )
        puppet = PinganPuppetService(settings, self._on_event)
        bot = self._sdk.Wechaty(
            self._sdk.WechatyOptions(puppet=puppet, puppet_options=puppet.options)
        )
        await bot.init_puppet()
        isolate_pools(bot)
        puppet._init_puppet()
        self._puppet, self._bot = puppet, bot
        self._self_names.clear()
        reader = asyncio.ensure_future(puppet._listen_for_event())
        try:
            async with asyncio.timeout(self.rpc_timeout_s):
                try:  # like the SDK: stop a session a previous run left behind
                    await puppet.puppet_stub.stop()
                except Exception as e:
                    log.debug("wechaty: Stop before Start failed: %r", e)
                await puppet.puppet_stub.start()
            self.sessions += 1
            self._ready.set()
            log.info("wechaty: connected to %s:%s", host, port)
            await reader
        finally:
            reader.cancel()  # no-op when it already ended; its outcome is read here either way
            await asyncio.gather(reader, return_exceptions=True)

    def _drop_puppet(self) -> None:
        puppet, self._puppet = self._puppet, None
        if puppet is not None:
            puppet.close_channel()

    async def _on_event(self, event: PuppetEvent) -> None:
        p = event.payload
        if event.name == "message":
            message_id = p.get("messageId")
            if message_id:
                self._queue.put_nowait(str(message_id))
        elif event.name == "login":
            self.self_id = p.get("contactId") or self.self_id
            log.info("wechaty: logged in as %s", self.self_id)
        elif event.name == "logout":
            log.warning("wechaty: %s logged out (%s)", p.get("contactId"), p.get("data", ""))
            self.self_id = None
        elif event.name == "scan":
            qrcode = p.get("qrcode") or ""
            log.warning(
                "wechaty: login needed, scan status %s; QR code: %s%s",
                p.get("status"),
                QRCODE_URL,
                qrcode,
            )
        elif event.name == "error":
            log.warning("wechaty: the puppet service reports an error: %s", p.get("data", p))
        else:
            log.debug("wechaty: %s event", event.name)

    # -- incoming --------------------------------------------------------------------------

    async def _deliver(self) -> None:
        """Decode queued message ids and hand them to the core, one at a time, in order."""
        while True:
            message_id = await self._queue.get()
            incoming = await self._decode_with_retry(message_id)
            if incoming is None:
                continue
            try:
                await asyncio.wait_for(self.on_message(incoming), self.handler_timeout_s)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("wechaty: the message handler failed on %s", incoming.key)

    async def _decode_with_retry(self, message_id: str) -> IncomingMessage | None:
        for attempt in range(1, DECODE_ATTEMPTS + 1):
            if not await self.wait_ready(self.reconnect_max_s + self.rpc_timeout_s):
                continue
            try:
                async with asyncio.timeout(self.rpc_timeout_s):
                    return await self.decode(message_id)
            except asyncio.CancelledError:
                raise
            except GRPCError as e:
                if e.status not in RETRYABLE:
                    log.warning("wechaty: message %s dropped: %r", message_id, e)
                    return None
                log.warning("wechaty: cannot load message %s: %r", message_id, e)
            except Exception as e:
                log.warning(
                    "wechaty: cannot load message %s (attempt %d/%d): %r",
                    message_id,
                    attempt,
                    DECODE_ATTEMPTS,
                    e,
                )
        log.error("wechaty: message %s dropped after %d attempts", message_id, DECODE_ATTEMPTS)
        return None

    async def decode(self, message_id: str) -> IncomingMessage | None:
        """Fetch a message and its sender's names; None for our own or unsupported messages."""
        puppet = self._puppet
        if puppet is None:
            raise ConnectionError("not connected")
        payload = await puppet.message_payload(message_id)
        sender = payload.from_id
        if not sender or sender == self.self_id:
            return None
        text = payload.text or ""
        line_authors: dict[int, str] = {}
        solitaire = parse_solitaire(text)
        if solitaire is not None:
            text, line_authors = solitaire.text, solitaire.line_authors
        elif int(payload.type) != int(self._sdk.MessageType.MESSAGE_TYPE_TEXT):
            log.debug("wechaty: skipping message %s of type %s", message_id, payload.type)
            return None
        room_id = payload.room_id
        mentions = tuple(payload.mention_ids or ())
        if room_id:
            alias, name = await self._member_alias_and_name(room_id, sender)
            display = alias or name or sender
            if self.self_id and self.self_id in mentions:
                text = strip_self_mention(text, await self._self_names_in(room_id))
        else:
            display = await self._contact_name(sender) or sender
        return IncomingMessage(
            platform=PLATFORM,
            chat_type="group" if room_id else "private",
            chat_id=room_id or sender,
            sender_id=sender,
            display_name=display,
            text=text,
            message_id=payload.id or message_id,
            time=message_time(payload.timestamp, self.tz),
            mentions=mentions,
            account=self.account,
            line_authors=line_authors,
        )

    # -- names and members -----------------------------------------------------------------

    async def _contact_name(self, wxid: str) -> str:
        contact = self._bot.Contact.load(wxid)
        await contact.ready()
        return contact.name or ""

    async def _member_alias_and_name(self, room_id: str, wxid: str) -> tuple[str, str]:
        """The 群昵称 and WeChat name of a room member (RoomMemberPayload, then Contact)."""
        member = await self._puppet.room_member_payload(room_id, wxid)
        alias, name = (member.room_alias or "").strip(), (member.name or "").strip()
        if not name:
            name = await self._contact_name(wxid)
        return alias, name

    async def _member_names(self, room_id: str, wxids: list[str]) -> list[str]:
        names = []
        for wxid in wxids:
            alias, name = await self._member_alias_and_name(room_id, wxid)
            names.append(alias or name or wxid)
        return names

    async def _self_names_in(self, room_id: str) -> list[str]:
        if room_id not in self._self_names and self.self_id:
            alias, name = await self._member_alias_and_name(room_id, self.self_id)
            self._self_names[room_id] = "\n".join(n for n in (alias, name) if n)
        return self._self_names.get(room_id, "").split("\n")

    async def member_list(self, room_id: str) -> list[RoomMember]:
        """Everyone in a room but the bot, with names and 群昵称 (Room.member_list + alias)."""
        if self._bot is None or not self._ready.is_set():
            raise DeliveryFailed("WeChat: not connected to the puppet service")
        room = self._bot.Room.load(room_id)
        async with asyncio.timeout(self.rpc_timeout_s * 4):
            contacts = await room.member_list()
            gate = asyncio.Semaphore(MEMBER_LOOKUPS_IN_FLIGHT)

            async def one(contact: Any) -> RoomMember:
                async with gate:
                    alias = await room.alias(contact)
                return RoomMember(contact.contact_id, contact.name or "", (alias or "").strip())

            members = await asyncio.gather(
                *(one(c) for c in contacts if c.contact_id != self.self_id)
            )
        return list(members)
