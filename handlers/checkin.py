"""Storing check-ins: one free-text report, or the lines of a 接龙 list, as the day's reports.

Replies are sparse and never put health data in a group: an abnormal report is acknowledged
privately; a group only hears "please write your name" or "that name is not in this class".
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from core.parse_contract import Entry
from handlers import hints
from handlers.authorship import Writer
from handlers.broadcast import record_ack
from handlers.cases import after_report, summarise
from handlers.commands.registry import run
from handlers.context import HandlerContext, Person
from handlers.flags import check_report
from handlers.proxy_reports import after_proxy, poster_label
from handlers.resolve import Directory, Resolved, resolve_entry
from storage.prompts import first_today
from storage.reports import upsert_report

if TYPE_CHECKING:
    from handlers.router import Routed

log = logging.getLogger(__name__)

CHECKIN_PURPOSES = ("class",)


def written_at(ctx: HandlerContext) -> datetime:
    """When the message was written, in the configured zone (naive times are local)."""
    when = ctx.message.time
    if when.tzinfo is None:
        when = when.replace(tzinfo=ctx.config.tz)
    return when.astimezone(ctx.config.tz)


def report_day(ctx: HandlerContext) -> str:
    """The check-in day of a message: its own time in the configured zone (a message that
    arrives late after a reconnect still counts for the day it was written)."""
    return written_at(ctx).date().isoformat()


def accepts_checkins(ctx: HandlerContext) -> bool:
    if ctx.message.chat_type == "private":
        return True
    return ctx.chat is not None and ctx.chat.purpose in CHECKIN_PURPOSES


def _explain(ctx: HandlerContext, resolved: Resolved, name: str | None, day: str) -> None:
    msg = ctx.message
    sender_key = f"{msg.platform}:{msg.sender_id}"
    if not first_today(ctx.db, sender_key, day, f"resolve:{resolved.problem}:{name or ''}"):
        return
    where = ctx.chat.node_path.rsplit("/", 1)[-1] if ctx.chat else "花名册"
    if resolved.problem == "unknown_sender":
        text = "没能对上花名册：请在报告开头写上你的姓名（与花名册一致）再发一次。"
    elif resolved.problem == "ambiguous":
        text = f"{where}有不止一位「{name}」，请本人发送报告，或请辅导员绑定账号。"
    else:
        text = f"{where}名单里没有「{name}」，请核对姓名后重新发送。"
    private = msg.chat_type == "private"
    ctx.reply(text, private=private, mentions=() if private else (msg.sender_id,))


def _has_report(ctx: HandlerContext, person_id: str, day: str) -> bool:
    row = ctx.db.execute(
        "SELECT 1 FROM reports WHERE person_id = ? AND day = ?", [person_id, day]
    ).fetchone()
    return row is not None


def _follow_up_abnormal(ctx: HandlerContext, person: Person, entry: Entry, day: str) -> None:
    """Privately (health data never goes to a group) to whoever posted the report."""
    if not first_today(ctx.db, person.id, day, "abnormal_ack"):
        return
    details = []
    if entry.temperature is not None:
        details.append(f"体温 {entry.temperature:.1f}℃")
    if entry.symptoms:
        details.append("、".join(entry.symptoms))
    said = f"（{'，'.join(details)}）" if details else ""
    ctx.reply(
        f"已记录{person.name}今天的报告{said}。请注意休息、做好防护，辅导员会联系你；"
        "情况有变化请随时更新。",
        private=True,
    )


def _kept_aside(ctx: HandlerContext, person: Person, day: str, author: str) -> None:
    """Tell the poster (once a day per student) that their report did not replace the one
    stored; no health data, so it may go where it was posted."""
    msg = ctx.message
    if not first_today(ctx.db, f"{msg.platform}:{msg.sender_id}", day, f"proxy_kept:{person.id}"):
        return
    private = msg.chat_type == "private"
    text = (
        f"{person.name}今天已由本人报告，代报未采用；如有出入请联系辅导员。"
        if author == "proxy"
        else "这个账号的绑定还没有确认，不能修改今天已有的报告；请班长或辅导员确认绑定。"
    )
    ctx.reply(text, private=private, mentions=() if private else (msg.sender_id,))


def store_entry(
    ctx: HandlerContext,
    directory: Directory,
    entry: Entry,
    *,
    source: str,
    explain: bool,
    chain_line: bool = False,
) -> Person | None:
    """Resolve one entry and upsert its report; return the person, or None when unresolved.

    A report about anyone but the writer's own confirmed (or claimed) student is a 代报: it
    records the writer, never replaces the student's own report, and is made visible to the
    counselor and the student (handlers/proxy_reports.py).
    """
    day = report_day(ctx)
    scope = directory.scope(ctx.chat, ctx.sender or ctx.claimed)
    resolved = resolve_entry(directory, ctx.sender, entry.name, scope, ctx.claimed)
    if resolved.person is None:
        log.info(
            "entry in %s:%s not matched (%s)",
            ctx.message.platform,
            ctx.message.message_id,
            resolved.problem,
        )
        if explain:
            _explain(ctx, resolved, entry.name, day)
        return None
    person = resolved.person
    writer = Writer.of(ctx)
    author = writer.author_for(person.id)
    # A 接龙 list sent whole carries everyone's earlier lines: someone else's line never
    # changes a report already there, so an old line cannot undo a correction made since.
    if chain_line and author == "proxy" and _has_report(ctx, person.id, day):
        return person
    result = upsert_report(
        ctx.db,
        person_id=person.id,
        day=day,
        class_id=person.class_id,
        entry=entry,
        source=source,
        message_key=ctx.message.key,
        posted_by=writer.posted_by if author == "proxy" else None,
        proxy=author == "proxy",
        now=ctx.clock.now(),
        author=author,
        posted_account=writer.account_key,
    )
    log.debug("report %s %s: %s rev %d", person.id, day, result.outcome, result.revision)
    if author != "self":  # a 代报, or a claim nobody confirmed: made visible
        after_proxy(
            ctx.db,
            ctx.clock.now(),
            person_id=person.id,
            day=day,
            said=entry.abnormal,
            result=result,
            poster=poster_label(
                ctx.db, writer.posted_by, writer.account_key, ctx.message.display_name
            ),
            summary=summarise(entry),
            dedup=ctx.message.key,
            prefer=ctx.message.platform,
        )
        if result.outcome == "kept" and not chain_line:
            _kept_aside(ctx, person, day, author)
    if result.changed:
        check_report(
            ctx.db,
            ctx.config,
            person_id=person.id,
            name=person.name,
            day=day,
            when=written_at(ctx),
            now=ctx.clock.now(),
            created=result.outcome == "created",
            prefer=ctx.message.platform,
            entry=entry,
        )
    if result.changed and result.abnormal and not chain_line:
        _follow_up_abnormal(ctx, person, entry, day)
    if result.changed and (result.abnormal or entry.isolation):
        after_report(ctx.db, ctx.clock.now(), person.id, day, prefer=ctx.message.platform)
    return person


def handle_checkin(ctx: HandlerContext, routed: Routed, directory: Directory) -> None:
    if not accepts_checkins(ctx):
        log.debug("check-in text in a %s chat ignored", ctx.chat.purpose if ctx.chat else "unbound")
        return
    assert routed.parsed is not None
    for entry in routed.parsed.entries:
        stored = store_entry(ctx, directory, entry, source="free", explain=True)
        if stored is not None:
            hints.after_checkin(ctx, entry, stored.id, report_day(ctx))


def handle_chain_entries(ctx: HandlerContext, routed: Routed, directory: Directory) -> None:
    """A plain reading of a 接龙 list: every named line is upserted (unchanged lines are
    no-ops, so reposts count once). The chain differ replaces this with per-line authors."""
    if not accepts_checkins(ctx):
        return
    assert routed.parsed is not None
    for entry in routed.parsed.entries:
        if entry.name is None or not entry.says_anything:
            continue
        store_entry(ctx, directory, entry, source="chain", explain=False, chain_line=True)


def handle_command(ctx: HandlerContext, routed: Routed, directory: Directory) -> None:
    """Run a registered command; the registry checks the role and audits refusals."""
    assert routed.command is not None
    run(ctx, routed.command, routed.args)


def handle_other(ctx: HandlerContext, routed: Routed, directory: Directory) -> None:
    """Acknowledgements and chatter: kept in raw_messages; a 收到 in a class group is
    recorded against the notices still open there; an attempt at a check-in gets one hint."""
    record_ack(ctx)
    if accepts_checkins(ctx):
        parser = directory.parser
        reason = parser.unreadable_reason(routed.text, routed.parsed)
        hints.for_other(ctx, parser, routed.text, reason, report_day(ctx))
