"""A small school with a known state on 2020-02-10, for the dashboard tests.

计算机学院/2021级/计科1班: 6 students — 4 reported (张三 the monitor, 李四 abnormal 37.8
发热 咳嗽, 王五 代报 by 张三, 钱八 补报), 孙七 on leave, 赵六 missing: 4/5 = 80%.
计科2班: 4 students, 4 reported. 数学学院 has one class the 计算机学院 counselor must never see.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from bot.adapters.sim import SimCampus, SimTransport
from bot.adapters.sim.adapter import SimAdapter
from bot.assemble import UNPACED_PER_MINUTE
from bot.outbox.limits import RateLimiter
from bot.outbox.sender import OutboxSender
from bot.web import SimBridge
from bot.web.sim_clock import SimClock
from core.config import Config, Storage, load_config
from handlers.pipeline import Pipeline
from schedules import Deps, build_scheduler
from storage.startup import prepare
from storage.tokens import create_token
from tests.school_factory import add_leave, add_report, build_school, node_id

REPO = Path(__file__).resolve().parent.parent

DAY = "2020-02-10"
STAMP = "2020-02-10T08:00:00+08:00"


CS, G21 = "计算机学院", "计算机学院/2021级"
C1, C2 = "计算机学院/2021级/计科1班", "计算机学院/2021级/计科2班"
MATH, M21, M1 = "数学学院", "数学学院/2021级", "数学学院/2021级/数学1班"


def seed_school(db: sqlite_utils.Database) -> dict[str, int]:
    """Build the school; return node ids by short name."""
    c1 = [("S101", "张三"), ("S102", "李四"), ("S103", "王五"),
          ("S104", "赵六"), ("S105", "孙七"), ("S106", "钱八")]  # fmt: skip
    people = [
        {"pid": pid, "name": name, "cls": C1, "role": "班长" if pid == "S101" else "学生"}
        for pid, name in c1
    ]
    people[0]["responsible"] = (C1,)
    people += [
        {"pid": f"S20{i + 1}", "name": name, "cls": C2}
        for i, name in enumerate(["周一", "吴二", "郑三", "冯四"])
    ]
    people += [
        {"pid": f"M30{i + 1}", "name": name, "cls": M1}
        for i, name in enumerate(["陈甲", "褚乙", "卫丙"])
    ]
    people += [
        {"pid": "T01", "name": "王老师", "role": "辅导员", "responsible": (G21,)},
        {"pid": "T02", "name": "刘老师", "role": "辅导员", "responsible": (M1,)},
        {"pid": "A01", "name": "管理员甲", "role": "管理员"},
    ]
    with db.atomic():
        build_school(db, nodes=[CS, G21, C1, C2, MATH, M21, M1], people=people, stamp=STAMP)
        add_report(db, "S101", DAY, at="2020-02-10T07:12:00+08:00")
        add_report(
            db,
            "S102",
            DAY,
            at="2020-02-10T07:30:00+08:00",
            temperature=37.8,
            abnormal=True,
            symptoms=["发热", "咳嗽"],
            on_campus=False,
            province="湖北",
            isolation="home",
        )
        add_report(db, "S103", DAY, at="2020-02-10T08:05:00+08:00", proxy=True, posted_by="S101")
        add_report(db, "S106", DAY, at="2020-02-10T15:20:00+08:00", source="补报")
        add_leave(db, "S105", "2020-02-09", "2020-02-12", "病假", stamp=STAMP)
        for i in range(4):
            add_report(db, f"S20{i + 1}", DAY, at=f"2020-02-10T07:4{i}:00+08:00")
        add_report(db, "M301", DAY, at="2020-02-10T07:00:00+08:00")
        # Key groups: 李四 湖北籍 since the 5th (day 6 of 14), 赵六 留校 with no end; 陈甲 of
        # 数学学院 too. 李四 has an open follow-up case.
        for pid, tag, start, period in [("S102", "湖北籍", "2020-02-05", 14),
                                        ("S104", "留校", "2020-01-20", 0),
                                        ("M301", "湖北籍", "2020-02-01", 14)]:  # fmt: skip
            db.execute(
                "INSERT INTO tags (person_id, tag, start_day, period_days) VALUES (?, ?, ?, ?)",
                [pid, tag, start, period],
            )
        db.execute(
            "INSERT INTO cases (person_id, opened_day, opened_at, reason, last_abnormal_day)"
            " VALUES ('S102', ?, ?, '37.8℃ 发热', ?)",
            [DAY, "2020-02-10T07:30:00+08:00", DAY],
        )
    paths = {"cs": CS, "g21": G21, "c1": C1, "c2": C2, "math": MATH, "m21": M21, "m1": M1}
    return {short: node_id(db, path) for short, path in paths.items()}


def token_for(db: sqlite_utils.Database, person_id: str, now: datetime) -> str:
    with db.atomic():
        return create_token(db, person_id, now)[1]


async def log_in(client: TestClient, token: str, next_path: str = "/") -> ClientResponse:
    """Open the login link, then press its confirm button, as a user does; the 303 answer."""
    page = await client.get("/login", params={"token": token, "next": next_path})
    html = await page.text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    form_next = re.search(r'name="next" value="([^"]*)"', html).group(1)
    return await client.post(
        "/login",
        data={"csrf": csrf, "token": token, "next": form_next.replace("&amp;", "&")},
        allow_redirects=False,
    )


SIM_START = datetime(2020, 2, 10, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@contextlib.asynccontextmanager
async def sim_stack(
    db: sqlite_utils.Database, start: datetime = SIM_START
) -> AsyncIterator[tuple[SimBridge, Config]]:
    """The simulator as `pingan run` wires it on the repo's default config (bot/assemble.py):
    the sample roster and sim groups, the real-time simulated students, the message path, the
    scheduler and one outbox sender per platform, all on a SimClock that starts at `start`."""
    config = load_config(REPO / "config.yaml")
    db_file = db.execute("PRAGMA database_list").fetchone()[2]
    config = config.model_copy(update={"storage": Storage(path=db_file)})  # charts beside it
    clock = SimClock(config.tz, start=start)
    prepare(db, config, clock.now())
    campus = SimCampus(db, config, config.adapters.sim.seed)
    senders: list[OutboxSender] = []

    def wake() -> None:
        for sender in senders:
            sender.wake()

    pipeline = Pipeline(db, config, clock, on_queued=wake)
    adapter = SimAdapter(campus, pipeline, clock, sleep=clock.sleep)
    for platform in ("sim", "qq", "wechat"):
        transport = SimTransport(adapter.transcript, clock, campus.name_of, platform=platform)
        sender = OutboxSender(db, transport, config.outbox, clock, unassigned=True)
        sender.limiter = RateLimiter(0, UNPACED_PER_MINUTE)
        senders.append(sender)
    scheduler = build_scheduler(Deps(db, config, clock))
    scheduler.add_listener(lambda _event: wake(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    clock.on_jump(scheduler.wakeup)
    scheduler.start()
    adapter.start()
    for sender in senders:
        sender.start()
    await asyncio.sleep(0.05)  # the simulated students take their seats (their start time)
    try:
        yield SimBridge(campus, adapter.transcript, pipeline.handle, clock, wake=wake), config
    finally:
        for sender in senders:
            await sender.stop()
        await adapter.stop()
        scheduler.shutdown(wait=False)
