"""Registers WeChat through a wechaty puppet service: `adapters.wechaty` is a list of
accounts (settings.py)."""

from __future__ import annotations

from bot.adapters.base import AdapterContext
from bot.adapters.registry import AdapterSpec, register

from .platform import WechatyAccounts
from .settings import WechatyConnection


def accounts(
    connections: list[WechatyConnection],
) -> list[tuple[str, list[WechatyConnection]]]:
    """In a cluster, one adapter per entry, leased on the account name it gives."""
    split = []
    for n, connection in enumerate(connections):
        if not connection.account:
            raise ValueError(f"adapters.wechaty[{n}] 需要 account")
        split.append((connection.account, [connection]))
    return split


def build(context: AdapterContext) -> WechatyAccounts:
    return WechatyAccounts(context.settings, context)


register(
    AdapterSpec(
        name="wechaty",
        platform="wechat",
        settings=list[WechatyConnection],
        default=list,
        configured=bool,
        build=build,
        accounts=accounts,
    )
)
