"""What `pingan run` runs, and how it starts and stops.

`App` is the lifecycle: components start in order (one that fails is logged and the others
run on: a broken adapter never stops the rest), each chat account gets an outbox sender when
it connects, and `stop()` ends everything within STOP_TIMEOUT_S, senders first so a message
in flight is confirmed and marked before the links close. What the components are is decided
in bot/assemble.py, one marked step each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bot.ops import AccountBoard, Metrics
from bot.outbox.routes import Routes
from bot.outbox.sender import OutboxSender
from bot.transport import Transport
from core.clock import Clock
from core.config import Config
from core.messages import IncomingMessage
from storage.backend import Database
from storage.outbox_claims import OutboxClaims

log = logging.getLogger(__name__)

MessageHandler = Callable[[IncomingMessage], Awaitable[None]]

START_TIMEOUT_S = 30.0  # a component that takes longer to start is treated as broken
STOP_TIMEOUT_S = 8.0  # within the 10 s an init system gives after SIGTERM
SENDER_GRACE_S = 3.0  # a send in flight gets this long to be confirmed and marked


@dataclass(slots=True)
class Component:
    """Something with a start and a stop: an adapter, the scheduler, the web server."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


async def _no_pipeline(message: IncomingMessage) -> None:
    log.warning("no message pipeline wired: %s dropped", message.key)


class App:
    def __init__(self, config: Config, db: Database, clock: Clock) -> None:
        self.config = config
        self.db = db
        self.clock = clock
        self.pipeline: MessageHandler = _no_pipeline
        self.components: list[Component] = []
        self.senders: dict[tuple[str, str], OutboxSender] = {}
        self.routes = Routes()  # which account is in which group (bot/members.py fills it)
        self.board = AccountBoard()  # each adapter's accounts, connected or not (bot/ops)
        self.metrics = Metrics(db, self.board, clock.now)
        self._default_for: set[str] = set()  # platforms whose account-less rows have a sender
        self.claims: OutboxClaims | None = None  # set when several processes share the db
        self._started: list[Component] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running = False

    # -- wiring used by the assembly steps ------------------------------------------------

    async def handle(self, message: IncomingMessage) -> None:
        """Every adapter's message sink."""
        await self.pipeline(message)

    async def handle_many(self, messages: list[IncomingMessage]) -> None:
        """The batch sink of adapters that queue: one commit for what arrived together."""
        many = getattr(self.pipeline, "many", None)
        if many is not None:
            await many(messages)
            return
        for message in messages:
            await self.pipeline(message)

    def wake_senders(self) -> None:
        for sender in self.senders.values():
            sender.wake()

    def add_transport(self, transport: Transport) -> OutboxSender:
        """An account is connected: give it an outbox sender (once), or wake the one it has.

        The first account of a platform also delivers rows queued without an account (the
        scheduler's nags, for instance).
        """
        key = (transport.platform, transport.account)
        sender = self.senders.get(key)
        if sender is not None:
            sender.wake()
            return sender
        unassigned = transport.platform not in self._default_for
        if unassigned:
            self._default_for.add(transport.platform)
            log.info(
                "%s account %s sends the messages queued without an account",
                transport.platform,
                transport.account or "(default)",
            )
        sender = OutboxSender(
            self.db,
            transport,
            self.config.outbox,
            self.clock,
            unassigned=unassigned,
            routes=self.routes,
            claims=self.claims,
        )
        self.senders[key] = sender
        if self._running:
            self._track(sender.start())
        return sender

    async def drop_transport(self, platform: str, account: str) -> None:
        """An account is no longer ours (cluster: its lease is lost or given up): stop its
        sender; the platform's account-less rows go to another of its senders, if any."""
        sender = self.senders.pop((platform, account), None)
        if sender is None:
            return
        await sender.stop(SENDER_GRACE_S)
        if sender.unassigned:
            self._default_for.discard(platform)
            for (other_platform, _), other in self.senders.items():
                if other_platform == platform:
                    other.unassigned = True
                    self._default_for.add(platform)
                    break

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """A background task that is cancelled on stop and whose crash is logged."""
        task = asyncio.create_task(self._logged(coro, name), name=name)
        return self._track(task)

    def _track(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @staticmethod
    async def _logged(coro: Coroutine[Any, Any, Any], name: str) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s crashed", name)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._running = True
        for component in self.components:
            try:
                await asyncio.wait_for(component.start(), START_TIMEOUT_S)
            except Exception:
                log.exception("%s could not start; the rest keeps running", component.name)
                continue
            self._started.append(component)
            log.info("%s started", component.name)
        for sender in self.senders.values():
            self._track(sender.start())

    async def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Senders first (in-flight sends get marked), then components in reverse order."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._running = False
        await asyncio.gather(
            *(s.stop(min(SENDER_GRACE_S, timeout / 2)) for s in self.senders.values()),
            return_exceptions=True,
        )
        for component in reversed(self._started):
            left = max(deadline - loop.time(), 0.1)
            try:
                await asyncio.wait_for(component.stop(), left)
                log.info("%s stopped", component.name)
            except Exception:
                log.exception("%s did not stop cleanly", component.name)
        self._started.clear()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=max(deadline - loop.time(), 0.1))
