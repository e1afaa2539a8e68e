"""The morning burst: a OneBot v11 peer on loopback sends check-ins at a steady rate to a real
`pingan run` process, one per student, spread over every class group.

    python benchmarks/burst.py          # 200 msg/s for 60 s, 12,000 students, 300 groups
    python benchmarks/burst.py --rate 100 --seconds 5 --students 2000 --classes 50

Prints one JSON line: throughput, latency from the event leaving the peer to the bot's
"recorded" line (written after the commit) p50/p99/max, the bot's peak RSS, and the books:
lost (sent, no report carrying it), double (a report revised, a person counted twice, or a
message recorded twice). Exit status 0 when nothing was lost or double-counted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import (
    TOKEN,
    BotProcess,
    exactly_once,
    free_port,
    onebot_config,
    run_and_print,
)
from benchmarks.peer import LoadPeer
from bot.adapters.sim.school import School, build_school, checkin_text, write_config


@dataclass(slots=True)
class Burst:
    """A prepared run: school, config, bot process and the messages to send."""

    root: Path
    school: School
    port: int
    bot: BotProcess
    messages: list[tuple[int, int, str, str, int]] = field(default_factory=list)
    sent: dict[str, float] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.root / "pingan.db"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/onebot/v11/ws"


def prepare(root: Path, students: int, classes: int, count: int, seed: int = 2020, **extra):
    school = build_school(root, students, classes, seed)
    port = free_port()
    config = write_config(
        root / "config.yaml", school, root / "pingan.db", onebot_config(port), **extra
    )
    burst = Burst(root, school, port, BotProcess(config, root / "bot.log"))
    rng = random.Random(seed)
    order = list(range(len(school.students)))
    rng.shuffle(order)  # every group at once, as at 7 a.m.
    for i in range(count):
        s = school.students[order[i % len(order)]]
        words = checkin_text(rng, s)
        burst.messages.append((int(s.group), int(s.qq), words, s.name, 1_000_000 + i))
    return burst


async def send(peer: LoadPeer, burst: Burst, rate: float, start: int = 0, stop: int | None = None):
    """Send messages[start:stop] at `rate` per second, on schedule (no catching up in bursts
    larger than the schedule allows)."""
    t0 = time.perf_counter()
    for n, (group, user, words, name, mid) in enumerate(burst.messages[start:stop]):
        due = t0 + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        event = peer.checkin(group, user, words, name, mid)
        burst.sent[str(mid)] = time.time()
        await peer.push(event)


async def wait_confirmed(bot: BotProcess, ids: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ids <= bot.confirmed.keys():
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


def books(db_path: Path, message_ids: list[str]) -> dict[str, int]:
    """What the database holds for the sent messages, read independently of the bot."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    keys = {f"qq:{m}" for m in message_ids}
    stored = {k for (k,) in db.execute("SELECT message_key FROM reports") if k in keys}
    raw = db.execute("SELECT count(*) FROM raw_messages WHERE platform = 'qq'").fetchone()[0]
    revised = db.execute("SELECT count(*) FROM reports WHERE revision > 1").fetchone()[0]
    history = db.execute("SELECT count(*) FROM report_history").fetchone()[0]
    reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    people = db.execute("SELECT count(DISTINCT person_id || day) FROM reports").fetchone()[0]
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    return {
        "lost": len(keys - stored),
        "double": revised + history + (reports - people),
        "raw_messages": raw,
        "reports": reports,
        "integrity": integrity,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run_burst(root: Path, students: int, classes: int, rate: float, seconds: float) -> dict:
    count = int(rate * seconds)
    burst = prepare(root, students, classes, count)
    bot = burst.bot
    bot.start()
    peer = LoadPeer(access_token=TOKEN)
    try:
        bot.wait_ready(120)
        await peer.connect_retry(burst.url)
        await asyncio.sleep(1.0)  # the connect-time calls (groups, members, backfill) settle
        started = time.perf_counter()
        await send(peer, burst, rate)
        sent_s = time.perf_counter() - started
        await wait_confirmed(bot, set(burst.sent), timeout=30 + count / 500)
        done_s = max(bot.confirmed.get(m, 0.0) for m in burst.sent) - min(burst.sent.values())
        latencies = [bot.confirmed[m] - t for m, t in burst.sent.items() if m in bot.confirmed]
        rss = bot.peak_rss_mb()
    finally:
        await peer.close()
        status = bot.stop()
    result = {
        "bench": "burst",
        "messages": count,
        "students": students,
        "groups": classes,
        "rate": rate,
        "send_seconds": round(sent_s, 2),
        "per_second": round(len(latencies) / done_s, 1) if done_s > 0 else None,
        "confirmed": len(latencies),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "peak_rss_mb": round(rss, 1),
        **books(burst.db_path, list(burst.sent)),
        "exit_status": status,
        "errors_logged": len(bot.errors()),
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second (200)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long (60)")
    parser.add_argument("--students", type=int, default=12_000)
    parser.add_argument("--classes", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="keep the run's files (db, log) here")
    args = parser.parse_args()
    return run_and_print(
        args.keep,
        lambda root: run_burst(root, args.students, args.classes, args.rate, args.seconds),
        exactly_once,
    )


if __name__ == "__main__":
    sys.exit(main())
