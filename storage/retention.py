"""Retention: personal data older than `privacy.retention_days` is deleted; counts stay.

Before anything is deleted, every day about to go gets its per-node counts written to
daily_counts (when the nightly summary has not already snapshot it), so trends and the
ledger's totals survive while names, temperatures and messages do not.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

import sqlite_utils

from storage.status import day_status, save_daily_counts

#: (table, WHERE clause on :day / :stamp) of what the purge deletes, in this order.
#: Tables another feature adds (the 接龙 chain state: chain_lines, chain_days) are purged
#: when they exist, so storage never imports the feature that owns them. Closed 心理 cases and
#: the audit rows of caring replies and pages go too: that a student was distressed is as
#: personal as a temperature (an open case stays until a person closes it). Quiz answers go
#: as well: who got what wrong is a student's own business once the round is history.
PURGED: tuple[tuple[str, str], ...] = (
    ("reports", "day < :day"),
    ("report_history", "day < :day"),
    ("raw_messages", "julianday(sent_at) < julianday(:stamp)"),
    ("outbox", "status = 'sent' AND julianday(created_at) < julianday(:stamp)"),
    ("prompts", "day < :day"),
    ("leaves", "end_day < :day"),
    ("job_runs", "day < :day"),
    ("chain_lines", "day < :day"),
    ("chain_days", "day < :day"),
    ("care_cases", "status = 'closed' AND julianday(closed_at) < julianday(:stamp)"),
    ("audit_log", "action LIKE 'care%' AND julianday(at) < julianday(:stamp)"),
    ("quiz_answers", "julianday(answered_at) < julianday(:stamp)"),
)


def cutoff(today: date, retention_days: int) -> date:
    """The first day kept: with 60 days of retention on 2020-04-10, 2020-02-10."""
    return date.fromordinal(today.toordinal() - retention_days)


def purge(db: sqlite_utils.Database, keep_from: date, tz: tzinfo) -> dict[str, int]:
    """Delete what is older than `keep_from` (a local day); return rows removed per table.

    Does not commit: the caller owns the transaction, so the snapshot and the deletes are
    one atomic step.
    """
    args = {
        "day": keep_from.isoformat(),
        "stamp": datetime.combine(keep_from, time(0), tzinfo=tz).isoformat(),
    }
    snapshot_days = [
        d
        for (d,) in db.execute(
            """SELECT DISTINCT day FROM reports WHERE day < :day
               AND day NOT IN (SELECT DISTINCT day FROM daily_counts)""",
            args,
        )
    ]
    for day in snapshot_days:
        save_daily_counts(db, day_status(db, day))
    removed: dict[str, int] = {"daily_counts_added_days": len(snapshot_days)}
    tables = set(db.table_names())
    for table, where in PURGED:
        if table not in tables:
            continue
        if where.startswith("day") and "day" not in db[table].columns_dict:
            continue
        removed[table] = db.execute(f"DELETE FROM {table} WHERE {where}", args).rowcount
    return removed
