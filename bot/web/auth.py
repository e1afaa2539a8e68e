"""Who is asking: session cookies for browsers, bearer tokens for scripts, and CSRF.

Every route needs a login except /login and /static. A browser trades its token once at
`/login?token=...` for an HttpOnly, SameSite=Lax session cookie (Secure over https), then the
token leaves the address bar. Opening that link only shows a confirm button: the session
starts on its POST (with the login form's CSRF value), so another site cannot log a browser
in as someone else with a link or an image. Failed logins are counted per address
(bot/web/login_guard.py). Every form carries the session's CSRF token; requests that
authenticate with `Authorization: Bearer` carry no cookie, so they need none.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from ipaddress import ip_address
from urllib.parse import urlsplit

from aiohttp import web

from bot.adapters.sim.settings import sim_settings
from bot.web.login_guard import LoginGuard
from bot.web.render import LOGIN_KEY, error_page, render
from core.clock import Clock
from core.config import Config
from storage.backend import Database
from storage.login_links import use_link
from storage.tokens import (
    Login,
    check_session,
    check_token,
    close_session,
    open_session,
    purge_sessions,
)

log = logging.getLogger(__name__)

SESSION_COOKIE = "pingan_session"
LOGIN_CSRF_COOKIE = "pingan_login_csrf"
PUBLIC_PREFIXES = ("/static/",)
# /sim/enter checks its own key (the link `pingan run` prints) and opens a session.
# /healthz and /metrics decide for themselves who may read them (bot/ops/endpoints.py).
PUBLIC_PATHS = frozenset({"/login", "/favicon.ico", "/sim/enter", "/healthz", "/metrics"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

DB_KEY = web.AppKey("db", Database)
CONFIG_KEY = web.AppKey("config", Config)
CLOCK_KEY = web.AppKey("clock", Clock)
# Tells the outbox sender that the dashboard queued messages (a broadcast): deliver now.
WAKE_KEY: web.AppKey[Callable[[], None]] = web.AppKey("outbox_wake")
AUTH_KIND_KEY = web.RequestKey("auth_kind", str)  # session | bearer | sim
LOGIN_GUARD_KEY = web.AppKey("login_guard", LoginGuard)

# Sessions opened by the simulator's local link: in memory only, gone with the process.
SIM_SESSIONS_KEY = web.AppKey("sim_sessions", dict)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_local(request: web.Request) -> bool:
    """The simulator is for this machine: loopback clients, unless configured otherwise."""
    if sim_settings(request.app[CONFIG_KEY]).web_remote:
        return True
    try:
        return ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def secure_cookies(request: web.Request) -> bool:
    web_config = request.app[CONFIG_KEY].web
    if web_config.secure_cookies is not None:
        return web_config.secure_cookies
    return request.secure or (web_config.public_url or "").startswith("https://")


def set_session_cookie(response: web.StreamResponse, request: web.Request, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(request),
        path="/",
        max_age=request.app[CONFIG_KEY].web.session_days * 86400,
    )


def safe_next(target: str | None) -> str:
    """Only same-site paths: `next=//evil.example` must not become an open redirect.

    Browsers drop tabs and newlines from a Location and read a backslash as a slash, so
    `/\t/evil.example` would become `//evil.example`: any such character refuses the target.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _wants_html(request: web.Request) -> bool:
    """A browser gets the login page; a script gets a plain 401 it can act on."""
    if request.path.startswith("/api/"):
        return False
    if "text/html" in request.headers.get("Accept", ""):
        return True
    return request.method == "GET" and "Authorization" not in request.headers


def _identify(request: web.Request) -> tuple[Login | None, str]:
    db, now = request.app[DB_KEY], request.app[CLOCK_KEY].now()
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        with db.atomic():
            return check_token(db, header.removeprefix("Bearer ").strip(), now), "bearer"
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None, ""
    sim_login = request.app[SIM_SESSIONS_KEY].get(cookie)
    if sim_login is not None:
        return (sim_login if is_local(request) else None), "sim"
    return check_session(db, cookie, now), "session"


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    login, kind = _identify(request)
    if login is None:
        if kind == "bearer" or not _wants_html(request):
            raise web.HTTPUnauthorized(
                text="401: a valid token is required (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": 'Bearer realm="pingan"'},
            )
        return login_page(request, status=401, next_path=request.path_qs)
    request[LOGIN_KEY], request[AUTH_KIND_KEY] = login, kind
    if request.method not in SAFE_METHODS and kind != "bearer":
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sent = str((await request.post()).get("csrf", ""))
        if not sent or not hmac.compare_digest(sent, login.csrf):
            log.warning("CSRF check failed for %s %s", request.method, request.path)
            return error_page(
                request,
                403,
                "表单已失效 (403)",
                "这个表单缺少有效的安全令牌（CSRF），可能页面已过期或来自其他网站。"
                "请返回上一页，刷新后再提交。",
            )
    return await handler(request)


def login_page(
    request: web.Request,
    *,
    status: int = 200,
    error: str = "",
    next_path: str = "/",
    token: str = "",
    link: str = "",
) -> web.Response:
    """The paste-in form, or (with `token` or a /登录 `link`) just a confirm button."""
    form_token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {
            "error": error,
            "next_path": safe_next(next_path),
            "login_csrf": form_token,
            "token": token,
            "link": link,
        },
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        form_token,
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request),
        path="/login",
    )
    return response


def _locked_out(request: web.Request, until: datetime) -> web.Response:
    config = request.app[CONFIG_KEY]
    return error_page(
        request,
        429,
        "登录尝试过多 (429)",
        f"这个地址的登录失败次数过多，请在 {until.astimezone(config.tz):%H:%M} 之后再试。",
    )


def _start_session(
    request: web.Request,
    secret: str,
    next_path: str,
    *,
    by_link: bool = False,
) -> web.StreamResponse:
    """Log in with a token, or (`by_link`) a one-time /登录 link: both count as failed logins
    of the address when wrong, so neither can be guessed past the lock-out."""
    db, now = request.app[DB_KEY], request.app[CLOCK_KEY].now()
    guard, address = request.app[LOGIN_GUARD_KEY], request.remote or "?"
    until = guard.locked(address, now)
    if until is not None:
        log.warning("dashboard login refused from %s: locked out", address)
        return _locked_out(request, until)
    days = request.app[CONFIG_KEY].web.session_days
    with db.atomic():
        login = use_link(db, secret, now, days) if by_link else check_token(db, secret, now)
        if login is None:
            guard.failed(address, now)
            until = guard.locked(address, now)
            if until is not None:
                return _locked_out(request, until)
            return login_page(
                request,
                status=401,
                error=(
                    "这个登录链接已用过、已过期或无效。请在私聊里重新发送 /登录 获取新链接。"
                    if by_link
                    else "登录令牌无效、已过期或已被撤销。请向管理员重新申请。"
                ),
                next_path=next_path,
            )
        purge_sessions(db, now)  # ended sessions go when someone logs in; few and cheap
        session_id, _ = open_session(db, login, now, max_days=days)
    guard.succeeded(address)
    log.info(
        "dashboard login%s: token #%s from %s",
        " by link" if by_link else "",
        login.token_id,
        address,
    )
    response = see_other(safe_next(next_path))
    set_session_cookie(response, request, session_id)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """GET /login?token=... (the link `pingan token create` prints) or ?link=... (a /登录
    link) asks to confirm; the paste-in form and the confirm button POST here, and only a
    POST starts a session, so neither a forged link nor a chat app's link preview (which
    would use up a one-time link) logs anyone in."""
    if request.method == "POST":
        form = await request.post()
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        sent = str(form.get("csrf", ""))
        if not expected or not hmac.compare_digest(expected, sent):
            return error_page(
                request, 403, "表单已失效 (403)", "登录表单已过期，请刷新登录页后重试。"
            )
        link = str(form.get("link", "")).strip()
        if link:
            return _start_session(request, link, "/", by_link=True)
        token, next_path = str(form.get("token", "")).strip(), str(form.get("next", "/"))
        return _start_session(request, token, next_path)
    token = request.query.get("token", "").strip()
    next_path = request.query.get("next", "/")
    link = request.query.get("link", "").strip()
    return login_page(request, next_path=next_path, token=token, link=link)


async def logout(request: web.Request) -> web.StreamResponse:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    request.app[SIM_SESSIONS_KEY].pop(cookie, None)
    db = request.app[DB_KEY]
    with db.atomic():
        close_session(db, cookie)
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def see_other(location: str) -> web.Response:
    """A 303 after a form post or login, so a reload never re-submits."""
    return web.Response(status=303, headers={"Location": location})
