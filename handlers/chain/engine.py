"""Apply one repost of a 接龙 to the day's chain: diff, parse what is new, credit, store.

The diff works on entry keys (whitespace-normalised text without the number):

- a key never seen before is new: it alone goes through the parser. If its person already
  has an active line, it is a correction and replaces that line; otherwise a continuation.
- a known key at another number is a renumbering: nothing to parse, nothing to store.
- an active key missing from the repost was removed. Only its author (the account that
  added it, or the person it credits) can withdraw it, and only with clear intent (see
  `apply_repost`); anyone else's repost simply lacks it, which is what a fork looks like
  (two students reposting the same base at once), so the line stays and the two branches
  merge by person.

Each entry is credited to the roster person it names; when the writer is anyone but that
person's confirmed (or claimed, unconfirmed) account the line is a 代报: the writer is
recorded, and it never replaces the student's own report (such a line stays in the chain's
history, not active, and the counselor hears of it when it says otherwise). A line naming
nobody on the roster is kept as unmatched, visible to the counselor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from handlers.cases import after_report, summarise
from handlers.chain.roster import Roster, account_claim, account_person
from handlers.chain.state import (
    ACTIVE,
    REPLACED,
    WITHDRAWN,
    DayChain,
    Line,
    Snapshot,
    insert_line,
    line_hash,
    normalise,
    save_day,
    set_credit,
    set_status,
)
from handlers.chain.withdraw import withdraw_chain_report
from handlers.parse import Parser
from handlers.proxy_reports import after_proxy, poster_label
from storage.backend import Database
from storage.reports import Author, Upserted, upsert_report

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Poster:
    """Who posted the repost: their platform account and, when its binding is confirmed,
    their person; `claimed_id` is the student an unconfirmed binding claims."""

    platform: str
    account_id: str
    person_id: str | None
    claimed_id: str | None = None
    display_name: str | None = None

    def wrote(self, line: Line) -> bool:
        """True when this poster may withdraw `line`: they added it, or it is their own."""
        if line.author_account == self.account_id:
            return True
        return self.person_id is not None and self.person_id in (line.person_id, line.author_person)


@dataclass(slots=True)
class ChainOutcome:
    entries: int = 0  # entries in the repost
    lines_parsed: int = 0  # entries that went through the parser
    added: list[Line] = field(default_factory=list)
    corrected: list[Line] = field(default_factory=list)
    withdrawn: list[Line] = field(default_factory=list)
    kept: list[Line] = field(default_factory=list)  # missing, but not removed by their author
    renumbered: int = 0
    unmatched: list[Line] = field(default_factory=list)  # new lines naming nobody on the roster
    refused: list[Line] = field(default_factory=list)  # 代报 lines that met the student's own

    @property
    def changed(self) -> bool:
        return bool(self.added or self.corrected or self.withdrawn)


@dataclass(slots=True)
class _Apply:
    db: Database
    state: DayChain
    roster: Roster
    parser: Parser
    poster: Poster
    message_key: str
    now: datetime
    out: ChainOutcome

    def author_of(self, number: int, line_authors: dict[int, str]) -> tuple[str, str | None]:
        """The account that wrote entry `number` (as numbered in the list; the WeChat adapter
        reads the numbers from solitaire_info) and its confirmed person; the poster when
        unknown."""
        account = line_authors.get(number, self.poster.account_id)
        if account == self.poster.account_id:
            return account, self.poster.person_id
        return account, account_person(self.db, self.poster.platform, account)

    def claim_of(self, account: str | None) -> str | None:
        if account is None:
            return None
        if account == self.poster.account_id:
            return self.poster.claimed_id
        return account_claim(self.db, self.poster.platform, account)

    def author_relation(self, line: Line) -> Author:
        """What the line's writer is to the student it credits (see handlers/authorship.py)."""
        if line.author_person is not None:
            return "self" if line.author_person == line.person_id else "proxy"
        claimed = self.claim_of(line.author_account)
        return "unconfirmed" if claimed is not None and claimed == line.person_id else "proxy"

    def new_line(self, number: int, text: str, key: str, author: tuple[str, str | None]) -> Line:
        entry = self.parser.parse_entry(text)
        self.out.lines_parsed += 1
        self.state.lines_parsed += 1
        account, author_person = author
        me = author_person or self.claim_of(account)
        person_id = self.roster.person_for(entry.name, text, prefer=me)
        if person_id is not None and self.hijacks(person_id, text, me):
            entry.name, person_id = text.lstrip()[: len(entry.name or "")] or None, None
        if (
            person_id is None
            and entry.name is None
            and me in self.roster.names
            and self.roster.name_in(text) is None
        ):
            person_id = me  # a line naming nobody, written by a classmate: theirs
        digest = line_hash(key)
        name = self.roster.names.get(person_id) if person_id else entry.name
        person_key = person_id or (f"name:{entry.name}" if entry.name else f"line:{digest}")
        line = Line(
            key=key,
            hash=digest,
            seq=self.state.next_seq,
            number=number,
            person_key=person_key,
            person_id=person_id,
            name=name,
            entry=entry,
            author_account=account,
            author_person=author_person,
            message_key=self.message_key,
        )
        self.state.next_seq += 1
        self.state.lines[key] = line
        current = self.state.active.get(person_key)
        if current and self.state.lines[current].entry.says_anything and not entry.says_anything:
            line.status = REPLACED  # a bare name beside their full line adds nothing
            insert_line(self.db, self.state, line, self.now)
            return line
        insert_line(self.db, self.state, line, self.now)
        self.activate(line)
        if person_id is None:
            self.out.unmatched.append(line)
        return line

    def hijacks(self, person_id: str, text: str, author_person: str | None) -> bool:
        """True when a line credited to `person_id` only through a typo or homophone match
        (their name is not written in it) would replace that student's line by someone else.

        The parser allows one wrong character when exactly one roster name fits; in a chain a
        classmate's line can look like that too (张山 beside 张三), so such a line is only
        credited to a student who has no line yet, or who wrote it.
        """
        name = self.roster.names[person_id]
        if name in text or person_id == author_person:
            return False
        return person_id in self.state.active

    def activate(self, line: Line) -> None:
        """Make `line` its person's active line (replacing any other) and record the report;
        a 代报 line that met the student's own report stays aside (REPLACED) instead."""
        state = self.state
        result = self.store(line)
        if result is not None and result.outcome == "kept":
            if line.status != REPLACED:
                line.status = REPLACED
                set_status(self.db, state, line, REPLACED, self.now)
            self.out.refused.append(line)
            return
        old_key = state.active.get(line.person_key)
        if old_key is not None and old_key != line.key:
            old = state.lines[old_key]
            old.status = REPLACED
            state.active_keys.discard(old_key)
            set_status(self.db, state, old, REPLACED, self.now)
            self.out.corrected.append(line)
        else:
            self.out.added.append(line)
        if line.status != ACTIVE:
            line.status = ACTIVE
            set_status(self.db, state, line, ACTIVE, self.now)
        state.active[line.person_key] = line.key
        state.active_keys.add(line.key)
        # A fever or 隔离 in a 接龙 line alerts the counselor like any other report.
        if result is not None and result.changed and (result.abnormal or line.entry.isolation):
            assert line.person_id is not None
            after_report(self.db, self.now, line.person_id, state.day, prefer=self.poster.platform)

    def store(self, line: Line) -> Upserted | None:
        """Upsert the report a line gives, with its writer; None when it gives none.

        A line that names the student and says nothing else (`6. 云海峰`, or a sign-up list
        of another kind) is no report: the student stays to be nagged for details.
        """
        if line.person_id is None or not line.entry.says_anything:
            return None
        author = self.author_relation(line)
        proxy = author == "proxy"
        account = f"{self.poster.platform}:{line.author_account}" if line.author_account else None
        result = upsert_report(
            self.db,
            person_id=line.person_id,
            day=self.state.day,
            class_id=self.roster.classes.get(line.person_id),
            entry=line.entry,
            source="chain",
            message_key=self.message_key,
            posted_by=line.author_person if proxy else None,
            proxy=proxy,
            now=self.now,
            author=author,
            posted_account=account,
        )
        if author != "self":  # a 代报, or a claim nobody confirmed: made visible
            shown = (
                self.poster.display_name if line.author_account == self.poster.account_id else None
            )
            after_proxy(
                self.db,
                self.now,
                person_id=line.person_id,
                day=self.state.day,
                said=line.entry.abnormal,
                result=result,
                poster=poster_label(self.db, line.author_person, account, shown),
                summary=summarise(line.entry),
                dedup=f"chain:{self.state.chat_id}:{line.hash}",
                prefer=self.poster.platform,
            )
        return result

    def recredit_unmatched(self) -> None:
        """After a roster change, try again the active lines that named nobody (no re-parse:
        the name read from the line is kept)."""
        state, roster = self.state, self.roster
        for key in [k for k in state.active_keys if state.lines[k].person_id is None]:
            line = state.lines[key]
            person_id = roster.person_for(line.entry.name, line.key, prefer=line.author_person)
            if person_id is None:
                continue
            state.active.pop(line.person_key, None)
            state.active_keys.discard(key)
            line.person_id, line.person_key = person_id, person_id
            line.name = roster.names[person_id]
            set_credit(self.db, state, line, self.now)
            self.activate(line)

    def withdraw(self, line: Line) -> None:
        state = self.state
        line.status = WITHDRAWN
        state.active_keys.discard(line.key)
        if state.active.get(line.person_key) == line.key:
            del state.active[line.person_key]
        set_status(self.db, state, line, WITHDRAWN, self.now)
        if line.person_id is not None:
            withdraw_chain_report(self.db, line.person_id, state.day, self.now)
        self.out.withdrawn.append(line)


def apply_repost(
    db: Database,
    state: DayChain,
    roster: Roster,
    parser: Parser,
    snapshot: Snapshot,
    poster: Poster,
    *,
    message_key: str,
    now: datetime,
    line_authors: dict[int, str] | None = None,
) -> ChainOutcome:
    """Diff `snapshot` against `state`, store what changed, and say what happened.

    Runs inside the caller's transaction; `state` is updated in memory as it goes.
    """
    out = ChainOutcome(entries=len(snapshot.keys))
    run = _Apply(db, state, roster, parser, poster, message_key, now, out)
    authors = line_authors or {}
    if state.roster_generation != roster.generation:
        run.recredit_unmatched()
        state.roster_generation = roster.generation
    state.messages += 1
    chain = snapshot.chain
    same_title = (
        not chain.title or not state.title or normalise(chain.title) == normalise(state.title)
    )
    if chain.title and not state.opened_by_bot:
        state.title = chain.title
    if chain.example and not state.example:
        state.example = chain.example

    present = set(snapshot.keys)
    seen_new: set[str] = set()
    entries, keys = chain.entries, snapshot.keys
    # The reused prefix was diffed when its snapshot was applied; only the tail is looked at.
    for position in range(snapshot.reused, len(entries)):
        entry, key = entries[position], keys[position]
        line = state.lines.get(key)
        if line is None:
            if key not in seen_new and key:
                seen_new.add(key)
                run.new_line(entry.number, entry.text, key, run.author_of(entry.number, authors))
            continue
        if line.number != entry.number:
            line.number = entry.number
            out.renumbered += 1
        if line.status != ACTIVE and poster.wrote(line):
            current = state.active.get(line.person_key)
            if current is None or current not in present:  # its author brought it back
                run.activate(line)

    gone = state.active_keys - present
    # Removing is the one destructive step, so it needs clear intent: the repost continues
    # this chain (same title, shares lines), the line is the poster's, and either the repost
    # only removes, or the poster's new line took the removed line's place (a fixed name).
    # A poster who copied a fork that lost their line and adds someone else's keeps theirs.
    continues = same_title and len(present) > len(seen_new)  # it repeats known lines
    only_removes = not (out.added or out.corrected)
    replaced_at = {ln.number for ln in out.added + out.corrected if poster.wrote(ln)}
    for key in gone:
        line = state.lines[key]
        if continues and poster.wrote(line) and (only_removes or line.number in replaced_at):
            run.withdraw(line)
        else:
            out.kept.append(line)
    save_day(db, state, now)
    state.snapshots.append(snapshot)
    if out.changed:
        log.info(
            "chain %s:%s %s: +%d ~%d -%d kept %d unmatched %d parsed %d",
            state.platform,
            state.chat_id,
            state.day,
            len(out.added),
            len(out.corrected),
            len(out.withdrawn),
            len(out.kept),
            len(out.unmatched),
            out.lines_parsed,
        )
    return out
