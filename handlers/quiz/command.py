"""/答题: a student asks for their current question; an admin opens or ends a round; staff
see the results (classes ranked; students by name only where config allows, privately)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from handlers.commands.common import sender
from handlers.commands.registry import command
from handlers.context import HandlerContext
from handlers.permissions import ADMIN, STAFF, refuse
from handlers.quiz.answer import current_question
from handlers.quiz.start import NoQuestions, RoundOpen, start_round
from handlers.quiz.texts import board_lines, when_text
from storage import quiz
from storage.audit import record

HHMM = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")
MINUTES = re.compile(r"^(\d{1,4})\s*(分钟|小时)$")
USAGE = "用法：/答题 开始 [题数] [截止时间，如 21:00 或 30分钟]；/答题 结束；/答题 结果 [轮次]"


class Unclear(ValueError):
    """An argument that could not be read; the message is the Chinese reply."""


def _deadline(ctx: HandlerContext, word: str) -> datetime:
    now = ctx.clock.now().astimezone(ctx.config.tz)
    found = MINUTES.match(word)
    if found:
        amount = int(found.group(1)) * (60 if found.group(2) == "小时" else 1)
        if amount == 0:
            raise Unclear("答题时长要大于 0。")
        return now + timedelta(minutes=amount)
    found = HHMM.match(word)
    if not found:
        raise Unclear(f"看不懂截止时间「{word}」。{USAGE}")
    when = datetime.combine(now.date(), time(int(found.group(1)), int(found.group(2))), now.tzinfo)
    if when <= now:
        raise Unclear(f"截止时间 {word} 已经过了。")
    return when


def _start(ctx: HandlerContext, words: list[str]) -> None:
    size: int | None = None
    deadline: datetime | None = None
    for word in words:
        if word.isdigit() and size is None and not MINUTES.match(word):
            size = int(word)
            if not 1 <= size <= 100:
                raise Unclear("题数应在 1 到 100 之间。")
        else:
            deadline = _deadline(ctx, word)
    try:
        round_, queued = start_round(
            ctx.db,
            ctx.config,
            ctx.clock.now(),
            opened_by=sender(ctx).id,
            size=size,
            deadline=deadline,
        )
    except NoQuestions as e:
        raise Unclear(str(e)) from e
    except RoundOpen as e:
        raise Unclear(
            f"第{e.round.id}轮还在进行（截止 {when_text(e.round.deadline, ctx.config.tz)}），"
            "请先 /答题 结束。"
        ) from e
    where = "班级群" if round_.delivery == "group" else "学生私聊"
    ctx.reply(
        f"第{round_.id}轮知识竞答已开始：{round_.size}题，截止 "
        f"{when_text(round_.deadline, ctx.config.tz)}，已向{queued}个{where}发出。"
    )


def results_text(ctx: HandlerContext, round_: quiz.Round) -> str:
    board = quiz.class_board(ctx.db, round_.id)
    answered = sum(c.participants for c in board)
    lines = [f"【知识竞答 #{round_.id}】{round_.size}题，{answered}人参与。班级排行："]
    lines += board_lines(board) or ["（还没有班级）"]
    if ctx.config.quiz.public_student_ranking:
        top = quiz.student_scores(ctx.db, round_.id)[:10]
        lines.append("个人前十：" + "、".join(f"{name} {right}题" for _, name, _, right in top))
    return "\n".join(lines)


@command(
    "答题",
    summary="疫情防控知识竞答：看当前题目，私聊回复字母作答（管理员：开始 题数 截止、结束；"
    "结果：班级排行）",
    example="/答题",
)
def quiz_command(ctx: HandlerContext, args: str) -> None:
    me = sender(ctx)
    words = args.split()
    action = words[0] if words else ""
    try:
        if action in ("开始", "结束") and me.role != ADMIN:
            refuse(ctx, "答题", f"/答题 {action} 仅限管理员使用。")
        elif action == "开始":
            _start(ctx, words[1:])
        elif action == "结束":
            latest = quiz.latest_round(ctx.db)
            if latest is None or not latest.open_at(ctx.clock.now()):
                ctx.reply("现在没有进行中的知识竞答。")
                return
            quiz.close_round(ctx.db, latest.id, ctx.clock.now())
            record(ctx.db, "quiz_round_closed", me.id, ctx.clock.now(), round=latest.id)
            ctx.reply(f"第{latest.id}轮知识竞答已结束。\n" + results_text(ctx, latest))
        elif action == "结果":
            if me.role not in STAFF:
                refuse(ctx, "答题", "/答题 结果 仅限辅导员、值班辅导员、值班党员、管理员使用。")
                return
            wanted = words[1].lstrip("#") if len(words) > 1 else ""
            found = quiz.get_round(ctx.db, int(wanted)) if wanted.isdigit() else None
            found = found if wanted else quiz.latest_round(ctx.db)
            ctx.reply(results_text(ctx, found) if found else "没有这一轮知识竞答。")
        elif action in ("", "题目"):
            latest = quiz.latest_round(ctx.db)
            if latest is None or not latest.open_at(ctx.clock.now()):
                ctx.reply("现在没有进行中的知识竞答。", private=True)
            elif me.role not in quiz.STUDENT_ROLES:
                ctx.reply("知识竞答面向学生；结果请用 /答题 结果 查看。", private=True)
            else:
                ctx.reply(current_question(ctx, latest, me.id), private=True)
        else:
            ctx.reply(USAGE)
    except Unclear as e:
        ctx.reply(str(e))
