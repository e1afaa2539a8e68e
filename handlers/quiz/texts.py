"""What the quiz says: a question, the verdict on an answer, a round's results."""

from __future__ import annotations

from datetime import datetime, tzinfo

from storage.quiz import ClassResult, Question, Round

LETTERS = ("A", "B", "C", "D")


def when_text(iso: str, tz: tzinfo) -> str:
    """2月10日 21:00: a deadline as students read it, in the configured zone."""
    when = datetime.fromisoformat(iso).astimezone(tz)
    return f"{when.month}月{when.day}日 {when:%H:%M}"


def question_text(round_: Round, position: int, question: Question) -> str:
    category = f"（{question.category}）" if question.category else ""
    options = "\n".join(
        f"{letter}. {text}" for letter, text in zip(LETTERS, question.options, strict=True) if text
    )
    return (
        f"【知识竞答 #{round_.id}】第{position}/{round_.size}题{category}\n"
        f"{question.question}\n{options}\n请直接回复选项字母，例如「A」。"
    )


def verdict(question: Question, choice: str) -> str:
    if choice == question.answer:
        return "回答正确 ✓"
    why = f"解析：{question.explanation}" if question.explanation else ""
    return f"回答错误，正确答案是 {question.answer}。{why}"


def finished(round_: Round, right: int) -> str:
    return f"第{round_.id}轮知识竞答已全部答完：答对 {right}/{round_.size} 题。谢谢参与！"


def announcement(round_: Round, tz: tzinfo) -> str:
    return (
        f"【知识竞答 #{round_.id}】疫情防控知识竞答开始了！共{round_.size}题，"
        f"截止 {when_text(round_.deadline, tz)}。请私聊我作答：直接回复选项字母，"
        "答完一题我会私聊发下一题；每题只能作答一次（发送「答题」可再看当前题目）。"
    )


def board_lines(board: list[ClassResult], limit: int = 10) -> list[str]:
    """The class leaderboard: average score of the participants, then participation."""
    lines = []
    for rank, result in enumerate(board[:limit], start=1):
        lines.append(
            f"{rank}. {result.name} 平均 {result.average:.1f} 题，"
            f"参与 {result.participants}/{result.students}（{result.participation:.0%}）"
        )
    return lines
