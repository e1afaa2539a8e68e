"""/帮助: the commands the asker may use, one example each."""

from __future__ import annotations

from handlers.commands.registry import ANYONE, COMMANDS, allowed, command
from handlers.context import HandlerContext


@command("帮助", roles=(ANYONE,), summary="列出你可以用的命令", example="/帮助")
def help_command(ctx: HandlerContext, args: str) -> None:
    role = ctx.sender.role if ctx.sender else None
    usable = [c for c in COMMANDS.values() if allowed(c, role) and c.name != "帮助"]
    if role is None:
        head = "你还没有绑定身份，先发：/绑定 学号 姓名"
    else:
        head = f"{ctx.sender.name}（{role}）可用的命令（不带 / 也可以）："
    lines = [head] + [f"{c.example} — {c.summary}" for c in usable]
    ctx.reply("\n".join(lines))
