"""A write transaction that takes the write lock first: what a claim shared by processes needs.

`db.atomic()` opens a deferred transaction. On one SQLite file shared by several processes
(WAL), a deferred transaction that reads and then writes fails with "database is locked" the
moment another process committed in between (the busy timeout cannot help: its snapshot is
stale). `BEGIN IMMEDIATE` takes the write lock before the first read, so claims made by
read-then-write code (a job's job_runs rows, a lease, an outbox row, the roster import at
start) queue behind each other and each sees what the previous one committed.

PostgreSQL has no database-wide write lock, and under its READ COMMITTED isolation two such
transactions could both read "not yet done" and both go on. So there `immediate` takes one
transaction-level advisory lock (CLAIMS) first: the same queue as SQLite's, across every
process on the database, released by COMMIT or ROLLBACK (also when a process dies, since its
connection closes). Each statement after the lock sees everything committed before it
(READ COMMITTED takes a new snapshot per statement). The claims are also single statements
that stay right without the lock (`INSERT … ON CONFLICT`, `UPDATE … WHERE` re-checked on the
locked row), so code writing those rows outside `immediate` cannot break them either.
A wait for the lock gives up after the connection's lock_timeout (storage/backend_pg.py),
as SQLite's busy timeout does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from storage.backend import Database, is_postgres

#: The advisory lock key of the claim transactions (any bigint; the migrations use another,
#: storage/migrations_pg.py). 'pingan' in ASCII.
CLAIMS = 0x70696E67616E


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """`with immediate(db):` like `with db.atomic():`, holding the write lock from the start.

    Inside a transaction already open it is a savepoint (on SQLite the outer one decides the
    mode; on PostgreSQL the advisory lock is taken there and held to the outer COMMIT).
    """
    if is_postgres(db):
        with db.atomic():
            db.execute("SELECT pg_advisory_xact_lock(?)", [CLAIMS])
            yield db
        return
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
def patient(db: Database) -> Iterator[Database]:
    """`immediate`, waiting for the lock as long as it takes instead of giving up after the
    busy/lock timeout (5 s): for the start-up import of processes starting together, where
    the first may import a large roster for longer than that (12,000 students on
    PostgreSQL did), and the others are right to wait for it rather than die."""
    if is_postgres(db):
        with db.atomic():
            db.execute("SET LOCAL lock_timeout = 0")
            with immediate(db):
                yield db
        return
    (timeout,) = db.execute("PRAGMA busy_timeout").fetchone()
    db.execute("PRAGMA busy_timeout = 3600000")
    try:
        with immediate(db):
            yield db
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(timeout)}")
