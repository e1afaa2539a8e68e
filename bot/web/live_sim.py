"""The simulator behind the /sim page: the demo's machinery, live, with a clock that can jump.

`pingan run` on the default config runs the simulated school the way `pingan demo` does
(bot/adapters/sim/demo.py): a FakeClock, the real scheduler in manual mode, the outbox
senders draining into the transcript, the simulated students posting at their planned
times. Here the clock also follows the wall clock (one second per second), and the page's
button jumps it to the next scheduled moment; either way every planned post and every job
on the way runs at its own time and in time order, so a nag never misses a report that was
"posted" before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date, datetime, timedelta

import sqlite_utils

from bot.adapters.sim.campus import PLATFORM, SimCampus
from bot.adapters.sim.transcript import Transcript
from bot.adapters.sim.transport import SimTransport
from bot.clock import FakeClock
from bot.config import Config
from bot.messages import IncomingMessage
from bot.outbox.sender import OutboxSender
from bot.web.sim import SimBridge, next_moment
from handlers.pipeline import Pipeline
from schedules import Deps, build_scheduler
from schedules.scheduler import PinganScheduler

log = logging.getLogger(__name__)

TICK_S = 1.0


class LiveSim:
    def __init__(
        self,
        config: Config,
        clock: FakeClock,
        campus: SimCampus,
        transcript: Transcript,
        pipeline: Pipeline,
        scheduler: PinganScheduler,
        senders: list[OutboxSender],
        *,
        tick_s: float = TICK_S,
    ) -> None:
        self.config, self.clock, self.campus = config, clock, campus
        self.transcript, self.pipeline = transcript, pipeline
        self.scheduler, self.senders = scheduler, senders
        self.tick_s = tick_s
        self._lock = asyncio.Lock()
        self._delivered: dict[str, int] = {}  # day → planned deliveries already made
        self._plans: dict[str, list[IncomingMessage]] = {}  # day → its planned deliveries
        self._tasks: set[asyncio.Task] = set()
        self._ticker: asyncio.Task | None = None
        self.bridge = SimBridge(
            campus, transcript, pipeline.handle, clock, wake=self.wake, advance=self.jump
        )

    def _plan(self, day: date) -> list[IncomingMessage]:
        key = day.isoformat()
        if key not in self._plans:
            self._plans = {k: v for k, v in self._plans.items() if k >= key}  # keep it small
            self._plans[key] = list(self.campus.deliveries(day))
        return self._plans[key]

    def _pending(self, until: datetime) -> list[tuple[str, int, IncomingMessage]]:
        """Planned posts from the clock's day up to `until`, not delivered yet, in order:
        (day, index in the day's plan, message)."""
        out = []
        day = self.clock.now().astimezone(self.config.tz).date()
        last = until.astimezone(self.config.tz).date()
        while day <= last:
            done = self._delivered.get(day.isoformat(), 0)
            for index, message in enumerate(self._plan(day)):
                if index >= done and message.time <= until:
                    out.append((day.isoformat(), index, message))
            day += timedelta(days=1)
        return out

    async def _drain(self) -> None:
        for sender in self.senders:
            await sender.drain()
        self.bridge.changed.set()

    async def _jobs_until(self, when: datetime) -> None:
        """Each job due by `when` at its own time, its messages delivered right after."""
        while (upcoming := self.scheduler.next_run_time()) is not None and upcoming <= when:
            await self.scheduler.run_until(upcoming)
            await self._drain()
        await self.scheduler.run_until(max(when, self.clock.now()))

    async def run_until(self, when: datetime) -> None:
        async with self._lock:
            for day, index, message in self._pending(when):
                await self._jobs_until(message.time)
                if message.time > self.clock.now():
                    self.clock.set(message.time)
                if self.pipeline.handle(message) != "duplicate":
                    self.campus.record(self.transcript, message, message.time)
                self._delivered[day] = index + 1
                await self._drain()
            await self._jobs_until(when)
            await self._drain()

    async def jump(self) -> datetime:
        """The page's clock button: to the next scheduled moment, running all on the way."""
        target = next_moment(self.config, self.clock.now())
        await self.run_until(target)
        return target

    async def _drain_now(self) -> None:
        async with self._lock:  # never two drains of one sender at once
            await self._drain()

    def wake(self) -> None:
        """Something was posted from the page: deliver the bot's replies now."""
        task = asyncio.get_running_loop().create_task(self._drain_now())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            try:
                await self.run_until(self.clock.now() + timedelta(seconds=self.tick_s))
            except Exception:
                log.exception("sim: a step of the simulated clock failed")

    async def start(self) -> None:
        """Skip the posts planned before now (they never happened), run the jobs due now,
        then follow the wall clock."""
        self.scheduler.start()  # catches up what was due before now, as `pingan run` does
        now = self.clock.now()
        today = now.astimezone(self.config.tz).date()
        before = [m for m in self._plan(today) if m.time <= now]
        self._delivered[today.isoformat()] = len(before)
        await self.run_until(now)
        self._ticker = asyncio.get_running_loop().create_task(self._tick(), name="sim clock")

    async def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        for task in [self._ticker, *self._tasks]:
            if task is not None:
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(
                *(t for t in [self._ticker, *self._tasks] if t is not None),
                return_exceptions=True,
            )


def build_live_sim(db: sqlite_utils.Database, config: Config, clock: FakeClock) -> LiveSim:
    """Everything the simulated school needs, on one FakeClock, as the demo wires it.

    The roster must be imported and the groups bound first (storage.startup.prepare). Staff's
    private QQ/WeChat messages land in the transcript too, as in the demo.
    """
    campus = SimCampus(db, config, config.adapters.sim.seed)
    transcript = Transcript()

    async def clock_sleep(seconds: float) -> None:  # rate limits pass on the simulated clock
        clock.advance(timedelta(seconds=seconds))

    senders = [
        OutboxSender(
            db,
            SimTransport(transcript, clock, campus.name_of, platform=platform),
            config.outbox,
            clock,
            unassigned=True,
            sleep=clock_sleep,
        )
        for platform in (PLATFORM, "qq", "wechat")
    ]
    pipeline = Pipeline(db, config, clock)
    scheduler = build_scheduler(Deps(db, config, clock), manual=True)
    return LiveSim(config, clock, campus, transcript, pipeline, scheduler, senders)
