"""The Broadcasts page: send a notice to a scope, see acknowledgements per class, remind.

Sending uses the same function as /广播 in chat (handlers/broadcast.py), so a notice from
the dashboard reaches the class groups, is acknowledged with 收到 and reminded about exactly
like one sent from a chat. "Remind now" brings the notice's one reminder forward.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.web.auth import CLOCK_KEY, CONFIG_KEY, DB_KEY, WAKE_KEY
from bot.web.common import PageError, Where, forbidden, where
from bot.web.render import LOGIN_KEY, render
from handlers import broadcast
from handlers.permissions import ADMIN, COUNSELOR, DUTY_COUNSELOR, DUTY_OFFICER
from storage import broadcasts
from storage.audit import record
from storage.backend import Database

BROADCASTERS = (COUNSELOR, DUTY_COUNSELOR, DUTY_OFFICER, ADMIN)
RECENT = 20


def _mine(place: Where) -> set[int]:
    """Every node id the login may act on."""
    return {node.id for root in place.scope.roots for node in place.tree.subtree(root)}


def _may_send(request: web.Request) -> bool:
    login = request[LOGIN_KEY]
    return login.token_id == 0 or login.role in BROADCASTERS


def _recent(db: Database, mine: set[int]) -> list[broadcasts.Broadcast]:
    ids = sorted(mine)
    rows = db.execute(
        f"SELECT DISTINCT broadcast_id FROM broadcast_targets WHERE node_id IN"
        f" ({','.join('?' * len(ids))}) ORDER BY broadcast_id DESC LIMIT {RECENT}",
        ids,
    ).fetchall()
    return [b for (bid,) in rows if (b := broadcasts.get(db, bid)) is not None]


async def broadcasts_page(request: web.Request) -> web.Response:
    place = where(request)
    db = request.app[DB_KEY]
    now = request.app[CLOCK_KEY].now()
    mine = _mine(place)
    items = []
    for b in _recent(db, mine):
        targets = broadcasts.targets(db, b.id, mine)
        everywhere = broadcasts.targets(db, b.id)
        audience = sum(t.audience for t in targets)
        missing = sum(len(t.missing) for t in targets)
        items.append(
            {
                "b": b,
                "targets": targets,
                "audience": audience,
                "acked": audience - missing,
                "open": now < datetime.fromisoformat(b.window_ends_at),
                "can_remind": len(everywhere) == len(targets) and b.reminded_at is None,
            }
        )
    choices = sorted(
        (place.tree.nodes[i] for i in mine if place.tree.nodes[i].kind != "dorm"),
        key=lambda n: n.path,
    )
    return render(
        request,
        "broadcasts.html",
        {
            "title": "通知",
            "node": place.node,
            "items": items,
            "choices": choices,
            "may_send": _may_send(request),
            "tz": request.app[CONFIG_KEY].tz,
            "fromiso": datetime.fromisoformat,
            "sent": request.query.get("sent", ""),
        },
    )


async def send_action(request: web.Request) -> web.StreamResponse:
    """POST /broadcasts: the form's scope and text, as /广播 would send them."""
    place = where(request)
    if not _may_send(request):
        raise forbidden("只有辅导员、值班人员和管理员可以发通知。")
    db, config = request.app[DB_KEY], request.app[CONFIG_KEY]
    now = request.app[CLOCK_KEY].now()
    form = await request.post()
    text = str(form.get("text", "")).strip()
    if not text or len(text) > broadcast.MAX_NOTICE:
        raise PageError(
            400, "通知内容有误 (400)", f"通知内容不能为空，也不能超过 {broadcast.MAX_NOTICE} 字。"
        )
    mine = _mine(place)
    target = str(form.get("scope", ""))
    if target == "all":
        node_ids, node_id, label = mine, None, "全体"
    else:
        try:
            node = place.tree.nodes[int(target)]
        except (ValueError, KeyError) as e:
            raise PageError(400, "范围有误 (400)", "请选择要通知的范围。") from e
        if node.id not in mine:
            raise forbidden(f"“{node.path}”不在你的负责范围内。")
        under = {c.id for c in place.tree.classes_under(node)} | {node.id}
        node_ids, node_id, label = under & mine, node.id, node.path
    login = request[LOGIN_KEY]
    author = login.person_id or None
    with db.atomic():
        sent = broadcast.send(
            db,
            config,
            now,
            author_id=author,
            scope_node_id=node_id,
            scope_label=label,
            node_ids=node_ids,
            text=text,
        )
        if sent is not None:
            detail = {"id": sent.id, "scope": label, "chats": sent.chats, "via": "web"}
            record(db, "broadcast", author, now, **detail)
    if sent is None:
        raise PageError(
            409, "没有可发送的群 (409)", f"“{label}”范围内没有绑定的班级群，通知未发送。"
        )
    request.app[WAKE_KEY]()
    return web.Response(status=303, headers={"Location": f"/broadcasts?sent={sent.id}"})


async def remind_action(request: web.Request) -> web.StreamResponse:
    """POST /broadcasts/{id}/remind: @ those who have not said 收到, now instead of later."""
    place = where(request)
    if not _may_send(request):
        raise forbidden("只有辅导员、值班人员和管理员可以提醒。")
    db, config = request.app[DB_KEY], request.app[CONFIG_KEY]
    now = request.app[CLOCK_KEY].now()
    try:
        found = broadcasts.get(db, int(request.match_info["broadcast_id"]))
    except (ValueError, OverflowError):  # not a number, or beyond SQLite's integers
        found = None
    if found is None:
        raise PageError(404, "找不到 (404)", "没有这个通知。")
    mine = _mine(place)
    if len(broadcasts.targets(db, found.id, mine)) != len(broadcasts.targets(db, found.id)):
        raise forbidden("这条通知也发到了你负责范围以外的班级，请由发送人提醒。")
    if found.reminded_at is not None:
        raise PageError(409, "已经提醒过 (409)", "这条通知已经提醒过一次了。")
    if now >= datetime.fromisoformat(found.window_ends_at):
        raise PageError(409, "回执已截止 (409)", "这条通知的回执时间已过。")
    login = request[LOGIN_KEY]
    with db.atomic():
        db.execute("UPDATE broadcasts SET remind_at = ? WHERE id = ?", [now.isoformat(), found.id])
        queued = broadcast.remind_due(db, config, now)
        record(db, "broadcast_remind", login.person_id or None, now, id=found.id, messages=queued)
    request.app[WAKE_KEY]()
    return web.Response(status=303, headers={"Location": f"/broadcasts#b{found.id}"})
