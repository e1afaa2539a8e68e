"""Two real `python -m bot run` processes with the same config on one store: a SQLite file,
and a PostgreSQL database (`storage.url`).

The first to start takes the QQ account's lease and connects (forward WebSocket to a
spec-written OneBot peer that plays QQ); the second waits as a standby. The owner is killed
with SIGKILL; the standby must take the account over, connect, and send what was pending,
and nothing may be sent twice. The lease is shortened (lease_s 3, renew_s 1) so the test is
quick; the measured failover time is printed (`pytest -s`), with only a generous bound.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from core.clock import SystemClock
from core.messages import OutgoingMessage
from storage.db import open_store
from storage.outbox import enqueue
from tests import run_helpers
from tests.conftest import REPO
from tests.onebot_peer import OneBotPeer, until

pytestmark = pytest.mark.both_stores

LEASE_S, RENEW_S = 3.0, 1.0


def write_config(tmp_path: Path, peer_port: int, url: str) -> Path:
    return run_helpers.cluster_config(
        tmp_path, peer_port, lease_s=LEASE_S, renew_s=RENEW_S, poll_s=0.2, store_url=url
    )


def start(tmp_path: Path, config: Path, name: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w", encoding="utf-8"),
    )
    return process, log


def holder(db) -> str | None:
    row = db.execute("SELECT holder FROM account_leases WHERE account = 'qq:10000'").fetchone()
    return row[0] if row else None


def queue(db, text: str, account: str = "10000") -> None:
    with db.atomic():
        enqueue(
            db,
            OutgoingMessage(
                platform="qq", chat_type="group", target="700001", text=text, account=account
            ),
            SystemClock().now(),
        )


async def test_the_standby_takes_over_a_killed_owner_and_sends_what_was_pending(
    tmp_path, db_url
):
    peer = OneBotPeer(self_id=10000)
    config = write_config(tmp_path, await peer.serve(), db_url)
    db = open_store(db_url)  # the test's own look at the store, as a third process
    owner, _ = start(tmp_path, config, "owner")
    standby = None
    try:
        await until(lambda: f":{owner.pid}:" in (holder(db) or ""), timeout=60)
        standby, standby_log = start(tmp_path, config, "standby")
        await until(lambda: "cluster: this process is" in standby_log.read_text("utf-8"), 60)
        queue(db, "交接前")
        await until(lambda: "交接前" in texts(peer), timeout=30)
        assert f":{owner.pid}:" in (holder(db) or "")  # the standby did not take it
        peer.deliver_and_hang = True  # QQ posts the next message, the answer never comes
        queue(db, "崩溃时在途")
        await until(lambda: "崩溃时在途" in texts(peer), timeout=30)

        owner.send_signal(signal.SIGKILL)  # killed before it could mark that one sent
        killed = time.monotonic()
        owner.wait(10)
        queue(db, "交接后一")
        queue(db, "交接后二")
        queue(db, "无账号的消息", account="")  # the scheduler's kind: any default sender
        await until(lambda: {"交接后一", "交接后二", "无账号的消息"} <= set(texts(peer)), 60)
        failover = time.monotonic() - killed
        print(f"\nfailover after SIGKILL: {failover:.1f} s (lease_s {LEASE_S}, renew_s {RENEW_S})")
        assert failover < 60
        assert f":{standby.pid}:" in (holder(db) or "")
        # The one in flight at the kill: the standby found it in the group's history
        await until(lambda: status(db, "崩溃时在途") == "sent", timeout=30)
        ours = Counter(t for t in texts(peer) if t.startswith(("交接", "无账号", "崩溃")))
        assert ours == {
            "交接前": 1,
            "崩溃时在途": 1,  # not sent again
            "交接后一": 1,
            "交接后二": 1,
            "无账号的消息": 1,
        }

        standby.send_signal(signal.SIGTERM)
        assert standby.wait(15) == 0
        assert holder(db) is None  # released on a clean stop: the next one starts at once
    finally:
        for process in (owner, standby):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
        db.close()
        await peer.close()


def status(db, text: str) -> str:
    return db.execute("SELECT status FROM outbox WHERE text = ?", [text]).fetchone()[0]


def texts(peer: OneBotPeer) -> list[str]:
    return [d.text.strip() for d in peer.delivered]
