"""Audit rows for the dashboard: who looked at health data, who was refused an export, and
from where (the client address), in the same append-only log as exports (storage/audit.py).
"""

from __future__ import annotations

from aiohttp import web

from bot.web.auth import AUTH_KIND_KEY, CLOCK_KEY, DB_KEY
from bot.web.render import LOGIN_KEY
from storage.audit import record

#: A page shows health data to a login that sees one of these columns (handlers/columns.py).
HEALTH_COLUMNS = frozenset({"temperature", "health", "place", "key_group", "case"})


def _who(request: web.Request) -> tuple[str | None, dict]:
    login = request.get(LOGIN_KEY)
    actor = (login.person_id or "web:sim") if login else None
    return actor, {"address": request.remote or "?", "via": request.get(AUTH_KIND_KEY, "")}


def record_view(request: web.Request, cols: frozenset[str], scope: str, day: str) -> None:
    """One row per page of health data served (a page without any shows nothing to audit)."""
    if not cols & HEALTH_COLUMNS:
        return
    db = request.app[DB_KEY]
    actor, where = _who(request)
    with db.atomic():
        record(
            db, "view", actor, request.app[CLOCK_KEY].now(),
            page=request.path, scope=scope, day_from=day, day_to=day, **where,
        )  # fmt: skip


def record_refused_export(request: web.Request, reason: str) -> None:
    db = request.app[DB_KEY]
    actor, where = _who(request)
    with db.atomic():
        record(
            db, "export_refused", actor, request.app[CLOCK_KEY].now(),
            page=request.path, query=request.query_string[:200], reason=reason, **where,
        )  # fmt: skip
