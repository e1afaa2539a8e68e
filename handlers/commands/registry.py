"""The command table: name → handler, with the roles allowed and an example for /帮助.

Command modules register with the `command` decorator; the router asks `find` whether a text
is a command (with or without the leading `/`) and the pipeline calls `dispatch`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.context import HandlerContext

Handler = Callable[[HandlerContext, str], None]

# In `roles=`: the command also answers senders not bound to the roster yet (/绑定, /帮助).
ANYONE = "*"
# Arguments longer than this are refused before the handler runs: a handler may echo an
# argument it cannot read, and 20,000 pasted characters must not come back into a group.
MAX_ARGS = 200


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    roles: frozenset[str]  # roster roles that may use it; empty = everyone bound to the roster
    summary: str
    example: str
    max_args: int = MAX_ARGS
    # An account whose binding is not confirmed yet may use it, for its claimed student only.
    claimed: bool = False


COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    *,
    roles: tuple[str, ...] = (),
    summary: str,
    example: str,
    max_args: int = MAX_ARGS,
    claimed: bool = False,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in COMMANDS:
            raise ValueError(f"command {name} registered twice")
        COMMANDS[name] = Command(
            name, handler, frozenset(roles), summary, example, max_args, claimed
        )
        return handler

    return register


def find(text: str) -> tuple[Command, str] | None:
    """Return (command, argument text) when `text` is a command, else None.

    `/统计 2020-02-10` and `统计 2020-02-10` are both commands; `统计一下` is not.
    """
    stripped = text.strip().removeprefix("/").removeprefix("／")
    parts = stripped.split(maxsplit=1)  # any whitespace, the full-width space too
    if not parts:
        return None
    found = COMMANDS.get(parts[0])
    if found is None:
        return None
    return found, parts[1].strip() if len(parts) > 1 else ""


# A 省级 account sees counts per school only (docs/schools.md): it may use a command only
# when the command names the role, so no command that lists names ever answers it.
PROVINCE_ROLE = "省级"
PROVINCE_REFUSAL = (
    "省级账号只能查看各校的汇总人数（应报/实报/未报/异常），不能查看名单、体温或症状。"
    "请用 /全省。"
)


def allowed(cmd: Command, role: str | None) -> bool:
    """May a sender with this roster role (None: not bound) use the command at all?"""
    if role is None:
        return ANYONE in cmd.roles
    if role == PROVINCE_ROLE:
        return role in cmd.roles or cmd.name == "帮助"
    real = cmd.roles - {ANYONE}
    return not real or role in real


def run(ctx: HandlerContext, cmd: Command, args: str) -> None:
    """Run a command after checking the sender's role; a refusal is short and audited.

    The scope check (which nodes, which students) is the handler's, since only it knows the
    arguments.
    """
    from handlers.permissions import ROLES, refuse  # imported late: permissions needs context

    role = ctx.sender.role if ctx.sender else None
    claiming = role is None and ctx.claimed is not None and cmd.claimed
    if not claiming and not allowed(cmd, role):
        if role is None:
            refuse(ctx, cmd.name, "请先绑定身份：/绑定 学号 姓名")
        elif role == PROVINCE_ROLE:
            refuse(ctx, cmd.name, PROVINCE_REFUSAL)
        else:
            who = "、".join(r for r in ROLES if r in cmd.roles)
            refuse(ctx, cmd.name, f"/{cmd.name} 仅限{who}使用。")
        return
    if len(args) > cmd.max_args:
        ctx.reply(f"/{cmd.name} 的内容太长（{len(args)} 字），请控制在 {cmd.max_args} 字以内。")
        return
    cmd.handler(ctx, args)


def dispatch(ctx: HandlerContext) -> bool:
    """Run the command in ctx.message; False when the text is no command."""
    found = find(ctx.message.text)
    if found is None:
        return False
    run(ctx, *found)
    return True
