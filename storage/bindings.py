"""Binding chat members to roster people from a group's member list, never by guessing.

A member whose group card (or, failing that, nickname) is exactly the name (or id) of one
person expected in that group, and no one else's, is bound (`accounts.source =
'member_list'`). Anything less certain goes to `account_reviews` for a counselor (the table
the WeChat binding uses too, with the same reasons):

- ambiguous: the name belongs to several people (two 王芳 in one class);
- contested: several members use the name of the same person;
- conflict:  the person already has another account on this platform.

Accounts already bound (roster QQ column, /绑定, an earlier run) are never touched. Members
that match no one (parents, teachers from elsewhere) are only counted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils


@dataclass(frozen=True, slots=True)
class Member:
    account_id: str
    card: str = ""
    nickname: str = ""

    @property
    def display_name(self) -> str:
        return self.card.strip() or self.nickname.strip() or self.account_id


@dataclass(slots=True)
class BindReport:
    bound: list[tuple[str, str]] = field(default_factory=list)  # (account_id, person_id)
    review: list[tuple[str, str]] = field(default_factory=list)  # (account_id, reason)
    resolved: int = 0  # open reviews closed because the member was bound or left
    unmatched: list[str] = field(default_factory=list)
    known: int = 0  # already bound before


def expected_people(db: sqlite_utils.Database, node_path: str) -> list[tuple[str, str]]:
    """(id, name) of who belongs in a group bound to `node_path`: the students of that node
    and every node below it (a grade group holds all its classes), and the staff
    responsible for the node or any node above it."""
    ancestors = ["/".join(node_path.split("/")[:i]) for i in range(1, node_path.count("/") + 2)]
    marks = ",".join("?" * len(ancestors))
    rows = db.execute(
        f"""
        SELECT p.id, p.name FROM people p JOIN nodes n ON p.class_id = n.id
        WHERE (n.path = ? OR n.path LIKE ? ESCAPE '\\') AND p.active = 1
        UNION
        SELECT p.id, p.name FROM people p
        JOIN responsibilities r ON r.person_id = p.id JOIN nodes n ON r.node_id = n.id
        WHERE n.path IN ({marks}) AND p.active = 1
        """,
        [node_path, _like_prefix(node_path), *ancestors],
    ).fetchall()
    return [(pid, name) for pid, name in rows]


def _like_prefix(path: str) -> str:
    escaped = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "/%"


def bind_members(
    db: sqlite_utils.Database,
    platform: str,
    chat_id: str,
    node_path: str,
    members: list[Member],
    now: datetime,
) -> BindReport:
    """Bind what is certain, queue the rest for review; the caller commits."""
    people = expected_people(db, node_path)
    by_key: dict[str, set[str]] = defaultdict(set)
    for pid, name in people:
        by_key[name.strip()].add(pid)
        by_key[pid].add(pid)
    bound_accounts = {
        row[0]: row[1]
        for row in db.execute(
            "SELECT account_id, person_id FROM accounts WHERE platform = ?", [platform]
        ).fetchall()
    }
    persons_bound = set(bound_accounts.values())
    report = BindReport()

    proposals: dict[str, tuple[Member, set[str]]] = {}
    for member in members:
        if member.account_id in bound_accounts:
            report.known += 1
            continue
        candidates: set[str] = set()
        for key in (member.card.strip(), member.nickname.strip()):
            if key and by_key.get(key):
                candidates = by_key[key]
                break
        if candidates:
            proposals[member.account_id] = (member, candidates)
        else:
            report.unmatched.append(member.account_id)

    claims: dict[str, list[str]] = defaultdict(list)
    for account_id, (_, candidates) in proposals.items():
        if len(candidates) == 1:
            claims[next(iter(candidates))].append(account_id)

    stamp = now.isoformat()
    for account_id, (member, candidates) in proposals.items():
        person = next(iter(candidates)) if len(candidates) == 1 else None
        if person is None:
            reason = "ambiguous"
        elif len(claims[person]) > 1:
            reason = "contested"
        elif person in persons_bound:
            reason = "conflict"
        else:
            db.execute(
                "INSERT INTO accounts (platform, account_id, person_id, display_name, "
                "confirmed, source, created_at) VALUES (?, ?, ?, ?, 1, 'member_list', ?)",
                [platform, account_id, person, member.display_name, stamp],
            )
            report.bound.append((account_id, person))
            continue
        db.execute(
            """
            INSERT INTO account_reviews (platform, account_id, chat_id, display_name,
                                         candidates, reason, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(platform, account_id, chat_id) DO UPDATE SET
                display_name = excluded.display_name, candidates = excluded.candidates,
                reason = excluded.reason, updated_at = excluded.updated_at,
                resolved_at = NULL
            """,
            [
                platform,
                account_id,
                chat_id,
                member.display_name,
                json.dumps(sorted(candidates)),
                reason,
                stamp,
                stamp,
            ],
        )
        report.review.append((account_id, reason))
    # Open reviews of this chat whose member is now bound or gone need no counselor.
    in_review = [a for a, _ in report.review]
    cursor = db.execute(
        f"UPDATE account_reviews SET resolved_at = ?, updated_at = ? "
        f"WHERE platform = ? AND chat_id = ? AND resolved_at IS NULL "
        f"AND account_id NOT IN ({','.join('?' * len(in_review))})",
        [stamp, stamp, platform, chat_id, *in_review],
    )
    report.resolved = cursor.rowcount
    return report
