import sqlite3

import pytest

from storage.db import open_db
from storage.migrations import MIGRATIONS, SchemaTooNew


def test_fresh_database_reaches_latest_version_in_wal(tmp_path):
    db = open_db(tmp_path / "a.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"reports", "raw_messages", "outbox", "job_runs"} <= set(db.table_names())


def test_reopening_runs_no_migration_twice(tmp_path):
    open_db(tmp_path / "a.db").close()
    db = open_db(tmp_path / "a.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_newer_schema_is_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "a.db")
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew):
        open_db(tmp_path / "a.db")
