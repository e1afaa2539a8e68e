"""Who a message is about: the sender through their bound chat account, or a name in the text
matched within the chat's part of the roster.

`Directory` is the per-process cache of the roster (people, names per class, the node tree,
chat bindings, confirmed chat accounts) and of the parser built from it. It reloads the
roster only when an import lands, and the accounts only when `accounts` changed (a counter
that triggers bump on every change, migration 8); one tiny query per batch checks both,
never one per message.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from core.chat_binding import ChatBinding
from handlers.context import Person
from handlers.parse import Parser
from storage.backend import Database
from storage.chats import all_bindings
from storage.roster_rows import STAFF_ROLES

log = logging.getLogger(__name__)

Problem = Literal["unknown_sender", "not_found", "ambiguous"]


@dataclass(frozen=True, slots=True)
class Resolved:
    """The person an entry is about (who wrote it, and so whether it is a 代报, is
    handlers/authorship.py's question), or why there is none."""

    person: Person | None
    problem: Problem | None = None


class Directory:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._generation: int | None = None
        self._accounts_version: int | None = None
        self._offered: Parser | None = None
        self._load()

    def stale(self) -> bool:
        """A roster import landed since the last load (the next refresh reloads)."""
        return self._versions()[0] != self._generation

    def roster_names(self) -> list[str]:
        """The names the parser is built from, as `_load` reads them."""
        rows = self.db.execute("SELECT DISTINCT name FROM people WHERE active = 1").fetchall()
        return sorted(r[0] for r in rows)

    def offer(self, parser: Parser) -> None:
        """A parser built elsewhere (the parse worker) for the next load to take, when it is
        for the same names; building one for a large school takes a second."""
        self._offered = parser

    def _versions(self) -> tuple[int, int]:
        """(the last roster import, the accounts' change counter)."""
        return self.db.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM imports),"
            " (SELECT version FROM accounts_version)"
        ).fetchone()

    def refresh(self) -> None:
        """Reload what changed since the last load: everything after a roster import, the
        accounts after a binding changed (by any connection or process)."""
        generation, accounts_version = self._versions()
        if generation != self._generation:
            self._load()
        elif accounts_version != self._accounts_version:
            self._load_accounts(accounts_version)

    def _load_accounts(self, version: int) -> None:
        """Confirmed accounts per platform → the person; unconfirmed ones (a group-card
        match, a /绑定 waiting for the monitor or counselor) → the student they claim, which
        they may report for and nothing else. A staff account is only ever a confirmed one."""
        self._accounts_version = version
        accounts: dict[str, dict[str, str]] = defaultdict(dict)
        claims: dict[str, dict[str, str]] = defaultdict(dict)
        for platform, account_id, person_id, confirmed in self.db.execute(
            "SELECT platform, account_id, person_id, confirmed FROM accounts"
        ).fetchall():
            (accounts if confirmed else claims)[platform][account_id] = person_id
        self._accounts = dict(accounts)
        self._claims = dict(claims)

    def reload_chats(self) -> None:
        self.chats = {(c.platform, c.chat_id): c for c in all_bindings(self.db)}

    def _load(self) -> None:
        db = self.db
        self._generation, accounts_version = self._versions()
        self.people: dict[str, Person] = {}
        self._by_name: dict[tuple[int, str], list[Person]] = defaultdict(list)
        for pid, name, role, class_id, dorm_id in db.execute(
            "SELECT id, name, role, class_id, dorm_id FROM people WHERE active = 1"
        ).fetchall():
            person = Person(pid, name, role, class_id, dorm_id)
            self.people[pid] = person
            if class_id is not None:
                self._by_name[(class_id, name)].append(person)
        self._children: dict[int, list[int]] = defaultdict(list)
        self._kind: dict[int, str] = {}
        self._classes_under: dict[int, list[int]] = {}
        for node_id, kind, parent_id in db.execute(
            "SELECT id, kind, parent_id FROM nodes"
        ).fetchall():
            self._kind[node_id] = kind
            if parent_id is not None:
                self._children[parent_id].append(node_id)
        self._responsible: dict[str, list[int]] = defaultdict(list)
        for pid, node_id in db.execute(
            "SELECT person_id, node_id FROM responsibilities"
        ).fetchall():
            self._responsible[pid].append(node_id)
        self.reload_chats()
        self._load_accounts(accounts_version)
        names = sorted({p.name for p in self.people.values()})
        offered, self._offered = self._offered, None
        probe = Parser.normalised_names(names)
        self.parser = offered if offered is not None and offered.names == probe else Parser(names)
        log.info("directory loaded: %d people, %d chats", len(self.people), len(self.chats))

    def chat(self, platform: str, chat_id: str) -> ChatBinding | None:
        return self.chats.get((platform, chat_id))

    def by_account(self, platform: str, account_id: str) -> Person | None:
        """The active person a confirmed account is bound to. Bindings change through
        commands at any time: the pipeline refreshes the directory at every batch and after
        every command, which reloads the accounts when they changed."""
        person_id = self._accounts.get(platform, {}).get(account_id)
        return self.people.get(person_id) if person_id is not None else None

    def claimed_by_account(self, platform: str, account_id: str) -> Person | None:
        """The student an unconfirmed account claims to be (never staff: a card or a
        /绑定 gives no role)."""
        person_id = self._claims.get(platform, {}).get(account_id)
        person = self.people.get(person_id) if person_id is not None else None
        return person if person is not None and person.role not in STAFF_ROLES else None

    def classes_under(self, node_id: int) -> list[int]:
        """The class nodes at or below `node_id` (computed once per node and roster load)."""
        cached = self._classes_under.get(node_id)
        if cached is not None:
            return cached
        out, stack = [], [node_id]
        while stack:
            current = stack.pop()
            if self._kind.get(current) == "class":
                out.append(current)
            stack.extend(self._children.get(current, ()))
        self._classes_under[node_id] = out
        return out

    def scope(self, chat: ChatBinding | None, sender: Person | None) -> list[int]:
        """The classes whose names a message may mention: the chat's node; in a private chat
        the sender's class, or for staff every class they are responsible for."""
        if chat is not None:
            return self.classes_under(chat.node_id)
        if sender is None:
            return []
        if sender.role in STAFF_ROLES:
            return [c for n in self._responsible.get(sender.id, ()) for c in self.classes_under(n)]
        return [sender.class_id] if sender.class_id is not None else []

    def named(self, name: str, class_ids: list[int]) -> list[Person]:
        return [p for c in class_ids for p in self._by_name.get((c, name), ())]


def resolve_entry(
    directory: Directory,
    sender: Person | None,
    name: str | None,
    class_ids: list[int],
    claimed: Person | None = None,
) -> Resolved:
    """Match one entry to a person.

    `sender` is the confirmed binding of the account; `claimed` the student an unconfirmed
    one claims (used only when there is no confirmed binding).

    - no name in the text: the sender, or the claimed student;
    - their own name: the same;
    - another name, found once in scope: that person (a 代报 by the sender);
    - otherwise a problem the caller can explain to the sender.
    """
    me = sender or claimed
    if name is None:
        return Resolved(me) if me is not None else Resolved(None, problem="unknown_sender")
    if me is not None and me.name == name:
        return Resolved(me)
    found = directory.named(name, class_ids)
    if len(found) == 1:
        return Resolved(found[0])
    return Resolved(None, problem="ambiguous" if found else "not_found")
