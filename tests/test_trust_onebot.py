"""Issue 12 over QQ: the assembled bot (`pingan run`) with a OneBot v11 peer on loopback,
the sample roster and a real SQLite file. A member whose group card reads the counselor's
name, and a stranger who types /绑定 with the admin's 工号, get no role, no alert and no
data; the card-holder's "healthy" 代报 does not replace a classmate's fever."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime

from bot.cli.run import serve
from core.config import load_config
from storage.db import open_db
from tests.conftest import TZ
from tests.onebot_peer import OneBotPeer, text, until
from tests.run_helpers import CLASS1, free_port, write_config
from tests.test_run import TickingClock

TOKEN = "trust-token"
CLASS_GROUP = 700001
FAKE = 66666  # group card 周建国
STRANGER = 88888
CUI = 2099200777  # 崔鹏飞's QQ in the roster
ZHOU = 2125031266  # 周建国 (辅导员 of 2021级), the roster's QQ
ADMIN = 1033160119  # 黄海涛 (管理员)


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


async def test_a_counselors_card_and_an_admins_id_give_nothing_over_qq(tmp_path):
    port = free_port()
    config = load_config(
        write_config(
            tmp_path,
            groups=[
                {"platform": "qq", "chat": str(CLASS_GROUP), "node": CLASS1, "purpose": "class"}
            ],
            adapters={"onebot": [{"mode": "reverse_ws", "port": port, "access_token": TOKEN}]},
        )
    )
    stop = asyncio.Event()
    bot = asyncio.create_task(
        serve(config, stop, TickingClock(datetime(2020, 2, 10, 8, 30, tzinfo=TZ)))
    )
    peer = OneBotPeer(
        access_token=TOKEN,
        members={
            CLASS_GROUP: [
                {"user_id": FAKE, "card": "周建国", "nickname": "zjg"},
                {"user_id": CUI, "card": "崔鹏飞", "nickname": ""},
            ]
        },
    )

    def private_to(user: int) -> list[str]:
        return [
            d.text for d in peer.delivered if d.action == "send_private_msg" and d.target == user
        ]

    def group_texts() -> list[str]:
        return [d.text for d in peer.delivered if d.action == "send_group_msg"]

    try:
        await until(lambda: _accepts(port), timeout=30)
        await peer.connect(f"ws://127.0.0.1:{port}/onebot/v11/ws")
        db = open_db(config.db_path)
        try:
            # On connect the card matches the counselor, who has her roster QQ already: no
            # binding at all, a review, and the admin is told.
            await until(lambda: any("周建国" in t for t in private_to(ADMIN)), 10)
            assert db.execute(
                "SELECT count(*) FROM accounts WHERE account_id = ?", [str(FAKE)]
            ).fetchone() == (0,)
            (asked,) = private_to(ADMIN)
            assert asked.startswith(
                f"QQ群 {CLASS_GROUP} 里的账号 {FAKE}「周建国」的群名片/昵称与辅导员"
            )
            assert "没有任何权限" in asked
            for command in ("/异常", "/统计", "/补报 2021210102 36.5 正常"):
                await peer.push(peer.private_message(FAKE, [text(command)], nickname="zjg"))
            await until(lambda: len(private_to(FAKE)) == 3, 10)
            assert set(private_to(FAKE)) == {"请先绑定身份：/绑定 学号 姓名"}
            # 崔鹏飞 reports a fever: the alert goes to the real counselor only.
            await peer.push(
                peer.group_message(CLASS_GROUP, CUI, [text("崔鹏飞 38.6 发烧")], card="崔鹏飞")
            )
            await until(lambda: any(t.startswith("【异常】") for t in private_to(ZHOU)), 10)
            # The card-holder posts him healthy: kept aside, the counselor told.
            await peer.push(
                peer.group_message(
                    CLASS_GROUP, FAKE, [text("崔鹏飞 36.5 正常 在校")], card="周建国"
                )
            )
            await until(lambda: any("【代报未采用】" in t for t in private_to(ZHOU)), 10)
            note = next(t for t in private_to(ZHOU) if "【代报未采用】" in t)
            assert f"未确认账号「周建国」（QQ {FAKE}）代报「正常」" in note
            assert any("崔鹏飞今天已由本人报告，代报未采用" in t for t in group_texts())
            row = db.execute(
                "SELECT temperature, abnormal, author FROM reports WHERE person_id = '2021210102'"
            ).fetchone()
            assert row == (38.6, 1, "self")
            # /绑定 with the admin's 工号 from an unknown account: refused, and still nobody.
            await peer.push(peer.private_message(STRANGER, [text("/绑定 T9001 黄海涛")]))
            await until(lambda: len(private_to(STRANGER)) == 1, 10)
            await peer.push(peer.private_message(STRANGER, [text("/统计")]))
            await until(lambda: len(private_to(STRANGER)) == 2, 10)
            assert private_to(STRANGER) == [
                "班干部和老师的账号按花名册绑定，或由管理员确认，不能用 /绑定。",
                "请先绑定身份：/绑定 学号 姓名",
            ]
            # Nothing with health data ever went to either impostor or into the group.
            for t in private_to(FAKE) + private_to(STRANGER) + group_texts():
                assert "38.6" not in t and "发烧" not in t, t
        finally:
            db.close()
    finally:
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await peer.close()
