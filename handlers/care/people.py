"""Who hears about a distressed student: their counselor, today's duty counselor and the duty
psychologists; and how a student is told to reach their counselor."""

from __future__ import annotations

from core.config import Config
from core.messages import platform_name
from handlers.notify import accounts_of
from handlers.permissions import COUNSELOR, PSYCHOLOGIST, responsible_counselors
from storage.backend import Database
from storage.duty import duty_for


def psychologists(db: Database, config: Config, class_id: int | None) -> list[str]:
    """The configured duty psychologists, else every active 心理老师 of the roster of the
    class's school (all schools' when the class is unknown)."""
    if config.care.psychologists:
        marks = ",".join("?" * len(config.care.psychologists))
        rows = db.execute(
            f"SELECT id FROM people WHERE id IN ({marks}) AND active = 1 ORDER BY id",
            config.care.psychologists,
        ).fetchall()
    elif class_id is None:
        rows = db.execute(
            "SELECT id FROM people WHERE role = ? AND active = 1 ORDER BY id", [PSYCHOLOGIST]
        ).fetchall()
    else:
        rows = db.execute(
            "SELECT id FROM people WHERE role = ? AND active = 1"
            " AND school_id = (SELECT school_id FROM nodes WHERE id = ?) ORDER BY id",
            [PSYCHOLOGIST, class_id],
        ).fetchall()
    return [r[0] for r in rows]


def counselors_of(db: Database, class_id: int | None) -> list[str]:
    """The class's 辅导员; unlike health alerts, never the admins in their place (a 心理 case
    is for counselors and psychologists only)."""
    if class_id is None:
        return []
    found = responsible_counselors(db, class_id)
    if not found:
        return []
    marks = ",".join("?" * len(found))
    rows = db.execute(
        f"SELECT id FROM people WHERE id IN ({marks}) AND role = ? ORDER BY id",
        [*found, COUNSELOR],
    ).fetchall()
    return [r[0] for r in rows]


def to_page(db: Database, config: Config, class_id: int | None, day: str) -> list[str]:
    """Everyone paged on words of self-harm, each once, the student's counselor first."""
    duty = duty_for(db, day).counselor
    people = [
        *counselors_of(db, class_id),
        *([duty.id] if duty else []),
        *psychologists(db, config, class_id),
    ]
    return list(dict.fromkeys(people))


def contact(db: Database, person_id: str, platform: str) -> str:
    """陈老师（QQ 10001）: a name and, when there is one, an account the student can add."""
    name = db.execute("SELECT name FROM people WHERE id = ?", [person_id]).fetchone()[0]
    accounts = accounts_of(db, person_id)
    found = next((a for a in accounts if a[0] == platform), accounts[0] if accounts else None)
    if found is None:
        return name
    return f"{name}（{platform_name(found[0])} {found[1]}）"
