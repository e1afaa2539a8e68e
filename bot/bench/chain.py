"""`pingan bench chain --members N`: one class of N fills a 接龙, each reply repeating the list.

Builds a fresh SQLite file with one class of N students bound to a QQ group, then sends the N
reposts (student i reposts the list with line i appended) through the whole message path
(dedup, raw message, router, chain differ, report upsert, one transaction each), timing each
one. Then, at full length, four edits: a correction of line 1, a withdrawal in the middle
(everything after it renumbered) and a fork of two reposts of the same base.

Prints the interfaces.md object (`lines_parsed` counts parser calls during the fill, by
wrapping the parser) plus per-reply latency, the edits' latency and lines parsed, and counts
that show nothing was double-counted.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from core.clock import FakeClock
from core.config import Config
from core.messages import IncomingMessage
from core.parse_contract import Entry, ParseResult
from handlers.parse import Parser
from handlers.pipeline import Pipeline
from storage.backend import Database
from storage.db import open_db

HELP = "N 人的班级填一条接龙，每次回复都重复整个名单"

SURNAMES = (
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜谢邹喻柏水窦章云"
    "苏潘葛范彭郎鲁韦昌马苗凤花方俞任袁柳鲍史唐费廉岑薛雷贺倪汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建文辉宁颖琳晨欣悦雪婷浩宇轩"
PLACES = ["在校", "在家", "留校", "在宿舍", "家中"]
CHAT = "800001"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=1000, help="班级人数（默认 1000）")
    parser.add_argument("--db", help="写入的 SQLite 文件（默认临时文件）")
    parser.add_argument("--seed", type=int, default=2020, help="接龙各行的随机种子")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="在新数据库上跑 R 次，输出每个数字的中位数（机器忙时更稳定）",
    )


def names(count: int) -> list[str]:
    """`count` distinct 2–3 character names (surname + one or two given characters)."""
    out = [s + g for s in SURNAMES for g in GIVEN]
    if len(out) < count:
        out += [s + g + h for s in SURNAMES for g in GIVEN for h in GIVEN]
    return out[:count]


def build_class(db: Database, members: list[str], now: datetime) -> None:
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


class ParseCounter:
    """Counts entry lines that go through the parser, whoever calls it (an independent check
    of the differ's own lines_parsed counter)."""

    def __init__(self) -> None:
        self.lines = 0
        self._entry, self._parse = Parser.parse_entry, Parser.parse

    def __enter__(self) -> ParseCounter:
        counter = self

        def parse_entry(parser: Parser, text: str, in_chain: bool = True) -> Entry:
            counter.lines += 1
            return counter._entry(parser, text, in_chain)

        def parse(parser: Parser, text: str) -> ParseResult:
            result = counter._parse(parser, text)
            counter.lines += len(result.entries)
            return result

        self._patch(parse_entry, parse)
        return self

    def __exit__(self, *exc: object) -> None:
        self._patch(self._entry, self._parse)

    @staticmethod
    def _patch(
        parse_entry: Callable[[Parser, str, bool], Entry],
        parse: Callable[[Parser, str], ParseResult],
    ) -> None:
        """Swap the parser's two reading methods (setattr: a class's methods are not
        assignable to a type checker, and this is the one place that must)."""
        for name, method in (("parse_entry", parse_entry), ("parse", parse)):
            setattr(Parser, name, method)


def _message(clock: FakeClock, i: int, sender: int, text: str) -> IncomingMessage:
    clock.advance(timedelta(seconds=5))
    return IncomingMessage(
        platform="qq",
        chat_type="group",
        chat_id=CHAT,
        sender_id=f"{100000 + sender}",
        display_name=f"u{sender}",
        text=text,
        message_id=f"bench-{i}",
        time=clock.now(),
    )


def _timed(pipeline: Pipeline, message: IncomingMessage) -> tuple[float, float]:
    """Wall and CPU seconds of one message through the path. The CPU time is this thread's
    own work, unaffected by other processes on a shared machine (and by fsync waits)."""
    t0, c0 = time.perf_counter(), time.thread_time()
    kind = pipeline.handle(message)
    elapsed, cpu = time.perf_counter() - t0, time.thread_time() - c0
    if kind != "chain":
        raise RuntimeError(f"bench message {message.message_id} was read as {kind}")
    return elapsed, cpu


def _edits(
    pipeline: Pipeline, clock: FakeClock, lines: list[str], n: int
) -> list[tuple[float, float]]:
    """At full length: a correction of line 1, a withdrawal in the middle (everything after
    it renumbered), and two students reposting the same base at once."""
    head, body = lines[:3], lines[3:]
    entries = [ln.split(". ", 1)[1] for ln in body]
    times = []
    fixed = entries[0].rsplit(" ", 2)[0] + " 37.6 发烧 在家"
    entries[0] = fixed
    times.append(_timed(pipeline, _message(clock, n + 1, 1, _join(head, entries))))
    middle = n // 2
    del entries[middle]
    times.append(_timed(pipeline, _message(clock, n + 2, middle + 1, _join(head, entries))))
    base = list(entries)
    for k, sender in enumerate((n + 1, n + 2)):
        fork = [*base, f"{FORK_NAMES[k]} 36.5 正常 在校"]
        times.append(_timed(pipeline, _message(clock, n + 3 + k, sender, _join(head, fork))))
    return times


FORK_NAMES = ("欧阳一", "欧阳二")


def _join(head: list[str], entries: list[str]) -> str:
    return "\n".join([*head, *(f"{i}. {e}" for i, e in enumerate(entries, start=1))])


def run(args: argparse.Namespace) -> int:
    if args.repeat < 1 or args.members < 1:
        raise SystemExit("pingan bench chain: --members and --repeat must be at least 1")
    runs = [
        _one_day(args.members, args.seed, args.db if i == 0 else None) for i in range(args.repeat)
    ]
    result = {key: _median([r[key] for r in runs]) for key in runs[0]}
    if args.repeat > 1:
        result["runs"] = args.repeat
        result["seconds_each"] = [r["seconds"] for r in runs]
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _median(values: list):
    """The median of numbers, element-wise for lists; anything else from the first run."""
    first = values[0]
    if isinstance(first, list):
        return [_median(list(column)) for column in zip(*values, strict=True)]
    if isinstance(first, int | float) and not isinstance(first, bool):
        ordered = sorted(values)
        return ordered[len(ordered) // 2]
    return first


def _one_day(members_count: int, seed: int, db_path: str | None) -> dict:
    tz = ZoneInfo("Asia/Shanghai")
    clock = FakeClock(datetime(2020, 2, 10, 7, 0, tzinfo=tz))
    tmp = None
    if db_path:
        path = Path(db_path)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="pingan-bench-")
        path = Path(tmp.name) / "bench.db"
    db = open_db(path)
    members = names(members_count)
    build_class(db, [*members, *FORK_NAMES], clock.now())
    pipeline = Pipeline(db, Config(), clock)
    rng = random.Random(seed)
    lines = ["#接龙", "测试1班 2月10日 平安报告", "例 姓名 体温 状况 在校/在家"]
    per_reply: list[tuple[float, float]] = []
    with ParseCounter() as counter:
        started = time.perf_counter()
        for i, name in enumerate(members, start=1):
            lines.append(f"{i}. {entry_line(rng, name)}")
            per_reply.append(_timed(pipeline, _message(clock, i, i, "\n".join(lines))))
        seconds = time.perf_counter() - started
        fill_parsed = counter.lines
        edits = _edits(pipeline, clock, lines, len(members))
    wall, cpu = [w for w, _ in per_reply], [c for _, c in per_reply]
    reports = db.execute("SELECT count(*) FROM reports WHERE day = '2020-02-10'").fetchone()[0]
    proxies = db.execute("SELECT count(*) FROM reports WHERE proxy = 1").fetchone()[0]
    counted = db.execute("SELECT sum(lines_parsed) FROM chain_days").fetchone()[0]
    db.close()
    if tmp is not None:
        tmp.cleanup()
    return {
        "bench": "chain",
        "members": members_count,
        "messages": len(members),
        "lines_parsed": fill_parsed,
        "seconds": round(seconds, 4),
        "cpu_seconds": round(sum(cpu), 4),
        "reply_ms_p50": _ms(percentile(wall, 0.50)),
        "reply_ms_p99": _ms(percentile(wall, 0.99)),
        "reply_ms_max": _ms(max(wall)),
        "reply_cpu_ms_p50": _ms(percentile(cpu, 0.50)),
        "reply_cpu_ms_p99": _ms(percentile(cpu, 0.99)),
        "reply_cpu_ms_max": _ms(max(cpu)),
        "reply_ms_last": _ms(wall[-1]),
        "edit_reply_ms": [_ms(w) for w, _ in edits],
        "edit_reply_cpu_ms": [_ms(c) for _, c in edits],
        "edit_lines_parsed": counter.lines - fill_parsed,
        "differ_lines_parsed": counted,
        "reports": reports,
        "proxy_reports": proxies,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
