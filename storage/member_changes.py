"""One group member's change (joined, left, new group card) applied to the bindings.

The whole-list binding at connect (storage/bindings.py) stays the authority; this keeps the
picture current between connects, more cautiously still: a joiner or a renamed member is
bound only to a *student* of the group's node whose name they carry, exactly one, with no
other account on that platform. Staff are never bound from a member event: a card can be
set to anyone's name, and a staff account carries more rights than a student's. Anything
less than certain waits for the next whole-list binding, which queues it for review.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from storage.backend import Database
from storage.bindings import Member, candidates


def students_by_name(db: Database, node_path: str) -> dict[str, set[str]]:
    """Name or id → ids of the active students of the node and the nodes below it."""
    escaped = node_path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.execute(
        """
        WITH scope(id) AS (SELECT id FROM nodes WHERE path = ? OR path LIKE ? ESCAPE '\\')
        SELECT p.id, p.name FROM people p
        WHERE p.active = 1 AND (p.class_id IN (SELECT id FROM scope)
            OR p.dorm_id IN (SELECT id FROM scope))
          AND NOT EXISTS (SELECT 1 FROM responsibilities r WHERE r.person_id = p.id)
        """,
        [node_path, escaped + "/%"],
    ).fetchall()
    by_key: dict[str, set[str]] = defaultdict(set)
    for pid, name in rows:
        by_key[name.strip()].add(pid)
        by_key[pid].add(pid)
    return by_key


def bind_student(
    db: Database,
    platform: str,
    chat_id: str,
    node_path: str,
    member: Member,
    now: datetime,
) -> str | None:
    """Bind the member to the one student they name; return the person id, or None."""
    if db.execute(
        "SELECT 1 FROM accounts WHERE platform = ? AND account_id = ?",
        [platform, member.account_id],
    ).fetchone():
        return None
    found = candidates(member, students_by_name(db, node_path))
    if len(found) != 1:
        return None
    person = next(iter(found))
    if db.execute(
        "SELECT 1 FROM accounts WHERE platform = ? AND person_id = ?", [platform, person]
    ).fetchone():
        return None  # a second account for the same student: a counselor decides
    stamp = now.isoformat()
    db.execute(
        "INSERT INTO accounts (platform, account_id, person_id, display_name, confirmed, "
        "source, created_at) VALUES (?, ?, ?, ?, 1, 'member_list', ?)",
        [platform, member.account_id, person, member.display_name, stamp],
    )
    resolve_reviews(db, platform, chat_id, member.account_id, now)
    return person


def resolve_reviews(
    db: Database, platform: str, chat_id: str, account_id: str, now: datetime
) -> int:
    """Close the open reviews of this member in this chat (bound, or gone)."""
    stamp = now.isoformat()
    return db.execute(
        "UPDATE account_reviews SET resolved_at = ?, updated_at = ? WHERE platform = ? "
        "AND chat_id = ? AND account_id = ? AND resolved_at IS NULL",
        [stamp, stamp, platform, chat_id, account_id],
    ).rowcount
