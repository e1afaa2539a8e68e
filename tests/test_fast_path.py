"""The message path's fast lane: a batch is routed before any of it is written, then
written in one transaction without savepoints; a batch with a broken message is replayed
with a savepoint per message and ends exactly as it would have with savepoints all along
(each message confirmed once, only the broken one an error)."""

from __future__ import annotations

import logging

import pytest

import handlers.checkin
import handlers.pipeline
import handlers.router
from tests.chain_helpers import NAMES, ClassGroup, student_id

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL


def _statements(db) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    return seen


def test_a_clean_batch_takes_no_savepoint(db, clock, monkeypatch):
    group = ClassGroup(db, clock, monkeypatch)
    batch = [group.message(f"q{i}", f"{NAMES[i - 1]} 36.5 正常 在校") for i in range(1, 6)]
    seen = _statements(db)
    assert group.pipeline.handle_batch(batch) == ["checkin"] * 5
    db.conn.set_trace_callback(None)
    assert not [s for s in seen if s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    assert seen.count("COMMIT") == 1
    assert group.report_count() == 5


def test_a_broken_message_replays_the_batch_and_is_confirmed_once(db, clock, monkeypatch, caplog):
    group = ClassGroup(db, clock, monkeypatch)
    real = handlers.checkin.upsert_report
    calls: list[str] = []

    def breaks_for_wang_wu(db, **kw):
        calls.append(kw["person_id"])
        result = real(db, **kw)
        if kw["person_id"] == student_id(3):
            raise RuntimeError("boom")
        return result

    monkeypatch.setattr(handlers.checkin, "upsert_report", breaks_for_wang_wu)
    caplog.set_level(logging.INFO, logger="handlers.pipeline")
    batch = [group.message(f"q{i}", f"{NAMES[i - 1]} 36.{i} 正常 在校") for i in range(1, 6)]
    seen = _statements(db)
    outcomes = group.pipeline.handle_batch(batch)
    db.conn.set_trace_callback(None)
    assert outcomes == ["checkin", "checkin", "error", "checkin", "checkin"]
    # the optimistic pass stopped at 王五; the replay ran every message in its savepoint
    assert calls == [student_id(i) for i in (1, 2, 3, 1, 2, 3, 4, 5)]
    assert seen.count("SAVEPOINT message") == 5
    assert seen.count("COMMIT") == 1
    assert {r[0] for r in db.execute("SELECT person_id FROM reports")} == {
        student_id(i) for i in (1, 2, 4, 5)
    }
    assert db.execute("SELECT count(*) FROM report_history").fetchone()[0] == 0
    kinds = dict(db.execute("SELECT message_id, kind FROM raw_messages"))
    assert kinds[batch[2].message_id] == "error"
    recorded = [r.getMessage() for r in caplog.records if "recorded" in r.getMessage()]
    pairs = zip(batch, outcomes, strict=True)
    assert recorded == [f"message {m.key} recorded ({o})" for m, o in pairs]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1 and batch[2].key in failures[0].getMessage()
    assert not db.conn.in_transaction


def test_a_chain_applied_in_a_rolled_back_pass_is_read_again(db, clock, monkeypatch):
    """The chain differ keeps each chat's chain in memory; the replay must not start from
    lines the rolled-back pass applied."""
    group = ClassGroup(db, clock, monkeypatch)
    group.post("q1", "#接龙\n平安报告\n1. 张三 36.5 正常 在校")
    real = handlers.checkin.upsert_report

    def breaks_for_zhao_min(db, **kw):
        result = real(db, **kw)
        if kw["person_id"] == student_id(4):
            raise RuntimeError("boom")
        return result

    monkeypatch.setattr(handlers.checkin, "upsert_report", breaks_for_zhao_min)
    batch = [
        group.message("q2", "#接龙\n平安报告\n1. 张三 36.5 正常 在校\n2. 李四 36.6 正常 在校"),
        group.message("q4", "赵敏 36.4 正常 在校"),
    ]
    assert group.pipeline.handle_batch(batch) == ["chain", "error"]
    assert group.report(2)["temperature"] == 36.6
    assert group.report(4) is None
    monkeypatch.setattr(handlers.checkin, "upsert_report", real)
    group.post(
        "q3",
        "#接龙\n平安报告\n1. 张三 36.5 正常 在校\n2. 李四 36.6 正常 在校\n3. 王五 36.7 正常 在校",
    )
    assert group.report(3)["temperature"] == 36.7
    assert group.report_count() == 3
    assert db.execute("SELECT count(*) FROM report_history").fetchone()[0] == 0


def test_messages_after_a_roster_change_in_the_batch_are_read_with_the_new_roster(
    db, clock, monkeypatch
):
    """The batch is routed before it is written; a command that changes the roster makes
    the rest of the batch be read again with the new one."""
    group = ClassGroup(db, clock, monkeypatch)
    stamp = clock.now().isoformat()

    def enrol_maimaiti(ctx, routed, directory) -> None:
        ctx.db.execute(
            "INSERT INTO imports (kind, file, rows, at) VALUES ('roster', 'x.csv', 1, ?)", [stamp]
        )
        ctx.db.execute(
            "INSERT INTO people (id, name, class_id, updated_at) VALUES ('20219999', ?, 3, ?)",
            ["买买提", stamp],
        )

    monkeypatch.setitem(handlers.router.HANDLERS, "command", enrol_maimaiti)
    assert group.pipeline.directory.parser.parse("买买提 36.5 正常 在校").entries[0].name is None
    batch = [group.message("q1", "/帮助"), group.message("x9", "买买提 36.5 正常 在校")]
    assert group.pipeline.handle_batch(batch) == ["command", "checkin"]
    assert _reporter_of(db) == "20219999"


def test_a_message_whose_reading_fails_fails_alone(db, clock, monkeypatch):
    group = ClassGroup(db, clock, monkeypatch)
    real = handlers.pipeline.route

    def breaks_on_wang_wu(text, parser):
        if text.startswith("王五"):
            raise RuntimeError("boom")
        return real(text, parser)

    monkeypatch.setattr(handlers.pipeline, "route", breaks_on_wang_wu)
    batch = [group.message(f"q{i}", f"{NAMES[i - 1]} 36.5 正常 在校") for i in (1, 3, 4)]
    assert group.pipeline.handle_batch(batch) == ["checkin", "error", "checkin"]
    assert group.report_count() == 2
    kinds = dict(db.execute("SELECT message_id, kind FROM raw_messages"))
    assert kinds[batch[1].message_id] == "error"


def _reporter_of(db) -> str | None:
    row = db.execute("SELECT person_id FROM reports ORDER BY created_at DESC LIMIT 1").fetchone()
    return row[0] if row else None
