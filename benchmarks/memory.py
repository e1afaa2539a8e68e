"""Memory of `pingan run` after a day of traffic at university scale.

    python benchmarks/memory.py                            # 40,000 students, 1,000 class groups
    python benchmarks/memory.py --students 4000 --classes 100 --rate 500

A real `pingan run` process with the roster (imported at start), a QQ group per class, a
counselor group per grade and a duty group per college. The check-in day is laid over the
next few minutes of wall-clock time: the window opened a minute ago (caught up at start),
every student but `--missing` reports over OneBot at `--rate`, with "收到" chatter
between, then the two nags, the escalation, the close and the nightly summaries
(with charts) run for real, and the outbox delivers to the peer. Prints one JSON line with
the bot's peak RSS (VmHWM) and its RSS at the end of the day.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.burst import books, prepare, wait_confirmed
from benchmarks.harness import TOKEN, exactly_once, run_and_print
from benchmarks.peer import LoadPeer
from bot.adapters.sim.school import COLLEGES, GRADES

TZ = ZoneInfo("Asia/Shanghai")
CHATTER = ("收到", "好的", "已报", "收到，谢谢老师")


def _day(minutes_of_traffic: int) -> tuple[dict, datetime]:
    """Check-in times from now: opened a minute ago; nags, escalation, close and summary
    one minute apart once the traffic is over. Returns the config part and when the last
    job is due."""
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    at = [now + timedelta(minutes=minutes_of_traffic + 1 + k) for k in range(5)]
    if at[-1].date() != now.date():
        raise SystemExit("too close to midnight for a day laid over the next minutes; retry")
    hhmm = [t.strftime("%H:%M") for t in at]
    checkin = {
        "opens": (now - timedelta(minutes=1)).strftime("%H:%M"),
        "nags": hhmm[0:2],
        "escalate": hhmm[2],
        "closes": hhmm[3],
        "summary": hhmm[4],
    }
    return {"checkin": checkin}, at[-1]


def _staff_groups(classes: int) -> list[dict]:
    groups = []
    used = {(COLLEGES[c % len(COLLEGES)], GRADES[(c // len(COLLEGES)) % len(GRADES)])
            for c in range(classes)}  # fmt: skip
    for n, (college, grade) in enumerate(sorted(used)):
        node = f"{college}/{grade}"
        groups.append({"platform": "qq", "chat": str(900_000 + n), "node": node,
                       "purpose": "counselor"})  # fmt: skip
    for n, college in enumerate(sorted({c for c, _ in used})):
        groups.append({"platform": "qq", "chat": str(990_000 + n), "node": college,
                       "purpose": "duty"})  # fmt: skip
    return groups


def _rss_now_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


async def memory_run(
    root: Path, students: int, classes: int, rate: float, missing: float, seed: int = 2020
) -> dict:
    reporting = int(students * (1 - missing))
    minutes = int(reporting * 1.15 / rate / 60) + 2
    extra, last_job = _day(minutes)
    burst = prepare(root, students, classes, reporting, seed, **extra)
    config = burst.bot.config
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    staff = _staff_groups(classes)
    data["groups"].extend(staff)
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rng = random.Random(seed)
    members: dict[int, list[dict]] = {}
    for s in burst.school.students:
        members.setdefault(int(s.group), []).append({"user_id": int(s.qq), "card": s.name})
    for g in staff:
        members[int(g["chat"])] = []
    peer = LoadPeer(access_token=TOKEN, members=members)
    bot = burst.bot
    started = time.monotonic()
    try:
        bot.start()
        bot.wait_ready(300)
        await peer.connect_retry(burst.url, timeout=120)
        rss_after_start = _rss_now_mb(bot.pid)
        t0 = time.perf_counter()
        extra_id = 5_000_000
        for n, (group, user, words, name, mid) in enumerate(burst.messages):
            delay = t0 + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await peer.push(peer.checkin(group, user, words, name, mid))
            burst.sent[str(mid)] = time.time()
            if rng.random() < 0.1:  # acknowledgements between the reports
                extra_id += 1
                await peer.push(peer.checkin(group, user, rng.choice(CHATTER), name, extra_id))
        await wait_confirmed(bot, set(burst.sent), timeout=120)
        rss_after_traffic = _rss_now_mb(bot.pid)
        while datetime.now(TZ) < last_job + timedelta(seconds=50):  # the summaries finish
            await asyncio.sleep(1)
        summaries = sum("summar" in line.lower() for line in bot.lines)
        rss_end = _rss_now_mb(bot.pid)
        peak = bot.peak_rss_mb()
    finally:
        await peer.close()
        status = bot.stop(60)
    return {
        "bench": "memory",
        "students": students,
        "groups": classes,
        "checkins": reporting,
        "peak_rss_mb": round(peak, 1),
        "rss_after_start_mb": round(rss_after_start, 1),
        "rss_after_traffic_mb": round(rss_after_traffic, 1),
        "rss_end_of_day_mb": round(rss_end, 1),
        "delivered": len(peer.delivered),
        "summary_log_lines": summaries,
        **books(burst.db_path, list(burst.sent)),
        "minutes": round((time.monotonic() - started) / 60, 1),
        "exit_status": status,
        "errors_logged": len(bot.errors()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40_000)
    parser.add_argument("--classes", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=1_000.0, help="check-ins per second")
    parser.add_argument("--missing", type=float, default=0.05, help="share who never report")
    parser.add_argument("--keep", type=Path, help="keep the run's files (db, log) here")
    args = parser.parse_args()
    return run_and_print(
        args.keep,
        lambda root: memory_run(root, args.students, args.classes, args.rate, args.missing),
        exactly_once,
    )


if __name__ == "__main__":
    sys.exit(main())
