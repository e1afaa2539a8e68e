"""PostgreSQL behind the `Database` calls of storage/backend.py, on psycopg 3.

`PostgresDatabase` gives sqlite-utils' calls over one psycopg connection, so the SQL is
written once with sqlite3's `?` / `:name` placeholders; `pg_sql` rewrites them for psycopg.
The connection runs in autocommit, like sqlite-utils (each statement commits on its own):
`atomic()` and the message pipeline's explicit BEGIN open the transactions. Client-side
binding (psycopg.ClientCursor) sends parameters as literals, so PostgreSQL infers their types
from the context as SQLite does, instead of refusing an untyped `?`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import TransactionStatus

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_EMPTY_IN = re.compile(r"\b(NOT\s+)?IN\s*\(\s*\)", re.IGNORECASE)


def empty_in(sql: str) -> str:
    """`x IN ()` / `x NOT IN ()` (a list built from no values) as PostgreSQL can read it,
    with SQLite's meaning: false / true, whatever x, even NULL (`= ANY` of an empty array)."""
    return _EMPTY_IN.sub(
        lambda m: "<> ALL('{}')" if m.group(1) else "= ANY('{}')", sql
    )


@functools.lru_cache(maxsize=4096)
def pg_sql(sql: str) -> str:
    """`sql` with sqlite3 placeholders (`?`, `:name`) as psycopg's (`%s`, `%(name)s`).

    Cached: the same few hundred statements run again and again, and rewriting one in
    Python cost about as much as its round trip to the server.

    Quoted strings, quoted names and comments are left alone except that every `%` is
    doubled (psycopg reads the whole text for placeholders); `::` casts stay casts.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:  # '' inside a string
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c == "?":
            out.append("%s")
            i += 1
        elif c == "%":
            out.append("%%")
            i += 1
        elif c == ":":
            if sql.startswith("::", i):
                out.append("::")
                i += 2
                continue
            m = _NAME.match(sql, i + 1)
            if m:
                out.append(f"%({m.group()})s")
                i = m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _IntBoolDumper(Dumper):
    """True/False as 1/0: the schema keeps SQLite's integer flags (active, confirmed...)."""

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"

    def quote(self, obj: Any) -> bytes:
        return self.dump(obj)


class _NumberLoader(Loader):
    """numeric (what PostgreSQL's sum() of bigints gives) as int when whole, else float,
    as SQLite returns it; never Decimal, which the code would print as `3` vs `3.0`."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


class PgCursor:
    """A psycopg cursor with sqlite3's `lastrowid`: the id the last INSERT drew from its
    identity column (lastval()), read right after the INSERT as every caller does."""

    def __init__(self, cursor: psycopg.Cursor[Any], conn: psycopg.Connection[Any]) -> None:
        self._cursor = cursor
        self._conn = conn

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        row = self._conn.execute("SELECT lastval()").fetchone()
        return None if row is None else int(row[0])

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConnection:
    """sqlite3.Connection's calls over psycopg: execute/executemany with sqlite3
    placeholders, explicit BEGIN / SAVEPOINT / COMMIT, `in_transaction`."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn
        self._trace: Callable[[str], object] | None = None

    def set_trace_callback(self, trace: Callable[[str], object] | None) -> None:
        """Call `trace` with each statement's text, as sqlite3.Connection's does."""
        self._trace = trace

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status in (
            TransactionStatus.ACTIVE,
            TransactionStatus.INTRANS,
            TransactionStatus.INERROR,
        )

    def execute(self, sql: str, parameters: Any = None) -> PgCursor:
        if sql.strip().upper() in ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"):
            sql = "BEGIN"  # SQLite's write-lock hint: PostgreSQL locks rows as it writes
        if self._trace is not None:
            self._trace(sql)
        cursor = self.raw.cursor()
        sql = empty_in(sql)
        if parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(pg_sql(sql), _params(parameters))
        return PgCursor(cursor, self.raw)

    def executemany(self, sql: str, parameters: Iterable[Any]) -> PgCursor:
        if self._trace is not None:
            self._trace(sql)
        cursor = self.raw.cursor()
        cursor.executemany(pg_sql(empty_in(sql)), [_params(p) for p in parameters])
        return PgCursor(cursor, self.raw)

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()


def _params(parameters: Any) -> Sequence[Any] | Mapping[str, Any]:
    if isinstance(parameters, Mapping):
        return parameters
    return list(parameters)


class PgTable:
    """The sqlite-utils table helpers pingan's tests and fixtures use, on PostgreSQL: inserts
    (replacing by primary key on request) and updates by primary key; none of sqlite-utils'
    other options (alter, pk=, ignore), which would otherwise be silently dropped."""

    def __init__(self, db: PostgresDatabase, name: str) -> None:
        self.db = db
        self.name = name

    def insert(self, record: Mapping[str, Any], *, replace: bool = False) -> PgTable:
        return self.insert_all([record], replace=replace)

    def insert_all(
        self, records: Iterable[Mapping[str, Any]], *, replace: bool = False
    ) -> PgTable:
        """Insert the rows; `replace`: a row whose primary key exists overwrites it."""
        rows = list(records)
        if rows:
            cols = list(rows[0])
            sql = (
                f"INSERT INTO {self.name} ({', '.join(cols)}) "
                f"VALUES ({', '.join('?' for _ in cols)})"
            )
            if replace:
                sets = ", ".join(f"{c} = excluded.{c}" for c in cols)
                sql += f" ON CONFLICT ({', '.join(self.pks)}) DO UPDATE SET {sets}"
            self.db.conn.executemany(sql, [[r[c] for c in cols] for r in rows])
        return self

    def update(self, pk: Any, updates: Mapping[str, Any]) -> PgTable:
        (key,) = self.pks
        sets = ", ".join(f"{c} = ?" for c in updates)
        self.db.execute(f"UPDATE {self.name} SET {sets} WHERE {key} = ?", [*updates.values(), pk])
        return self

    @property
    def pks(self) -> list[str]:
        rows = self.db.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?::regclass AND i.indisprimary",
            [self.name],
        ).fetchall()
        return [r[0] for r in rows]

    @property
    def columns_dict(self) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            [self.name],
        ).fetchall()
        return {name: kind for name, kind in rows}

    @property
    def count(self) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {self.name}").fetchone()[0])

    @property
    def rows(self) -> Iterator[dict[str, Any]]:
        return self.rows_where()

    def rows_where(
        self, where: str | None = None, where_args: Any = None, order_by: str | None = None
    ) -> Iterator[dict[str, Any]]:
        sql = f"SELECT * FROM {self.name}"
        if where:
            sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {order_by}"
        return self.db.query(sql, where_args)


class PostgresDatabase:
    """The sqlite-utils calls pingan makes, on one psycopg 3 connection (see module doc)."""

    dialect = "postgresql"  # what storage.backend.is_postgres reads

    def __init__(self, url: str) -> None:
        self.url = url
        raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
        raw.adapters.register_dumper(bool, _IntBoolDumper)
        raw.adapters.register_loader("numeric", _NumberLoader)
        raw.execute("SET TIME ZONE 'UTC'")  # julianday() and date() in SQLite are UTC too
        # a statement waiting for another process's lock gives up after 5 s, as SQLite's
        # busy_timeout in storage/db.py (storage/txn.py's claims wait there)
        raw.execute("SET lock_timeout = '5s'")
        self.conn = PgConnection(raw)

    def execute(self, sql: str, parameters: Any = None) -> PgCursor:
        return self.conn.execute(sql, parameters)

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d.name for d in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))

    @contextmanager
    def atomic(self) -> Iterator[PostgresDatabase]:
        """A transaction, or a savepoint inside one: sqlite-utils 4's `Database.atomic`."""
        if self.conn.in_transaction:
            self.conn.execute("SAVEPOINT atomic")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK TO SAVEPOINT atomic")
                    self.conn.execute("RELEASE SAVEPOINT atomic")
                raise
            self.conn.execute("RELEASE SAVEPOINT atomic")
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def table(self, name: str) -> PgTable:
        return PgTable(self, name)

    def __getitem__(self, name: str) -> PgTable:
        return PgTable(self, name)

    def table_names(self) -> list[str]:
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() ORDER BY table_name"
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()
