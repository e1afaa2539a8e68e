"""An account that stays down is reported to the admins by another route; the webhook robots
carry alerts and counselor summaries, signed as their docs require (tests/webhook_robots.py)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from bot.adapters.onebot import OneBotAdapter
from bot.adapters.onebot.settings import OneBotConnection
from bot.ops.accounts import AccountBoard
from bot.ops.alerts import AccountWatch
from bot.outbox.sender import OutboxSender
from bot.webhooks import WebhookTransport
from bot.webhooks.robots import pieces
from core.config import Config
from core.errors import ConfigError
from core.messages import OutgoingMessage
from schedules import Deps, build_scheduler
from tests.onebot_peer import OneBotPeer, until
from tests.schedules_helpers import GRADE, add_chat, add_report, at, outbox, small_school
from tests.webhook_robots import Robots

DING_SECRET = "SEC0f3c8a0d9b6e4d7f"
FEISHU_SECRET = "feishu-sign-secret"


class WeChatStandIn:
    """What the WeChat adapter shows the operator (platform, account, connected, last_seen):
    WeChat's servers cannot run here, and the watch reads nothing else."""

    platform = "wechat"
    account = "wxid_pingan"
    connected = True
    last_seen = None


async def _noop(_message) -> None:
    return None


def _config(robots: Robots, *, ding_secret: str = DING_SECRET, groups=()) -> Config:
    urls = robots.urls()
    return Config.model_validate(
        {
            "groups": [
                {"platform": "wechat", "chat": "admins@chatroom", "node": "计算机学院",
                 "purpose": "admin"},
                {"platform": "qq", "chat": "700777", "node": "计算机学院", "purpose": "admin"},
                *groups,
            ],
            "ops": {
                "alert_after_s": 300,
                "webhooks": [
                    {"name": "学工值班企微", "kind": "wecom", "url": urls["wecom"]},
                    {"name": "学工值班钉钉", "kind": "dingtalk", "url": urls["dingtalk"],
                     "secret": ding_secret},
                    {"name": "学工值班飞书", "kind": "feishu", "url": urls["feishu"],
                     "secret": FEISHU_SECRET},
                ],
            },
        }
    )  # fmt: skip


@pytest.fixture
async def robots():
    fakes = Robots(dingtalk_secret=DING_SECRET, feishu_secret=FEISHU_SECRET)
    await fakes.start()
    yield fakes
    await fakes.close()


async def test_an_account_down_past_the_limit_is_reported_once_by_every_other_route(
    db, clock, robots
):
    config = _config(robots)
    link = OneBotConnection(mode="reverse_ws", port=0, self_id="10000")
    adapter = OneBotAdapter([link], on_message=_noop)
    await adapter.start()
    board = AccountBoard()
    board.add_source(adapter.states)
    board.watch(WeChatStandIn())
    watch = AccountWatch(db, config, clock, board)
    peer = OneBotPeer()
    url = f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws"
    robots_out = WebhookTransport(config.ops.webhooks)
    try:
        assert watch.check() == 0  # never connected yet: down from now on
        await peer.connect(url)
        await until(lambda: adapter.accounts.get("10000") and adapter.accounts["10000"].connected)
        clock.advance(timedelta(minutes=10))
        assert watch.check() == 0  # it came in time

        await peer.disconnect()
        await until(lambda: not adapter.accounts["10000"].connected)
        assert watch.check() == 0
        clock.advance(timedelta(seconds=299))
        assert watch.check() == 0  # not yet
        clock.advance(timedelta(seconds=2))
        assert watch.check() == 4
        assert watch.check() == 0  # once per outage
        rows = outbox(db)
        assert sorted((r["platform"], r["target"]) for r in rows) == [
            ("webhook", "学工值班企微"),
            ("webhook", "学工值班钉钉"),
            ("webhook", "学工值班飞书"),
            ("wechat", "admins@chatroom"),  # the QQ admin group cannot hear it: QQ is down
        ]
        text = rows[0]["text"]
        assert "QQ 账号 10000 已断开约 5 分钟" in text and "NapCat" in text

        sender = OutboxSender(db, robots_out, config.outbox, clock, unassigned=True)
        assert await sender.drain() == 3
        assert robots.refused == []
        assert robots.posted == {"wecom": [text], "dingtalk": [text], "feishu": [text]}

        await peer.connect(url)
        await until(lambda: adapter.accounts["10000"].connected)
        clock.advance(timedelta(minutes=1))
        assert watch.check() == 5  # QQ is back: its own admin group hears it too
        back = [r for r in outbox(db) if "已恢复连接" in r["text"]]
        assert {r["target"] for r in back} >= {"700777", "admins@chatroom"}
        assert "中断约 6 分钟" in back[0]["text"]
    finally:
        await robots_out.close()
        await peer.close()
        await adapter.stop()


async def test_a_wrong_secret_is_refused_by_the_robot_and_the_message_kept(db, clock, robots):
    config = _config(robots, ding_secret="SECnot-the-right-one")
    board = AccountBoard()
    board.watch(type("QQ", (), {"platform": "qq", "account": "10000", "connected": False})())
    watch = AccountWatch(db, config, clock, board)
    watch.check()
    clock.advance(timedelta(minutes=6))
    assert watch.check() == 3  # no admin group on a connected platform: the robots only
    robots_out = WebhookTransport(config.ops.webhooks)
    try:
        sender = OutboxSender(db, robots_out, config.outbox, clock, unassigned=True)
        assert await sender.drain() == 2
    finally:
        await robots_out.close()
    assert [kind for kind, _ in robots.refused] == ["dingtalk"]
    assert robots.refused[0][1]["errcode"] == 310000
    row = db.execute(
        "SELECT status, last_error FROM outbox WHERE target = '学工值班钉钉'"
    ).fetchone()
    assert row[0] == "pending" and "errcode 310000" in row[1]


async def test_a_counselor_group_with_only_a_robot_gets_the_nightly_summary(
    db, clock, robots, tmp_path
):
    """The grade's counselors read WeCom; the summary they get there is the one their QQ
    group gets (a counselor group may see details), and nothing meant for a class."""
    small_school(db)
    add_chat(db, "webhook", "学工值班企微", GRADE, "counselor")
    add_report(db, "s2", "2020-02-10", temperature=37.8, abnormal=True, symptoms=("咳嗽",))
    config = _config(robots)
    config = config.model_copy(
        update={"checkin": config.checkin.model_copy(update={"charts": False})}
    )
    scheduler = build_scheduler(Deps(db, config, clock, tmp_path / "charts"), manual=True)
    scheduler.start()
    try:
        await scheduler.run_until(at("21:00"))
    finally:
        scheduler.shutdown(wait=False)
    rows = outbox(db)
    robot = [r["text"] for r in rows if r["platform"] == "webhook"]
    qq = [r["text"] for r in rows if r["target"] == "700900"]
    assert robot == qq and len(robot) == 3  # each class and the grade
    assert all(t.startswith("【平安报告日报】") for t in robot)
    robots_out = WebhookTransport(config.ops.webhooks)
    try:

        async def wait(seconds: float) -> None:  # the pace between two posts, on the clock
            clock.advance(timedelta(seconds=seconds))

        sender = OutboxSender(db, robots_out, config.outbox, clock, unassigned=True, sleep=wait)
        assert await sender.drain() == 3
    finally:
        await robots_out.close()
    assert robots.posted["wecom"] == robot


async def test_a_chart_goes_to_a_wecom_robot_and_is_left_out_elsewhere(db, clock, robots, tmp_path):
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    config = _config(robots)
    robots_out = WebhookTransport(config.ops.webhooks)
    try:
        for name in ("学工值班企微", "学工值班飞书"):
            summary = OutgoingMessage(
                platform="webhook", chat_type="group", target=name, text="【平安报告日报】…",
                image_path=str(chart),
            )  # fmt: skip
            await robots_out.send(summary)
    finally:
        await robots_out.close()
    md5 = hashlib.md5(chart.read_bytes()).hexdigest()
    assert robots.posted["wecom"] == ["【平安报告日报】…", f"[image {md5}]"]
    assert robots.posted["feishu"] == ["【平安报告日报】…"]
    assert robots.refused == []


def test_long_texts_are_split_at_line_ends_within_the_robot_limit():
    text = "\n".join(f"· 第{i}行 计科{i % 9}班 实报 29/应报 30" for i in range(200))
    parts = pieces("wecom", text)
    assert len(parts) > 1 and all(len(p.encode()) <= 2048 for p in parts)
    assert "\n".join(parts) == text
    assert pieces("feishu", "短") == ["短"]


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([{"platform": "webhook", "chat": "学工值班企微", "node": "计算机学院/2021级/计科1班",
           "purpose": "class"}], "send-only"),
        ([{"platform": "webhook", "chat": "nobody", "node": "计算机学院", "purpose": "counselor"}],
         "not in ops.webhooks"),
    ],
)  # fmt: skip
def test_webhook_groups_are_checked_at_load(tmp_path, groups, expected):
    import yaml

    from core.config import load_config

    path = tmp_path / "config.yaml"
    webhooks = [{"name": "学工值班企微", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/x"}]
    path.write_text(
        yaml.safe_dump({"groups": groups, "ops": {"webhooks": webhooks}}, allow_unicode=True),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=expected):
        load_config(path)
