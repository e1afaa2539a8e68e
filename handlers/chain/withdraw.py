"""A student removed their own 接龙 line: the report that line gave goes too.

Only a report whose current version came from a chain is removed (a free-text report or a
补报 is not the chain's to take back), and the removed row is kept in report_history in the
same form storage.reports uses, so the ledger can still show what was said and withdrawn.
"""

from __future__ import annotations

import json
from datetime import datetime

from storage.backend import Database


def withdraw_chain_report(
    db: Database, person_id: str, day: str, now: datetime
) -> bool:
    """Remove the person's report for `day` when it came from a chain; True when removed."""
    cursor = db.execute("SELECT * FROM reports WHERE person_id = ? AND day = ?", [person_id, day])
    row = cursor.fetchone()
    if row is None:
        return False
    old = dict(zip([d[0] for d in cursor.description], row, strict=True))
    if old["source"] != "chain":
        return False
    db.execute(
        "INSERT INTO report_history (person_id, day, revision, fields, replaced_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [person_id, day, old["revision"], json.dumps(old, ensure_ascii=False), now.isoformat()],
    )
    db.execute("DELETE FROM reports WHERE person_id = ? AND day = ?", [person_id, day])
    return True
