"""Delivers the outbox for one account: paced, retried, and marked sent only when confirmed.

Delivery is at-least-once, with the uncertain window made as small as the platform allows:

1. `begin_attempt` is committed (attempts+1, last_error "unconfirmed ...") before the request
   is written;
2. the platform's `ok` is followed, with no await in between, by `mark_sent` and its commit;
3. a row whose last attempt went out without an answer (the link dropped, a timeout, a crash
   between 1 and 2) is not simply re-sent: if the transport can look (`find_delivered`;
   OneBot reads the group's recent history), a matching message posted by us since the row
   was queued, and not already recorded for another row, marks it sent instead.

What remains is a lost answer on a platform that cannot show its history (or a private
chat): the message is sent again and may appear twice. The other choice, never re-sending
an unconfirmed message, would silently lose nags and notices, which is worse for a daily
check-in; OneBot v11 has no idempotency key, so exactly-once cannot be promised. Every such
retry is logged at WARNING. A request that was never written (not connected) does not count
as an attempt.

With several processes on one database (`claims`, docs/run.md "Several processes") each row
is claimed by the sending process before step 1 (storage/outbox_claims.py), and only while
it holds its account's lease: no row is attempted by two processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.outbox.limits import WINDOW, RateLimiter
from bot.outbox.routes import Routes
from bot.transport import Transport
from core.clock import Clock
from core.config import RateLimits
from core.errors import DeliveryFailed, DeliveryRejected, DeliveryUncertain, NotConnected
from core.messages import OutgoingMessage
from storage import outbox as store
from storage.backend import Database
from storage.outbox_claims import OutboxClaims

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
STOP_GRACE_S = 3.0


@dataclass(slots=True)
class Step:
    sent: int = 0  # rows confirmed by this step
    wait: float = 0.0  # seconds before the next step can do anything
    idle: bool = False  # nothing due
    disconnected: bool = False


class OutboxSender:
    """One per account. `unassigned=True` also takes rows queued with account '' (the
    platform's default sender); `routes` first hands account-less group rows to an account
    that is in the group; `claims` (several processes) makes it claim each row first."""

    def __init__(
        self,
        db: Database,
        transport: Transport,
        limits: RateLimits,
        clock: Clock,
        *,
        unassigned: bool = False,
        routes: Routes | None = None,
        sleep: Sleep = asyncio.sleep,
        claims: OutboxClaims | None = None,
    ) -> None:
        self.db = db
        self.transport = transport
        self.limits = limits
        self.clock = clock
        self.unassigned = unassigned
        self.routes = routes
        self.claims = claims
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.limiter = RateLimiter(limits.per_group_interval_s, limits.per_account_per_minute)
        since = clock.now() - WINDOW
        for target, at in store.recent_sends(db, transport.platform, transport.account, since):
            self.limiter.record(target, at)
        for row in store.unconfirmed(db, transport.platform):
            if row["account"] in (transport.account, ""):
                log.warning(
                    "outbox %s: message to %s may already have been delivered before a restart "
                    "or disconnect; it will be sent again (at-least-once)",
                    row["id"],
                    row["target"],
                )

    @property
    def name(self) -> str:
        return f"{self.transport.platform}:{self.transport.account}"

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    # -- one step --------------------------------------------------------------------------

    async def step(self) -> Step:
        """Send at most one platform message (possibly several batched rows)."""
        now = self.clock.now()
        platform, account = self.transport.platform, self.transport.account
        if self.routes is not None:
            self.routes.assign(self.db, platform)
        waiting = self.limiter.waiting_targets(now)
        rows = store.due(
            self.db,
            platform,
            account,
            now,
            unassigned=self.unassigned,
            skip_targets=list(waiting),
            claims=self.claims,
        )
        if not rows:
            if waiting and store.due(
                self.db,
                platform,
                account,
                now,
                unassigned=self.unassigned,
                limit=1,
                claims=self.claims,
            ):
                return Step(wait=min(waiting.values()))  # only rate-limited chats have work
            return Step(idle=True)
        wait = self.limiter.account_wait(now)
        if wait > 0:
            return Step(wait=wait)
        row = rows[0]
        if len(row["mentions"]) > self.limits.max_mentions:
            with self.db.atomic():
                store.split_mentions(self.db, row, self.limits.max_mentions)
            return Step()
        batch, mentions = self._batch(row, rows)
        ids = [r["id"] for r in batch]
        if self.claims is not None and not self.claims.take(
            self.db, f"{platform}:{account}", ids, now
        ):
            # Our lease lapsed, or another process claimed a row first: look again later.
            log.info("outbox %s: not claimed by this process; left to its holder", ids)
            return Step(wait=self.limits.poll_s)
        message = OutgoingMessage(
            platform=row["platform"],
            chat_type=row["chat_type"],
            target=row["target"],
            text=row["text"],
            mentions=mentions,
            image_path=row["image_path"],
            file_path=row["file_path"],
            account=self.transport.account,
        )
        if any(store.maybe_delivered(r) for r in batch):
            try:
                found = await self._delivered_after_all(message, batch)
            except NotConnected:
                return Step(disconnected=True)
            if found is not None:
                with self.db.atomic():
                    store.mark_sent(self.db, ids, found, self.clock.now(), account)
                log.info("outbox %s had been delivered after all (%s); not sent again", ids, found)
                return Step(sent=len(ids))
        with self.db.atomic():
            store.begin_attempt(self.db, ids, now)
        try:
            platform_id = await self.transport.send(message)
        except NotConnected as e:
            with self.db.atomic():
                store.undo_attempt(self.db, ids, f"not connected: {e}")
            return Step(disconnected=True)
        except Exception as e:  # any transport error is a failed attempt, never a crash
            self._failed(batch, e)
            return Step()
        # No await between the platform's ok and this commit: the uncertain window.
        with self.db.atomic():
            store.mark_sent(self.db, ids, platform_id, self.clock.now(), self.transport.account)
        self.limiter.record(row["target"], self.clock.now())
        log.debug("outbox %s sent to %s as %s", ids, row["target"], platform_id)
        return Step(sent=len(ids))

    async def _delivered_after_all(self, message: OutgoingMessage, batch: list[dict]) -> str | None:
        """Before re-sending what may have gone out: does the platform show it was posted?

        Transports that can look (`find_delivered`, e.g. OneBot through the group's recent
        history) turn most lost answers into "already sent"; an id already recorded for another
        row is not taken, so an identical earlier message is never mistaken for this one.
        """
        finder = getattr(self.transport, "find_delivered", None)
        if finder is None:
            return None
        since = min(datetime.fromisoformat(r["created_at"]) for r in batch)
        try:
            candidates = await finder(message, since)
        except NotConnected:
            raise
        except Exception as e:  # cannot tell: re-send (at-least-once)
            log.info("outbox %s: could not check for an earlier delivery: %s", batch[0]["id"], e)
            return None
        for platform_id in candidates:
            if not store.platform_id_used(self.db, message.platform, platform_id):
                return platform_id
        return None

    def _batch(self, row: dict, rows: list[dict]) -> tuple[list[dict], tuple[str, ...]]:
        """Rows with the same chat and text that only differ in whom they @ go out as one."""
        mentions = dict.fromkeys(row["mentions"])
        batch = [row]
        if not mentions or row["image_path"] or row["file_path"]:
            return batch, tuple(mentions)
        for other in rows:
            if other is row or not other["mentions"] or other["image_path"] or other["file_path"]:
                continue
            if (other["chat_type"], other["target"], other["text"]) != (
                row["chat_type"],
                row["target"],
                row["text"],
            ):
                continue
            merged = mentions | dict.fromkeys(other["mentions"])
            if len(merged) <= self.limits.max_mentions:
                mentions = merged
                batch.append(other)
        return batch, tuple(mentions)

    def _failed(self, batch: list[dict], error: Exception) -> None:
        ids = [r["id"] for r in batch]
        now = self.clock.now()
        if not isinstance(error, DeliveryFailed):
            log.error("outbox %s: transport error %r", ids, error, exc_info=error)
        if isinstance(error, DeliveryUncertain) or not isinstance(error, DeliveryFailed):
            # It may have gone out: count it against the rate budget.
            self.limiter.record(batch[0]["target"], now)
            log.warning("outbox %s: delivery unconfirmed (%s); will retry", ids, error)
        attempts = max(r["attempts"] for r in batch) + 1
        reason = f"{type(error).__name__}: {error}"
        if isinstance(error, DeliveryUncertain) or not isinstance(error, DeliveryFailed):
            reason = store.UNCERTAIN + reason
        with self.db.atomic():
            if isinstance(error, DeliveryRejected) or attempts >= self.limits.max_attempts:
                store.mark_failed(self.db, ids, reason)
                log.error("outbox %s to %s failed for good: %s", ids, batch[0]["target"], reason)
            else:
                delay = min(
                    self.limits.backoff_initial_s * 2 ** (attempts - 1), self.limits.backoff_max_s
                )
                store.mark_retry(self.db, ids, reason, now + timedelta(seconds=delay))

    # -- loops -----------------------------------------------------------------------------

    async def drain(self) -> int:
        """Deliver everything due, waiting (through `sleep`) as the limits require.

        Returns the number of rows confirmed. Stops when nothing is due or the account is not
        connected. For the demo and tests: with a FakeClock, pass a `sleep` that advances it.
        """
        sent = 0
        while True:
            step = await self.step()
            sent += step.sent
            if step.idle or step.disconnected:
                return sent
            if step.wait > 0:
                await self._sleep(step.wait)

    async def run(self) -> None:
        """Deliver until stopped; survives any error in a single step."""
        while not self._stopping:
            self._wake.clear()  # a wake() from here on is seen by the next pause
            try:
                step = await self.step()
            except Exception:
                log.exception("outbox sender %s: step failed", self.name)
                step = Step(wait=self.limits.poll_s)
            if self._stopping:
                break
            if step.disconnected:
                await self._wait_connected()
            elif step.idle:
                await self._idle()
            elif step.wait > 0:
                await self._pause(step.wait)

    def start(self) -> asyncio.Task[None]:
        """Start the loop, once: an account that connects while the app is still starting
        is started by `add_transport` and must not get a second loop from `App.start`
        (two loops of one sender would both attempt the same rows)."""
        if self._task is not None and not self._task.done():
            return self._task
        self._task = asyncio.create_task(self.run(), name=f"outbox {self.name}")
        return self._task

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Let a send in progress finish (so it is marked), then stop."""
        self._stopping = True
        self._wake.set()
        task = self._task
        if task is None or task.done():
            return
        done, _ = await asyncio.wait({task}, timeout=grace_s)
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _idle(self) -> None:
        wait = self.limits.poll_s
        nxt = store.next_due_at(
            self.db,
            self.transport.platform,
            self.transport.account,
            unassigned=self.unassigned,
            claims=self.claims,
            now=self.clock.now(),
        )
        if nxt is not None:
            wait = min(wait, max((nxt - self.clock.now()).total_seconds(), 0.01))
        await self._pause(wait)

    async def _wait_connected(self) -> None:
        waiter = getattr(self.transport, "wait_connected", None)
        if waiter is None:
            await self._pause(self.limits.poll_s)
            return
        if not await waiter(timeout=self.limits.poll_s * 5):
            await self._pause(self.limits.poll_s)  # a link being torn down: do not spin
