"""The QQ side of the load runs: the spec-written OneBot v11 test peer (tests/onebot_peer.py)
plus what a NapCat-like implementation also offers: `get_group_msg_history` over the
messages it has seen in each group (the bot's own posts included, which is how a bot that
lost an answer finds that QQ did post it), and reconnecting to a restarted bot; `accepted` counts
the forward connections the bot opened (a takeover opens new ones).

History follows NapCat: `message_seq` absent gives the newest `count` messages, present gives
the `count` messages up to and including that seq; each page is oldest first.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

import aiohttp
from aiohttp import web

from tests.onebot_peer import OneBotPeer, _ok, text

__all__ = ["LoadPeer", "text"]


class LoadPeer(OneBotPeer):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.history: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.history_calls = 0
        self.accepted = 0  # forward WebSocket connections the bot opened, ever
        self._seq = 0

    async def _accept(self, request: web.Request) -> web.StreamResponse:
        self.accepted += 1
        return await super()._accept(request)

    def checkin(self, group: int, user: int, words: str, name: str, message_id: int):
        """A group message as QQ would push it now, also kept in the group's history."""
        event = self.group_message(group, user, [text(words)], card=name, message_id=message_id)
        event["time"] = int(time.time())
        self._seq += 1
        event["message_seq"] = self._seq
        self.history[group].append(event)
        return event

    def _execute(self, request: dict[str, Any]) -> dict[str, Any] | None:
        if request["action"] != "get_group_msg_history":
            before = len(self.delivered)
            reply = super()._execute(request)
            for posted in self.delivered[before:]:  # QQ's history shows the bot's posts too
                if posted.action == "send_group_msg":
                    event = self._as_event(posted)
                    self._seq += 1
                    event["message_seq"] = self._seq
                    self.history[posted.target].append(event)
            return reply
        self.history_calls += 1
        params, echo = request.get("params", {}), request.get("echo")
        rows = self.history.get(int(params["group_id"]), [])
        count = int(params.get("count", 20))
        seq = params.get("message_seq")
        if seq is not None:
            rows = [r for r in rows if r["message_seq"] <= int(seq)]
        return _ok({"messages": rows[-count:]}, echo)

    async def connect_retry(self, url: str, timeout: float = 30.0) -> None:
        """Connect by reverse WebSocket as soon as the bot listens (it may be starting)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                await self.connect(url)
                return
            except (aiohttp.ClientError, OSError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
