"""Three `pingan run` processes on one database, twelve QQ accounts, a 600 msg/s burst over
OneBot on loopback; then the same with one process killed (SIGKILL) in the middle of it.

    python benchmarks/cluster.py                   # throwaway PostgreSQL, 600 msg/s for 20 s
    python benchmarks/cluster.py --store sqlite    # the three processes on one SQLite file
    python benchmarks/cluster.py --seconds 4 --students 2400 --classes 96   # a quick look
    python benchmarks/cluster.py --pg-set synchronous_commit=off   # a PostgreSQL setting

Each of the twelve accounts is a OneBot v11 peer (benchmarks/peer.py) serving forward
WebSocket on loopback with its share of the class groups (group i belongs to account
i mod 12); the processes connect to the accounts whose lease they hold (docs/scale.md). Every
process lists all twelve and names four in `cluster.prefer`, so each drives its four and
covers the others: when process 1 dies, the other two take its accounts over. Leases are
short for the benchmark (`lease_s` 3, `renew_s` 1; the defaults are 30 and 10): a takeover
then takes seconds instead of half a minute.

The check-in window opened a minute before the run (every process's scheduler catches
"opens" up, one of them wins each class) and a nag falls at the next whole minute at least
45 s after the start, while the processes run: every job must run exactly once, every
notice reach its group once. A check-in pushed to a process that is being killed, or to an
account nobody holds yet, stays in the group's history, as on QQ; the process that takes the
account over fetches it (backfill).

Prints one JSON line per run (`"run": "steady"`, then `"run": "kill"`): throughput (check-ins
confirmed per second, from the first sent to the last confirmed), latency from the event
leaving the peer to a process's "recorded" line (written after the commit) p50/p99/max, the
books (lost: sent, no report carrying it; double: a report revised, a person counted twice,
a message recorded twice), job runs, notices delivered twice (none may be; in the kill run
at most the rows the killed process had sent without an answer yet: at-least-once, where
the group's history cannot show them, docs/run.md), and for the kill run how long the
killed process's accounts took to be leased and connected again. Exit status 0 when
every check holds in both runs; 2 when PostgreSQL is not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.burst import percentile
from benchmarks.harness import TOKEN, BotProcess
from benchmarks.peer import LoadPeer
from benchmarks.pgserver import PgServer, binaries
from bot.adapters.sim.school import School, build_school, checkin_text, write_config

TZ = ZoneInfo("Asia/Shanghai")
ACCOUNTS, PROCESSES = 12, 3
LEASE_S, RENEW_S = 3.0, 1.0
SELF_ID_BASE = 2_900_000_001  # the bot accounts' QQ numbers
IN_FLIGHT = 100  # written to the sockets at once right before the kill
NO_POSTGRES = (
    "PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql): install"
    " Debian's postgresql, or run with --store sqlite"
)


@dataclass(slots=True)
class Account:
    """One bot QQ account: the peer playing QQ for it and the class groups it is in."""

    self_id: int
    peer: LoadPeer
    port: int
    groups: set[int]

    @property
    def lease(self) -> str:
        return f"qq:{self.self_id}"

    def entry(self) -> dict[str, Any]:
        return {
            "mode": "forward_ws",
            "url": f"ws://127.0.0.1:{self.port}/",
            "self_id": str(self.self_id),
            "access_token": TOKEN,
            "reconnect_initial_s": 0.2,
            "reconnect_max_s": 1.0,
        }


class Store:
    """The shared database, read independently of the bot (sqlite3 or psycopg)."""

    def __init__(self, root: Path, server: PgServer | None, name: str) -> None:
        self.server = server
        self.path = root / "pingan.db"
        self.url = server.create_database(name) if server is not None else None

    @property
    def kind(self) -> str:
        return "postgresql" if self.server is not None else "sqlite"

    def config(self) -> dict[str, str]:
        return {"url": self.url} if self.url else {"path": str(self.path)}

    def rows(self, sql: str) -> list[tuple]:
        if self.url is None:
            if not self.path.exists():
                return []
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
            try:
                return db.execute(sql).fetchall()
            except sqlite3.OperationalError:  # the tables are not there yet
                return []
            finally:
                db.close()
        import psycopg  # only with --store postgresql (a pingan dependency there)

        with psycopg.connect(self.url, autocommit=True) as conn:
            try:
                return conn.execute(sql).fetchall()
            except psycopg.errors.UndefinedTable:
                return []

    def holders(self) -> dict[str, str]:
        """account → holder of its unexpired lease."""
        now = datetime.now(UTC)
        rows = self.rows("SELECT account, holder, expires_at FROM account_leases")
        return {a: h for a, h, until in rows if datetime.fromisoformat(until) > now}


@dataclass(slots=True)
class Run:
    root: Path
    school: School
    store: Store
    accounts: list[Account]
    nag_at: datetime
    bots: list[BotProcess] = field(default_factory=list)
    messages: list[tuple[int, int, int, str, str, int]] = field(default_factory=list)
    sent: dict[str, float] = field(default_factory=dict)

    def confirmed(self) -> dict[str, float]:
        """message id → the first "recorded" line for it in any process."""
        out: dict[str, float] = {}
        for bot in self.bots:
            for mid, at in list(bot.confirmed.items()):
                out[mid] = min(at, out.get(mid, at))
        return out


def schedule(start: datetime) -> tuple[dict[str, Any], datetime]:
    """Opens a minute ago (caught up at start), a nag at the first whole minute 45 s or more
    from now (it fires while the processes run), the rest later today; and the nag's time."""
    opens = start - timedelta(minutes=1)
    nag = (start + timedelta(seconds=105)).replace(second=0, microsecond=0)
    later = [start + timedelta(minutes=m) for m in (90, 91)]
    last = start.replace(hour=23, minute=59)
    if opens.date() != start.date() or later[1] > last:
        raise SystemExit("run it between 00:01 and 22:25 Asia/Shanghai (the window must fit)")
    hhmm = [t.strftime("%H:%M") for t in (opens, nag, *later)]
    extra = {
        "checkin": {
            "opens": hhmm[0],
            "nags": [hhmm[1]],
            "escalate": hhmm[2],
            "closes": hhmm[3],
            "summary": "23:59",
            "charts": False,
        },
        "outbox": {"per_group_interval_s": 0, "per_account_per_minute": 6000, "poll_s": 0.2},
        "cluster": {"enabled": True, "lease_s": LEASE_S, "renew_s": RENEW_S},
    }
    return extra, nag


async def prepare(root: Path, store: Store, students: int, classes: int, count: int) -> Run:
    school = build_school(root, students, classes)
    members: dict[int, list[dict]] = {}
    for s in school.students:
        members.setdefault(int(s.group), []).append({"user_id": int(s.qq), "card": s.name})
    order = sorted(members)
    accounts = []
    for a in range(ACCOUNTS):
        its = {g: members[g] for i, g in enumerate(order) if i % ACCOUNTS == a}
        peer = LoadPeer(self_id=SELF_ID_BASE + a, access_token=TOKEN, members=its)
        accounts.append(Account(SELF_ID_BASE + a, peer, await peer.serve(), set(its)))
    extra, nag_at = schedule(datetime.now(TZ))
    run = Run(root, school, store, accounts, nag_at)
    listed = [a.entry() for a in accounts]
    for p in range(PROCESSES):
        cluster = {**extra["cluster"], "prefer": [a.lease for a in share_of(accounts, p)]}
        config = write_config(
            root / f"p{p + 1}.yaml",
            school,
            store.path,
            listed,
            storage=store.config(),
            **{**extra, "cluster": cluster},
        )
        run.bots.append(BotProcess(config, root / f"p{p + 1}.log"))
    rng = random.Random(2020)
    shuffled = list(range(len(school.students)))
    rng.shuffle(shuffled)  # every group at once, as at 7 a.m.
    owner = {g: a for a, account in enumerate(accounts) for g in account.groups}
    for i in range(count):
        s = school.students[shuffled[i % len(shuffled)]]
        group = int(s.group)
        run.messages.append(
            (owner[group], group, int(s.qq), checkin_text(rng, s), s.name, 1_000_000 + i)
        )
    return run


async def until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {timeout:.0f}s: {what}")
        await asyncio.sleep(0.1)


def held_by(run: Run, bot: BotProcess) -> set[str]:
    return {a for a, h in run.store.holders().items() if f":{bot.pid}:" in h}


def share_of(accounts: list[Account], p: int) -> list[Account]:
    """Process p's share: four accounts in a row."""
    share = ACCOUNTS // PROCESSES
    return accounts[share * p : share * (p + 1)]


async def start_cluster(run: Run) -> None:
    """Start the processes together; wait until each holds its share and all are connected."""
    for bot in run.bots:
        bot.start()
    for p, bot in enumerate(run.bots):
        want = {a.lease for a in share_of(run.accounts, p)}
        await until(lambda b=bot, w=want: w <= held_by(run, b), 180, f"process {p + 1} leases")
    await until(lambda: all(a.peer.connected for a in run.accounts), 60, "every account connected")
    await asyncio.sleep(1.0)  # the connect-time calls (groups, members, backfill) settle


async def push(run: Run, message: tuple[int, int, int, str, str, int]) -> None:
    """One check-in as QQ would push it; kept in the group's history even when no process
    has the account's connection (it is being taken over)."""
    a, group, user, words, name, mid = message
    peer = run.accounts[a].peer
    event = peer.checkin(group, user, words, name, mid)
    run.sent[str(mid)] = time.time()
    with contextlib.suppress(Exception):  # nobody connected: QQ keeps it all the same
        await peer.push(event)


async def send(run: Run, rate: float, kill_after: int | None, kill) -> None:
    """Every message on schedule at `rate`; with `kill_after`, a rush of IN_FLIGHT written at
    once right before the kill, so some are on the wire or mid-batch when the process dies."""
    t0 = time.perf_counter()
    for n, message in enumerate(run.messages):
        if kill_after is not None and kill_after <= n < kill_after + IN_FLIGHT:
            if n == kill_after:
                rush = run.messages[kill_after : kill_after + IN_FLIGHT]
                await asyncio.gather(*(push(run, m) for m in rush))
                kill()
            continue
        delay = t0 + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await push(run, message)


async def watch_takeover(run: Run, killed: BotProcess, leases: set[str], at: float) -> dict:
    """Seconds from the kill until the killed process's accounts were all leased by the
    others, then all connected again (a new forward connection to each account's peer)."""
    victims = [a for a in run.accounts if a.lease in leases]
    before = {a.self_id: a.peer.accepted for a in victims}
    out: dict[str, float | None] = {"takeover_leased_s": None, "takeover_connected_s": None}
    deadline = at + 120
    while time.monotonic() < deadline and None in out.values():
        if out["takeover_leased_s"] is None:
            holders = run.store.holders()
            if all(a.lease in holders and f":{killed.pid}:" not in holders[a.lease]
                   for a in victims):  # fmt: skip
                out["takeover_leased_s"] = round(time.monotonic() - at, 2)
        if out["takeover_connected_s"] is None and all(
            a.peer.accepted > before[a.self_id] and a.peer.connected for a in victims
        ):
            out["takeover_connected_s"] = round(time.monotonic() - at, 2)
        await asyncio.sleep(0.05)
    return out


def books(store: Store, message_ids: list[str], day: str) -> dict[str, Any]:
    """What the database holds for the sent messages and `day`'s jobs, read independently
    of the bot. (Jobs of the days before the first start are recorded as skipped.)"""
    keys = {f"qq:{m}" for m in message_ids}
    stored = {k for (k,) in store.rows("SELECT message_key FROM reports") if k in keys}
    (raw,) = store.rows("SELECT count(*) FROM raw_messages WHERE platform = 'qq'")[0]
    (dup_raw,) = store.rows(
        "SELECT count(*) FROM (SELECT message_id FROM raw_messages WHERE platform = 'qq'"
        " GROUP BY message_id HAVING count(*) > 1) AS twice"
    )[0]
    (revised,) = store.rows("SELECT count(*) FROM reports WHERE revision > 1")[0]
    (history,) = store.rows("SELECT count(*) FROM report_history")[0]
    (reports,) = store.rows("SELECT count(*) FROM reports")[0]
    (people,) = store.rows("SELECT count(DISTINCT person_id || day) FROM reports")[0]
    jobs = store.rows(
        f"SELECT job, count(*), count(finished_at) FROM job_runs WHERE day = '{day}' GROUP BY job"
    )
    outbox = dict(store.rows("SELECT status, count(*) FROM outbox GROUP BY status"))
    return {
        "lost": len(keys - stored),
        "double": revised + history + (reports - people) + dup_raw,
        "raw_messages": raw,
        "reports": reports,
        "job_runs": {job: n for job, n, _ in jobs},
        "job_runs_unfinished": sum(n - done for _, n, done in jobs),
        "outbox": outbox,
    }


def delivered_twice(run: Run) -> int:
    seen = Counter(
        (d.action, d.target, d.text, tuple(d.mentions))
        for a in run.accounts
        for d in a.peer.delivered
    )
    return sum(n - 1 for n in seen.values() if n > 1)


async def one_run(root: Path, store: Store, args: argparse.Namespace, kill: bool) -> dict:
    count = int(args.rate * args.seconds)
    run = await prepare(root, store, args.students, args.classes, count)
    classes = len(run.school.groups)
    day = run.nag_at.date().isoformat()
    result: dict[str, Any] = {
        "bench": "cluster",
        "run": "kill" if kill else "steady",
        "store": store.kind,
        "processes": PROCESSES,
        "accounts": ACCOUNTS,
        "students": args.students,
        "groups": classes,
        "messages": count,
        "rate": args.rate,
        "lease_s": LEASE_S,
        "renew_s": RENEW_S,
    }
    victim = run.bots[0]
    takeover: asyncio.Task | None = None
    statuses: list[int] = []
    try:
        await start_cluster(run)
        result["leases_at_start"] = [len(held_by(run, b)) for b in run.bots]
        killed_at = 0.0

        def kill_victim() -> None:
            nonlocal killed_at, takeover
            leases = held_by(run, victim)
            victim.kill()
            (result["outbox_in_flight_at_kill"],) = store.rows(
                "SELECT count(*) FROM outbox WHERE status = 'pending'"
                f" AND last_error LIKE 'unconfirmed%' AND claimed_by LIKE '%:{victim.pid}:%'"
            )[0]
            killed_at = time.monotonic()
            takeover = asyncio.ensure_future(watch_takeover(run, victim, leases, killed_at))

        started = time.perf_counter()
        await send(run, args.rate, int(count * args.kill_at) if kill else None, kill_victim)
        result["send_seconds"] = round(time.perf_counter() - started, 2)
        if store.url is not None:  # what the processes hold open on the server
            (result["pg_connections"],) = store.rows(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid != pg_backend_pid()"
            )[0]
        if kill:
            result["confirmed_before_kill"] = len(victim.confirmed)
        await until(lambda: run.sent.keys() <= run.confirmed().keys(), 60 + count / 100,
                    "every check-in confirmed")  # fmt: skip
        if takeover is not None:
            result.update(await takeover)
            share = ACCOUNTS // PROCESSES
            result["victim_accounts_recorded_by_others"] = sum(
                1 for (a, *_, mid) in run.messages
                if a < share and any(str(mid) in b.confirmed for b in run.bots[1:])
            )  # fmt: skip
        # the nag fires at its minute in every process; one of them runs it
        while datetime.now(TZ) < run.nag_at + timedelta(seconds=2):
            await asyncio.sleep(0.5)
        nags = f"SELECT 1 FROM job_runs WHERE job = 'nag1' AND day = '{day}'"
        await until(lambda: len(store.rows(nags)) >= classes, 60, "the nag ran")
        await until(lambda: not store.rows("SELECT 1 FROM outbox WHERE status = 'pending'"), 60,
                    "the outbox drained")  # fmt: skip
        confirmed = run.confirmed()
        latencies = [confirmed[m] - t for m, t in run.sent.items() if m in confirmed]
        share = ACCOUNTS // PROCESSES  # the killed process's accounts: the first `share`
        others = [confirmed[str(mid)] - run.sent[str(mid)]
                  for (a, *_, mid) in run.messages if a >= share]  # fmt: skip
        done_s = max(confirmed[m] for m in run.sent) - min(run.sent.values())
        result.update(
            {
                "per_second": round(len(latencies) / done_s, 1),
                "confirmed": len(latencies),
                "p50_ms": round(percentile(latencies, 50) * 1000, 1),
                "p99_ms": round(percentile(latencies, 99) * 1000, 1),
                "max_ms": round(max(latencies) * 1000, 1),
                **(
                    {"p99_ms_other_accounts": round(percentile(others, 99) * 1000, 1)}
                    if kill
                    else {}
                ),
                "per_process": [len(b.confirmed) for b in run.bots],
                "peak_rss_mb": [
                    round(b.peak_rss_mb(), 1) for b in run.bots if b.proc and b.proc.poll() is None
                ],
            }
        )
    finally:
        for bot in run.bots:
            if bot.proc is not None and bot.proc.poll() is None:
                statuses.append(bot.stop())
        for account in run.accounts:
            await account.peer.close()
    result.update(books(store, list(run.sent), day))
    result["expected_job_runs"] = {"opens": classes, "nag1": classes}
    result["delivered"] = sum(len(a.peer.delivered) for a in run.accounts)
    result["delivered_twice"] = delivered_twice(run)
    result["exit_statuses"] = statuses
    result["errors_logged"] = sum(len(b.errors()) for b in run.bots)
    return result


def ok(r: dict) -> bool:
    return (
        r["lost"] == 0
        and r["double"] == 0
        and all(r["job_runs"].get(j) == n for j, n in r["expected_job_runs"].items())
        and r["job_runs_unfinished"] == 0
        and r["outbox"].get("pending", 0) == 0
        and r["delivered_twice"] <= r.get("outbox_in_flight_at_kill", 0)
        and all(s == 0 for s in r["exit_statuses"])
        and (r["run"] == "steady" or r.get("takeover_connected_s") is not None)
    )


async def main_async(args: argparse.Namespace, server: PgServer | None) -> int:
    failed = 0
    for n, kill in enumerate((False, True)):
        with tempfile.TemporaryDirectory(prefix="pingan-cluster-") as tmp:
            root = args.keep / ("kill" if kill else "steady") if args.keep else Path(tmp)
            root.mkdir(parents=True, exist_ok=True)
            store = Store(root, server, f"cluster_{n}")
            result = await one_run(root, store, args, kill)
            if server is not None:
                result["pg_settings"] = server.settings
        print(json.dumps(result, ensure_ascii=False), flush=True)
        failed += not ok(result)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--rate", type=float, default=600.0, help="messages per second (600)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long (20)")
    parser.add_argument("--students", type=int, default=12_000)
    parser.add_argument("--classes", type=int, default=300)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction sent before kill")
    parser.add_argument("--keep", type=Path, help="keep the runs' files (configs, logs) here")
    parser.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the throwaway server (repeatable)",
    )
    args = parser.parse_args()
    server = None
    if args.store == "postgresql":
        bindir = binaries()
        if bindir is None:
            print(NO_POSTGRES, file=sys.stderr)
            return 2
        settings = dict(item.split("=", 1) for item in args.pg_set)
        server = PgServer(bindir, settings)
    try:
        if server is not None:
            server.start()
        return asyncio.run(main_async(args, server))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
