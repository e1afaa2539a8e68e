"""Catch-up after downtime: run, once, what should have run while the bot was down.

Rules (all a pure function of the database's job_runs, the plan and now):

- only slots whose time has passed and that have no job_runs row for their day;
- only within `checkin.grace_minutes` of their time (yesterday's too, across midnight);
- opens, nags and escalation only while the class's window is still open (before closes);
- of a class's missed opens/nags only the latest runs: the earlier ones are recorded as
  superseded, so a restart at 12:05 sends one reminder, not three messages in a row;
- a class whose window has not opened yet that day (a first start, or a bot down since
  before `opens`) gets the opening announcement late, not a reminder: nobody is told they
  are missing from a check-in they never heard of; when even the opening is beyond grace the
  day is not opened at all, and its closing and summaries are skipped (schedules.opened);
- what is too late is recorded as missed (visible to admins, never sent later).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.checkin_times import times_for
from schedules.deps import Deps
from schedules.plan import WINDOW_JOBS, Slot, at, plan_day
from schedules.runs import claim, done, finish
from schedules.slots import run_slots
from storage.opened import opened_classes
from storage.status import load_nodes
from storage.txn import immediate

log = logging.getLogger(__name__)


def due_catch_up(deps: Deps) -> tuple[list[Slot], list[tuple[Slot, str]]]:
    """(slots to run now, (slot, reason) to record without running)."""
    now = deps.clock.now()
    today = now.astimezone(deps.config.tz).date()
    grace = timedelta(minutes=deps.config.checkin.grace_minutes)
    nodes = load_nodes(deps.db)
    run: list[Slot] = []
    skip: list[tuple[Slot, str]] = []
    for day in (today - timedelta(days=1), today):
        recorded = done(deps.db, day.isoformat())
        opened = opened_classes(deps.db, day.isoformat())
        opening_late: set[str] = set()
        pending = [
            s for s in plan_day(deps.config, nodes, day)
            if s.at <= now and (s.job, s.node_key) not in recorded
        ]  # fmt: skip
        latest_window: dict[str, Slot] = {}
        for slot in pending:
            if now - slot.at > grace:
                skip.append((slot, f"missed: bot down at {slot.hhmm}, beyond grace"))
                continue
            if slot.kind in WINDOW_JOBS:
                closes = at(deps.config, day, times_for(deps.config, slot.node_key).closes)
                if now >= closes:
                    skip.append((slot, "missed: window closed before restart"))
                    continue
                if slot.node_key in opening_late:
                    skip.append((slot, "superseded by late opening"))
                    continue
                if slot.kind == "opens" and slot.node_key not in opened:
                    opening_late.add(slot.node_key)
                if slot.kind in ("opens", "nag"):
                    earlier = latest_window.get(slot.node_key)
                    if earlier is not None:
                        skip.append((earlier, f"superseded by catch-up of {slot.job}"))
                    latest_window[slot.node_key] = slot
                    continue
            run.append(slot)
        run.extend(latest_window.values())
    run.sort(key=lambda s: s.at)
    return run, skip


def catch_up(deps: Deps) -> list[Slot]:
    """Record what is missed for good, run what may still run; return the slots run."""
    run, skip = due_catch_up(deps)
    now = deps.clock.now()
    if skip:
        with immediate(deps.db):
            for slot, reason in skip:
                if claim(deps.db, slot.job, slot.node_key, slot.day, now):
                    finish(deps.db, slot.job, slot.node_key, slot.day, now, outcome=reason)
        log.info("%d missed job run(s) recorded, not sent", len(skip))
    if run:
        log.info("catching up %d job run(s): %s", len(run), sorted({s.job for s in run}))
        run_slots(deps, run)
    return run
