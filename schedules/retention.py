"""The nightly retention job: purge what is older than privacy.retention_days, log it.

`pingan purge` runs the same steps now, or with --dry-run only counts them.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date, datetime, time
from pathlib import Path

from schedules.batch import Run, run_batch
from schedules.deps import Deps
from storage.audit import record
from storage.retention import cutoff, purge, would_purge

log = logging.getLogger(__name__)

WORKBOOK_SUFFIXES = (".xlsx",)


def retention_purge(deps: Deps, day: str) -> int:
    """Delete reports, raw messages, chain states, outbox rows, closed cases, ended tags,
    audit free text, charts and exported workbooks older than retention.

    The per-node daily counts stay. What was removed is logged at INFO (counts only) and
    written to the audit log (action 'purge').
    """

    def decide(run: Run) -> None:
        keep_from = cutoff(date.fromisoformat(day), deps.config.privacy.retention_days)
        removed = purge_now(deps, keep_from)
        summary = ", ".join(f"{k} {v}" for k, v in removed.items() if v)
        run.outcomes["*"] = f"before {keep_from}: {summary or 'nothing'}"

    return run_batch(deps, "purge", day, [None], decide)


def purge_now(deps: Deps, keep_from: date) -> dict[str, int]:
    """Every store and folder, in the caller's transaction; the audit row and the log line."""
    removed = purge(deps.db, keep_from, deps.config.tz)
    removed["charts"] = len(_old_charts(deps, keep_from, delete=True))
    removed["workbooks"] = len(_old_workbooks(deps, keep_from, delete=True))
    record(deps.db, "purge", None, deps.clock.now(), keep_from=keep_from.isoformat(), **removed)
    summary = ", ".join(f"{k} {v}" for k, v in removed.items() if v)
    log.info("retention purge before %s: %s", keep_from, summary or "nothing to remove")
    return removed


def dry_run(deps: Deps, keep_from: date) -> dict[str, int]:
    """What `purge_now` would remove, changing nothing."""
    counts = would_purge(deps.db, keep_from, deps.config.tz)
    counts["charts"] = len(_old_charts(deps, keep_from, delete=False))
    counts["workbooks"] = len(_old_workbooks(deps, keep_from, delete=False))
    return counts


def _old_charts(deps: Deps, keep_from: date, *, delete: bool) -> list[Path]:
    root = deps.charts()
    if not root.is_dir():
        return []
    old = []
    for folder in root.iterdir():
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            continue
        if day < keep_from and folder.is_dir():
            old.append(folder)
            if delete:
                shutil.rmtree(folder, ignore_errors=True)
    return old


def _old_workbooks(deps: Deps, keep_from: date, *, delete: bool) -> list[Path]:
    """Workbooks /导出 wrote to exports.dir, by the time they were written."""
    root = deps.config.resolve(deps.config.exports.dir)
    if not root.is_dir():
        return []
    limit = datetime.combine(keep_from, time(0), tzinfo=deps.config.tz).timestamp()
    old = [
        p
        for p in root.iterdir()
        if p.is_file() and p.suffix in WORKBOOK_SUFFIXES and p.stat().st_mtime < limit
    ]
    if delete:
        for path in old:
            path.unlink(missing_ok=True)
    return old
