"""Opening a round: draw the questions, then announce it in the class groups or send every
student the first question privately (`quiz.delivery`). Shared by /答题 开始, the schedule
and the CLI; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.config import Config
from core.messages import ChatType, OutgoingMessage
from handlers.quiz.texts import announcement, question_text
from storage import quiz
from storage.audit import record
from storage.backend import Database
from storage.outbox import enqueue


class NoQuestions(ValueError):
    """The bank is empty: import one with `pingan quiz import FILE`."""


class RoundOpen(ValueError):
    """A round is still open; it must end first (one round at a time keeps answers simple)."""

    def __init__(self, round_: quiz.Round) -> None:
        super().__init__(f"round {round_.id} is open until {round_.deadline}")
        self.round = round_


def start_round(
    db: Database,
    config: Config,
    now: datetime,
    *,
    opened_by: str | None,
    size: int | None = None,
    deadline: datetime | None = None,
) -> tuple[quiz.Round, int]:
    """Open a round and queue its first messages; (the round, messages queued)."""
    if quiz.active_questions(db) == 0:
        raise NoQuestions("题库为空：请先导入题库（pingan quiz import 文件）。")
    latest = quiz.latest_round(db)
    if latest is not None and latest.open_at(now):
        raise RoundOpen(latest)
    settings = config.quiz
    deadline = deadline or now + timedelta(minutes=settings.duration_minutes)
    round_ = quiz.open_round(
        db, now, deadline, size or settings.questions, settings.delivery, opened_by
    )
    queued = 0
    first = quiz.question_at(db, round_.id, 1)
    assert first is not None
    if settings.delivery == "group":
        text = announcement(round_, config.tz) + "\n\n" + question_text(round_, 1, first)
        for platform, chat_id in db.execute(
            "SELECT platform, chat_id FROM chats WHERE purpose = 'class' ORDER BY node_id"
        ).fetchall():
            queued += _queue(
                db, now, platform, "group", chat_id, text, f"quiz:{round_.id}:{chat_id}"
            )
    else:
        text = question_text(round_, 1, first)
        marks = ",".join("?" * len(quiz.STUDENT_ROLES))
        for platform, account in db.execute(
            f"""SELECT platform, account_id FROM (
                    SELECT a.platform, a.account_id, a.person_id, ROW_NUMBER() OVER (
                        PARTITION BY a.person_id ORDER BY a.account_id) AS nth
                    FROM accounts a JOIN people p ON p.id = a.person_id
                    WHERE a.confirmed = 1 AND p.active = 1 AND p.role IN ({marks})
                ) first_account WHERE nth = 1 ORDER BY person_id""",
            quiz.STUDENT_ROLES,
        ).fetchall():
            key = f"quiz:{round_.id}:1:{platform}:{account}"
            queued += _queue(db, now, platform, "private", account, text, key)
    record(db, "quiz_round_opened", opened_by, now, round=round_.id, size=round_.size)
    return round_, queued


def _queue(
    db: Database,
    now: datetime,
    platform: str,
    chat_type: ChatType,
    target: str,
    text: str,
    key: str,
) -> int:
    message = OutgoingMessage(
        platform=platform, chat_type=chat_type, target=target, text=text, dedup_key=key
    )
    return enqueue(db, message, now) is not None
