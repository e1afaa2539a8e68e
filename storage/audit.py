"""The audit log: who exported which personal data, for which scope and dates, when.

Every export of personal data (the CLI `pingan export`, a chat command, the dashboard)
calls `record_export` inside the same transaction as the work it records.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils


def record(
    db: sqlite_utils.Database, action: str, actor: str | None, now: datetime, **detail
) -> int:
    """Append one audit row; `detail` is stored as JSON (keys sorted, Chinese kept)."""
    cursor = db.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)",
        [now.isoformat(), actor, action, json.dumps(detail, ensure_ascii=False, sort_keys=True)],
    )
    return cursor.lastrowid


def record_export(
    db: sqlite_utils.Database,
    *,
    actor: str | None,
    via: str,
    scope: str,
    day_from: str,
    day_to: str,
    now: datetime,
    rows: int | None = None,
    target: str | None = None,
) -> int:
    """Record an export of personal data.

    actor: person id (or None for the CLI run by the host's admin); via: 'cli', 'command' or
    'dashboard'; scope: the node path exported ('' for the whole school); day_from/day_to:
    the dates covered; rows: how many records left the system; target: file name or chat.
    """
    return record(
        db,
        "export",
        actor,
        now,
        via=via,
        scope=scope,
        day_from=day_from,
        day_to=day_to,
        rows=rows,
        target=target,
    )
