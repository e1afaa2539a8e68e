"""The router's entry point for 接龙 messages in a group bound to a node.

`handle_chain(ctx)` reads the message as a repost of the day's chain and applies it, or
returns None when the message is not a chain (the router then tries the check-in path).
A message is a chain when it has a 接龙 header, when it repeats lines of today's chain, or
when at least half of its numbered entries open with a roster name (a headerless copy); a
numbered notice or a numbered form filled in by one person is not.
"""

from __future__ import annotations

import logging

from handlers.chain import command as _command  # noqa: F401  (registers /接龙)
from handlers.chain.cache import day_chain, forget
from handlers.chain.engine import ChainOutcome, Poster, apply_repost
from handlers.chain.reading import read_repost
from handlers.chain.roster import Roster, node_roster
from handlers.chain.state import DayChain, Snapshot, save_day
from handlers.context import HandlerContext
from handlers.flags import check_chain_lines
from handlers.parse import Parser

log = logging.getLogger(__name__)

SAMPLE = 20  # entries looked at to decide whether a headerless list is a chain


def _is_chain(snapshot: Snapshot, state: DayChain, roster: Roster) -> bool:
    chain, keys = snapshot.chain, snapshot.keys
    if chain.has_header or snapshot.reused:
        return True
    if not keys:
        return False
    if keys[0] in state.lines or keys[-1] in state.lines:
        return True
    if len(keys) < 2:  # one numbered line and no header: a check-in, not a chain
        return False
    sample = chain.entries[:SAMPLE]
    named = sum(1 for e in sample if roster.name_in(e.text))
    return named * 2 >= len(sample)


def _open_by_hand(ctx: HandlerContext, state: DayChain, snapshot: Snapshot) -> None:
    """A header and title with no entry yet: someone opened the day's chain."""
    if snapshot.chain.title and not state.opened_by_bot:
        state.title = snapshot.chain.title
    if snapshot.chain.example:
        state.example = snapshot.chain.example
    state.messages += 1
    save_day(ctx.db, state, ctx.clock.now())


def _prompt_unmatched(ctx: HandlerContext, outcome: ChainOutcome) -> None:
    """Tell the group which new lines name nobody on the roster (names only, no health data)."""
    if not outcome.unmatched:
        return
    shown = "、".join(
        f"第{line.number}条「{line.name or line.key[:8]}」" for line in outcome.unmatched[:5]
    )
    more = f"等{len(outcome.unmatched)}条" if len(outcome.unmatched) > 5 else ""
    ctx.reply(
        f"{shown}{more}不在本群名单上，请核对姓名后重新接龙（名单有误请联系辅导员）。",
        mentions=(ctx.message.sender_id,),
    )


def _prompt_refused(ctx: HandlerContext, outcome: ChainOutcome) -> None:
    """Tell the poster which of their 代报 lines met a classmate's own report and were not
    taken (names only, no health data)."""
    if not outcome.refused:
        return
    names = "、".join(dict.fromkeys(line.name or "" for line in outcome.refused[:5]))
    ctx.reply(
        f"{names}今天已由本人报告，接龙里别人代写的内容未采用；如有出入请联系辅导员。",
        mentions=(ctx.message.sender_id,),
    )


def handle_chain(ctx: HandlerContext, parser: Parser) -> ChainOutcome | None:
    """Apply the message as a 接龙 repost; None when it is not one. `parser` reads new lines
    (the message path's own, built from the roster).

    All writes happen in one transaction (a savepoint inside the caller's, if open). On a
    failure the chat's cached state is dropped, so the next repost re-reads it from SQLite.
    """
    msg = ctx.message
    if msg.chat_type != "group" or ctx.chat is None or ctx.chat.purpose != "class":
        return None
    day = msg.time.astimezone(ctx.config.tz).date().isoformat()
    state = day_chain(ctx.db, msg.platform, msg.chat_id, day)
    snapshot = read_repost(state, msg.text)
    if snapshot is None:
        return None
    roster = node_roster(ctx.db, ctx.chat.node_id)
    if not snapshot.keys:
        if not snapshot.chain.has_header:
            return None
        _open_by_hand(ctx, state, snapshot)
        return ChainOutcome()
    if not _is_chain(snapshot, state, roster):
        return None
    poster = Poster(
        msg.platform,
        msg.sender_id,
        ctx.sender.id if ctx.sender else None,
        claimed_id=ctx.claimed.id if ctx.claimed else None,
        display_name=msg.display_name,
    )
    now = ctx.clock.now()  # one instant: a report created by this repost carries it
    try:
        with ctx.db.atomic():  # a savepoint when the caller has a transaction open
            outcome = apply_repost(
                ctx.db,
                state,
                roster,
                parser,
                snapshot,
                poster,
                message_key=msg.key,
                now=now,
                line_authors=msg.line_authors,
            )
            _prompt_unmatched(ctx, outcome)
            _prompt_refused(ctx, outcome)
            check_chain_lines(
                ctx.db,
                ctx.config,
                outcome.added + outcome.corrected,
                day=day,
                when=msg.time.astimezone(ctx.config.tz),
                now=now,
                prefer=msg.platform,
            )
    except Exception:
        forget(ctx.db, msg.platform, msg.chat_id)
        raise
    return outcome
