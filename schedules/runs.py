"""job_runs: the record that makes every job run at most once per (job, node, day).

A job claims its row and queues its messages in the same transaction, so after a crash
either both happened or neither did; a second run (the cron firing again, a catch-up after
a restart, a second process) finds the row and does nothing. The outbox dedup keys are a
second guard for the same guarantee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from storage.backend import Database

# Rows a statement: psycopg parses a statement of up to 4 KB once and caches it, a longer one
# every time (which cost more than the round trips it saves), so the statements stay short.
CLAIMS = 200
KEYS = 800


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


def claim_many(
    db: Database, job: str, node_keys: Sequence[str], day: str, now: datetime
) -> set[str]:
    """`claim` for many nodes in a few statements; the keys this call recorded.

    The 21:00 summary of a large school claims tens of thousands of nodes: one statement
    each is a round trip each on PostgreSQL, which made the summary of 1,000,000 students
    take half a minute there (now a few statements per thousand nodes).
    """
    won: set[str] = set()
    for i in range(0, len(node_keys), CLAIMS):
        part = node_keys[i : i + CLAIMS]
        rows = db.execute(
            f"""INSERT INTO job_runs (job, node_key, day, started_at)
                VALUES {", ".join("(?, ?, ?, ?)" for _ in part)}
                ON CONFLICT(job, node_key, day) DO NOTHING RETURNING node_key""",
            [value for key in part for value in (job, key, day, now.isoformat())],
        ).fetchall()
        won.update(key for (key,) in rows)
    return won


def finish_many(
    db: Database,
    job: str,
    day: str,
    now: datetime,
    results: Mapping[str, tuple[str, int]],
) -> None:
    """`finish` for many nodes: node key → (outcome, messages), one UPDATE per distinct
    result and chunk (most nodes of a run share one)."""
    by_result: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key, result in results.items():
        by_result[result].append(key)
    for (outcome, messages), keys in by_result.items():
        for i in range(0, len(keys), KEYS):
            part = keys[i : i + KEYS]
            db.execute(
                f"""UPDATE job_runs SET finished_at = ?, outcome = ?, messages = ?
                    WHERE job = ? AND day = ? AND node_key IN ({", ".join("?" * len(part))})""",
                [now.isoformat(), outcome, messages, job, day, *part],
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
