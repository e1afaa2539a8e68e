"""What the /sim page needs from the running simulator, and when its clock button goes.

`SimBridge` is built by the simulator adapter (bot/adapters/sim/platform.py, its `web_page`)
from the pieces it runs; `moments` lists the day's scheduled times as the scheduler has them
(plan.trigger_times).
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from bot.adapters.sim import SimCampus, Transcript
from bot.adapters.sim.campus import PLATFORM
from bot.adapters.sim.students import Member, Post
from bot.adapters.sim.transcript import BOT_NAME, PRIVATE, Line
from core.clock import Clock
from core.config import Config
from core.messages import IncomingMessage
from schedules.plan import trigger_times


@dataclass(slots=True)
class SimBridge:
    """What the page needs from the running simulator.

    `handle` takes an IncomingMessage through the bot (Pipeline.handle); `wake` tells the
    outbox senders to deliver now, so replies show at once. The clock button moves `clock`
    to the next scheduled moment: a SimClock (bot/web/sim_clock.py) jumps with everything
    running on it; a FakeClock is simply set.
    """

    campus: SimCampus
    transcript: Transcript
    handle: Callable[[IncomingMessage], object]
    clock: Clock
    wake: Callable[[], None] = lambda: None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    campus_platform: str = PLATFORM

    def member(self, chat_id: str, account: str) -> Member | None:
        for member in self.campus.members.get(chat_id, []):
            if member.account == account:
                return member
        return None

    def anyone(self, account: str) -> Member | None:
        for members in self.campus.members.values():
            for member in members:
                if member.account == account:
                    return member
        return None

    def say(self, chat_id: str, account: str, text: str) -> IncomingMessage:
        """Post `text` as a member: in a group, or privately to the bot (chat `private`)."""
        private = chat_id == PRIVATE
        member = self.anyone(account) if private else self.member(chat_id, account)
        if member is None:
            raise ValueError(f"{account} 不在这个群里")
        now = self.clock.now()
        message_id = f"web-{now:%Y%m%d%H%M%S}-{next(self._ids)}-{secrets.token_hex(3)}"
        if private:
            message = IncomingMessage(
                platform=self.campus_platform,
                chat_type="private",
                chat_id=account,
                sender_id=account,
                display_name=member.name,
                text=text,
                message_id=message_id,
                time=now,
            )
            self.transcript.add(Line(now, PRIVATE, f"{member.name} → {BOT_NAME}", text))
        else:
            message = self.campus.message(Post(now, chat_id, member, text, "report"), message_id)
            self.campus.record(self.transcript, message, now)
        self.handle(message)
        self.wake()
        self.changed.set()
        return message

    async def jump(self, config: Config) -> datetime:
        """To the next scheduled moment; ClockFixed when this clock cannot be moved."""
        when = next_moment(config, self.clock.now())
        jump_to = getattr(self.clock, "jump_to", None)
        setter = getattr(self.clock, "set", None)
        if jump_to is not None:
            await jump_to(when)
        elif setter is not None:
            setter(when)
        else:
            raise ClockFixed("这个时钟跟随真实时间，不能调整（请使用默认的模拟配置运行）")
        self.wake()
        self.changed.set()
        return when


class ClockFixed(RuntimeError):
    """The bot runs on the wall clock: the simulator page cannot move it."""


JOB_LABELS = {
    "opens": "开始报送",
    "escalate": "上报未报名单",
    "closes": "截止",
    "summary": "汇总",
    "duty": "值班汇总",
    "purge": "清理过期数据",
    "followup": "异常跟踪询问",
}


def moments(config: Config) -> list[tuple[str, str]]:
    """The day's scheduled times (HH:MM, what happens), in order, as the scheduler has them."""
    by_time: dict[str, list[str]] = {}
    jobs = {**trigger_times(config), "followup": {config.followup.ask_at}}
    for job, times in jobs.items():
        label = f"第{job[3:]}次催报" if job.startswith("nag") else JOB_LABELS.get(job, job)
        for hhmm in times:
            if label not in by_time.setdefault(hhmm, []):
                by_time[hhmm].append(label)
    return [(hhmm, "、".join(labels)) for hhmm, labels in sorted(by_time.items())]


def next_moment(config: Config, now: datetime) -> datetime:
    local = now.astimezone(config.tz)
    for day_offset in range(2):
        day = local.date() + timedelta(days=day_offset)
        for hhmm, _ in moments(config):
            h, m = map(int, hhmm.split(":"))
            at = datetime.combine(day, time(h, m), config.tz)
            if at > local:
                return at
    raise AssertionError("a day always has a next scheduled moment")
