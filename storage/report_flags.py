"""Marks on a day's report that a counselor should look at (table `report_flags`).

- `late` (迟报): the report was first recorded after the class's window closed;
- `contradiction`: the report contradicts itself (36.2℃ with 发热);
- `tag_conflict`: the report contradicts the student's key group (留校 but 在家 河北).

The last two are recomputed whenever the report changes (a correction may settle them);
`late` is set once, when the report is first recorded, and stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from storage.backend import Database

LATE = "late"
CONTRADICTION = "contradiction"
TAG_CONFLICT = "tag_conflict"
#: The flags that come from a report's content, replaced on every change.
CONTENT_FLAGS = (CONTRADICTION, TAG_CONFLICT)
LABELS = {LATE: "迟报", CONTRADICTION: "待核实", TAG_CONFLICT: "与重点群体不符"}


def mark_late(db: Database, person_id: str, day: str, detail: str, now: datetime):
    db.execute(
        "INSERT INTO report_flags (person_id, day, flag, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [person_id, day, LATE, detail, now.isoformat()],
    )


def replace_content_flags(
    db: Database, person_id: str, day: str, flags: dict[str, str], now: datetime
) -> list[str]:
    """Set the report's content flags to `flags`; return the flags that are new."""
    marks = ",".join("?" * len(CONTENT_FLAGS))
    before = {
        flag: detail
        for flag, detail in db.execute(
            f"SELECT flag, detail FROM report_flags WHERE person_id = ? AND day = ?"
            f" AND flag IN ({marks})",
            [person_id, day, *CONTENT_FLAGS],
        )
    }
    db.execute(
        f"DELETE FROM report_flags WHERE person_id = ? AND day = ? AND flag IN ({marks})",
        [person_id, day, *CONTENT_FLAGS],
    )
    db.conn.executemany(
        "INSERT INTO report_flags (person_id, day, flag, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(person_id, day, flag, detail, now.isoformat()) for flag, detail in flags.items()],
    )
    return [flag for flag, detail in flags.items() if before.get(flag) != detail]


def flags_between(
    db: Database, first: str, last: str, person_ids: Iterable[str] | None = None
) -> dict[tuple[str, str], dict[str, str]]:
    """(person id, day) → {flag: detail} for the days first..last (ISO, inclusive)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    wanted = set(person_ids) if person_ids is not None else None
    for person_id, day, flag, detail in db.execute(
        "SELECT person_id, day, flag, detail FROM report_flags WHERE day BETWEEN ? AND ?"
        " ORDER BY person_id, day, flag",
        [first, last],
    ):
        if wanted is None or person_id in wanted:
            out.setdefault((person_id, day), {})[flag] = detail
    return out


def flags_on(
    db: Database, day: str, class_ids: Iterable[int]
) -> list[tuple[str, int, str, str]]:
    """(name, class id, flag, detail) of the day's flagged reports in the classes, by class
    and name: the lines a counselor's summary lists."""
    ids = sorted(set(class_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [
        (name, class_id, flag, detail)
        for name, class_id, flag, detail in db.execute(
            f"""SELECT p.name, p.class_id, f.flag, f.detail FROM report_flags f
                JOIN people p ON p.id = f.person_id
                WHERE f.day = ? AND p.active = 1 AND p.class_id IN ({marks})
                ORDER BY p.class_id, p.name, p.id""",
            [day, *ids],
        )
    ]
