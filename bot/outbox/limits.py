"""The pace an account may send at: per chat and per minute, on an injectable clock.

Kept in memory per sender and seeded from the outbox's recent `sent_at`s at start, so a
restart does not hand a fresh budget to an account that just sent twenty messages.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


class RateLimiter:
    def __init__(self, per_target_interval_s: float, per_minute: int) -> None:
        self.interval = timedelta(seconds=per_target_interval_s)
        self.per_minute = per_minute
        self._window: deque[datetime] = deque()
        self._last: dict[str, datetime] = {}

    def record(self, target: str, at: datetime) -> None:
        self._window.append(at)
        previous = self._last.get(target)
        self._last[target] = at if previous is None else max(previous, at)

    def account_wait(self, now: datetime) -> float:
        """Seconds until the account may send anything (0: now)."""
        while self._window and now - self._window[0] >= WINDOW:
            self._window.popleft()
        if len(self._window) < self.per_minute:
            return 0.0
        return (self._window[0] + WINDOW - now).total_seconds()

    def waiting_targets(self, now: datetime) -> dict[str, float]:
        """Chats that may not get a message yet, with the seconds left; forgets the rest."""
        waits = {}
        for target, last in list(self._last.items()):
            left = (last + self.interval - now).total_seconds()
            if left > 0:
                waits[target] = left
            else:
                del self._last[target]
        return waits
