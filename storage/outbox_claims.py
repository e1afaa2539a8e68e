"""Outbox rows claimed by one process before it sends them: no row goes out from two.

With several processes on one database (docs/run.md, "Several processes") each drains the
outbox only for the accounts it holds a lease on (storage/leases.py); rows queued without an
account (the platform's default sender) could be picked by any of them. So before a sender
makes its attempt it claims the rows: in one write transaction it checks that it still holds
its account's lease and marks every row of the batch `claimed_by` itself until
`claimed_until`, or claims none when any of them is already claimed by a live other process.
A process that dies leaves its claims to lapse; the process that takes over its account then
sends what was pending (after looking whether an unconfirmed attempt was delivered after all,
bot/outbox/sender.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.backend import Database
from storage.leases import holds, stamp
from storage.txn import immediate

#: The SQL condition "not claimed by a live other process"; parameters: holder, now.
FREE = "(claimed_by IS NULL OR claimed_by = ? OR claimed_until <= ?)"


class _Taken(Exception):
    """Some row of the batch is someone else's: undo the part already claimed."""


@dataclass(frozen=True, slots=True)
class OutboxClaims:
    """How one process claims: its lease holder name and how long a claim lasts."""

    holder: str
    claim_s: float

    def free(self, now: datetime) -> list[str]:
        """The parameters of FREE for this process at `now`."""
        return [self.holder, stamp(now)]

    def take(self, db: Database, lease: str, ids: list[int], now: datetime) -> bool:
        """Claim every row of `ids` for this process, or none of them.

        False when this process no longer holds the lease `lease` (platform:account) or when
        another live process claimed one of the rows first.
        """
        until = stamp(now + timedelta(seconds=self.claim_s))
        marks = ",".join("?" * len(ids))
        try:
            with immediate(db):
                if not holds(db, lease, self.holder, now):
                    return False
                cursor = db.execute(
                    f"UPDATE outbox SET claimed_by = ?, claimed_until = ? "
                    f"WHERE id IN ({marks}) AND status = 'pending' AND {FREE}",
                    [self.holder, until, *ids, *self.free(now)],
                )
                if cursor.rowcount != len(ids):
                    raise _Taken
        except _Taken:
            return False
        return True


def claimed(db: Database, holder: str) -> list[int]:
    """Ids of the pending rows `holder` has claimed (for tests and the operator)."""
    rows = db.execute(
        "SELECT id FROM outbox WHERE status = 'pending' AND claimed_by = ? ORDER BY id", [holder]
    ).fetchall()
    return [r[0] for r in rows]
