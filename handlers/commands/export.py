"""/导出: the ledger (台账) of the asker's nodes as .xlsx, privately.

Sent as a file on platforms that can carry one (config exports.file_platforms); otherwise
the dashboard link to the same file. The workbook holds health data, so it never goes to a
group, and every export is audited.
"""

from __future__ import annotations

from datetime import date

from bot.messages import OutgoingMessage
from handlers.commands.common import Unclear, md, parse_day, sender, top_nodes
from handlers.commands.registry import command
from handlers.context import HandlerContext
from handlers.permissions import STAFF, scope
from storage.export import export_ledger
from storage.ledger import days_between

MAX_DAYS = 62


def _days(args: str, today: date) -> list[str]:
    parts = args.split()
    if not parts:
        return [today.isoformat()]
    if len(parts) == 1:
        return [parse_day(parts[0], today)]
    if len(parts) == 2:
        try:
            days = days_between(parse_day(parts[0], today), parse_day(parts[1], today))
        except ValueError as e:
            raise Unclear(str(e)) from e
        if len(days) > MAX_DAYS:
            raise Unclear(f"一次最多导出 {MAX_DAYS} 天，请缩短日期范围。")
        return days
    raise Unclear("用法：/导出 [日期] 或 /导出 起 止")


@command(
    "导出",
    roles=STAFF,
    summary="导出负责范围的台账（Excel），私聊发送",
    example="/导出 2月10日 2月16日",
)
def export_command(ctx: HandlerContext, args: str) -> None:
    me = sender(ctx)
    try:
        days = _days(args, ctx.today)
    except Unclear as e:
        ctx.reply(str(e))
        return
    nodes = scope(ctx.db, me, ctx.today.isoformat())
    now = ctx.clock.now()
    name = f"台账_{me.id}_{days[0]}_{days[-1]}_{now.strftime('%H%M%S')}.xlsx"
    path = export_ledger(
        ctx.db,
        node_ids=nodes,
        days=days,
        path=ctx.config.resolve(ctx.config.exports.dir) / name,
        actor=me.id,
        via="command",
        scope_label=";".join(n.path for n in top_nodes(ctx, nodes)),
        now=now,
    )
    span = md(days[0]) if len(days) == 1 else f"{md(days[0])}–{md(days[-1])}"
    text = f"台账 {span}"
    if ctx.message.platform in ctx.config.exports.file_platforms:
        ctx.send(
            OutgoingMessage(
                platform=ctx.message.platform,
                chat_type="private",
                target=ctx.message.sender_id,
                text=text,
                file_path=str(path),
                account=ctx.message.account,
            )
        )
    elif ctx.config.web.public_url:
        link = f"{ctx.config.web.public_url.rstrip('/')}/exports/{name}"
        ctx.reply(f"{text}：{link}（登录管理后台后下载）", private=True)
    else:
        ctx.reply(f"{text} 已生成：{name}，请在管理后台「导出」页下载。", private=True)
    if ctx.message.chat_type == "group":
        ctx.reply("台账已私聊发送。", mentions=(ctx.message.sender_id,))
