"""The value types of storage.status: counts, people to nag, cases, a node's status.

Plain dataclasses, so commands, the dashboard and the schedules can pass them around
without touching the database. Import them from storage.status.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.nodes import Node


@dataclass(slots=True)
class Counts:
    """Additive counts of one node on one day."""

    expected: int = 0
    reported: int = 0
    on_leave: int = 0
    abnormal: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    @property
    def rate(self) -> float | None:
        """Completion 实报/应报, None when nobody is expected."""
        return self.reported / self.expected if self.expected else None

    def add(self, other: Counts) -> None:
        self.expected += other.expected
        self.reported += other.reported
        self.on_leave += other.on_leave
        self.abnormal += other.abnormal


@dataclass(frozen=True, slots=True)
class Account:
    platform: str
    account_id: str


@dataclass(frozen=True, slots=True)
class Student:
    """A student as the nags need them: who, where, and how to @ or message them."""

    id: str
    name: str
    class_id: int | None
    accounts: tuple[Account, ...] = ()
    private_nags: bool = True

    def account_on(self, platform: str) -> Account | None:
        return next((a for a in self.accounts if a.platform == platform), None)


@dataclass(frozen=True, slots=True)
class AbnormalCase:
    """An abnormal report: for counselors and duty staff only, never a class group."""

    person_id: str
    name: str
    class_id: int | None
    temperature: float | None
    symptoms: tuple[str, ...]
    on_campus: bool | None
    province: str | None
    isolation: str | None
    proxy: bool = False  # a 代报: someone else wrote it (shown to staff as such)


@dataclass(frozen=True, slots=True)
class LeaveCase:
    person_id: str
    name: str
    class_id: int | None
    reason: str
    end_day: str


@dataclass(slots=True)
class TagCounts:
    total: int = 0
    reported: int = 0
    abnormal: int = 0


@dataclass(slots=True)
class NodeStatus:
    """Everything about one node on one day (see the module docstring for each count)."""

    node: Node
    day: str
    counts: Counts
    missing: list[Student]
    on_leave: list[LeaveCase]
    abnormal: list[AbnormalCase]
    key_groups: dict[str, TagCounts]
    previous: Counts | None = None  # the previous check-in day, for "change vs yesterday"

    @property
    def change(self) -> Counts | None:
        """Today minus the previous day, field by field (None without a previous day)."""
        if self.previous is None:
            return None
        p, c = self.previous, self.counts
        return Counts(
            c.expected - p.expected,
            c.reported - p.reported,
            c.on_leave - p.on_leave,
            c.abnormal - p.abnormal,
        )
