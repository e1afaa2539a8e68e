"""`pingan bench hostile`: the dashboard's latency while a QQ group turns hostile.

Starts a real `pingan run` process (a generated school, OneBot reverse WebSocket and the
dashboard, both on loopback), connects as the QQ implementation, and while a client asks the
dashboard's class page over and over (Bearer token), sends in turn: a 1.5 M-character 接龙,
a 1 MB message, and a flood of ordinary group messages at 20,000 frames a second. Prints one
JSON line per phase with the dashboard's p50/p99/max latency; one for the bot (peak RSS,
errors, exit status, and the books: every flood message kept, the two huge ones kept whole);
and one with the time the splitter and the reading step take on the same hostile shapes in
this process (the linear passes). Exit status 1 when anything was lost or logged an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.adapters.sim.school import build_school, write_config
from handlers.chain.split import split_chain
from handlers.parse.entry import _blank

HELP = "dashboard p99 latency while a 1.5 M-character 接龙, a 1 MB message and a frame flood arrive"

TOKEN = "bench-hostile-token"
SELF_ID = 10000
PROBE_PAUSE_S = 0.01


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--students", type=int, default=2000, help="school size (2000)")
    parser.add_argument("--classes", type=int, default=50, help="class groups (50)")
    parser.add_argument("--chain-chars", type=int, default=1_500_000, help="接龙 size (1.5 M)")
    parser.add_argument("--message-bytes", type=int, default=1_000_000, help="(1 MB)")
    parser.add_argument("--rate", type=int, default=20_000, help="flood frames/s (20,000)")
    parser.add_argument("--seconds", type=float, default=3.0, help="flood length (3 s)")
    parser.add_argument("--keep", type=Path, help="keep the run's files (db, log) here")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hostile_chain(chars: int) -> str:
    lines, n = ["#接龙 2月10日平安报告"], 0
    total = len(lines[0])
    while total < chars:
        n += 1
        line = f"{n}. 同学{n} 36.{n % 10} 正常 在校"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)


def _percentiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"requests": 0}
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000, 1)

    return {"requests": len(values), "p50_ms": at(50), "p99_ms": at(99), "max_ms": at(100)}


class Peer:
    """The QQ implementation's side of a reverse WebSocket: pushes events, answers calls."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None
        self._next = 1

    async def connect(self, timeout: float = 60.0) -> None:
        self.session = aiohttp.ClientSession()
        headers = {
            "Authorization": f"Bearer {TOKEN}",
            "X-Self-ID": str(SELF_ID),
            "X-Client-Role": "Universal",
        }
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ws = await self.session.ws_connect(
                    self.url, headers=headers, max_msg_size=0, heartbeat=None
                )
                break
            except (aiohttp.ClientError, OSError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        self._reader = asyncio.create_task(self._answer())

    async def _answer(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            request = json.loads(msg.data)
            if "action" not in request:
                continue
            action = request["action"]
            data: Any = None
            if action.startswith("send_"):
                data = {"message_id": self._next}
                self._next += 1
            elif action == "get_login_info":
                data = {"user_id": SELF_ID, "nickname": "平安小助手"}
            elif action in ("get_group_list", "get_group_member_list", "get_friend_list"):
                data = []
            elif action == "get_group_msg_history":
                data = {"messages": []}
            reply = {"status": "ok", "retcode": 0, "data": data, "echo": request.get("echo")}
            await self.ws.send_str(json.dumps(reply, ensure_ascii=False))

    def group_message(self, group: str, user: str, text: str, message_id: int) -> str:
        event = {
            "time": int(time.time()), "self_id": SELF_ID, "post_type": "message",
            "message_type": "group", "sub_type": "normal", "message_id": message_id,
            "group_id": int(group), "user_id": int(user), "message": text, "raw_message": text,
            "font": 0, "sender": {"user_id": int(user), "nickname": "同学", "card": "同学"},
        }  # fmt: skip
        return json.dumps(event, ensure_ascii=False)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self.session is not None:
            await self.session.close()


def _probe(url: str, token: str, ready, stop, out) -> None:
    """In its own process, so the flood this process sends does not delay the asking: ask
    the dashboard again and again until `stop`; put each answer's latency in seconds."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as resp:
            resp.read()
        latencies.append(time.perf_counter() - started)
        ready.set()
        time.sleep(PROBE_PAUSE_S)
    out.put(latencies)


async def _phase(url: str, token: str, work) -> tuple[list[float], float]:
    context = multiprocessing.get_context("spawn")
    ready, stop, out = context.Event(), context.Event(), context.Queue()
    prober = context.Process(target=_probe, args=(url, token, ready, stop, out), daemon=True)
    prober.start()
    if not await asyncio.to_thread(ready.wait, 120):
        raise RuntimeError("the dashboard prober did not start")
    await asyncio.sleep(0.5)  # a few answers before the hostile input
    started = time.perf_counter()
    await work()
    took = time.perf_counter() - started
    await asyncio.sleep(0.5)  # and while the bot is still digesting it
    stop.set()
    latencies = await asyncio.to_thread(out.get, True, 120)
    prober.join(10)
    return latencies, took


async def _flood(peer: Peer, group: str, user: str, rate: int, seconds: float) -> int:
    assert peer.ws is not None
    total, t0, n = int(rate * seconds), time.perf_counter(), 0
    frames = [peer.group_message(group, user, f"哈哈{i % 97}", 5_000_000 + i) for i in range(total)]
    for n, frame in enumerate(frames, 1):
        await peer.ws.send_str(frame)
        if n % 200 == 0:
            due = t0 + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
    return n


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pingan run exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("pingan run did not open the dashboard in time")


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


async def _run(args: argparse.Namespace, root: Path) -> list[dict]:
    from storage.db import open_db
    from storage.tokens import create_token

    school = build_school(root, args.students, args.classes)
    onebot_port, web_port = _free_port(), _free_port()
    onebot = [{"mode": "reverse_ws", "port": onebot_port, "access_token": TOKEN}]
    config = write_config(
        root / "config.yaml", school, root / "pingan.db", onebot,
        web={"enabled": True, "host": "127.0.0.1", "port": web_port},
    )  # fmt: skip
    log = (root / "bot.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    peer = Peer(f"ws://127.0.0.1:{onebot_port}/onebot/v11/ws")
    try:
        await asyncio.to_thread(_wait_port, web_port, proc)
        db = open_db(root / "pingan.db")
        now = datetime.now(UTC)
        with db.atomic():  # the generated roster has students only: an admin to log in as
            db.execute(
                "INSERT INTO people (id, name, role, updated_at) VALUES (?, ?, '管理员', ?)",
                ["bench-admin", "压测管理员", now.isoformat()],
            )
            _, token = create_token(db, "bench-admin", now)
        db.close()
        group = school.groups[0]
        node = group["node"]
        student = next(s for s in school.students if s.group == group["chat"])
        await peer.connect()
        await asyncio.sleep(1.0)  # the connect-time calls settle
        base = f"http://127.0.0.1:{web_port}"
        path = "/today?node=" + str(_node_id(root / "pingan.db", node))
        assert peer.ws is not None
        async with aiohttp.ClientSession() as warm:  # the first page renders cold: not counted
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(3):
                async with warm.get(base + path, headers=headers) as resp:
                    await resp.read()
        chain = hostile_chain(args.chain_chars)
        piece = "张三 36.5 正常 在校 "
        message = piece * (args.message_bytes // len(piece.encode()) + 1)
        results = []

        async def nothing() -> None:
            await asyncio.sleep(0.5)

        async def send_chain() -> None:
            await peer.ws.send_str(peer.group_message(group["chat"], student.qq, chain, 4_000_001))

        async def send_message() -> None:
            await peer.ws.send_str(
                peer.group_message(group["chat"], student.qq, message, 4_000_002)
            )

        sent = 0

        async def flood() -> None:
            nonlocal sent
            sent = await _flood(peer, group["chat"], student.qq, args.rate, args.seconds)

        for name, work, size in [
            ("idle", nothing, 0),
            ("chain", send_chain, len(chain)),
            ("message", send_message, len(message.encode())),
            ("flood", flood, args.rate),
        ]:
            latencies, took = await _phase(base + path, token, work)
            row = {"bench": "hostile", "phase": name, **_percentiles(latencies)}
            if name == "chain":
                row["chain_chars"] = size
            elif name == "message":
                row["message_bytes"] = size
            elif name == "flood":
                row |= {"frames": sent, "frames_per_s": round(sent / took) if took else None}
            results.append(row)
        # kept whole: as sent, less the surrounding spaces the adapter trims from any message
        expected = {"qq:4000001": len(chain.strip()), "qq:4000002": len(message.strip())}
        books = await asyncio.to_thread(_books, root / "pingan.db", expected, sent)
        results.append(
            {"bench": "hostile", "phase": "bot", "peak_rss_mb": round(_peak_rss_mb(proc.pid), 1)}
            | books
        )
    finally:
        await peer.close()
        proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = proc.wait(5)
        log.close()
    text = (root / "bot.log").read_text("utf-8", "replace")
    results[-1] |= {
        "exit_status": status,
        "errors_logged": sum(1 for ln in text.splitlines() if " ERROR " in ln),
    }
    return results


def _books(db_path: Path, whole: dict[str, int], flood: int, timeout: float = 120.0) -> dict:
    """Once the bot has stored everything (or the timeout): the flood's messages kept, and
    whether the two huge ones were kept whole. Read-only, beside the running bot."""
    deadline = time.monotonic() + timeout
    while True:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        try:
            kept = db.execute(
                "SELECT count(*) FROM raw_messages WHERE platform = 'qq' AND message_id"
                " BETWEEN '5000000' AND '5999999'"
            ).fetchone()[0]
            lengths = dict(
                db.execute(
                    "SELECT 'qq:' || message_id, length(text) FROM raw_messages"
                    " WHERE platform = 'qq' AND message_id IN ('4000001', '4000002')"
                ).fetchall()
            )
        finally:
            db.close()
        if kept >= flood or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {
        "flood_kept": kept,
        "lost": flood - kept + sum(1 for key in whole if key not in lengths),
        "huge_kept_whole": all(lengths.get(key) == size for key, size in whole.items()),
    }


def _node_id(db_path: Path, path: str) -> int:
    from storage.db import open_db

    db = open_db(db_path)
    try:
        return db.execute("SELECT id FROM nodes WHERE path = ?", [path]).fetchone()[0]
    finally:
        db.close()


def linear_passes(chars: int) -> dict:
    """The splitter and the reading step's blanking on hostile shapes, timed in-process."""
    lines = ["#接龙 平安报告", "1. 张三 36.5"] + ["继续"] * (chars // 3)
    started = time.perf_counter()
    split_chain("\n".join(lines))
    split_s = time.perf_counter() - started
    text = "36.5 " * (chars // 5)
    spans = [(i * 5, i * 5 + 4) for i in range(chars // 5)]
    started = time.perf_counter()
    _blank(text, spans)
    blank_s = time.perf_counter() - started
    return {
        "bench": "hostile", "phase": "linear", "chars": chars,
        "split_one_long_entry_ms": round(split_s * 1000, 1),
        "blank_readings": len(spans), "blank_ms": round(blank_s * 1000, 1),
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        rows = asyncio.run(_run(args, args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="pingan-hostile-") as tmp:
            rows = asyncio.run(_run(args, Path(tmp)))
    rows.append(linear_passes(args.chain_chars))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    bot = next(r for r in rows if r["phase"] == "bot")
    clean = bot["exit_status"] == 0 and bot["errors_logged"] == 0
    return 0 if clean and bot["lost"] == 0 and bot["huge_kept_whole"] else 1
