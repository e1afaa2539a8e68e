"""Which check-in windows actually opened: only those are nagged, closed and summarised.

A class's window "opened" on a day when one of its window jobs (opens, a nag, the
escalation) really ran that day, as recorded in job_runs. A bot first started after the
day's window, or down for the whole of it, never told the class that reporting had begun:
saying "实报 0，未报 30" to the class, its counselors or the duty pair would be a report about
a day that never happened, and the next day's "较前一日" would compare against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from schedules.batch import Run
from storage.backend import Database
from storage.opened import opened_classes
from storage.status import Node

NEVER_OPENED = "skipped: window never opened (the bot was not running when it should open)"


def has_opened(node: Node | None, opened: set[str]) -> bool:
    """Whether the node's window opened: a class itself, a grade or college through any of
    its classes, the school (None) through any class at all."""
    if node is None:
        return bool(opened)
    if node.path in opened:
        return True
    prefix = node.path + "/"
    return any(path.startswith(prefix) for path in opened)


def day_opened(db: Database, day: str) -> bool:
    """Whether any class's window opened on `day` (a day worth comparing against)."""
    return bool(opened_classes(db, day))


def opened_only(run: Run) -> list[Node]:
    """The run's claimed nodes whose window opened; the others are recorded as skipped."""
    opened = opened_classes(run.deps.db, run.day)
    out = []
    for node in run.claimed:
        if has_opened(node, opened):
            out.append(node)
        else:
            run.outcomes[node.path] = NEVER_OPENED
    return out


def record_opened(
    db: Database, day: str, class_paths: Iterable[str], when: datetime
) -> None:
    """Record the classes' windows as opened at `when` without announcing anything: a day
    the bot did open, for a benchmark of the night's work or a test of one job."""
    db.conn.executemany(
        """INSERT INTO job_runs (job, node_key, day, started_at, finished_at, outcome)
           VALUES ('opens', ?, ?, ?, ?, 'done') ON CONFLICT DO NOTHING""",
        [(path, day, when.isoformat(), when.isoformat()) for path in class_paths],
    )
