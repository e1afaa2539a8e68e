"""Who a chain can credit: the roster of the chat's node, by name, and accounts to people.

A chain line is credited to the person it names, looked up among the active people of the
node the chat is bound to (its class, or every class under a grade or college group). The
name maps are kept in memory per node (no Parser: the message path's one parser, built from
the whole roster, reads every line) and reloaded when a roster import lands
(the same generation check as handlers.resolve.Directory: one primary-key lookup per
repost).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from storage.backend import Database


@dataclass(slots=True)
class Roster:
    node_id: int
    by_name: dict[str, list[str]] = field(default_factory=dict)  # name → person ids
    names: dict[str, str] = field(default_factory=dict)  # person id → name
    classes: dict[str, int | None] = field(default_factory=dict)  # person id → class node
    generation: int = 0  # max(imports.id) when loaded

    def person_for(self, name: str | None, text: str, prefer: str | None) -> str | None:
        """The person a line names: the parsed name, else a roster name opening the text.

        Two people with the same name: the one who wrote the line when it is one of them,
        otherwise nobody (the line stays unmatched for the counselor to settle).
        """
        candidates = self.by_name.get(name) if name else None
        if not candidates:
            opening = self.name_in(text)
            candidates = self.by_name.get(opening) if opening else None
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        return prefer if prefer in candidates else None

    def name_in(self, text: str) -> str | None:
        """The roster name that opens `text`, if any (cheap: at most three dict lookups)."""
        head = text.lstrip()
        for size in (4, 3, 2):
            if head[:size] in self.by_name:
                return head[:size]
        return None


_rosters: weakref.WeakKeyDictionary[Database, dict[int, Roster]]
_rosters = weakref.WeakKeyDictionary()


def node_roster(db: Database, node_id: int) -> Roster:
    """The active people of `node_id` and every node under it, from memory when fresh."""
    cached = _rosters.setdefault(db, {})
    roster = cached.get(node_id)
    generation = db.execute("SELECT coalesce(max(id), 0) FROM imports").fetchone()[0]
    if roster is not None and roster.generation == generation:
        return roster
    roster = Roster(node_id, generation=generation)
    rows = db.execute(
        """
        WITH RECURSIVE under(id) AS (
            SELECT ? UNION SELECT nodes.id FROM nodes JOIN under ON nodes.parent_id = under.id
        )
        SELECT id, name, class_id FROM people
        WHERE active = 1 AND (class_id IN (SELECT id FROM under)
            OR dorm_id IN (SELECT id FROM under))
        """,
        [node_id],
    ).fetchall()
    for person_id, name, class_id in rows:
        roster.by_name.setdefault(name, []).append(person_id)
        roster.names[person_id] = name
        roster.classes[person_id] = class_id
    cached[node_id] = roster
    return roster


def account_person(db: Database, platform: str, account_id: str) -> str | None:
    """The person an account's confirmed binding names (an unconfirmed one names nobody)."""
    row = db.execute(
        "SELECT person_id FROM accounts WHERE platform = ? AND account_id = ? AND confirmed = 1",
        [platform, account_id],
    ).fetchone()
    return row[0] if row else None


def account_claim(db: Database, platform: str, account_id: str) -> str | None:
    """The student an account's unconfirmed binding claims: its lines for that student are
    the student's own (unconfirmed) reports, not 代报."""
    row = db.execute(
        "SELECT a.person_id FROM accounts a JOIN people p ON p.id = a.person_id"
        " WHERE a.platform = ? AND a.account_id = ? AND a.confirmed = 0 AND p.role = '学生'",
        [platform, account_id],
    ).fetchone()
    return row[0] if row else None
