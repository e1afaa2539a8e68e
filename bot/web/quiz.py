"""The Quiz page: a round's class leaderboard within the login's scope (participation and
average score); students by name only when `quiz.public_student_ranking` allows it. An
admin opens a round here as with /答题 开始 in chat (the same function, the same audit row)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.web.auth import CLOCK_KEY, CONFIG_KEY, DB_KEY, WAKE_KEY
from bot.web.common import PageError, forbidden, where
from bot.web.render import LOGIN_KEY, render
from handlers.permissions import ADMIN
from handlers.quiz.start import NoQuestions, RoundOpen, start_round
from handlers.quiz.texts import when_text
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
            "deadline": when_text(found.deadline, config.tz) if found else "",
            "board": board,
            "students": students,
            "participants": participants,
            "top": top,
            "rounds": rounds,
            "may_open": _may_open(request),
            "defaults": config.quiz,
        },
    )


def _may_open(request: web.Request) -> bool:
    login = request[LOGIN_KEY]
    return login.token_id == 0 or login.role == ADMIN


def _number(form, name: str, low: int, high: int) -> int:
    raw = str(form.get(name, "")).strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise PageError(400, "输入有误 (400)", f"{name} 应是 {low} 到 {high} 之间的整数。")
    return int(raw)


async def start_action(request: web.Request) -> web.StreamResponse:
    """POST /quiz: open a round of `questions` questions lasting `minutes`."""
    where(request)
    if not _may_open(request):
        raise forbidden("只有管理员可以开始知识竞答。")
    db, config = request.app[DB_KEY], request.app[CONFIG_KEY]
    now = request.app[CLOCK_KEY].now()
    form = await request.post()
    size = _number(form, "questions", 1, 100)
    minutes = _number(form, "minutes", 1, 7 * 24 * 60)
    try:
        with db.atomic():
            round_, _ = start_round(
                db,
                config,
                now,
                opened_by=request[LOGIN_KEY].person_id or None,
                size=size,
                deadline=now + timedelta(minutes=minutes),
            )
    except NoQuestions as e:
        raise PageError(409, "题库为空 (409)", str(e)) from e
    except RoundOpen as e:
        raise PageError(
            409,
            "还有一轮在进行 (409)",
            f"第{e.round.id}轮截止于 {when_text(e.round.deadline, config.tz)}，"
            "结束后才能开始新的一轮。",
        ) from e
    request.app[WAKE_KEY]()
    return web.Response(status=303, headers={"Location": f"/quiz?round={round_.id}"})
