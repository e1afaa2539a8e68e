"""Nightly roll-ups above the schools (docs/schools.md): counts only, never a name.

- each school → privately to its 管理员: the school's 应报/实报/未报/异常, when the database
  holds more than one school (with one, the duty roll-up already is the school's summary);
- the province → privately to every 省级 account: the same four numbers per school.

Run with the duty roll-up (schedules/slots.py); job_runs claims make a re-run a no-op.
"""

from __future__ import annotations

import logging

from handlers.permissions import ADMIN, PROVINCE
from schedules.batch import Run, run_batch
from schedules.deps import Deps
from schedules.opened import NEVER_OPENED, day_opened
from schedules.recipients import contacts, private_message
from storage.schools import SchoolCounts, province_counts, render

log = logging.getLogger(__name__)


def _line(c: SchoolCounts, day: str) -> str:
    return (
        f"{day} {c.school}平安报告: 应报 {c.expected}, 实报 {c.reported}, 未报 {c.missing},"
        f" 异常 {c.abnormal}"
    )


def province_roll_up(deps: Deps, day: str) -> int:
    """The school and provincial roll-ups for `day`; returns messages queued."""

    def decide(run: Run) -> None:
        if not day_opened(deps.db, day):
            run.outcomes["*"] = NEVER_OPENED
            return
        counts = province_counts(deps.db, day)
        by_id = dict(zip(_school_ids(deps), counts, strict=True))
        recipients: list[tuple[str, str]] = []  # (person id, text)
        if len(counts) > 1:
            for pid, school_id in deps.db.execute(
                "SELECT id, school_id FROM people WHERE role = ? AND active = 1 ORDER BY id",
                [ADMIN],
            ).fetchall():
                recipients.append((pid, _line(by_id[school_id], day)))
        province = render(counts, day)
        for (pid,) in deps.db.execute(
            "SELECT id FROM people WHERE role = ? AND active = 1 ORDER BY id", [PROVINCE]
        ).fetchall():
            recipients.append((pid, province))
        found = contacts(deps.db, [pid for pid, _ in recipients])
        sent = 0
        for pid, text in recipients:
            contact = found.get(pid)
            message = private_message(run.job, day, "*", contact, text) if contact else None
            if message is None:
                log.warning("roll-up for %s not sent: no bound chat account", pid)
                continue
            run.send(message, "*")
            sent += 1
        run.outcomes["*"] = f"sent to {sent} of {len(recipients)}"

    return run_batch(deps, "province", day, [None], decide)


def _school_ids(deps: Deps) -> list[int]:
    """School ids in the order province_counts lists them."""
    return [r[0] for r in deps.db.execute("SELECT id FROM schools ORDER BY id").fetchall()]
