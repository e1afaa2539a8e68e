"""A write transaction that takes the write lock first: what a claim shared by processes needs.

`db.atomic()` opens a deferred transaction. On one SQLite file shared by several processes
(WAL), a deferred transaction that reads and then writes fails with "database is locked" the
moment another process committed in between (the busy timeout cannot help: its snapshot is
stale). `BEGIN IMMEDIATE` takes the write lock before the first read, so claims made by
read-then-write code (a job's job_runs rows, a lease, an outbox row) queue behind each other
and each sees what the previous one committed. On a backend without SQLite's locking (the
PostgreSQL wrapper) the row claims are single `INSERT … ON CONFLICT` / `UPDATE … WHERE`
statements that are atomic by themselves, so a plain transaction is enough there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from storage.backend import Database


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
