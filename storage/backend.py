"""The store the code talks to: sqlite-utils on SQLite, or PostgreSQL (storage/backend_pg.py).

Every module takes a `Database`: the part of the sqlite-utils API pingan uses (execute,
atomic, conn for explicit BEGIN/SAVEPOINT, close, and the table helpers the tests use).
sqlite_utils.Database is one; storage/backend_pg.PostgresDatabase gives the same calls over
psycopg 3, so the SQL is written once with sqlite3's placeholders. The few statements that
truly differ between the two go through storage/dialect.py.

This module imports no psycopg: a SQLite deployment never loads it (storage/db.py imports
storage/backend_pg only to open a postgresql:// store).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Iterator
from typing import Any, Protocol


class Cursor(Protocol):
    """What callers read from an executed statement (sqlite3.Cursor has all of it)."""

    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The raw connection: explicit transactions and executemany (sqlite3.Connection fits)."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...


class Database(Protocol):
    """A store pingan can run on: sqlite_utils.Database or PostgresDatabase."""

    @property
    def conn(self) -> Any: ...

    def execute(self, sql: str, parameters: Any = None) -> Any: ...

    def atomic(self) -> Any: ...

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]: ...

    def __getitem__(self, name: str) -> Any: ...

    def table_names(self) -> list[str]: ...

    def close(self) -> None: ...


def is_postgres(db: object) -> bool:
    """Whether `db` is a PostgreSQL store (backend_pg.PostgresDatabase.dialect)."""
    return getattr(db, "dialect", "sqlite") == "postgresql"


def store_errors() -> tuple[type[Exception], ...]:
    """What a failed statement raises, on either store (a full disk, a lost server...).
    psycopg's errors only once psycopg is loaded: before that none can be raised."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)
