"""Registers WeChat through a wechaty puppet service: `adapters.wechaty` is a list of
accounts (settings.py)."""

from __future__ import annotations

from bot.adapters.base import AdapterContext
from bot.adapters.registry import AdapterSpec, one_account_per_entry, register

from .platform import WechatyAccounts
from .settings import WechatyConnection


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
        # in a cluster, one adapter per entry, leased on the account name it gives
        accounts=one_account_per_entry("wechaty", "account", "account"),
    )
)
