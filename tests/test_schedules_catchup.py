"""Downtime and restarts: caught up once within grace, never sent twice."""

from __future__ import annotations

import pytest

from core.clock import FakeClock
from schedules import Deps, build_scheduler
from schedules.opened import NEVER_OPENED
from tests.schedules_helpers import add_report, at, config, group, last_id, outbox, small_school

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

DAY = "2020-02-10"


@pytest.fixture
def school(db):
    small_school(db)
    add_report(db, "s2", DAY)
    return db


async def run_process(
    db, tmp_path, start: str, stop: str, *, stop_day: str = DAY, **checkin
) -> list[dict]:
    """One bot process alive from `start` (on DAY) to `stop` (on `stop_day`): what it queued."""
    mark = last_id(db)
    deps = Deps(db, config(**checkin), FakeClock(at(start)), tmp_path / "charts")
    scheduler = build_scheduler(deps, manual=True)
    scheduler.start()
    try:
        await scheduler.run_until(at(stop, stop_day))
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
    await run_process(db, tmp_path, "06:00", "07:30")  # opened at 07:00, then crashed
    restart = await run_process(db, tmp_path, "12:30", "12:31", grace_minutes=240)
    class1 = [r for r in restart if r["target"] == "700001"]
    assert len(class1) == 1 and "提醒" in class1[0]["text"]  # nag2 only, not nag1 too
    assert runs(db, "nag1")["计算机学院/2021级/计科1班"].startswith("superseded")
    assert await run_process(db, tmp_path, "12:40", "12:45") == []


async def test_first_start_inside_the_window_opens_it_late_instead_of_nagging(school, tmp_path):
    db = school
    start = await run_process(db, tmp_path, "10:30", "10:31", grace_minutes=240)
    class1 = [r for r in start if r["target"] == "700001"]
    assert len(class1) == 1 and "报送开始" in class1[0]["text"]
    assert "提醒" not in class1[0]["text"] and not [r for r in start if r["chat_type"] == "private"]
    assert runs(db, "nag1")["计算机学院/2021级/计科1班"] == "superseded by late opening"
    # from then on the day runs as usual: the 12:00 nag names the missing
    later = await run_process(db, tmp_path, "11:00", "12:01")
    assert any("提醒" in r["text"] for r in group(later, "700001"))


async def test_restart_after_the_window_closed_sends_no_nag(school, tmp_path):
    db = school
    await run_process(db, tmp_path, "06:00", "11:00")
    restart = await run_process(db, tmp_path, "14:30", "14:31")
    texts = [r["text"] for r in restart]
    assert texts and all("提醒" not in t for t in texts)
    assert not [r for r in restart if r["chat_type"] == "private" and r["target"] == "1001"]
    assert any("截止" in t for t in texts)  # the 14:00 close is within grace
    assert runs(db, "nag2")["计算机学院/2021级/计科1班"].startswith("missed")


async def test_first_start_after_the_summary_time_reports_no_day(school, tmp_path):
    """A bot first started at 21:30 never opened 2月10日: nothing about that day is sent,
    and 2月11日's summary has no 较前一日 against a day of zeros."""
    db = school
    first = await run_process(db, tmp_path, "21:30", "21:31")
    assert first == []
    assert set(runs(db, "summary").values()) == {NEVER_OPENED}
    assert all(o.startswith("missed") for o in runs(db, "closes").values())
    # it keeps running: the next day opens at 07:00 and is summarised at 21:00
    sent = await run_process(db, tmp_path, "21:31", "21:05", stop_day="2020-02-11")
    assert any("2月11日报送开始" in r["text"] for r in group(sent, "700001"))
    summary = [r["text"] for r in group(sent, "700900") if "【平安报告日报】" in r["text"]]
    assert summary and all("2月11日" in t and "较前一日" not in t for t in summary)


async def test_a_start_between_close_and_summary_sends_no_close_and_no_summary(school, tmp_path):
    db = school
    sent = await run_process(db, tmp_path, "15:30", "23:00")
    assert sent == []  # no 截止 with everyone missing, no 日报 of an unopened day
    assert runs(db, "duty")["*"] == NEVER_OPENED


async def test_the_day_after_a_real_day_compares_with_it(school, tmp_path):
    db = school
    await run_process(db, tmp_path, "06:00", "23:00")
    sent = await run_process(db, tmp_path, "23:00", "21:05", stop_day="2020-02-11")
    summary = [r["text"] for r in group(sent, "700900") if "日报" in r["text"]]
    assert summary and all("较前一日" in t for t in summary)
