"""/全省: the provincial view, 应报/实报/未报/异常 per school and nothing else.

Only 省级 accounts use it (docs/schools.md); every other command refuses them
(handlers/commands/registry.py), so a provincial account never reads a name.
"""

from __future__ import annotations

from handlers.commands.common import Unclear, parse_day
from handlers.commands.registry import PROVINCE_ROLE, command
from handlers.context import HandlerContext
from storage.schools import province_counts, render


@command(
    "全省",
    roles=(PROVINCE_ROLE,),
    summary="各校应报/实报/未报/异常人数（只有人数，没有名单）",
    example="/全省 昨天",
)
def province_summary(ctx: HandlerContext, args: str) -> None:
    try:
        day = parse_day(args, ctx.today) if args.strip() else ctx.today.isoformat()
    except Unclear as e:
        ctx.reply(str(e))
        return
    ctx.reply(render(province_counts(ctx.db, day), day))
