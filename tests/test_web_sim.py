"""The chat simulator page: local-only access, the key link, and the live WebSocket."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from aiohttp import WSServerHandshakeError
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from bot.web import create_web_app, sim_url
from bot.web.common import PageError
from bot.web.sim import _local_only
from tests.web_helpers import SIM_START, log_in, sim_stack, token_for

WAIT_S = 5.0


@pytest.fixture
async def sim(db):
    async with sim_stack(db) as (bridge, config):
        app = create_web_app(db, config, bridge.clock, sim=bridge)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield client, bridge


async def enter(client: TestClient) -> str:
    """Follow the printed link; return the page's CSRF token."""
    link = sim_url(client.app, "")
    resp = await client.get(link, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/sim"
    html = await (await client.get("/sim")).text()
    return re.search(r'data-csrf="([^"]+)"', html).group(1)


async def receive_until(ws, predicate, timeout: float = WAIT_S) -> list[dict]:
    seen: list[dict] = []
    async with asyncio.timeout(timeout):
        while True:
            data = await ws.receive_json()
            seen.append(data)
            if predicate(data):
                return seen


async def test_the_printed_link_opens_the_page_and_a_wrong_key_does_not(sim):
    client, _ = sim
    resp = await client.get("/sim/enter?key=wrong", allow_redirects=False)
    assert resp.status == 403
    assert "模拟器链接无效" in await resp.text()
    assert (await client.get("/sim", allow_redirects=False)).status == 401
    await enter(client)
    html = await (await client.get("/sim")).text()
    assert "计算机学院 2021级 计科1班 班级群" in html
    assert "计算机学院 2021级 辅导员群" in html
    assert "跳到下一个安排时刻" in html


async def test_a_counselor_token_cannot_open_the_simulator(sim, db, clock):
    client, _ = sim
    token = token_for(db, "T1001", clock.now())
    await log_in(client, token)
    resp = await client.get("/sim")
    assert resp.status == 403


@pytest.mark.parametrize("person_id", ["2021210101", "T1001"])  # a 班长, a counselor
async def test_the_socket_refuses_whoever_the_page_refuses(sim, db, clock, person_id):
    """With their own session's CSRF value, a student once got the whole transcript and
    could speak as anyone: the socket now checks the same role as the page."""
    client, bridge = sim
    assert (await log_in(client, token_for(db, person_id, clock.now()))).status == 303
    html = await (await client.get("/today")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    lines_before = len(bridge.transcript.lines)
    resp = await client.get(
        f"/sim/ws?csrf={csrf}",
        headers={"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="},
    )  # fmt: skip
    assert resp.status == 403
    assert "模拟器页面只对管理员和本机模拟会话开放" in await resp.text()
    with pytest.raises(WSServerHandshakeError):
        await client.ws_connect(f"/sim/ws?csrf={csrf}")
    assert len(bridge.transcript.lines) == lines_before


async def test_typing_a_checkin_updates_the_count_and_an_abnormal_one_gets_an_answer(sim):
    client, bridge = sim
    csrf = await enter(client)
    async with client.ws_connect(f"/sim/ws?csrf={csrf}") as ws:
        first = await receive_until(ws, lambda d: d["type"] == "counts")
        before = first[-1]["chats"]["sim-2021-1"]
        assert before["due"] > before["reported"]
        member = bridge.campus.members["sim-2021-1"][1]
        await ws.send_json(
            {"type": "say", "chat": "sim-2021-1", "account": member.account,
             "text": f"{member.name} 36.5 正常 在校"}
        )  # fmt: skip
        seen = await receive_until(
            ws,
            lambda d: (
                d["type"] == "counts" and d["chats"]["sim-2021-1"]["reported"] > before["reported"]
            ),
        )
        assert any(d["type"] == "line" and d["who"] == member.name for d in seen)
        await ws.send_json(
            {"type": "say", "chat": "sim-2021-1", "account": member.account,
             "text": f"{member.name} 37.9 发烧 在校"}
        )  # fmt: skip
        seen = await receive_until(ws, lambda d: d["type"] == "line" and d["bot"])
        answer = seen[-1]
        assert answer["chat"] == "private"  # health details stay out of the group
        assert answer["who"] == f"平安小助手 → {member.name}"
        assert "37.9℃" in answer["text"] and member.name in answer["text"]


async def test_the_websocket_needs_the_page_token_and_same_origin(sim):
    client, _ = sim
    csrf = await enter(client)
    resp = await client.get("/sim/ws?csrf=forged", headers={"Upgrade": "websocket"})
    assert resp.status == 403
    resp = await client.get(f"/sim/ws?csrf={csrf}", headers={"Origin": "http://evil.example"})
    assert resp.status == 403


async def test_the_clock_button_jumps_to_the_next_scheduled_moment(sim):
    client, bridge = sim
    csrf = await enter(client)
    async with client.ws_connect(f"/sim/ws?csrf={csrf}") as ws:
        await ws.send_json({"type": "advance"})
        seen = await receive_until(
            ws, lambda d: d["type"] == "clock" and d["now"] == "2020-02-10 08:30"
        )
        # the students' posts planned before 08:30 arrived on the way, in the groups
        posts = [d for d in seen if d["type"] == "line" and d["chat"] == "sim-2021-1"]
        assert any(not d["bot"] and d["time"] < "02-10 08:30" for d in posts)
        await ws.send_json({"type": "advance"})
        seen = await receive_until(
            ws, lambda d: d["type"] == "line" and "【平安报告提醒】" in d["text"]
        )
        assert seen[-1]["time"].startswith("02-10 10:0") and "@" in seen[-1]["text"]
    assert bridge.clock.now().astimezone(bridge.campus.tz).hour == 10


async def test_typing_as_someone_outside_the_group_is_refused(sim):
    client, bridge = sim
    csrf = await enter(client)
    stranger = bridge.campus.members["sim-2022-1"][0]
    async with client.ws_connect(f"/sim/ws?csrf={csrf}") as ws:
        await ws.send_json(
            {"type": "say", "chat": "sim-2021-1", "account": stranger.account, "text": "你好"}
        )
        seen = await receive_until(ws, lambda d: d["type"] == "error")
        assert "不能这样发送" in seen[-1]["text"]


async def test_malformed_frames_get_an_error_and_the_socket_stays_open(sim):
    client, _ = sim
    csrf = await enter(client)
    async with client.ws_connect(f"/sim/ws?csrf={csrf}") as ws:
        unreadable = ("[1, 2]", "5", "null", "not json", '"say"')
        for frame, error in [*((f, "无法识别的指令") for f in unreadable),
                             ('{"type": "say"}', "消息为空或太长")]:  # fmt: skip
            await ws.send_str(frame)
            seen = await receive_until(ws, lambda d: d["type"] == "error")
            assert seen[-1]["text"] == error, frame
        await ws.send_json(
            {"type": "say", "chat": "sim-2021-1", "account": "x", "text": "长" * 2001}
        )
        seen = await receive_until(ws, lambda d: d["type"] == "error")
        assert seen[-1]["text"] == "消息为空或太长"
        assert not ws.closed


class _Peer:
    """A connection from another machine on the campus network."""

    def __init__(self, host: str) -> None:
        self.host = host

    def get_extra_info(self, name: str, default=None):
        return (self.host, 50000) if name == "peername" else default

    def is_closing(self) -> bool:
        return False


@pytest.mark.parametrize(("remote", "allowed"), [(False, False), (True, True)])
async def test_the_simulator_is_for_loopback_only_unless_configured(db, clock, remote, allowed):
    async with sim_stack(db) as (bridge, config):
        sim_config = config.adapters.sim.model_copy(update={"web_remote": remote})
        adapters = config.adapters.model_copy(update={"sim": sim_config})
        config = config.model_copy(update={"adapters": adapters})
        app = create_web_app(db, config, clock, sim=bridge)
        for host, expected in [("127.0.0.1", True), ("::1", True), ("10.0.0.8", allowed)]:
            request = make_mocked_request("GET", sim_url(app, ""), app=app, transport=_Peer(host))
            if expected:
                assert _local_only(request) is bridge
            else:
                with pytest.raises(PageError) as refused:
                    _local_only(request)
                assert refused.value.status == 403
                assert "只对本机开放" in refused.value.detail


async def test_a_jump_delivers_the_posts_before_the_nag_that_follows(db):
    async with sim_stack(db) as (bridge, config):
        assert (await bridge.jump(config)).strftime("%H:%M") == "08:30"
        assert (await bridge.jump(config)).strftime("%H:%M") == "10:00"
        async with asyncio.timeout(WAIT_S):
            while True:
                nags = [
                    ln
                    for ln in bridge.transcript.in_chat("sim-2021-1")
                    if ln.from_bot and "【平安报告提醒】" in ln.text
                ]
                if nags:
                    break
                await asyncio.sleep(0.05)
        nag = nags[0]
        mentioned = {w[1:] for w in nag.text.split() if w.startswith("@")}
        reported = {
            r[0]
            for r in db.execute(
                "SELECT p.name FROM reports r JOIN people p ON p.id = r.person_id"
                " JOIN chats c ON c.node_id = p.class_id AND c.chat_id = 'sim-2021-1'"
                " WHERE r.day = '2020-02-10' AND r.created_at < '2020-02-10T10:00:00+08:00'"
            )
        }
        assert reported, "the morning's planned posts were delivered on the way"
        assert mentioned and not (mentioned & reported)
        posts = [ln for ln in bridge.transcript.in_chat("sim-2021-1") if not ln.from_bot]
        assert all(ln.time <= nag.time for ln in posts)


@pytest.mark.parametrize("path", ["/sim", "/sim/ws"])
async def test_the_simulator_needs_a_login_too(sim, path):
    client, _ = sim
    assert (await client.get(path, allow_redirects=False)).status == 401
    routes = {r.resource.canonical for r in client.app.router.routes() if r.resource}
    assert {"/sim", "/sim/ws", "/sim/enter"} <= routes


async def test_after_a_jump_reports_are_stored_at_the_times_the_transcript_shows(db):
    """Jumping 07:00 → 08:30 delivers each planned post when the clock shows its time, so the
    dashboard's 时间 column and the transcript agree (not every report at 08:29:59)."""
    async with sim_stack(db) as (bridge, config):
        assert (await bridge.jump(config)).strftime("%H:%M") == "08:30"
        shown = {
            (ln.chat, ln.text): ln.time
            for ln in bridge.transcript.lines
            if not ln.from_bot and ln.time < datetime.fromisoformat("2020-02-10T08:29:00+08:00")
        }
        stored = db.execute(
            "SELECT m.chat_id, m.text, r.updated_at FROM reports r"
            " JOIN raw_messages m ON m.platform || ':' || m.message_id = r.message_key"
        ).fetchall()
    assert len(stored) >= 20 and len(shown) >= 20
    compared = 0
    for chat, text, updated_at in stored:  # the message that last changed the report
        if (chat, text) in shown:
            drift = datetime.fromisoformat(updated_at) - shown[(chat, text)]
            assert timedelta(0) <= drift < timedelta(seconds=1), (text, updated_at)
            compared += 1
    assert compared >= 20


async def test_a_restart_keeps_the_simulated_clock_ahead_of_what_is_stored(db):
    """A run that jumped to the evening, then `pingan run` again: the clock goes on from
    there, not back to the wall clock's morning under reports stored "later"."""
    from bot.assemble import build_app
    from bot.web.sim_clock import SimClock
    from storage.latest import latest_activity

    tomorrow = datetime.now(SIM_START.tzinfo).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, SIM_START.timetz())  # ahead of the wall clock
    async with sim_stack(db, start) as (bridge, config):
        for _ in range(2):
            await bridge.jump(config)
        latest = latest_activity(db)
    assert latest is not None and latest.date() == tomorrow
    clock = SimClock(config.tz)  # a fresh run starts on the wall clock: today
    app = build_app(config, clock)
    try:
        stored = latest_activity(app.db)  # the 10:00 nag may have landed after `latest`
        assert stored >= latest
        assert timedelta(0) < clock.now() - stored < timedelta(seconds=5)
    finally:
        app.db.close()
