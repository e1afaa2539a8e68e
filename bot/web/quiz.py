"""The Quiz page: a round's class leaderboard within the login's scope (participation and
average score); students by name only when `quiz.public_student_ranking` allows it."""

from __future__ import annotations

from aiohttp import web

from bot.web.auth import CONFIG_KEY, DB_KEY
from bot.web.common import PageError, where
from bot.web.render import render
from handlers.quiz.texts import hhmm
from storage.quiz import class_board, get_round, latest_round, student_scores


async def quiz_page(request: web.Request) -> web.Response:
    place = where(request)
    db, config = request.app[DB_KEY], request.app[CONFIG_KEY]
    raw = request.query.get("round", "")
    if raw and not raw.isdigit():
        raise PageError(400, "轮次有误 (400)", f"轮次应是数字，收到的是 {raw!r}。")
    found = get_round(db, int(raw)) if raw else latest_round(db)
    if raw and found is None:
        raise PageError(404, "找不到 (404)", f"没有第 {raw} 轮知识竞答。")
    shown = [place.node] if place.node else place.scope.roots
    class_ids = {c.id for n in shown for c in place.tree.classes_under(n)}
    board = [c for c in class_board(db, found.id) if c.class_id in class_ids] if found else []
    students = sum(c.students for c in board)
    participants = sum(c.participants for c in board)
    top = []
    if found and config.quiz.public_student_ranking and class_ids:
        marks = ",".join("?" * len(class_ids))
        in_scope = {
            pid
            for (pid,) in db.execute(
                f"SELECT id FROM people WHERE class_id IN ({marks})", sorted(class_ids)
            )
        }
        top = [s for s in student_scores(db, found.id) if s[0] in in_scope][:10]
    rounds = [r[0] for r in db.execute("SELECT id FROM quiz_rounds ORDER BY id DESC LIMIT 30")]
    return render(
        request,
        "quiz.html",
        {
            "title": "知识竞答",
            "node": place.node,
            "trail": place.scope.trail(place.node) if place.node else [],
            "round": found,
            "deadline": hhmm(found.deadline, config.tz) if found else "",
            "board": board,
            "students": students,
            "participants": participants,
            "top": top,
            "rounds": rounds,
        },
    )
