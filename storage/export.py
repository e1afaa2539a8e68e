"""One ledger export: load the scope's rows, write the workbook, audit who took what."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlite_utils

from storage.audit import audit
from storage.ledger import load
from storage.ledger_xlsx import write_workbook


def export_ledger(
    db: sqlite_utils.Database,
    *,
    node_ids: set[int],
    days: list[str],
    path: str | Path,
    actor: str,
    scope_label: str,
    now: datetime,
) -> Path:
    """Write the ledger of `node_ids` for `days` to `path`; the caller commits the audit row.

    Every export is audited (who, scope, dates, file, when): the workbook holds health data.
    """
    written = write_workbook(load(db, days, node_ids), path)
    audit(
        db,
        now,
        actor,
        "export",
        scope=scope_label,
        start=days[0],
        end=days[-1],
        file=str(written),
    )
    return written
