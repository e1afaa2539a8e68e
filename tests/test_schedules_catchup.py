"""Downtime and restarts: caught up once within grace, never sent twice."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from schedules import Deps, build_scheduler
from tests.schedules_helpers import add_report, at, config, last_id, outbox, small_school

DAY = "2020-02-10"


@pytest.fixture
def school(db):
    small_school(db)
    add_report(db, "s2", DAY)
    return db


async def run_process(db, tmp_path, start: str, stop: str, **checkin) -> list[dict]:
    """One bot process alive from `start` to `stop`: what it queued."""
    mark = last_id(db)
    deps = Deps(db, config(**checkin), FakeClock(at(start)), tmp_path / "charts")
    scheduler = build_scheduler(deps, manual=True)
    scheduler.start()
    try:
        await scheduler.run_until(at(stop))
    finally:
        scheduler.shutdown(wait=False)
    return outbox(db, mark)


def runs(db, job: str) -> dict[str, str]:
    return {
        key: outcome
        for key, outcome in db.execute(
            "SELECT node_key, outcome FROM job_runs WHERE job = ? AND day = ?", [job, DAY]
        )
    }


async def test_down_from_2050_to_2130_sends_summaries_once(school, tmp_path):
    db = school
    before = await run_process(db, tmp_path, "06:00", "20:50")
    assert not [r for r in before if "【平安报告日报】" in r["text"]]
    restart = await run_process(db, tmp_path, "21:30", "21:31")
    # the class, grade and college summaries and the duty pair; no nag is repeated
    assert sorted(r["target"] for r in restart) == [
        "700900", "700900", "700900", "700999", "9101", "wx_chen",
    ]  # fmt: skip
    assert all("【平安报告日报】" in r["text"] for r in restart)
    assert await run_process(db, tmp_path, "21:40", "22:00") == []


async def test_beyond_grace_nothing_is_sent_and_the_miss_is_recorded(school, tmp_path):
    db = school
    await run_process(db, tmp_path, "06:00", "20:50")
    late = await run_process(db, tmp_path, "23:30", "23:35", grace_minutes=120)
    assert late == []
    assert all(o.startswith("missed") for o in runs(db, "summary").values())


async def test_restart_inside_the_window_sends_only_the_latest_nag(school, tmp_path):
    db = school
    restart = await run_process(db, tmp_path, "10:30", "10:31", grace_minutes=240)
    class1 = [r for r in restart if r["target"] == "700001"]
    assert len(class1) == 1 and "提醒" in class1[0]["text"]  # no 07:00 opening on top
    assert runs(db, "opens")["计算机学院/2021级/计科1班"].startswith("superseded")
    assert await run_process(db, tmp_path, "10:40", "10:45") == []


async def test_restart_after_the_window_closed_sends_no_nag(school, tmp_path):
    db = school
    restart = await run_process(db, tmp_path, "14:30", "14:31")
    texts = [r["text"] for r in restart]
    assert texts and all("提醒" not in t for t in texts)
    assert not [r for r in restart if r["chat_type"] == "private" and r["target"] == "1001"]
    assert any("截止" in t for t in texts)  # the 14:00 close is within grace
    assert runs(db, "nag2")["计算机学院/2021级/计科1班"].startswith("missed")
