"""A QQ link that goes silent without closing is noticed, redialled, and nothing is lost.

`pingan run` talks to the spec-written OneBot peer through a loopback proxy that can silence
the link (tests/silent_proxy.py). The WebSocket ping (`ping_interval_s`, short here) finds the
silence; the link is closed; forward WS redials by itself, reverse WS is redialled by the
implementation (as NapCat's `reconnectInterval` does). A nag sent into the silence is resent
once on the new link, and a student who writes after the redial is answered.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bot.cli.run import serve
from core.config import load_config
from core.messages import OutgoingMessage
from storage.db import open_db
from storage.outbox import enqueue
from tests.conftest import REPO, TZ
from tests.onebot_peer import OneBotPeer, text, until
from tests.run_helpers import CLASS1, free_port
from tests.silent_proxy import SilentProxy
from tests.test_run import TickingClock

TOKEN = "dead-link-token"
NAG = "请尽快报平安（测试）"
FAST = {"ping_interval_s": 0.3, "reconnect_initial_s": 0.05, "reconnect_max_s": 0.2}


def _config(tmp_path: Path, link: dict) -> Path:
    config = {
        "storage": {"path": str(tmp_path / "pingan.db")},
        "roster": str(REPO / "examples" / "roster.csv"),
        "groups": [{"platform": "qq", "chat": "700001", "node": CLASS1, "purpose": "class"}],
        "adapters": {"sim": {"enabled": False}, "onebot": [{**link, **FAST}]},
        # no pause between sends: the nag goes out at once, into the silence
        "outbox": {
            "per_group_interval_s": 0,
            "backoff_initial_s": 0.05,
            "backoff_max_s": 0.2,
            "poll_s": 0.05,
        },
        "web": {"enabled": False},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _live(peer: OneBotPeer) -> int:
    return sum(1 for ws in peer._sockets if not ws.closed)


def _answered(peer: OneBotPeer, qq: str) -> bool:
    return any(d.mentions == [qq] for d in peer.delivered)


@pytest.mark.parametrize("mode", ["forward_ws", "reverse_ws"])
async def test_a_silent_link_is_redialled_and_nothing_is_lost_or_doubled(tmp_path, mode):
    peer = OneBotPeer(access_token=TOKEN, members={700001: []})
    if mode == "forward_ws":
        proxy = SilentProxy(await peer.serve())
        link = {"mode": mode, "url": f"ws://127.0.0.1:{await proxy.start()}/"}
    else:
        port = free_port()
        proxy = SilentProxy(port)
        link = {"mode": mode, "port": port}
    link["access_token"] = TOKEN
    config = load_config(_config(tmp_path, link))
    stop = asyncio.Event()
    clock = TickingClock(datetime(2020, 2, 10, 8, 30, tzinfo=TZ))  # inside the check-in window
    bot = asyncio.create_task(serve(config, stop, clock))
    db = open_db(config.db_path)
    try:
        if mode == "reverse_ws":
            url = f"ws://127.0.0.1:{await proxy.start()}/onebot/v11/ws"
            await until(lambda: _port_open(port), timeout=30)
            await peer.connect(url)
        await until(lambda: _live(peer) == 1, timeout=30)
        await peer.push(peer.group_message(700001, 40001, [text("36.8 正常 在校")], card="?"))
        await until(lambda: _answered(peer, "40001"), timeout=10)
        await until(lambda: _unsent(db) == 0, timeout=10)  # and its answer came back

        proxy.silence()  # the link stays open and carries nothing
        with db.atomic():
            enqueue(
                db,
                OutgoingMessage(platform="qq", chat_type="group", target="700001", text=NAG),
                clock.now(),
            )
        await until(lambda: _live(peer) == 0, timeout=10)  # pingan gave up on the link
        if mode == "reverse_ws":
            await peer.connect(url)  # the implementation dials again
        await until(lambda: _live(peer) == 1, timeout=10)

        await until(lambda: any(d.text == NAG for d in peer.delivered), timeout=10)
        await peer.push(peer.group_message(700001, 40002, [text("36.6 正常 在家")], card="?"))
        await until(lambda: _answered(peer, "40002"), timeout=10)
        assert [d.text for d in peer.delivered].count(NAG) == 1  # resent once, not doubled
        row = db.execute("SELECT status, attempts FROM outbox WHERE text = ?", [NAG]).fetchone()
        assert row[0] == "sent" and row[1] == 2  # the attempt lost in the silence, then one
        looked = [a for a in peer.actions if a["action"] == "get_group_msg_history"]
        assert looked, "the lost attempt was checked against the group's history first"
    finally:
        db.close()
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await peer.close()
        await proxy.close()


def _unsent(db) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
