"""Which chat accounts are up: one platform-neutral reading for health, metrics and alerts.

Every adapter exposes its accounts' state in the same two attributes, `connected` (a link is
up and the platform says the account is logged in) and `last_seen` (when it last heard from
the platform, UTC, or None), so this module never imports an adapter. An adapter with one
account is watched as it is (`watch`); one with many (OneBot) registers a function that
lists them (`add_source`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccountState:
    """`account` is the account id, or the link's address while no account has come."""

    platform: str
    account: str
    connected: bool
    last_seen: datetime | None = None

    @property
    def label(self) -> str:
        return f"{self.platform} {self.account}".strip()


class Watched(Protocol):
    platform: str
    account: str

    @property
    def connected(self) -> bool: ...


StateSource = Callable[[], Iterable[AccountState]]


class AccountBoard:
    """The configured accounts' states, read fresh from their adapters on every call."""

    def __init__(self) -> None:
        self._sources: list[StateSource] = []

    def add_source(self, source: StateSource) -> None:
        self._sources.append(source)

    def watch(self, adapter: Watched) -> None:
        def state() -> list[AccountState]:
            return [
                AccountState(
                    adapter.platform,
                    adapter.account or "",
                    bool(adapter.connected),
                    getattr(adapter, "last_seen", None),
                )
            ]

        self._sources.append(state)

    def states(self) -> list[AccountState]:
        """Every account once; a source that fails is logged and left out, never fatal."""
        found: dict[tuple[str, str], AccountState] = {}
        for source in self._sources:
            try:
                for state in source():
                    found[(state.platform, state.account)] = state
            except Exception:
                log.exception("reading account states failed")
        return list(found.values())
