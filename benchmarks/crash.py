"""kill -9 in the middle of a burst, then restart: what the bot confirmed is there, the file is
sound, the outbox resumes, no job runs twice, nothing is sent twice, and backfill recovers
what QQ received while the bot was dead.

    python benchmarks/crash.py         # 2,400 students, 60 groups, 200 msg/s, kill at 50%
    python benchmarks/crash.py --messages 600 --rate 150

The check-in window opens a minute before the run, so the first process catches up the
"opens" job (a notice per group); abnormal check-ins queue private replies, and the outbox
is paced at `--per-minute` (10), so notices and replies are still pending when the bot is
killed; the restart raises the pace (`--after-restart`, 600) so the test need not wait for
the rate window.
Messages the peer sends after the kill fail on the wire but stay in the group's history, as
on QQ. Prints one JSON line; exit status 0 when every check holds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.burst import Burst, books, prepare, wait_confirmed
from benchmarks.harness import TOKEN, run_and_print
from benchmarks.peer import LoadPeer

TZ = ZoneInfo("Asia/Shanghai")
UNCONFIRMED = "may already have been delivered"
IN_FLIGHT = 200


def _window(per_minute: int) -> dict:
    """Check-in times around now: opens a minute ago (caught up at start), the rest later
    today (or right before midnight when the run is that late)."""
    now = datetime.now(TZ)
    opens = now - timedelta(minutes=1)
    if opens.date() != now.date():
        opens = now
    later = [min(now + timedelta(minutes=m), now.replace(hour=23, minute=59)) for m in (90, 91)]
    hhmm = [t.strftime("%H:%M") for t in (opens, *later)]
    return {
        "checkin": {
            "opens": hhmm[0],
            "nags": [],
            "escalate": hhmm[1],
            "closes": hhmm[2],
            "summary": "23:59",
            "charts": False,
        },
        "outbox": {"per_group_interval_s": 1.0, "per_account_per_minute": per_minute},
    }


def _members(burst: Burst) -> dict[int, list[dict]]:
    members: dict[int, list[dict]] = {}
    for s in burst.school.students:
        members.setdefault(int(s.group), []).append({"user_id": int(s.qq), "card": s.name})
    return members


async def _send_through_kill(peer: LoadPeer, burst: Burst, rate: float, kill_after: int, kill):
    """Send every message on schedule, except a rush of `IN_FLIGHT` written to the socket at
    once right before the kill, so that some are on the wire or mid-batch when the bot dies.
    A push that fails (the bot is gone) is still in the group's history, as on QQ."""

    async def push(group: int, user: int, words: str, name: str, mid: int) -> None:
        event = peer.checkin(group, user, words, name, mid)
        burst.sent[str(mid)] = time.time()
        with contextlib.suppress(Exception):  # the bot is gone; QQ has it all the same
            await peer.push(event)

    t0 = time.perf_counter()
    rush = burst.messages[kill_after : kill_after + IN_FLIGHT]
    for n, message in enumerate(burst.messages):
        if kill_after <= n < kill_after + IN_FLIGHT:
            if n == kill_after:
                await asyncio.gather(*(push(*m) for m in rush))
                kill()
            continue
        delay = t0 + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await push(*message)


def _set_outbox_pace(config: Path, per_minute: int) -> None:
    """The admin restarts with a faster outbox: what was pending must now all go out."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["outbox"]["per_account_per_minute"] = per_minute
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _outbox(db_path: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    db.close()
    return rows


def _job_runs(db_path: Path) -> tuple[int, int]:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    total, distinct = db.execute(
        "SELECT count(*), count(DISTINCT job || node_key || day) FROM job_runs"
    ).fetchone()
    db.close()
    return total, distinct


async def crash_run(
    root: Path,
    students: int,
    classes: int,
    count: int,
    rate: float,
    kill_at: float,
    per_minute: int = 10,
    after_restart: int = 600,
) -> dict:
    burst = prepare(root, students, classes, count, **_window(per_minute))
    bot = burst.bot
    peer = LoadPeer(access_token=TOKEN, members=_members(burst))
    result: dict = {"bench": "crash", "messages": count, "rate": rate}
    try:
        bot.start()
        bot.wait_ready(120)
        await peer.connect_retry(burst.url)
        await asyncio.sleep(1.0)
        await _send_through_kill(peer, burst, rate, int(count * kill_at), bot.kill)
        confirmed = dict(bot.confirmed)
        first_lines = list(bot.lines)
        outbox_at_kill = _outbox(burst.db_path)
        result["confirmed_before_kill"] = len(confirmed)
        result["outbox_pending_at_kill"] = outbox_at_kill.get("pending", 0)
        keys_after_kill = books(burst.db_path, list(confirmed))
        result["confirmed_lost"] = keys_after_kill["lost"]
        result["integrity_after_kill"] = keys_after_kill["integrity"]

        bot.confirmed.clear()
        bot.lines.clear()
        _set_outbox_pace(bot.config, after_restart)
        bot.start()
        bot.wait_ready(120)
        await peer.connect_retry(burst.url)
        unconfirmed = set(burst.sent) - confirmed.keys()
        await wait_confirmed(bot, unconfirmed, timeout=60)
        deadline = time.monotonic() + 60
        while _outbox(burst.db_path).get("pending", 0) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        second_lines = list(bot.lines)
    finally:
        await peer.close()
        status = bot.stop()
    final = books(burst.db_path, list(burst.sent))
    sent = Counter((d.action, d.target, d.text, tuple(d.mentions)) for d in peer.delivered)
    flagged = sum(UNCONFIRMED in line for line in second_lines)
    total_runs, distinct_runs = _job_runs(burst.db_path)
    result.update(
        {
            "recovered_by_backfill": len(unconfirmed & bot.confirmed.keys()),
            "history_calls": peer.history_calls,
            "lost": final["lost"],
            "double": final["double"],
            "integrity": final["integrity"],
            "outbox_after": _outbox(burst.db_path),
            "delivered": len(peer.delivered),
            "sent_twice": sum(n - 1 for n in sent.values() if n > 1),
            "flagged_unconfirmed": flagged,
            "job_runs": total_runs,
            "job_runs_twice": total_runs - distinct_runs,
            "opens_caught_up_again": any(
                "catching up" in line and "opens" in line for line in second_lines
            ),
            "opens_in_first_run": any(
                "catching up" in line and "opens" in line for line in first_lines
            ),
            "exit_status": status,
        }
    )
    return result


def ok(r: dict) -> bool:
    return (
        r["confirmed_lost"] == 0
        and r["lost"] == 0
        and r["double"] == 0
        and r["integrity"] == "ok"
        and r["integrity_after_kill"] == "ok"
        and r["outbox_after"].get("pending", 0) == 0
        and r["sent_twice"] <= r["flagged_unconfirmed"]
        and r["job_runs_twice"] == 0
        and not r["opens_caught_up_again"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2_400)
    parser.add_argument("--classes", type=int, default=60)
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction sent before kill")
    parser.add_argument("--per-minute", type=int, default=10, help="outbox pace before the kill")
    parser.add_argument("--after-restart", type=int, default=600, help="outbox pace after it")
    parser.add_argument("--keep", type=Path, help="keep the run's files (db, log) here")
    args = parser.parse_args()
    return run_and_print(
        args.keep,
        lambda root: crash_run(
            root,
            args.students,
            args.classes,
            args.messages,
            args.rate,
            args.kill_at,
            args.per_minute,
            args.after_restart,
        ),
        ok,
    )


if __name__ == "__main__":
    sys.exit(main())
