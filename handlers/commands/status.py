"""/统计, /未报, /异常: the day's status of the asker's nodes, from storage.status.

All three count exactly as the scheduled nags and summaries do (one shared module). A class
group may hear counts and who is missing, never health details: /统计 there leaves out the
abnormal count and key groups, and /异常 always answers privately.
"""

from __future__ import annotations

from handlers.columns import shows
from handlers.commands.common import (
    NodeRef,
    Unclear,
    details_here,
    find_node,
    find_node_in,
    md,
    outside_own_group,
    parse_day,
    reply_in_own_group,
    reply_private_if_group,
    scope_here,
    sender,
    top_nodes,
)
from handlers.commands.registry import command
from handlers.context import HandlerContext
from handlers.permissions import CADRES, STAFF, scope
from storage.ledger import ISOLATION_LABELS
from storage.status import AbnormalCase, Counts, DayStatus, day_status

MAX_LINES = 30  # per-class lines before a reply rolls up to the next level
MAX_NAMES = 40


def _day(ctx: HandlerContext, args: str) -> str | None:
    try:
        return parse_day(args, ctx.today) if args.strip() else ctx.today.isoformat()
    except Unclear as e:
        ctx.reply(str(e))
        return None


def _counts(c: Counts, health: bool) -> str:
    text = f"应报 {c.expected} 实报 {c.reported} 未报 {c.missing}"
    if health:
        text += f" 异常 {c.abnormal}"
    return text + (f" 请假 {c.on_leave}" if c.on_leave else "")


def _label(ds: DayStatus, top: NodeRef, node_id: int) -> str:
    """A node's name below the asker's top node (计科1班, or 2021级/计科1班)."""
    if node_id == top.id:
        return ds.nodes[node_id].name
    return ds.nodes[node_id].path.removeprefix(top.path + "/")


def _breakdown(ds: DayStatus, top: NodeRef, mine: set[int]) -> list[int]:
    """The nodes listed under a top node: its classes, or its children when too many."""
    classes = [n for n in ds.subtree(top.id) if ds.nodes[n].kind == "class" and n in mine]
    if top.kind == "class":
        return []
    if len(classes) <= MAX_LINES:
        return sorted(classes, key=lambda n: ds.nodes[n].path)
    return sorted(ds.children.get(top.id, []), key=lambda n: ds.nodes[n].path)


@command(
    "统计",
    roles=(*CADRES, *STAFF),
    summary="负责范围的应报/实报/未报/异常人数，按班级列出",
    example="/统计 2月10日",
)
def stats_command(ctx: HandlerContext, args: str) -> None:
    day = _day(ctx, args)
    if day is None:
        return
    mine = scope_here(ctx)
    tops = top_nodes(ctx, mine)
    role = sender(ctx).role
    here = details_here(ctx) or outside_own_group(ctx)  # outside: answered privately
    health = here and shows(role, "abnormal_count")
    tags_shown = here and shows(role, "key_group")
    ds = day_status(ctx.db, day)
    lines = [f"{md(day)} 平安报告统计"]
    for top in tops:
        lines.append(f"{top.path}：{_counts(ds.counts(top.id), health)}")
        for node in _breakdown(ds, top, mine):
            lines.append(f"  {_label(ds, top, node)}：{_counts(ds.counts(node), health)}")
        if tags_shown:
            tags = ds.node(top.id).key_groups
            if tags:
                parts = [f"{t} {c.total}人（已报 {c.reported}）" for t, c in tags.items()]
                lines.append("  重点群体：" + "，".join(parts))
    reply_in_own_group(ctx, "\n".join(lines))


@command(
    "未报",
    roles=(*CADRES, *STAFF),
    summary="还没报告的同学名单（可指定班级）",
    example="/未报 计科1班",
)
def missing_command(ctx: HandlerContext, args: str) -> None:
    me = sender(ctx)
    mine = scope(ctx.db, me, ctx.today.isoformat())
    if args.strip():
        node = find_node_in(ctx, args, mine, "未报")
        if node is None:
            return
        tops = [node]
    elif ctx.chat is not None and ctx.chat.node_id in mine:
        tops = [find_node(ctx, ctx.chat.node_path)]
    else:
        tops = top_nodes(ctx, mine)
    day = ctx.today.isoformat()
    ds = day_status(ctx.db, day)
    lines = []
    for top in tops:
        units = [top.id] if top.kind in ("class", "dorm") else _breakdown(ds, top, mine)
        for unit in units:
            status = ds.node(unit)
            name = _label(ds, top, unit)
            leave = f"（请假 {len(status.on_leave)} 人不计）" if status.on_leave else ""
            if not status.missing:
                lines.append(f"{name}：全部已报{leave}")
                continue
            names = "、".join(s.name for s in status.missing[:MAX_NAMES])
            more = f" 等 {len(status.missing)} 人" if len(status.missing) > MAX_NAMES else ""
            lines.append(f"{name} 未报 {len(status.missing)} 人：{names}{more}{leave}")
    reply_in_own_group(
        ctx, f"{md(day)} 未报名单\n" + "\n".join(lines) if lines else "你负责的范围内没有班级。"
    )


def _abnormal_line(case: AbnormalCase, class_name: str) -> str:
    parts = []
    if case.temperature is not None:
        parts.append(f"{case.temperature:.1f}℃")
    if case.symptoms:
        parts.append("、".join(case.symptoms))
    if case.on_campus is not None:
        parts.append("在校" if case.on_campus else "在家")
    if case.province:
        parts.append(case.province)
    if case.isolation:
        parts.append(ISOLATION_LABELS.get(case.isolation, case.isolation))
    if case.proxy:
        parts.append("（代报）")
    return f"{case.name}（{class_name}）" + " ".join(parts)


@command(
    "异常",
    roles=STAFF,
    summary="异常报告详情（只私聊回复）",
    example="/异常 昨天",
)
def abnormal_command(ctx: HandlerContext, args: str) -> None:
    day = _day(ctx, args)
    if day is None:
        return
    mine = scope_here(ctx)
    ds = day_status(ctx.db, day)
    seen: set[str] = set()
    lines = []
    for top in top_nodes(ctx, mine):
        for case in ds.node(top.id).abnormal:
            if case.person_id in seen:
                continue
            seen.add(case.person_id)
            cls = ds.nodes[case.class_id].name if case.class_id in ds.nodes else ""
            lines.append(_abnormal_line(case, cls))
    open_cases = ctx.db.execute(
        f"""
        SELECT count(*) FROM cases c JOIN people p ON p.id = c.person_id
        WHERE c.status = 'open' AND p.class_id IN ({",".join("?" * len(mine)) or "NULL"})
        """,
        sorted(mine),
    ).fetchone()[0]
    head = f"{md(day)} 异常 {len(lines)} 人" + ("：" if lines else "。")
    tail = f"进行中的异常跟踪 {open_cases} 个。" if open_cases else ""
    reply_private_if_group(ctx, "\n".join([head, *lines, tail]).strip())
