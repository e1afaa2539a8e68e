"""Two assembled apps (bot/assemble.py) with one cluster config and one SQLite file.

The first to start drives the QQ account (a forward WebSocket to a OneBot peer) and the
webhook robots (a loopback WeCom robot); the second stays a standby that shows no account
on its board (so it raises no account-down alert); a clean stop of the first hands both over
at the standby's next look, and each message goes out once, from whoever holds the lease.
"""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.assemble import build_app
from core.clock import SystemClock
from core.config import load_config
from core.messages import OutgoingMessage
from storage import leases
from storage.outbox import enqueue
from tests import run_helpers
from tests.onebot_peer import OneBotPeer, until
from tests.webhook_robots import Robots


def write_config(tmp_path: Path, peer_port: int, robot_url: str) -> Path:
    webhooks = [{"name": "值班", "kind": "wecom", "url": robot_url}]
    return run_helpers.cluster_config(
        tmp_path, peer_port, lease_s=1.0, renew_s=0.2, poll_s=0.1,
        extra={"ops": {"webhooks": webhooks}},
    )  # fmt: skip


def held_by(app: App) -> list[str]:
    now = app.clock.now()
    return [
        lease.account
        for lease in leases.leases(app.db)
        if lease.expires_at > now and app.claims is not None and lease.holder == app.claims.holder
    ]


def queue(app: App, platform: str, target: str, text: str) -> None:
    with app.db.atomic():
        enqueue(
            app.db,
            OutgoingMessage(platform=platform, chat_type="group", target=target, text=text),
            SystemClock().now(),
        )


async def test_one_app_drives_the_accounts_the_other_takes_over_on_a_clean_stop(tmp_path):
    peer, robots = OneBotPeer(self_id=10000), Robots()
    await robots.start()
    config = load_config(write_config(tmp_path, await peer.serve(), robots.urls()["wecom"]))
    first = build_app(config)
    second: App | None = None
    try:
        assert "OneBot (QQ)" not in [c.name for c in first.components]  # on its lease only
        await first.start()
        await until(lambda: held_by(first) == ["qq:10000", "webhook:"], timeout=10)
        second = build_app(config)
        await second.start()
        await until(lambda: ("qq", "10000") in first.senders, timeout=10)
        queue(first, "qq", "700001", "第一条")
        queue(first, "webhook", "值班", "值班提醒一")
        await until(lambda: "第一条" in texts(peer) and "值班提醒一" in robots.posted["wecom"])
        assert held_by(second) == [] and second.senders == {}
        assert second.board.states() == []  # a standby reports no account as down
        assert [(s.platform, s.account) for s in first.board.states()] == [("qq", "10000")]

        await first.stop()
        await until(lambda: held_by(second) == ["qq:10000", "webhook:"], timeout=10)
        queue(second, "qq", "700001", "第二条")
        queue(second, "webhook", "值班", "值班提醒二")
        await until(lambda: "第二条" in texts(peer) and "值班提醒二" in robots.posted["wecom"])
        assert texts(peer) == ["第一条", "第二条"]
        assert robots.posted["wecom"] == ["值班提醒一", "值班提醒二"]
    finally:
        await run_helpers.stop_apps(first, second)
        await peer.close()
        await robots.close()


def texts(peer: OneBotPeer) -> list[str]:
    return [d.text.strip() for d in peer.delivered]


async def test_a_wechat_account_moves_to_the_standby_on_a_clean_stop(tmp_path):
    """The same with a WeChat account behind the official puppet service (tests/wechaty-peer);
    skipped where that peer is not installed (`npm ci` in tests/wechaty-peer)."""
    from tests.test_wechaty_service import BOT, ROOM, TOKEN, make_peer
    from tests.wechaty_peer import require_peer

    require_peer()
    port = run_helpers.free_port()
    peer = make_peer(tmp_path, port)
    await peer.start()
    path = run_helpers.write_config(
        tmp_path,
        groups=[],
        adapters={
            "wechaty": [
                {
                    "token": TOKEN,
                    "endpoint": f"127.0.0.1:{port}",
                    "account": BOT,
                    "rpc_timeout_s": 5,
                }
            ]
        },
    )
    text = path.read_text(encoding="utf-8")
    text += "cluster: {enabled: true, lease_s: 1.0, renew_s: 0.2}\n"
    path.write_text(text + "outbox: {poll_s: 0.1}\n", encoding="utf-8")
    config = load_config(path)
    first = build_app(config)
    second: App | None = None
    try:
        await first.start()
        await until(lambda: held_by(first) == [f"wechat:{BOT}"], timeout=20)
        second = build_app(config)
        await second.start()
        queue(first, "wechat", ROOM, "微信第一条")
        await until(lambda: "微信第一条" in peer.said_to(ROOM), timeout=20)
        assert second.board.states() == []

        await first.stop()
        await until(lambda: held_by(second) == [f"wechat:{BOT}"], timeout=10)
        queue(second, "wechat", ROOM, "微信第二条")
        await until(lambda: "微信第二条" in peer.said_to(ROOM), timeout=20)
        assert peer.said_to(ROOM) == ["微信第一条", "微信第二条"]
    finally:
        await run_helpers.stop_apps(first, second)
        await peer.close()
