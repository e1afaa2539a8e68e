"""The wiring of a cluster (`cluster.enabled`, docs/run.md "Several processes") into the app.

bot/assemble.py calls `start_cluster` once, then hands each chat account to `lease_account`
instead of starting its adapter with the rest: the registry splits each configured adapter
into one adapter per account (bot/adapters/registry.py `AdapterSpec.accounts`), and each is
connected while this process holds its lease (bot/ownership.py). Nothing here names a
platform. The webhook robots are leased the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.adapters.base import Adapter
from bot.app import App, Component
from bot.ops.accounts import AccountState
from bot.ownership import Owned, Ownership
from storage.leases import new_holder
from storage.outbox_claims import OutboxClaims

log = logging.getLogger(__name__)

T = TypeVar("T")


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
    app: App, ownership: Ownership, platform: str, account: str, build: Callable[[], Adapter]
) -> None:
    """One account driven while this process holds its lease (`platform:account`): `build`
    makes a fresh one-account adapter (bot/adapters/base.py) each time the lease is gained,
    which is then started; losing the lease stops the account's sender, then the adapter.
    Only a held account is on the board: a standby reports nothing as down."""

    async def connect() -> Adapter:
        adapter = build()
        await adapter.start()
        return adapter

    async def disconnect(adapter: Adapter) -> None:
        await adapter.stop()

    _lease(app, ownership, platform, account, connect, disconnect, lambda a: a.states())


def lease_robots(app: App, ownership: Ownership) -> None:
    """The webhook robots send from one process at a time too: they share the lease
    `webhook:` (their outbox rows have no account)."""
    from bot.webhooks import WebhookTransport

    async def connect() -> WebhookTransport:
        robots = WebhookTransport(app.config.ops.webhooks)
        app.add_transport(robots)
        return robots

    async def disconnect(robots: WebhookTransport) -> None:
        await robots.close()

    _lease(app, ownership, "webhook", "", connect, disconnect, lambda _robots: [])


def _lease(
    app: App,
    ownership: Ownership,
    platform: str,
    account: str,
    connect: Callable[[], Awaitable[T]],
    disconnect: Callable[[T], Awaitable[None]],
    states: Callable[[T], list[AccountState]],
) -> None:
    """What runs on a lease: `connect` when it is gained; when it is lost, the sender of
    (platform, account) stops first, then `disconnect`."""
    current: T | None = None

    async def gained() -> None:
        nonlocal current
        current = await connect()

    async def lost() -> None:
        nonlocal current
        running, current = current, None
        await app.drop_transport(platform, account)
        if running is not None:
            await disconnect(running)

    app.board.add_source(lambda: states(current) if current is not None else [])
    ownership.add(Owned(f"{platform}:{account}", gained, lost))
