"""心理 cases: one open case per student from a self-harm message until a person closes it.

A table of its own (not `cases`): health cases are exported in the ledger, listed on the Key
groups page for every staff role and followed up each morning with a health question; a 心理
case is read only by the counselor, the duty counselor and the psychologists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.backend import Database
from storage.db import inserted_id


@dataclass(frozen=True, slots=True)
class CareCase:
    id: int
    person_id: str
    name: str
    class_id: int | None
    class_name: str
    opened_day: str
    last_day: str


_SELECT = """
    SELECT c.id, c.person_id, p.name, p.class_id, coalesce(n.name, ''), c.opened_day, c.last_day
    FROM care_cases c JOIN people p ON p.id = c.person_id LEFT JOIN nodes n ON n.id = p.class_id
"""


def open_or_extend(
    db: Database, person_id: str, day: str, now: datetime
) -> tuple[int, bool]:
    """The student's open 心理 case id (opened now when there is none); True when new."""
    row = db.execute(
        "SELECT id, last_day FROM care_cases WHERE person_id = ? AND status = 'open'", [person_id]
    ).fetchone()
    if row is not None:
        if day > row[1]:
            db.execute("UPDATE care_cases SET last_day = ? WHERE id = ?", [day, row[0]])
        return row[0], False
    cursor = db.execute(
        "INSERT INTO care_cases (person_id, opened_day, opened_at, last_day) VALUES (?, ?, ?, ?)",
        [person_id, day, now.isoformat(), day],
    )
    return inserted_id(cursor), True


def open_cases(db: Database) -> list[CareCase]:
    rows = db.execute(_SELECT + " WHERE c.status = 'open' ORDER BY c.id").fetchall()
    return [CareCase(*r) for r in rows]


def close(db: Database, case_id: int, by: str, note: str, now: datetime) -> bool:
    cursor = db.execute(
        "UPDATE care_cases SET status = 'closed', closed_at = ?, closed_by = ?, close_note = ?"
        " WHERE id = ? AND status = 'open'",
        [now.isoformat(), by, note, case_id],
    )
    return cursor.rowcount == 1
