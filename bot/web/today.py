"""The Today page: completion per node with drill-down, who is missing, who is abnormal.

A counselor opens it on a phone mid-morning: the numbers first, then the names to chase,
then the abnormal reports with their details (health details only for staff roles).
"""

from __future__ import annotations

import json
from datetime import timedelta

from aiohttp import web

from bot.web.auth import CONFIG_KEY, DB_KEY
from bot.web.common import day_param, today, where
from bot.web.queries import node_counts, student_rows
from bot.web.render import render
from storage.status import Counts, unit_counts

# Above this many missing names, a school-level page lists classes instead of people.
MISSING_NAMES_LIMIT = 300


def gather(request: web.Request) -> dict:
    """Everything the Today page shows, for the page and for /api/today."""
    place = where(request)
    day = day_param(request)
    db, config = request.app[DB_KEY], request.app[CONFIG_KEY]
    day_text = day.isoformat()
    per_class = unit_counts(db, day_text)
    tree = place.tree
    rows = [(child, node_counts(tree, child, per_class)) for child in place.top]
    rows = [(c, n) for c, n in rows if n.expected or n.on_leave or c.kind != "class"]
    if place.node is not None:
        total = node_counts(tree, place.node, per_class)
        classes = tree.classes_under(place.node)
    else:
        total = Counts()
        for _, counts in rows:
            total.add(counts)
        classes = [c for r in place.scope.roots for c in tree.classes_under(r)]
    class_ids = [c.id for c in classes]
    prefix = place.node.path + "/" if place.node else ""
    class_names = {c.id: c.path.removeprefix(prefix) for c in classes}
    is_class = place.node is not None and place.node.kind == "class"
    students = student_rows(db, day_text, class_ids, config.tz) if is_class else []
    # The names to act on first: missing, then abnormal (staff only: the order must not tell
    # a class monitor who is unwell), then on leave, then the rest.
    staff = place.scope.staff
    students.sort(
        key=lambda s: (s.status != "missing", staff and not s.abnormal, s.status != "leave")
    )
    missing = (
        [s for s in students if s.status == "missing"]
        if is_class
        else (
            student_rows(db, day_text, class_ids, config.tz, only="missing")
            if total.missing <= MISSING_NAMES_LIMIT
            else []
        )
    )
    abnormal = (
        [s for s in students if s.abnormal]
        if is_class
        else student_rows(db, day_text, class_ids, config.tz, only="abnormal")
    )
    current = today(request)
    return {
        "title": "今日概况",
        "place": place,
        "trail": place.scope.trail(place.node) if place.node else [],
        "node": place.node,
        "day": day,
        "is_today": day == current,
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1) if day < current else None,
        "max_day": current,
        "total": total,
        "rows": rows,
        "is_class": is_class,
        "students": students,
        "missing": missing,
        "missing_truncated": not is_class and total.missing > MISSING_NAMES_LIMIT,
        "abnormal": abnormal,
        "class_names": class_names,
        "staff": staff,
    }


async def today_page(request: web.Request) -> web.Response:
    return render(request, "today.html", gather(request))


def _counts(c: Counts) -> dict:
    return {
        "expected": c.expected,
        "reported": c.reported,
        "missing": c.missing,
        "on_leave": c.on_leave,
        "abnormal": c.abnormal,
        "rate": None if c.rate is None else round(c.rate, 4),
    }


async def today_api(request: web.Request) -> web.Response:
    """GET /api/today?node=ID&date=D: the Today page as JSON, for scripts (Bearer token).

    The same scope and the same privacy rule: health details only for staff roles.
    """
    data = gather(request)
    nodes = data["place"].tree.nodes
    node = data["node"]
    staff = data["staff"]
    out = {
        "date": data["day"].isoformat(),
        "node": {"id": node.id, "path": node.path, "kind": node.kind} if node else None,
        "counts": _counts(data["total"]) | ({} if staff else {"abnormal": None}),
        "children": [
            {"id": c.id, "path": c.path, "kind": c.kind}
            | _counts(n)
            | ({} if staff else {"abnormal": None})
            for c, n in data["rows"]
        ],
        "missing": [
            {"id": s.person_id, "name": s.name, "class": nodes[s.class_id].path}
            for s in data["missing"]
        ],
        "missing_truncated": data["missing_truncated"],
    }
    if staff:
        out["abnormal"] = [
            {
                "id": s.person_id,
                "name": s.name,
                "class": nodes[s.class_id].path,
                "temperature": s.temperature,
                "symptoms": s.symptoms,
                "on_campus": s.on_campus,
                "province": s.province,
                "isolation": s.isolation,
                "reported_at": s.reported_at,
                "proxy": s.proxy,
                "late": s.late,
            }
            for s in data["abnormal"]
        ]
    return web.json_response(out, dumps=lambda v: json.dumps(v, ensure_ascii=False))
