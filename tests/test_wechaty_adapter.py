"""The wechaty adapter end to end against a fake puppet service on loopback
(tests/wechaty_helpers.py): the fault cases the official service cannot be made to show.
The official service itself is in tests/test_wechaty_service.py."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.wechaty import WechatyAdapter
from bot.adapters.wechaty.settings import WechatyConnection
from bot.cli.run import serve
from core.clock import SystemClock
from core.config import load_config
from core.errors import DeliveryFailed
from core.messages import IncomingMessage, OutgoingMessage
from storage.bindings import Member, bind_members
from storage.db import open_db
from tests.onebot_peer import until
from tests.run_helpers import CLASS1, write_config
from tests.wechaty_helpers import (
    WAIT_S,
    WIRE_GROUP_NOTE,
    WIRE_IMAGE,
    FakePuppetService,
    Room,
    make_tls_files,
    server_tls_context,
)

TZ = ZoneInfo("Asia/Shanghai")
TOKEN = "insecure_2b6a7b9c-1111-4222-8333-444455556666"
ROOM = "10696051737@chatroom"
BOT = "wxid_bot"


class Inbox:
    """The core's message handler: records what arrives, lets a test wait for it."""

    def __init__(self) -> None:
        self.messages: list[IncomingMessage] = []
        self._arrived = asyncio.Condition()

    async def __call__(self, message: IncomingMessage) -> None:
        async with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()

    async def wait_for(self, count: int) -> list[IncomingMessage]:
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.messages) >= count), WAIT_S
            )
        return self.messages


@pytest.fixture
async def fake():
    service = FakePuppetService(TOKEN)
    service.contacts.update(
        {BOT: "平安小助手", "wxid_zs": "小张同学", "wxid_ls": "Lee", "wxid_ww": "王五"}
    )
    service.rooms[ROOM] = Room(
        "计科1班", {BOT: "", "wxid_zs": "计科1班-张三", "wxid_ls": "李四", "wxid_ww": ""}
    )
    await service.start()
    yield service
    await service.close()


def make_adapter(fake: FakePuppetService, inbox: Inbox, token: str = TOKEN) -> WechatyAdapter:
    return WechatyAdapter(
        WechatyConnection(token=token, endpoint=f"127.0.0.1:{fake.port}", rpc_timeout_s=3),
        inbox,
        tz=TZ,
        reconnect_initial_s=0.05,
        reconnect_max_s=0.2,
    )


@pytest.fixture
async def adapter(fake):
    inbox = Inbox()
    adapter = make_adapter(fake, inbox)
    adapter.inbox = inbox  # type: ignore[attr-defined]
    fake.login(BOT)
    await adapter.start()
    assert await adapter.wait_ready(WAIT_S)
    await fake.wait_until(lambda: adapter.self_id == BOT)
    yield adapter
    await adapter.stop()


async def test_room_message_arrives_as_incoming_message(fake, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    fake.post(
        "m-1001",
        talker="wxid_zs",
        room=ROOM,
        text="@平安小助手\u2005张三 36.5 正常 在校",
        mentions=[BOT],
        timestamp=1581292800,
    )
    [msg] = await adapter.inbox.wait_for(1)
    assert msg == IncomingMessage(
        platform="wechat",
        chat_type="group",
        chat_id=ROOM,
        sender_id="wxid_zs",
        display_name="计科1班-张三",  # the 群昵称 first
        text="张三 36.5 正常 在校",  # "@bot " removed: the message was addressed to us
        message_id="m-1001",
        time=datetime(2020, 2, 10, 8, 0, tzinfo=TZ),
        mentions=(BOT,),
        account=BOT,
    )
    assert msg.time.utcoffset().total_seconds() == 8 * 3600
    # the admin learns the room id with its name; nobody's temperature reaches the log
    assert f"messages from room {ROOM} (计科1班)" in caplog.text
    assert "36.5" not in caplog.text
    # nor the service token (hpack's DEBUG lines show headers; that is DEBUG's purpose)
    assert all(TOKEN not in r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)


async def test_display_name_falls_back_to_wechat_name_and_ms_timestamps(fake, adapter):
    fake.post("m-2", talker="wxid_ww", room=ROOM, text="王五 36.6", timestamp=1581292800123)
    [msg] = await adapter.inbox.wait_for(1)
    assert msg.display_name == "王五"
    assert msg.time == datetime(2020, 2, 10, 8, 0, 0, 123000, tzinfo=TZ)
    assert msg.text == "王五 36.6" and msg.mentions == ()


async def test_private_message_is_chat_with_the_sender(fake, adapter):
    fake.post("m-3", talker="wxid_ls", text="/我的记录")
    [msg] = await adapter.inbox.wait_for(1)
    assert (msg.chat_type, msg.chat_id, msg.sender_id) == ("private", "wxid_ls", "wxid_ls")
    assert msg.display_name == "Lee"
    fake.post("m-4", talker="wxid_stranger", text="你好，我是新同学")  # not a contact yet
    messages = await adapter.inbox.wait_for(2)
    assert (messages[1].display_name, messages[1].chat_id) == ("wxid_stranger", "wxid_stranger")


async def test_own_and_non_text_messages_are_skipped_in_order(fake, adapter):
    fake.post("m-own", talker=BOT, room=ROOM, text="请大家报平安")
    fake.post("m-img", talker="wxid_zs", room=ROOM, text="<msg><img/></msg>", wire_type=WIRE_IMAGE)
    fake.post("m-missing", talker="wxid_zs", room=ROOM, text="x")
    del fake.messages["m-missing"]  # the service lost it: logged, retried, dropped
    fake.post("m-ok", talker="wxid_ls", room=ROOM, text="李四 36.4")
    messages = await adapter.inbox.wait_for(1)
    await asyncio.sleep(0.2)
    assert [m.message_id for m in messages] == ["m-ok"]


async def test_handler_failure_does_not_stop_later_messages(fake):
    seen: list[str] = []

    async def flaky(message: IncomingMessage) -> None:
        seen.append(message.message_id)
        if message.message_id == "m-bad":
            raise RuntimeError("pipeline bug")

    adapter = make_adapter(fake, flaky)  # type: ignore[arg-type]
    await adapter.start()
    try:
        assert await adapter.wait_ready(WAIT_S)
        fake.post("m-bad", talker="wxid_zs", room=ROOM, text="a")
        fake.post("m-good", talker="wxid_zs", room=ROOM, text="b")
        async with asyncio.timeout(WAIT_S):
            while len(seen) < 2:
                await asyncio.sleep(0.02)
        assert seen == ["m-bad", "m-good"]
    finally:
        await adapter.stop()


SOLITAIRE_TITLE = (
    "#接龙\n11月28日平安报告 💪🏻\n例 张三 36.5 正常 在校\n\n"
    "1. 张三 36.4 正常 在校\n2. 李四 36.6 正常 在家\n3. 王五 36.5 正常 在校"
)


def solitaire_xml(sender: str, items: list[tuple[str, str]]) -> str:
    """A WeChat 接龙 appmsg as clients send it: ranges are UTF-16 (start-length)."""
    units = SOLITAIRE_TITLE.encode("utf-16-le")
    parts = []
    for wxid, entry in items:
        start = units.find(entry.encode("utf-16-le")) // 2
        length = len(entry.encode("utf-16-le")) // 2
        parts.append(
            f"<i><u>{wxid}</u><h>0</h><s>.</s><t>1606521600</t><r>{start}-{length}</r></i>"
        )
    info = (
        f"<solitaire><tt>0-30</tt><s>.</s><au>{sender}</au><content><s>{len(items)}</s>"
        + "".join(parts)
        + "</content></solitaire>"
    )
    return (
        f'{sender}:\n<?xml version="1.0"?>\n<msg><appmsg appid="" sdkver="0">'
        f"<title>{SOLITAIRE_TITLE}</title><des /><type>53</type>"
        f"<extinfo><solitaire_info><![CDATA[{info}]]></solitaire_info></extinfo>"
        f"</appmsg><fromusername>{sender}</fromusername></msg>"
    )


async def test_solitaire_appmsg_yields_list_text_and_line_authors(fake, adapter):
    xml = solitaire_xml(
        "wxid_ww",
        [
            ("wxid_zs", "张三 36.4 正常 在校"),
            ("wxid_ls", "李四 36.6 正常 在家"),
            ("wxid_ww", "王五 36.5 正常 在校"),
        ],
    )
    fake.post("m-chain", talker="wxid_ww", room=ROOM, text=xml, wire_type=WIRE_GROUP_NOTE)
    [msg] = await adapter.inbox.wait_for(1)
    assert msg.text == SOLITAIRE_TITLE
    assert msg.line_authors == {1: "wxid_zs", 2: "wxid_ls", 3: "wxid_ww"}
    assert msg.sender_id == "wxid_ww"


async def test_reply_with_mentions_reaches_service_with_mention_ids(fake, adapter):
    platform_id = await adapter.send(
        OutgoingMessage(
            platform="wechat",
            chat_type="group",
            target=ROOM,
            text="今天还没有报平安，请尽快报告。",
            mentions=("wxid_zs", "wxid_ww"),
        )
    )
    [sent] = fake.sent_texts
    assert platform_id == "sent-1"
    assert sent.conversation_id == ROOM
    assert list(sent.mentonal_ids) == ["wxid_zs", "wxid_ww"]
    # WeChat shows @ by 群昵称, falling back to the WeChat name; each ends with U+2005.
    assert sent.text == "@计科1班-张三\u2005@王五\u2005今天还没有报平安，请尽快报告。"


async def test_private_reminder_is_addressed_to_the_contact(fake, adapter, tmp_path):
    summary = tmp_path / "汇总.xlsx"
    summary.write_bytes(b"PK\x03\x04 fake workbook")
    await adapter.send(
        OutgoingMessage(
            platform="wechat",
            chat_type="private",
            target="wxid_ls",
            text="李四同学，今天的平安报告还没有填，请在14:00前回复。",
            mentions=("wxid_ls",),  # no @ in a private chat
            file_path=str(summary),
        )
    )
    [sent] = fake.sent_texts
    assert sent.conversation_id == "wxid_ls"
    assert list(sent.mentonal_ids) == []
    assert sent.text == "李四同学，今天的平安报告还没有填，请在14:00前回复。"
    [file] = fake.sent_files
    assert file.conversation_id == "wxid_ls"
    assert json.loads(file.filebox)["name"] == "汇总.xlsx"


async def test_member_list_gives_names_and_group_cards_for_binding(fake, adapter, db, clock):
    fake.rooms[ROOM].members.update({"wxid_z2": "张三", "wxid_x": "家长"})
    fake.contacts.update({"wxid_z2": "zhang", "wxid_x": "家长"})
    db.execute(
        "INSERT INTO nodes (id, path, name, kind, parent_id) VALUES "
        "(1, '计算机学院', '计算机学院', 'college', NULL),"
        "(2, '计算机学院/2021级', '2021级', 'grade', 1),"
        "(3, '计算机学院/2021级/计科1班', '计科1班', 'class', 2)"
    )
    stamp = clock.now().isoformat()
    for pid, name in [("2021001", "张三"), ("2021002", "李四"), ("2021003", "王五")]:
        db.execute(
            "INSERT INTO people (id, name, class_id, updated_at) VALUES (?, ?, 3, ?)",
            [pid, name, stamp],
        )
    db.conn.commit()

    listed = await adapter.member_list(ROOM)

    assert BOT not in {m.wxid for m in listed}
    assert {m.wxid: (m.room_alias, m.name) for m in listed}["wxid_zs"] == (
        "计科1班-张三",
        "小张同学",
    )
    members = [Member(m.wxid, (m.room_alias, m.name)) for m in listed]
    with db.atomic():
        result = bind_members(db, "wechat", ROOM, "计算机学院/2021级/计科1班", members, clock.now())
    accounts = dict(
        db.execute("SELECT account_id, person_id FROM accounts WHERE platform='wechat'")
    )
    assert accounts == {"wxid_ls": "2021002", "wxid_ww": "2021003"}
    reviews = db.execute(
        "SELECT account_id, reason, candidates FROM account_reviews ORDER BY account_id"
    ).fetchall()
    # two members both claim 张三: a counselor decides
    assert reviews == [
        ("wxid_z2", "contested", '["2021001"]'),
        ("wxid_zs", "contested", '["2021001"]'),
    ]
    assert result.unmatched == ["wxid_x"]


async def test_pingan_run_binds_wechat_groups_at_each_login(fake, tmp_path):
    """`pingan run` with a WeChat account: after login the configured class group's members
    are bound to the roster (examples/roster.csv); a later login picks up newcomers."""
    fake.contacts.update({"wxid_dpf": "Duan", "wxid_xc": "谢超", "wxid_p": "家长"})
    fake.rooms[ROOM] = Room(
        "计科1班",
        {
            BOT: "",
            "wxid_dpf": "21级-段鹏飞",  # no 微信 in the roster: bound from the list
            "wxid_p": "段鹏飞妈妈",  # a parent: nobody's name, left alone
        },
    )
    config = load_config(
        write_config(
            tmp_path,
            groups=[{"platform": "wechat", "chat": ROOM, "node": CLASS1, "purpose": "class"}],
            adapters={
                "wechaty": [
                    {"token": TOKEN, "endpoint": f"127.0.0.1:{fake.port}", "rpc_timeout_s": 3}
                ]
            },
        )
    )
    stop = asyncio.Event()
    fake.login(BOT)
    bot = asyncio.create_task(serve(config, stop, SystemClock(TZ)))
    db = open_db(config.db_path)
    try:

        def member_list_accounts() -> dict[str, str]:
            return dict(
                db.execute(
                    "SELECT account_id, person_id FROM accounts WHERE source = 'member_list'"
                )
            )

        await until(lambda: member_list_accounts() == {"wxid_dpf": "2021210104"})
        # 谢超 (whose roster 微信 is another wxid) joins with a second account
        fake.rooms[ROOM].members["wxid_xc"] = "谢超"
        fake.login(BOT)  # WeChat logs the account in again (a restart of the service)
        await until(
            lambda: (
                db.execute(
                    "SELECT reason FROM account_reviews WHERE account_id = 'wxid_xc'"
                ).fetchall()
                == [("conflict",)]
            )
        )
        assert member_list_accounts() == {"wxid_dpf": "2021210104"}
    finally:
        db.close()
        stop.set()
        assert await asyncio.wait_for(bot, WAIT_S) == 0


async def test_send_without_connection_is_not_confirmed(fake):
    adapter = make_adapter(fake, Inbox())
    with pytest.raises(DeliveryFailed, match="not connected"):
        await adapter.send(
            OutgoingMessage(platform="wechat", chat_type="group", target=ROOM, text="hi")
        )


async def test_disconnect_is_survived_with_reconnect(fake, adapter):
    await fake.disconnect()
    async with asyncio.timeout(WAIT_S):
        while adapter.connected:
            await asyncio.sleep(0.01)
    with pytest.raises(DeliveryFailed):
        await adapter.send(
            OutgoingMessage(platform="wechat", chat_type="group", target=ROOM, text="hi")
        )
    await asyncio.sleep(0.5)  # several failed attempts while the service is down
    await fake.start()
    assert await adapter.wait_ready(WAIT_S)
    assert adapter.connects == 2
    await fake.wait_until(lambda: adapter.self_id == BOT)
    fake.post("m-after", talker="wxid_zs", room=ROOM, text="张三 36.5")
    [msg] = await adapter.inbox.wait_for(1)
    assert msg.message_id == "m-after"
    await adapter.send(
        OutgoingMessage(platform="wechat", chat_type="group", target=ROOM, text="收到")
    )
    assert [s.text for s in fake.sent_texts] == ["收到"]


async def test_wrong_token_is_refused_and_retried_without_crash(fake):
    adapter = make_adapter(fake, Inbox(), token="insecure_wrong")
    await adapter.start()
    try:
        assert not await adapter.wait_ready(0.6)
        assert fake.refused >= 2  # retried with backoff, still refused
        assert all(not t.done() for t in adapter._tasks)  # nothing crashed
    finally:
        await adapter.stop()


async def test_tls_with_the_gateway_ca_and_the_token_sni(tmp_path):
    pytest.importorskip("cryptography")
    ca, cert, key = make_tls_files(tmp_path, "insecure")  # gateways name the cert by SNI
    service = FakePuppetService(TOKEN, ssl=server_tls_context(cert, key))
    service.contacts["wxid_zs"] = "小张同学"
    service.rooms[ROOM] = Room("计科1班", {"wxid_zs": "张三"})
    await service.start()
    inbox = Inbox()
    connection = WechatyConnection(
        token=TOKEN, endpoint=f"127.0.0.1:{service.port}", tls=True, tls_ca_cert=str(ca)
    )
    adapter = WechatyAdapter(connection, inbox, tz=TZ, reconnect_initial_s=0.05)
    try:
        await adapter.start()
        assert await adapter.wait_ready(WAIT_S)
        service.post("m-tls", talker="wxid_zs", room=ROOM, text="张三 36.5")
        [msg] = await inbox.wait_for(1)
        assert msg.display_name == "张三"
    finally:
        await adapter.stop()
        await service.close()


async def test_tls_refuses_a_service_with_an_unknown_certificate(tmp_path):
    pytest.importorskip("cryptography")
    _, cert, key = make_tls_files(tmp_path, "insecure")
    other = tmp_path / "other"
    other.mkdir()
    other_ca, _, _ = make_tls_files(other, "insecure")  # right name, wrong CA
    service = FakePuppetService(TOKEN, ssl=server_tls_context(cert, key))
    await service.start()
    connection = WechatyConnection(
        token=TOKEN, endpoint=f"127.0.0.1:{service.port}", tls=True, tls_ca_cert=str(other_ca)
    )
    adapter = WechatyAdapter(connection, Inbox(), tz=TZ, reconnect_initial_s=0.05)
    try:
        await adapter.start()
        assert not await adapter.wait_ready(0.5)
        assert "Start" not in service.calls  # nothing, not even the token, was sent
    finally:
        await adapter.stop()
        await service.close()


async def test_a_deaf_stream_is_noticed_by_its_missing_dong_and_redialled(fake):
    """The service answers every call but its stream carries nothing (what the official
    service does when a stale stream's end handler drops the new one): no Dong comes back
    for a Ding, so the adapter redials, and the new stream hears again."""
    inbox = Inbox()
    connection = WechatyConnection(
        token=TOKEN, endpoint=f"127.0.0.1:{fake.port}", rpc_timeout_s=3, silence_limit_s=0.6
    )
    adapter = WechatyAdapter(connection, inbox, tz=TZ, reconnect_initial_s=0.05)
    fake.login(BOT)
    await adapter.start()
    try:
        assert await adapter.wait_ready(WAIT_S)
        assert adapter.connected and adapter.last_seen is not None
        await fake.wait_until(lambda: "Ding" in fake.calls)  # and Dongs keep it alive
        await asyncio.sleep(1.0)  # longer than the limit: the Dongs count as life
        assert adapter.connects == 1
        heard_last = adapter.last_seen
        fake.deafen()
        await fake.wait_until(lambda: adapter.connects == 2 and adapter.connected)
        assert adapter.last_seen > heard_last
        fake.post("m-heard", talker="wxid_zs", room=ROOM, text="张三 36.5")
        [msg] = await inbox.wait_for(1)
        assert msg.message_id == "m-heard"
    finally:
        await adapter.stop()
