"""/重点 and /结案: key-group tags and closing follow-up cases.

Who is in a key group (湖北籍, 隔离) and whose 异常 case closed is health-related personal
information: a class group never hears it, the answer goes privately (like /异常).
"""

from __future__ import annotations

from datetime import date, timedelta

from handlers.cases import close_case
from handlers.commands.common import (
    Unclear,
    find_student,
    md,
    parse_day,
    reply_private_if_group,
    sender,
)
from handlers.commands.registry import command
from handlers.context import HandlerContext
from handlers.permissions import STAFF
from storage import cases
from storage.audit import record
from storage.keygroups import end_tag, set_tag

END_WORDS = ("解除", "结束", "取消")


@command(
    "重点",
    roles=STAFF,
    summary="把学生列入重点群体（观察期满自动结束；写「解除」提前结束）",
    example="/重点 2021002 湖北籍 2月8日",
)
def key_group_command(ctx: HandlerContext, args: str) -> None:
    parts = args.split()
    tags = ctx.config.key_groups.tags
    if len(parts) not in (2, 3):
        ctx.reply(f"用法：/重点 学号 标签 [起始日期]；标签：{'、'.join(tags)}")
        return
    student_id, tag = parts[0], parts[1]
    if tag not in tags:
        ctx.reply(f"没有「{tag}」这个标签；可用：{'、'.join(tags)}")
        return
    student = find_student(ctx, student_id, "重点")
    if student is None:
        return
    me, now, today = sender(ctx), ctx.clock.now(), ctx.today
    if len(parts) == 3 and parts[2] in END_WORDS:
        if end_tag(ctx.db, student.id, tag, today.isoformat()):
            record(ctx.db, "tag_ended", me.id, now, person=student.id, tag=tag)
            reply_private_if_group(ctx, f"{student.name}（{student.id}）的「{tag}」观察已解除。")
        else:
            reply_private_if_group(ctx, f"{student.name}（{student.id}）目前不在「{tag}」观察中。")
        return
    try:
        start = parse_day(parts[2], today) if len(parts) == 3 else today.isoformat()
    except Unclear as e:
        ctx.reply(str(e))
        return
    period = ctx.config.key_groups.period_for(tag)
    set_tag(ctx.db, student.id, tag, start, period, f"/重点:{me.id}")
    record(ctx.db, "tag", me.id, now, person=student.id, tag=tag, start=start, period=period)
    if period:
        last = (date.fromisoformat(start) + timedelta(days=period - 1)).isoformat()
        span = f"观察期 {md(start)}–{md(last)}（{period}天），期满自动结束"
    else:
        span = f"自 {md(start)} 起，不设结束日期"
    reply_private_if_group(
        ctx, f"已将{student.name}（{student.id}）列入重点群体「{tag}」，{span}。"
    )


@command(
    "结案",
    roles=STAFF,
    summary="结束学生的异常跟踪",
    example="/结案 2021002 已退烧，校医复查正常",
)
def close_command(ctx: HandlerContext, args: str) -> None:
    parts = args.split(maxsplit=1)
    if len(parts) < 2:
        ctx.reply("用法：/结案 学号 说明，例如 /结案 2021002 已退烧，复查正常")
        return
    student = find_student(ctx, parts[0], "结案")
    if student is None:
        return
    case = cases.open_case(ctx.db, student.id)
    if case is None:
        reply_private_if_group(ctx, f"{student.name}（{student.id}）没有进行中的异常跟踪。")
        return
    close_case(ctx.db, ctx.clock.now(), case, sender(ctx).id, parts[1])
    reply_private_if_group(ctx, f"跟踪 #{case.id} {student.name}（{student.id}）已结案。")
