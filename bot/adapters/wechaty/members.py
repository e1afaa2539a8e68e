"""Bind the members of a group to roster people by name, and queue the doubtful for review.

Class groups are where students' chat accounts are first seen. Most set their 群昵称 to their
real name, often decorated ("计科1班-张三", "张三（班长）"), so a member is matched when one
of its names, or one token of it, equals exactly the name of a person in the group's node.
Only certain bindings are written (`accounts`, source `member_list`); everything else goes to
`account_reviews` for a counselor:

- ambiguous: the member's names match several people (two 张三 in one class);
- contested: several members match the same person (a student's two accounts, or a parent);
- conflict:  the person already has another account on this platform.

Accounts that are already bound (by the roster's 微信 column, /绑定 or an earlier run) are
never touched: a person's word beats a guess. The logic is platform-neutral (the QQ member
list can use it too); only `bind_room` knows about the wechaty adapter.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlite_utils

if TYPE_CHECKING:
    from .adapter import WechatyAdapter

_SEPARATORS = re.compile(
    r"[\s\-_—–~·•|/\\()（）\[\]【】<>《》{}「」,，、.。:：;；+＋*#@!！?？\"'“”‘’]+"
)


@dataclass(frozen=True, slots=True)
class MemberNames:
    """A group member: account id, display name for humans, and every name to match."""

    account_id: str
    display_name: str
    names: tuple[str, ...]


@dataclass(slots=True)
class BindingResult:
    bound: list[tuple[str, str]] = field(default_factory=list)  # (account_id, person_id)
    already_bound: list[str] = field(default_factory=list)
    review: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (acct, why, ids)
    unmatched: list[str] = field(default_factory=list)


def name_tokens(name: str) -> set[str]:
    """The whole name and each piece between separators: "计科1班-张三" → {…, "张三"}."""
    whole = name.strip()
    if not whole:
        return set()
    return {whole, *(t for t in _SEPARATORS.split(whole) if t)}


def people_in_scope(db: sqlite_utils.Database, node_id: int) -> dict[str, list[str]]:
    """Name → person ids of everyone a group of this node may contain.

    Students of the node and of every node below it (a grade group holds all its classes),
    and the staff responsible for the node or one above it.
    """
    rows = db.execute(
        """
        WITH RECURSIVE below(id) AS (
            SELECT ? UNION SELECT n.id FROM nodes n JOIN below b ON n.parent_id = b.id
        ), above(id, parent_id) AS (
            SELECT id, parent_id FROM nodes WHERE id = ?
            UNION SELECT n.id, n.parent_id FROM nodes n JOIN above a ON n.id = a.parent_id
        )
        SELECT p.id, p.name FROM people p
        WHERE p.active = 1 AND (p.class_id IN (SELECT id FROM below)
                                OR p.dorm_id IN (SELECT id FROM below))
        UNION
        SELECT p.id, p.name FROM people p JOIN responsibilities r ON r.person_id = p.id
        WHERE p.active = 1 AND r.node_id IN (SELECT id FROM above)
        """,
        [node_id, node_id],
    ).fetchall()
    by_name: dict[str, list[str]] = defaultdict(list)
    for person_id, name in rows:
        by_name[name.strip()].append(person_id)
    return by_name


def _review(
    db: sqlite_utils.Database,
    platform: str,
    chat_id: str,
    member: MemberNames,
    reason: str,
    candidates: list[str],
    stamp: str,
) -> None:
    db.execute(
        """
        INSERT INTO account_reviews (platform, account_id, chat_id, display_name, candidates,
                                     reason, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(platform, account_id, chat_id) DO UPDATE SET
            display_name = excluded.display_name, candidates = excluded.candidates,
            reason = excluded.reason, updated_at = excluded.updated_at
        WHERE account_reviews.resolved_at IS NULL
        """,
        [
            platform,
            member.account_id,
            chat_id,
            member.display_name,
            json.dumps(sorted(candidates)),
            reason,
            stamp,
            stamp,
        ],
    )


def bind_members(
    db: sqlite_utils.Database,
    platform: str,
    chat_id: str,
    node_id: int,
    members: Iterable[MemberNames],
    now: datetime,
) -> BindingResult:
    """Bind what is certain, queue what is not; the caller owns the transaction."""
    stamp = now.isoformat()
    result = BindingResult()
    roster = people_in_scope(db, node_id)
    bound_accounts = {
        row[0]: row[1]
        for row in db.execute(
            "SELECT account_id, person_id FROM accounts WHERE platform = ?", [platform]
        ).fetchall()
    }
    people_with_account = set(bound_accounts.values())

    matches: dict[str, tuple[MemberNames, set[str]]] = {}
    for member in members:
        if member.account_id in bound_accounts:
            result.already_bound.append(member.account_id)
            continue
        found: set[str] = set()
        for name in member.names:
            for token in name_tokens(name):
                found.update(roster.get(token, ()))
        if not found:
            result.unmatched.append(member.account_id)
        else:
            matches[member.account_id] = (member, found)

    claimants: dict[str, list[str]] = defaultdict(list)
    for account_id, (_, found) in matches.items():
        if len(found) == 1:
            claimants[next(iter(found))].append(account_id)

    for account_id, (member, found) in matches.items():
        person = next(iter(found))
        if len(found) > 1:
            reason = "ambiguous"
        elif len(claimants[person]) > 1:
            reason = "contested"
        elif person in people_with_account:
            reason = "conflict"
        else:
            db.execute(
                """
                INSERT INTO accounts (platform, account_id, person_id, display_name,
                                      confirmed, source, created_at)
                VALUES (?, ?, ?, ?, 1, 'member_list', ?)
                """,
                [platform, account_id, person, member.display_name, stamp],
            )
            result.bound.append((account_id, person))
            continue
        _review(db, platform, chat_id, member, reason, sorted(found), stamp)
        result.review.append((account_id, reason, sorted(found)))
    return result


async def bind_room(
    adapter: WechatyAdapter,
    db: sqlite_utils.Database,
    room_id: str,
    node_id: int,
    now: datetime,
) -> BindingResult:
    """Fetch a WeChat room's members and bind them (one transaction)."""
    members = [
        MemberNames(
            account_id=m.wxid,
            display_name=m.room_alias or m.name or m.wxid,
            names=tuple(n for n in (m.room_alias, m.name) if n),
        )
        for m in await adapter.member_list(room_id)
    ]
    with db.atomic():
        return bind_members(db, adapter.platform, room_id, node_id, members, now)
