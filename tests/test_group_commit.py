"""Group commit in the message pipeline: a batch is one transaction, a failing message rolls
back alone, and nothing is confirmed (outbox woken, "recorded" logged) before the commit.
WAL checkpoints run in their own thread."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest

import handlers.checkin
from storage.backend import is_postgres
from storage.backend_pg import PostgresDatabase
from storage.checkpoint import Checkpointer
from tests.chain_helpers import NAMES, ClassGroup, student_id

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL


def _reader(db):
    """A second connection, as the dashboard or another process sees the store."""
    if is_postgres(db):
        return PostgresDatabase(db.url)
    path = db.execute("PRAGMA database_list").fetchone()[2]
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_a_failing_message_rolls_back_alone(db, clock, monkeypatch):
    group = ClassGroup(db, clock, monkeypatch)
    real = handlers.checkin.upsert_report

    def breaks_for_li_si(db, **kw):
        result = real(db, **kw)  # written, then the handler fails: must not survive
        if kw["person_id"] == student_id(2):
            raise RuntimeError("boom")
        return result

    monkeypatch.setattr(handlers.checkin, "upsert_report", breaks_for_li_si)
    batch = [group.message(f"q{i}", f"{NAMES[i - 1]} 36.{i} 正常 在校") for i in (1, 2, 3)]
    assert group.pipeline.handle_batch(batch) == ["checkin", "error", "checkin"]
    reports = {r[0] for r in db.execute("SELECT person_id FROM reports")}
    assert reports == {student_id(1), student_id(3)}
    kinds = dict(db.execute("SELECT message_id, kind FROM raw_messages"))
    assert kinds == {batch[0].message_id: "checkin", batch[1].message_id: "error",
                     batch[2].message_id: "checkin"}  # fmt: skip
    assert not db.conn.in_transaction
    # the failed one is a duplicate when redelivered, like any kept message
    assert group.pipeline.handle(batch[1]) == "duplicate"


def test_confirmations_wait_for_the_commit(db, clock, monkeypatch, caplog):
    group = ClassGroup(db, clock, monkeypatch)
    reader = _reader(db)
    seen_at_wake: list[int] = []
    seen_at_log: list[int] = []

    def outbox_rows() -> int:
        return reader.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def reports() -> int:
        return reader.execute("SELECT count(*) FROM reports").fetchone()[0]

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "recorded" in record.getMessage():
                seen_at_log.append(reports())

    group.pipeline.on_queued = lambda: seen_at_wake.append(outbox_rows())
    handler = Watch()
    logging.getLogger("handlers.pipeline").addHandler(handler)
    caplog.set_level(logging.INFO, logger="handlers.pipeline")
    try:
        batch = [
            group.message("q1", "张三 38.2 发烧 在家"),  # abnormal: a private reply is queued
            group.message("q2", "李四 36.5 正常 在校"),
        ]
        group.pipeline.handle_batch(batch)
    finally:
        logging.getLogger("handlers.pipeline").removeHandler(handler)
        reader.close()
    assert seen_at_wake == [1]  # woken once per batch, with the reply already visible
    assert seen_at_log == [2, 2]  # each "recorded" line written when both reports are durable


def test_one_commit_per_batch(db, clock, monkeypatch):
    group = ClassGroup(db, clock, monkeypatch)
    commits: list[str] = []
    db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    batch = [group.message(f"q{i}", f"{NAMES[i - 1]} 36.5 正常") for i in range(1, 9)]
    assert group.pipeline.handle_batch(batch) == ["checkin"] * 8
    db.conn.set_trace_callback(None)
    assert commits == ["COMMIT"]


@pytest.mark.sqlite_only(reason="SQLite's write-ahead log")
def test_checkpoints_leave_the_writer_alone_and_empty_the_wal_at_stop(db, tmp_path):
    """While it runs, the thread copies the log into the database file (which grows: the
    writer's own checkpoint is turned down to a safety net far above these writes); at stop
    it leaves the log empty."""
    path = tmp_path / "pingan.db"
    checkpointer = Checkpointer(path, interval_s=0.05)
    checkpointer.take_over(db)
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] > 1000
    before = path.stat().st_size
    checkpointer.start()
    try:
        for i in range(50):
            with db.atomic():
                db.execute(
                    "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, 'x', 'y', ?)",
                    [str(i), "z" * 2000],
                )
        deadline = time.monotonic() + 10
        while path.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert path.stat().st_size > before, "no checkpoint while running"
    finally:
        checkpointer.stop()
    assert (tmp_path / "pingan.db-wal").stat().st_size == 0
    reader = _reader(db)
    assert reader.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 50
    reader.close()


def test_a_batch_whose_commit_fails_is_retried_one_message_at_a_time(db, clock, monkeypatch):
    """A deferred constraint fails only at COMMIT: the batch rolls back whole, then each
    message gets its own transaction, so only the offending one is lost to the error."""
    group = ClassGroup(db, clock, monkeypatch)
    real = handlers.checkin.upsert_report

    def dangling_for_li_si(db, **kw):
        result = real(db, **kw)
        if kw["person_id"] == student_id(2):
            db.execute(
                "SET CONSTRAINTS ALL DEFERRED"
                if is_postgres(db)
                else "PRAGMA defer_foreign_keys = ON"
            )
            db.execute("UPDATE reports SET class_id = 999 WHERE person_id = ?", [student_id(2)])
        return result

    monkeypatch.setattr(handlers.checkin, "upsert_report", dangling_for_li_si)
    batch = [group.message(f"q{i}", f"{NAMES[i - 1]} 36.{i} 正常 在校") for i in (1, 2, 3)]
    assert group.pipeline.handle_batch(batch) == ["checkin", "error", "checkin"]
    assert {r[0] for r in db.execute("SELECT person_id FROM reports")} == {
        student_id(1),
        student_id(3),
    }
    assert not db.conn.in_transaction
