"""The dashboard's aiohttp application, built from what it needs as arguments.

`create_web_app(db, config, clock)` returns an `aiohttp.web.Application`; `pingan run`
mounts it with an AppRunner on `config.web.host:port`. Everything is read from the one
SQLite database the bot writes to (WAL lets both work at once).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.ops.endpoints import OpsView
from bot.ops.endpoints import mount as mount_ops
from bot.web.auth import (
    CLOCK_KEY,
    CONFIG_KEY,
    DB_KEY,
    LOGIN_GUARD_KEY,
    LOGIN_KEY,
    SIM_SESSIONS_KEY,
    WAKE_KEY,
    auth_middleware,
    login,
    logout,
    see_other,
)
from bot.web.broadcasts import broadcasts_page, remind_action, send_action
from bot.web.common import PageError, forbidden
from bot.web.downloads import downloads_page, ledger_download
from bot.web.groups import close_case_action, groups_page
from bot.web.login_guard import LoginGuard
from bot.web.province import province_api, province_gate, province_page
from bot.web.quiz import quiz_page, start_action
from bot.web.render import ENV_KEY, error_page, make_env
from bot.web.sim import mount as mount_sim
from bot.web.sim_bridge import SimBridge
from bot.web.today import today_api, today_page
from bot.web.trend import trend_page
from core.clock import Clock
from core.config import Config
from handlers.permissions import PROVINCE
from storage.backend import Database

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"

# Same-origin everything; inline style attributes are allowed for progress-bar widths only
# (all text is autoescaped), scripts come from /static alone.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def page_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every answer; errors as readable Chinese pages, not tracebacks."""
    try:
        response = await handler(request)
    except PageError as e:
        if request.path.startswith("/api/"):
            body = {"error": e.title, "detail": e.detail}
            response = web.json_response(body, status=e.status, dumps=_json)
        else:
            response = error_page(request, e.status, e.title, e.detail)
    except web.HTTPNotFound:
        response = error_page(request, 404, "找不到页面 (404)", "这个地址不存在。")
    except web.HTTPMethodNotAllowed:
        response = error_page(request, 405, "不支持的操作 (405)", "这个地址不接受这种请求。")
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Content-Security-Policy", CSP)
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def province_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A 省级 login opens /province only; nobody else opens it (bot/web/province.py)."""
    detail = province_gate(request.get(LOGIN_KEY), request.path)
    if detail is not None:
        raise forbidden(detail)
    return await handler(request)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def index(request: web.Request) -> web.StreamResponse:
    login = request.get(LOGIN_KEY)
    return see_other("/province" if login and login.role == PROVINCE else "/today")


def create_web_app(
    db: Database,
    config: Config,
    clock: Clock,
    *,
    sim: SimBridge | None = None,
    wake: Callable[[], None] | None = None,
    ops: OpsView | None = None,
) -> web.Application:
    """The dashboard, reading (and, for notices and cases, writing) the bot's database.

    `wake` is called after the dashboard queued messages (a notice, a reminder): pass the
    outbox senders' `wake` so they go out at once. `sim`, given when the sim adapter runs,
    adds the chat simulator page (/sim); its local link is `sim_url(app, base)`. `ops` adds
    /healthz and /metrics (bot/ops/endpoints.py).
    """
    app = web.Application(middlewares=[page_middleware, auth_middleware, province_middleware])
    app[DB_KEY] = db
    app[CONFIG_KEY] = config
    app[CLOCK_KEY] = clock
    app[WAKE_KEY] = wake or (lambda: None)
    app[ENV_KEY] = make_env()
    app[SIM_SESSIONS_KEY] = {}
    app[LOGIN_GUARD_KEY] = LoginGuard()
    app.router.add_get("/", index)
    app.router.add_route("*", "/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/today", today_page)
    app.router.add_get("/api/today", today_api)
    app.router.add_get("/trend", trend_page)
    app.router.add_get("/province", province_page)
    app.router.add_get("/api/province", province_api)
    app.router.add_get("/groups", groups_page)
    app.router.add_get("/quiz", quiz_page)
    app.router.add_post("/quiz", start_action)
    app.router.add_get("/downloads", downloads_page)
    app.router.add_get("/downloads/ledger.xlsx", ledger_download)
    app.router.add_get("/broadcasts", broadcasts_page)
    app.router.add_post("/broadcasts", send_action)
    app.router.add_post("/broadcasts/{broadcast_id}/remind", remind_action)
    app.router.add_post("/groups/cases/{case_id}/close", close_case_action)
    if sim is not None:
        mount_sim(app, sim)
    if ops is not None:
        mount_ops(app, ops)
    app.router.add_static("/static/", STATIC_DIR, append_version=True, name="static")
    return app
