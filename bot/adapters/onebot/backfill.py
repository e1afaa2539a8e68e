"""Backfill after downtime: the group messages written while the bot was away.

OneBot v11 has no history action, but NapCat and go-cqhttp (and Lagrange) implement
`get_group_msg_history`: params `group_id`, optional `message_seq` (start from this message;
absent: the newest) and `count` (NapCat; go-cqhttp returns about 20), response
`data.messages`, a list of ordinary message events oldest first, each with `message_seq`
(go-cqhttp: `message_id` only, which then doubles as the seq).

When an account (re)connects, each bound group it is in is paged backwards from its newest
message until the page reaches what the bot last saw in that group (the newest `sent_at` in
raw_messages) or `MAX_AGE` ago; the messages since are handed to the core oldest first, in
one batch per group. The core's dedup by (platform, message_id) makes a message fetched
twice, or one that also arrived live, count once. An implementation without the action
answers 1404 (or "failed"), and backfill stops quietly for that account.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any

import sqlite_utils

from bot.adapters.onebot.account import OneBotAccount
from bot.adapters.onebot.event import GroupMessageEvent, MalformedFrame, decode
from bot.adapters.onebot.exception import ActionFailed, OneBotError
from bot.messages import IncomingMessage
from storage.raw_messages import last_seen

log = logging.getLogger(__name__)

BatchSink = Callable[[list[IncomingMessage]], Awaitable[None]]
PAGE = 50  # messages asked for per call (go-cqhttp ignores it and gives ~20)
MAX_PAGES = 40  # per group and reconnect: 2,000 messages, a class group's busiest day
MAX_AGE = timedelta(hours=36)  # never reach back further than this (yesterday's reports)


def _seq(raw: dict[str, Any]) -> int | None:
    value = raw.get("message_seq", raw.get("message_id"))
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _decode_page(
    rows: Iterable[Any], group: str, self_id: str, tz: tzinfo
) -> list[tuple[int, IncomingMessage]]:
    """(seq, message) for the page's group messages from others; the rest is skipped."""
    from bot.adapters.onebot.adapter import to_incoming  # the adapter imports this module

    out = []
    for raw in rows:
        if not isinstance(raw, dict):
            continue
        raw = {"self_id": self_id, "group_id": group, **raw}
        try:
            event = decode(raw)
        except MalformedFrame as e:
            log.debug("group %s: history entry skipped: %s", group, e)
            continue
        if not isinstance(event, GroupMessageEvent) or event.user_id == self_id:
            continue  # message_sent (our own), notices, another group's
        if event.group_id != group or event.anonymous:
            continue
        seq = _seq(raw)
        out.append((seq if seq is not None else 0, to_incoming(event, tz)))
    return out


async def fetch_since(
    account: OneBotAccount, group: str, since: datetime, tz: tzinfo
) -> list[IncomingMessage]:
    """The group's messages written at or after `since`, oldest first.

    Raises ActionFailed when the implementation has no history action."""
    found: dict[str, IncomingMessage] = {}
    start: int | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, Any] = {"group_id": int(group) if group.isdigit() else group}
        params["count"] = PAGE
        if start is not None:
            params["message_seq"] = start
        data = await account.call("get_group_msg_history", **params)
        rows = data.get("messages") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not rows:
            break
        page = _decode_page(rows, group, account.account, tz)
        for _, message in page:
            if message.time >= since:
                found[message.message_id] = message
        seqs = [s for s in (_seq(r) for r in rows if isinstance(r, dict)) if s is not None]
        oldest_time = min((m.time for _, m in page), default=None)
        if not seqs or (oldest_time is not None and oldest_time < since):
            break
        oldest = min(seqs)
        if start is not None and oldest >= start:
            break  # the implementation ignores message_seq: no further pages
        start = oldest - 1 if oldest > 0 else None
        if start is None:
            break
    return sorted(found.values(), key=lambda m: (m.time, _int_or_zero(m.message_id)))


def _int_or_zero(value: str) -> int:
    return int(value) if value.isdigit() else 0


async def backfill(
    db: sqlite_utils.Database,
    account: OneBotAccount,
    groups: Iterable[str],
    sink: BatchSink,
    now: datetime,
    tz: tzinfo,
) -> int:
    """Hand every missed message of `groups` to `sink`; return how many were fetched."""
    total = 0
    floor = now - MAX_AGE
    for group in groups:
        seen = last_seen(db, "qq", group)
        since = max(datetime.fromisoformat(seen), floor) if seen else floor
        try:
            messages = await fetch_since(account, group, since, tz)
        except ActionFailed as e:
            if e.retcode == 1404:  # the spec's "no such action"
                log.info("QQ %s: no message history (%s); backfill skipped", account.account, e)
                return total
            log.warning("QQ %s: history of group %s unavailable: %s", account.account, group, e)
            continue
        except OneBotError as e:
            log.warning("QQ %s: backfill stopped: %s", account.account, e)
            return total
        if messages:
            log.info("QQ %s: group %s: %d messages since %s", account.account, group,
                     len(messages), since.isoformat(timespec="seconds"))  # fmt: skip
            await sink(messages)
            total += len(messages)
    return total
