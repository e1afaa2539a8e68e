"""The directory answers "who is this account" from memory; any change to the accounts, by
this connection or another process, is seen by the next batch or right after a command."""

from __future__ import annotations

import sqlite3

from tests.chain_helpers import ClassGroup, student_id


def _other_process(db) -> sqlite3.Connection:
    path = db.execute("PRAGMA database_list").fetchone()[2]
    return sqlite3.connect(path)


def _reporter(db) -> str | None:
    row = db.execute("SELECT person_id FROM reports ORDER BY rowid DESC LIMIT 1").fetchone()
    return row[0] if row else None


def test_a_binding_made_by_another_process_counts_from_the_next_message(db, clock, monkeypatch):
    group = ClassGroup(db, clock, monkeypatch)
    assert group.pipeline.handle(group.message("new-phone", "36.5 正常 在校")) == "checkin"
    assert _reporter(db) is None  # unknown account, no name: nobody's report
    other = _other_process(db)
    with other:
        other.execute(
            "INSERT INTO accounts (platform, account_id, person_id, created_at)"
            " VALUES ('qq', 'new-phone', ?, '2020-02-10T08:00:00+08:00')",
            [student_id(5)],
        )
    other.close()
    assert group.pipeline.handle(group.message("new-phone", "36.6 正常 在校")) == "checkin"
    assert _reporter(db) == student_id(5)


def test_unconfirmed_confirmed_and_removed_accounts(db, clock, monkeypatch):
    group = ClassGroup(db, clock, monkeypatch)
    with db.atomic():
        db.execute(
            "INSERT INTO accounts (platform, account_id, person_id, confirmed, created_at)"
            " VALUES ('qq', 'pad', ?, 0, '2020-02-10T08:00:00+08:00')",
            [student_id(6)],
        )
    group.pipeline.handle(group.message("pad", "36.5 正常 在校"))
    # waiting for confirmation: it reports for its student, marked as not confirmed
    assert _reporter(db) == student_id(6) and group.report(6)["author"] == "unconfirmed"
    with db.atomic():
        db.execute("UPDATE accounts SET confirmed = 1 WHERE account_id = 'pad'")
    group.pipeline.handle(group.message("pad", "36.6 正常 在校"))
    assert _reporter(db) == student_id(6) and group.report(6)["author"] == "self"
    with db.atomic():
        db.execute("DELETE FROM reports")
        db.execute("DELETE FROM accounts WHERE account_id = 'pad'")
    group.pipeline.handle(group.message("pad", "36.7 正常 在校"))
    assert _reporter(db) is None


def test_a_bind_command_counts_for_the_next_message_of_the_same_batch(db, clock, monkeypatch):
    group = ClassGroup(db, clock, monkeypatch)
    with db.atomic():
        db.execute("DELETE FROM accounts WHERE account_id = 'q4'")
    group.pipeline.handle(group.message("q1", "收到"))  # the directory has seen the delete
    batch = [
        group.message("q4", f"/绑定 {student_id(4)} 赵敏"),
        group.message("q4", "36.4 正常 在校"),
    ]
    assert group.pipeline.handle_batch(batch) == ["command", "checkin"]
    assert _reporter(db) == student_id(4)
    # the /绑定 is not confirmed yet: the report counts, marked as such
    assert group.report(4)["temperature"] == 36.4 and group.report(4)["author"] == "unconfirmed"
