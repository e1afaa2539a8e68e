"""Registers QQ through OneBot v11: `adapters.onebot` is a list of links (settings.py)."""

from __future__ import annotations

from bot.adapters.base import AdapterContext
from bot.adapters.onebot.adapter import OneBotAdapter
from bot.adapters.onebot.settings import OneBotConnection
from bot.adapters.registry import AdapterSpec, one_account_per_entry, register


def build(context: AdapterContext) -> OneBotAdapter:
    return OneBotAdapter(
        context.settings,
        on_message=lambda message: context.on_batch([message]),  # unused: on_batch is given
        on_account=context.on_account,
        tz=context.config.tz,
        on_batch=context.on_batch,
        on_recall=context.on_recall,
        on_member=context.on_member,
    )


register(
    AdapterSpec(
        name="onebot",
        platform="qq",
        settings=list[OneBotConnection],
        default=list,
        configured=bool,
        build=build,
        # in a cluster, one adapter per link, leased on the QQ number the link names
        accounts=one_account_per_entry("onebot", "self_id", "self_id（QQ 号）"),
    )
)
