"""Telling the admins that a chat account is down, through a route that still works.

Every `ops.alert_check_s` the account states (bot/ops/accounts.py) are read. An account that
has been disconnected or logged out for `ops.alert_after_s` is reported once per outage, and
its return once more, to:

- every `admin` chat on a platform where another account is connected (a QQ outage reaches
  the admins' WeChat group, and the other way round);
- every webhook robot in `ops.webhooks` with `alerts: true`.

The text names the account and how long it has been down, nothing about any student. The
messages go through the outbox like any other (dedup keys per outage), so a robot that is
briefly unreachable gets the alert later rather than never.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.ops.accounts import AccountBoard, AccountState
from core.clock import Clock
from core.config import Config
from core.messages import OutgoingMessage, platform_name
from storage.backend import Database
from storage.outbox import enqueue

log = logging.getLogger(__name__)

WEBHOOK = "webhook"
Key = tuple[str, str]


def _name(state: AccountState) -> str:
    name = platform_name(state.platform)
    return f"{name}{' ' if name.isascii() else ''}账号 {state.account}"


def down_text(state: AccountState, since: datetime, now: datetime, tz) -> str:
    minutes = max(int((now - since).total_seconds() // 60), 1)
    seen = state.last_seen.astimezone(tz).strftime("%m-%d %H:%M") if state.last_seen else "无"
    return (
        f"【平安小助手·运维】{_name(state)} 已断开约 {minutes} 分钟（最后收到消息：{seen}）。"
        "这个账号所在群的报送、提醒和汇总暂停，恢复后会补上。"
        "请检查它的登录状态（QQ：NapCat/Lagrange；微信：puppet 服务）。"
    )


def back_text(state: AccountState, since: datetime, now: datetime) -> str:
    minutes = max(int((now - since).total_seconds() // 60), 1)
    return f"【平安小助手·运维】{_name(state)} 已恢复连接（中断约 {minutes} 分钟）。"


class AccountWatch:
    def __init__(
        self,
        db: Database,
        config: Config,
        clock: Clock,
        board: AccountBoard,
        *,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.db, self.config, self.clock, self.board = db, config, clock, board
        self.on_queued = on_queued
        self._down_since: dict[Key, datetime] = {}
        self._alerted: set[Key] = set()

    def check(self) -> int:
        """Look once; queue what is due; return how many messages were queued."""
        now = self.clock.now()
        states = self.board.states()
        after = timedelta(seconds=self.config.ops.alert_after_s)
        queued = 0
        for state in states:
            key = (state.platform, state.account)
            if state.connected:
                since = self._down_since.pop(key, None)
                if since is not None and key in self._alerted:
                    self._alerted.discard(key)
                    log.info("%s is back after an outage that was reported", state.label)
                    queued += self._tell(state, back_text(state, since, now), since, "back", states)
                continue
            since = self._down_since.setdefault(key, now)
            if key not in self._alerted and now - since >= after:
                self._alerted.add(key)
                log.error("%s down since %s: telling the admins", state.label, since.isoformat())
                text = down_text(state, since, now, self.config.tz)
                queued += self._tell(state, text, since, "down", states)
        if queued and self.on_queued is not None:
            self.on_queued()
        return queued

    def _routes(self, down: AccountState, states: list[AccountState]) -> list[tuple[str, str]]:
        """(platform, chat) pairs that can reach the admins while `down` is down."""
        alive = {s.platform for s in states if s.connected}  # `down` is not among them
        routes: list[tuple[str, str]] = [
            (g.platform, g.chat)
            for g in self.config.groups
            if g.purpose == "admin" and g.platform != WEBHOOK and g.platform in alive
        ]
        routes += [(WEBHOOK, w.name) for w in self.config.ops.webhooks if w.alerts]
        return routes

    def _tell(
        self, state: AccountState, text: str, since: datetime, what: str, states: list
    ) -> int:
        routes = self._routes(state, states)
        if not routes:
            log.error(
                "%s is %s and no other route reaches the admins (no admin group on another "
                "connected platform, no ops.webhooks with alerts)",
                state.label,
                what,
            )
            return 0
        now = self.clock.now()
        queued = 0
        with self.db.atomic():
            for platform, chat in routes:
                key = f"account-{what}:{state.platform}:{state.account}:{since.isoformat()}:{chat}"
                message = OutgoingMessage(
                    platform=platform, chat_type="group", target=chat, text=text, dedup_key=key
                )
                queued += enqueue(self.db, message, now) is not None
        return queued

    async def run(self) -> None:
        """Check every `ops.alert_check_s` until cancelled; a failing check is logged."""
        while True:
            try:
                self.check()
            except Exception:
                log.exception("account check failed; trying again at the next interval")
            await asyncio.sleep(self.config.ops.alert_check_s)
