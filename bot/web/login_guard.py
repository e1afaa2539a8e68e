"""Failed dashboard logins, counted per client address, with a short lock-out.

A login token is long and random, so guessing one is hopeless, but a script trying many
is still an attack worth seeing and slowing: each failure is logged with the address, and
after `MAX_FAILURES` within `WINDOW` that address may not try again for `LOCKOUT` (a right
token included, or the lock-out would only slow the guessing down). Kept in memory: a
restart forgets it, which costs an attacker a restart per few guesses.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW = timedelta(minutes=10)
LOCKOUT = timedelta(minutes=5)
MAX_ADDRESSES = 10_000  # memory bound: the oldest addresses are forgotten first


@dataclass(slots=True)
class LoginGuard:
    """Failure times and lock-outs per address, judged on the app's clock."""

    failures: dict[str, deque[datetime]] = field(default_factory=dict)
    locked_until: dict[str, datetime] = field(default_factory=dict)

    def locked(self, address: str, now: datetime) -> datetime | None:
        """When the address may try again, or None when it may try now."""
        until = self.locked_until.get(address)
        if until is not None and now >= until:
            del self.locked_until[address]
            return None
        return until

    def failed(self, address: str, now: datetime) -> None:
        times = self.failures.pop(address, deque())
        times.append(now)
        while times and now - times[0] > WINDOW:
            times.popleft()
        self.failures[address] = times  # re-inserted last: dict order is recency
        if len(self.failures) > MAX_ADDRESSES:
            del self.failures[next(iter(self.failures))]
        log.warning("dashboard login failed from %s (%d in %s)", address, len(times), WINDOW)
        if len(times) >= MAX_FAILURES:
            self.locked_until[address] = now + LOCKOUT
            del self.failures[address]
            log.warning("dashboard logins from %s locked until %s", address, now + LOCKOUT)

    def succeeded(self, address: str) -> None:
        self.failures.pop(address, None)
