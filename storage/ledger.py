"""What the ledger (台账) shows, loaded in a handful of queries for a scope and a date range.

The workbook writer (storage/ledger_xlsx.py) only formats; everything it prints comes from
`load`. Counts in the summary sheet are computed from the same rows the class sheets show, so
the two can never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from storage.backend import Database
from storage.keygroups import Observed, observed_on
from storage.nodes import Node
from storage.quiz import QuizClassRow, quiz_rows
from storage.report_flags import flags_between

SOURCE_LABELS = {"free": "自报", "chain": "接龙", "补报": "补报", "更正": "更正"}
ISOLATION_LABELS = {"home": "居家隔离", "central": "集中隔离", "unspecified": "隔离"}


@dataclass(frozen=True, slots=True)
class Student:
    id: str
    name: str
    class_id: int
    dorm: str | None
    phone: str | None = None
    parent_phone: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    person_id: str
    name: str
    class_path: str | None
    opened_day: str
    reason: str
    last_abnormal_day: str
    status: str
    closed_at: str | None
    closed_by: str | None
    close_note: str | None


@dataclass(slots=True)
class Ledger:
    days: list[str]
    nodes: list[Node]  # colleges, grades and classes in scope, by path
    students: dict[int, list[Student]]  # class id → students, by 学号
    reports: dict[tuple[str, str], dict]  # (学号, day) → report row
    leaves: dict[str, list[tuple[str, str, str]]]  # 学号 → (start, end, reason)
    names: dict[str, str]  # person id → name, for 补报/代报 marks
    tags: dict[str, list[str]]  # 学号 → tags under observation on the last day
    observed: dict[str, list[Observed]] = field(default_factory=dict)  # tag → lines, by day
    cases: list[Case] = field(default_factory=list)
    flags: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (学号, day)
    quiz: list[QuizClassRow] = field(default_factory=list)  # the 知识竞答 sheet

    @property
    def classes(self) -> list[Node]:
        return [n for n in self.nodes if n.kind == "class"]

    def on_leave(self, person_id: str, day: str) -> bool:
        return any(s <= day <= e for s, e, _ in self.leaves.get(person_id, ()))

    def status(self, person_id: str, day: str) -> str:
        """One word per student-day: 正常, 异常, 已报 (no health word), 请假 or 未报."""
        report = self.reports.get((person_id, day))
        if report is None:
            return "请假" if self.on_leave(person_id, day) else "未报"
        if report["abnormal"] == 1:
            return "异常"
        return "正常" if report["abnormal"] == 0 else "已报"

    def classes_under(self, node: Node) -> list[int]:
        prefix = node.path + "/"
        return [n.id for n in self.classes if n.id == node.id or n.path.startswith(prefix)]


def days_between(start: str, end: str) -> list[str]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if last < first:
        raise ValueError(f"结束日期 {end} 早于开始日期 {start}")
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def place(report: dict) -> str:
    """在校 · 湖北 · 居家隔离: where the student said they are."""
    parts = []
    if report["on_campus"] is not None:
        parts.append("在校" if report["on_campus"] else "在家")
    if report["province"]:
        parts.append(report["province"])
    if report["isolation"]:
        parts.append(ISOLATION_LABELS.get(report["isolation"], report["isolation"]))
    return " ".join(parts)


def _marks(ids: list[int]) -> str:
    return ",".join("?" * len(ids)) or "NULL"


def load(db: Database, days: list[str], node_ids: set[int]) -> Ledger:
    """Everything the workbook shows for the nodes in `node_ids` (already scope-expanded)."""
    ids = sorted(node_ids)
    nodes = [
        Node(*r)
        for r in db.execute(
            f"SELECT id, path, name, kind, parent_id FROM nodes WHERE id IN ({_marks(ids)})"
            " AND kind IN ('school', 'college', 'grade', 'class') ORDER BY path",
            ids,
        ).fetchall()
    ]
    class_ids = [n.id for n in nodes if n.kind == "class"]
    students: dict[int, list[Student]] = {c: [] for c in class_ids}
    for r in db.execute(
        f"""
        SELECT p.id, p.name, p.class_id, d.name, p.phone, p.parent_phone FROM people p
        LEFT JOIN nodes d ON d.id = p.dorm_id
        WHERE p.active = 1 AND p.class_id IN ({_marks(class_ids)}) ORDER BY p.id
        """,
        class_ids,
    ).fetchall():
        students[r[2]].append(Student(*r))

    reports: dict[tuple[str, str], dict] = {}
    for (
        person_id, day, temperature, abnormal, symptoms, on_campus, province, isolation, source,
        posted_by, proxy, updated_at,
    ) in db.execute(
        f"""
        SELECT r.person_id, r.day, r.temperature, r.abnormal, r.symptoms, r.on_campus,
               r.province, r.isolation, r.source,
               coalesce(r.posted_by, CASE WHEN r.proxy = 1 THEN r.posted_account END),
               r.proxy, r.updated_at
        FROM reports r JOIN people p ON p.id = r.person_id
        WHERE r.day BETWEEN ? AND ? AND p.active = 1 AND p.class_id IN ({_marks(class_ids)})
        """,
        [days[0], days[-1], *class_ids],
    ).fetchall():  # fmt: skip
        reports[(person_id, day)] = {
            "temperature": temperature,
            "abnormal": abnormal,
            "symptoms": json.loads(symptoms),
            "on_campus": on_campus,
            "province": province,
            "isolation": isolation,
            "source": source,
            "posted_by": posted_by,
            "proxy": proxy,
            "updated_at": updated_at,
        }

    leaves: dict[str, list[tuple[str, str, str]]] = {}
    for r in db.execute(
        f"""
        SELECT l.person_id, l.start_day, l.end_day, l.reason FROM leaves l
        JOIN people p ON p.id = l.person_id
        WHERE l.end_day >= ? AND l.start_day <= ? AND p.class_id IN ({_marks(class_ids)})
        ORDER BY l.start_day
        """,
        [days[0], days[-1], *class_ids],
    ).fetchall():
        leaves.setdefault(r[0], []).append((r[1], r[2], r[3]))

    posters = sorted({r["posted_by"] for r in reports.values() if r["posted_by"]})
    names = dict(
        db.execute(
            f"SELECT id, name FROM people WHERE id IN ({_marks(posters)})", posters
        ).fetchall()
    )

    observed: dict[str, list[Observed]] = {}
    for day in days:
        for line in observed_on(db, day, set(class_ids)):
            observed.setdefault(line.tag, []).append(line)
    tags: dict[str, list[str]] = {}
    for line in observed_on(db, days[-1], set(class_ids)):
        tags.setdefault(line.person_id, []).append(line.tag)

    cases = [
        Case(*r)
        for r in db.execute(
            f"""
            SELECT c.id, c.person_id, p.name, n.path, c.opened_day, c.reason,
                   c.last_abnormal_day, c.status, c.closed_at, c.closed_by, c.close_note
            FROM cases c JOIN people p ON p.id = c.person_id
            LEFT JOIN nodes n ON n.id = p.class_id
            WHERE c.opened_day <= ? AND (c.status = 'open' OR substr(c.closed_at, 1, 10) >= ?)
              AND p.class_id IN ({_marks(class_ids)})
            ORDER BY c.opened_day, c.id
            """,
            [days[-1], days[0], *class_ids],
        ).fetchall()
    ]
    flags = flags_between(db, days[0], days[-1], (s.id for c in students.values() for s in c))
    quiz = quiz_rows(db, days[0], days[-1], class_ids)
    return Ledger(days, nodes, students, reports, leaves, names, tags, observed, cases, flags, quiz)
