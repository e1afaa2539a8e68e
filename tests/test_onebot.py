"""The OneBot v11 adapter against a spec-written implementation on loopback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.onebot import OneBotAdapter
from bot.adapters.onebot.adapter import to_incoming
from bot.adapters.onebot.event import MalformedFrame, MessageEvent, decode, parse_json
from bot.adapters.onebot.exception import ActionFailed
from bot.adapters.onebot.message import escape, parse_cq, unescape
from bot.adapters.onebot.settings import OneBotConnection
from core.messages import IncomingMessage, OutgoingMessage
from tests.onebot_peer import OneBotPeer, at, text, until

TOKEN = "s3cret-token"
EVENTS = Path(__file__).with_name("onebot_events.json")


class Core:
    """Stands in for the message pipeline: records what reaches the core."""

    def __init__(self) -> None:
        self.messages: list[IncomingMessage] = []

    async def __call__(self, message: IncomingMessage) -> None:
        self.messages.append(message)


@pytest.fixture
async def reverse():
    """A running adapter with one reverse WS server on a free port, and a core."""
    core = Core()
    config = OneBotConnection(
        mode="reverse_ws", port=0, access_token=TOKEN, max_frame_bytes=64 * 1024
    )
    adapter = OneBotAdapter([config], on_message=core)
    await adapter.start()
    url = f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws"
    peers: list[OneBotPeer] = []

    def make_peer(**kwargs) -> OneBotPeer:
        peer = OneBotPeer(access_token=TOKEN, **kwargs)
        peers.append(peer)
        return peer

    yield adapter, core, url, make_peer
    for peer in peers:
        await peer.close()
    await asyncio.wait_for(adapter.stop(), 5)


# -- decoding -------------------------------------------------------------------------------


def test_recorded_payloads_decode_to_their_models():
    cases = json.loads(EVENTS.read_text(encoding="utf-8"))
    assert len(cases) >= 8
    for case in cases:
        frame = decode(case["frame"])
        model = type(frame).__name__ if frame is not None else None
        assert model == case["model"], case["name"]
        if "incoming" in case:
            got = to_incoming(frame, ZoneInfo("Asia/Shanghai"))
            for key, value in case["incoming"].items():
                actual = getattr(got, key)
                assert (list(actual) if isinstance(actual, tuple) else actual) == value, (
                    case["name"],
                    key,
                )


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        '"just a string"',
        '{"post_type": "message", "message_type": "group"}',
        '{"post_type": "message", "message_type": "group", "time": 1, "self_id": 1, '
        '"message_id": 1, "user_id": 2, "group_id": 3, "message": 42}',
        '{"post_type": 7}',
        '{"post_type": "message", "message_type": "private", "time": 100000000000000000000, '
        '"self_id": 1, "message_id": 1, "user_id": 2, "message": "x"}',
        "[" * 100_000,
    ],
)
def test_malformed_frames_raise_one_error_type(raw):
    with pytest.raises(MalformedFrame):
        decode(parse_json(raw))


def test_cq_codes_unescape_text_and_params():
    segs = parse_cq("[CQ:at,qq=10001] &#91;接龙&#93; 张三&amp;李四 [CQ:image,file=a&#44;b.jpg]")
    assert [s.type for s in segs] == ["at", "text", "image"]
    assert segs[0].data == {"qq": "10001"}
    assert segs[1].text == " [接龙] 张三&李四 "
    assert segs[2].data == {"file": "a,b.jpg"}
    assert unescape(escape("a[b]&c,d", in_param=True), in_param=True) == "a[b]&c,d"
    assert unescape("&amp;#91;") == "&#91;"  # an escaped escape stays literal


# -- connections and events -----------------------------------------------------------------


@pytest.mark.parametrize("message_format", ["array", "string"])
async def test_reverse_ws_group_message_reaches_core_in_both_formats(reverse, message_format):
    _adapter, core, url, make_peer = reverse
    peer = make_peer(message_format=message_format)
    await peer.connect(url)
    await peer.push(
        peer.group_message(
            700001,
            20001,
            [at(10000), text(" 张三 36.5 正常 [在校], 已到&返校")],
            card="计科1班 张三",
            nickname="zs",
            message_id=555,
        )
    )
    await until(lambda: core.messages)
    msg = core.messages[0]
    assert (msg.platform, msg.chat_type, msg.chat_id) == ("qq", "group", "700001")
    assert (msg.sender_id, msg.display_name, msg.account) == ("20001", "计科1班 张三", "10000")
    assert msg.text == "张三 36.5 正常 [在校], 已到&返校"
    assert msg.mentions == ("10000",)
    assert msg.message_id == "555"
    assert msg.time.tzinfo is not None


async def test_display_name_falls_back_to_nickname_and_private_messages_work(reverse):
    _adapter, core, url, make_peer = reverse
    peer = make_peer()
    await peer.connect(url)
    await peer.push(
        peer.group_message(700001, 20002, [text("李四 正常")], card=None, nickname="小李")
    )
    await peer.push(peer.private_message(20003, [text("/帮助")], nickname="王五"))
    await until(lambda: len(core.messages) == 2)
    group, private = core.messages
    assert group.display_name == "小李"
    assert (private.chat_type, private.chat_id, private.display_name) == (
        "private",
        "20003",
        "王五",
    )


@pytest.mark.parametrize(
    ("headers_token", "query"),
    [(None, ""), ("wrong-token", ""), ("", "?access_token=wrong")],
)
async def test_missing_or_wrong_token_is_refused_with_401(reverse, headers_token, query):
    adapter, _core, url, make_peer = reverse
    peer = make_peer()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await peer.connect(url, token=headers_token or "", query=query)
    assert refused.value.status == 401
    assert adapter.accounts == {}


async def test_token_in_query_string_is_accepted(reverse):
    _adapter, core, url, make_peer = reverse
    peer = make_peer()
    await peer.connect(url, token="", query=f"?access_token={TOKEN}")
    await peer.push(peer.private_message(20003, [text("hi")]))
    await until(lambda: core.messages)


async def test_api_and_event_pair(reverse):
    adapter, core, url, make_peer = reverse
    peer = make_peer()
    event_ws = await peer.connect(url, role="Event")
    await until(lambda: "10000" in adapter.accounts)
    assert not adapter.accounts["10000"].connected  # events only: cannot send yet
    await peer.connect(url + "/api", role="API")
    account = adapter.accounts["10000"]
    await until(lambda: account.connected)
    await event_ws.send_json(peer.group_message(700001, 20001, [text("张三 正常")]))
    await until(lambda: core.messages)
    sent = await account.send(
        OutgoingMessage(platform="qq", chat_type="group", target="700001", text="收到")
    )
    assert sent == str(peer.delivered[0].message_id)


async def test_reply_carries_at_segments_and_returns_message_id(reverse):
    adapter, _core, url, make_peer = reverse
    peer = make_peer()
    await peer.connect(url)
    await until(lambda: "10000" in adapter.accounts and adapter.accounts["10000"].connected)
    account = adapter.accounts["10000"]
    message_id = await account.send(
        OutgoingMessage(
            platform="qq",
            chat_type="group",
            target="700001",
            text="请尽快报平安",
            mentions=("20001", "20002"),
        )
    )
    (delivered,) = peer.delivered
    assert delivered.action == "send_group_msg" and delivered.target == 700001
    assert delivered.mentions == ["20001", "20002"]
    assert delivered.message[0] == {"type": "at", "data": {"qq": "20001"}}
    assert delivered.text.strip() == "请尽快报平安"
    assert message_id == str(delivered.message_id)
    await account.send(
        OutgoingMessage(platform="qq", chat_type="private", target="20001", text="你今天还没报")
    )
    assert peer.delivered[1].action == "send_private_msg" and peer.delivered[1].target == 20001


async def test_bad_frames_and_unknown_actions_do_not_crash(reverse):
    adapter, core, url, make_peer = reverse
    peer = make_peer()
    await peer.connect(url)
    for frame in [
        "not json",
        "[]",
        b"\x00\xff binary",
        {"post_type": "message", "message_type": "group"},  # missing fields
        {"post_type": "notice", "notice_type": "group_increase"},  # unknown kind: ignored
        {"post_type": "message_sent", "message_type": "group"},
        {"status": "ok", "retcode": 0, "data": None, "echo": "never-sent"},
    ]:
        await peer.push(frame)
    account = adapter.accounts["10000"]
    with pytest.raises(ActionFailed) as failed:
        await account.call("no_such_action")
    assert failed.value.retcode == 1404 and "not supported" in str(failed.value)
    await peer.push(peer.group_message(700001, 20001, [text("still alive")]))
    await until(lambda: [m.text for m in core.messages] == ["still alive"])


async def test_huge_frame_closes_only_that_connection(reverse):
    _adapter, core, url, make_peer = reverse
    peer = make_peer()
    ws = await peer.connect(url)
    await peer.push(peer.group_message(700001, 20001, [text("x" * 200_000)]))
    await until(lambda: ws.closed)
    assert ws.close_code == 1009  # message too big
    assert core.messages == []
    await peer.connect(url)  # the implementation reconnects; the bot is still there
    await peer.push(peer.group_message(700001, 20001, [text("张三 正常")]))
    await until(lambda: [m.text for m in core.messages] == ["张三 正常"])


async def test_missed_heartbeat_marks_connection_dead():
    core = Core()
    config = OneBotConnection(mode="reverse_ws", port=0, heartbeat_timeout_s=0.2)
    adapter = OneBotAdapter([config], on_message=core)
    await adapter.start()
    peer = OneBotPeer()
    try:
        ws = await peer.connect(f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws")
        await peer.push(peer.heartbeat(100))
        await until(lambda: adapter.accounts["10000"].connected)
        await until(lambda: ws.closed, timeout=3)  # silence after a heartbeat: dead
        assert not adapter.accounts["10000"].connected
    finally:
        await peer.close()
        await adapter.stop()


async def test_forward_ws_with_token_and_reconnect():
    peer = OneBotPeer(access_token=TOKEN, message_format="string")
    port = await peer.serve()
    core = Core()
    config = OneBotConnection(
        mode="forward_ws",
        url=f"ws://127.0.0.1:{port}/",
        access_token=TOKEN,
        reconnect_initial_s=0.05,
    )
    adapter = OneBotAdapter([config], on_message=core)
    await adapter.start()
    try:
        await until(lambda: "10000" in adapter.accounts and adapter.accounts["10000"].connected)
        await peer.push(peer.group_message(700001, 20001, [at(20002), text(" 王五 正常")]))
        await until(lambda: core.messages)
        assert core.messages[0].text == "王五 正常"
        assert core.messages[0].mentions == ("20002",)
        await peer.disconnect()
        await until(lambda: not adapter.accounts["10000"].connected)
        await until(lambda: adapter.accounts["10000"].connected)  # came back by itself
        await adapter.accounts["10000"].send(
            OutgoingMessage(platform="qq", chat_type="group", target="700001", text="ok")
        )
        assert peer.delivered[-1].text == "ok"
        assert peer.refused == 0
    finally:
        await adapter.stop()
        await peer.close()


async def test_forward_ws_wrong_token_is_refused_and_retried():
    peer = OneBotPeer(access_token=TOKEN)
    port = await peer.serve()
    config = OneBotConnection(
        mode="forward_ws",
        url=f"ws://127.0.0.1:{port}/",
        access_token="bad",
        reconnect_initial_s=0.05,
        reconnect_max_s=0.1,
    )
    adapter = OneBotAdapter([config], on_message=Core())
    await adapter.start()
    try:
        await until(lambda: peer.refused >= 2)
        assert adapter.accounts == {}
    finally:
        await adapter.stop()
        await peer.close()


async def test_several_accounts_and_a_broken_link_do_not_stop_the_others(reverse):
    adapter, core, url, make_peer = reverse
    busy_port = adapter.servers[0].port
    # a second adapter whose first link cannot bind (port taken) still serves its second one
    other_core = Core()
    other = OneBotAdapter(
        [
            OneBotConnection(mode="reverse_ws", port=busy_port),
            OneBotConnection(mode="reverse_ws", port=0),
        ],
        on_message=other_core,
    )
    await other.start()
    try:
        assert len(other.servers) == 1
        a, b = make_peer(self_id=10001), make_peer(self_id=10002)
        await a.connect(url)
        await b.connect(url)
        await a.push(a.group_message(1, 5, [text("from a")]))
        await b.push(b.group_message(2, 6, [text("from b")]))
        await until(lambda: len(core.messages) == 2)
        assert {m.account for m in core.messages} == {"10001", "10002"}
        p = OneBotPeer()
        await p.connect(f"ws://127.0.0.1:{other.servers[0].port}/onebot/v11/ws")
        await p.push(p.private_message(7, [text("other")]))
        await until(lambda: other_core.messages)
        await p.close()
    finally:
        await other.stop()


async def test_member_list(reverse):
    adapter, _core, url, make_peer = reverse
    peer = make_peer(
        members={700001: [{"group_id": 700001, "user_id": 20001, "nickname": "zs", "card": None}]}
    )
    await peer.connect(url)
    await until(lambda: "10000" in adapter.accounts and adapter.accounts["10000"].connected)
    (member,) = await adapter.accounts["10000"].get_group_member_list("700001")
    assert (member.user_id, member.display_name) == ("20001", "zs")


async def test_stop_hands_received_messages_to_the_core_first():
    started, handled = [], []

    async def slow_core(message):
        started.append(message.text)
        await asyncio.sleep(0.05)
        handled.append(message.text)

    adapter = OneBotAdapter([OneBotConnection(mode="reverse_ws", port=0)], on_message=slow_core)
    await adapter.start()
    peer = OneBotPeer()
    try:
        await peer.connect(f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws")
        for i in range(5):
            await peer.push(peer.group_message(700001, 20001, [text(f"m{i}")]))
        await until(lambda: adapter._queue.qsize() + len(started) == 5)  # all received
        assert len(handled) < 5  # and some still waiting for the core
    finally:
        await asyncio.wait_for(adapter.stop(), 5)
        await peer.close()
    assert handled == [f"m{i}" for i in range(5)]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_frame = st.fixed_dictionaries(
    {},
    optional={
        "post_type": st.sampled_from(["message", "meta_event", "notice", 3]) | st.text(max_size=5),
        "message_type": st.sampled_from(["group", "private"]) | _json,
        "meta_event_type": st.sampled_from(["heartbeat", "lifecycle"]) | _json,
        "time": _json,
        "self_id": _json,
        "user_id": _json,
        "group_id": _json,
        "message_id": _json,
        "message": _json | st.text(max_size=40),
        "sender": _json,
        "status": _json,
        "echo": _json,
        "interval": _json,
    },
)


@settings(max_examples=200, deadline=None)
@given(_frame)
def test_any_frame_decodes_or_is_rejected_cleanly(frame):
    try:
        event = decode(parse_json(json.dumps(frame)))
    except MalformedFrame:
        return
    if isinstance(event, MessageEvent):  # and what decodes also converts
        to_incoming(event, ZoneInfo("Asia/Shanghai"))
