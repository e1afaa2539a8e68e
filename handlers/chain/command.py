"""`/接龙`: the day's consolidated chain with the missing names.

In a class group it answers with names only (who is in the chain, who reported another way,
who is missing, whose line names nobody on the roster). A counselor asks `/接龙 计科1班` in
their counselor or duty group, or privately, and gets each line as written, 代报 and
unmatched lines marked: details go only to the people responsible for that class.
"""

from __future__ import annotations

from handlers.chain.view import build_view, render_for_counselor, render_for_group
from handlers.commands.registry import command
from handlers.context import HandlerContext
from handlers.permissions import school_nodes
from storage.backend import Database

STAFF_ROLES = frozenset({"辅导员", "值班辅导员", "值班党员", "管理员"})


def _ancestors(db: Database, node_id: int) -> set[int]:
    rows = db.execute(
        """
        WITH RECURSIVE up(id, parent_id) AS (
            SELECT id, parent_id FROM nodes WHERE id = ?
            UNION SELECT nodes.id, nodes.parent_id FROM nodes JOIN up ON nodes.id = up.parent_id
        )
        SELECT id FROM up
        """,
        [node_id],
    )
    return {r[0] for r in rows}


def _allowed_roots(ctx: HandlerContext) -> set[int]:
    """Nodes whose classes this asker may see in detail (an admin: every node of their
    school, docs/schools.md)."""
    if ctx.chat is not None and ctx.message.chat_type == "group":
        return {ctx.chat.node_id}
    sender = ctx.sender
    if sender is None:  # nobody bound: no class in detail
        return set()
    if sender.role == "管理员":
        return school_nodes(ctx.db, sender.id)
    rows = ctx.db.execute("SELECT node_id FROM responsibilities WHERE person_id = ?", [sender.id])
    return {r[0] for r in rows}


def _find_class(ctx: HandlerContext, name: str, roots: set[int]) -> tuple[int, str] | None:
    for node_id, node_name in ctx.db.execute(
        "SELECT id, name FROM nodes WHERE kind = 'class' AND (name = ? OR path = ?) ORDER BY id",
        [name, name],
    ):
        if roots & _ancestors(ctx.db, node_id):
            return node_id, node_name
    return None


@command(
    "接龙",
    summary="今日接龙汇总：已接龙的姓名与未报名单（辅导员加班级名看详情）",
    example="/接龙 或 /接龙 计科1班",
)
def chain_command(ctx: HandlerContext, arg: str) -> None:
    day = ctx.today.isoformat()
    chat = ctx.chat
    if ctx.message.chat_type == "group" and chat is not None and chat.purpose == "class":
        view = build_view(ctx.db, chat.platform, chat.chat_id, chat.node_id, day)
        ctx.reply(render_for_group(view))
        return
    private = ctx.message.chat_type == "private"
    in_staff_group = (
        not private and chat is not None and chat.purpose in ("counselor", "duty", "admin")
    )
    if not in_staff_group and (ctx.sender is None or ctx.sender.role not in STAFF_ROLES):
        ctx.reply("只有辅导员和值班人员可以查看班级接龙详情。", private=private)
        return
    roots = _allowed_roots(ctx)
    if not arg:
        ctx.reply("请写上班级，例如：/接龙 计科1班", private=private)
        return
    found = _find_class(ctx, arg.strip(), roots)
    if found is None:
        ctx.reply(f"没有找到你负责的班级「{arg.strip()}」。", private=private)
        return
    node_id, class_name = found
    group = ctx.db.execute(
        "SELECT platform, chat_id FROM chats WHERE node_id = ? AND purpose = 'class'"
        " ORDER BY platform, chat_id LIMIT 1",
        [node_id],
    ).fetchone()
    platform, chat_id = group if group else (None, None)
    view = build_view(ctx.db, platform, chat_id, node_id, day)
    text = render_for_counselor(view, class_name)
    if private or in_staff_group:
        ctx.reply(text, private=private)
    else:  # a group bound to nothing may hold anyone: the lines carry temperatures
        ctx.reply(text, private=True)
        ctx.reply("详情已私聊发送。", mentions=(ctx.message.sender_id,))
