"""What pingan learns when a chat account connects: which groups it is in (so account-less
group messages go through an account that can post there, bot/outbox/routes.py), and each
configured group's member list, to bind members to the roster (certain matches) or queue them
for review (storage/bindings.py).

Runs at every (re)connect of a QQ account and at every WeChat login, so students who joined a
group since are picked up at the next restart or reconnect; `/绑定` covers the rest. Only
counts are logged: member names are personal data.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from handlers.staff_claims import ask_admins_about_staff_claim
from storage.bindings import Member, bind_members

if TYPE_CHECKING:
    from bot.adapters.onebot import OneBotAccount
    from bot.adapters.wechaty import WechatyAdapter
    from bot.app import App
    from core.config import GroupBinding

log = logging.getLogger(__name__)


async def learn_qq_account(app: App, account: OneBotAccount) -> None:
    """Which groups the account is in (for routing), then the member lists of the
    configured groups among them."""
    from bot.adapters.onebot.exception import OneBotError

    joined: set[str] | None
    try:
        groups = set(await account.get_group_list())
    except OneBotError as e:
        log.info(
            "QQ %s: get_group_list failed (%s); trying every configured group", account.account, e
        )
        joined = None
    else:
        joined = groups
        app.routes.set("qq", account.account, groups)
        app.wake_senders()
        log.info("QQ %s is in %d groups", account.account, len(groups))
    for group in app.config.groups:
        if group.platform != "qq" or (joined is not None and group.chat not in joined):
            continue
        try:
            members = await account.get_group_member_list(group.chat)
        except OneBotError as e:  # not in that group, or the action is unsupported
            log.info(
                "QQ %s: member list of group %s unavailable: %s", account.account, group.chat, e
            )
            continue
        listed = [Member(m.user_id, (m.card, m.nickname)) for m in members]
        _bind(app, "qq", group, [m for m in listed if m.account_id != account.account])


async def bind_wechat_groups(app: App, adapter: WechatyAdapter) -> None:
    """After a WeChat login: the member list of each configured WeChat group, bound to the
    roster. A room the account is not in, or a service that went away, is logged and
    skipped; the next login tries again."""
    for group in app.config.groups:
        if group.platform != "wechat":
            continue
        try:
            members = await adapter.member_list(group.chat)
        except Exception as e:  # grpclib, timeouts, DeliveryFailed: all "not now"
            log.info("WeChat room %s: member list unavailable: %r", group.chat, e)
            continue
        _bind(app, "wechat", group, [Member(m.wxid, (m.room_alias, m.name)) for m in members])


def _bind(app: App, platform: str, group: GroupBinding, members: list[Member]) -> None:
    """One group's members bound (unconfirmed) in one transaction; only the counts are
    logged. A member whose card or nickname names a staff member gets no role: the admins
    are asked to check (a card is exactly what someone posing as a counselor would set)."""
    with app.db.atomic():
        now = app.clock.now()
        report = bind_members(app.db, platform, group.chat, group.node, members, now)
        names = {m.account_id: m.display_name for m in members}
        for account_id, person_id, bound in report.staff:
            ask_admins_about_staff_claim(
                app.db, now, platform, group.chat, account_id, names[account_id], person_id, bound
            )
    log.info(
        "%s group %s: %d members, %d newly bound, %d to review, %d unknown",
        platform,
        group.chat,
        len(members),
        len(report.bound),
        len(report.review),
        len(report.unmatched),
    )
