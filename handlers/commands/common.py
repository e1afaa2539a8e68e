"""What many commands share: reading dates and node names, finding students in scope,
and answering privately when the answer carries health data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from core.errors import NodeLookupError
from handlers.context import HandlerContext, Person
from handlers.permissions import descendants, may_act_on, refuse, scope
from storage.nodes import by_ending
from storage.schools import school_of

ISO = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})[日号]?$")
STUDENT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")  # what a roster 学号 looks like
RELATIVE = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2}


class Unclear(ValueError):
    """An argument the user must fix; the message is shown to them as is."""


def parse_day(text: str, today: date) -> str:
    """2020-02-10, 2020年2月10日, 2月10日, 2-10, 2.10, 今天, 昨天 → 'YYYY-MM-DD'."""
    text = text.strip()
    if text in RELATIVE:
        return (today + timedelta(days=RELATIVE[text])).isoformat()
    try:
        if m := ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if m := MONTH_DAY.match(text):
            day = date(today.year, int(m[1]), int(m[2]))
            if day > today + timedelta(days=31):  # "12月30日" asked in January: last year's
                day = date(today.year - 1, day.month, day.day)
            return day.isoformat()
    except ValueError as e:
        raise Unclear(f"没有这一天：{text}") from e
    raise Unclear(f"日期看不懂：{text}（例如 2月10日 或 2020-02-10）")


def looks_like_day(text: str, today: date) -> bool:
    """True for a real date (2月9日, 2-9); 36.8 is a temperature, not the 8th of month 36."""
    try:
        parse_day(text, today)
    except Unclear:
        return False
    return True


def md(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.month}月{d.day}日"


@dataclass(frozen=True, slots=True)
class NodeRef:
    id: int
    path: str
    name: str
    kind: str


def find_node(ctx: HandlerContext, text: str) -> NodeRef:
    """A node of the asker's school by full path, or by a unique ending (计科1班)."""
    school = school_of(ctx.db, ctx.sender.id) if ctx.sender else None
    try:
        node = by_ending(ctx.db, text, school)
    except NodeLookupError as e:
        raise Unclear(str(e)) from e
    return NodeRef(node.id, node.path, node.name, node.kind)


def find_node_in(ctx: HandlerContext, text: str, mine: set[int], command: str) -> NodeRef | None:
    """The node named by `text` if it is within the asker's nodes `mine`; otherwise the
    asker is told why (unclear name, or not theirs) and None is returned."""
    try:
        node = find_node(ctx, text)
    except Unclear as e:
        ctx.reply(str(e))
        return None
    if node.id not in mine:
        refuse(ctx, command, f"「{node.path}」不在你负责的范围内。")
        return None
    return node


def top_nodes(ctx: HandlerContext, nodes: set[int]) -> list[NodeRef]:
    """The highest nodes of a scope (those whose parent is outside it), by path; no dorms
    unless the scope is a dorm head's."""
    if not nodes:
        return []
    ids = sorted(nodes)
    rows = ctx.db.execute(
        "SELECT id, path, name, kind, parent_id FROM nodes"
        f" WHERE id IN ({','.join('?' * len(ids))}) ORDER BY path",
        ids,
    ).fetchall()
    tops = [
        NodeRef(node_id, path, name, kind)
        for node_id, path, name, kind, parent_id in rows
        if parent_id not in nodes
    ]
    classes = [t for t in tops if t.kind != "dorm"]
    return classes or tops


@dataclass(frozen=True, slots=True)
class StudentRef:
    id: str
    name: str
    class_id: int | None
    class_path: str | None


def find_student(ctx: HandlerContext, student_id: str, command: str) -> StudentRef | None:
    """The student by 学号 if the asker may act on them; otherwise refuse and return None.

    "No such student" and "not yours" read the same to the asker, so nobody can probe the
    roster of other classes.
    """
    row = ctx.db.execute(
        "SELECT p.id, p.name, p.class_id, n.path FROM people p"
        " LEFT JOIN nodes n ON n.id = p.class_id WHERE p.id = ? AND p.active = 1",
        [student_id],
    ).fetchone()
    if row is None and not STUDENT_ID.fullmatch(student_id):
        # Not shaped like a 学号 (the 学号 was left out: "/补报 38.5 发烧"): say so without
        # echoing it, since in a class group the echo would be a temperature or a symptom.
        refuse(ctx, command, f"/{command} 后面先写学号，例如 /{command} 2021002 …")
        return None
    if row is None or not may_act_on(ctx.db, ctx.sender, student_id, ctx.today.isoformat()):
        refuse(ctx, command, f"学号 {student_id} 不在你负责的范围内。")
        return None
    return StudentRef(*row)


def scope_here(ctx: HandlerContext) -> set[int]:
    """The asker's nodes, narrowed to the group's node when asked in a group bound to a node
    within them: in the 2021级 counselor group, an admin's answer is about 2021级 only."""
    mine = scope(ctx.db, ctx.sender, ctx.today.isoformat())
    chat = ctx.chat
    if ctx.message.chat_type == "group" and chat is not None and chat.node_id in mine:
        return descendants(ctx.db, [chat.node_id]) & mine
    return mine


def details_here(ctx: HandlerContext) -> bool:
    """May health details be answered in this chat? Privately, yes; in a counselor, duty or
    admin group only when the group's node is within the asker's nodes; never in a class
    group or an unbound group."""
    if ctx.message.chat_type == "private":
        return True
    chat = ctx.chat
    if chat is None or chat.purpose == "class":
        return False
    return chat.node_id in scope(ctx.db, ctx.sender, ctx.today.isoformat())


def outside_own_group(ctx: HandlerContext) -> bool:
    """Asked in a group that is not one of the asker's nodes (another class's group, an
    unbound group): such a group must not hear the answer, not even counts or names."""
    if ctx.message.chat_type != "group":
        return False
    chat = ctx.chat
    return chat is None or chat.node_id not in scope(ctx.db, ctx.sender, ctx.today.isoformat())


def reply_in_own_group(ctx: HandlerContext, text: str) -> None:
    """Answer in the group only when it is one of the asker's nodes; otherwise privately,
    with a note in the group that carries nothing of the answer."""
    if outside_own_group(ctx):
        ctx.reply(text, private=True)
        ctx.reply("已私聊回复。", mentions=(ctx.message.sender_id,))
    else:
        ctx.reply(text)


def reply_private_if_group(ctx: HandlerContext, text: str) -> None:
    """Health details go privately unless this chat may see them (with a short note)."""
    if details_here(ctx):
        ctx.reply(text)
    else:
        ctx.reply(text, private=True)
        ctx.reply("详情已私聊发送。", mentions=(ctx.message.sender_id,))


def sender(ctx: HandlerContext) -> Person:
    assert ctx.sender is not None, "registry lets only bound senders reach this command"
    return ctx.sender
