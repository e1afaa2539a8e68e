"""Read-only queries behind the dashboard: counts per node and one row per student.

Counts are storage/status.py's, the ones the nags and summaries in chat use, so a counselor
reads the same 应报/实报 on the dashboard as in the group: one grouped query per day, rolled
up the tree here. 应报 excludes those on leave, who are counted apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot.web.tree import Node, Tree
from storage.backend import Database
from storage.report_flags import LATE, flags_between
from storage.status import Counts


def percent(counts: Counts) -> float | None:
    """Completion 实报/应报 in percent; None when nobody is expected (all on leave, or empty)."""
    return None if counts.rate is None else 100.0 * counts.rate


def node_counts(tree: Tree, node: Node, per_class: dict[int, Counts]) -> Counts:
    total = Counts()
    for cls in tree.classes_under(node):
        total.add(per_class.get(cls.id, Counts()))
    return total


@dataclass(slots=True)
class StudentRow:
    """One person on one day, as the counselor sees them."""

    person_id: str
    name: str
    class_id: int
    dorm: str | None
    status: str  # reported | missing | leave
    leave_reason: str = ""
    reported_at: str = ""  # HH:MM local, first report of the day
    updated_at: str = ""  # HH:MM local when corrected later
    temperature: float | None = None
    abnormal: bool | None = None
    symptoms: list[str] = field(default_factory=list)
    on_campus: bool | None = None
    province: str | None = None
    isolation: str | None = None
    source: str = ""
    proxy: bool = False
    posted_by: str = ""  # who posted a 代报: a name, or the account of an unbound poster
    phone: str | None = None  # roster 电话 and 家长电话: shown to staff only
    parent_phone: str | None = None
    flags: dict[str, str] = field(default_factory=dict)  # storage/report_flags.py

    @property
    def late(self) -> bool:
        return self.source == "补报"

    @property
    def overdue(self) -> str:
        """迟报: when the report came after the window closed ('' when it did not)."""
        return self.flags.get(LATE, "")

    @property
    def to_check(self) -> list[str]:
        """What contradicts itself or the key group (health details: staff only)."""
        return [detail for flag, detail in self.flags.items() if flag != LATE]


def _hhmm(stamp: str | None, tz: tzinfo) -> str:
    if not stamp:
        return ""
    return f"{datetime.fromisoformat(stamp).astimezone(tz):%H:%M}"


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def student_rows(
    db: Database,
    day: str,
    class_ids: list[int],
    tz: tzinfo,
    *,
    only: str | None = None,
) -> list[StudentRow]:
    """Rows for the people of the given classes; `only` = 'missing' or 'abnormal' filters.

    Ordered by class then name, the order a counselor reads a class list in.
    """
    if not class_ids:
        return []
    marks = ",".join("?" * len(class_ids))
    where = ""
    if only == "missing":
        where = "AND r.person_id IS NULL"
    elif only == "abnormal":
        where = "AND r.abnormal = 1"
    rows = db.execute(
        f"""
        SELECT p.id, p.name, p.class_id, d.name, r.person_id IS NOT NULL,
               (SELECT reason FROM leaves WHERE person_id = p.id AND start_day <= ?
                  AND end_day >= ? ORDER BY id DESC LIMIT 1),
               r.created_at, r.updated_at, r.revision, r.temperature, r.abnormal, r.symptoms,
               r.on_campus, r.province, r.isolation, r.source, r.proxy,
               coalesce(poster.name, CASE WHEN r.proxy = 1 THEN r.posted_account END),
               p.phone, p.parent_phone
        FROM people p
        LEFT JOIN nodes d ON d.id = p.dorm_id
        LEFT JOIN reports r ON r.person_id = p.id AND r.day = ?
        LEFT JOIN people poster ON poster.id = r.posted_by
        WHERE p.active = 1 AND p.class_id IN ({marks}) {where}
        ORDER BY p.class_id, p.name, p.id
        """,
        [day, day, day, *class_ids],
    ).fetchall()
    flags = flags_between(db, day, day, (r[0] for r in rows))
    out: list[StudentRow] = []
    for (
        pid, name, class_id, dorm, reported, leave, created, updated, revision,
        temperature, abnormal, symptoms, on_campus, province, isolation, source, proxy, poster,
        phone, parent_phone,
    ) in rows:  # fmt: skip
        if only == "missing" and leave is not None:
            continue
        status = "reported" if reported else ("leave" if leave is not None else "missing")
        out.append(
            StudentRow(
                person_id=pid,
                name=name,
                class_id=class_id,
                dorm=dorm,
                status=status,
                leave_reason=leave or "",
                reported_at=_hhmm(created, tz),
                updated_at=_hhmm(updated, tz) if revision and revision > 1 else "",
                temperature=temperature,
                abnormal=_flag(abnormal),
                symptoms=json.loads(symptoms) if symptoms else [],
                on_campus=_flag(on_campus),
                province=province,
                isolation=isolation,
                source=source or "",
                proxy=bool(proxy),
                posted_by=poster or "",
                phone=phone,
                parent_phone=parent_phone,
                flags=flags.get((pid, day), {}),
            )
        )
    return out
