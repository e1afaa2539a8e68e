"""Private messages to a roster person, on whichever platform they are reachable.

Alerts and follow-up questions are about a person, not a chat: they go to the person's
confirmed account, preferring the platform the triggering message came from.
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.messages import OutgoingMessage
from storage.backend import Database
from storage.outbox import enqueue

log = logging.getLogger(__name__)


def accounts_of(db: Database, person_id: str) -> list[tuple[str, str]]:
    """(platform, account id) of a person's confirmed accounts, in a stable order."""
    rows = db.execute(
        "SELECT platform, account_id FROM accounts WHERE person_id = ? AND confirmed = 1"
        " ORDER BY platform, account_id",
        [person_id],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def send_private(
    db: Database,
    now: datetime,
    person_id: str,
    text: str,
    *,
    prefer: str | None = None,
    dedup_key: str | None = None,
    file_path: str | None = None,
) -> int | None:
    """Queue one private message to the person; None when they have no account (logged)."""
    accounts = accounts_of(db, person_id)
    if not accounts:
        log.warning("person %s has no bound account; private message not sent", person_id)
        return None
    platform, account = next((a for a in accounts if a[0] == prefer), accounts[0])
    return enqueue(
        db,
        OutgoingMessage(
            platform=platform,
            chat_type="private",
            target=account,
            text=text,
            dedup_key=dedup_key,
            file_path=file_path,
        ),
        now,
    )
