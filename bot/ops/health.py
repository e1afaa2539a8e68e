"""/healthz's verdict: the store takes a write and every configured account is connected.

A write is the honest test of "writable": a file can be opened yet refuse writes (read-only
mount, permissions changed, disk full), and only a commit shows it. The probe is one row in
`health_probe`, updated in its own short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.ops.accounts import AccountState
from storage.backend import Database, store_errors


@dataclass(frozen=True, slots=True)
class Health:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def store_problem(db: Database, now: datetime) -> str | None:
    """None when a commit to the store succeeds; otherwise the reason, in a few words."""
    conn = db.conn
    if conn.in_transaction:  # a message batch is being written right now: it is writable
        return None
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO health_probe (id, at) VALUES (1, ?) "
            "ON CONFLICT(id) DO UPDATE SET at = excluded.at",
            [now.isoformat()],
        )
        conn.execute("COMMIT")
    except store_errors() as e:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return f"store not writable: {e}"
    return None


def check(db: Database, accounts: list[AccountState], now: datetime) -> Health:
    problems = []
    problem = store_problem(db, now)
    if problem is not None:
        problems.append(problem)
    problems += [f"{a.label} not connected" for a in accounts if not a.connected]
    return Health(problems)
