"""One WebSocket to a OneBot implementation, whichever side opened it.

Both aiohttp's server (`web.WebSocketResponse`) and client (`ClientWebSocketResponse`)
sockets have the same `send_str`/`receive`/`close`, so reverse and forward connections share
this class: it reads frames, decodes each once, routes action responses to their waiting
call by `echo`, hands events on, and watches heartbeats.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import aiohttp

from bot.adapters.onebot.event import (
    ActionResponse,
    Decoded,
    HeartbeatMetaEvent,
    MalformedFrame,
    decode,
    parse_json,
)
from bot.adapters.onebot.exception import ApiNotAvailable, ApiTimeout, ConnectionLost

log = logging.getLogger(__name__)

Role = Literal["Universal", "API", "Event"]
EventSink = Callable[["Connection", Decoded], Awaitable[None]]

# Echo numbers are unique per process, so a response can never be matched to a call made
# on an earlier connection that happened to reuse the number.
_ECHO = itertools.count(1)
FRAMES_PER_YIELD = 32  # frames read before other tasks get a turn, under a flood


class Connection:
    """Reads and writes one socket; `serve()` returns when the socket is gone."""

    def __init__(
        self,
        ws: aiohttp.web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        *,
        role: Role,
        label: str,
        self_id: str | None = None,
        heartbeat_timeout_s: float = 60.0,
    ) -> None:
        self.ws = ws
        self.role: Role = role
        self.label = label
        self.self_id = self_id
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self._pending: dict[str, asyncio.Future[ActionResponse]] = {}
        self._silence_limit: float | None = None  # set by the first heartbeat
        self.dead = False

    @property
    def carries_api(self) -> bool:
        return self.role != "Event"

    @property
    def carries_events(self) -> bool:
        return self.role != "API"

    @property
    def open(self) -> bool:
        return not self.dead and not self.ws.closed

    async def call(self, action: str, params: dict[str, Any], timeout: float) -> ActionResponse:
        """Send one action and wait for the response with the same echo."""
        if not self.carries_api or not self.open:
            raise ApiNotAvailable(f"{self.label}: cannot carry actions now")
        echo = str(next(_ECHO))
        future: asyncio.Future[ActionResponse] = asyncio.get_running_loop().create_future()
        self._pending[echo] = future
        try:
            frame = json.dumps({"action": action, "params": params, "echo": echo})
            try:
                await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError, aiohttp.ClientError) as e:
                # Nothing (or a torn frame) reached the peer: it cannot have acted on it.
                raise ApiNotAvailable(f"{self.label}: write failed: {e}") from e
            try:
                return await asyncio.wait_for(future, timeout)
            except TimeoutError as e:
                raise ApiTimeout(f"{action}: no response in {timeout:g}s") from e
        finally:
            self._pending.pop(echo, None)

    async def serve(self, on_event: EventSink) -> None:
        """Read until the socket closes, the peer goes silent, or a frame is too big.

        `on_event` is awaited in arrival order; while it waits (the core is far behind),
        reading pauses and TCP pushes back on the peer instead of messages being dropped.
        """
        frames = 0
        try:
            while True:
                frames += 1
                if frames % FRAMES_PER_YIELD == 0:
                    # A buffered frame is returned without a pause: under a flood this loop
                    # would decode a thousand frames while the dashboard waits.
                    await asyncio.sleep(0)
                try:
                    msg = await self.ws.receive(timeout=self._silence_limit)
                except TimeoutError:
                    log.warning(
                        "%s: no heartbeat for %.0fs, connection marked dead",
                        self.label,
                        self._silence_limit or 0,
                    )
                    break
                if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    event = self._on_frame(msg.data)
                    if event is None:
                        continue
                    try:
                        await on_event(self, event)
                    except Exception:  # one odd event must not cost the connection
                        log.exception("%s: an event could not be handled", self.label)
                elif msg.type == aiohttp.WSMsgType.ERROR:  # also: no pong to our ping in time
                    log.warning("%s: connection failed, closing: %s", self.label, msg.data)
                    break
                elif msg.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.CLOSED,
                ):
                    break
        finally:
            self.dead = True
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionLost(f"{self.label}: connection closed"))
            if not self.ws.closed:
                await self.ws.close()

    async def close(self) -> None:
        self.dead = True
        if not self.ws.closed:
            await self.ws.close()

    def _on_frame(self, raw: str | bytes) -> Decoded | None:
        """Responses are settled here; events are returned for the sink."""
        try:
            frame = decode(parse_json(raw))
        except MalformedFrame as e:
            log.warning("%s: ignoring a malformed frame (%d bytes): %s", self.label, len(raw), e)
            return None
        if isinstance(frame, ActionResponse):
            self._resolve(frame)
            return None
        if frame is None:
            return None
        if isinstance(frame, HeartbeatMetaEvent):
            interval_s = frame.interval / 1000
            self._silence_limit = max(self.heartbeat_timeout_s, 2 * interval_s)
        if self.self_id is None:
            self.self_id = frame.self_id
        elif frame.self_id != self.self_id:
            log.warning(
                "%s: event for account %s on the connection of %s, ignored",
                self.label,
                frame.self_id,
                self.self_id,
            )
            return None
        return frame

    def _resolve(self, response: ActionResponse) -> None:
        future = self._pending.get(str(response.echo)) if response.echo is not None else None
        if future is None:
            log.debug("%s: response with unknown echo %r ignored", self.label, response.echo)
        elif not future.done():
            future.set_result(response)
