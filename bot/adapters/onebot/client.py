"""Forward WebSocket: we connect to the implementation's server, and reconnect when it goes.

The account behind a forward connection is learned from the configured self_id, the first
event (the spec's lifecycle `connect`), or get_login_info, whichever comes first.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp

from bot.adapters.onebot.connection import Connection
from bot.adapters.onebot.exception import OneBotError
from bot.adapters.onebot.settings import OneBotConnection

if TYPE_CHECKING:
    from bot.adapters.onebot.adapter import OneBotAdapter

log = logging.getLogger(__name__)

# A connection that stayed up this long resets the backoff to its initial delay.
STABLE_AFTER_S = 30.0


class ForwardClient:
    def __init__(
        self, config: OneBotConnection, adapter: OneBotAdapter, session: aiohttp.ClientSession
    ) -> None:
        self.config = config
        self.adapter = adapter
        self.session = session
        self.connection: Connection | None = None
        self.accounts_seen: list[str] = []  # the QQ number behind the link, once learned

    async def run(self) -> None:
        """Connect, serve, and reconnect with exponential backoff, until cancelled."""
        cfg = self.config
        delay = cfg.reconnect_initial_s
        headers = {"Authorization": f"Bearer {cfg.access_token}"} if cfg.access_token else {}
        while True:
            loop = asyncio.get_running_loop()
            started = loop.time()
            try:
                async with self.session.ws_connect(
                    cfg.url or "",
                    headers=headers,
                    max_msg_size=cfg.max_frame_bytes,
                    heartbeat=cfg.ping_interval_s,
                ) as ws:
                    await self._serve(ws)
            except aiohttp.WSServerHandshakeError as e:
                hint = " (check access_token)" if e.status in (401, 403) else ""
                log.error("OneBot %s refused the connection: HTTP %s%s", cfg.url, e.status, hint)
            except (aiohttp.ClientError, OSError, TimeoutError) as e:
                log.warning("OneBot %s unreachable: %s", cfg.url, e)
            except Exception:  # a bug must not end the reconnect loop
                log.exception("OneBot %s: connection failed unexpectedly", cfg.url)
            if loop.time() - started >= STABLE_AFTER_S:
                delay = cfg.reconnect_initial_s
            log.info("OneBot %s: reconnecting in %.1fs", cfg.url, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, cfg.reconnect_max_s)

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        conn = Connection(
            ws,
            role="Universal",
            label=f"QQ via {self.config.url}",
            self_id=self.config.self_id,
            heartbeat_timeout_s=self.config.heartbeat_timeout_s,
        )
        self.connection = conn
        log.info("%s connected", conn.label)
        reader = asyncio.create_task(conn.serve(self.adapter.on_event))
        try:
            if conn.self_id is None:
                await self._learn_self_id(conn)
            if conn.self_id is not None:
                self.adapter.attach(conn)
                if conn.self_id not in self.accounts_seen:
                    self.accounts_seen.append(conn.self_id)
            await reader
        finally:
            if not reader.done():
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
            self.adapter.detach(conn)
            self.connection = None
            log.info("%s disconnected", conn.label)

    async def _learn_self_id(self, conn: Connection) -> None:
        try:
            response = await conn.call("get_login_info", {}, self.config.api_timeout_s)
        except OneBotError as e:
            log.info("%s: get_login_info failed (%s); waiting for an event", conn.label, e)
            return
        data = response.data if isinstance(response.data, dict) else {}
        if conn.self_id is None and data.get("user_id") is not None:
            conn.self_id = str(data["user_id"])
