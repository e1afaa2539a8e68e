"""From planned slots to job function calls: what a cron firing (or a catch-up) runs."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from schedules.deps import Deps
from schedules.nags import close_window, escalate, nag, open_window
from schedules.plan import Slot, plan_day
from schedules.province import province_roll_up
from schedules.retention import retention_purge
from schedules.summaries import duty_roll_up, prerender_charts, summarize
from storage.status import load_nodes

log = logging.getLogger(__name__)


def run_slots(deps: Deps, slots: Iterable[Slot]) -> int:
    """Run the slots, batching nodes of the same (job, day); return messages queued.

    Each job function claims its own job_runs rows, so a slot that already ran is a no-op.
    """
    batches: dict[tuple[str, str], list[int]] = {}
    for slot in slots:  # dicts keep insertion order: batches run in slot order
        ids = batches.setdefault((slot.job, slot.day), [])
        if slot.node is not None:  # the school-wide jobs (duty, purge) take no node
            ids.append(slot.node.id)
    queued = 0
    for (job, day), ids in batches.items():
        if job == "opens":
            queued += open_window(deps, day, ids)
        elif job.startswith("nag"):
            queued += nag(deps, day, ids, int(job[3:]))
        elif job == "escalate":
            queued += escalate(deps, day, ids)
        elif job == "closes":
            queued += close_window(deps, day, ids)
        elif job == "summary":
            queued += summarize(deps, day, ids)
        elif job == "duty":
            queued += duty_roll_up(deps, day) + province_roll_up(deps, day)
        elif job == "purge":
            queued += retention_purge(deps, day)
        else:
            log.error("unknown job %r", job)
    return queued


def slots_at(deps: Deps, job: str, hhmm: str, day: date) -> list[Slot]:
    """The slots of `job` at `hhmm` on `day` (per-node overrides decide which nodes)."""
    nodes = load_nodes(deps.db)
    return [s for s in plan_day(deps.config, nodes, day) if s.job == job and s.hhmm == hhmm]


async def fire_slot(deps: Deps, job: str, hhmm: str) -> int:
    """The APScheduler job: run today's slots of `job` at `hhmm`.

    The database work is synchronous and never awaits inside a transaction, so two jobs
    firing at the same minute cannot interleave their writes; only the summary charts are
    rendered first, in a worker thread.
    """
    now = deps.clock.now().astimezone(deps.config.tz)
    day = now.date()
    if now.strftime("%H:%M") < hhmm:  # fired just after midnight: yesterday's 23:59 slot
        day -= timedelta(days=1)
    try:
        slots = slots_at(deps, job, hhmm, day)
        if job in ("summary", "duty") and slots:
            ids = [s.node.id for s in slots if s.node is not None]
            await prerender_charts(deps, day.isoformat(), ids, duty=job == "duty")
        return run_slots(deps, slots)
    except Exception:
        log.exception("job %s at %s on %s crashed", job, hhmm, day)
        raise
