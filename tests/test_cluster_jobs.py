"""The day's real APScheduler jobs, run by several schedulers on one store at once.

Every process of a cluster runs the scheduler (there is no leader to elect): each job run is
claimed in job_runs, in a write transaction taken before the first read (storage/txn.py:
SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock), so whichever process comes first runs
it and the others find it done. On SQLite and on PostgreSQL: Here two threads and
then three processes each drive their own scheduler through the same day on a FakeClock,
at the same instants, and the outcome must be exactly that of one scheduler alone: the
same messages queued once, every job run once, and no job failing on a locked database.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_ERROR

from core.clock import FakeClock
from schedules import Deps, build_scheduler
from storage.db import open_store
from tests.schedules_helpers import add_report, at, config, small_school

pytestmark = pytest.mark.both_stores

END = "23:30"


def school(url: str) -> None:
    db = open_store(url)
    small_school(db)
    with db.atomic():
        add_report(db, "s1", "2020-02-10", temperature=36.5)
        add_report(db, "t1", "2020-02-10", temperature=38.2, abnormal=1)
    db.close()


def run_day(url: str, data: Path, ready: Any = None) -> list[str]:
    """One scheduler on its own connection through 2020-02-10; returns its jobs' errors."""
    db = open_store(url)
    clock = FakeClock(at("06:00"))
    errors: list[str] = []

    async def day() -> None:
        scheduler = build_scheduler(Deps(db, config(), clock, data), manual=True)
        scheduler.add_listener(
            lambda event: errors.append(f"{event.job_id}: {event.exception!r}"), EVENT_JOB_ERROR
        )
        if ready is not None:
            ready.wait()  # every scheduler starts together: they collide at each job time
        scheduler.start()
        await scheduler.run_until(at(END))
        scheduler.shutdown(wait=False)

    try:
        asyncio.run(day())
    finally:
        db.close()
    return errors


def run_day_in_process(url: str, data: Path, ready: Any) -> None:
    """The child process's part: fail (exit code 1) when any job failed."""
    errors = run_day(url, data, ready)
    if errors:
        raise SystemExit("; ".join(errors))


def outcome(url: str) -> tuple[list[tuple], list[tuple]]:
    """What the students and staff would get (the outbox) and what ran (job_runs)."""
    db = open_store(url)
    try:
        queued = db.execute(
            "SELECT platform, account, chat_type, target, text, mentions, dedup_key FROM outbox"
            " ORDER BY target, text, dedup_key"
        ).fetchall()
        runs = db.execute(
            "SELECT job, node_key, day, outcome, messages FROM job_runs"
            " ORDER BY job, node_key, day"
        ).fetchall()
    finally:
        db.close()
    return queued, runs


@pytest.fixture
def alone_url(new_store_url):
    """A second store of the same kind as db_url, for one scheduler alone."""
    return new_store_url("alone/pingan.db")


def alone(url: str, data: Path) -> tuple[list[tuple], list[tuple]]:
    data.mkdir(exist_ok=True)
    school(url)
    assert run_day(url, data) == []
    return outcome(url)


def test_two_threads_run_each_job_once(tmp_path, db_url, alone_url):
    expected_queued, expected_runs = alone(alone_url, tmp_path / "alone")
    assert len(expected_queued) > 10 and len(expected_runs) > 10  # a real day's work
    school(db_url)
    ready = threading.Barrier(2)
    errors: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: errors.append(run_day(db_url, tmp_path, ready)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [[], []]
    queued, runs = outcome(db_url)
    assert queued == expected_queued
    assert runs == expected_runs


def test_three_processes_run_each_job_once(tmp_path, db_url, alone_url):
    expected_queued, expected_runs = alone(alone_url, tmp_path / "alone")
    school(db_url)
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(3)
    processes = [
        spawn.Process(target=run_day_in_process, args=(db_url, tmp_path, ready))
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    queued, runs = outcome(db_url)
    assert queued == expected_queued
    assert runs == expected_runs
