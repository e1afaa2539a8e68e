"""Follow-up cases: one open case per student from an abnormal report until it is closed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storage.backend import Database
from storage.db import inserted_id


@dataclass(frozen=True, slots=True)
class OpenCase:
    id: int
    person_id: str
    opened_day: str
    reason: str
    last_abnormal_day: str


def open_case(db: Database, person_id: str) -> OpenCase | None:
    row = db.execute(
        "SELECT id, person_id, opened_day, reason, last_abnormal_day FROM cases"
        " WHERE person_id = ? AND status = 'open'",
        [person_id],
    ).fetchone()
    return OpenCase(*row) if row else None


def open_or_extend(
    db: Database, person_id: str, day: str, reason: str, now: datetime
) -> tuple[OpenCase, bool]:
    """Open a case, or move an open one's last abnormal day forward; True when new."""
    case = open_case(db, person_id)
    if case is None:
        cursor = db.execute(
            "INSERT INTO cases (person_id, opened_day, opened_at, reason, last_abnormal_day)"
            " VALUES (?, ?, ?, ?, ?)",
            [person_id, day, now.isoformat(), reason, day],
        )
        return OpenCase(inserted_id(cursor), person_id, day, reason, day), True
    if day > case.last_abnormal_day:
        db.execute("UPDATE cases SET last_abnormal_day = ? WHERE id = ?", [day, case.id])
    return case, False


def close(db: Database, case_id: int, by: str, note: str, now: datetime) -> None:
    db.execute(
        "UPDATE cases SET status = 'closed', closed_at = ?, closed_by = ?, close_note = ?"
        " WHERE id = ? AND status = 'open'",
        [now.isoformat(), by, note, case_id],
    )


def all_open(db: Database) -> list[OpenCase]:
    rows = db.execute(
        "SELECT id, person_id, opened_day, reason, last_abnormal_day FROM cases"
        " WHERE status = 'open' ORDER BY id"
    ).fetchall()
    return [OpenCase(*r) for r in rows]


def normal_days_since(
    db: Database,
    person_id: str,
    after: str,
    until: str,
    is_checkin_day: Callable[[date], bool] = lambda _day: True,
) -> int:
    """Consecutive normal reports from the day after `after` up to `until`.

    A check-in day without a report, or an abnormal one, breaks the run: a case closes on
    evidence of recovery, not on silence. Days off (weekends in a weekdays-only school) are
    skipped unless the student reported anyway.
    """
    reports = {
        day: (abnormal, isolation)
        for day, abnormal, isolation in db.execute(
            "SELECT day, abnormal, isolation FROM reports WHERE person_id = ? AND day > ?"
            " AND day <= ?",
            [person_id, after, until],
        ).fetchall()
    }
    day, last, run = date.fromisoformat(after) + timedelta(days=1), date.fromisoformat(until), 0
    while day <= last:
        found = reports.get(day.isoformat())
        if found is None:
            if is_checkin_day(day):
                break
        elif found[0] != 0 or found[1] is not None:
            break
        else:
            run += 1
        day += timedelta(days=1)
    return run
