"""Which classes' check-in windows opened on a day, as job_runs recorded it.

A query of the store, here so the handlers (the late-report flag) and the scheduler (what to
nag, close and summarise) read it alike without the handlers importing schedules/;
schedules/opened.py says what an unopened window means for the jobs.
"""

from __future__ import annotations

from storage.backend import Database

#: job_runs outcomes that record a window job as not having spoken to the class.
NOT_RUN = ("missed", "superseded", "skipped")


def opened_classes(db: Database, day: str) -> set[str]:
    """Paths of the classes whose window opened on `day`."""
    return {
        key
        for key, outcome in db.execute(
            """SELECT node_key, outcome FROM job_runs
               WHERE day = ? AND (job = 'opens' OR job = 'escalate' OR job LIKE 'nag%')""",
            [day],
        )
        if outcome and not outcome.startswith(NOT_RUN)
    }
