"""Simulated students: who reports when, and in which words.

Every choice comes from a random generator seeded by (seed, day, person), so a given seed
replays the same day exactly. The mix follows what a class group looked like in February
2020: most students reply in the morning, some only after a reminder, a few late or never;
some write a full sentence, some only "36.6，在家"; a class monitor starts a 接龙 and people
repost it with their line added; dorm heads report for a roommate; people say "收到".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from core.config import CheckinTimes

CITIES = ("湖北武汉", "河南郑州", "湖南长沙", "广东深圳", "四川成都", "山东济南", "江苏南京",
          "浙江杭州", "安徽合肥", "河北石家庄", "湖北黄冈", "江西南昌")  # fmt: skip
ON_CAMPUS = ("在校", "留校", "在宿舍")
# {n} name, {t} temperature, {l} whereabouts. Templates without {n} are only used by students
# whose chat account is bound to the roster (the bot knows who they are).
NORMAL = (
    "{n} {t} 正常 {l}",
    "{n}，体温{t}℃，身体健康，{l}",
    "{n} {t}度 无异常 {l}",
    "{n} {l} {t} 良好",
    "{n}：{t}，正常",
    "{n} {t} 一切安好 {l}",
    "{n} {t} 平安 {l}",
)
NAMELESS = (
    "{t}，{l}，无发热咳嗽",
    "{t} 正常 {l}",
    "{t}℃ 身体健康 {l}",
    "今天体温{t}，一切正常，{l}",
)
ABNORMAL = (
    "{n} {t} 发烧 {l}",
    "{n} {t} 有点咳嗽，嗓子疼 {l}",
    "{n} {t} 身体不适 {l}",
    "{n} {t} 头疼，有点乏力 {l}",
)
CHATTER = ("收到", "好的", "收到[抱拳]", "已报", "收到，谢谢老师", "好嘞", "[OK]")
PostKind = Literal["report", "chain", "proxy", "correction", "chatter"]


@dataclass(frozen=True, slots=True)
class Member:
    person_id: str
    name: str
    role: str
    dorm_id: int | None
    account: str  # the sim chat account
    bound: bool  # whether that account is bound to the roster person


@dataclass(frozen=True, slots=True)
class Post:
    at: datetime
    chat_id: str
    poster: Member
    text: str
    kind: PostKind
    about: str | None = None  # the person a report is for


@dataclass(frozen=True, slots=True)
class Habit:
    """What a student is like every day (seeded by person only)."""

    home: str
    style: float  # 0..1: low = terse, high = full sentence with name
    reliability: float  # 0..1: low = often late or missing


def habit(seed: int, member: Member) -> Habit:
    rng = random.Random(f"{seed}:{member.person_id}")
    home = rng.choice(ON_CAMPUS) if rng.random() < 0.25 else f"在家（{rng.choice(CITIES)}）"
    if rng.random() < 0.5:
        home = home.split("（")[0]
    return Habit(home, rng.random(), rng.betavariate(5, 1.2))


def _at(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), tz)


def _temperature(rng: random.Random, abnormal: bool) -> str:
    if abnormal and rng.random() < 0.6:
        return f"{rng.uniform(37.3, 38.6):.1f}"
    return f"{min(max(rng.gauss(36.5, 0.2), 35.9), 37.1):.1f}"


def report_text(rng: random.Random, member: Member, h: Habit, abnormal: bool) -> str:
    t = _temperature(rng, abnormal)
    if abnormal:
        template = rng.choice(ABNORMAL)
    elif member.bound and h.style < 0.35:
        template = rng.choice(NAMELESS)
    else:
        template = rng.choice(NORMAL)
    return template.format(n=member.name, t=t, l=h.home)


class DayPlan:
    """One class group's day: every post, in time order."""

    def __init__(
        self,
        seed: int,
        day: date,
        chat_id: str,
        members: list[Member],
        times: CheckinTimes,
        tz: ZoneInfo,
    ) -> None:
        self.seed, self.day, self.chat_id, self.tz = seed, day, chat_id, tz
        self.members = members
        self.opens = _at(day, times.opens, tz)
        self.closes = _at(day, times.closes, tz)
        self.nags = [_at(day, n, tz) for n in times.nags]
        self.posts: list[Post] = []
        self._build()
        self.posts.sort(key=lambda p: (p.at, p.poster.person_id))

    def _when(self, rng: random.Random, reliability: float) -> datetime | None:
        """Report time, or None for a student who does not report today."""
        r = rng.random()
        windows = [self.opens, *self.nags, self.closes]
        if r > 0.62 + 0.37 * reliability:
            return None
        if r > 0.58 + 0.37 * reliability:  # late: after the deadline
            return self.closes + timedelta(minutes=rng.uniform(20, 300))
        # Most in the first stretch; the less reliable need one or two reminders.
        stretch = 0 if rng.random() < 0.55 + 0.4 * reliability else 1 + int(rng.random() < 0.35)
        stretch = min(stretch, len(windows) - 2)
        start, end = windows[stretch], windows[stretch + 1]
        span = (end - start).total_seconds() / 60 - 3
        minutes = min(rng.expovariate(1 / max(span / 3, 1)) + (1 if stretch else 0), span)
        return start + timedelta(minutes=minutes)

    def _build(self) -> None:
        rng = random.Random(f"{self.seed}:{self.day}:{self.chat_id}")
        students = [m for m in self.members if m.role in ("学生", "班长", "宿舍长")]
        monitor = next((m for m in students if m.role == "班长"), None)
        chain_day = monitor is not None and rng.random() < 0.4
        heads = {m.dorm_id: m for m in students if m.role == "宿舍长" and m.dorm_id is not None}
        chain_lines: list[tuple[datetime, Member, str]] = []

        for member in students:
            prng = random.Random(f"{self.seed}:{self.day}:{member.person_id}")
            h = habit(self.seed, member)
            when = self._when(prng, h.reliability)
            if member is monitor and chain_day:
                when = self.opens + timedelta(minutes=prng.uniform(3, 15))
            abnormal = prng.random() < 0.035
            head = heads.get(member.dorm_id) if member.dorm_id is not None else None
            if when is None:
                if head is not None and head is not member and prng.random() < 0.35:
                    first_nag = self.nags[0] if self.nags else self.opens + timedelta(hours=3)
                    at = first_nag + timedelta(minutes=prng.uniform(5, 50))
                    t = _temperature(prng, abnormal)
                    text = f"{member.name} {t} 正常 {h.home}（{head.name}代报）"
                    self.posts.append(Post(at, self.chat_id, head, text, "proxy", member.person_id))
                continue
            if chain_day and when < self.closes and (member is monitor or prng.random() < 0.6):
                t = _temperature(prng, abnormal)
                state = "发烧" if abnormal else "正常"
                chain_lines.append((when, member, f"{member.name} {t} {state} {h.home}"))
                continue
            text = report_text(prng, member, h, abnormal)
            if when >= self.closes:
                if not text.startswith(member.name):
                    text = f"{member.name} {text}"
                text += "（刚看到消息，抱歉）"
            self.posts.append(Post(when, self.chat_id, member, text, "report", member.person_id))
            if prng.random() < 0.03:
                fixed = f"{member.name} 更正：{_temperature(prng, False)} 正常 {h.home}"
                later = when + timedelta(minutes=prng.uniform(5, 40))
                self.posts.append(
                    Post(later, self.chat_id, member, fixed, "correction", member.person_id)
                )
        self._chain(chain_lines)
        for _ in range(rng.randint(2, 6)):
            who = rng.choice(students)
            at = self.opens + timedelta(minutes=rng.uniform(1, 420))
            self.posts.append(Post(at, self.chat_id, who, rng.choice(CHATTER), "chatter"))

    def _chain(self, lines: list[tuple[datetime, Member, str]]) -> None:
        lines.sort(key=lambda x: x[0])
        title = f"#接龙\n{self.day.month}月{self.day.day}日平安报告\n例 张三 36.5 正常 在校\n"
        for count, (when, member, _) in enumerate(lines, start=1):
            body = "\n".join(f"{i}. {line}" for i, (_, _, line) in enumerate(lines[:count], 1))
            self.posts.append(
                Post(when, self.chat_id, member, f"{title}\n{body}", "chain", member.person_id)
            )
