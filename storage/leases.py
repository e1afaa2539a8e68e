"""Leases on chat accounts: which process of a cluster drives which account, until when.

Several `pingan run` processes may share one database (docs/run.md, "Several processes").
Each chat account is driven by one of them at a time: the holder of its lease. The holder
renews the lease well before it expires; a process that dies stops renewing, and once the
lease has expired any other process configured with the account takes it over. Acquiring
and renewing are the same single statement (an upsert that only overwrites an expired lease
or one we hold), so two processes racing for a free account cannot both win, on SQLite or
on PostgreSQL. Times come from the caller's clock and are stored in UTC: the processes'
clocks must agree (NTP) to well within the lease length.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.backend import Database
from storage.txn import immediate


@dataclass(frozen=True, slots=True)
class Lease:
    account: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def new_holder() -> str:
    """This process's name in the leases: host:pid:random (a restarted pid is a new holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def stamp(when: datetime) -> str:
    """The stored form of a time: UTC ISO text, so that text order is time order."""
    if when.tzinfo is None:
        raise ValueError("lease times must be timezone-aware")
    return when.astimezone(UTC).isoformat()


def hold(
    db: Database, account: str, holder: str, now: datetime, lease_s: float
) -> bool:
    """Acquire or renew the lease on `account` for `lease_s` seconds from `now`.

    True when `holder` holds it afterwards: it was free, expired, or already ours. False
    when another process holds an unexpired lease (nothing is changed then). Commits
    (or joins the caller's transaction).
    """
    at, until = stamp(now), stamp(now + timedelta(seconds=lease_s))
    with immediate(db):
        cursor = db.execute(
            """
        INSERT INTO account_leases (account, holder, acquired_at, renewed_at, expires_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (account) DO UPDATE SET
            acquired_at = CASE WHEN account_leases.holder = excluded.holder
                               THEN account_leases.acquired_at ELSE excluded.acquired_at END,
            holder = excluded.holder,
            renewed_at = excluded.renewed_at,
            expires_at = excluded.expires_at
        WHERE account_leases.holder = excluded.holder
           OR account_leases.expires_at <= excluded.renewed_at
        """,
            [account, holder, at, at, until],
        )
    return cursor.rowcount == 1


def release(db: Database, account: str, holder: str) -> bool:
    """Give the lease up (a clean stop): a standby can take over at once, not after expiry."""
    with immediate(db):
        cursor = db.execute(
            "DELETE FROM account_leases WHERE account = ? AND holder = ?", [account, holder]
        )
    return cursor.rowcount == 1


def holds(db: Database, account: str, holder: str, now: datetime) -> bool:
    """`holder` holds an unexpired lease on `account` at `now`."""
    row = db.execute(
        "SELECT 1 FROM account_leases WHERE account = ? AND holder = ? AND expires_at > ?",
        [account, holder, stamp(now)],
    ).fetchone()
    return row is not None


def leases(db: Database) -> list[Lease]:
    """Every lease, expired or not, by account."""
    rows = db.execute(
        "SELECT account, holder, acquired_at, expires_at FROM account_leases ORDER BY account"
    ).fetchall()
    return [
        Lease(a, h, datetime.fromisoformat(acq), datetime.fromisoformat(exp))
        for a, h, acq, exp in rows
    ]
