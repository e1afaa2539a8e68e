"""The in-memory copy of each chat's chain for the day, backed by SQLite.

Keyed by the database object (weakly, so a closed test database takes its cache with it),
then by (platform, chat). Only the current day of a chat is kept, and at most MAX_CHATS
chats, least recently used first out; anything evicted is simply re-read from SQLite.

One process owns a chat (each bot process serves its own accounts), so the copy stays
true. A caller whose transaction rolls back after the chain was applied calls `forget`.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

from handlers.chain.state import DayChain, load_day
from storage.backend import Database

MAX_CHATS = 4096

_chains: weakref.WeakKeyDictionary[Database, OrderedDict[tuple[str, str], DayChain]]
_chains = weakref.WeakKeyDictionary()


def day_chain(db: Database, platform: str, chat_id: str, day: str) -> DayChain:
    """The chat's chain for `day`, from memory, or loaded from SQLite on first use."""
    chats = _chains.setdefault(db, OrderedDict())
    key = (platform, chat_id)
    chain = chats.get(key)
    if chain is not None and chain.day == day:
        chats.move_to_end(key)
        return chain
    chain = load_day(db, platform, chat_id, day)
    chats[key] = chain
    chats.move_to_end(key)
    while len(chats) > MAX_CHATS:
        chats.popitem(last=False)
    return chain


def forget(
    db: Database, platform: str | None = None, chat_id: str | None = None
) -> None:
    """Drop the cached chain of one chat (or all chats): the next repost reloads it."""
    chats = _chains.get(db)
    if not chats:
        return
    if platform is None or chat_id is None:
        chats.clear()
    else:
        chats.pop((platform, chat_id), None)
