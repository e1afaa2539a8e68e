"""Server-side HTML: one jinja2 environment for the app, and the error pages.

Templates and static files ship inside the package (no CDN), so the dashboard works on a
campus network with no outside access.
"""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from bot.web.queries import percent
from handlers.columns import BY_KEY, visible
from storage.tokens import Login

ENV_KEY = web.AppKey("jinja_env", jinja2.Environment)
# Who is logged in; set by the auth middleware (bot.web.auth), read by every page.
LOGIN_KEY = web.RequestKey("login", Login)
SIM_ENABLED_KEY = web.AppKey("sim_enabled", bool)  # the nav shows the simulator tab


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pct"] = lambda value: f"{value:.0f}%" if value is not None else "—"
    env.filters["percent"] = percent
    env.filters["temp"] = lambda value: f"{value:.1f}℃" if value is not None else "—"
    return env


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """Render a page with what every page needs: who is logged in, the form token, the nav."""
    env = request.app[ENV_KEY]
    login = request.get(LOGIN_KEY)
    base = {
        "login": login,
        "csrf": login.csrf if login else "",
        "path": request.path,
        "sim_enabled": request.app.get(SIM_ENABLED_KEY, False),
        "cols": visible(login.role if login else None),  # handlers/columns.py decides
        "col_label": lambda key: BY_KEY[key].label,
        "query": request.query,
        "static": lambda name: str(request.app.router["static"].url_for(filename=name)),
    }
    html = env.get_template(template).render({**base, **context})
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def error_page(request: web.Request, status: int, title: str, detail: str) -> web.Response:
    return render(request, "error.html", {"title": title, "detail": detail}, status=status)


def forbidden(request: web.Request, detail: str) -> web.Response:
    return error_page(request, 403, "没有权限 (403)", detail)
