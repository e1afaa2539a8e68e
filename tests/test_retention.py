"""Retention: exactly what is older than the period goes, per-node daily counts stay."""

from __future__ import annotations

import json
import logging

import pytest

from core.clock import FakeClock
from schedules import Deps, build_scheduler
from storage.audit import record_export
from tests.schedules_helpers import (
    CLASS1,
    GRADE,
    add_leave,
    add_report,
    at,
    config,
    node_id,
    small_school,
)

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

TODAY = "2020-04-10"  # with 60 days of retention, 2020-02-10 is the first day kept


def count(db, table, where="TRUE", args=()):
    return db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", list(args)).fetchone()[0]


def seed(db):
    small_school(db)
    for day in ("2020-02-08", "2020-02-09", "2020-02-10", "2020-02-11"):
        add_report(db, "s1", day)
        add_report(db, "s2", day, temperature=37.9, abnormal=True, symptoms=("发热",))
        db["report_history"].insert(
            {"person_id": "s1", "day": day, "revision": 1, "fields": "{}", "replaced_at": day}
        )
        db["prompts"].insert({"person_key": "s1", "day": day, "kind": "correction"})
    for stamp in ("2020-02-09T23:59:00+08:00", "2020-02-10T00:00:00+08:00"):
        db["raw_messages"].insert(
            {"platform": "qq", "message_id": stamp, "chat_type": "group", "chat_id": "700001",
             "sender_id": "1001", "text": "张三 36.5", "sent_at": stamp, "received_at": stamp}
        )  # fmt: skip
    for stamp, status in (
        ("2020-02-09T21:00:00+08:00", "sent"),
        ("2020-02-09T21:00:00+08:00", "failed"),
        ("2020-02-10T21:00:00+08:00", "sent"),
    ):
        db["outbox"].insert(
            {"platform": "qq", "chat_type": "group", "target": "700001", "text": "x",
             "status": status, "next_attempt_at": stamp, "created_at": stamp}
        )  # fmt: skip
    add_leave(db, "s3", "2020-02-01", "2020-02-09")
    add_leave(db, "s4", "2020-02-05", "2020-02-10")
    # The 02-09 summary snapshot exists already; the purge must not rewrite it.
    db["daily_counts"].insert(
        {"day": "2020-02-09", "node_id": node_id(db, GRADE), "expected": 7, "reported": 2,
         "abnormal": 1, "on_leave": 0}
    )  # fmt: skip


async def test_nightly_purge_removes_exactly_what_is_older(db, tmp_path, caplog):
    seed(db)
    old_chart = tmp_path / "charts" / "2020-02-09"
    old_chart.mkdir(parents=True)
    (old_chart / "1.png").write_bytes(b"png")
    (tmp_path / "charts" / "2020-02-10").mkdir()
    deps = Deps(db, config(days="weekdays"), FakeClock(at("03:00", TODAY)), tmp_path / "charts")
    scheduler = build_scheduler(deps, manual=True)
    scheduler.start()
    with caplog.at_level(logging.INFO, logger="schedules.retention"):
        await scheduler.run_until(at("03:31", TODAY))
    scheduler.shutdown(wait=False)

    assert [d for (d,) in db.execute("SELECT DISTINCT day FROM reports ORDER BY day")] == [
        "2020-02-10", "2020-02-11",
    ]  # fmt: skip
    assert count(db, "report_history", "day < '2020-02-10'") == 0
    assert count(db, "report_history") == 2
    assert count(db, "prompts") == 2
    assert [m for (m,) in db.execute("SELECT message_id FROM raw_messages")] == [
        "2020-02-10T00:00:00+08:00"
    ]
    # rows before the cutoff go whatever their status: a failed one carries its text too
    assert sorted(db.execute("SELECT status, created_at FROM outbox").fetchall()) == [
        ("sent", "2020-02-10T21:00:00+08:00"),
    ]
    assert [p for (p,) in db.execute("SELECT person_id FROM leaves")] == ["s4"]
    assert not old_chart.exists() and (tmp_path / "charts" / "2020-02-10").exists()

    # daily counts: 02-08 computed before its reports went; 02-09's snapshot untouched
    class1 = node_id(db, CLASS1)
    assert db.execute(
        "SELECT expected, reported, abnormal FROM daily_counts WHERE day = ? AND node_id = ?",
        ["2020-02-08", class1],
    ).fetchone() == (3, 2, 1)  # 王五 and 赵六 were on leave that day
    assert db.execute(
        "SELECT reported FROM daily_counts WHERE day = '2020-02-09' AND node_id = ?",
        [node_id(db, GRADE)],
    ).fetchone() == (2,)
    assert count(db, "daily_counts", "day = '2020-02-09'") == 1

    (detail,) = [json.loads(d) for (d,) in db.execute(
        "SELECT detail FROM audit_log WHERE action = 'purge'")]  # fmt: skip
    assert detail["reports"] == 4 and detail["raw_messages"] == 1 and detail["outbox"] == 2
    assert any("retention purge before 2020-02-10" in r.getMessage() for r in caplog.records)


def test_export_audit_row(db):
    with db.atomic():
        record_export(
            db, actor="c1", via="dashboard", scope=GRADE, day_from="2020-02-01",
            day_to="2020-02-10", now=at("09:00"), rows=70, target="台账.xlsx",
        )  # fmt: skip
    at_, actor, action, detail = db.execute(
        "SELECT at, actor, action, detail FROM audit_log"
    ).fetchone()
    assert (actor, action) == ("c1", "export") and at_.startswith("2020-02-10T09:00")
    assert json.loads(detail) == {
        "via": "dashboard", "scope": GRADE, "day_from": "2020-02-01", "day_to": "2020-02-10",
        "rows": 70, "target": "台账.xlsx",
    }  # fmt: skip


def test_chain_state_tables_are_purged_when_present(db):
    from storage.retention import purge
    from tests.schedules_helpers import TZ

    # The 接龙 tables come from the chain feature's migration (handlers/chain).
    stamp = "2020-02-10T08:00:00+08:00"
    for day in ("2020-02-09", "2020-02-10"):
        db.execute(
            "INSERT INTO chain_days (platform, chat_id, day, updated_at) VALUES ('qq', 'g', ?, ?)",
            [day, stamp],
        )
        db.execute(
            "INSERT INTO chain_lines (platform, chat_id, day, line_hash, seq, number, text,"
            " person_key, parsed, message_key, first_seen, updated_at)"
            " VALUES ('qq', 'g', ?, 'h', 1, 1, '张三 36.5', 'name:张三', '{}', 'qq:1', ?, ?)",
            [day, stamp, stamp],
        )
    from datetime import date

    with db.atomic():
        removed = purge(db, date(2020, 2, 10), TZ)
    assert removed["chain_lines"] == 1 and removed["chain_days"] == 1
    assert db.execute("SELECT day FROM chain_lines").fetchall() == [("2020-02-10",)]
