"""The Key groups page: the day's ledger per tag (day N of the observation) and open cases.

Counselors close a follow-up case here as with /结案 in chat: the same function, the same
audit row. Tags, health details and cases follow handlers/columns.py: staff only.
"""

from __future__ import annotations

from itertools import groupby

from aiohttp import web

from bot.web.audit_views import record_view
from bot.web.auth import CLOCK_KEY, DB_KEY
from bot.web.common import PageError, day_param, forbidden, today, where
from bot.web.render import LOGIN_KEY, render
from handlers.cases import close_case
from storage import cases
from storage.backend import Database
from storage.keygroups import observed_on

MAX_NOTE = 200


def _open_cases(db: Database, class_ids: set[int]) -> list[dict]:
    """Open cases of students in the given classes, oldest first, with name and class."""
    out = []
    for case in cases.all_open(db):
        row = db.execute(
            "SELECT p.name, p.class_id, n.path FROM people p LEFT JOIN nodes n ON n.id ="
            " p.class_id WHERE p.id = ?",
            [case.person_id],
        ).fetchone()
        if row is None or row[1] not in class_ids:
            continue
        out.append({"case": case, "name": row[0], "class_id": row[1], "class_path": row[2]})
    return sorted(out, key=lambda c: (c["case"].opened_day, c["case"].id))


async def groups_page(request: web.Request) -> web.Response:
    place = where(request)
    day = day_param(request)
    db, tree = request.app[DB_KEY], place.tree
    shown = [place.node] if place.node else place.scope.roots
    class_ids = {c.id for n in shown for c in tree.classes_under(n)}
    scope = place.scope
    lines = observed_on(db, day.isoformat(), class_ids) if scope.shows("key_group") else []
    by_tag = [(tag, list(group)) for tag, group in groupby(lines, key=lambda o: o.tag)]
    record_view(request, scope.cols, place.node.path if place.node else "", day.isoformat())
    return render(
        request,
        "groups.html",
        {
            "title": "重点群体",
            "node": place.node,
            "trail": place.scope.trail(place.node) if place.node else [],
            "day": day,
            "is_today": day == today(request),
            "by_tag": by_tag,
            "cases": _open_cases(db, class_ids) if scope.shows("case") else [],
            "cols": scope.cols,
        },
    )


async def close_case_action(request: web.Request) -> web.StreamResponse:
    """POST /groups/cases/{id}/close: end a follow-up, with the counselor's note."""
    place = where(request)
    if not place.scope.shows("case"):
        raise forbidden("只有辅导员、值班人员和管理员可以结案。")
    db = request.app[DB_KEY]
    form = await request.post()
    note = str(form.get("note", "")).strip()
    if not note or len(note) > MAX_NOTE:
        raise PageError(400, "请填写结案说明 (400)", "结案说明不能为空，也不能超过 200 字。")
    try:
        case_id = int(request.match_info["case_id"])
    except ValueError as e:
        raise PageError(404, "找不到 (404)", "没有这个跟踪编号。") from e
    shown = [place.node] if place.node else place.scope.roots
    class_ids = {c.id for n in shown for c in place.tree.classes_under(n)}
    found = next((c for c in _open_cases(db, class_ids) if c["case"].id == case_id), None)
    if found is None:
        raise forbidden("这个跟踪不存在、已结案，或不在你的负责范围内。")
    login = request[LOGIN_KEY]
    with db.atomic():
        close_case(
            db, request.app[CLOCK_KEY].now(), found["case"], login.person_id or "web:sim", note
        )
    query = f"?node={place.node.id}" if place.node else ""
    return web.Response(status=303, headers={"Location": f"/groups{query}#cases"})
