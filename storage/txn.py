"""A write transaction that takes the write lock first: what a claim shared by processes needs.

`db.atomic()` opens a deferred transaction. On one SQLite file shared by several processes
(WAL), a deferred transaction that reads and then writes fails with "database is locked" the
moment another process committed in between (the busy timeout cannot help: its snapshot is
stale). `BEGIN IMMEDIATE` takes the write lock before the first read, so claims made by
read-then-write code (a job's job_runs rows, a lease, an outbox row) queue behind each other
and each sees what the previous one committed. On a backend without SQLite's locking (the
PostgreSQL wrapper) the row claims are single `INSERT … ON CONFLICT` / `UPDATE … WHERE`
statements that are atomic by themselves, so a plain transaction is enough there.
`exclusive` is for the work that is not one statement (the start-up roster import of
processes starting together): on PostgreSQL it also waits for a transaction advisory lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from storage.backend import Database, is_postgres

EXCLUSIVE_LOCK = 7_020_211  # the advisory lock of `exclusive` (any number only pingan uses)


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """`with immediate(db):` like `with db.atomic():`, holding the write lock from the start.

    Inside a transaction already open it is a savepoint (the outer one decides the mode).
    """
    conn = getattr(db, "conn", None)
    if not isinstance(conn, sqlite3.Connection) or conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def exclusive(db: Database) -> Iterator[Database]:
    """`immediate`, and one at a time across processes on PostgreSQL too (held until the
    transaction ends): two processes importing the roster at once both inserted the same
    nodes there ("duplicate key value violates unique constraint nodes_path_key")."""
    with immediate(db):
        if is_postgres(db):
            db.execute("SELECT pg_advisory_xact_lock(?)", [EXCLUSIVE_LOCK])
        yield db
