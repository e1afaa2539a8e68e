"""Answers in private chat: `A`, `选B`, `答案是C`. Who answers is the confirmed account
binding of the sender (no name or 学号 in the text), so nobody can answer for another.

Each answer is one row keyed by (round, student, question): a student moves to the next
question only by answering this one, and a repeat cannot count twice. The reply says whether
it was right (with the explanation when not) and brings the next question.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from handlers.context import HandlerContext
from handlers.quiz.texts import LETTERS, finished, question_text, verdict, when_text
from storage import quiz
from storage.audit import record

CHOICE = re.compile(
    r"^\s*(?:我?选择?|答案(?:是|为)?[:：]?|答)?\s*([A-Da-dＡ-Ｄａ-ｄ])\s*[。.!！]?\s*$"
)
_WIDE = str.maketrans("ＡＢＣＤａｂｃｄabcd", "ABCDABCDABCD")
#: After the deadline, a late answer is refused politely for this long; after that a lone
#: letter is no longer taken for a quiz answer.
LATE_WINDOW = timedelta(days=1)


def choice_in(text: str) -> str | None:
    found = CHOICE.match(text)
    return found.group(1).translate(_WIDE) if found else None


def current_question(ctx: HandlerContext, round_: quiz.Round, person_id: str) -> str:
    """The student's next question in the round, or their result when all are answered."""
    count, right = quiz.answered(ctx.db, round_.id, person_id)
    if count >= round_.size:
        return finished(round_, right)
    question = quiz.question_at(ctx.db, round_.id, count + 1)
    assert question is not None
    return question_text(round_, count + 1, question)


def take_answer(ctx: HandlerContext, text: str) -> bool:
    """Answer `text` when it is a quiz answer in a private chat; False when it is not one
    (the message then goes on as any other)."""
    if ctx.message.chat_type != "private":
        return False
    choice = choice_in(text)
    if choice is None:
        return False
    round_ = quiz.latest_round(ctx.db)
    now = ctx.clock.now()
    if round_ is None or datetime.fromisoformat(round_.deadline) + LATE_WINDOW < now:
        return False
    if ctx.sender is None:
        record(
            ctx.db,
            "refused",
            f"{ctx.message.platform}:{ctx.message.sender_id}",
            now,
            command="答题",
            reason="unbound",
        )
        ctx.reply("答题前请先绑定身份：/绑定 学号 姓名", private=True)
        return True
    if ctx.sender.role not in quiz.STUDENT_ROLES:
        ctx.reply("知识竞答面向学生；结果请用 /答题 结果 查看。", private=True)
        return True
    if not round_.open_at(now):
        ctx.reply(
            f"第{round_.id}轮知识竞答已于{when_text(round_.deadline, ctx.config.tz)}截止，"
            "这次的回答没有计入。谢谢你的参与，下一轮再见！",
            private=True,
        )
        return True
    count, right = quiz.answered(ctx.db, round_.id, ctx.sender.id)
    if count >= round_.size:
        ctx.reply(finished(round_, right), private=True)
        return True
    position = count + 1
    question = quiz.question_at(ctx.db, round_.id, position)
    assert question is not None
    offered = [letter for letter, option in zip(LETTERS, question.options, strict=True) if option]
    if choice not in offered:
        ctx.reply(f"本题没有选项{choice}，请回复 {'、'.join(offered)} 之一。", private=True)
        return True
    correct = choice == question.answer
    quiz.record_answer(
        ctx.db, round_.id, ctx.sender.id, ctx.sender.class_id, position, choice, correct, now
    )
    reply = verdict(question, choice)
    if position < round_.size:
        upcoming = quiz.question_at(ctx.db, round_.id, position + 1)
        assert upcoming is not None
        reply += "\n\n" + question_text(round_, position + 1, upcoming)
    else:
        reply += "\n\n" + finished(round_, right + correct)
    ctx.reply(reply, private=True)
    return True
