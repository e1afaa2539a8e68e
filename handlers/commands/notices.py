"""/广播 and /回执: notices to class groups and who has acknowledged them."""

from __future__ import annotations

import re

from handlers import broadcast
from handlers.commands.common import find_node_in, md, sender
from handlers.commands.registry import command
from handlers.context import HandlerContext
from handlers.permissions import (
    ADMIN,
    COUNSELOR,
    DUTY_COUNSELOR,
    DUTY_OFFICER,
    MONITOR,
    descendants,
    refuse,
    scope,
)
from storage import broadcasts
from storage.audit import record

BROADCASTERS = (COUNSELOR, DUTY_COUNSELOR, DUTY_OFFICER, ADMIN)
MAX_LIST = 30  # names shown per class before "等 N 人"
MAX_CLASSES = 30  # classes listed one by one; beyond, the lagging ones and a count


@command(
    "广播",
    roles=BROADCASTERS,
    summary="向范围内所有班级群发通知并统计回执",
    example="/广播 计算机学院/2021级 今晚8点前完成健康打卡",
    max_args=broadcast.MAX_NOTICE + 200,  # the scope before the notice
)
def broadcast_command(ctx: HandlerContext, args: str) -> None:
    me = sender(ctx)
    parts = args.split(maxsplit=1)
    if len(parts) < 2:
        ctx.reply("用法：/广播 范围 内容（范围写节点路径，或「全体」）")
        return
    target, text = parts
    if len(text) > broadcast.MAX_NOTICE:  # the dashboard's limit, so both paths agree
        ctx.reply(f"通知内容太长（{len(text)} 字），请控制在 {broadcast.MAX_NOTICE} 字以内。")
        return
    mine = scope(ctx.db, me, ctx.today.isoformat())
    if target == "全体":
        nodes, node_id, label = mine, None, "全体"
    else:
        node = find_node_in(ctx, target, mine, "广播")
        if node is None:
            return
        nodes, node_id, label = descendants(ctx.db, [node.id]) & mine, node.id, node.path
    sent = broadcast.send(
        ctx.db,
        ctx.config,
        ctx.clock.now(),
        author_id=me.id,
        scope_node_id=node_id,
        scope_label=label,
        node_ids=nodes,
        text=text,
    )
    if sent is None:
        ctx.reply(f"「{label}」范围内没有绑定的班级群，通知未发送。")
        return
    record(ctx.db, "broadcast", me.id, ctx.clock.now(), id=sent.id, scope=label, chats=sent.chats)
    ctx.reply(
        f"通知 #{sent.id} 已发往 {sent.chats} 个班级群（{sent.audience} 人）。"
        f"查看回执：/回执 {sent.id}"
    )


@command(
    "回执",
    roles=(MONITOR, *BROADCASTERS),
    summary="查看通知的回执：每个班还有谁没回复「收到」",
    example="/回执 3",
)
def receipts_command(ctx: HandlerContext, args: str) -> None:
    me = sender(ctx)
    mine = scope(ctx.db, me, ctx.today.isoformat())
    if args:
        number = args.strip().lstrip("#＃")
        # ASCII digits that fit SQLite's integer: "²" is a digit to str.isdigit, not to int()
        valid = re.fullmatch(r"[0-9]{1,18}", number)
        found = broadcasts.get(ctx.db, int(number)) if valid else None
        if found is None:
            ctx.reply(f"没有编号为 {args} 的通知。")
            return
    else:
        found = broadcasts.latest_for_nodes(ctx.db, mine)
        if found is None:
            ctx.reply("你负责的班级还没有收到过通知。")
            return
    targets = broadcasts.targets(ctx.db, found.id, mine)
    if not targets:
        refuse(ctx, "回执", f"通知 #{found.id} 没有发到你负责的班级。")
        return
    total = sum(t.audience for t in targets)
    missing = sum(len(t.missing) for t in targets)
    sent_at = found.created_at[:16].replace("T", " ")
    lines = [
        f"通知 #{found.id}（{md(found.created_at[:10])} {sent_at[11:]}，{found.scope_label}）"
        f"回执 {total - missing}/{total}"
    ]
    lagging = [t for t in targets if t.missing]
    if len(targets) > MAX_CLASSES:  # a school-wide notice: the classes that lag, worst first
        lagging.sort(key=lambda t: -len(t.missing))
    for t in lagging[:MAX_CLASSES]:
        names = "、".join(n for _, n in t.missing[:MAX_LIST])
        more = f" 等 {len(t.missing)} 人" if len(t.missing) > MAX_LIST else ""
        lines.append(f"{_class_name(t.node_path)} 未回执 {len(t.missing)} 人：{names}{more}")
    if len(lagging) > MAX_CLASSES:
        lines.append(f"……另有 {len(lagging) - MAX_CLASSES} 个班级未全部回执")
    complete = [t for t in targets if not t.missing]
    if len(targets) <= MAX_CLASSES:
        lines += [f"{_class_name(t.node_path)}：全部已回执" for t in complete]
    elif complete:
        lines.append(f"{len(complete)} 个班级全部已回执")
    ctx.reply("\n".join(lines))


def _class_name(path: str) -> str:
    return path.split("/", 1)[-1]
