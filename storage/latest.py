"""The latest moment the database has seen: when the simulator restarts, its clock must not
start behind what it already stored (reports and jobs "from the future" confuse every view).
"""

from __future__ import annotations

from datetime import datetime

from storage.backend import Database

# Timestamps the bot writes with its clock, in the configured zone (so max() as text is the
# latest). Read once at start, and only when the simulator's clock is in use.
STAMPS = (
    "SELECT max(updated_at) FROM reports",
    "SELECT max(received_at) FROM raw_messages",
    "SELECT max(started_at) FROM job_runs",
    "SELECT max(created_at) FROM outbox",
)


def latest_activity(db: Database) -> datetime | None:
    """The latest stored report, message, job run or queued reply; None on a fresh database."""
    found: list[datetime] = []
    for sql in STAMPS:
        value = db.execute(sql).fetchone()[0]
        if value:
            stamp = datetime.fromisoformat(value)
            if stamp.tzinfo is not None:
                found.append(stamp)
    return max(found, default=None)
