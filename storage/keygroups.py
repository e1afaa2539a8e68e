"""Key groups (重点群体): tags with a start day and an observation period.

A tag is under observation on day D when start_day <= D and D is within the period (day N of
period_days, N from 1) and D is before `ended_day` (the first day off observation, set by
hand or by `end_expired`). Period 0 means no automatic end
(留校 is a state, not an observation). `end_expired` writes the automatic end into
`ended_day`, so the ledger and summaries show when observation stopped; what is active on a
day is nonetheless a pure function of the row and the day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from storage.backend import Database

# SQL condition: tag row `t` is under observation on day :day.
ACTIVE = """
    t.start_day <= :day
    AND (t.ended_day IS NULL OR :day < t.ended_day)
    AND (t.period_days = 0 OR :day <= date(t.start_day, '+' || (t.period_days - 1) || ' days'))
"""


@dataclass(frozen=True, slots=True)
class Observed:
    """One tagged student on one day, with that day's report (None: not reported)."""

    day: str
    person_id: str
    name: str
    class_path: str | None
    tag: str
    start_day: str
    period_days: int
    day_number: int  # 1 on the start day
    report: dict | None
    on_leave: bool

    @property
    def progress(self) -> str:
        """第3/14天, or 第3天 when the tag has no end."""
        if self.period_days:
            return f"第{self.day_number}/{self.period_days}天"
        return f"第{self.day_number}天"

    @property
    def last_day(self) -> str | None:
        if not self.period_days:
            return None
        start = date.fromisoformat(self.start_day)
        return (start + timedelta(days=self.period_days - 1)).isoformat()


def set_tag(
    db: Database,
    person_id: str,
    tag: str,
    start_day: str,
    period_days: int,
    source: str,
) -> None:
    """Tag a student, or restart an existing tag's observation from `start_day`."""
    db.execute(
        """
        INSERT INTO tags (person_id, tag, start_day, period_days, ended_day, source)
        VALUES (?, ?, ?, ?, NULL, ?)
        ON CONFLICT(person_id, tag) DO UPDATE SET start_day = excluded.start_day,
            period_days = excluded.period_days, ended_day = NULL, source = excluded.source
        """,
        [person_id, tag, start_day, period_days, source],
    )


def end_expired(db: Database, day: str) -> list[tuple[str, str, str]]:
    """Record the automatic end of every observation whose period is over by `day`.

    `ended_day` is the first day no longer under observation (start + period), the reading
    storage/status.py uses too. Returns (person_id, tag, ended_day) for each one ended now;
    running it twice is harmless.
    """
    rows = db.execute(
        """
        SELECT person_id, tag, date(start_day, '+' || period_days || ' days') AS ended
        FROM tags
        WHERE ended_day IS NULL AND period_days > 0
          AND date(start_day, '+' || period_days || ' days') <= ?
        ORDER BY person_id, tag
        """,
        [day],
    ).fetchall()
    for person_id, tag, ended in rows:
        db.execute(
            "UPDATE tags SET ended_day = ? WHERE person_id = ? AND tag = ?", [ended, person_id, tag]
        )
    return [(r[0], r[1], r[2]) for r in rows]


def end_tag(db: Database, person_id: str, tag: str, day: str) -> bool:
    """End an observation by hand: not observed from `day` on. False when none was running."""
    cursor = db.execute(
        "UPDATE tags SET ended_day = ? WHERE person_id = ? AND tag = ?"
        " AND (ended_day IS NULL OR ended_day > ?)",
        [day, person_id, tag, day],
    )
    return cursor.rowcount == 1


class _ObservedRow(NamedTuple):
    """observed_on's SELECT, column by column (the report's columns are NULL: not reported)."""

    day: str
    person_id: str
    name: str
    class_path: str | None
    tag: str
    start_day: str
    period_days: int
    day_number: int
    temperature: float | None
    abnormal: int | None
    symptoms: str | None
    on_campus: int | None
    province: str | None
    isolation: str | None
    source: str | None
    on_leave: int


def observed_on(
    db: Database, day: str, class_ids: set[int] | None = None
) -> list[Observed]:
    """Every tagged student under observation on `day` (within the classes given, or all),
    with that day's report: the daily key-group ledger line."""
    params: dict[str, object] = {"day": day}
    where = ""
    if class_ids is not None:
        if not class_ids:
            return []
        params.update({f"c{i}": v for i, v in enumerate(sorted(class_ids))})
        where = f" AND p.class_id IN ({','.join(f':c{i}' for i in range(len(class_ids)))})"
    sql = f"""
        SELECT :day, t.person_id, p.name, n.path, t.tag, t.start_day, t.period_days,
               CAST(julianday(:day) - julianday(t.start_day) AS INTEGER) + 1,
               r.temperature, r.abnormal, r.symptoms, r.on_campus, r.province, r.isolation,
               r.source,
               EXISTS (SELECT 1 FROM leaves l WHERE l.person_id = t.person_id
                       AND l.start_day <= :day AND :day <= l.end_day)
        FROM tags t JOIN people p ON p.id = t.person_id
        LEFT JOIN nodes n ON n.id = p.class_id
        LEFT JOIN reports r ON r.person_id = t.person_id AND r.day = :day
        WHERE p.active = 1 AND {ACTIVE} {where}
        ORDER BY t.tag, n.path, t.person_id
    """
    out = []
    for row in map(_ObservedRow._make, db.execute(sql, params).fetchall()):
        report = None
        if row.source is not None:
            report = {
                "temperature": row.temperature,
                "abnormal": None if row.abnormal is None else int(row.abnormal),
                "symptoms": json.loads(row.symptoms or "[]"),
                "on_campus": None if row.on_campus is None else int(row.on_campus),
                "province": row.province,
                "isolation": row.isolation,
                "source": row.source,
            }
        out.append(
            Observed(
                row.day, row.person_id, row.name, row.class_path, row.tag, row.start_day,
                row.period_days, row.day_number, report=report, on_leave=bool(row.on_leave),
            )
        )
    return out


def unlisted_tags(db: Database, listed: list[str], day: str) -> dict[str, int]:
    """Tags under observation on `day` that config key_groups.tags does not list (set before
    the roster import checked them), with how many students carry each: /重点 cannot
    name them, so the admin is told at start."""
    return {
        tag: count
        for tag, count in db.execute(
            f"SELECT t.tag, count(*) FROM tags t WHERE {ACTIVE} GROUP BY t.tag ORDER BY t.tag",
            {"day": day},
        )
        if tag not in listed
    }
