"""/healthz and /metrics of `pingan run`, against a OneBot peer on loopback."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path

import aiohttp
import sqlite_utils
import yaml

from bot.cli.run import serve
from bot.ops.accounts import AccountState
from bot.ops.health import check
from core.config import load_config
from storage.db import open_db
from tests.conftest import REPO, TZ
from tests.onebot_peer import OneBotPeer, text, until
from tests.run_helpers import CLASS1, free_port
from tests.test_run import TickingClock

METRICS_TOKEN = "scrape-me-please"


def _config(tmp_path: Path, qq_port: int, web_port: int) -> Path:
    config = {
        "storage": {"path": str(tmp_path / "pingan.db")},
        "roster": str(REPO / "examples" / "roster.csv"),
        "groups": [{"platform": "qq", "chat": "700001", "node": CLASS1, "purpose": "class"}],
        "adapters": {
            "sim": {"enabled": False},
            "onebot": [{"mode": "reverse_ws", "port": qq_port}],
        },
        "web": {"enabled": True, "port": web_port},
        "ops": {"metrics_token": METRICS_TOKEN},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


async def _get(url: str, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as r:
        return r.status, await r.text()


async def test_healthz_follows_the_account_and_metrics_show_what_happened(tmp_path):
    qq_port, web_port = free_port(), free_port()
    config = load_config(_config(tmp_path, qq_port, web_port))
    stop = asyncio.Event()
    bot = asyncio.create_task(
        serve(config, stop, TickingClock(datetime(2020, 2, 10, 8, 30, tzinfo=TZ)))
    )
    base = f"http://127.0.0.1:{web_port}"
    peer = OneBotPeer(members={700001: []})
    try:
        await until(lambda: _listening(web_port) and _listening(qq_port), timeout=30)
        status, body = await _get(base + "/healthz")
        assert status == 503
        assert f"qq reverse ws 127.0.0.1:{qq_port} not connected" in body

        await peer.connect(f"ws://127.0.0.1:{qq_port}/onebot/v11/ws")
        await until(lambda: peer.connected, timeout=10)
        await _until_status(base + "/healthz", 200)
        await peer.push(peer.group_message(700001, 40001, [text("36.8 正常 在校")], card="?"))
        await until(lambda: peer.delivered, timeout=10)

        status, metrics = await _get(base + "/metrics")
        assert status == 200
        assert 'pingan_account_connected{account="10000",platform="qq"} 1.0' in metrics
        assert 'pingan_messages_total{outcome="checkin"} 1.0' in metrics
        assert "pingan_message_handle_seconds_count 1.0" in metrics
        assert "pingan_parse_seconds_count 1.0" in metrics
        assert 'pingan_job_runs{job="opens"}' in metrics  # the catch-up at start
        assert "pingan_outbox_oldest_pending_age_seconds" in metrics
        assert "36.8" not in metrics and "40001" not in metrics  # no personal data

        # through a proxy on this machine: not loopback any more; the token opens it
        assert (await _get(base + "/metrics", **{"X-Forwarded-For": "203.0.113.7"}))[0] == 403
        assert (await _get(base + "/metrics", Authorization="Bearer wrong"))[0] == 403
        authorised = await _get(base + "/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
        assert authorised[0] == 200

        await peer.push(  # QQ logged the account out; the implementation keeps the link
            {**peer.heartbeat(5000), "status": {"online": False, "good": True}}
        )
        status, body = await _until_status(base + "/healthz", 503)
        assert "qq 10000 not connected" in body
        status, metrics = await _get(base + "/metrics")
        assert 'pingan_account_connected{account="10000",platform="qq"} 0.0' in metrics
    finally:
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await peer.close()


def test_a_store_that_refuses_writes_is_unhealthy(tmp_path):
    path = tmp_path / "pingan.db"
    open_db(path).close()
    read_only = sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    up = [AccountState("qq", "10000", True)]
    now = datetime(2020, 2, 10, 8, 0, tzinfo=TZ)
    health = check(read_only, up, now)
    assert not health.ok
    assert health.problems[0].startswith("store not writable")
    writable = open_db(path)
    try:
        assert check(writable, up, now).ok
        down = check(writable, [*up, AccountState("wechat", "wxid_bot", False)], now)
        assert down.problems == ["wechat wxid_bot not connected"]
    finally:
        writable.close()
        read_only.close()


async def _until_status(url: str, status: int) -> tuple[int, str]:
    for _ in range(200):
        got = await _get(url)
        if got[0] == status:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never answered {status}; last: {got}")


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
