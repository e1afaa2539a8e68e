"""/导出: the ledger (台账) of the asker's nodes as .xlsx, privately.

Sent as a file on platforms that can carry one (config exports.file_platforms); otherwise
a link to the dashboard's download of the same workbook (bot/web/downloads.py), which asks
for a login and audits the download itself. The workbook holds health data, so it never goes to a
group, and every export is audited.
"""

from __future__ import annotations

from datetime import date

from core.messages import OutgoingMessage
from handlers.columns import LEDGER_ROLES
from handlers.commands.common import Unclear, md, parse_day, sender, top_nodes
from handlers.commands.registry import command
from handlers.context import HandlerContext
from handlers.permissions import scope
from storage.export import export_ledger, too_many_days
from storage.ledger import days_between

# The handler runs inside the message path: a workbook bigger than this (about 6 s of
# openpyxl on one core) would hold up everyone's messages, so it goes to the CLI/dashboard.
MAX_STUDENT_DAYS = 20_000


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
        if refusal := too_many_days(len(days)):
            raise Unclear(refusal)
        return days
    raise Unclear("用法：/导出 [日期] 或 /导出 起 止")


@command(
    "导出",
    roles=LEDGER_ROLES,
    summary="导出负责范围的台账（Excel），私聊发送",
    example="/导出 2月10日 2月16日",
)
def export_command(ctx: HandlerContext, args: str) -> None:
    try:
        days = _days(args, ctx.today)
    except Unclear as e:
        ctx.reply(str(e))
        return
    span = md(days[0]) if len(days) == 1 else f"{md(days[0])}–{md(days[-1])}"
    if ctx.message.platform in ctx.config.exports.file_platforms:
        _send_file(ctx, days, f"台账 {span}")
    elif ctx.config.web.public_url:
        # The dashboard builds (and audits) the same workbook when the link is opened.
        link = (
            f"{ctx.config.web.public_url.rstrip('/')}/downloads/ledger.xlsx"
            f"?from={days[0]}&to={days[-1]}"
        )
        ctx.reply(f"台账 {span}：{link}（登录管理后台后下载）", private=True)
    else:
        ctx.reply("这个平台不能发送文件，请在管理后台「下载」页导出台账。", private=True)
    if ctx.message.chat_type == "group":
        ctx.reply("台账已私聊发送。", mentions=(ctx.message.sender_id,))


def _send_file(ctx: HandlerContext, days: list[str], text: str) -> None:
    me = sender(ctx)
    nodes = scope(ctx.db, me, ctx.today.isoformat())
    ids = sorted(nodes)
    marks = ",".join("?" * len(ids)) or "NULL"
    students = ctx.db.execute(
        f"SELECT count(*) FROM people WHERE active = 1 AND class_id IN ({marks})", ids
    ).fetchone()[0]
    if students * len(days) > MAX_STUDENT_DAYS:
        ctx.reply(
            f"范围太大（{students} 人 × {len(days)} 天），请缩短日期，"
            "或在管理后台「下载」页 / 用 pingan export 命令导出。",
            private=True,
        )
        return
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
