"""`pingan bench chain --members N`: one class of N fills a 接龙, each reply repeating the list.

Builds a fresh SQLite file with one class of N students bound to a QQ group, then sends the N
reposts (student i reposts the list with line i appended) through the message path, timing
each one. Prints the interfaces.md object plus per-reply latency percentiles and counts that
show nothing was double-counted.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from bot.clock import FakeClock
from bot.config import Config
from bot.messages import IncomingMessage
from handlers.chain.handler import handle_chain
from handlers.context import ChatBinding, HandlerContext, Person
from storage.db import open_db

HELP = "a class of N fills a 接龙, each reply repeating the whole list"

SURNAMES = (
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜谢邹喻柏水窦章云"
    "苏潘葛范彭郎鲁韦昌马苗凤花方俞任袁柳鲍史唐费廉岑薛雷贺倪汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建文辉宁颖琳晨欣悦雪婷浩宇轩"
PLACES = ["在校", "在家", "留校", "在宿舍", "家中"]
CHAT = "800001"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=1000, help="class size (default 1000)")
    parser.add_argument("--db", help="SQLite file to write (default: a temporary file)")
    parser.add_argument("--seed", type=int, default=2020, help="random seed for the lines")


def names(count: int) -> list[str]:
    """`count` distinct 2–3 character names (surname + one or two given characters)."""
    out = [s + g for s in SURNAMES for g in GIVEN]
    if len(out) < count:
        out += [s + g + h for s in SURNAMES for g in GIVEN for h in GIVEN]
    return out[:count]


def build_class(db: sqlite_utils.Database, members: list[str], now: datetime) -> None:
    stamp = now.isoformat()
    with db.atomic():
        db.execute(
            "INSERT INTO nodes (id, path, name, kind) VALUES (1, '测试学院', '测试学院', 'college')"
        )
        db.execute(
            "INSERT INTO nodes (id, path, name, kind, parent_id)"
            " VALUES (2, '测试学院/2021级/测试1班', '测试1班', 'class', 1)"
        )
        db.execute("INSERT INTO chats VALUES ('qq', ?, 2, 'class')", [CHAT])
        for i, name in enumerate(members, start=1):
            db.execute(
                "INSERT INTO people (id, name, class_id, updated_at) VALUES (?, ?, 2, ?)",
                [f"B{i:05d}", name, stamp],
            )
            db.execute(
                "INSERT INTO accounts (platform, account_id, person_id, created_at)"
                " VALUES ('qq', ?, ?, ?)",
                [f"{100000 + i}", f"B{i:05d}", stamp],
            )


def entry_line(rng: random.Random, name: str) -> str:
    return (
        f"{name} {rng.choice(['36.', '36.', '35.'])}{rng.randint(0, 9)} 正常 {rng.choice(PLACES)}"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(args: argparse.Namespace) -> int:
    tz = ZoneInfo("Asia/Shanghai")
    clock = FakeClock(datetime(2020, 2, 10, 7, 0, tzinfo=tz))
    tmp = None
    if args.db:
        path = Path(args.db)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="pingan-bench-")
        path = Path(tmp.name) / "bench.db"
    db = open_db(path)
    members = names(args.members)
    build_class(db, members, clock.now())
    config = Config()
    chat = ChatBinding("qq", CHAT, 2, "测试学院/2021级/测试1班", "class")
    rng = random.Random(args.seed)
    lines = ["#接龙", "测试1班 2月10日 平安报告", "例 姓名 体温 状况 在校/在家"]
    per_reply: list[float] = []
    lines_parsed = 0
    started = time.perf_counter()
    for i, name in enumerate(members, start=1):
        lines.append(f"{i}. {entry_line(rng, name)}")
        clock.advance(timedelta(seconds=5))
        msg = IncomingMessage(
            platform="qq",
            chat_type="group",
            chat_id=CHAT,
            sender_id=f"{100000 + i}",
            display_name=name,
            text="\n".join(lines),
            message_id=f"bench-{i}",
            time=clock.now(),
        )
        t0 = time.perf_counter()
        ctx = HandlerContext(db, config, clock, msg, Person(f"B{i:05d}", name, "学生", 2), chat)
        with db.atomic():
            outcome = handle_chain(ctx)
        per_reply.append(time.perf_counter() - t0)
        lines_parsed += outcome.lines_parsed if outcome else 0
    seconds = time.perf_counter() - started
    reports = db.execute("SELECT count(*) FROM reports WHERE day = '2020-02-10'").fetchone()[0]
    db.close()
    if tmp is not None:
        tmp.cleanup()
    result = {
        "bench": "chain",
        "members": args.members,
        "messages": len(members),
        "lines_parsed": lines_parsed,
        "seconds": round(seconds, 4),
        "reply_ms_p50": round(percentile(per_reply, 0.50) * 1000, 3),
        "reply_ms_p99": round(percentile(per_reply, 0.99) * 1000, 3),
        "reply_ms_last": round(per_reply[-1] * 1000, 3),
        "reports": reports,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0
