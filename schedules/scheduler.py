"""The real APScheduler 3.x AsyncIOScheduler, running the day's jobs on a Clock.

    scheduler = build_scheduler(Deps(db, config, clock))          # SystemClock: wall time
    scheduler.start()        # catches up what was missed while down, then runs on its own

    scheduler = build_scheduler(Deps(db, config, fake), manual=True)   # FakeClock
    scheduler.start()
    await scheduler.run_until(datetime(2020, 2, 10, 21, 30, tzinfo=tz))

How APScheduler 3.x is driven from a FakeClock: APScheduler asks `datetime.now()` in two
places, when a job is added (its first run time) and when it looks for due jobs
(`_process_jobs`). `ClockedScheduler` asks the clock instead: through the public
`next_run_time` argument of `add_job` for the first, and in a copy of `_process_jobs` for
the second (guarded by an exact pin and a test against the upstream source); jobs are
added with `misfire_grace_time=None` so the executor never compares a run time with the
wall clock (the grace rules are ours: `catch_up`). With `manual=True` no real-time timer is
armed: `run_until(when)` repeatedly moves the clock to the next job's run time, lets
APScheduler submit what is due through its own job store, trigger and AsyncIOExecutor, and
waits until those jobs have finished (by listening to APScheduler's submitted/executed/error
events) before moving on. The demo's accelerated day and the tests use exactly the same
jobs, triggers and executor as production.

Jobs: one cron job per (job, HH:MM) from `plan.trigger_times` (the school's times and every
per-node override), in the configured zone. When it fires it runs that day's slots of that
job at that time (`fire_slot`). On `start()`, `catch_up` first runs, once, every slot whose
time passed while the bot was down, when still within `checkin.grace_minutes` (and, for
opens/nags/escalation, while the class's window is still open; of several missed nags of a
class only the latest runs). A restart never sends twice: each run is claimed in job_runs
in the same transaction that queues its messages.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_SUBMITTED,
    JobSubmissionEvent,
)
from apscheduler.executors.base import MaxInstancesReachedError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_PAUSED, TIMEOUT_MAX
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from core.clock import Clock, SettableClock
from schedules.catchup import catch_up
from schedules.deps import Deps
from schedules.followups import (
    REMINDER_EVERY_MIN,
    broadcast_reminders,
    missed_morning,
    morning_followups,
    run_morning_followups,
)
from schedules.plan import trigger_times
from schedules.quiz import daily_round
from schedules.slots import fire_slot

log = logging.getLogger(__name__)

#: How long `run_until` waits for the jobs of one instant to finish before giving up.
DRAIN_TIMEOUT_S = 60.0


class ClockedScheduler(AsyncIOScheduler):
    """An AsyncIOScheduler whose notion of now comes from a Clock (see the module doc).

    `manual=False`: APScheduler's own timer wakes it at the next run time (production, with
    SystemClock). `manual=True`: nothing runs until `run_until` advances the (fake) clock.
    """

    def __init__(self, clock: Clock, *, manual: bool = False, **options) -> None:
        self.clock = clock
        self.manual = manual
        self._inflight = 0
        self._idle: asyncio.Event | None = None
        super().__init__(**options)
        self.add_listener(self._track, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    # -- APScheduler's two reads of the wall clock, replaced by the clock ---------------

    def add_job(self, func, trigger=None, *args, **kwargs):
        """APScheduler's `add_job`, with the first run time reckoned from the clock.

        Left to itself APScheduler computes it from `datetime.now()` when the job reaches
        its store; its public `next_run_time` argument lets the clock decide instead.
        """
        if isinstance(trigger, BaseTrigger) and "next_run_time" not in kwargs:
            kwargs["next_run_time"] = trigger.get_next_fire_time(None, self.clock.now())
        return super().add_job(func, trigger, *args, **kwargs)

    def _process_jobs(self):
        """APScheduler 3.x's `_process_jobs` with `now` from the clock (coalescing always).

        The one place pingan relies on APScheduler's private code: 3.x offers no clock hook
        for finding due jobs. So the version is pinned exactly (pyproject.toml) and
        tests/test_scheduler_upstream.py fails when the upstream code this copies changes.
        """
        if self.state == STATE_PAUSED:
            return None
        now = self.clock.now()
        next_wakeup = None
        events = []
        with self._jobstores_lock:
            for alias, store in self._jobstores.items():
                for job in store.get_due_jobs(now):
                    run_times = job._get_run_times(now)[-1:]
                    if not run_times:
                        continue
                    try:
                        self._lookup_executor(job.executor).submit_job(job, run_times)
                    except MaxInstancesReachedError:
                        log.warning("job %s still running: this run skipped", job.id)
                    else:
                        events.append(
                            JobSubmissionEvent(EVENT_JOB_SUBMITTED, job.id, alias, run_times)
                        )
                    following = job.trigger.get_next_fire_time(run_times[-1], now)
                    if following:
                        job._modify(next_run_time=following)
                        store.update_job(job)
                    else:
                        self.remove_job(job.id, alias)
                store_next = store.get_next_run_time()
                if store_next and (next_wakeup is None or store_next < next_wakeup):
                    next_wakeup = store_next
        for event in events:
            self._dispatch_event(event)
        if self.manual or next_wakeup is None:
            return None
        wait = next_wakeup.timestamp() - self.clock.now().timestamp()
        return min(max(wait, 0), TIMEOUT_MAX)

    def wakeup(self):
        if not self.manual:
            super().wakeup()

    # -- driving a fake clock ---------------------------------------------------------

    def _track(self, event) -> None:
        if self._idle is None:
            self._idle = asyncio.Event()
        if event.code == EVENT_JOB_SUBMITTED:
            self._inflight += 1
            self._idle.clear()
        else:
            self._inflight = max(0, self._inflight - 1)
        if self._inflight == 0:
            self._idle.set()

    def next_run_time(self) -> datetime | None:
        """The earliest next run time of any job (None when there are no jobs)."""
        times = [j.next_run_time for j in self.get_jobs() if j.next_run_time]
        return min(times) if times else None

    async def drain(self, timeout: float = DRAIN_TIMEOUT_S) -> None:
        """Wait until every submitted job has finished."""
        if self._inflight and self._idle is not None:
            await asyncio.wait_for(self._idle.wait(), timeout)

    async def run_until(self, when: datetime, *, timeout: float = DRAIN_TIMEOUT_S) -> int:
        """Advance the clock to `when`, running every job due on the way, in time order.

        Only in manual mode (the clock must be settable, e.g. FakeClock). Returns the number
        of job instants processed. The clock ends at `when`.
        """
        if not self.manual:
            raise RuntimeError("run_until drives a manual scheduler (build it with manual=True)")
        clock = self.clock
        if not isinstance(clock, SettableClock):
            raise RuntimeError(f"run_until needs a settable clock, not {type(clock).__name__}")
        steps = 0
        while (upcoming := self.next_run_time()) is not None and upcoming <= when:
            if upcoming > clock.now():
                clock.set(upcoming.astimezone(clock.tz))
            self._process_jobs()
            await self.drain(timeout)
            steps += 1
        if when > clock.now():
            clock.set(when)
        return steps

    async def run_next(self, *, timeout: float = DRAIN_TIMEOUT_S) -> datetime | None:
        """Jump the clock to the next job time and run what is due then; return that time.

        For a demo that prints between steps. None (and the clock untouched) without jobs.
        """
        upcoming = self.next_run_time()
        if upcoming is None:
            return None
        await self.run_until(max(upcoming, self.clock.now()), timeout=timeout)
        return upcoming


class PinganScheduler(ClockedScheduler):
    """The bot's scheduler: all of pingan's jobs, with catch-up on start."""

    def __init__(self, deps: Deps, *, manual: bool = False) -> None:
        self.deps = deps
        super().__init__(
            deps.clock,
            manual=manual,
            timezone=deps.config.tz,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        for job, times in sorted(trigger_times(deps.config).items()):
            for hhmm in sorted(times):
                hour, minute = map(int, hhmm.split(":"))
                self.add_job(
                    fire_slot,
                    CronTrigger(hour=hour, minute=minute, timezone=deps.config.tz),
                    args=[deps, job, hhmm],
                    id=f"{job}@{hhmm}",
                    name=f"pingan {job} at {hhmm}",
                )
        hour, minute = map(int, deps.config.followup.ask_at.split(":"))
        self.add_job(
            morning_followups,
            CronTrigger(hour=hour, minute=minute, timezone=deps.config.tz),
            args=[deps],
            id="followup",
            name="pingan follow-up of cases and key groups",
        )
        self.add_job(
            broadcast_reminders,
            CronTrigger(minute=f"*/{REMINDER_EVERY_MIN}", timezone=deps.config.tz),
            args=[deps],
            id="broadcast-reminders",
            name="pingan broadcast reminders",
        )

        if deps.config.quiz.daily_at:
            hour, minute = map(int, deps.config.quiz.daily_at.split(":"))
            self.add_job(
                daily_round,
                CronTrigger(hour=hour, minute=minute, timezone=deps.config.tz),
                args=[deps],
                id="quiz",
                name="pingan daily quiz round",
            )

    def start(self, paused: bool = False) -> None:
        """Catch up what was missed while the bot was down, then start the jobs.

        Must be called from a running event loop (APScheduler's AsyncIOScheduler rule).
        """
        ran = catch_up(self.deps)
        if ran:
            log.info("caught up %d missed job run(s)", len(ran))
        if missed_morning(self.deps):
            run_morning_followups(self.deps)  # claimed per day: never twice
        super().start(paused)


def build_scheduler(deps: Deps, *, manual: bool = False) -> PinganScheduler:
    """The real AsyncIOScheduler with every pingan job, in the configured zone.

    `manual=True` for a FakeClock (tests, the demo's accelerated day): drive it with
    `await scheduler.run_until(when)`. Call `start()` from inside the running loop, and
    `shutdown(wait=False)` to stop.
    """
    return PinganScheduler(deps, manual=manual)
