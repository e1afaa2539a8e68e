"""`pingan run` against the official wechaty puppet service (npm wechaty-puppet-service
serving wechaty-puppet-mock, tests/wechaty-peer/peer.js): a WeChat peer nobody here wrote.

The students and the class are examples/roster.csv's 计科1班; their wxids are the roster's
微信 column, so the mock room's members are bound people. The grpclib fake of
tests/wechaty_helpers.py stays for the faults this service cannot be made to show.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.cli.run import serve
from core.clock import SystemClock
from core.config import load_config
from core.messages import OutgoingMessage
from storage.db import open_db
from storage.outbox import enqueue
from tests.conftest import REPO, TZ
from tests.onebot_peer import until
from tests.run_helpers import CLASS1, free_port, write_config
from tests.wechaty_peer import SilentProxy, WechatyPeer, require_peer

TOKEN = "insecure_9d3c1a52-7e0b-4f55-9a1e-2b6f0c4d8e11"  # insecure_: the service's no-TLS mode
ROOM = "10696051737@chatroom"
BOT = "wxid_pingan_bot"
MONITOR = "wxid_mchu4aq9wwak2f"  # 沈斌, 班长 of 计科1班
CUI = "wxid_acnxx4azpzt28f"  # 崔鹏飞
LI = "wxid_far6587gyb2fzg"  # 李娜
XIE = "wxid_9ez9g3fnx64333"  # 谢超
WAIT_S = 20.0  # for the bot's answer on a busy 2-core machine; a hang fails, it never waits


@pytest.fixture
def node():
    return require_peer()


def make_peer(tmp_path: Path, port: int, ca_file: Path | None = None) -> WechatyPeer:
    names = {MONITOR: "沈斌", CUI: "崔鹏飞", LI: "李娜", XIE: "谢超"}
    return WechatyPeer(
        port=port,
        token=TOKEN,
        bot={"id": BOT, "name": "平安小助手"},
        contacts=[{"id": wxid, "name": name} for wxid, name in names.items()],
        rooms=[{"id": ROOM, "topic": "计科1班", "members": [BOT, *names]}],
        log_path=tmp_path / "peer.log",
        ca_file=ca_file,
    )


def config_for(tmp_path: Path, endpoint: str, **connection) -> Path:
    path = write_config(
        tmp_path,
        groups=[{"platform": "wechat", "chat": ROOM, "node": CLASS1, "purpose": "class"}],
        adapters={
            "wechaty": [{"token": TOKEN, "endpoint": endpoint, "rpc_timeout_s": 5, **connection}]
        },
    )
    text = path.read_text(encoding="utf-8")
    # a failed send is retried soon, not after the production 5 s doubling
    path.write_text(text + "outbox:\n  backoff_initial_s: 0.5\n", encoding="utf-8")
    return path


def rows(db, sql: str, *args) -> list[tuple]:
    return [tuple(r) for r in db.execute(sql, args).fetchall()]


async def connected(caplog, count: int) -> None:
    await until(lambda: caplog.text.count("wechaty: connected to") >= count, timeout=WAIT_S)


async def test_check_ins_commands_privacy_and_a_peer_restart(node, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    port = free_port()
    peer = make_peer(tmp_path, port)
    await peer.start()
    config = load_config(config_for(tmp_path, f"127.0.0.1:{port}"))
    stop = asyncio.Event()
    bot = asyncio.create_task(serve(config, stop, SystemClock(TZ)))
    db = open_db(config.db_path)
    try:
        await connected(caplog, 1)

        def reported() -> dict[str, int]:
            return dict(rows(db, "SELECT person_id, abnormal FROM reports"))

        await peer.say(CUI, ROOM, "崔鹏飞 36.6 正常 在校")
        await peer.say(LI, ROOM, "李娜 38.2 发热 在家")
        await until(lambda: len(reported()) == 2, timeout=WAIT_S)
        assert reported() == {"2021210102": 0, "2021210103": 1}

        # the monitor asks in the class group: counts and names, never health details
        await peer.say(MONITOR, ROOM, "/统计")
        await until(lambda: any("实报 2" in t for t in peer.said_to(ROOM)), timeout=WAIT_S)
        await peer.say(MONITOR, ROOM, "/未报")
        await until(lambda: any("谢超" in t for t in peer.said_to(ROOM)), timeout=WAIT_S)
        missing = next(t for t in peer.said_to(ROOM) if "谢超" in t)
        assert "沈斌" in missing and "崔鹏飞" not in missing and "李娜" not in missing
        # 李娜's fever is followed up privately, and nowhere in the room
        await until(lambda: peer.said_to(LI) != [], timeout=WAIT_S)
        assert any("38.2" in t for t in peer.said_to(LI))
        room_text = "\n".join(peer.said_to(ROOM))
        assert "38.2" not in room_text and "发热" not in room_text

        # every message the bot sent came back as a room message from itself: all ignored
        assert peer.said_to(ROOM) != []
        assert rows(db, "SELECT count(*) FROM raw_messages WHERE sender_id = ?", BOT) == [(0,)]

        # the service crashes; a notice queued meanwhile waits, and goes out once after
        await peer.kill()
        with db.atomic():
            enqueue(
                db,
                OutgoingMessage(
                    platform="wechat", chat_type="group", target=ROOM, text="今晚十点前请报平安"
                ),
                SystemClock(TZ).now(),
            )
        await asyncio.sleep(1)  # the adapter notices and retries against a closed port
        await peer.start()
        await connected(caplog, 2)
        await until(lambda: "今晚十点前请报平安" in peer.said_to(ROOM), timeout=WAIT_S)
        await peer.say(XIE, ROOM, "谢超 36.5 正常 在校")
        await until(lambda: len(reported()) == 3, timeout=WAIT_S)
        assert reported()["2021210105"] == 0
        assert peer.said_to(ROOM).count("今晚十点前请报平安") == 1
    finally:
        db.close()
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await peer.close()


async def test_a_silent_link_is_redialled_and_heard_again(node, tmp_path, caplog):
    """The link goes quiet without a FIN (a dead NAT entry): within the silence limit plus
    a third the adapter redials through a new connection, the notice that went into the
    void is sent again once, and a message posted after the redial is answered."""
    caplog.set_level(logging.INFO)
    port = free_port()
    peer = make_peer(tmp_path, port)
    await peer.start()
    proxy = SilentProxy(port)
    await proxy.start()
    config = load_config(
        config_for(tmp_path, f"127.0.0.1:{proxy.port}", silence_limit_s=3, rpc_timeout_s=2)
    )
    stop = asyncio.Event()
    bot = asyncio.create_task(serve(config, stop, SystemClock(TZ)))
    db = open_db(config.db_path)
    try:
        await connected(caplog, 1)
        await peer.say(CUI, ROOM, "崔鹏飞 36.6 正常 在校")
        await until(lambda: rows(db, "SELECT count(*) FROM reports") == [(1,)], timeout=WAIT_S)

        proxy.silence()
        with db.atomic():
            enqueue(
                db,
                OutgoingMessage(
                    platform="wechat", chat_type="group", target=ROOM, text="请大家今天按时报平安"
                ),
                SystemClock(TZ).now(),
            )
        # 3 s limit, checked each second: redialled well inside the 60 s the issue allows
        await until(lambda: proxy.connections >= 2, timeout=60)
        await connected(caplog, 2)
        assert "no event from the service" in caplog.text
        await until(lambda: "请大家今天按时报平安" in peer.said_to(ROOM), timeout=WAIT_S)

        await peer.say(MONITOR, ROOM, "/未报")
        await until(lambda: any("谢超" in t for t in peer.said_to(ROOM)), timeout=WAIT_S)
        assert peer.said_to(ROOM).count("请大家今天按时报平安") == 1
    finally:
        db.close()
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await proxy.close()
        await peer.close()


async def test_tls_with_the_services_own_certificate(node, tmp_path, caplog):
    """A gateway with TLS on (the default since 0.30): its built-in certificate for
    `insecure`, checked against the Wechaty CA, with the SNI taken from the token."""
    caplog.set_level(logging.INFO)
    port = free_port()
    ca = tmp_path / "wechaty-ca.pem"
    peer = make_peer(tmp_path, port, ca_file=ca)
    await peer.start()
    config = load_config(config_for(tmp_path, f"127.0.0.1:{port}", tls=True, tls_ca_cert=str(ca)))
    stop = asyncio.Event()
    bot = asyncio.create_task(serve(config, stop, SystemClock(TZ)))
    db = open_db(config.db_path)
    try:
        await connected(caplog, 1)
        await peer.say(CUI, ROOM, "崔鹏飞 36.6 正常 在校")
        await until(lambda: rows(db, "SELECT count(*) FROM reports") == [(1,)], timeout=WAIT_S)
    finally:
        db.close()
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await peer.close()


async def test_sigterm_stops_within_10s_even_with_a_frozen_service(node, tmp_path):
    """`pingan run` as a process: SIGTERM while the service answers nothing at all, with a
    send in flight (so the senders' grace is used up first), still ends it cleanly within
    the 10 s an init system gives."""
    port = free_port()
    peer = make_peer(tmp_path, port)
    await peer.start()
    proxy = SilentProxy(port)
    await proxy.start()
    path = config_for(tmp_path, f"127.0.0.1:{proxy.port}")
    log = tmp_path / "pingan.log"
    with log.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(path),
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stderr=stderr,
        )
    try:
        await until(lambda: "wechaty: connected to" in log.read_text("utf-8"), timeout=60)
        proxy.silence()  # frozen: neither the send nor the shutdown's Stop will be answered
        db = open_db(tmp_path / "pingan.db")
        try:
            with db.atomic():
                enqueue(
                    db,
                    OutgoingMessage(platform="wechat", chat_type="group", target=ROOM, text="通知"),
                    SystemClock(TZ).now(),
                )

            def attempted() -> bool:
                return rows(db, "SELECT attempts FROM outbox WHERE text = '通知'") == [(1,)]

            await until(attempted, timeout=WAIT_S)  # committed just before the request left
        finally:
            db.close()
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 10)
        elapsed = time.monotonic() - started
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await proxy.close()
        await peer.close()
    text = log.read_text("utf-8")
    assert code == 0, text
    assert elapsed < 10, text
    assert "stopped cleanly" in text
    assert "did not stop cleanly" not in text and "Traceback" not in text
