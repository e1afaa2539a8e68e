"""Which of the configured chat accounts this process drives: the lease loop of a cluster.

With `cluster.enabled`, several `pingan run` processes share one database and each drives
only the accounts it holds a lease on (storage/leases.py). Every `cluster.renew_s` this loop
renews the leases it holds and tries to take each configured account it does not hold: an
account is connected (its adapter started) when its lease is gained and disconnected when it
is lost (another process took it after this one failed to renew in time). A standby started
with the same config therefore just waits: when the holder dies its leases expire after at
most `cluster.lease_s`, and within one more `renew_s` the standby takes them and connects.
On a clean stop the leases are released so the standby takes over at once.

Leases do not balance themselves: a process takes every free account it lists. To spread the
accounts over processes that all list all of them (each covering the others), each names its
share in `cluster.prefer`: it takes those at once and the others only once it has been
looking for `lease_s`, by which time their preferred process, started with it, holds them.
`prefer: []` makes a pure standby, which takes nothing while the others run.

The lease is also checked at every outbox claim (storage/outbox_claims.py), so a process
that lost an account but has not noticed yet still sends nothing for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.config import Cluster
from storage import leases
from storage.backend import Database

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class Owned:
    """One configured account: its lease name (platform:account) and how to drive it."""

    lease: str
    connect: Callable[[], Awaitable[None]]
    disconnect: Callable[[], Awaitable[None]]


class Ownership:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Cluster,
        holder: str,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.holder = holder
        self.accounts: list[Owned] = []
        self._sleep = sleep
        self._valid_until: dict[str, datetime] = {}  # held accounts: our lease runs until
        self._since: datetime | None = None  # the first tick (see `_may_take`)

    def add(self, owned: Owned) -> None:
        self.accounts.append(owned)

    @property
    def held(self) -> list[str]:
        """The accounts this process drives now."""
        return sorted(self._valid_until)

    async def tick(self) -> None:
        """Renew what we hold, take what is free or expired, let go of what we lost."""
        if self._since is None:
            self._since = self.clock.now()
        for owned in self.accounts:
            now = self.clock.now()
            if not self._may_take(owned.lease, now):
                continue
            try:
                got = leases.hold(self.db, owned.lease, self.holder, now, self.settings.lease_s)
            except Exception as e:  # locked too long, disk or network trouble: try again
                log.warning("lease on %s not renewed: %s", owned.lease, e)
                until = self._valid_until.get(owned.lease)
                got = until is not None and now < until  # ours until it would have expired
            else:
                if got:
                    self._valid_until_set(owned.lease, now)
            if got and owned.lease not in self._running:
                await self._connect(owned, now)
            elif not got and owned.lease in self._running:
                log.warning(
                    "%s: the lease went to another process; disconnecting it here", owned.lease
                )
                await self._disconnect(owned)

    async def run(self) -> None:
        """Tick every `renew_s` until cancelled; a failing tick is logged, never fatal."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("cluster lease loop: tick failed")
            await self._sleep(self.settings.renew_s)

    async def close(self) -> None:
        """Disconnect every held account and release its lease (a standby takes over now)."""
        for owned in self.accounts:
            if owned.lease in self._running:
                await self._disconnect(owned)
                try:
                    leases.release(self.db, owned.lease, self.holder)
                except Exception as e:  # any backend's error: never stop the shutdown
                    log.warning(
                        "lease on %s not released (it expires by itself): %s", owned.lease, e
                    )

    # -- internals -------------------------------------------------------------------------

    def _may_take(self, lease: str, now: datetime) -> bool:
        """Held, preferred (or no preference set): look now; another process's share only
        after `lease_s` of looking, so that it goes to the process that prefers it."""
        prefer = self.settings.prefer
        if prefer is None or lease in prefer or lease in self._valid_until:
            return True
        assert self._since is not None
        return now - self._since >= timedelta(seconds=self.settings.lease_s)

    @property
    def _running(self) -> set[str]:
        return set(self._valid_until)

    def _valid_until_set(self, lease: str, now: datetime) -> None:
        if lease in self._valid_until:
            self._valid_until[lease] = now + timedelta(seconds=self.settings.lease_s)

    async def _connect(self, owned: Owned, now: datetime) -> None:
        log.info("%s: lease taken by this process (%s); connecting", owned.lease, self.holder)
        self._valid_until[owned.lease] = now + timedelta(seconds=self.settings.lease_s)
        try:
            await owned.connect()
        except Exception:
            log.exception("%s could not connect; the lease is kept and renewed", owned.lease)

    async def _disconnect(self, owned: Owned) -> None:
        self._valid_until.pop(owned.lease, None)
        try:
            await owned.disconnect()
        except Exception:
            log.exception("%s did not disconnect cleanly", owned.lease)
