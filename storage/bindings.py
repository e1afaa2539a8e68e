"""Binding chat members to roster people from a group's member list, never by guessing.

A member whose group card (or, failing that, nickname) is exactly the name (or id) of one
person expected in that group, and no one else's, is bound (`accounts.source =
'member_list'`). Anything less certain goes to `binding_reviews` for a counselor: a name
shared by two people, a person claimed by two members, a person already bound to another
account. Members that match no one (parents, teachers from elsewhere) are only counted.
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
    unmatched: list[str] = field(default_factory=list)
    known: int = 0  # already bound before


def expected_people(db: sqlite_utils.Database, node_path: str) -> list[tuple[str, str]]:
    """(id, name) of who belongs in a group bound to `node_path`: the students of that class
    and the staff responsible for the node or any node above it."""
    ancestors = ["/".join(node_path.split("/")[:i]) for i in range(1, node_path.count("/") + 2)]
    marks = ",".join("?" * len(ancestors))
    rows = db.execute(
        f"""
        SELECT p.id, p.name FROM people p JOIN nodes n ON p.class_id = n.id
        WHERE n.path = ? AND p.active = 1
        UNION
        SELECT p.id, p.name FROM people p
        JOIN responsibilities r ON r.person_id = p.id JOIN nodes n ON r.node_id = n.id
        WHERE n.path IN ({marks}) AND p.active = 1
        """,
        [node_path, *ancestors],
    ).fetchall()
    return [(pid, name) for pid, name in rows]


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
            reason = f"{len(candidates)} people in the roster are named {member.display_name}"
        elif len(claims[person]) > 1:
            reason = f"{len(claims[person])} members of this group use the name of {person}"
        elif person in persons_bound:
            reason = f"{person} is already bound to another {platform} account"
        else:
            db.execute(
                "INSERT INTO accounts (platform, account_id, person_id, display_name, "
                "confirmed, source, created_at) VALUES (?, ?, ?, ?, 1, 'member_list', ?)",
                [platform, account_id, person, member.display_name, stamp],
            )
            db.execute(
                "DELETE FROM binding_reviews WHERE platform = ? AND account_id = ?",
                [platform, account_id],
            )
            report.bound.append((account_id, person))
            continue
        db.execute(
            """
            INSERT INTO binding_reviews (platform, chat_id, account_id, display_name,
                                         candidates, reason, seen_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(platform, chat_id, account_id) DO UPDATE SET
                display_name = excluded.display_name, candidates = excluded.candidates,
                reason = excluded.reason, seen_at = excluded.seen_at
            """,
            [
                platform,
                chat_id,
                account_id,
                member.display_name,
                json.dumps(sorted(candidates)),
                reason,
                stamp,
            ],
        )
        report.review.append((account_id, reason))
    present = [m.account_id for m in members]
    db.execute(  # members who left the group need no review any more
        f"DELETE FROM binding_reviews WHERE platform = ? AND chat_id = ? "
        f"AND account_id NOT IN ({','.join('?' * len(present))})",
        [platform, chat_id, *present],
    )
    return report
