"""Who receives what: the chats bound to nodes, class monitors, counselors, the duty pair.

Loaded once per job run with a few queries (not per class), then looked up in memory.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from core.messages import OutgoingMessage
from schedules.runs import dedup_key
from storage.backend import Database
from storage.dialect import json_pairs
from storage.status import Account, Node, Student

COUNSELOR_ROLE = "辅导员"
MONITOR_ROLE = "班长"


@dataclass(frozen=True, slots=True)
class Chat:
    platform: str
    chat_id: str
    node_id: int
    purpose: str


def _people(db: Database, where: str, args: list) -> list[tuple[Student, int]]:
    """(person, key) rows with their confirmed accounts; key is the column `where` selects."""
    rows = db.execute(
        f"""
        SELECT p.id, p.name, p.class_id, p.private_nags, k.key,
               (SELECT {json_pairs(db, "a.platform", "a.account_id")}
                FROM accounts a WHERE a.person_id = p.id AND a.confirmed = 1)
        FROM people p JOIN ({where}) k ON k.person_id = p.id
        WHERE p.active = 1
        ORDER BY k.key, p.id
        """,
        args,
    )
    out = []
    for pid, name, class_id, nags, key, accounts in rows:
        accs = tuple(Account(str(pl), str(acc)) for pl, acc in json.loads(accounts))
        out.append((Student(pid, name, class_id, accs, bool(nags)), key))
    return out


class Recipients:
    """Chats by node and purpose, monitors by class, counselors by node they are 负责 for."""

    def __init__(self, db: Database, nodes: dict[int, Node]) -> None:
        self.nodes = nodes
        self.chats: dict[tuple[int, str], list[Chat]] = defaultdict(list)
        for platform, chat_id, node_id, purpose in db.execute(
            "SELECT platform, chat_id, node_id, purpose FROM chats ORDER BY platform, chat_id"
        ):
            self.chats[(node_id, purpose)].append(Chat(platform, chat_id, node_id, purpose))
        self.monitors: dict[int, list[Student]] = defaultdict(list)
        for person, class_id in _people(
            db, "SELECT id AS person_id, class_id AS key FROM people WHERE role = ?", [MONITOR_ROLE]
        ):
            self.monitors[class_id].append(person)
        self.responsible: dict[int, list[Student]] = defaultdict(list)
        for person, node_id in _people(
            db,
            """SELECT r.person_id, r.node_id AS key FROM responsibilities r
               JOIN people q ON q.id = r.person_id WHERE q.role = ?""",
            [COUNSELOR_ROLE],
        ):
            self.responsible[node_id].append(person)

    def lineage(self, node_id: int) -> list[int]:
        """The node, its parent, ... up to the root."""
        out: list[int] = []
        current: int | None = node_id
        while current is not None and current not in out:
            out.append(current)
            current = self.nodes[current].parent_id if current in self.nodes else None
        return out

    def class_chats(self, class_id: int) -> list[Chat]:
        return self.chats.get((class_id, "class"), [])

    def counselor_chats(self, node_id: int) -> list[Chat]:
        """The `counselor` chats bound to the nearest ancestor-or-self that has any."""
        for nid in self.lineage(node_id):
            found = self.chats.get((nid, "counselor"))
            if found:
                return found
        return []

    def counselors(self, class_id: int) -> list[Student]:
        """辅导员 whose 负责 covers the class (the class itself or an ancestor), nearest first."""
        seen: dict[str, Student] = {}
        for nid in self.lineage(class_id):
            for person in self.responsible.get(nid, ()):
                seen.setdefault(person.id, person)
        return list(seen.values())


def private_account(person: Student, prefer: str | None = None) -> Account | None:
    """The account to message a person privately: on `prefer`red platform when bound there."""
    if prefer:
        found = person.account_on(prefer)
        if found:
            return found
    return person.accounts[0] if person.accounts else None


def private_message(
    job: str,
    day: str,
    key: str,
    person: Student,
    text: str,
    *,
    prefer: str | None = None,
    image_path: str | None = None,
) -> OutgoingMessage | None:
    """`text` privately to `person` on their bound account, keyed by the job, its target and
    the person so that a re-run queues it once; None when they have bound no account."""
    account = private_account(person, prefer)
    if account is None:
        return None
    return OutgoingMessage(
        platform=account.platform,
        chat_type="private",
        target=account.account_id,
        text=text,
        image_path=image_path,
        dedup_key=dedup_key(job, key, day, f"private:{person.id}"),
    )


def contacts(db: Database, person_ids: list[str]) -> dict[str, Student]:
    """People by id with their confirmed accounts (e.g. the day's duty pair)."""
    if not person_ids:
        return {}
    marks = ",".join("?" * len(person_ids))
    rows = _people(
        db, f"SELECT id AS person_id, id AS key FROM people WHERE id IN ({marks})", person_ids
    )
    return {person.id: person for person, _ in rows}
