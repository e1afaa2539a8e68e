"""The wiring of a cluster (`cluster.enabled`, docs/run.md "Several processes") into the app.

bot/assemble.py calls `start_cluster` once, then hands each chat account to `lease_account`
instead of starting its adapter with the rest: the account is connected while this process
holds its lease (bot/ownership.py). The webhook robots are leased the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.app import App, Component
from bot.ops.accounts import AccountState
from bot.ownership import Owned, Ownership
from storage.leases import new_holder
from storage.outbox_claims import OutboxClaims

log = logging.getLogger(__name__)


def start_cluster(app: App) -> Ownership | None:
    """Several processes: this one's name in the leases, row claims, and the lease loop."""
    settings = app.config.cluster
    if not settings.enabled:
        return None
    holder = new_holder()
    app.claims = OutboxClaims(holder, settings.lease_s)
    ownership = Ownership(app.db, app.clock, settings, holder)
    loop: asyncio.Task | None = None

    async def start() -> None:
        nonlocal loop
        log.info("cluster: this process is %s", holder)
        loop = app.spawn(ownership.run(), "cluster leases")

    async def stop() -> None:
        if loop is not None:
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)
        await ownership.close()

    app.components.append(Component("cluster leases", start, stop))
    return ownership


def lease_account(
    app: App,
    ownership: Ownership,
    platform: str,
    account: str,
    connect: Callable[[], Awaitable[object]],
    disconnect: Callable[[object], Awaitable[None]],
    states: Callable[[object], list[AccountState]],
) -> None:
    """One account driven while this process holds its lease: `connect` builds and starts a
    fresh adapter each time the lease is gained; losing it stops the sender, then the
    adapter. Only a held account is on the board: a standby reports nothing as down."""
    current: object | None = None

    async def gained() -> None:
        nonlocal current
        current = await connect()

    async def lost() -> None:
        nonlocal current
        adapter, current = current, None
        await app.drop_transport(platform, account)
        if adapter is not None:
            await disconnect(adapter)

    app.board.add_source(lambda: states(current) if current is not None else [])
    ownership.add(Owned(f"{platform}:{account}", gained, lost))


def lease_robots(app: App, ownership: Ownership) -> None:
    """The webhook robots send from one process at a time too: they share the lease
    `webhook:` (their outbox rows have no account)."""
    from bot.webhooks import WebhookTransport

    async def connect() -> WebhookTransport:
        robots = WebhookTransport(app.config.ops.webhooks)
        app.add_transport(robots)
        return robots

    async def disconnect(robots) -> None:
        await robots.close()

    lease_account(app, ownership, "webhook", "", connect, disconnect, lambda _robots: [])
