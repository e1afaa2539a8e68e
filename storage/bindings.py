"""Binding chat members to roster people from a group's member list, never by guessing.

Class groups are where students' chat accounts are first seen, on QQ and WeChat alike. Most
set their group card (QQ 群名片, WeChat 群昵称) to their real name, often decorated
("计科1班-张三", "张三（班长）", "2021001 张三"). A member's names are tried in order of
authority (the group card, then the account's own nickname): the first name that matches
anyone decides. A name matches by itself, or failing that by its pieces between separators,
against the names and ids of the people a group of that node may hold.

A name is not proof of identity: anyone can set their group card to a counselor's name. So
a certain match is written unconfirmed (`accounts.source = 'member_list'`,
`confirmed = 0`): a student's account may then report for that student and for nobody else,
and sees nothing, until the class monitor, the counselor or the student (from an account
already confirmed) confirms it with /确认绑定, or the roster's 微信/QQ column lists it. A
staff member's (any role above 学生) waits for an admin's /确认绑定 and gives nothing
meanwhile. Anything less certain goes to `account_reviews` for a counselor:

- ambiguous: the member's name matches several people (two 王芳 in one class);
- contested: several members match the same person (a second account, a parent);
- conflict:  the person already has another account on this platform.

Accounts already bound (roster QQ/微信 column, /绑定, an earlier run) are never touched: a
person's word beats a guess. Members that match no one (parents, teachers from elsewhere) are
only counted. Platform adapters only fetch the member list (bot/members.py).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storage.backend import Database

_SEPARATORS = re.compile(
    r"[\s\-_—–~·•|/\\()（）\[\]【】<>《》{}「」,，、.。:：;；+＋*#@!！?？\"'“”‘’]+"
)


@dataclass(frozen=True, slots=True)
class Member:
    """A group member as the platform lists it; `names` in order of authority."""

    account_id: str
    names: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return next((n.strip() for n in self.names if n.strip()), self.account_id)


STUDENT_ROLE = "学生"


def confirmed_staff_person(db: Database, platform: str, account_id: str) -> str | None:
    """The staff member (any role above 学生) this account is a confirmed binding of, or None.

    The one test for anything that serves staff (commands, alerts, a dashboard login): a
    group card, a nickname or a /绑定 never makes a confirmed staff binding; only the
    roster's 微信/QQ columns or an admin's /确认绑定 do.
    """
    row = db.execute(
        "SELECT p.id FROM accounts a JOIN people p ON p.id = a.person_id"
        " WHERE a.platform = ? AND a.account_id = ? AND a.confirmed = 1 AND p.active = 1"
        " AND p.role != ?",
        [platform, account_id, STUDENT_ROLE],
    ).fetchone()
    return row[0] if row else None


def is_confirmed_staff_account(db: Database, platform: str, account_id: str) -> bool:
    """True when the account is a confirmed binding of a staff member (see above)."""
    return confirmed_staff_person(db, platform, account_id) is not None


@dataclass(slots=True)
class BindReport:
    # (account_id, person_id) bound unconfirmed: students may report for themselves
    bound: list[tuple[str, str]] = field(default_factory=list)
    # (account_id, person_id, bound) whose name is a staff member's: bound (unconfirmed,
    # waiting for an admin) or in review (the staff member has another account already)
    staff: list[tuple[str, str, bool]] = field(default_factory=list)
    review: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (acct, why, ids)
    resolved: int = 0  # open reviews closed because the member was bound or left
    unmatched: list[str] = field(default_factory=list)
    already_bound: list[str] = field(default_factory=list)


def name_tokens(name: str) -> set[str]:
    """The whole name and each piece between separators: "计科1班-张三" → {…, "张三"}."""
    whole = name.strip()
    if not whole:
        return set()
    return {whole, *(t for t in _SEPARATORS.split(whole) if t)}


def expected_people(db: Database, node_path: str) -> dict[str, set[str]]:
    """Name or id → person ids of who belongs in a group bound to `node_path`.

    The students of that node and of every node below it (a grade group holds all its
    classes; a dorm group its residents), and the staff responsible for the node or any node
    above it.
    """
    ancestors = ["/".join(node_path.split("/")[:i]) for i in range(1, node_path.count("/") + 2)]
    marks = ",".join("?" * len(ancestors))
    rows = db.execute(
        f"""
        WITH scope(id) AS (
            SELECT id FROM nodes WHERE path = ? OR path LIKE ? ESCAPE '\\'
        )
        SELECT p.id, p.name FROM people p
        WHERE p.active = 1 AND (p.class_id IN (SELECT id FROM scope)
            OR p.dorm_id IN (SELECT id FROM scope))
        UNION
        SELECT p.id, p.name FROM people p
        JOIN responsibilities r ON r.person_id = p.id JOIN nodes n ON r.node_id = n.id
        WHERE n.path IN ({marks}) AND p.active = 1
        """,
        [node_path, _like_prefix(node_path), *ancestors],
    ).fetchall()
    by_key: dict[str, set[str]] = defaultdict(set)
    for pid, name in rows:
        by_key[name.strip()].add(pid)
        by_key[pid].add(pid)
    return by_key


def _like_prefix(path: str) -> str:
    escaped = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "/%"


def candidates(member: Member, by_key: dict[str, set[str]]) -> set[str]:
    """Who the member can be: decided by its first name that matches anyone, the whole name
    before its pieces (so "阿依古丽·买买提" is not read as someone called 买买提)."""
    for name in member.names:
        whole = name.strip()
        if not whole:
            continue
        if by_key.get(whole):
            return set(by_key[whole])
        found: set[str] = set()
        for token in name_tokens(whole):
            found |= by_key.get(token, set())
        if found:
            return found
    return set()


def bind_members(
    db: Database,
    platform: str,
    chat_id: str,
    node_path: str,
    members: Iterable[Member],
    now: datetime,
) -> BindReport:
    """Bind what is certain (unconfirmed), queue the rest for review; the caller owns the
    transaction.

    Open reviews of this chat whose member is now bound, or no longer in the list, are
    closed: nobody needs to look at them any more.
    """
    by_key = expected_people(db, node_path)
    staff = {
        pid
        for (pid,) in db.execute(
            "SELECT id FROM people WHERE role != ? AND active = 1", [STUDENT_ROLE]
        ).fetchall()
    }
    bound_accounts = dict(
        db.execute(
            "SELECT account_id, person_id FROM accounts WHERE platform = ?", [platform]
        ).fetchall()
    )
    persons_bound = set(bound_accounts.values())
    report = BindReport()

    proposals: dict[str, tuple[Member, set[str]]] = {}
    for member in members:
        if member.account_id in bound_accounts:
            report.already_bound.append(member.account_id)
            continue
        found = candidates(member, by_key)
        if found:
            proposals[member.account_id] = (member, found)
        else:
            report.unmatched.append(member.account_id)

    claims: dict[str, list[str]] = defaultdict(list)
    for account_id, (_, found) in proposals.items():
        if len(found) == 1:
            claims[next(iter(found))].append(account_id)

    stamp = now.isoformat()
    for account_id, (member, found) in proposals.items():
        person = next(iter(found))
        if len(found) > 1:
            reason = "ambiguous"
        elif len(claims[person]) > 1:
            reason = "contested"
        elif person in persons_bound:
            reason = "conflict"
        else:
            db.execute(
                "INSERT INTO accounts (platform, account_id, person_id, display_name, "
                "confirmed, source, created_at) VALUES (?, ?, ?, ?, 0, 'member_list', ?)",
                [platform, account_id, person, member.display_name, stamp],
            )
            report.bound.append((account_id, person))
            if person in staff:
                report.staff.append((account_id, person, True))
            continue
        if len(found) == 1 and person in staff:
            report.staff.append((account_id, person, False))
        _queue_review(db, platform, chat_id, member, reason, sorted(found), stamp)
        report.review.append((account_id, reason, sorted(found)))
    in_review = [a for a, _, _ in report.review]
    cursor = db.execute(
        f"UPDATE account_reviews SET resolved_at = ?, updated_at = ? "
        f"WHERE platform = ? AND chat_id = ? AND resolved_at IS NULL "
        f"AND account_id NOT IN ({','.join('?' * len(in_review))})",
        [stamp, stamp, platform, chat_id, *in_review],
    )
    report.resolved = cursor.rowcount
    return report


def _queue_review(
    db: Database,
    platform: str,
    chat_id: str,
    member: Member,
    reason: str,
    people: list[str],
    stamp: str,
) -> None:
    """One open review per (account, chat); a doubt that comes back reopens it."""
    db.execute(
        """
        INSERT INTO account_reviews (platform, account_id, chat_id, display_name,
                                     candidates, reason, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(platform, account_id, chat_id) DO UPDATE SET
            display_name = excluded.display_name, candidates = excluded.candidates,
            reason = excluded.reason, updated_at = excluded.updated_at, resolved_at = NULL
        """,
        [
            platform,
            member.account_id,
            chat_id,
            member.display_name,
            json.dumps(people),
            reason,
            stamp,
            stamp,
        ],
    )
