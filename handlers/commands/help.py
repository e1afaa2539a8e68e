"""/帮助: the commands the asker may use, one example each, the daily ones first."""

from __future__ import annotations

from handlers.commands.registry import ANYONE, COMMANDS, allowed, command
from handlers.context import HandlerContext

# Daily queries first, then recording, follow-up, notices, and personal settings last.
ORDER = (
    "统计", "未报", "异常", "接龙", "补报", "更正", "请假", "重点", "结案", "广播", "回执",
    "导出", "确认绑定", "不要提醒", "恢复提醒", "绑定",
)  # fmt: skip


def _rank(name: str) -> int:
    return ORDER.index(name) if name in ORDER else len(ORDER)


@command("帮助", roles=(ANYONE,), summary="列出你可以用的命令", example="/帮助")
def help_command(ctx: HandlerContext, args: str) -> None:
    me = ctx.sender
    role = me.role if me else None
    claiming = me is None and ctx.claimed is not None
    usable = [
        c
        for c in COMMANDS.values()
        if (allowed(c, role) or (claiming and c.claimed))
        and c.name != "帮助"
        and not (me and c.name == "绑定")
    ]
    usable.sort(key=lambda c: _rank(c.name))
    if claiming:
        assert ctx.claimed is not None
        head = (
            f"这个账号绑定{ctx.claimed.name}还未确认：可以报平安和更正自己的报告，"
            "班长或辅导员确认后才能用其他命令。"
        )
    elif me is None:
        head = "你还没有绑定身份，先发：/绑定 学号 姓名"
    else:
        head = f"{me.name}（{me.role}）可用的命令（不带 / 也可以）："
    ctx.reply("\n".join([head] + [f"{c.example} — {c.summary}" for c in usable]))
