"""The day's plan: days off, per-node overrides, mention splitting, the window rule."""

from __future__ import annotations

from datetime import date

import pytest

from core.checkin_times import times_for
from core.clock import FakeClock
from schedules import Deps, build_scheduler, is_checkin_day, nag, plan_day
from schedules.plan import trigger_times
from storage.status import load_nodes
from tests.schedules_helpers import (
    CLASS1,
    add_person,
    at,
    config,
    node_id,
    opened,
    outbox,
    small_school,
)

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL


def test_days_off_weekdays_holidays_and_workdays():
    c = config(days="weekdays", holidays=["2020-02-12"], workdays=["2020-02-15"])
    assert is_checkin_day(c, date(2020, 2, 10))  # Monday
    assert not is_checkin_day(c, date(2020, 2, 12))  # a holiday
    assert not is_checkin_day(c, date(2020, 2, 16))  # Sunday
    assert is_checkin_day(c, date(2020, 2, 15))  # a Saturday made a workday (调休)
    assert is_checkin_day(config(), date(2020, 2, 16))  # an outbreak: every day


def test_overrides_apply_nearest_ancestor_last():
    c = config(
        overrides={
            "计算机学院": {"opens": "06:30", "nags": ["09:00"]},
            CLASS1: {"closes": "15:00"},
        }
    )
    t = times_for(c, CLASS1)
    assert (t.opens, t.nags, t.closes, t.summary) == ("06:30", ["09:00"], "15:00", "21:00")
    assert times_for(c, "数学学院/2021级/数学1班").opens == "07:00"
    assert trigger_times(c)["opens"] == {"07:00", "06:30"}


def test_plan_of_a_day_off_holds_only_the_purge(db):
    small_school(db)
    c = config(days="weekdays")
    saturday = plan_day(c, load_nodes(db), date(2020, 2, 15))
    assert [s.job for s in saturday] == ["purge"]
    monday = plan_day(c, load_nodes(db), date(2020, 2, 10))
    class1 = [s.job for s in monday if s.node and s.node.path == CLASS1]
    assert class1 == ["opens", "nag1", "nag2", "escalate", "closes", "summary"]


async def test_weekend_off_sends_nothing_on_saturday(db, tmp_path):
    small_school(db)
    clock = FakeClock(at("06:00", "2020-02-15"))
    scheduler = build_scheduler(Deps(db, config(days="weekdays"), clock, tmp_path), manual=True)
    scheduler.start()
    await scheduler.run_until(at("23:00", "2020-02-15"))
    scheduler.shutdown(wait=False)
    assert outbox(db) == []


async def test_override_moves_one_college_earlier(db, tmp_path):
    small_school(db)
    c = config(overrides={"计算机学院": {"opens": "06:30"}})
    scheduler = build_scheduler(Deps(db, c, FakeClock(at("06:00")), tmp_path), manual=True)
    scheduler.start()
    await scheduler.run_until(at("06:45"))
    scheduler.shutdown(wait=False)
    assert sorted(r["target"] for r in outbox(db)) == ["700001", "700002"]


def test_mentions_are_split_at_the_platform_cap(db):
    small_school(db)
    for i in range(5):
        add_person(db, f"x{i}", f"新生{i}", cls=CLASS1, qq=f"30{i}")
    deps = Deps(db, config(), FakeClock(at("10:00")))
    deps.config.outbox.max_mentions = 4
    opened(db)
    nag(deps, "2020-02-10", [node_id(db, CLASS1)], 1)
    parts = [r for r in outbox(db) if r["target"] == "700001"]
    # 10 missing (张三 赵六 孙七 王五 李四 + 5 new): 4 + 4 + 2, every one @ exactly once
    assert [len(p["mentions"]) + p["text"].count("赵六") for p in parts] == [4, 4, 2]
    assert [p["text"].count("（") for p in parts] == [1, 1, 1]
    assert "（1/3）" in parts[0]["text"]
    mentioned = [m for p in parts for m in p["mentions"]]
    assert len(mentioned) == len(set(mentioned)) == 9  # 赵六 has no account


def test_a_nag_after_the_window_closed_says_nothing(db):
    small_school(db)
    deps = Deps(db, config(), FakeClock(at("14:05")))
    opened(db)
    assert nag(deps, "2020-02-10", [node_id(db, CLASS1)], 2) == 0
    outcome = db.execute("SELECT outcome FROM job_runs WHERE job = 'nag2'").fetchone()[0]
    assert outcome == "skipped: window closed at 14:00"
