"""The Today page: completion per node with drill-down, who is missing, who is abnormal.

A counselor opens it on a phone mid-morning: the numbers first, then the names to chase,
then the abnormal reports with their details (columns by role: handlers/columns.py).
"""

from __future__ import annotations

import json
from datetime import timedelta

from aiohttp import web

from bot.web.audit_views import record_view
from bot.web.auth import CONFIG_KEY, DB_KEY
from bot.web.common import day_param, today, where
from bot.web.queries import StudentRow, node_counts, student_rows
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
    # The names to act on first: missing, then abnormal (only for who sees health: the order
    # must not tell a class monitor who is unwell), then on leave, then the rest.
    health = place.scope.shows("health")
    students.sort(
        key=lambda s: (s.status != "missing", health and not s.abnormal, s.status != "leave")
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
    if not health:
        abnormal = []
    elif is_class:
        abnormal = [s for s in students if s.abnormal]
    else:
        abnormal = student_rows(db, day_text, class_ids, config.tz, only="abnormal")
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
        "cols": place.scope.cols,
    }


def _audit(request: web.Request, data: dict) -> None:
    node = data["node"]
    record_view(request, data["cols"], node.path if node else "", data["day"].isoformat())


async def today_page(request: web.Request) -> web.Response:
    data = gather(request)
    _audit(request, data)
    return render(request, "today.html", data)


def _counts(c: Counts) -> dict:
    return {
        "expected": c.expected,
        "reported": c.reported,
        "missing": c.missing,
        "on_leave": c.on_leave,
        "abnormal": c.abnormal,
        "rate": None if c.rate is None else round(c.rate, 4),
    }


# Fields of an abnormal row in /api/today, by the column that decides whether they go out.
API_FIELDS: dict[str, tuple[str, ...]] = {
    "temperature": ("temperature",),
    "health": ("symptoms",),
    "on_campus": ("on_campus",),
    "place": ("province", "isolation"),
    "reported_at": ("reported_at",),
    "marks": ("proxy", "late"),
}


def _shown(row: StudentRow, cols: frozenset[str]) -> dict:
    return {f: getattr(row, f) for key, fs in API_FIELDS.items() if key in cols for f in fs}


async def today_api(request: web.Request) -> web.Response:
    """GET /api/today?node=ID&date=D: the Today page as JSON, for scripts (Bearer token).

    The same scope and the same columns (handlers/columns.py) as the page.
    """
    data = gather(request)
    _audit(request, data)
    nodes = data["place"].tree.nodes
    node = data["node"]
    cols = data["cols"]
    hide = {} if "abnormal_count" in cols else {"abnormal": None}
    out = {
        "date": data["day"].isoformat(),
        "node": {"id": node.id, "path": node.path, "kind": node.kind} if node else None,
        "counts": _counts(data["total"]) | hide,
        "children": [
            {"id": c.id, "path": c.path, "kind": c.kind} | _counts(n) | hide
            for c, n in data["rows"]
        ],
        "missing": [
            {"id": s.person_id, "name": s.name, "class": nodes[s.class_id].path}
            for s in data["missing"]
        ],
        "missing_truncated": data["missing_truncated"],
    }
    if "health" in cols:
        out["abnormal"] = [
            {"id": s.person_id, "name": s.name, "class": nodes[s.class_id].path} | _shown(s, cols)
            for s in data["abnormal"]
        ]
    return web.json_response(out, dumps=lambda v: json.dumps(v, ensure_ascii=False))
