"""/补报, /更正, /请假: reports recorded by a counselor, corrected by the student or by the
counselor, and leave.

/补报 and /更正 go through the same upsert as a check-in message (storage.reports), so the
earlier version lands in report_history and a follow-up case opens when the content is
abnormal. A /补报 is a 代报 like any other: it fills in a missing report but never replaces
what the student reported; a counselor changes that with `/更正 学号 内容`. Replies that
repeat health details are private when asked in a class group.
"""

from __future__ import annotations

import functools

from core.parse_contract import Entry
from handlers.authorship import Writer
from handlers.cases import after_report, summarise
from handlers.commands.common import (
    STUDENT_ID,
    StudentRef,
    Unclear,
    find_student,
    looks_like_day,
    md,
    parse_day,
    reply_private_if_group,
    sender,
)
from handlers.commands.registry import command
from handlers.context import HandlerContext, Person
from handlers.flags import check_report
from handlers.parse import Parser
from handlers.permissions import STAFF, refuse
from handlers.proxy_reports import after_proxy, poster_label
from storage.audit import record
from storage.reports import Author, Upserted, upsert_report

EXAMPLE_CONTENT = "36.5 正常 在校"


@functools.cache
def _content_parser() -> Parser:
    """One per process: the content staff type after a 学号 names nobody, so no roster."""
    return Parser()


def _parse(text: str) -> Entry | None:
    entry = _content_parser().parse_entry(text)
    return entry if entry.says_anything else None


def _store(
    ctx: HandlerContext,
    person: Person | StudentRef,
    day: str,
    entry: Entry,
    *,
    source: str,
    author: Author,
) -> Upserted:
    """Upsert the report a command wrote, recording who wrote it; follow an abnormal one up
    and make a 代报 visible."""
    now = ctx.clock.now()
    writer = Writer.of(ctx)
    proxy = author in ("proxy", "corrected")
    result = upsert_report(
        ctx.db,
        person_id=person.id,
        day=day,
        class_id=person.class_id,
        entry=entry,
        source=source,
        message_key=ctx.message.key,
        posted_by=writer.posted_by if proxy else None,
        proxy=proxy,
        now=now,
        author=author,
        posted_account=writer.account_key,
    )
    if author in ("proxy", "unconfirmed"):  # made visible (a counselor's /更正 is not)
        after_proxy(
            ctx.db,
            now,
            person_id=person.id,
            day=day,
            said=entry.abnormal,
            result=result,
            poster=poster_label(ctx.db, writer.posted_by, writer.account_key),
            summary=summarise(entry),
            dedup=ctx.message.key,
            prefer=ctx.message.platform,
            writer=writer.posted_by,
        )
    if result.changed:
        check_report(
            ctx.db,
            ctx.config,
            person_id=person.id,
            name=person.name,
            day=day,
            when=now,
            now=now,
            created=result.outcome == "created" and source != "补报",  # 补报 is marked as such
            prefer=ctx.message.platform,
        )
        after_report(ctx.db, now, person.id, day, prefer=ctx.message.platform)
    return result


@command(
    "补报",
    roles=STAFF,
    summary="替学生补报（可在学号后写日期，默认今天），标记为补报；不会覆盖本人的报告",
    example=f"/补报 2021002 {EXAMPLE_CONTENT}",
)
def late_report_command(ctx: HandlerContext, args: str) -> None:
    parts = args.split(maxsplit=1)
    usage = f"用法：/补报 学号 [日期] 内容，例如 /补报 2021002 {EXAMPLE_CONTENT}"
    if len(parts) < 2:
        ctx.reply(usage)
        return
    student = find_student(ctx, parts[0], "补报")
    if student is None:
        return
    content, day = parts[1], ctx.today.isoformat()
    first, _, rest = content.partition(" ")
    if looks_like_day(first, ctx.today) and rest.strip():
        day, content = parse_day(first, ctx.today), rest.strip()
    if day > ctx.today.isoformat():
        ctx.reply("不能补报未来的日期。")
        return
    entry = _parse(content)
    if entry is None:
        ctx.reply(f"没看懂报告内容。{usage}")
        return
    me = Writer.of(ctx)
    result = _store(ctx, student, day, entry, source="补报", author="proxy")
    if result.outcome == "kept":
        ctx.reply(
            f"{student.name}（{student.id}）{md(day)}已有本人的报告，补报未采用。"
            f"如需修改请用 /更正 {student.id} 内容"
        )
        return
    record(ctx.db, "late_report", me.posted_by, ctx.clock.now(), person=student.id, day=day)
    reply_private_if_group(
        ctx, f"已为{student.name}（{student.id}）补报{md(day)}：{summarise(entry)}。"
    )


def _correct_for(ctx: HandlerContext, student_id: str, content: str) -> None:
    """A counselor's /更正 学号 内容: the one way to change what a student reported."""
    student = find_student(ctx, student_id, "更正")
    if student is None:
        return
    entry = _parse(content)
    if entry is None:
        ctx.reply(f"没看懂更正内容。用法：/更正 学号 内容，例如 /更正 2021002 {EXAMPLE_CONTENT}")
        return
    day = ctx.today.isoformat()
    result = _store(ctx, student, day, entry, source="更正", author="corrected")
    if not result.changed:
        ctx.reply("内容和已有报告相同，无需更正。", private=ctx.message.chat_type == "group")
        return
    record(ctx.db, "correct_report", Writer.of(ctx).posted_by, ctx.clock.now(),
           person=student.id, day=day)  # fmt: skip
    reply_private_if_group(
        ctx, f"已更正{student.name}（{student.id}）{md(day)}的报告：{summarise(entry)}。"
    )


@command(
    "更正",
    claimed=True,
    summary="更正自己今天的报告；辅导员可写学号更正学生的报告",
    example="/更正 36.6 正常 在家",
)
def correct_command(ctx: HandlerContext, args: str) -> None:
    first, _, rest = args.strip().partition(" ")
    if ctx.sender is not None and ctx.sender.role in STAFF and STUDENT_ID.fullmatch(first):
        _correct_for(ctx, first, rest)
        return
    names_someone = ctx.db.execute("SELECT 1 FROM people WHERE id = ?", [first]).fetchone()
    if names_someone is not None:
        refuse(ctx, "更正", "只能更正自己的报告；别人的报告请联系辅导员更正。")
        return
    me = ctx.sender or ctx.claimed  # an unconfirmed binding may still report for itself
    assert me is not None, "registry lets only bound or claiming senders reach /更正"
    if me.class_id is None:
        ctx.reply("只有花名册里有班级的同学需要报告。")
        return
    entry = _parse(args)
    if entry is None:
        ctx.reply(f"没看懂更正内容。用法：/更正 内容，例如 /更正 {EXAMPLE_CONTENT}")
        return
    day = ctx.today.isoformat()
    author: Author = "self" if ctx.sender is not None else "unconfirmed"
    result = _store(ctx, me, day, entry, source="更正", author=author)
    if result.outcome == "kept":
        ctx.reply(
            "这个账号的绑定还没有确认，不能修改已由本人确认账号提交的报告。",
            private=ctx.message.chat_type == "group",
        )
        return
    if not result.changed:
        ctx.reply("内容和已有报告相同，无需更正。", private=ctx.message.chat_type == "group")
        return
    reply_private_if_group(ctx, f"已更正你{md(day)}的报告：{summarise(entry)}。")


@command(
    "请假",
    roles=STAFF,
    summary="登记学生请假：期间不催报，统计时单列",
    example="/请假 2021004 2月10日 2月12日 住院治疗",
)
def leave_command(ctx: HandlerContext, args: str) -> None:
    parts = args.split(maxsplit=3)
    usage = "用法：/请假 学号 起 止 原因，例如 /请假 2021004 2月10日 2月12日 住院治疗"
    if len(parts) < 4:
        ctx.reply(usage)
        return
    student = find_student(ctx, parts[0], "请假")
    if student is None:
        return
    try:
        start, end = parse_day(parts[1], ctx.today), parse_day(parts[2], ctx.today)
    except Unclear as e:
        ctx.reply(str(e))
        return
    if end < start:
        ctx.reply(f"结束日期 {md(end)} 早于开始日期 {md(start)}。")
        return
    me, now = sender(ctx), ctx.clock.now()
    ctx.db.execute(
        "INSERT INTO leaves (person_id, start_day, end_day, reason, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [student.id, start, end, parts[3], me.id, now.isoformat()],
    )
    record(ctx.db, "leave", me.id, now, person=student.id, start=start, end=end)
    span = md(start) if start == end else f"{md(start)}–{md(end)}"
    reply_private_if_group(
        ctx, f"已登记{student.name}（{student.id}）{span}请假（{parts[3]}），期间不催报。"
    )
