"""A chat's 接龙 for one day: every distinct entry line seen, who it credits, who wrote it.

The state lives in SQLite (`chain_days`, `chain_lines`) and, while the day is running, in
memory (see `cache.py`), so a repost is compared against a dict instead of re-read from the
database. Lines are keyed by their whitespace-normalised text; the table keeps a short stable
hash of it. A line is never deleted: a correction marks the old line `replaced`, a removal by
its author marks it `withdrawn`.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from core.parse_contract import Entry
from handlers.chain.split import ChainText
from storage.backend import Database

ACTIVE, REPLACED, WITHDRAWN = "active", "replaced", "withdrawn"
SNAPSHOTS_KEPT = 4  # recent reposts kept to find the unchanged prefix of the next one


def normalise(text: str) -> str:
    """The identity of an entry line: its text with runs of whitespace collapsed.

    Most lines already are (the splitter strips them): a printable text has no whitespace but
    the ASCII space, so without a double or edge space it is returned as it is, 5× faster.
    """
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def line_hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(slots=True)
class Line:
    key: str
    hash: str
    seq: int
    number: int
    person_key: str
    person_id: str | None
    name: str | None
    entry: Entry
    author_account: str | None
    author_person: str | None
    message_key: str
    status: str = ACTIVE


@dataclass(slots=True)
class Snapshot:
    """A repost as read: its text, its split and each entry's key, for prefix reuse."""

    text: str
    chain: ChainText
    keys: list[str]
    reused: int = 0  # leading entries taken unchanged from an earlier snapshot


@dataclass(slots=True)
class DayChain:
    platform: str
    chat_id: str
    day: str
    title: str = ""
    example: str | None = None
    opened_by_bot: bool = False
    messages: int = 0
    lines_parsed: int = 0
    lines: dict[str, Line] = field(default_factory=dict)  # key → line, every status
    active: dict[str, str] = field(default_factory=dict)  # person_key → key of active line
    active_keys: set[str] = field(default_factory=set)
    next_seq: int = 1
    roster_generation: int | None = None  # roster the unmatched lines were last tried against
    snapshots: deque[Snapshot] = field(default_factory=lambda: deque(maxlen=SNAPSHOTS_KEPT))

    def active_lines(self) -> list[Line]:
        """The consolidated chain: one active line per person, in order of first appearance."""
        return sorted((self.lines[k] for k in self.active_keys), key=lambda ln: ln.seq)


def _entry_from_json(data: dict) -> Entry:
    return Entry(
        name=data.get("name"),
        temperature=data.get("temperature"),
        abnormal=data.get("abnormal"),
        symptoms=list(data.get("symptoms") or []),
        on_campus=data.get("on_campus"),
        province=data.get("province"),
        isolation=data.get("isolation"),
    )


def load_day(db: Database, platform: str, chat_id: str, day: str) -> DayChain:
    """Read one chat-day's chain from SQLite (empty when nothing was seen yet)."""
    chain = DayChain(platform, chat_id, day)
    row = db.execute(
        "SELECT title, example, opened_by_bot, messages, lines_parsed FROM chain_days"
        " WHERE platform = ? AND chat_id = ? AND day = ?",
        [platform, chat_id, day],
    ).fetchone()
    if row is not None:
        chain.title, chain.example, opened_by_bot, chain.messages, chain.lines_parsed = row
        chain.opened_by_bot = bool(opened_by_bot)
    for (
        key, line_hash, seq, number, person_key, person_id, name, parsed, author_account,
        author_person, message_key, status,
    ) in db.execute(
        "SELECT text, line_hash, seq, number, person_key, person_id, name, parsed,"
        " author_account, author_person, message_key, status FROM chain_lines"
        " WHERE platform = ? AND chat_id = ? AND day = ? ORDER BY seq",
        [platform, chat_id, day],
    ):  # fmt: skip
        line = Line(
            key=key,
            hash=line_hash,
            seq=seq,
            number=number,
            person_key=person_key,
            person_id=person_id,
            name=name,
            entry=_entry_from_json(json.loads(parsed)),
            author_account=author_account,
            author_person=author_person,
            message_key=message_key,
            status=status,
        )
        chain.lines[line.key] = line
        chain.next_seq = line.seq + 1
        if line.status == ACTIVE:
            chain.active[line.person_key] = line.key
            chain.active_keys.add(line.key)
    return chain


def insert_line(db: Database, chain: DayChain, line: Line, now: datetime) -> None:
    stamp = now.isoformat()
    db.execute(
        """
        INSERT INTO chain_lines (platform, chat_id, day, line_hash, seq, number, text,
            person_key, person_id, name, parsed, author_account, author_person, message_key,
            status, first_seen, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            chain.platform,
            chain.chat_id,
            chain.day,
            line.hash,
            line.seq,
            line.number,
            line.key,
            line.person_key,
            line.person_id,
            line.name,
            json.dumps(line.entry.to_json(), ensure_ascii=False),
            line.author_account,
            line.author_person,
            line.message_key,
            line.status,
            stamp,
            stamp,
        ],
    )


def set_status(
    db: Database, chain: DayChain, line: Line, status: str, now: datetime
) -> None:
    db.execute(
        "UPDATE chain_lines SET status = ?, updated_at = ?"
        " WHERE platform = ? AND chat_id = ? AND day = ? AND line_hash = ?",
        [status, now.isoformat(), chain.platform, chain.chat_id, chain.day, line.hash],
    )


def set_credit(db: Database, chain: DayChain, line: Line, now: datetime) -> None:
    """Store who a line credits, after a roster change matched a line that named nobody."""
    db.execute(
        "UPDATE chain_lines SET person_id = ?, person_key = ?, name = ?, updated_at = ?"
        " WHERE platform = ? AND chat_id = ? AND day = ? AND line_hash = ?",
        [
            line.person_id,
            line.person_key,
            line.name,
            now.isoformat(),
            chain.platform,
            chain.chat_id,
            chain.day,
            line.hash,
        ],
    )


def save_day(db: Database, chain: DayChain, now: datetime) -> None:
    """Upsert the chat-day row: title, example, counters."""
    db.execute(
        """
        INSERT INTO chain_days (platform, chat_id, day, title, example, opened_by_bot,
                                messages, lines_parsed, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (platform, chat_id, day) DO UPDATE SET
            title = excluded.title, example = excluded.example,
            opened_by_bot = excluded.opened_by_bot, messages = excluded.messages,
            lines_parsed = excluded.lines_parsed, updated_at = excluded.updated_at
        """,
        [
            chain.platform,
            chain.chat_id,
            chain.day,
            chain.title,
            chain.example,
            int(chain.opened_by_bot),
            chain.messages,
            chain.lines_parsed,
            now.isoformat(),
        ],
    )
