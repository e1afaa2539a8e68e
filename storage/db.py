"""The store, opened once and passed down: a SQLite file, or a PostgreSQL database.

SQLite: WAL lets the dashboard read while the bot writes; `synchronous=NORMAL` in WAL mode is
durable against a process crash (kill -9) and loses at most the last commits on power loss.
PostgreSQL (`storage.url: postgresql://…`, docs/postgres.md): the same schema and queries
through storage/backend_pg.py, for a deployment that already runs one.

SQLite transactions take the write lock when they begin (`SQLiteDatabase.atomic`: BEGIN
IMMEDIATE). With several processes on one file (a cluster, docs/run.md) a deferred
transaction that reads and then writes fails with "database is locked" as soon as another
process committed in between (its snapshot is stale; the busy timeout cannot help), and its
work is lost: a member list left unbound, and with it the backfill after a takeover. Taking
the lock first makes it wait its turn instead. One process alone sees no difference.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from storage.backend import Cursor, Database
from storage.migrations import migrate


class SQLiteDatabase(sqlite_utils.Database):
    """sqlite-utils' Database whose outermost `atomic()` is BEGIN IMMEDIATE (module doc)."""

    @contextmanager
    def atomic(self) -> Iterator[SQLiteDatabase]:
        if self.conn.in_transaction:  # a savepoint inside the caller's transaction
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_db(path: str | Path | None = None, *, memory: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the SQLite database at `path`."""
    if memory or path is None:
        db = SQLiteDatabase(memory=True)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = SQLiteDatabase(str(path))
        _wal(db)
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=5000")
    migrate(db)
    return db


def _wal(db: sqlite_utils.Database) -> None:
    """Switch the file to WAL. Processes opening a new file together (docs/run.md, "Several
    processes") race for this switch, and SQLite answers "database is locked" at once
    instead of calling the busy handler: wait and try again, for up to the busy timeout."""
    for attempt in range(50):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == 49:
                raise
            time.sleep(0.1)


def open_store(url: str) -> Database:
    """Open and migrate the store `url` names: `sqlite:///path` or `postgresql://…`
    (checked by core/config.py's StorageConfig)."""
    if url.startswith(("postgresql://", "postgres://")):
        # imported here: psycopg loads only for a PostgreSQL store (storage/backend.py)
        from storage.backend_pg import PostgresDatabase
        from storage.migrations_pg import migrate_pg

        db = PostgresDatabase(url)
        migrate_pg(db)
        return db
    return open_db(sqlite_path(url))


def sqlite_path(url: str) -> str:
    """The file of a `sqlite:///path` URL: `sqlite:///data/x.db` is relative,
    `sqlite:////srv/x.db` absolute (SQLAlchemy's reading)."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a sqlite:/// URL: {url}")
    return url.removeprefix("sqlite:///")


def inserted_id(cursor: Cursor) -> int:
    """The id an INSERT through `cursor` just wrote. sqlite3 types `lastrowid` as optional
    (None on a cursor that never inserted), so the callers that need an id say so here."""
    rowid = cursor.lastrowid
    if rowid is None:
        raise ValueError("the statement inserted no row")
    return rowid
