"""Reverse WebSocket: the OneBot implementation connects to us.

Per the v11 spec the implementation opens either one Universal connection or an API + Event
pair, says which in `X-Client-Role`, and says which QQ account it is in `X-Self-ID`. We also
accept the role from the path (`PATH/api`, `PATH/event`), as adapter-onebot and most
implementations' URL settings do. Authentication happens before the upgrade: a missing or
wrong token gets HTTP 401 and no WebSocket at all.
"""

from __future__ import annotations

import hmac
import logging
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING

from aiohttp import web

from bot.adapters.onebot.connection import Connection, Role
from bot.adapters.onebot.settings import OneBotConnection
from core.errors import ConfigError

if TYPE_CHECKING:
    from bot.adapters.onebot.adapter import OneBotAdapter

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 2.0  # connections are closed before; this bounds a stuck handler
_ROLES: dict[str, Role] = {"universal": "Universal", "api": "API", "event": "Event"}


def token_ok(expected: str, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
    """`Authorization: Bearer T` (or `Token T`, go-cqhttp's spelling) or `?access_token=T`.

    Compared with hmac.compare_digest so the time taken says nothing about the token.
    """
    if not expected:
        return True
    scheme, _, value = headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        supplied = value.strip()
    elif "access_token" in query:
        supplied = query["access_token"]
    else:
        return False
    return hmac.compare_digest(supplied.encode(), expected.encode())


class ReverseServer:
    """An aiohttp server on host:port serving PATH, PATH/api and PATH/event."""

    def __init__(self, config: OneBotConnection, adapter: OneBotAdapter) -> None:
        self.config = config
        self.adapter = adapter
        self.port: int | None = None
        self.accounts_seen: list[str] = []  # QQ numbers that connected here, first first
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; refuse to when the link would be open to the network (config built in
        code skips the config file's check, so it is made again here)."""
        if problem := self.config.exposure_problem():
            raise ConfigError(f"adapters.onebot: {problem}")
        app = web.Application()
        base = self.config.path.rstrip("/")
        paths: list[tuple[str, Role | None]] = [("", None), ("/api", "API"), ("/event", "Event")]
        for suffix, role in paths:
            handler = self._handler(role)
            app.router.add_get(base + suffix or "/", handler)
            app.router.add_get(base + suffix + "/", handler)
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET6 if ":" in self.config.host else socket.AF_INET)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.config.host, self.config.port))
        except OSError:
            sock.close()
            await runner.cleanup()
            raise
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self.port = sock.getsockname()[1]
        if not self.config.access_token:
            log.warning("OneBot reverse WS on port %s: no access_token (loopback)", self.port)
        log.info("OneBot reverse WS listening on ws://%s:%s%s", self.config.host, self.port, base)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _handler(self, path_role: Role | None):
        async def handle(request: web.Request) -> web.StreamResponse:
            peer = request.remote or "?"
            if not token_ok(self.config.access_token, request.headers, request.query):
                log.warning("OneBot connection from %s refused: missing or wrong token", peer)
                raise web.HTTPUnauthorized(text="missing or wrong access token")
            self_id = request.headers.get("X-Self-ID", "").strip()
            if not self_id:
                raise web.HTTPBadRequest(text="missing X-Self-ID")
            header_role = request.headers.get("X-Client-Role", "").strip().lower()
            role = path_role or _ROLES.get(header_role or "universal")
            if role is None:
                raise web.HTTPBadRequest(text=f"unknown X-Client-Role {header_role!r}")
            ws = web.WebSocketResponse(
                max_msg_size=self.config.max_frame_bytes, heartbeat=self.config.ping_interval_s
            )
            await ws.prepare(request)
            conn = Connection(
                ws,
                role=role,
                label=f"QQ {self_id} ({role}, reverse from {peer})",
                self_id=self_id,
                heartbeat_timeout_s=self.config.heartbeat_timeout_s,
            )
            self.adapter.attach(conn)
            if self_id not in self.accounts_seen:
                self.accounts_seen.append(self_id)
            log.info("%s connected", conn.label)
            try:
                await conn.serve(self.adapter.on_event)
            finally:
                self.adapter.detach(conn)
                log.info("%s disconnected", conn.label)
            return ws

        return handle
