"""The quiz in the schedule: a round opened by itself at `quiz.daily_at` on check-in days,
and the quiz lines of the nightly summaries (classes only; never a student by name unless
`quiz.public_student_ranking`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from core.config import Config
from handlers.quiz.start import NoQuestions, RoundOpen, start_round
from handlers.quiz.texts import board_lines
from schedules.deps import Deps
from schedules.plan import is_checkin_day
from schedules.runs import claim, finish
from storage.backend import Database
from storage.quiz import ClassResult, Round, class_board, latest_round
from storage.txn import immediate

log = logging.getLogger(__name__)

QUIZ_JOB = "quiz"


async def daily_round(deps: Deps) -> None:
    open_daily_round(deps)


def open_daily_round(deps: Deps) -> Round | None:
    """Open the day's round once (claimed in job_runs); skipped on days off, with an empty
    bank, or while an admin's round is still open."""
    now, today = deps.clock.now(), deps.today()
    if not is_checkin_day(deps.config, today):
        return None
    day = today.isoformat()
    with immediate(deps.db):
        if not claim(deps.db, QUIZ_JOB, "school", day, now):
            return None
        try:
            round_, queued = start_round(deps.db, deps.config, now, opened_by="schedule")
        except (NoQuestions, RoundOpen) as e:
            finish(deps.db, QUIZ_JOB, "school", day, now, outcome=f"skipped: {e}", messages=0)
            log.warning("daily quiz round skipped: %s", e)
            return None
        finish(deps.db, QUIZ_JOB, "school", day, now, outcome=f"round {round_.id}", messages=queued)
    log.info("daily quiz round %d opened, %d message(s)", round_.id, queued)
    return round_


def round_of_day(db: Database, config: Config, day: str) -> Round | None:
    """The latest round opened on the local day `day`, if any."""
    found = latest_round(db)
    if found is None:
        return None
    opened = datetime.fromisoformat(found.opened_at).astimezone(config.tz).date()
    return found if opened == date.fromisoformat(day) else None


@dataclass(frozen=True, slots=True)
class DayBoard:
    """The day's round and its class results, computed once per summary run."""

    round: Round | None
    classes: list[ClassResult]


def day_board(db: Database, config: Config, day: str) -> DayBoard:
    found = round_of_day(db, config, day)
    return DayBoard(found, class_board(db, found.id) if found else [])


def summary_lines(board_of_day: DayBoard, class_ids: list[int]) -> list[str]:
    """The quiz part of a node's nightly summary: the node's participation and average, and
    its best classes when it has several. Empty when no round was opened that day."""
    found = board_of_day.round
    if found is None:
        return []
    wanted = set(class_ids)
    board = [c for c in board_of_day.classes if c.class_id in wanted]
    students = sum(c.students for c in board)
    participants = sum(c.participants for c in board)
    if not students:
        return []
    average = sum(c.average * c.participants for c in board) / participants if participants else 0
    lines = [
        f"知识竞答 #{found.id}（{found.size}题）：参与 {participants}/{students}"
        f"（{participants / students:.0%}），平均答对 {average:.1f} 题"
    ]
    if len(board) > 1:
        lines += board_lines(board, limit=3)
    return lines
