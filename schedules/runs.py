"""job_runs: the record that makes every job run at most once per (job, node, day).

A job claims its row and queues its messages in the same transaction, so after a crash
either both happened or neither did; a second run (the cron firing again, a catch-up after
a restart, a second process) finds the row and does nothing. The outbox dedup keys are a
second guard for the same guarantee.
"""

from __future__ import annotations

from datetime import datetime

from storage.backend import Database


def claim(db: Database, job: str, node_key: str, day: str, now: datetime) -> bool:
    """Record that (job, node_key, day) runs now; False when it already ran (or is running)."""
    cursor = db.execute(
        """INSERT INTO job_runs (job, node_key, day, started_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(job, node_key, day) DO NOTHING""",
        [job, node_key, day, now.isoformat()],
    )
    return cursor.rowcount == 1


def finish(
    db: Database,
    job: str,
    node_key: str,
    day: str,
    now: datetime,
    *,
    outcome: str,
    messages: int = 0,
) -> None:
    db.execute(
        """UPDATE job_runs SET finished_at = ?, outcome = ?, messages = ?
           WHERE job = ? AND node_key = ? AND day = ?""",
        [now.isoformat(), outcome, messages, job, node_key, day],
    )


def done(db: Database, day: str) -> set[tuple[str, str]]:
    """(job, node_key) pairs already recorded for `day`."""
    return {
        (job, key)
        for job, key in db.execute("SELECT job, node_key FROM job_runs WHERE day = ?", [day])
    }


def dedup_key(job: str, node_key: str, day: str, part: str) -> str:
    """The outbox dedup key of one message of a job run: (job, node, day, part)."""
    return f"{job}|{node_key}|{day}|{part}"
