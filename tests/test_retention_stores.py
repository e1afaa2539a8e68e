"""The retention purge covers every store of health facts, and `pingan purge --dry-run`
says what would go without touching anything.

A real SQLite file and config; the purge runs through the command line as an admin would,
on 2020-04-10 with 60 days of retention (2020-02-10 is the first day kept).
"""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime

import pytest

from bot.cli import main
from storage.audit import record, verify
from storage.db import open_db
from storage.export import export_ledger
from storage.keygroups import set_tag
from tests.schedules_helpers import add_report, small_school

OLD, KEPT = "2020-02-01T09:00:00+08:00", "2020-03-01T09:00:00+08:00"


def _case(db, person, status, closed_at, note):
    db.execute(
        "INSERT INTO cases (person_id, opened_day, opened_at, reason, last_abnormal_day, status,"
        " closed_at, closed_by, close_note) VALUES (?, '2020-01-30', ?, '38.5℃ 发热',"
        " '2020-01-30', ?, ?, 'c1', ?)",
        [person, OLD, status, closed_at, note],
    )


@pytest.fixture
def school(tmp_path):
    path = tmp_path / "pingan.db"
    exports = tmp_path / "exports"
    db = open_db(path)
    with db.atomic():
        small_school(db)
        add_report(db, "s2", "2020-02-01", temperature=38.5, abnormal=True, symptoms=("发热",))
        add_report(db, "s2", "2020-03-01")
        _case(db, "s2", "closed", OLD, "已退烧，复查正常")  # closed long ago: goes
        _case(db, "s3", "closed", KEPT, "复查正常")  # closed within retention: stays
        _case(db, "t1", "open", None, None)  # still followed up: stays
        set_tag(db, "s2", "湖北籍", "2020-01-01", 14, "roster")  # window ended 01-15: goes
        set_tag(db, "s3", "湖北籍", "2020-02-05", 14, "roster")  # ends 02-19: stays
        set_tag(db, "t1", "留校", "2020-01-01", 0, "roster")  # no end: stays
        for status in ("pending", "failed", "sent"):
            db["outbox"].insert(
                {"platform": "qq", "chat_type": "private", "target": "9001", "status": status,
                 "text": "【异常】计科1班 李四 38.5℃ 发热", "next_attempt_at": OLD,
                 "created_at": OLD}
            )  # fmt: skip
        record(db, "refused", "s1", datetime.fromisoformat(OLD), command="/补报",
               reason="s2 38.5 发烧 不在你的范围", chat="qq:700001")  # fmt: skip
        record(db, "refused", "s1", datetime.fromisoformat(KEPT), command="/补报",
               reason="s3 37.9 咳嗽")  # fmt: skip
        old_book = export_ledger(
            db, node_ids={1, 2, 3, 4}, days=["2020-02-01"], path=exports / "台账_old.xlsx",
            actor="c1", via="command", scope_label="", now=datetime.fromisoformat(OLD),
        )  # fmt: skip
        new_book = export_ledger(
            db, node_ids={1, 2, 3, 4}, days=["2020-03-01"], path=exports / "台账_new.xlsx",
            actor="c1", via="command", scope_label="", now=datetime.fromisoformat(KEPT),
        )  # fmt: skip
    db.close()
    when = datetime.fromisoformat(OLD).timestamp()
    os.utime(old_book, (when, when))
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  path: {path}\nexports:\n  dir: {exports}\n", encoding="utf-8")
    return path, config, old_book, new_book


def counts(path) -> dict[str, int]:
    db = open_db(path)
    try:
        return {
            "reports": db.execute("SELECT count(*) FROM reports").fetchone()[0],
            "cases": db.execute("SELECT count(*) FROM cases").fetchone()[0],
            "tags": db.execute("SELECT count(*) FROM tags").fetchone()[0],
            "outbox": db.execute("SELECT count(*) FROM outbox").fetchone()[0],
            "audit_text": db.execute(
                "SELECT count(*) FROM audit_log WHERE detail LIKE '%发烧%'"
            ).fetchone()[0],
        }
    finally:
        db.close()


def test_workbooks_are_created_readable_by_the_owner_only(school):
    _, _, old_book, new_book = school
    for book in (old_book, new_book):
        assert stat.S_IMODE(book.stat().st_mode) == 0o600


def test_dry_run_prints_what_would_go_and_changes_nothing(school, capsys):
    path, config, old_book, _ = school
    before = counts(path)
    assert main(["purge", "--dry-run", "--config", str(config), "--date", "2020-04-10"]) == 0
    out = capsys.readouterr().out
    assert "would remove what is older than 2020-02-10" in out
    lines = dict(line.split("\t") for line in out.splitlines()[1:])
    assert lines["reports"] == "1"
    assert lines["cases"] == "1"
    assert lines["tags"] == "1"
    assert lines["outbox"] == "3"
    assert lines["audit_log_redacted"] == "2"  # the old refusal and the old export
    assert lines["workbooks"] == "1"
    assert counts(path) == before
    assert old_book.exists()


def test_purge_removes_every_store_of_old_health_facts(school, capsys):
    path, config, old_book, new_book = school
    assert main(["purge", "--config", str(config), "--date", "2020-04-10"]) == 0
    assert "removed what is older than 2020-02-10" in capsys.readouterr().out
    db = open_db(path)
    try:
        assert db.execute("SELECT day FROM reports").fetchall() == [("2020-03-01",)]
        assert db.execute("SELECT person_id, status FROM cases ORDER BY id").fetchall() == [
            ("s3", "closed"),
            ("t1", "open"),
        ]
        notes = [n for (n,) in db.execute("SELECT close_note FROM cases")]
        assert "已退烧，复查正常" not in notes
        assert sorted(db.execute("SELECT person_id, tag FROM tags").fetchall()) == [
            ("s3", "湖北籍"),
            ("t1", "留校"),
        ]
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
        refused = [
            json.loads(d)
            for (d,) in db.execute("SELECT detail FROM audit_log WHERE action = 'refused'")
        ]
        assert refused[0] == {"command": "/补报", "redacted": True}
        assert "咳嗽" in refused[1]["reason"]  # within retention: kept
        assert verify(db).ok  # the chain survives the purge of its free text
        (purge_row,) = [
            json.loads(d)
            for (d,) in db.execute("SELECT detail FROM audit_log WHERE action = 'purge'")
        ]
        assert purge_row["workbooks"] == 1 and purge_row["cases"] == 1
    finally:
        db.close()
    assert not old_book.exists() and new_book.exists()
