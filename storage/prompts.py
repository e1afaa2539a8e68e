"""The once-a-day claim behind every prompt, hint and alert the bot sends unasked.

A row in `prompts` per (who, day, kind): claiming it in the message's own transaction makes a
replayed batch or a repeated reply harmless, the same way dedup keys protect the outbox.
"""

from __future__ import annotations

from storage.backend import Database


def first_today(db: Database, key: str, day: str, kind: str) -> bool:
    """True the first time (key, day, kind) is claimed, False every time after."""
    cursor = db.execute(
        "INSERT INTO prompts (person_key, day, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [key, day, kind],
    )
    return cursor.rowcount == 1
