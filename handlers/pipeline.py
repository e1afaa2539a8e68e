"""The message path: IncomingMessage → dedup → router → handler → reports and replies.

Group commit: a batch of messages (whatever the adapter has queued, or one) is written in one
transaction. A message that breaks a handler rolls back alone (the batch is replayed with a
savepoint per message, see `handle_batch`), is kept in raw_messages with kind `error`, and
the rest of the batch is stored; `handle` never raises to the adapter. Nothing is confirmed
before the commit: the outbox senders are woken and the "recorded" log line is written only
once the batch is durable, so a crash loses only messages the bot never confirmed (and the
platform redelivers or backfill finds them). A commit costs about as much as parsing a
message, so under a burst one commit per batch roughly doubles throughput; with one message
in hand it is a plain transaction.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

from core.clock import Clock
from core.config import Config
from core.messages import IncomingMessage
from handlers.care import lexicon_for, notice_distress
from handlers.chain.cache import forget as forget_chain
from handlers.context import HandlerContext
from handlers.prepare import PreParser
from handlers.quiz import take_answer
from handlers.resolve import Directory
from handlers.router import Routed, dispatch, route
from storage.backend import Database
from storage.raw_messages import record, set_kind

log = logging.getLogger(__name__)

Outcome = Literal["command", "chain", "list", "checkin", "other", "duplicate", "error"]
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# What clean_text changes: a control character or a lone surrogate. Text without one (nearly
# every message) is returned as it is, after one regex test.
UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Messages per transaction at most: bounds the latency a full queue adds to its last message.
MAX_BATCH = 256


def clean_text(text: str) -> str:
    """Text SQLite and the parser can take: valid UTF-8 (lone surrogates from a broken
    decoder become '?') and no control characters except newlines and tabs.

    Done on the UTF-8 bytes with `bytes.translate` (C speed): a 30 KB 接龙 repost costs
    microseconds, where a regex over the str cost milliseconds. In UTF-8 every control
    character is a single byte that no multi-byte sequence contains.
    """
    if not isinstance(text, str):
        text = str(text)
    if UNCLEAN.search(text) is None:
        return text
    return text.encode("utf-8", "replace").translate(None, CONTROL_BYTES).decode("utf-8")


class _Broken(Exception):
    """A message raised in an optimistic (savepoint-free) pass; the batch is replayed."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class Observer(Protocol):
    """What watches the message path from outside (bot/ops/metrics.py): told how long each
    batch took to route and parse, and what became of its messages. Called once per batch
    handed in, however the batch was replayed inside."""

    def routed(self, count: int, seconds: float) -> None: ...

    def handled(self, outcomes: Sequence[str], seconds: float) -> None: ...


class Pipeline:
    """Holds the per-process caches (roster directory, parser); one per database."""

    def __init__(
        self,
        db: Database,
        config: Config,
        clock: Clock,
        *,
        on_queued: Callable[[], None] | None = None,
        observer: Observer | None = None,
    ) -> None:
        """`on_queued` is called after a batch's replies are committed to the outbox (the
        app passes the outbox senders' `wake`, so a reply goes out without waiting a poll);
        `observer` hears of every batch (the app passes its metrics)."""
        self.db = db
        self.config = config
        self.clock = clock
        self.on_queued = on_queued
        self.observer = observer
        self.directory = Directory(db)
        self.preparser = PreParser()
        self.care = lexicon_for(config) if config.care.enabled else None

    async def __call__(self, message: IncomingMessage) -> None:
        """The adapters' message sink (`Callable[[IncomingMessage], Awaitable[None]]`).

        SQLite is synchronous and one message is a few short statements, so this runs inline
        on the event loop rather than in a thread (the connection belongs to this thread);
        a long text is read in the parse worker first (handlers/prepare.py).
        """
        await self.many([message])

    async def many(self, messages: Sequence[IncomingMessage]) -> None:
        """The batch sink: an adapter hands over every message it has queued (group commit).
        Nothing awaits inside the transaction, so no other task sees it half-written; the
        long texts were read before it, in the parse worker."""
        for start in range(0, len(messages), MAX_BATCH):
            chunk = messages[start : start + MAX_BATCH]
            if self.directory.stale():  # a roster import landed: its parser is built aside
                self.directory.offer(await self.preparser.build(self.directory.roster_names()))
            self.directory.refresh()  # the parser the transaction will use (it refreshes too)
            parser = self.directory.parser
            try:
                await self.preparser.prepare(parser, [clean_text(m.text) for m in chunk])
                self.handle_batch(chunk)
            finally:
                parser.forget_prepared()

    def close(self) -> None:
        """Stop the parse worker (at shutdown)."""
        self.preparser.close()

    def handle(self, message: IncomingMessage) -> Outcome:
        return self.handle_batch([message])[0]

    def handle_batch(self, messages: Sequence[IncomingMessage]) -> list[Outcome]:
        """Handle `messages` in order in one transaction; return each one's outcome.

        Optimistic first: the batch runs without savepoints (a savepoint makes SQLite copy
        every page a message touches into a sub-journal, which cost as much as the rest of
        the writes). When a message breaks a handler, that pass is rolled back whole and
        the batch is replayed with a savepoint per message, so only the broken message is
        lost to the error, exactly as if every message had had its savepoint all along.
        """
        started = time.perf_counter()
        outcomes = self._handle_batch(messages)
        if self.observer is not None and messages:
            self.observer.handled(outcomes, time.perf_counter() - started)
        return outcomes

    def _handle_batch(self, messages: Sequence[IncomingMessage]) -> list[Outcome]:
        conn = self.db.conn
        if conn.in_transaction:  # its confirmations would precede the caller's commit
            raise RuntimeError("the pipeline owns its transaction; call it outside one")
        try:
            try:
                outcomes, queued = self._transaction(messages, isolated=False)
            except _Broken as broken:
                log.info(
                    "message %s failed in a batch of %d; replaying the batch with a savepoint"
                    " per message",
                    broken.key,
                    len(messages),
                )
                forget_chain(self.db)  # the rolled-back pass may have applied chain lines
                outcomes, queued = self._transaction(messages, isolated=True)
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if len(messages) == 1:
                log.exception("message %s could not be stored", messages[0].key)
                forget_chain(self.db, messages[0].platform, messages[0].chat_id)
                return ["error"]
            log.exception("a batch of %d could not be committed; one at a time", len(messages))
            forget_chain(self.db)
            return [self._handle_batch([m])[0] for m in messages]
        if log.isEnabledFor(logging.INFO):
            for message, outcome in zip(messages, outcomes, strict=True):
                if outcome != "duplicate":
                    log.info("message %s recorded (%s)", message.key, outcome)
        if queued and self.on_queued is not None:
            self.on_queued()
        return outcomes

    def _transaction(
        self, messages: Sequence[IncomingMessage], *, isolated: bool
    ) -> tuple[list[Outcome], bool]:
        """One transaction over the batch: (outcomes, whether any reply was queued).

        `isolated`: each message in its own savepoint; a message that raises rolls back
        alone and is kept as kind `error`. Otherwise a message that raises aborts the whole
        transaction with `_Broken`. Rolls back whatever it leaves unfinished.

        BEGIN IMMEDIATE: with several processes on one SQLite file, a deferred transaction
        that reads (dedup, the roster) and then writes fails at once when another process
        committed in between, and its messages would be kept as errors, their reports lost
        (tests/test_cluster_pipeline.py). PostgreSQL reads it as a plain BEGIN.
        """
        conn = self.db.conn
        outcomes: list[Outcome] = []
        queued = False
        conn.execute("BEGIN IMMEDIATE")
        try:
            self.directory.refresh()
            parser = self.directory.parser
            plan = self._route(messages)
            for i, message in enumerate(messages):
                if isolated:
                    conn.execute("SAVEPOINT message")
                try:
                    outcome, sent = self._handle(message, *plan[i])
                except Exception as exc:
                    if not isolated:
                        raise _Broken(message.key) from exc
                    conn.execute("ROLLBACK TO message")
                    log.exception("message %s failed; kept as kind=error", message.key)
                    forget_chain(self.db, message.platform, message.chat_id)  # rolled back
                    self._keep(message, "error")
                    outcome, sent = "error", False
                if isolated:
                    conn.execute("RELEASE message")
                outcomes.append(outcome)
                queued = queued or sent
                if outcome == "command":  # a command may have imported a roster or bound one
                    self.directory.refresh()
                    if self.directory.parser is not parser:  # a new roster: read the rest anew
                        parser = self.directory.parser
                        plan[i + 1 :] = self._route(messages[i + 1 :])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes, queued

    def _route(self, messages: Sequence[IncomingMessage]) -> list[tuple[str, Routed | Exception]]:
        """Each message's cleaned text and route, or what routing raised (re-raised when that
        message is handled, so it fails alone as if routed there).

        Routing is pure (text and parser in, verdict out), so a batch is routed before any
        of it is written: the parser's tables stay in the CPU's caches across the batch
        instead of being evicted by SQLite's pages after every message, which made the
        parser a third slower on the message path than on its own.
        """
        started = time.perf_counter()
        parser = self.directory.parser
        plan: list[tuple[str, Routed | Exception]] = []
        for message in messages:
            text = clean_text(message.text)
            try:
                plan.append((text, route(text, parser)))
            except Exception as exc:
                plan.append((text, exc))
        if self.observer is not None and messages:
            self.observer.routed(len(messages), time.perf_counter() - started)
        return plan

    def _handle(
        self, message: IncomingMessage, text: str, routed: Routed | Exception
    ) -> tuple[Outcome, bool]:
        """One message inside the batch's transaction: (its outcome, whether it queued
        replies). Routing is pure, so the message is recorded once with its kind."""
        if isinstance(routed, Exception):
            raise routed
        directory = self.directory
        kind = routed.kind
        if not record(self.db, message, text, self.clock.now(), kind):
            log.info("duplicate message %s ignored", message.key)
            return "duplicate", False
        sender = directory.by_account(message.platform, message.sender_id)
        chat = (
            directory.chat(message.platform, message.chat_id)
            if message.chat_type == "group"
            else None
        )
        claimed = None
        if sender is None:
            claimed = directory.claimed_by_account(message.platform, message.sender_id)
            log.debug("sender %s:%s is not confirmed", message.platform, message.sender_id)
        ctx = HandlerContext(
            self.db, self.config, self.clock, message, sender, chat, claimed=claimed
        )
        if not (routed.kind == "other" and take_answer(ctx, text)):  # `A` to an open quiz
            dispatch(ctx, routed, directory)
        if routed.kind != kind:  # the chain differ found it was not a chain after all
            set_kind(self.db, message, routed.kind)
        if self.care is not None:
            notice_distress(ctx, routed.kind, text, self.care)
        return routed.kind, bool(ctx.sent)

    def _keep(self, message: IncomingMessage, kind: str) -> None:
        """The failed message's savepoint rolled back; keep the message itself so nothing is
        lost and a redelivery is recognised as a duplicate."""
        try:
            if not record(self.db, message, clean_text(message.text), self.clock.now(), kind):
                set_kind(self.db, message, kind)
        except Exception:
            log.exception("could not even keep message %s", message.key)
