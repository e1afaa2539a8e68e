"""Time as a dependency, so tests, the demo and the simulator can drive the day."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo


class Clock(Protocol):
    tz: tzinfo

    def now(self) -> datetime: ...


@runtime_checkable
class SettableClock(Clock, Protocol):
    """A clock someone else moves (FakeClock): what a manual scheduler needs."""

    def set(self, when: datetime) -> None: ...


class SystemClock:
    """Wall-clock time in the configured zone."""

    def __init__(self, tz: tzinfo | str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz

    def now(self) -> datetime:
        return datetime.now(self.tz)


class FakeClock:
    """A clock that moves only when told to: the demo's accelerated day and every test."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.tz = start.tzinfo
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError(f"time cannot go backwards: {when} < {self._now}")
        self._now = when

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)
