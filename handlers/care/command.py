"""/关怀: the open 心理 cases a counselor, duty counselor or psychologist may read, and closing
one. Always answered privately: that a student is in a 心理 case is never said in a group."""

from __future__ import annotations

from handlers.care.visibility import READERS, visible_cases
from handlers.commands.common import md, sender
from handlers.commands.registry import command
from handlers.context import HandlerContext
from storage import care
from storage.audit import record

CLOSE_WORDS = ("结案", "关闭")


@command(
    "关怀",
    roles=READERS,
    summary="查看心理关怀跟踪（仅辅导员、值班辅导员、心理老师）；「结案 编号 说明」结束一例",
    example="/关怀 结案 3 已电话联系，情绪稳定",
)
def care_command(ctx: HandlerContext, args: str) -> None:
    me, today = sender(ctx), ctx.today.isoformat()
    if ctx.message.chat_type == "group":
        ctx.reply("心理关怀的内容只在私聊中查看，已私聊发送。", mentions=(ctx.message.sender_id,))
    cases = visible_cases(ctx.db, me, today)
    parts = args.split(maxsplit=2)
    if parts and parts[0] in CLOSE_WORDS:
        if len(parts) < 3 or not parts[1].lstrip("#").isdigit():
            ctx.reply("用法：/关怀 结案 编号 说明", private=True)
            return
        case_id = int(parts[1].lstrip("#"))
        if not any(c.id == case_id for c in cases):
            ctx.reply(f"没有你可查看的进行中心理跟踪 #{case_id}。", private=True)
            return
        care.close(ctx.db, case_id, me.id, parts[2], ctx.clock.now())
        record(ctx.db, "care_case_closed", me.id, ctx.clock.now(), case=case_id)
        ctx.reply(f"心理跟踪 #{case_id} 已结案。", private=True)
        return
    if not cases:
        ctx.reply("目前没有你负责的进行中心理跟踪。", private=True)
        return
    lines = [
        f"#{c.id} {c.class_name} {c.name}（{c.person_id}）"
        f"{md(c.opened_day)}起，最近 {md(c.last_day)}"
        for c in cases
    ]
    record(ctx.db, "care_cases_read", me.id, ctx.clock.now(), cases=[c.id for c in cases])
    ctx.reply("进行中的心理跟踪：\n" + "\n".join(lines), private=True)
