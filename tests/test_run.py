"""`pingan run`: the assembled bot with a QQ account connected by reverse WebSocket."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from bot.cli.run import serve
from core.clock import SystemClock
from core.config import load_config
from core.messages import OutgoingMessage
from storage.db import open_db
from storage.outbox import enqueue
from tests import run_helpers
from tests.conftest import REPO, TZ
from tests.onebot_peer import OneBotPeer, text, until
from tests.run_helpers import CLASS1, free_port

TOKEN = "run-token"


class TickingClock:
    """Wall-clock pace from a chosen start: a day in the check-in window, whatever the hour."""

    def __init__(self, start: datetime) -> None:
        self.tz = start.tzinfo
        self._start, self._t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


def write_config(tmp_path: Path, port: int) -> Path:
    return run_helpers.write_config(
        tmp_path,
        groups=[{"platform": "qq", "chat": "700001", "node": CLASS1, "purpose": "class"}],
        adapters={"onebot": [{"mode": "reverse_ws", "port": port, "access_token": TOKEN}]},
    )


async def test_run_takes_messages_sends_the_outbox_and_stops(tmp_path):
    port = free_port()
    config = load_config(write_config(tmp_path, port))
    stop = asyncio.Event()
    clock = TickingClock(datetime(2020, 2, 10, 8, 30, tzinfo=TZ))  # inside the check-in window
    bot = asyncio.create_task(serve(config, stop, clock))
    peer = OneBotPeer(
        access_token=TOKEN,
        members={
            700001: [
                {"user_id": 1541696876, "card": "沈斌", "nickname": "sb"},  # bound by the roster
                {"user_id": 30001, "card": "崔鹏飞", "nickname": ""},  # 崔鹏飞 has another QQ
                {"user_id": 30002, "card": "某家长", "nickname": ""},
            ]
        },
    )
    try:
        url = f"ws://127.0.0.1:{port}/onebot/v11/ws"
        await until(lambda: _accepts(port), timeout=30)
        await peer.connect(url)
        await peer.push(
            peer.group_message(700001, 1541696876, [text("沈斌 36.5 正常 在校")], card="沈斌")
        )
        db = open_db(config.db_path)
        try:
            await until(lambda: _count(db, "raw_messages") == 1, timeout=10)
            kind = db.execute("SELECT kind FROM raw_messages").fetchone()[0]
            assert kind == "checkin"
            assert _count(db, "reports") == 1
            await until(lambda: _count(db, "account_reviews") == 1, timeout=10)
            # someone the roster does not know: the core answers in the group, with an @
            await peer.push(peer.group_message(700001, 40001, [text("36.8 正常 在校")], card="?"))
            await until(lambda: any(d.mentions == ["40001"] for d in peer.delivered), 10)
            answer = next(d for d in peer.delivered if d.mentions == ["40001"])
            assert answer.action == "send_group_msg" and answer.target == 700001
            assert "花名册" in answer.text
            with db.atomic():  # what a scheduled nag queues: no account, a mention
                enqueue(
                    db,
                    OutgoingMessage(
                        platform="qq",
                        chat_type="group",
                        target="700001",
                        text="请尽快报平安",
                        mentions=("2099200777",),
                    ),
                    clock.now(),
                )
            await until(lambda: any(d.text.strip() == "请尽快报平安" for d in peer.delivered), 10)
            nag = next(d for d in peer.delivered if d.text.strip() == "请尽快报平安")
            assert nag.mentions == ["2099200777"]
        finally:
            db.close()
    finally:
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0  # stops, and within 10 s
        await peer.close()


def test_sigterm_stops_within_10s_with_the_outbox_intact(tmp_path):
    """The real process and signal: queued messages stay queued for the next start."""
    port = free_port()
    path = write_config(tmp_path, port)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(path)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _accepts(port):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "pingan run did not start listening"
            time.sleep(0.1)
        db = open_db(tmp_path / "pingan.db")
        with db.atomic():
            enqueue(
                db,
                OutgoingMessage(platform="qq", chat_type="group", target="700001", text="待发"),
                SystemClock().now(),
            )
        db.close()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)  # TimeoutExpired fails the test
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read()
    assert code == 0, stderr
    assert "stopped cleanly" in stderr
    db = open_db(tmp_path / "pingan.db")
    queued = {r["text"]: r["status"] for r in db["outbox"].rows}  # the scheduler may add some
    assert queued["待发"] == "pending"  # no QQ connected: kept for the next start
    assert set(queued.values()) == {"pending"}
    db.close()


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


async def test_a_component_that_fails_to_start_does_not_stop_the_others(db, clock, caplog):
    from bot.app import App, Component
    from core.config import Config

    events = []

    async def broken() -> None:
        raise OSError("port 8080 already in use")

    async def record(what: str) -> None:
        events.append(what)

    async def hang() -> None:
        await asyncio.sleep(3600)

    app = App(Config(), db, clock)
    app.components = [
        Component("broken adapter", broken, lambda: record("broken stopped")),
        Component("good adapter", lambda: record("good started"), lambda: record("good stopped")),
        Component("slow to stop", lambda: record("slow started"), hang),
    ]
    await app.start()
    assert events == ["good started", "slow started"]
    # the slow one hangs for an hour: stop returning at all means it was cut off
    await asyncio.wait_for(app.stop(timeout=1.0), 30)
    assert "slow to stop did not stop cleanly" in caplog.text
    assert "good stopped" in events and "broken stopped" not in events
