"""Who has reported: the status of every node for one day, from a few set-based queries.

Used by the scheduled nags and summaries, the chat commands (/未报, /统计) and the dashboard,
so all of them count the same way:

- **expected (应报)**: active students (people with a class) under the node, not on leave;
- **reported (实报)**: expected students with a report that day;
- **missing (未报)**: expected minus reported, with names and bound chat accounts (for @);
- **on leave (请假)**: active students under the node with a leave covering the day;
- **abnormal (异常)**: active students under the node whose report that day is abnormal
  (on leave or not: health is followed up either way), with temperature and symptoms;
- **key groups (重点群体)**: per tag active that day, how many, reported, abnormal.

A node's students are those whose class (or dorm, for dorm nodes) lies in its subtree. The
counts are additive, so they are computed once per class/dorm with GROUP BY and rolled up
the tree in Python: a whole school is a handful of queries and a walk over its nodes, linear
in students. `day_status(db, day)` computes everything once for a day; `node_status(db,
node_id, day)` is the one-node convenience for commands.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from storage.backend import Database
from storage.dialect import driving_join
from storage.keygroups import ACTIVE as KEY_GROUP_ACTIVE
from storage.nodes import Node
from storage.status_types import (
    AbnormalCase,
    Account,
    Counts,
    LeaveCase,
    NodeStatus,
    Student,
    TagCounts,
)

__all__ = [
    "AbnormalCase",
    "Account",
    "Counts",
    "DayStatus",
    "History",
    "LeaveCase",
    "Node",
    "NodeStatus",
    "Student",
    "TagCounts",
    "day_status",
    "history",
    "load_nodes",
    "node_status",
    "save_daily_counts",
    "unit_counts",
]


def load_nodes(db: Database) -> dict[int, Node]:
    return {
        row[0]: Node(*row)
        for row in db.execute("SELECT id, path, name, kind, parent_id FROM nodes ORDER BY path")
    }


_LEAVE = "SELECT DISTINCT person_id FROM leaves WHERE start_day <= :day AND end_day >= :day"
_STUDENTS = "p.active = 1 AND p.class_id IS NOT NULL"


def unit_counts(db: Database, day: str, unit: str = "class_id") -> dict[int, Counts]:
    """Counts per class (unit='class_id') or per dorm (unit='dorm_id').

    Three GROUP BYs, each driven by its smallest side (CROSS JOIN fixes SQLite's join
    order): active students per unit, the day's reports per unit, leaves per unit; then
    expected = students - on leave, reported = reports - reports of people on leave.
    """
    if unit not in ("class_id", "dorm_id"):
        raise ValueError(unit)
    args = {"day": day}
    join = driving_join(db)
    out: dict[int, Counts] = {}
    for key, students in db.execute(
        f"SELECT p.{unit}, COUNT(*) FROM people p WHERE {_STUDENTS} AND p.{unit} IS NOT NULL"
        f" GROUP BY p.{unit}"
    ):
        out[key] = Counts(expected=students)
    for key, reports, abnormal in db.execute(
        f"""SELECT p.{unit}, COUNT(*), COUNT(*) FILTER (WHERE r.abnormal = 1)
            FROM reports r {join} people p ON p.id = r.person_id
            WHERE r.day = :day AND {_STUDENTS} AND p.{unit} IS NOT NULL
            GROUP BY p.{unit}""",
        args,
    ):
        out[key].reported, out[key].abnormal = reports, abnormal or 0
    for key, on_leave, reported in db.execute(
        f"""SELECT p.{unit}, COUNT(*), COUNT(r.person_id)
            FROM ({_LEAVE}) l {join} people p ON p.id = l.person_id
            LEFT JOIN reports r ON r.person_id = p.id AND r.day = :day
            WHERE {_STUDENTS} AND p.{unit} IS NOT NULL
            GROUP BY p.{unit}""",
        args,
    ):
        c = out[key]
        c.expected -= on_leave
        c.reported -= reported
        c.on_leave = on_leave
    return out


class DayStatus:
    """The status of every node on one day, computed with a few queries and rolled up.

    Build it with `day_status(db, day)`; then `counts(node_id)` is O(1) after the first
    roll-up and `node(node_id)` gathers the lists of the node's subtree.
    """

    def __init__(self, db: Database, day: str, previous_day: str | None) -> None:
        self.day = day
        self.nodes = load_nodes(db)
        self.children: dict[int, list[int]] = defaultdict(list)
        for n in self.nodes.values():
            if n.parent_id is not None:
                self.children[n.parent_id].append(n.id)
        self._units = unit_counts(db, day)
        if any(n.kind == "dorm" for n in self.nodes.values()):
            self._units.update(unit_counts(db, day, "dorm_id"))
        self._previous_units = unit_counts(db, previous_day) if previous_day else None
        self._rolled: dict[int, Counts] = {}
        self._rolled_previous: dict[int, Counts] = {}
        self._db = db
        self._on_leave: set[str] = set()
        self._missing: dict[int, list[Student]] | None = None  # loaded on first use
        self._load_lists(db)

    def _load_lists(self, db: Database) -> None:
        args = {"day": self.day}
        join = driving_join(db)
        self._leave: dict[int, list[LeaveCase]] = defaultdict(list)
        for pid, name, class_id, dorm_id, reason, end_day in db.execute(
            f"""
            SELECT p.id, p.name, p.class_id, p.dorm_id, l.reason, l.end_day
            FROM (SELECT person_id, reason, end_day, ROW_NUMBER() OVER (
                      PARTITION BY person_id ORDER BY end_day DESC, id DESC) AS nth
                  FROM leaves WHERE start_day <= :day AND end_day >= :day) l
            {join} people p ON p.id = l.person_id
            WHERE l.nth = 1 AND {_STUDENTS}
            ORDER BY p.class_id, p.id
            """,
            args,
        ):
            leave = LeaveCase(pid, name, class_id, reason, end_day)
            self._on_leave.add(pid)
            self._leave[class_id].append(leave)
            if dorm_id is not None:
                self._leave[dorm_id].append(leave)
        self._abnormal: dict[int, list[AbnormalCase]] = defaultdict(list)
        for (
            pid, name, class_id, dorm_id, temperature, symptoms, on_campus, province, isolation,
            proxy,
        ) in db.execute(
            f"""
            SELECT p.id, p.name, p.class_id, p.dorm_id, r.temperature, r.symptoms,
                   r.on_campus, r.province, r.isolation, r.proxy
            FROM reports r {join} people p ON p.id = r.person_id
            WHERE r.day = :day AND r.abnormal = 1 AND {_STUDENTS}
            ORDER BY p.class_id, p.id
            """,
            args,
        ):  # fmt: skip
            case = AbnormalCase(
                pid, name, class_id, temperature, tuple(json.loads(symptoms or "[]")),
                None if on_campus is None else bool(on_campus), province, isolation, bool(proxy),
            )  # fmt: skip
            self._abnormal[class_id].append(case)
            if dorm_id is not None:
                self._abnormal[dorm_id].append(case)
        self._tags: dict[int, dict[str, TagCounts]] = defaultdict(dict)
        for unit, tag, total, reported, abnormal in db.execute(
            f"""
            SELECT p.class_id, t.tag, COUNT(*), COUNT(r.person_id),
                   COUNT(*) FILTER (WHERE r.abnormal = 1)
            FROM tags t JOIN people p ON p.id = t.person_id
            LEFT JOIN reports r ON r.person_id = p.id AND r.day = :day
            WHERE {KEY_GROUP_ACTIVE} AND {_STUDENTS}
            GROUP BY p.class_id, t.tag
            """,
            args,
        ):
            self._tags[unit][tag] = TagCounts(total, reported, abnormal)

    def _missing_by_unit(self) -> dict[int, list[Student]]:
        """The missing students with their accounts, per class and dorm (one query)."""
        if self._missing is not None:
            return self._missing
        self._missing = defaultdict(list)
        for pid, name, class_id, dorm_id, nags, accounts in self._db.execute(
            f"""
            SELECT p.id, p.name, p.class_id, p.dorm_id, p.private_nags,
                   (SELECT group_concat(a.platform || :tab || a.account_id, :newline)
                    FROM accounts a WHERE a.person_id = p.id AND a.confirmed = 1)
            FROM people p
            WHERE {_STUDENTS}
              AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.person_id = p.id AND r.day = :day)
            ORDER BY p.class_id, p.id
            """,
            {"day": self.day, "tab": "\t", "newline": "\n"},
        ):
            if pid in self._on_leave:
                continue
            accs = tuple(
                Account(*pair.split("\t", 1)) for pair in accounts.split("\n")
            ) if accounts else ()  # fmt: skip
            student = Student(pid, name, class_id, accs, bool(nags))
            self._missing[class_id].append(student)
            if dorm_id is not None:
                self._missing[dorm_id].append(student)
        return self._missing

    def subtree(self, node_id: int) -> list[int]:
        """The node and all its descendants, depth first."""
        out, stack = [], [node_id]
        while stack:
            nid = stack.pop()
            out.append(nid)
            stack.extend(reversed(self.children.get(nid, ())))
        return out

    def _roll(self, node_id: int, units: dict[int, Counts], memo: dict[int, Counts]) -> Counts:
        if node_id in memo:
            return memo[node_id]
        total = Counts()
        own = units.get(node_id)
        if own is not None:
            total.add(own)
        for child in self.children.get(node_id, ()):
            total.add(self._roll(child, units, memo))
        memo[node_id] = total
        return total

    def counts(self, node_id: int) -> Counts:
        return self._roll(node_id, self._units, self._rolled)

    def previous_counts(self, node_id: int) -> Counts | None:
        if self._previous_units is None:
            return None
        return self._roll(node_id, self._previous_units, self._rolled_previous)

    def node(self, node_id: int, *, missing: bool = True) -> NodeStatus:
        """The full status of one node: counts, lists of its subtree, key groups, change.

        `missing=False` leaves the missing list empty (a school-wide roll-up needs only the
        count), sparing the one query that touches every student.
        """
        ids = self.subtree(node_id)
        by_unit = self._missing_by_unit() if missing else {}
        tags: dict[str, TagCounts] = {}
        for nid in ids:
            for tag, tc in self._tags.get(nid, {}).items():
                acc = tags.setdefault(tag, TagCounts())
                acc.total += tc.total
                acc.reported += tc.reported
                acc.abnormal += tc.abnormal
        return NodeStatus(
            node=self.nodes[node_id],
            day=self.day,
            counts=self.counts(node_id),
            missing=[s for nid in ids for s in by_unit.get(nid, ())],
            on_leave=[c for nid in ids for c in self._leave.get(nid, ())],
            abnormal=[c for nid in ids for c in self._abnormal.get(nid, ())],
            key_groups=dict(sorted(tags.items())),
            previous=self.previous_counts(node_id),
        )

    def roots(self) -> list[int]:
        return [n.id for n in self.nodes.values() if n.parent_id is None and n.kind != "dorm"]

    def school_counts(self) -> Counts:
        """The whole school: every root of the class hierarchy (dorm trees counted apart)."""
        total = Counts()
        for root in self.roots():
            total.add(self.counts(root))
        return total


def day_status(db: Database, day: str, previous_day: str | None = None) -> DayStatus:
    """Status of every node on `day`; `previous_day` (e.g. the last check-in day) for change."""
    return DayStatus(db, day, previous_day)


def node_status(
    db: Database, node_id: int, day: str, previous_day: str | None = None
) -> NodeStatus:
    """Status of one node on `day`; the previous day defaults to the calendar day before."""
    if previous_day is None:
        previous_day = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    return day_status(db, day, previous_day).node(node_id)


def save_daily_counts(db: Database, status: DayStatus) -> int:
    """Snapshot every node's counts for the day into daily_counts (what the purge keeps);
    return how many rows changed. Only those are written: the duty roll-up right after the
    summaries finds every row current, and a large school's tens of thousands of nodes are
    written a few hundred to a statement."""
    saved = {
        node_id: tuple(counts)
        for node_id, *counts in db.execute(
            "SELECT node_id, expected, reported, abnormal, on_leave FROM daily_counts"
            " WHERE day = ?",
            [status.day],
        )
    }
    rows = [
        (status.day, nid, *now)
        for nid in status.nodes
        for c in [status.counts(nid)]
        for now in [(c.expected, c.reported, c.abnormal, c.on_leave)]
        if saved.get(nid) != now
    ]
    for i in range(0, len(rows), DAILY_ROWS):
        part = rows[i : i + DAILY_ROWS]
        db.execute(
            f"""INSERT INTO daily_counts (day, node_id, expected, reported, abnormal, on_leave)
               VALUES {", ".join("(?, ?, ?, ?, ?, ?)" for _ in part)}
               ON CONFLICT(day, node_id) DO UPDATE SET expected = excluded.expected,
                 reported = excluded.reported, abnormal = excluded.abnormal,
                 on_leave = excluded.on_leave""",
            [value for row in part for value in row],
        )
    return len(rows)


DAILY_ROWS = 140  # rows a statement: under the 4 KB psycopg parses once (schedules/runs.py)


@dataclass(slots=True)
class History:
    """Completion per node per day, from the daily_counts snapshots (for the chart)."""

    days: list[str]
    rates: dict[int, list[float | None]] = field(default_factory=dict)


def history(db: Database, node_ids: list[int], days: list[str]) -> History:
    """Completion 实报/应报 of each node on each day; None where no snapshot exists."""
    out = History(days, {nid: [None] * len(days) for nid in node_ids})
    if not node_ids or not days:
        return out
    index = {d: i for i, d in enumerate(days)}
    wanted = set(node_ids)
    for day, node_id, expected, reported in db.execute(
        "SELECT day, node_id, expected, reported FROM daily_counts WHERE day BETWEEN ? AND ?",
        [min(days), max(days)],
    ):
        if node_id in wanted and day in index and expected:
            out.rates[node_id][index[day]] = reported / expected
    return out
