"""accounts_version: the resolver reloads its account map when this number changes
(handlers/resolve.py). Any change to accounts moves it, on both stores; a statement that
changes no account leaves it, so no message pays for a reload it does not need. (On
PostgreSQL the bump is once per transaction: once per row, a roster import of N accounts in
one transaction cost O(N²), storage/migrations_pg.py.)"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_stores


def version(db) -> int:
    return db.execute("SELECT version FROM accounts_version").fetchone()[0]


def test_changes_to_accounts_move_the_version_and_no_change_leaves_it(db):
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO people (id, name, updated_at) VALUES (?, ?, 'x')",
            [(f"S{n}", f"学生{n}") for n in range(300)],
        )
    before = version(db)
    with db.atomic():  # a roster import: many accounts in one transaction
        db.conn.executemany(
            "INSERT INTO accounts (platform, account_id, person_id, created_at)"
            " VALUES ('qq', ?, ?, 'x')",
            [(str(10000 + n), f"S{n}") for n in range(300)],
        )
    imported = version(db)
    assert imported > before
    db.execute("UPDATE accounts SET display_name = 'x' WHERE account_id = 'nobody'")
    db.execute("DELETE FROM accounts WHERE account_id = 'nobody'")
    assert version(db) == imported
    db.execute("UPDATE accounts SET display_name = '张三' WHERE account_id = '10000'")
    assert version(db) > imported
    changed = version(db)
    db.execute("DELETE FROM accounts WHERE account_id = '10001'")
    assert version(db) > changed
