"""A OneBot v11 implementation written to the published spec, for tests: it plays QQ.

It connects to pingan by reverse WebSocket (X-Self-ID, X-Client-Role, Authorization) or
serves forward WebSocket connections (checking the access token and answering 401), pushes
events in either message format, and executes the actions pingan calls: send_group_msg and
send_private_msg deliver into `delivered` (what the group would see), get_group_member_list,
get_group_member_info and get_login_info answer from its state, anything else gets retcode
1404 as the spec says.
Faults are switches: `swallow_and_close` drops the next send and cuts the connection before
answering; `fail_next` answers the next send with a retcode.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web


@dataclass
class Delivered:
    action: str
    target: int
    message: list[dict[str, Any]]
    message_id: int
    at: Any = None

    @property
    def text(self) -> str:
        return "".join(s["data"]["text"] for s in self.message if s["type"] == "text")

    @property
    def mentions(self) -> list[str]:
        return [str(s["data"]["qq"]) for s in self.message if s["type"] == "at"]


_HANG: dict[str, Any] = {}  # an answer that is never sent


@dataclass
class OneBotPeer:
    self_id: int = 10000
    message_format: str = "array"  # or "string" (CQ codes)
    access_token: str = ""
    members: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    now: Callable[[], Any] = time.time  # what `Delivered.at` records (a FakeClock in tests)
    delivered: list[Delivered] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    swallow_and_close: bool = False
    deliver_and_close: bool = False
    deliver_and_hang: bool = False  # post the next send, never answer it (a crash mid-send)
    history: bool = True  # get_group_msg_history (the go-cqhttp extension NapCat implements)
    fail_next: int | None = None

    def __post_init__(self) -> None:
        self._sockets: list[Any] = []
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()
        self._runner: web.AppRunner | None = None
        self._next_id = 1
        self.refused = 0

    # -- reverse: we (QQ) connect to pingan --------------------------------------------------

    async def connect(
        self, url: str, *, role: str = "Universal", token: str | None = None, query: str = ""
    ) -> aiohttp.ClientWebSocketResponse:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"X-Self-ID": str(self.self_id), "X-Client-Role": role}
        token = self.access_token if token is None else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        ws = await self._session.ws_connect(url + query, headers=headers, max_msg_size=0)
        self._adopt(ws)
        return ws

    # -- forward: pingan connects to us -----------------------------------------------------

    async def serve(self) -> int:
        app = web.Application()
        app.router.add_get("/", self._accept)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _accept(self, request: web.Request) -> web.StreamResponse:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        supplied = supplied or request.query.get("access_token", "")
        if self.access_token and supplied != self.access_token:
            self.refused += 1
            raise web.HTTPUnauthorized()
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(self.lifecycle("connect"))
        await self._read(ws)
        return ws

    # -- both --------------------------------------------------------------------------------

    def _adopt(self, ws: Any) -> None:
        self._sockets.append(ws)
        task = asyncio.create_task(self._read(ws))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self, ws: Any) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            request = json.loads(msg.data)
            self.actions.append(request)
            reply = self._execute(request)
            if reply is _HANG:
                continue
            if reply is None:  # swallowed: the connection goes before any answer
                await ws.close()
                break
            await ws.send_json(reply)
        with contextlib.suppress(ValueError):
            self._sockets.remove(ws)

    def _execute(self, request: dict[str, Any]) -> dict[str, Any] | None:
        action, params, echo = request["action"], request.get("params", {}), request.get("echo")
        if action in ("send_group_msg", "send_private_msg"):
            if self.swallow_and_close:
                self.swallow_and_close = False
                return None
            if self.fail_next is not None:
                retcode, self.fail_next = self.fail_next, None
                return {"status": "failed", "retcode": retcode, "data": None, "echo": echo}
            target = params["group_id"] if action == "send_group_msg" else params["user_id"]
            message_id = self._next_id
            self._next_id += 1
            self.delivered.append(
                Delivered(action, int(target), params["message"], message_id, self.now())
            )
            if self.deliver_and_hang:
                self.deliver_and_hang = False
                return _HANG
            if self.deliver_and_close:  # QQ posted it; the answer is lost with the link
                self.deliver_and_close = False
                return None
            return _ok({"message_id": message_id}, echo)
        if action == "get_group_member_list":
            return _ok(self.members.get(int(params["group_id"]), []), echo)
        if action == "get_group_list":
            return _ok([{"group_id": g, "group_name": f"group {g}"} for g in self.members], echo)
        if action == "get_group_msg_history" and self.history:
            group = int(params["group_id"])
            own = [d for d in self.delivered if d.action == "send_group_msg" and d.target == group]
            return _ok({"messages": [self._as_event(d) for d in own]}, echo)
        if action == "get_group_member_info":
            for row in self.members.get(int(params["group_id"]), []):
                if int(row["user_id"]) == int(params["user_id"]):
                    return _ok({"group_id": int(params["group_id"]), **row}, echo)
            return {"status": "failed", "retcode": 100, "data": None, "echo": echo}
        if action == "get_login_info":
            return _ok({"user_id": self.self_id, "nickname": "pingan"}, echo)
        return {"status": "failed", "retcode": 1404, "data": None, "echo": echo}

    def _as_event(self, d: Delivered) -> dict[str, Any]:
        at = d.at.timestamp() if hasattr(d.at, "timestamp") else d.at
        return {
            "time": int(at),
            "self_id": self.self_id,
            "post_type": "message",
            "message_type": "group",
            "message_id": d.message_id,
            "group_id": d.target,
            "user_id": self.self_id,
            "message": d.message,
            "sender": {"user_id": self.self_id, "nickname": "bot", "card": ""},
        }

    @property
    def connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def push(self, frame: dict[str, Any] | str | bytes) -> None:
        for ws in list(self._sockets):
            if ws.closed:
                continue
            if isinstance(frame, bytes):
                await ws.send_bytes(frame)
            elif isinstance(frame, str):
                await ws.send_str(frame)
            else:
                await ws.send_json(frame)
            return
        raise AssertionError("peer is not connected")

    async def disconnect(self) -> None:
        for ws in list(self._sockets):
            await ws.close()

    async def close(self) -> None:
        await self.disconnect()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- events as the spec writes them -------------------------------------------------------

    def group_message(
        self,
        group_id: int,
        user_id: int,
        segments: list[dict[str, Any]],
        *,
        card: str | None = "",
        nickname: str = "",
        message_id: int | None = None,
    ) -> dict[str, Any]:
        event = self._message("group", user_id, segments, message_id)
        event.update(group_id=group_id, anonymous=None)
        event["sender"] = {"user_id": user_id, "nickname": nickname, "card": card, "role": "member"}
        return event

    def private_message(
        self, user_id: int, segments: list[dict[str, Any]], *, nickname: str = ""
    ) -> dict[str, Any]:
        event = self._message("private", user_id, segments, None)
        event["sender"] = {"user_id": user_id, "nickname": nickname}
        return event

    def _message(self, kind: str, user_id: int, segments: list, message_id: int | None):
        raw = to_cq(segments)
        self._next_id += 1
        return {
            "time": 1581289200,
            "self_id": self.self_id,
            "post_type": "message",
            "message_type": kind,
            "sub_type": "normal" if kind == "group" else "friend",
            "message_id": message_id if message_id is not None else self._next_id,
            "user_id": user_id,
            "message": raw if self.message_format == "string" else segments,
            "raw_message": raw,
            "font": 0,
        }

    def lifecycle(self, sub_type: str) -> dict[str, Any]:
        return {
            "time": 1581289200,
            "self_id": self.self_id,
            "post_type": "meta_event",
            "meta_event_type": "lifecycle",
            "sub_type": sub_type,
        }

    def heartbeat(self, interval_ms: int) -> dict[str, Any]:
        return {
            "time": 1581289200,
            "self_id": self.self_id,
            "post_type": "meta_event",
            "meta_event_type": "heartbeat",
            "status": {"online": True, "good": True},
            "interval": interval_ms,
        }


def _ok(data: Any, echo: Any) -> dict[str, Any]:
    return {"status": "ok", "retcode": 0, "data": data, "echo": echo}


def _escape(text: str, param: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")
    return text.replace(",", "&#44;") if param else text


def to_cq(segments: list[dict[str, Any]]) -> str:
    """The spec's string format, written independently of pingan's parser."""
    out = []
    for seg in segments:
        if seg["type"] == "text":
            out.append(_escape(seg["data"]["text"]))
        else:
            params = "".join(f",{k}={_escape(str(v), True)}" for k, v in seg["data"].items())
            out.append(f"[CQ:{seg['type']}{params}]")
    return "".join(out)


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "data": {"text": value}}


def at(qq: int | str) -> dict[str, Any]:
    return {"type": "at", "data": {"qq": str(qq)}}


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a condition the bot should bring about; fail fast instead of hanging."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not reached within {timeout:.1f}s")
        await asyncio.sleep(0.01)
