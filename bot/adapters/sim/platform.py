"""The simulator as a bot.adapters.base.Adapter, for `pingan run` with `adapters.sim.enabled`.

Its accounts are the simulated groups' transport and, for each other registered platform
with no real account configured, a stand-in that records the private messages staff would
get there (as in the demo). Its web page is the chat simulator (bot/web/sim.py), when the
dashboard is in this build.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from bot.adapters.base import AdapterContext
from bot.ops.accounts import AccountState
from core.messages import IncomingMessage

from .adapter import SimAdapter
from .campus import SimCampus
from .settings import SimSettings
from .transport import SimTransport


class SimPlatform:
    platform = "sim"
    label = "sim adapter"

    def __init__(self, context: AdapterContext, stand_in_for: list[str]) -> None:
        settings: SimSettings = context.settings
        self.context = context
        self.campus = SimCampus(context.db, context.config, settings.seed)
        # On the page's SimClock the students' waits end early when the page moves time on.
        sleep = getattr(context.clock, "sleep", asyncio.sleep)
        self.adapter = SimAdapter(self.campus, self._one, context.clock, sleep=sleep)
        self.transports = [self.adapter.transport] + [
            SimTransport(self.adapter.transcript, context.clock, self.campus.name_of, platform=p)
            for p in stand_in_for
        ]

    async def _one(self, message: IncomingMessage) -> None:  # a batch of one
        await self.context.on_batch([message])

    async def start(self) -> None:
        for transport in self.transports:
            self.context.on_account(transport)
        self.adapter.start()

    async def stop(self) -> None:
        await self.adapter.stop()

    def connected_accounts(self) -> list[SimTransport]:
        return list(self.transports) if self.adapter.connected else []

    def states(self) -> list[AccountState]:
        return [AccountState(self.platform, self.adapter.account, self.adapter.connected)]

    def web_page(self) -> Any:
        """The dashboard's bridge to the chat simulator page, when the dashboard is built."""
        if importlib.util.find_spec("bot.web") is None:
            return None
        from bot.web import SimBridge

        return SimBridge(
            campus=self.campus,
            transcript=self.adapter.transcript,
            handle=self.context.handle,
            clock=self.context.clock,
            wake=self.context.wake,
        )
