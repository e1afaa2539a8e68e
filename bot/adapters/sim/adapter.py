"""The simulator in real time, for `pingan run` with `adapters.sim.enabled`: the simulated
students post at their planned times of each day, on whatever clock the bot runs on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.adapters.sim.campus import SimCampus
from bot.adapters.sim.transcript import Transcript
from bot.adapters.sim.transport import SimTransport
from core.clock import Clock
from core.messages import IncomingMessage

log = logging.getLogger(__name__)

MessageSink = Callable[[IncomingMessage], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class SimAdapter:
    """`platform`, `account`, `connected` and `last_seen` are what every adapter shows the
    operator (bot/ops/accounts.py): the simulator is connected while it runs."""

    platform = "sim"
    account = "simulator"
    last_seen = None

    def __init__(
        self,
        campus: SimCampus,
        on_message: MessageSink,
        clock: Clock,
        *,
        transcript: Transcript | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.campus = campus
        self.on_message = on_message
        self.clock = clock
        self.transcript = transcript or Transcript()
        self.transport = SimTransport(self.transcript, clock, campus.name_of)
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None

    async def run(self, days: int | None = None) -> None:
        """Deliver today's remaining posts and every later day's (or `days` days), in time
        order, each when the clock reaches it. A failing sink is logged, never fatal."""
        started = self.clock.now()
        day = started.astimezone(self.campus.tz).date()
        done = 0
        while days is None or done < days:
            for message in self.campus.deliveries(day):
                if message.time < started:
                    continue  # planned before the bot started: never happened
                # Late (the clock jumped past it, see bot/web/sim_clock.py): post it now.
                await self._sleep(max((message.time - self.clock.now()).total_seconds(), 0))
                self.campus.record(self.transcript, message, message.time)
                try:
                    await self.on_message(message)
                except Exception:
                    log.exception("sim: the message sink failed on %s", message.key)
            day += timedelta(days=1)
            done += 1

    @property
    def connected(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name="sim adapter")
        return self._task

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
