"""One ledger export: load the scope's rows, write the workbook, audit who took what."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from storage.audit import record_export
from storage.backend import Database
from storage.ledger import load

# The one limit of every export (chat /导出, the dashboard's download, `pingan export`): a term
# (~three months) per workbook keeps a download quick and the dashboard's loop responsive,
# and a day is a column of the class sheets, so the sheet stays one someone can still read.
MAX_DAYS = 92
TOO_MANY_DAYS = "一次最多导出 {max} 天（这次 {days} 天），请分段导出。"


def too_many_days(days: int) -> str | None:
    """The user's message when `days` is over the limit, else None."""
    return TOO_MANY_DAYS.format(max=MAX_DAYS, days=days) if days > MAX_DAYS else None


def export_ledger(
    db: Database,
    *,
    node_ids: set[int],
    days: list[str],
    path: str | Path,
    actor: str | None,
    via: str,
    scope_label: str,
    now: datetime,
) -> Path:
    """Write the ledger of `node_ids` for `days` to `path`; the caller commits the audit row.

    Every export is audited (who, how, scope, dates, student-days, file, when): the workbook
    holds health data.
    """
    from storage.ledger_xlsx import write_workbook  # openpyxl: ~10 MB, only when exporting

    ledger = load(db, days, node_ids)
    written = write_workbook(ledger, path)
    students = sum(len(group) for group in ledger.students.values())
    record_export(
        db,
        actor=actor,
        via=via,
        scope=scope_label,
        day_from=days[0],
        day_to=days[-1],
        now=now,
        rows=students * len(days),
        target=written.name,
    )
    return written
