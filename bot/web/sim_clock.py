"""The simulator's clock in `pingan run`: wall time, plus an offset the /sim page can grow.

Everything in the running bot (the scheduler, the outbox senders, the simulated students)
keeps working in real time; the page's clock button moves time forward to the next
scheduled moment, in two steps so the order of events stays true:

1. through every wake-up planned before the moment, one at a time: the students' `sleep`
   is this clock's, so each simulated post is delivered when the clock shows its planned
   time, and the jump waits until each sleeper is asleep again (has handled what was due).
   A report is therefore stored at the time the transcript shows for its message, not at
   the moment the jump lands on. (Only the simulated students sleep on this clock; a task
   polling on it every second would make a jump take one step per second jumped.)
2. to the moment itself: listeners (the scheduler's `wakeup`) run the jobs due then, which
   therefore see every report "posted" before them.

Time only goes forward, as on a real clock, across restarts too (`resume_after`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

SETTLE_TIMEOUT_S = 10.0  # a jump waits at most this long for the simulated students
SETTLE_POLL_S = 0.002  # a step of a jump waits for one post: short polls keep a jump quick
RESUME_MARGIN = timedelta(seconds=1)


class SimClock:
    def __init__(self, tz: tzinfo | str, start: datetime | None = None) -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._offset = timedelta(0)
        if start is not None:
            self._offset = start - datetime.now(self.tz)
        self._moved: asyncio.Event | None = None
        self._sleeping: dict[asyncio.Task, datetime] = {}
        self._awake: set[asyncio.Task] = set()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return datetime.now(self.tz) + self._offset

    def resume_after(self, latest: datetime) -> None:
        """At start: when the database already holds times past the wall clock (an earlier
        run jumped ahead), go on from just after them instead of going back in time."""
        gain = latest + RESUME_MARGIN - self.now()
        if gain > timedelta(0):
            self._offset += gain

    def on_jump(self, listener: Callable[[], None]) -> None:
        """Called after each jump (pass the scheduler's `wakeup`)."""
        self._listeners.append(listener)

    def _event(self) -> asyncio.Event:
        if self._moved is None:
            self._moved = asyncio.Event()
        return self._moved

    async def sleep(self, seconds: float) -> None:
        """Sleep until this clock has moved `seconds` on, by the wall clock or a jump."""
        task = asyncio.current_task()
        target = self.now() + timedelta(seconds=max(seconds, 0))
        if task is not None:
            self._awake.discard(task)
            self._sleeping[task] = target
        try:
            while (left := (target - self.now()).total_seconds()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._event().wait(), left)
        finally:
            if task is not None:
                self._sleeping.pop(task, None)
                self._awake.add(task)

    def _shift_to(self, when: datetime) -> None:
        gain = when - self.now()
        if gain > timedelta(0):
            self._offset += gain
        moved, self._moved = self._event(), asyncio.Event()
        moved.set()

    async def _settle(self) -> None:
        """Wait until every task that sleeps on this clock is asleep again."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        busy: set[asyncio.Task] = set()
        while time.monotonic() < deadline:
            self._awake = {t for t in self._awake if not t.done()}
            now = self.now()
            # busy: working since their sleep ended, or due to wake and not yet run
            due = {t for t, target in self._sleeping.items() if target <= now and not t.done()}
            busy = self._awake | due
            if not busy:
                return
            await asyncio.sleep(SETTLE_POLL_S)
        log.warning("sim clock: %d task(s) still busy after a jump", len(busy))

    def _next_wake(self, before: datetime) -> datetime | None:
        """The earliest time a sleeper waits for that is later than now and before `before`."""
        now = self.now()
        targets = [t for task, t in self._sleeping.items() if now < t < before and not task.done()]
        return min(targets, default=None)

    async def jump_to(self, when: datetime) -> None:
        if when <= self.now():
            return
        await self._settle()
        while (step := self._next_wake(before=when)) is not None:
            self._shift_to(step)
            await self._settle()
        self._shift_to(when)
        for listener in self._listeners:
            listener()
        await self._settle()
