"""A cluster (`cluster.enabled`) runs any registered platform, not only QQ and WeChat: the
adapter package says how its section splits into named accounts (`AdapterSpec.accounts`),
and bot/cluster.py leases each one without naming a platform.

A platform that exists only in this file ("relay", two accounts in one section) runs on two
assembled apps sharing one SQLite file: the first builds one adapter per account and sends
for both; on a clean stop the standby builds its own and sends for both. A section whose
package declares no `accounts`, or an entry that names no account, is a config error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel

from bot.adapters import registry
from bot.adapters.base import Account, AdapterContext, History
from bot.app import App
from bot.assemble import build_app
from bot.ops.accounts import AccountState
from core.clock import SystemClock
from core.config import load_config
from core.errors import ConfigError
from core.messages import OutgoingMessage
from storage import leases
from storage.bindings import Member
from storage.outbox import enqueue
from tests.onebot_peer import until
from tests.run_helpers import stop_apps, write_config

CLUSTER = "cluster: {enabled: true, lease_s: 1.0, renew_s: 0.2}\n"
FAST = "outbox: {per_group_interval_s: 0, per_account_per_minute: 1000, poll_s: 0.1}\n"


class RelayEntry(BaseModel):
    account: str | None = None


@dataclass
class RelayAccount:
    account: str
    sent: list[str] = field(default_factory=list)
    platform: str = "relay"
    paced: bool = True

    async def send(self, message: OutgoingMessage) -> str:
        self.sent.append(message.text)
        return f"r-{len(self.sent)}"

    async def groups(self) -> set[str] | None:
        return None

    async def members(self, group: str) -> list[Member]:
        return []

    async def history(self, group: str, since: datetime) -> History:
        return History.none_kept()


class RelayAdapter:
    """All the accounts of the section it was built with (in a cluster: one)."""

    platform = "relay"
    label = "relay"
    built: ClassVar[list[RelayAdapter]] = []

    def __init__(self, context: AdapterContext) -> None:
        self.context = context
        self.accounts = [RelayAccount(e.account or "relay-?") for e in context.settings]
        self.running = False
        RelayAdapter.built.append(self)

    async def start(self) -> None:
        self.running = True
        for account in self.accounts:
            self.context.on_account(account)

    async def stop(self) -> None:
        self.running = False

    def connected_accounts(self) -> list[Account]:
        return list(self.accounts) if self.running else []

    def states(self) -> list[AccountState]:
        return [AccountState("relay", a.account, self.running, None) for a in self.accounts]

    def web_page(self) -> None:
        return None


def split(entries: list[RelayEntry]) -> list[tuple[str, list[RelayEntry]]]:
    parts = []
    for n, entry in enumerate(entries):
        if not entry.account:
            raise ValueError(f"adapters.relay[{n}] needs account")
        parts.append((entry.account, [entry]))
    return parts


def relay_spec(splittable: bool) -> registry.AdapterSpec:
    return registry.AdapterSpec(
        name="relay",
        platform="relay",
        settings=list[RelayEntry],
        default=list,
        configured=bool,
        build=RelayAdapter,
        accounts=split if splittable else None,
    )


@pytest.fixture
def relay() -> Iterator[None]:
    registry.register(relay_spec(splittable=True))
    RelayAdapter.built.clear()
    yield
    registry.unregister("relay")


def cluster_config(tmp_path: Path, entries: list[dict]) -> Path:
    path = write_config(tmp_path, groups=[], adapters={"relay": entries})
    path.write_text(path.read_text(encoding="utf-8") + CLUSTER + FAST, encoding="utf-8")
    return path


def held_by(app: App) -> list[str]:
    now = app.clock.now()
    holder = app.claims.holder if app.claims is not None else None
    return [
        lease.account
        for lease in leases.leases(app.db)
        if lease.expires_at > now and lease.holder == holder
    ]


def queue(app: App, account: str, text: str) -> None:
    message = OutgoingMessage(
        platform="relay", chat_type="group", target="relay-class", text=text, account=account
    )
    with app.db.atomic():
        enqueue(app.db, message, SystemClock().now())


def sent_by(account: str) -> list[str]:
    return [t for a in RelayAdapter.built for acc in a.accounts if acc.account == account
            for t in acc.sent]  # fmt: skip


async def test_each_account_of_a_registered_platform_is_leased_and_moves_on_a_clean_stop(
    relay, tmp_path
):
    config = load_config(cluster_config(tmp_path, [{"account": "a"}, {"account": "b"}]))
    first = build_app(config)
    second: App | None = None
    try:
        await first.start()
        await until(lambda: held_by(first) == ["relay:a", "relay:b"], timeout=10)
        assert [[acc.account for acc in a.accounts] for a in RelayAdapter.built] == [["a"], ["b"]]
        second = build_app(config)
        await second.start()
        queue(first, "a", "甲一")
        queue(first, "b", "乙一")
        await until(lambda: sent_by("a") == ["甲一"] and sent_by("b") == ["乙一"], timeout=10)
        assert held_by(second) == [] and second.board.states() == []
        assert sorted(s.account for s in first.board.states()) == ["a", "b"]

        await first.stop()
        assert not any(a.running for a in RelayAdapter.built)
        await until(lambda: held_by(second) == ["relay:a", "relay:b"], timeout=10)
        assert len(RelayAdapter.built) == 4  # the standby built its own, one per account
        queue(second, "a", "甲二")
        queue(second, "b", "乙二")
        await until(lambda: sent_by("a") == ["甲一", "甲二"], timeout=10)
        await until(lambda: sent_by("b") == ["乙一", "乙二"], timeout=10)
    finally:
        await stop_apps(first, second)


def test_an_entry_naming_no_account_is_refused_in_a_cluster(relay, tmp_path):
    with pytest.raises(ConfigError, match=r"cluster.enabled: adapters.relay\[1\] needs account"):
        load_config(cluster_config(tmp_path, [{"account": "a"}, {}]))


def test_a_platform_that_cannot_split_its_accounts_is_refused_in_a_cluster(tmp_path):
    registry.register(relay_spec(splittable=False))
    try:
        with pytest.raises(ConfigError, match=r"adapters.relay 不能在多进程模式下运行"):
            load_config(cluster_config(tmp_path, [{"account": "a"}]))
    finally:
        registry.unregister("relay")


def test_qq_wechat_and_the_simulator_in_a_cluster(tmp_path):
    """The built-in packages: OneBot needs self_id, WeChat account; the simulator is refused."""
    cases = [
        ({"onebot": [{"mode": "forward_ws", "url": "ws://127.0.0.1:3001"}]},
         r"adapters.onebot\[0\] 需要 self_id"),
        ({"wechaty": [{"token": "t", "endpoint": "127.0.0.1:1", "account": "bot"},
                      {"token": "t", "endpoint": "127.0.0.1:2"}]},
         r"adapters.wechaty\[1\] 需要 account"),
        ({"sim": {"enabled": True}}, r"adapters.sim 不能在多进程模式下运行"),
    ]  # fmt: skip
    for adapters, problem in cases:
        path = write_config(tmp_path, groups=[], adapters=adapters)
        path.write_text(path.read_text(encoding="utf-8") + CLUSTER, encoding="utf-8")
        with pytest.raises(ConfigError, match=problem):
            load_config(path)
        path.write_text(path.read_text(encoding="utf-8").replace("enabled: true, ", ""))
        load_config(path)  # without cluster.enabled the same file is fine
