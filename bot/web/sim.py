"""The chat simulator page: the simulated groups as chat windows, live over a WebSocket.

A new user tries pingan here with no QQ or WeChat account: pick any roster person, type as
them, and watch the bot's replies, nags, summaries and @mentions arrive as they would in a
real group. The page talks to the running simulator only through `SimBridge`, which the
app assembly (`pingan run`) builds from the pieces it already runs.

The page is served only when a bridge is given (the sim adapter is on), and only to loopback
clients unless `adapters.sim.web_remote` is set. `pingan run` prints a link carrying a key
made fresh at each start; the key opens a local session that sees the whole (simulated)
school.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
import weakref

from aiohttp import WSCloseCode, WSMsgType, web

from bot.adapters.sim.transcript import BOT_NAME, PRIVATE, Line
from bot.web.auth import (
    CONFIG_KEY,
    DB_KEY,
    SIM_SESSIONS_KEY,
    is_local,
    see_other,
    set_session_cookie,
)
from bot.web.common import PageError, forbidden, today
from bot.web.queries import node_counts
from bot.web.render import LOGIN_KEY, SIM_ENABLED_KEY, render
from bot.web.sim_bridge import ClockFixed, SimBridge, moments
from bot.web.tree import Tree
from core.config import Config
from storage.status import unit_counts
from storage.tokens import Login

log = logging.getLogger(__name__)

POLL_S = 0.2  # how often a connected page looks for new transcript lines
MAX_TEXT = 2000  # a chat message longer than this is refused, as a chat client would
SIM_PERSON = Login(0, "", "模拟器访客", "管理员", "")  # the local session's identity


BRIDGE_KEY = web.AppKey("sim_bridge", SimBridge)
SIM_KEY = web.AppKey("sim_key", str)
# Open simulator pages, closed on shutdown so `pingan run` stops at once, not after a timeout.
SOCKETS_KEY: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("sim_sockets")


def sim_url(app: web.Application, base: str) -> str:
    """The link `pingan run` prints: it opens a local session on the simulator page."""
    return f"{base.rstrip('/')}/sim/enter?key={app[SIM_KEY]}"


def _local_only(request: web.Request) -> SimBridge:
    if not is_local(request):
        raise forbidden(
            "模拟器只对本机开放。要从其他电脑访问，请在配置中设置 adapters.sim.web_remote: true。"
        )
    return request.app[BRIDGE_KEY]


def _check(request: web.Request) -> SimBridge:
    """The page and its socket admit the same people: this machine, and an admin or the
    simulator's own session (the socket carries the whole transcript and speaks as anyone)."""
    bridge = _local_only(request)
    login = request[LOGIN_KEY]
    if login.token_id != 0 and login.role != SIM_PERSON.role:
        raise forbidden("模拟器页面只对管理员和本机模拟会话开放。")
    return bridge


async def enter(request: web.Request) -> web.StreamResponse:
    """GET /sim/enter?key=...: the printed link; opens a local session, then the page."""
    _local_only(request)
    if not hmac.compare_digest(request.query.get("key", ""), request.app[SIM_KEY]):
        raise forbidden("模拟器链接无效：请使用 pingan run 启动时打印的地址（每次启动都会更新）。")
    session_id = secrets.token_urlsafe(32)
    sim_login = Login(0, "", SIM_PERSON.person_name, SIM_PERSON.role, "", secrets.token_urlsafe(24))
    request.app[SIM_SESSIONS_KEY][session_id] = sim_login
    response = see_other("/sim")
    set_session_cookie(response, request, session_id)
    return response


def _chat_list(bridge: SimBridge) -> list[dict]:
    campus = bridge.campus
    out: list[dict] = []
    for chat_id, title in sorted(campus.titles.items(), key=lambda kv: kv[1]):
        binding = next((b for b in campus.class_chats if b.chat_id == chat_id), None)
        members = campus.members.get(chat_id, [])
        out.append(
            {
                "id": chat_id,
                "title": title,
                "purpose": "class" if binding else "staff",
                "members": [
                    {"account": m.account, "name": m.name, "role": m.role, "id": m.person_id}
                    for m in members
                ],
            }
        )
    everyone = {m["account"]: m for chat in out for m in chat["members"]}
    out.append(
        {
            "id": PRIVATE,
            "title": "私聊（与平安小助手）",
            "purpose": "private",
            "members": sorted(everyone.values(), key=lambda m: m["id"]),
        }
    )
    return out


async def page(request: web.Request) -> web.Response:
    bridge = _check(request)
    config = request.app[CONFIG_KEY]
    chats = _chat_list(bridge)
    return render(
        request,
        "sim.html",
        {
            "title": "聊天模拟器",
            "chats": chats,
            "chats_json": json.dumps(chats, ensure_ascii=False),
            "now": bridge.clock.now().astimezone(config.tz),
            "bot_name": BOT_NAME,
            "moments": moments(config),
        },
    )


def counts_by_chat(request: web.Request) -> dict[str, dict]:
    """Today's completion for the node behind each simulated group."""
    db = request.app[DB_KEY]
    tree = Tree.load(db)
    per_class = unit_counts(db, today(request).isoformat())
    out = {}
    for chat_id, node_id in db.execute(
        "SELECT chat_id, node_id FROM chats WHERE platform = 'sim'"
    ).fetchall():
        if node_id in tree.nodes:
            c = node_counts(tree, tree.nodes[node_id], per_class)
            out[chat_id] = {"reported": c.reported, "due": c.expected, "missing": c.missing}
    return out


def _line(line: Line, tz) -> dict:
    return {
        "type": "line",
        "chat": line.chat,
        "who": line.who,
        "text": line.text,
        "time": f"{line.time.astimezone(tz):%m-%d %H:%M}",
        "bot": line.from_bot,
    }


async def socket(request: web.Request) -> web.WebSocketResponse:
    """Pushes transcript lines, counts and the clock; takes `say` and `advance`."""
    bridge = _check(request)
    login = request[LOGIN_KEY]
    origin = request.headers.get("Origin")
    if origin is not None and origin.split("://", 1)[-1] != request.host:
        raise forbidden("跨站的 WebSocket 连接被拒绝。")
    if not hmac.compare_digest(request.query.get("csrf", ""), login.csrf):
        raise PageError(403, "表单已失效 (403)", "WebSocket 缺少有效的安全令牌，请刷新页面。")
    config = request.app[CONFIG_KEY]
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=64 * 1024)
    await ws.prepare(request)
    request.app[SOCKETS_KEY].add(ws)
    sent = 0

    async def push() -> None:
        nonlocal sent
        while not ws.closed:
            lines = bridge.transcript.lines
            if len(lines) > sent:
                fresh, sent = lines[sent:], len(lines)
                for line in fresh:
                    await ws.send_json(_line(line, config.tz))
                await ws.send_json({"type": "counts", "chats": counts_by_chat(request)})
            now = bridge.clock.now().astimezone(config.tz)
            await ws.send_json({"type": "clock", "now": f"{now:%Y-%m-%d %H:%M}"})
            bridge.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bridge.changed.wait(), POLL_S)

    await ws.send_json({"type": "counts", "chats": counts_by_chat(request)})
    pusher = asyncio.create_task(push(), name="sim page push")
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            await _command(ws, bridge, config, msg.data)
    finally:
        pusher.cancel()
        await asyncio.gather(pusher, return_exceptions=True)
    return ws


async def _command(ws: web.WebSocketResponse, bridge: SimBridge, config: Config, raw: str) -> None:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):  # valid JSON can still be a list or a number
        await ws.send_json({"type": "error", "text": "无法识别的指令"})
        return
    if data.get("type") == "say":
        text = str(data.get("text", "")).strip()
        if not text or len(text) > MAX_TEXT:
            await ws.send_json({"type": "error", "text": "消息为空或太长"})
            return
        try:
            bridge.say(str(data.get("chat", "")), str(data.get("account", "")), text)
        except ValueError as e:
            await ws.send_json({"type": "error", "text": f"不能这样发送：{e}"})
    elif data.get("type") == "advance":
        try:
            when = await bridge.jump(config)
        except ClockFixed as e:
            await ws.send_json({"type": "error", "text": str(e)})
            return
        log.info("sim clock moved to %s", when.isoformat())
    else:
        await ws.send_json({"type": "error", "text": "无法识别的指令"})


async def _close_sockets(app: web.Application) -> None:
    sockets = app[SOCKETS_KEY]
    for ws in list(sockets):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def mount(app: web.Application, bridge: SimBridge) -> None:
    app[BRIDGE_KEY] = bridge
    app[SOCKETS_KEY] = weakref.WeakSet()
    app.on_shutdown.append(_close_sockets)
    app[SIM_KEY] = secrets.token_urlsafe(16)
    app[SIM_ENABLED_KEY] = True
    app.router.add_get("/sim/enter", enter)
    app.router.add_get("/sim", page)
    app.router.add_get("/sim/ws", socket)
