"""One WeChat account through a wechaty puppet service: connect, decode, send.

Usage (what platform.py does for each `adapters.wechaty` entry):

    adapter = WechatyAdapter(config.adapters.wechaty[0], handle, tz=config.tz)
    await adapter.start()          # returns at once; connects and reconnects in the background
    await adapter.wait_ready(30)   # optional: True once the service accepted us
    msg_id = await adapter.send(OutgoingMessage(...))   # the outbox's Transport
    members = await adapter.members(room_id)            # bot/members.py binds them
    await adapter.stop()           # Stop RPC (SHUTDOWN_STOP_S at most), then the channel closes

`on_login(adapter)`, when given, is called at every login (the account is known and its
rooms can be listed): WechatyAccounts (platform.py) announces the account to the core then.
`connected` and `last_seen` (wall-clock time of the last event from the service) tell a
monitor how the link is.

`handle` is the core's `Callable[[IncomingMessage], Awaitable[None]]`. Messages are handed to
it one at a time, in arrival order, each with a timeout; an exception in it is logged and the
next message goes on. A broken or absent service never raises out of `start()`: the adapter
retries with exponential backoff (RECONNECT_INITIAL_S doubling up to RECONNECT_MAX_S).

Each connection is opened in the order the official service needs (wechaty-puppet-service
1.x keeps one event stream per puppet, and a stream it ends later may take the new one's
place): Stop (awaited, ending any stream a previous connection left) → event stream (its
first event seen) → Start. While connected, a Ding goes out every third of
`silence_limit_s`; a link that brings no event at all (no Dong either) for `silence_limit_s`
is deaf or dead, even if TCP says nothing, and is redialled.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from grpclib import GRPCError
from grpclib.const import Status

from bot.adapters.base import History
from core.errors import DeliveryFailed, DeliveryUncertain, NotConnected
from core.messages import IncomingMessage, OutgoingMessage
from storage.bindings import Member

from .discovery import discover_endpoint, sni_from_token
from .puppet import ChannelSettings, PuppetClient, PuppetEvent, split_endpoint
from .session import PLATFORM, RETRYABLE, RoomMember, Session
from .settings import WechatyConnection

log = logging.getLogger(__name__)

RECONNECT_INITIAL_S = 1.0
RECONNECT_MAX_S = 60.0
STABLE_SESSION_S = 30.0  # a session that lasted this long resets the backoff
HANDLER_TIMEOUT_S = 60.0
# pingan's whole shutdown has 8 s; senders take up to 3 first. The Stop RPC gets this much,
# the tasks one more second, and the channel is closed whatever happened.
SHUTDOWN_STOP_S = 2.0
TASKS_STOP_S = 1.0
# The official service answers its first event (a heartbeat) at once; community services
# may send none, and after this long Start goes ahead anyway (as wechaty's own client does).
FIRST_EVENT_WAIT_S = 5.0
DECODE_ATTEMPTS = 3
QRCODE_URL = "https://wechaty.js.org/qrcode/"

MessageHandler = Callable[[IncomingMessage], Awaitable[None]]
LoginHook = Callable[["WechatyAdapter"], None]


class LinkSilent(ConnectionError):
    """Nothing came from the service for longer than the silence limit."""


class WechatyAdapter:
    """One WeChat account: bot.adapters.base.Account (and the outbox's Transport); the
    `adapters.wechaty` list as a whole is a WechatyAccounts (platform.py)."""

    platform = PLATFORM
    paced = True  # real WeChat: the outbox keeps it under the risk-control limits

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
        on_login: LoginHook | None = None,
    ) -> None:
        self.connection = connection
        self.on_message = on_message
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.reconnect_initial_s = reconnect_initial_s
        self.reconnect_max_s = reconnect_max_s
        self.stable_session_s = stable_session_s
        self.handler_timeout_s = handler_timeout_s
        self.on_login = on_login
        self.rpc_timeout_s = connection.rpc_timeout_s
        self.silence_limit_s = connection.silence_limit_s
        self.self_id: str | None = None
        self.connects = 0  # how many times the service accepted us (1 + reconnects)
        self.last_seen: float | None = None  # time.time() of the last event from the service
        self._heard = time.monotonic()
        self._client: PuppetClient | None = None
        self._session: Session | None = None
        self._ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- Transport -------------------------------------------------------------------------

    @property
    def account(self) -> str:
        return self.connection.account or self.self_id or ""

    async def send(self, message: OutgoingMessage) -> str:
        """Deliver one message; return the platform's id ("" when the service gives none).

        Raises NotConnected when nothing was written, DeliveryUncertain when the request left
        but no answer came (timeout, link lost: the outbox retries, and WeChat may rarely show
        it twice), DeliveryFailed when the service answered with an error.
        """
        if message.platform != PLATFORM:
            raise DeliveryFailed(f"not a WeChat message: platform {message.platform!r}")
        session = self._session_if_ready()
        try:
            async with asyncio.timeout(self.rpc_timeout_s):
                return await session.send(message)
        except GRPCError as e:
            raise DeliveryFailed(f"WeChat send to {message.target}: {e!r}") from e
        except Exception as e:  # grpclib/h2/OS errors and timeouts: may have gone out
            raise DeliveryUncertain(f"WeChat send to {message.target}: {e!r}") from e

    async def member_list(self, room_id: str) -> list[RoomMember]:
        """Everyone in a room but the bot, with WeChat names and 群昵称."""
        session = self._session_if_ready()
        async with asyncio.timeout(self.rpc_timeout_s * 4):
            return await session.member_list(room_id, self.self_id)

    # -- bot.adapters.base.Account ---------------------------------------------------------

    async def groups(self) -> set[str] | None:
        """Not asked: the puppet lists rooms without saying which still take our messages."""
        return None

    async def members(self, group: str) -> list[Member]:
        return [Member(m.wxid, (m.room_alias, m.name)) for m in await self.member_list(group)]

    async def history(self, group: str, since: datetime) -> History:
        """A puppet service replays no past messages: nothing to backfill from."""
        return History.none_kept()

    def _session_if_ready(self) -> Session:
        if self._session is None or not self._ready.is_set():
            raise NotConnected("WeChat: not connected to the puppet service")
        return self._session

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Begin connecting in the background; never raises for an unreachable service."""
        if self._tasks:
            return  # already running
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
        """End the puppet session and every task within SHUTDOWN_STOP_S + TASKS_STOP_S.

        A frozen service cannot hold shutdown up: the Stop RPC gets SHUTDOWN_STOP_S, and the
        channel is closed in any case.
        """
        self._stopping.set()
        self._ready.clear()
        client, self._client, self._session = self._client, None, None
        try:
            if client is not None:
                try:
                    await asyncio.wait_for(client.stop(), SHUTDOWN_STOP_S)
                except Exception as e:  # frozen, gone or refusing: we leave all the same
                    log.info("wechaty: Stop on shutdown not confirmed: %r", e)
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=TASKS_STOP_S)
        finally:
            if client is not None:
                client.close()
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
                await self._connect_once()
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
                self._drop_client()
            if self._stopping.is_set():
                return
            if time.monotonic() - began >= self.stable_session_s:
                delay = self.reconnect_initial_s
            wait = delay * random.uniform(0.8, 1.2)
            log.warning("wechaty: disconnected (%s); reconnecting in %.1f s", reason, wait)
            with contextlib.suppress(TimeoutError):  # no stop requested within the wait
                await asyncio.wait_for(self._stopping.wait(), wait)
                return
            delay = min(delay * 2, self.reconnect_max_s)

    async def _connect_once(self) -> None:
        """One connection: Stop, open the event stream, Start, then read until it ends."""
        c = self.connection
        endpoint = c.endpoint or await discover_endpoint(c.discovery_url, c.token)
        host, port = split_endpoint(endpoint)
        client = PuppetClient(
            ChannelSettings(
                host=host,
                port=port,
                token=c.token,
                tls=c.tls,
                tls_ca_cert=c.tls_ca_cert,
                tls_server_name=c.tls_server_name or sni_from_token(c.token) or host,
            )
        )
        self._client, self._session = client, Session(client)
        try:  # like wechaty's client: end the session (and event stream) a previous link left
            async with asyncio.timeout(self.rpc_timeout_s):
                await client.stop()
        except GRPCError as e:  # it answered: nothing to stop, or the puppet refused
            if e.status is Status.UNAUTHENTICATED:
                raise
            log.debug("wechaty: Stop before Start failed: %r", e)
        first_event = asyncio.Event()
        self._heard = time.monotonic()
        reader = asyncio.ensure_future(self._read(client, first_event))
        watchdog: asyncio.Future[None] | None = None
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(first_event, reader), FIRST_EVENT_WAIT_S)
            if reader.done():
                await reader  # the stream was refused or ended: raise why
                return
            async with asyncio.timeout(self.rpc_timeout_s):
                await client.start()
            self.connects += 1
            self._ready.set()
            log.info("wechaty: connected to %s:%s", host, port)
            watchdog = asyncio.ensure_future(self._watch(client))
            done, _ = await asyncio.wait({reader, watchdog}, return_when=asyncio.FIRST_COMPLETED)
            for finished in done:
                await finished  # the reason the link ended, if it raised
        finally:
            for task in (reader, watchdog):
                if task is not None:
                    task.cancel()  # no-op when it already ended; its outcome is read here
                    await asyncio.gather(task, return_exceptions=True)

    async def _read(self, client: PuppetClient, first_event: asyncio.Event) -> None:
        async for event in client.events():
            self._heard = time.monotonic()
            self.last_seen = time.time()
            first_event.set()
            await self._on_event(event)

    async def _watch(self, client: PuppetClient) -> None:
        """Ding every third of the silence limit; raise LinkSilent when nothing comes back.

        Dings are not awaited one by one: on a dead link an unanswered one must not hold up
        the count. Any event proves the stream hears; the Dong is the one we ask for.
        """
        interval = self.silence_limit_s / 3
        dings: set[asyncio.Task[None]] = set()
        try:
            for sequence in itertools.count(1):
                silent = time.monotonic() - self._heard
                if silent > self.silence_limit_s:
                    raise LinkSilent(f"no event from the service for {silent:.1f} s")
                ding = asyncio.ensure_future(self._ding(client, f"pingan-{sequence}"))
                dings.add(ding)
                ding.add_done_callback(dings.discard)
                await asyncio.sleep(interval)
        finally:
            for ding in dings:
                ding.cancel()

    async def _ding(self, client: PuppetClient, data: str) -> None:
        try:
            async with asyncio.timeout(self.silence_limit_s):
                await client.ding(data)
        except GRPCError as e:
            log.debug("wechaty: Ding refused: %r", e)
        except Exception as e:  # timeouts and a closed channel: the silence shows it
            log.debug("wechaty: Ding not answered: %r", e)

    def _drop_client(self) -> None:
        client, self._client, self._session = self._client, None, None
        if client is not None:
            client.close()

    async def _on_event(self, event: PuppetEvent) -> None:
        p = event.payload
        if event.name == "message":
            message_id = p.get("messageId")
            if message_id:
                self._queue.put_nowait(str(message_id))
        elif event.name == "login":
            self.self_id = p.get("contactId") or self.self_id
            log.info("wechaty: logged in as %s", self.self_id)
            if self.on_login is not None:
                try:
                    self.on_login(self)
                except Exception:  # the hook is the core's; the event stream goes on
                    log.exception("wechaty: the login hook failed")
        elif event.name == "logout":
            log.warning("wechaty: %s logged out (%s)", p.get("contactId"), p.get("data", ""))
            self.self_id = None
        elif event.name == "scan":
            qrcode = p.get("qrcode") or ""
            link = f"; scan {QRCODE_URL}{quote(qrcode, safe='')}" if qrcode else ""
            log.warning("wechaty: login needed, scan status %s%s", p.get("status"), link)
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
        """The core's view of one message; None for our own or unsupported messages."""
        if self._session is None:
            raise ConnectionError("not connected")
        return await self._session.decode(
            message_id, self_id=self.self_id, tz=self.tz, account=self.account
        )


async def _first(event: asyncio.Event, reader: asyncio.Future[None]) -> None:
    """Until the stream's first event arrived, or the stream ended before any."""
    waiter = asyncio.ensure_future(event.wait())
    either: set[asyncio.Future[Any]] = {waiter, reader}
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
