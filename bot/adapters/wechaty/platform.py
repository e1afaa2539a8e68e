"""Every `adapters.wechaty` entry as one bot.adapters.base.Adapter.

Each entry is its own WechatyAdapter (one account, one puppet service); an entry that cannot
run is logged and the others go on. An account is announced to the core (`on_account`) at
each login once the service has accepted us: it can send from then on, and its rooms'
member lists can be read (a login event may arrive before the service answered our Start).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.adapters.base import Account, AdapterContext
from bot.ops.accounts import AccountState
from core.messages import IncomingMessage

from .adapter import WechatyAdapter
from .session import PLATFORM
from .settings import WechatyConnection

log = logging.getLogger(__name__)

READY_WAIT_S = 60.0  # after a login, how long we wait for the service to accept us


class WechatyAccounts:
    platform = PLATFORM
    label = "wechaty (WeChat)"

    def __init__(
        self,
        connections: list[WechatyConnection],
        context: AdapterContext,
        make: Callable[..., WechatyAdapter] = WechatyAdapter,
    ) -> None:
        self.on_account = context.on_account
        self.adapters: list[WechatyAdapter] = []
        self._tasks: set[asyncio.Task[Any]] = set()

        async def one_message(message: IncomingMessage) -> None:  # a batch of one
            await context.on_batch([message])

        for n, connection in enumerate(connections):
            try:
                self.adapters.append(
                    make(connection, one_message, tz=context.config.tz, on_login=self._logged_in)
                )
            except Exception:  # a bad account entry never stops the others
                log.exception("wechaty #%d cannot run; the other accounts go on", n + 1)

    def _logged_in(self, adapter: WechatyAdapter) -> None:
        task = asyncio.ensure_future(self._announce(adapter))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _announce(self, adapter: WechatyAdapter) -> None:
        if await adapter.wait_ready(READY_WAIT_S):
            self.on_account(adapter)
        else:
            log.info("WeChat %s logged in but not ready; announced at the next login",
                     adapter.account)  # fmt: skip

    async def start(self) -> None:
        for adapter in self.adapters:
            await adapter.start()  # returns at once; connects in the background

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*(a.stop() for a in self.adapters), return_exceptions=True)

    def connected_accounts(self) -> list[Account]:
        return [a for a in self.adapters if a.connected and a.self_id]

    def states(self) -> list[AccountState]:
        return [
            AccountState(
                PLATFORM,
                a.account,
                a.connected,
                datetime.fromtimestamp(a.last_seen, UTC) if a.last_seen is not None else None,
            )
            for a in self.adapters
        ]

    def web_page(self) -> None:
        return None
