"""What pingan learns when a chat account connects: which groups it is in (so account-less
group messages go through an account that can post there, bot/outbox/routes.py), and each
configured group's member list, to bind members to the roster (certain matches) or queue them
for review (storage/bindings.py).

Runs whenever an adapter announces an account (a QQ (re)connect, a WeChat login), so
students who joined a group since are picked up at the next restart or reconnect; `/绑定`
covers the rest. Only counts are logged: member names are personal data.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from handlers.staff_claims import ask_admins_about_staff_claim
from storage.bindings import Member, bind_members

if TYPE_CHECKING:
    from bot.adapters.base import Account
    from bot.app import App
    from core.config import GroupBinding

log = logging.getLogger(__name__)


async def learn_account(app: App, account: Account) -> None:
    """Which groups the account is in (for routing), then the member lists of the
    configured groups of its platform among them. A list the platform cannot give now (not
    in that group, the link went away) is logged and skipped; the next connect tries again."""
    joined = await account.groups()
    if joined is not None:
        app.routes.set(account.platform, account.account, joined)
        app.wake_senders()
        log.info("%s %s is in %d groups", account.platform, account.account, len(joined))
    for group in app.config.groups:
        if group.platform != account.platform or (joined is not None and group.chat not in joined):
            continue
        try:
            members = await account.members(group.chat)
        except Exception as e:  # platform errors, timeouts, NotConnected: all "not now"
            log.info("%s %s: member list of group %s unavailable: %r",
                     account.platform, account.account, group.chat, e)  # fmt: skip
            continue
        if members:
            _bind(app, account.platform, group, members)


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
