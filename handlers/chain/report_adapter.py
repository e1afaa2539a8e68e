"""TEMPORARY adapter: the chain engine's two report writes, until storage/reports.py lands.

The foundation branch owns report upserts (with history and 代报). This module keeps the
chain's two calls in one place so that switching to it is a two-line change:
`save_chain_report` (upsert keyed by person and day, previous version into report_history)
and `withdraw_chain_report` (a student removed their own line: their chain report goes).
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from handlers.parse import Entry

_FIELDS = (
    "person_id, day, class_id, temperature, abnormal, symptoms, on_campus, province, isolation,"
    " source, message_key, posted_by, proxy, created_at, updated_at, revision"
)


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _to_history(db: sqlite_utils.Database, person_id: str, day: str, now: datetime) -> int:
    """Copy the current report to report_history; return its revision (0 when none)."""
    cursor = db.execute(
        f"SELECT {_FIELDS} FROM reports WHERE person_id = ? AND day = ?", [person_id, day]
    )
    row = cursor.fetchone()
    if row is None:
        return 0
    fields = dict(zip([d[0] for d in cursor.description], row, strict=True))
    db.execute(
        "INSERT INTO report_history (person_id, day, revision, fields, replaced_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            person_id,
            day,
            fields["revision"],
            json.dumps(fields, ensure_ascii=False),
            now.isoformat(),
        ],
    )
    return fields["revision"]


def save_chain_report(
    db: sqlite_utils.Database,
    *,
    person_id: str,
    day: str,
    class_id: int | None,
    entry: Entry,
    message_key: str,
    posted_by: str | None,
    proxy: bool,
    now: datetime,
) -> int:
    """Upsert the person's report for the day from a chain line; return its revision."""
    revision = _to_history(db, person_id, day, now) + 1
    stamp = now.isoformat()
    db.execute(
        """
        INSERT INTO reports (person_id, day, class_id, temperature, abnormal, symptoms,
            on_campus, province, isolation, source, message_key, posted_by, proxy,
            created_at, updated_at, revision)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'chain', ?, ?, ?, ?, ?, ?)
        ON CONFLICT (person_id, day) DO UPDATE SET
            class_id = excluded.class_id, temperature = excluded.temperature,
            abnormal = excluded.abnormal, symptoms = excluded.symptoms,
            on_campus = excluded.on_campus, province = excluded.province,
            isolation = excluded.isolation, source = 'chain',
            message_key = excluded.message_key, posted_by = excluded.posted_by,
            proxy = excluded.proxy, updated_at = excluded.updated_at,
            revision = excluded.revision
        """,
        [
            person_id,
            day,
            class_id,
            entry.temperature,
            _bool(entry.abnormal),
            json.dumps(entry.symptoms, ensure_ascii=False),
            _bool(entry.on_campus),
            entry.province,
            entry.isolation,
            message_key,
            posted_by,
            int(proxy),
            stamp,
            stamp,
            revision,
        ],
    )
    return revision


def withdraw_chain_report(
    db: sqlite_utils.Database, person_id: str, day: str, now: datetime
) -> bool:
    """Remove the person's report for the day when it came from a chain; True if removed.

    A report the student gave another way (free text, 补报) is not the chain's to remove.
    """
    row = db.execute(
        "SELECT source FROM reports WHERE person_id = ? AND day = ?", [person_id, day]
    ).fetchone()
    if row is None or row[0] != "chain":
        return False
    _to_history(db, person_id, day, now)
    db.execute("DELETE FROM reports WHERE person_id = ? AND day = ?", [person_id, day])
    return True
