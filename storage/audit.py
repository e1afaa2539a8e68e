"""The audit log: who did what, when (refusals, exports, 补报, 结案, bindings)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils


def audit(
    db: sqlite_utils.Database, now: datetime, actor: str | None, action: str, **detail: object
) -> None:
    """Append one audit_log row; the caller owns the transaction."""
    db.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)",
        [now.isoformat(), actor, action, json.dumps(detail, ensure_ascii=False, default=str)],
    )
