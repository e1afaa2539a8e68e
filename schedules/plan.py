"""The day's plan: which job runs for which node at what local time, from config.checkin.

Pure functions of (config, nodes, day), so the scheduler, the catch-up after downtime and
the tests all agree on what should have happened when.

- `is_checkin_day(config, day)`: `days: every_day` (an outbreak) or `weekdays`; `holidays`
  are off, `workdays` (调休 weekends) are on.
- `times_for(config, path)` (core/checkin_times.py, shared with the handlers): the school's
  times with the per-node `overrides` applied, the nearest ancestor's override winning field
  by field (a college may open earlier; one of its classes may close later still).
- `plan_day(config, nodes, day)`: every `Slot` of the day. Class nodes get `opens`,
  `nag1`..`nagN`, `escalate` and `closes`; every class, grade and college (and the school,
  when there is a school node) gets a `summary`; `duty` (the private roll-up to the day's
  值班辅导员 and 值班党员) runs at the school's summary time; `purge` runs every day, check-in
  day or not, at `privacy.purge_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from core.checkin_times import times_for
from core.config import Config
from storage.status import Node

#: Jobs that speak to a class while its window is open; caught up only inside the window.
WINDOW_JOBS = ("opens", "nag", "escalate")


@dataclass(frozen=True, slots=True)
class Slot:
    """One planned run: `job` for `node` at local time `at` of `day`.

    `job` is one of opens, nag1..nagN, escalate, closes, summary, duty, purge; node is None
    for the school-wide jobs (duty, purge).
    """

    job: str
    node: Node | None
    day: str
    at: datetime

    @property
    def node_key(self) -> str:
        """The job_runs key: the node's path (stable across roster re-imports) or '*'."""
        return self.node.path if self.node else "*"

    @property
    def hhmm(self) -> str:
        return self.at.strftime("%H:%M")

    @property
    def kind(self) -> str:
        """The job without its number: nag2 → nag."""
        return self.job.rstrip("0123456789")


def is_checkin_day(config: Config, day: date) -> bool:
    c = config.checkin
    if day in c.holidays:
        return False
    if day in c.workdays:
        return True
    return c.days == "every_day" or day.weekday() < 5


def at(config: Config, day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=config.tz)


def previous_checkin_day(config: Config, day: date, limit: int = 31) -> date | None:
    """The last check-in day before `day` (for "change vs yesterday"), within `limit` days."""
    for back in range(1, limit + 1):
        candidate = date.fromordinal(day.toordinal() - back)
        if is_checkin_day(config, candidate):
            return candidate
    return None


def plan_day(config: Config, nodes: dict[int, Node], day: date) -> list[Slot]:
    """Every slot of `day`, sorted by time, classes before grades before colleges."""
    iso = day.isoformat()
    slots = [Slot("purge", None, iso, at(config, day, config.privacy.purge_at))]
    if not is_checkin_day(config, day):
        return slots
    for node in nodes.values():
        if node.kind == "dorm":
            continue
        times = times_for(config, node.path)
        if node.kind == "class":
            slots.append(Slot("opens", node, iso, at(config, day, times.opens)))
            for i, hhmm in enumerate(times.nags, start=1):
                slots.append(Slot(f"nag{i}", node, iso, at(config, day, hhmm)))
            slots.append(Slot("escalate", node, iso, at(config, day, times.escalate)))
            slots.append(Slot("closes", node, iso, at(config, day, times.closes)))
        slots.append(Slot("summary", node, iso, at(config, day, times.summary)))
    slots.append(Slot("duty", None, iso, at(config, day, config.checkin.summary)))
    depth = {"class": 0, "grade": 1, "college": 2, "school": 3}
    order = {"opens": 0, "nag": 1, "escalate": 2, "closes": 3, "summary": 4, "duty": 5}
    slots.sort(
        key=lambda s: (
            s.at,
            order.get(s.kind, 9),
            depth.get(s.node.kind, 9) if s.node else 9,
            s.node_key,
        )
    )
    return slots


def trigger_times(config: Config) -> dict[str, set[str]]:
    """Every distinct HH:MM at which each job kind may run (school times and overrides).

    The scheduler registers one cron job per (job, HH:MM); when it fires it runs the day's
    slots of that job at that time.
    """
    out: dict[str, set[str]] = {}
    variants = [times_for(config, None)] + [times_for(config, p) for p in config.checkin.overrides]
    for t in variants:
        out.setdefault("opens", set()).add(t.opens)
        for i, hhmm in enumerate(t.nags, start=1):
            out.setdefault(f"nag{i}", set()).add(hhmm)
        out.setdefault("escalate", set()).add(t.escalate)
        out.setdefault("closes", set()).add(t.closes)
        out.setdefault("summary", set()).add(t.summary)
    out["duty"] = {config.checkin.summary}
    out["purge"] = {config.privacy.purge_at}
    return out
