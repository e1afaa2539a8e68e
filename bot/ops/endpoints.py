"""/healthz and /metrics on the dashboard's server.

/healthz is for the init system and load balancers: 200 `{"status": "ok"}` only when the
store takes a write and every configured account is connected, else 503 with the problems in
a few words (account ids and links, never personal data). /metrics is for Prometheus and
answers only loopback requests that did not come through a proxy, or a request with
`Authorization: Bearer <ops.metrics_token>`: it holds no personal data either, but it tells
how busy and how healthy the bot is, which is nobody else's business.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.ops.accounts import AccountBoard
from bot.ops.health import check
from bot.ops.metrics import Metrics
from core.clock import Clock
from storage.backend import Database

PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


@dataclass(frozen=True, slots=True)
class OpsView:
    """What the two endpoints read; built by bot/assemble.py."""

    db: Database
    clock: Clock
    board: AccountBoard
    metrics: Metrics
    metrics_token: str = ""


OPS_KEY = web.AppKey("ops", OpsView)


def mount(app: web.Application, view: OpsView) -> None:
    app[OPS_KEY] = view
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)


async def healthz(request: web.Request) -> web.Response:
    view = request.app[OPS_KEY]
    health = check(view.db, view.board.states(), view.clock.now())
    if health.ok:
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "unhealthy", "problems": health.problems}, status=503)


def _loopback(request: web.Request) -> bool:
    if any(h in request.headers for h in PROXY_HEADERS):
        return False  # a reverse proxy on this machine relays someone else
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def may_read_metrics(request: web.Request, token: str) -> bool:
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        return hmac.compare_digest(supplied.strip().encode(), token.encode())
    return _loopback(request)


async def metrics(request: web.Request) -> web.Response:
    view = request.app[OPS_KEY]
    if not may_read_metrics(request, view.metrics_token):
        return web.Response(status=403, text="metrics: loopback or ops.metrics_token only\n")
    body = view.metrics.render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
