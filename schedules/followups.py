"""The jobs of issue 7: the morning follow-up of abnormal cases and key groups, and the one
reminder of a broadcast's missing acknowledgements.

Both decide from the database and the clock only (handlers.cases.morning,
handlers.broadcast.remind_due), so a late or repeated run is harmless: the morning run is
claimed once per day in job_runs, and every message carries an outbox dedup key.
"""

from __future__ import annotations

import logging
from functools import partial

from handlers.broadcast import remind_due
from handlers.cases import morning
from schedules.deps import Deps
from schedules.plan import is_checkin_day
from schedules.runs import claim, finish
from storage.txn import immediate

log = logging.getLogger(__name__)

FOLLOWUP_JOB = "followup"
#: Broadcast reminders are checked this often (minutes); a reminder is at most this late.
REMINDER_EVERY_MIN = 5


async def morning_followups(deps: Deps) -> None:
    run_morning_followups(deps)


def run_morning_followups(deps: Deps) -> None:
    """End finished key-group observations, close recovered cases, ask the others."""
    now = deps.clock.now()
    today = deps.today()
    if not is_checkin_day(deps.config, today):
        return  # no questions on days off; what ended meanwhile is recorded next time
    day = today.isoformat()
    with immediate(deps.db):
        if not claim(deps.db, FOLLOWUP_JOB, "school", day, now):
            return
        run = morning(deps.db, deps.config, now, partial(is_checkin_day, deps.config))
        finish(
            deps.db,
            FOLLOWUP_JOB,
            "school",
            day,
            now,
            outcome=f"asked {len(run.asked)}, closed {len(run.closed)},"
            f" tags ended {len(run.tags_ended)}",
            messages=len(run.asked) + len(run.closed),
        )
    log.info("morning follow-up: asked %d, closed %d", len(run.asked), len(run.closed))


async def broadcast_reminders(deps: Deps) -> None:
    with immediate(deps.db):
        queued = remind_due(deps.db, deps.config, deps.clock.now())
    if queued:
        log.info("broadcast reminders: %d message(s) queued", queued)


def missed_morning(deps: Deps) -> bool:
    """True when today's follow-up time has passed (the bot was down then): run it now."""
    hour, minute = map(int, deps.config.followup.ask_at.split(":"))
    now = deps.clock.now().astimezone(deps.config.tz)
    return (now.hour, now.minute) >= (hour, minute)
