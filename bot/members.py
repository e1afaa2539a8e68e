"""What pingan learns when a chat account connects: which groups it is in (so account-less
group messages go through an account that can post there, bot/outbox/routes.py), and each
configured group's member list, to bind members to the roster (certain matches) or queue them
for review (storage/bindings.py).

Runs at every (re)connect of an account, so students who joined a group since are picked up
at the next restart or reconnect; `/绑定` covers the rest. Only counts are logged: member
names are personal data.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from storage.bindings import Member, bind_members

if TYPE_CHECKING:
    from bot.adapters.onebot import OneBotAccount
    from bot.app import App

log = logging.getLogger(__name__)


async def learn_qq_account(app: App, account: OneBotAccount) -> None:
    """Which groups the account is in (for routing), then the member lists of the
    configured groups among them."""
    from bot.adapters.onebot.exception import OneBotError

    try:
        joined: set[str] | None = set(await account.get_group_list())
    except OneBotError as e:
        log.info(
            "QQ %s: get_group_list failed (%s); trying every configured group", account.account, e
        )
        joined = None
    else:
        app.routes.set("qq", account.account, joined)
        app.wake_senders()
        log.info("QQ %s is in %d groups", account.account, len(joined))
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
        with app.db.conn:
            report = bind_members(
                app.db,
                "qq",
                group.chat,
                group.node,
                [
                    Member(m.user_id, m.card, m.nickname)
                    for m in members
                    if m.user_id != account.account
                ],
                app.clock.now(),
            )
        log.info(
            "QQ group %s: %d members, %d newly bound, %d to review, %d unknown",
            group.chat,
            len(members),
            len(report.bound),
            len(report.review),
            len(report.unmatched),
        )


async def bind_wechat_groups(app: App, adapter: Any) -> None:
    """Through the wechaty adapter's own bind_room (branch f6-wechaty)."""
    from bot.adapters.wechaty import bind_room

    for group in app.config.groups:
        if group.platform != "wechat":
            continue
        row = app.db.execute(
            "SELECT node_id FROM chats WHERE platform = 'wechat' AND chat_id = ?", [group.chat]
        ).fetchone()
        if row is None:
            continue
        try:
            result = await bind_room(adapter, app.db, group.chat, row[0], app.clock.now())
        except Exception as e:  # a room the account is not in, or the service went away
            log.info("WeChat room %s: member list unavailable: %s", group.chat, e)
            continue
        log.info(
            "WeChat room %s: %d newly bound, %d to review",
            group.chat,
            len(result.bound),
            len(result.review),
        )
