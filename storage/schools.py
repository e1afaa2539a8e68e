"""Schools: the level above 学院, so one database holds several universities (docs/schools.md).

School 1 is the default school: rows without a 学校 column belong to it, and its name comes
from the config's `school:`. Its node paths are written as before (`计算机学院/2021级/计科1班`);
another school's paths start with its name (`师范大学/文学院/2022级/汉语言1班`), so two
universities may both have a 计算机学院 and `nodes.path` stays unique.

The provincial counts (`province_counts`) are the only thing a 省级 account reads: numbers
per school, never a name, a temperature or a symptom.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.errors import ConfigError
from storage.backend import Database

DEFAULT_SCHOOL_ID = 1


@dataclass(frozen=True, slots=True)
class SchoolCounts:
    """One school's day: 应报 (active students not on leave), 实报, 未报, 异常."""

    school: str
    expected: int
    reported: int
    abnormal: int

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "missing": self.missing}


def set_default_name(db: Database, name: str) -> None:
    """Name school 1 after the config's `school:` (called at start and before imports).

    Raises ConfigError when another school of the database already has that name.
    """
    taken = db.execute(
        "SELECT 1 FROM schools WHERE name = ? AND id != ?", [name, DEFAULT_SCHOOL_ID]
    ).fetchone()
    if taken:
        raise ConfigError(
            f"school: {name!r} 已是数据库里另一所学校的名字；默认学校（花名册不填 学校 的行）"
            "须用别的名字"
        )
    db.execute(
        "UPDATE schools SET name = ? WHERE id = ? AND name != ?", [name, DEFAULT_SCHOOL_ID, name]
    )


def default_name(db: Database) -> str:
    row = db.execute("SELECT name FROM schools WHERE id = ?", [DEFAULT_SCHOOL_ID]).fetchone()
    return str(row[0])


def ensure(db: Database, name: str | None) -> int:
    """The id of the school called `name` (None: the default school), created when new."""
    if name is None or name == default_name(db):
        return DEFAULT_SCHOOL_ID
    row = db.execute("SELECT id FROM schools WHERE name = ?", [name]).fetchone()
    if row:
        return int(row[0])
    db.execute("INSERT INTO schools (name) VALUES (?) ON CONFLICT(name) DO NOTHING", [name])
    return int(db.execute("SELECT id FROM schools WHERE name = ?", [name]).fetchone()[0])


def path_prefix(school: str | None) -> str:
    """What a school's node paths start with: nothing for the default school."""
    return "" if school is None else f"{school}/"


def school_of(db: Database, person_id: str) -> int | None:
    row = db.execute("SELECT school_id FROM people WHERE id = ?", [person_id]).fetchone()
    return int(row[0]) if row else None


_LEAVE = "SELECT DISTINCT person_id FROM leaves WHERE start_day <= ? AND end_day >= ?"
_STUDENTS = "p.active = 1 AND p.class_id IS NOT NULL"


def province_counts(db: Database, day: str) -> list[SchoolCounts]:
    """应报/实报/未报/异常 per school on `day`, counted as storage/status.py counts a class.

    Three grouped queries, each keyed by `people.school_id` only (never a person column in
    the result): students per school, the day's reports per school (reports_day_person
    joined to people_id_school, both covering, in 学号 order), and leaves per school to take
    off both sides.
    """
    students = dict(
        db.execute(
            f"SELECT p.school_id, COUNT(*) FROM people p WHERE {_STUDENTS} GROUP BY p.school_id"
        ).fetchall()
    )
    reports = {
        school: (reported, abnormal or 0)
        for school, reported, abnormal in db.execute(
            f"""SELECT p.school_id, COUNT(*), SUM(CASE WHEN r.abnormal = 1 THEN 1 ELSE 0 END)
                FROM reports r JOIN people p ON p.id = r.person_id
                WHERE r.day = ? AND {_STUDENTS}
                GROUP BY p.school_id""",
            [day],
        ).fetchall()
    }
    leaves = {
        school: (on_leave, reported)
        for school, on_leave, reported in db.execute(
            f"""SELECT p.school_id, COUNT(*), COUNT(r.person_id)
                FROM ({_LEAVE}) l JOIN people p ON p.id = l.person_id
                LEFT JOIN reports r ON r.person_id = p.id AND r.day = ?
                WHERE {_STUDENTS}
                GROUP BY p.school_id""",
            [day, day, day],
        ).fetchall()
    }
    out = []
    for school_id, name in db.execute("SELECT id, name FROM schools ORDER BY id").fetchall():
        reported, abnormal = reports.get(school_id, (0, 0))
        on_leave, leave_reported = leaves.get(school_id, (0, 0))
        out.append(
            SchoolCounts(
                school=name,
                expected=students.get(school_id, 0) - on_leave,
                reported=reported - leave_reported,
                abnormal=abnormal,
            )
        )
    return out


def total(counts: list[SchoolCounts]) -> SchoolCounts:
    return SchoolCounts(
        school="全省",
        expected=sum(c.expected for c in counts),
        reported=sum(c.reported for c in counts),
        abnormal=sum(c.abnormal for c in counts),
    )


def render(counts: list[SchoolCounts], day: str) -> str:
    """The provincial summary as chat and the CLI print it: one line per school, no names."""
    lines = [f"{day} 全省平安报告（按学校）"]
    for c in [*counts, total(counts)]:
        lines.append(
            f"{c.school}: 应报 {c.expected}, 实报 {c.reported}, 未报 {c.missing}, 异常 {c.abnormal}"
        )
    return "\n".join(lines)
