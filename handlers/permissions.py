"""Who may act on what: roster roles plus the 负责 column, turned into sets of node ids.

A person acts only on the nodes they are responsible for and everything under them. Roles
decide which commands one may use (the registry's `roles=`); the scope decides on which nodes
and people. A refusal is one short Chinese line and an audit_log row, so an admin can see who
tried what. A student's scope is empty: they see and change only their own report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from handlers.commands.registry import PROVINCE_ROLE
from handlers.context import HandlerContext, Person
from storage.audit import record
from storage.backend import Database

log = logging.getLogger(__name__)

STUDENT = "学生"
MONITOR = "班长"
DORM_HEAD = "宿舍长"
COUNSELOR = "辅导员"
DUTY_COUNSELOR = "值班辅导员"
DUTY_OFFICER = "值班党员"
ADMIN = "管理员"
PSYCHOLOGIST = "心理老师"
PROVINCE = PROVINCE_ROLE  # counts per school only: handlers/commands/registry.py

ROLES: tuple[str, ...] = (
    STUDENT,
    MONITOR,
    DORM_HEAD,
    COUNSELOR,
    DUTY_COUNSELOR,
    DUTY_OFFICER,
    ADMIN,
    PSYCHOLOGIST,
    PROVINCE,
)
# Roles that may see health details and act for others within their nodes.
STAFF: tuple[str, ...] = (COUNSELOR, DUTY_COUNSELOR, DUTY_OFFICER, ADMIN)
# Student cadres: see who is missing in their own class or dorm, never health details.
CADRES: tuple[str, ...] = (MONITOR, DORM_HEAD)
DUTY: tuple[str, ...] = (DUTY_COUNSELOR, DUTY_OFFICER)


def descendants(db: Database, roots: Iterable[int]) -> set[int]:
    """The given nodes and every node below them."""
    roots = list(roots)
    if not roots:
        return set()
    marks = ",".join("?" * len(roots))
    rows = db.execute(
        f"""
        WITH RECURSIVE under(id) AS (
            SELECT id FROM nodes WHERE id IN ({marks})
            UNION SELECT nodes.id FROM nodes JOIN under ON nodes.parent_id = under.id
        )
        SELECT id FROM under
        """,
        roots,
    ).fetchall()
    return {r[0] for r in rows}


def ancestors(db: Database, node_id: int) -> list[int]:
    """The node itself, then its parent, up to the top: nearest first."""
    rows = db.execute(
        """
        WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM nodes WHERE id = ?
            UNION ALL SELECT nodes.id, nodes.parent_id, up.depth + 1
            FROM nodes JOIN up ON nodes.id = up.parent_id
        )
        SELECT id FROM up ORDER BY depth
        """,
        [node_id],
    ).fetchall()
    return [r[0] for r in rows]


def school_nodes(db: Database, person_id: str) -> set[int]:
    """Every node of the person's school (the default school for someone not in the roster)."""
    rows = db.execute(
        "SELECT id FROM nodes WHERE school_id ="
        " COALESCE((SELECT school_id FROM people WHERE id = ?), 1)",
        [person_id],
    ).fetchall()
    return {r[0] for r in rows}


def on_duty(db: Database, person_id: str, day: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM duty_roster WHERE day = ? AND ? IN (counselor_id, officer_id)",
        [day, person_id],
    ).fetchone()
    return row is not None


def scope(db: Database, person: Person | None, day: str) -> set[int]:
    """Node ids `person` may act on today.

    管理员: every node of their school. 辅导员: the 负责 nodes and below. 值班辅导员/值班党员:
    their 负责 nodes, and their whole school on the days the duty roster names them. 班长:
    their class; 宿舍长: their dorm (plus any 负责 nodes either has). 学生 and 省级: none (the
    provincial view reads counts per school only, storage/schools.py).
    """
    if person is None or person.role in (STUDENT, PROVINCE):
        return set()
    if person.role == ADMIN or (person.role in DUTY and on_duty(db, person.id, day)):
        return school_nodes(db, person.id)
    roots = [
        r[0]
        for r in db.execute(
            "SELECT node_id FROM responsibilities WHERE person_id = ?", [person.id]
        ).fetchall()
    ]
    if person.role == MONITOR and person.class_id is not None:
        roots.append(person.class_id)
    if person.role == DORM_HEAD and person.dorm_id is not None:
        roots.append(person.dorm_id)
    return descendants(db, roots)


def may_act_on(db: Database, person: Person | None, target_id: str, day: str) -> bool:
    """True when the target's class or dorm is in `person`'s scope (staff and cadres).

    Acting on oneself goes through the commands that take no 学号 (/更正), so a student's
    empty scope refuses every other student, and themself too.
    """
    if person is None:
        return False
    row = db.execute("SELECT class_id, dorm_id FROM people WHERE id = ?", [target_id]).fetchone()
    if row is None:
        return False
    nodes = scope(db, person, day)
    return row[0] in nodes or (row[1] is not None and row[1] in nodes)


def responsible_counselors(db: Database, class_id: int) -> list[str]:
    """The 辅导员 nearest above a class (the class itself first, then grade, college).

    When no counselor is responsible anywhere above, the admins of the class's school are, so
    an alert never falls on the floor.
    """
    for node_id in ancestors(db, class_id):
        rows = db.execute(
            """
            SELECT p.id FROM responsibilities r JOIN people p ON p.id = r.person_id
            WHERE r.node_id = ? AND p.role = ? AND p.active = 1 ORDER BY p.id
            """,
            [node_id, COUNSELOR],
        ).fetchall()
        if rows:
            return [r[0] for r in rows]
    rows = db.execute(
        "SELECT id FROM people WHERE role = ? AND active = 1"
        " AND school_id = (SELECT school_id FROM nodes WHERE id = ?) ORDER BY id",
        [ADMIN, class_id],
    ).fetchall()
    return [r[0] for r in rows]


def refuse(ctx: HandlerContext, command: str, reason: str) -> None:
    """Say no in one short line and write who tried what into the audit log."""
    actor = ctx.sender.id if ctx.sender else f"{ctx.message.platform}:{ctx.message.sender_id}"
    record(
        ctx.db,
        "refused",
        actor,
        ctx.clock.now(),
        command=command,
        reason=reason,
        chat=f"{ctx.message.platform}:{ctx.message.chat_id}",
    )
    # The reason may echo what was typed (a 学号 that was really "38.5"): only at DEBUG.
    log.info("refused %s for %s", command, actor)
    log.debug("refused %s for %s: %s", command, actor, reason)
    ctx.reply(reason)
