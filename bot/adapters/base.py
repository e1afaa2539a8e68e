"""The one interface between pingan's core and a chat platform, in the spirit of nonebot2's
`Adapter`: the core starts and stops adapters, hears about their accounts and messages
through the sinks it hands them, and asks each connected account to send, to list a group's
members and to give back the messages it missed. It never imports an adapter; assembly
(bot/assemble.py), member learning (bot/members.py) and backfill (bot/backfill.py) loop over
whatever the registry (bot/adapters/registry.py) built.

An adapter package (one folder under bot/adapters/) declares its config section and a
`factory.build(context)`; docs/adapters.md says how to add one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.ops.accounts import AccountState
from core.clock import Clock
from core.config import Config
from core.messages import IncomingMessage, MemberChange, OutgoingMessage, Recall
from storage.backend import Database
from storage.bindings import Member

BatchSink = Callable[[list[IncomingMessage]], Awaitable[None]]
OneNow = Callable[[IncomingMessage], object]
RecallSink = Callable[[Recall], Awaitable[None]]
MemberSink = Callable[[MemberChange], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class History:
    """A group's messages since a time, oldest first, as backfill asks for them.

    `kept` False is the platform's explicit answer that it keeps no history the bot can
    read (the simulator, WeChat through a puppet service, a OneBot implementation without
    `get_group_msg_history`): backfill stops asking that account rather than retrying.
    """

    messages: tuple[IncomingMessage, ...] = ()
    kept: bool = True

    @classmethod
    def none_kept(cls) -> History:
        return cls((), kept=False)


class Account(Protocol):
    """One connected chat account. `send` is bot.transport.Transport's: it returns the
    platform's message id once the platform confirmed delivery and raises DeliveryFailed
    (or a subclass) otherwise; the outbox marks a row sent only after it returned."""

    @property
    def platform(self) -> str: ...

    @property
    def account(self) -> str: ...

    @property
    def paced(self) -> bool:
        """Whether the outbox keeps this account under the risk-control rate limits
        (False only for simulated chats, where nobody is watching)."""
        ...

    async def send(self, message: OutgoingMessage) -> str: ...

    async def groups(self) -> set[str] | None:
        """The groups this account is in (outbox routing), or None when it cannot tell."""
        ...

    async def members(self, group: str) -> list[Member]:
        """The group's members but this account, names in order of authority; raises when
        the list is unavailable now (not in that group, link down)."""
        ...

    async def history(self, group: str, since: datetime) -> History:
        """The group's messages written at or after `since` (History.none_kept() when the
        platform keeps none); raises when it is unavailable now."""
        ...


AccountSink = Callable[[Account], None]


@dataclass(frozen=True, slots=True)
class AdapterContext:
    """Everything a factory may use to build its adapter: one constructor shape for all.

    `on_batch` takes incoming messages in arrival order, a batch committed at once;
    `on_account` is called each time an account is ready to send (connect, reconnect,
    login); `on_recall` and `on_member` hear withdrawn messages and member joins, leaves and
    renames where the platform reports them. `handle` takes one message through the core at
    once and returns its outcome (the simulator page shows it); `wake` tells the outbox
    senders to look for work now.
    """

    config: Config
    settings: Any  # this adapter's `adapters.<name>` section, as its package declared it
    db: Database
    clock: Clock
    on_batch: BatchSink
    on_account: AccountSink
    on_recall: RecallSink
    on_member: MemberSink
    handle: OneNow
    wake: Callable[[], None]


class Adapter(Protocol):
    """One platform's adapter: all the accounts of its config section."""

    @property
    def platform(self) -> str: ...

    @property
    def label(self) -> str:
        """How logs and start-up name it ("OneBot (QQ)")."""
        ...

    async def start(self) -> None:
        """Begin connecting; returns soon and never raises for an unreachable platform."""
        ...

    async def stop(self) -> None:
        """Close every link after handing the core what was already received."""
        ...

    def connected_accounts(self) -> Sequence[Account]:
        """The accounts connected now."""
        ...

    def states(self) -> list[AccountState]:
        """Every configured account, connected or not, for health and alerts (bot/ops)."""
        ...

    def web_page(self) -> Any:
        """What the dashboard serves for this adapter (the simulator's chat page), or None."""
        ...
