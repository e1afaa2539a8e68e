"""Who a person is, as the texts counselors read name them."""

from __future__ import annotations

from storage.backend import Database


def student_of(db: Database, person_id: str) -> tuple[str, int | None, str]:
    """(name, class id, class name) of a person; the class name is '' for staff."""
    row = db.execute(
        "SELECT p.name, p.class_id, coalesce(n.name, '') FROM people p"
        " LEFT JOIN nodes n ON n.id = p.class_id WHERE p.id = ?",
        [person_id],
    ).fetchone()
    return row[0], row[1], row[2]
