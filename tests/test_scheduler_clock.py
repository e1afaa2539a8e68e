"""The clock-driven APScheduler itself: timer mode on a running clock, manual stepping."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from core.clock import FakeClock
from schedules import Deps, build_scheduler
from tests.schedules_helpers import TZ, at, config, outbox, small_school

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL


class OffsetClock:
    """Wall-clock time shifted so that a chosen local time is a moment away."""

    def __init__(self, reads: datetime) -> None:
        self.tz = TZ
        self._offset = reads - datetime.now(TZ)

    def now(self) -> datetime:
        return datetime.now(TZ) + self._offset


async def test_timer_mode_fires_on_its_own_at_the_job_time(db, tmp_path):
    small_school(db)
    clock = OffsetClock(at("07:00") - timedelta(seconds=0.5))
    scheduler = build_scheduler(Deps(db, config(), clock, tmp_path))  # APScheduler's own timer
    scheduler.start()
    try:
        assert outbox(db) == []
        async with asyncio.timeout(10):
            while len(outbox(db)) < 2:
                await asyncio.sleep(0.05)
    finally:
        scheduler.shutdown(wait=False)
    assert sorted(r["target"] for r in outbox(db)) == ["700001", "700002"]
    job = scheduler.get_job("opens@07:00")
    assert job.next_run_time == at("07:00") + timedelta(days=1)


async def test_run_next_steps_through_the_day(db, tmp_path):
    small_school(db)
    clock = FakeClock(at("06:00"))
    scheduler = build_scheduler(Deps(db, config(), clock, tmp_path), manual=True)
    scheduler.start()
    steps = []
    while not steps or steps[-1] < at("12:00"):
        steps.append(await scheduler.run_next())
    scheduler.shutdown(wait=False)
    # each step is the next job time (other features may add jobs in between)
    assert steps == sorted(set(steps))
    assert {at("07:00"), at("10:00"), at("12:00")} <= set(steps)
    assert clock.now() == at("12:00")
    heads = [r["text"].split("】")[0] for r in outbox(db) if r["target"] == "700001"]
    assert heads == ["【平安报告", "【平安报告提醒", "【平安报告提醒"]


async def test_a_slot_fired_late_after_midnight_counts_for_its_own_day(db, tmp_path):
    from schedules.slots import fire_slot

    small_school(db)
    deps = Deps(db, config(), FakeClock(at("00:00", "2020-02-11")), tmp_path)
    deps.config.checkin.summary = "23:59"
    await fire_slot(deps, "summary", "23:59")
    days = {d for (d,) in db.execute("SELECT DISTINCT day FROM job_runs")}
    assert days == {"2020-02-10"}
