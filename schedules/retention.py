"""The nightly retention job: purge what is older than privacy.retention_days, log it."""

from __future__ import annotations

import logging
import shutil
from datetime import date

from schedules.batch import Run, run_batch
from schedules.deps import Deps
from storage.audit import record
from storage.retention import cutoff, purge

log = logging.getLogger(__name__)


def retention_purge(deps: Deps, day: str) -> int:
    """Delete reports, raw messages, chain states, sent outbox rows... older than retention.

    The per-node daily counts stay. What was removed is logged at INFO and written to the
    audit log (action 'purge'); old chart images are removed too.
    """

    def decide(run: Run) -> None:
        keep_from = cutoff(date.fromisoformat(day), deps.config.privacy.retention_days)
        removed = purge(deps.db, keep_from, deps.config.tz)
        removed["charts"] = _purge_charts(deps, keep_from)
        record(deps.db, "purge", None, deps.clock.now(), keep_from=keep_from.isoformat(), **removed)
        summary = ", ".join(f"{k} {v}" for k, v in removed.items() if v)
        log.info("retention purge before %s: %s", keep_from, summary or "nothing to remove")
        run.outcomes["*"] = f"before {keep_from}: {summary or 'nothing'}"

    return run_batch(deps, "purge", day, [None], decide)


def _purge_charts(deps: Deps, keep_from: date) -> int:
    root = deps.charts()
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        try:
            old = date.fromisoformat(folder.name) < keep_from
        except ValueError:
            continue
        if old and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
