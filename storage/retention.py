"""Retention: personal data older than `privacy.retention_days` is deleted; counts stay.

Every store that holds a health fact about a person is covered: reports and their history,
raw messages, 接龙 lines, outbox rows of any status (a failed alert carries its text too),
closed follow-up cases with their notes, key-group tags whose observation ended, and the
free text of audit rows (the row and its hash stay: storage/audit.py). Files on disk (charts,
exported workbooks) are removed by schedules/retention.py.

Before anything is deleted, every day about to go gets its per-node counts written to
daily_counts (when the nightly summary has not already snapshot it), so trends and the
ledger's totals survive while names, temperatures and messages do not.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from storage.audit import redact_before
from storage.backend import Database
from storage.dialect import json_true
from storage.status import day_status, save_daily_counts

#: (table, WHERE clause on :day / :stamp) of what the purge deletes, in this order.
#: Tables another feature adds (the 接龙 chain state: chain_lines, chain_days) are purged
#: when they exist, so storage never imports the feature that owns them. Closed 心理 cases go
#: too: that a student was distressed is as personal as a temperature (an open case stays until
#: a person closes it); the audit rows of caring replies name the student only in their
#: free text, which `redact_before` purges. Quiz answers go
#: as well: who got what wrong is a student's own business once the round is history.
PURGED: tuple[tuple[str, str], ...] = (
    ("reports", "day < :day"),
    ("report_history", "day < :day"),
    ("raw_messages", "julianday(sent_at) < julianday(:stamp)"),
    ("outbox", "julianday(created_at) < julianday(:stamp)"),
    ("cases", "status = 'closed' AND julianday(closed_at) < julianday(:stamp)"),
    # A tag whose observation window ended before the cutoff; one without end (留校) stays.
    (
        "tags",
        "coalesce(ended_day, CASE WHEN period_days > 0"
        " THEN date(start_day, '+' || period_days || ' days') END) < :day",
    ),
    ("prompts", "day < :day"),
    ("leaves", "end_day < :day"),
    ("job_runs", "day < :day"),
    ("chain_lines", "day < :day"),
    ("chain_days", "day < :day"),
    ("report_flags", "day < :day"),
    ("login_links", "julianday(created_at) < julianday(:stamp)"),
    ("care_cases", "status = 'closed' AND julianday(closed_at) < julianday(:stamp)"),
    ("quiz_answers", "julianday(answered_at) < julianday(:stamp)"),
)


def cutoff(today: date, retention_days: int) -> date:
    """The first day kept: with 60 days of retention on 2020-04-10, 2020-02-10."""
    return date.fromordinal(today.toordinal() - retention_days)


def _args(keep_from: date, tz: tzinfo) -> dict[str, str]:
    return {
        "day": keep_from.isoformat(),
        "stamp": datetime.combine(keep_from, time(0), tzinfo=tz).isoformat(),
    }


def _present(db: Database) -> list[tuple[str, str]]:
    tables = set(db.table_names())
    return [
        (table, where)
        for table, where in PURGED
        if table in tables and not (where.startswith("day") and "day" not in db[table].columns_dict)
    ]


def would_purge(db: Database, keep_from: date, tz: tzinfo) -> dict[str, int]:
    """What `purge` would remove, counted without changing anything (`pingan purge --dry-run`)."""
    args = _args(keep_from, tz)
    out = {
        table: db.execute(f"SELECT count(*) FROM {table} WHERE {where}", args).fetchone()[0]
        for table, where in _present(db)
    }
    already = json_true(db, "json_extract(detail, '$.redacted')")
    out["audit_log_redacted"] = db.execute(
        "SELECT count(*) FROM audit_log WHERE julianday(at) < julianday(:stamp)"
        f" AND (NOT json_valid(detail) OR NOT {already})",
        args,
    ).fetchone()[0]
    return out


def purge(db: Database, keep_from: date, tz: tzinfo) -> dict[str, int]:
    """Delete what is older than `keep_from` (a local day); return rows removed per table.

    Does not commit: the caller owns the transaction, so the snapshot and the deletes are
    one atomic step.
    """
    args = _args(keep_from, tz)
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
    for table, where in _present(db):
        removed[table] = db.execute(f"DELETE FROM {table} WHERE {where}", args).rowcount
    removed["audit_log_redacted"] = redact_before(db, args["stamp"])
    return removed
