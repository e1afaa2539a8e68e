"""One SQLite file, opened once and passed down.

WAL lets the dashboard read while the bot writes; `synchronous=NORMAL` in WAL mode is
durable against a process crash (kill -9) and loses at most the last commits on power loss.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from storage.migrations import migrate


def open_db(path: str | Path | None = None, *, memory: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at `path`."""
    if memory or path is None:
        db = sqlite_utils.Database(memory=True)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(str(path))
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=5000")
    migrate(db)
    return db


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT through `cursor` just wrote. sqlite3 types `lastrowid` as optional
    (None on a cursor that never inserted), so the callers that need an id say so here."""
    rowid = cursor.lastrowid
    if rowid is None:
        raise ValueError("the statement inserted no row")
    return rowid
