"""Backfill after downtime: the group messages written while the bot was away.

When an account is announced (bot/assemble.py), each configured group of its platform that
it is in is asked for its history since what the bot last saw there before the account
connected (the newest `sent_at` in raw_messages of what arrived before then: the messages
that arrive live while the member lists are read must not hide the gap before them) or
`MAX_AGE` ago, whichever is later; the messages are handed to the core
oldest first, one batch per group. The core's dedup by (platform, message_id) makes a message
fetched twice, or one that also arrived live, count once. An account whose platform keeps no
history (History.none_kept()) is not asked again for its other groups; one group's failure
is logged and the next group is tried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.adapters.base import Account, BatchSink
from storage.backend import Database
from storage.raw_messages import last_seen

log = logging.getLogger(__name__)

MAX_AGE = timedelta(hours=36)  # never reach back further than this (yesterday's reports)


async def backfill(
    db: Database,
    account: Account,
    groups: Iterable[str],
    sink: BatchSink,
    now: datetime,
) -> int:
    """Hand every missed message of `groups` to `sink`; return how many were fetched.
    `now`: when the account connected (what arrived after it came live)."""
    total = 0
    floor = now - MAX_AGE
    for group in groups:
        seen = last_seen(db, account.platform, group, now)
        since = max(datetime.fromisoformat(seen), floor) if seen else floor
        try:
            history = await account.history(group, since)
        except Exception as e:  # platform errors, timeouts, a link gone: try the next group
            log.warning("%s %s: history of group %s unavailable: %r",
                        account.platform, account.account, group, e)  # fmt: skip
            continue
        if not history.kept:
            log.info("%s %s: no message history; backfill skipped",
                     account.platform, account.account)  # fmt: skip
            return total
        if history.messages:
            log.info("%s %s: group %s: %d messages since %s", account.platform, account.account,
                     group, len(history.messages), since.isoformat(timespec="seconds"))  # fmt: skip
            await sink(list(history.messages))
            total += len(history.messages)
    return total
