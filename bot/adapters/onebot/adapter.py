"""The OneBot v11 adapter: every configured link, every account, one stream of messages.

It starts a reverse server or a forward client per config entry (a failing one is logged and
the others keep going), keeps an OneBotAccount per QQ number, turns message events into
`IncomingMessage`s and hands them to the core in arrival order (a 接龙 chain is diffed
against the previous message, so order matters): one at a time, or, when the core offers a
batch sink, everything queued so far in one call (the core commits a batch at once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import aiohttp

from bot.adapters.onebot.account import PLATFORM, OneBotAccount, numeric_id
from bot.adapters.onebot.client import ForwardClient
from bot.adapters.onebot.connection import Connection
from bot.adapters.onebot.event import (
    Decoded,
    GroupCardNotice,
    GroupDecreaseNotice,
    GroupMessageEvent,
    GroupRecallNotice,
    HeartbeatMetaEvent,
    LifecycleMetaEvent,
    MemberNotice,
    MessageEvent,
)
from bot.adapters.onebot.exception import OneBotError
from bot.adapters.onebot.message import mentions, plain_text, quoted
from bot.adapters.onebot.server import ReverseServer
from bot.adapters.onebot.settings import OneBotConnection
from bot.ops.accounts import AccountState
from core.messages import IncomingMessage, MemberChange, MemberChangeKind, Recall

log = logging.getLogger(__name__)

MessageSink = Callable[[IncomingMessage], Awaitable[None]]
BatchSink = Callable[[list[IncomingMessage]], Awaitable[None]]
AccountSink = Callable[[OneBotAccount], None]
RecallSink = Callable[[Recall], Awaitable[None]]
MemberSink = Callable[[MemberChange], Awaitable[None]]

# Messages waiting for the core; when full, reading from the sockets pauses (backpressure).
QUEUE_SIZE = 1000
STOP_TIMEOUT_S = 3.0
DRAIN_TIMEOUT_S = 2.0  # at stop, for messages already received
HANDLER_TIMEOUT_S = 60.0  # one message stuck in the core must not stop the next
MAX_BATCH = 256  # messages handed to a batch sink at once


def to_incoming(event: MessageEvent, tz: tzinfo) -> IncomingMessage:
    group = isinstance(event, GroupMessageEvent)
    return IncomingMessage(
        platform=PLATFORM,
        chat_type="group" if group else "private",
        chat_id=event.group_id if isinstance(event, GroupMessageEvent) else event.user_id,
        sender_id=event.user_id,
        display_name=event.display_name,
        text=plain_text(event.message),
        message_id=event.message_id,
        time=datetime.fromtimestamp(event.time, tz),
        mentions=mentions(event.message),
        account=event.self_id,
        reply_to=quoted(event.message),
    )


def to_recall(event: GroupRecallNotice, tz: tzinfo) -> Recall:
    return Recall(
        platform=PLATFORM,
        chat_id=event.group_id,
        message_id=event.message_id,
        sender_id=event.user_id,
        operator_id=event.operator_id,
        time=datetime.fromtimestamp(event.time, tz),
        account=event.self_id,
    )


class OneBotAdapter:
    """Implements bot.adapters.base.Adapter for every configured OneBot link."""

    platform = PLATFORM
    label = "OneBot (QQ)"

    def __init__(
        self,
        connections: list[OneBotConnection],
        *,
        on_message: MessageSink,
        on_account: AccountSink | None = None,
        tz: tzinfo | None = None,
        on_batch: BatchSink | None = None,
        on_recall: RecallSink | None = None,
        on_member: MemberSink | None = None,
    ) -> None:
        """`on_recall` hears withdrawn group messages, in order with the messages (a recall
        never overtakes the message it withdraws); `on_member` hears joins, leaves and group
        card changes."""
        self.configs = connections
        self.on_message = on_message
        self.on_batch = on_batch
        self.on_recall = on_recall
        self.on_member = on_member
        self.on_account = on_account
        self.tz = tz or ZoneInfo("Asia/Shanghai")
        self.accounts: dict[str, OneBotAccount] = {}
        self.servers: list[ReverseServer] = []
        self.clients: list[ForwardClient] = []
        self._links: list[tuple[OneBotConnection, ReverseServer | ForwardClient | None]] = []
        self._api_timeouts = {c.self_id: c.api_timeout_s for c in connections if c.self_id}
        self._default_api_timeout = min((c.api_timeout_s for c in connections), default=30.0)
        self._queue: asyncio.Queue[IncomingMessage | Recall] = asyncio.Queue(QUEUE_SIZE)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every link; one that cannot start (port taken) is logged, never fatal."""
        self._spawn(self._dispatch(), "onebot dispatch")
        for config in self.configs:
            if config.mode == "reverse_ws":
                server = ReverseServer(config, self)
                try:
                    await server.start()
                except OSError as e:
                    log.error(
                        "OneBot reverse WS on %s:%s cannot start: %s", config.host, config.port, e
                    )
                    self._links.append((config, None))
                    continue
                self.servers.append(server)
                self._links.append((config, server))
            else:
                if self._session is None:
                    self._session = aiohttp.ClientSession()
                client = ForwardClient(config, self, self._session)
                self.clients.append(client)
                self._links.append((config, client))
                self._spawn(client.run(), f"onebot forward {config.url}")

    def states(self) -> list[AccountState]:
        """Each configured link's accounts for the operator (bot/ops): the configured
        self_id, or whoever connected over the link; a link nobody came to counts as down."""
        out = []
        for config, link in self._links:
            ids = [config.self_id] if config.self_id else list(link.accounts_seen if link else [])
            if not ids:
                if config.mode == "forward_ws":
                    where = config.url or ""
                else:
                    port = link.port if isinstance(link, ReverseServer) else config.port
                    where = f"reverse ws {config.host}:{port}"
                out.append(AccountState(PLATFORM, where, False))
            for self_id in ids:
                account = self.accounts.get(self_id)
                up = account is not None and account.connected and account.logged_in
                seen = account.last_seen if account is not None else None
                out.append(AccountState(PLATFORM, self_id, up, seen))
        return out

    def connected_accounts(self) -> list[OneBotAccount]:
        return [a for a in self.accounts.values() if a.connected]

    def web_page(self) -> None:
        return None

    async def stop(self) -> None:
        """Close every link, let the core finish the messages already received, stop."""
        for client in self.clients:
            if client.connection is not None:
                await client.connection.close()
        for account in self.accounts.values():
            for conn in account.connections():
                await conn.close()
        try:  # received means the platform will not send it again: hand it to the core
            await asyncio.wait_for(self._queue.join(), DRAIN_TIMEOUT_S)
        except TimeoutError:
            log.error("%d received messages not handled at stop", self._queue.qsize())
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
        for server in self.servers:
            await server.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- accounts and connections ----------------------------------------------------------

    def account(self, self_id: str) -> OneBotAccount:
        account = self.accounts.get(self_id)
        if account is None:
            timeout = self._api_timeouts.get(self_id, self._default_api_timeout)
            account = OneBotAccount(self_id, api_timeout_s=timeout, tz=self.tz)
            self.accounts[self_id] = account
        return account

    def attach(self, conn: Connection) -> None:
        """Bind a connection whose account is known; replaced connections are closed."""
        assert conn.self_id is not None
        account = self.account(conn.self_id)
        if conn in account.connections():
            return
        for old in account.replace_with(conn):
            log.info("%s replaced by a new connection", old.label)
            self._spawn(old.close(), "close replaced connection")
        if conn.carries_api and self.on_account is not None:
            try:
                self.on_account(account)
            except Exception:
                log.exception("QQ %s: account-ready hook failed", account.account)

    def detach(self, conn: Connection) -> None:
        if conn.self_id is not None and conn.self_id in self.accounts:
            self.accounts[conn.self_id].detach(conn)

    # -- events ----------------------------------------------------------------------------

    async def on_event(self, conn: Connection, event: Decoded) -> None:
        """Called by a connection for each decoded event, in arrival order."""
        if conn.self_id is not None:
            account = self.account(conn.self_id)
            if conn not in account.connections():
                self.attach(conn)  # a forward connection that just learned its account
            account.seen()
        if isinstance(event, HeartbeatMetaEvent):
            log.debug("%s: heartbeat (interval %d ms)", conn.label, event.interval)
            if conn.self_id is not None:
                self._logged_in(conn, event.status.get("online") is not False)
        elif isinstance(event, LifecycleMetaEvent):
            log.info("%s: lifecycle %s", conn.label, event.sub_type)
        elif isinstance(event, MessageEvent):
            if event.user_id == event.self_id:
                return  # our own message echoed back by some implementations
            if isinstance(event, GroupMessageEvent) and event.anonymous:
                log.debug("%s: anonymous group message ignored", conn.label)
                return
            await self._queue.put(to_incoming(event, self.tz))
        elif isinstance(event, GroupRecallNotice) and self.on_recall is not None:
            await self._queue.put(to_recall(event, self.tz))
        elif isinstance(event, MemberNotice) and self.on_member is not None:
            self._spawn(self._member_change(event), "onebot member change")

    def _logged_in(self, conn: Connection, online: bool) -> None:
        """The heartbeat's `status.online`: false while QQ has logged the account out."""
        account = self.account(conn.self_id or "")
        if online != account.logged_in:
            state = "back online" if online else "logged out (heartbeat: online false)"
            log.warning("%s: QQ account %s", conn.label, state)
        account.logged_in = online

    async def _member_change(self, event: MemberNotice) -> None:
        """A join carries no name: ask for the member's card and nickname first."""
        assert self.on_member is not None
        names: tuple[str, ...] = ()
        change: MemberChangeKind
        if isinstance(event, GroupCardNotice):
            change, names = "renamed", (event.card_new,)
        elif isinstance(event, GroupDecreaseNotice):
            change = "left"
        else:
            change = "joined"
            try:
                info = await self.account(event.self_id).call(
                    "get_group_member_info", group_id=numeric_id(event.group_id),
                    user_id=numeric_id(event.user_id), no_cache=True,
                )  # fmt: skip
            except OneBotError as e:
                log.info("QQ %s: new member of %s unknown (%s)", event.self_id, event.group_id, e)
            else:
                if isinstance(info, dict):
                    names = tuple(str(info.get(k) or "") for k in ("card", "nickname"))
        try:
            await self.on_member(
                MemberChange(PLATFORM, event.group_id, event.user_id, change, names)
            )
        except Exception:
            log.exception("QQ group %s: member change not applied", event.group_id)

    async def _dispatch(self) -> None:
        held: IncomingMessage | Recall | None = None
        while True:
            first = held if held is not None else await self._queue.get()
            held = None
            if isinstance(first, Recall):
                await self._recall(first)
                continue
            batch = [first]
            if self.on_batch is not None:
                while len(batch) < MAX_BATCH and not self._queue.empty():
                    following = self._queue.get_nowait()
                    if isinstance(following, Recall):
                        held = following  # after this batch, in order
                        break
                    batch.append(following)
            try:
                if self.on_batch is not None:
                    await asyncio.wait_for(self.on_batch(batch), HANDLER_TIMEOUT_S)
                else:
                    await asyncio.wait_for(self.on_message(batch[0]), HANDLER_TIMEOUT_S)
            except TimeoutError:
                log.error("handling %s took over %.0fs; going on", batch[0].key, HANDLER_TIMEOUT_S)
            except Exception:
                log.exception("handling %s failed; continuing with the next", batch[0].key)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _recall(self, recall: Recall) -> None:
        assert self.on_recall is not None
        try:
            await asyncio.wait_for(self.on_recall(recall), HANDLER_TIMEOUT_S)
        except Exception:
            log.exception("recall of %s not applied", recall.key)
        finally:
            self._queue.task_done()

    def _spawn(self, coro: Awaitable[None], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
