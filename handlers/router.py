"""What kind of message this is, and which handler takes it: the one dispatch table.

Order matters: a command first (`/统计`, `未报`), then a 接龙 list, then the parser decides
between a single check-in and anything else. To plug in a handler, change its line in
HANDLERS; every handler has the signature `(ctx, routed, directory) -> None` and runs inside
the message's transaction.

A 接龙 is recognised cheaply here (a header or a list starting at 1) and read by the chain
differ, which re-reads only what changed since the last repost; the full text of a repost is
never parsed. When the differ finds it is not a chain after all (a numbered notice), the
message falls back to the parser like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from core.parse_contract import ParseResult
from handlers.care import command as care_command
from handlers.chain.handler import handle_chain
from handlers.chain.split import looks_like_chain, reply_part
from handlers.checkin import handle_chain_entries, handle_checkin, handle_command, handle_other
from handlers.commands import (
    account,
    export,
    followup,
    login,
    notices,
    province,
    reports,
    status,
)
from handlers.commands import help as help_command
from handlers.commands.registry import Command, find
from handlers.context import HandlerContext
from handlers.parse import Parser
from handlers.parse.parser import MAX_PARSE_CHARS
from handlers.quiz import command as quiz_command
from handlers.quoted import ack_by_reply
from handlers.resolve import Directory

# The command modules register themselves in handlers/commands/registry.py on import; the
# dispatch table loads them all here, so no package __init__ reaches back into its importers.
COMMAND_MODULES = (
    account,
    care_command,
    export,
    followup,
    help_command,
    login,
    notices,
    province,
    quiz_command,
    reports,
    status,
)

Kind = Literal["command", "chain", "list", "checkin", "other"]
# A 接龙 of a few thousand students; the differ reads only its changed tail.
MAX_CHAIN_CHARS = 400_000


@dataclass(slots=True)
class Routed:
    kind: Kind
    text: str
    command: Command | None = None
    args: str = ""
    parsed: ParseResult | None = None


Handler = Callable[[HandlerContext, Routed, Directory], None]


def handle_chain_message(ctx: HandlerContext, routed: Routed, directory: Directory) -> None:
    """The chain differ; when the text is not a chain of this group, parse it as usual."""
    if handle_chain(ctx, directory.parser) is not None:
        return
    text = routed.text.strip()
    reply = reply_part(text)  # a reply quoting a chain: only the reply is this sender's text
    text = (reply if reply is not None else text).strip()
    if not text or len(text) > MAX_PARSE_CHARS:
        routed.kind = "other"
        return
    routed.parsed = directory.parser.parse(text)
    if routed.parsed.kind == "chain" and len(routed.parsed.entries) == 1:
        routed.parsed = ParseResult("checkin", routed.parsed.entries)  # `1. 张三 36.5` alone
    routed.kind = kind_of(routed.parsed)
    HANDLERS[routed.kind](ctx, routed, directory)


_KIND_OF_PARSE: dict[str, Kind] = {"checkin": "checkin", "chain": "list"}


def kind_of(parsed: ParseResult) -> Kind:
    """What the message path does with a parsed text: a list of people's reports that is no
    接龙 of the group is stored line by line (handle_list)."""
    return _KIND_OF_PARSE.get(parsed.kind, "other")


def handle_list(ctx: HandlerContext, routed: Routed, directory: Directory) -> None:
    """Several people's reports in one message that no 接龙 of the group holds (a 宿舍长
    reporting the dorm, a list sent to the bot privately): each named line is stored, as a
    代报 wherever it is not the writer's own (handlers/checkin.py)."""
    handle_chain_entries(ctx, routed, directory)


HANDLERS: dict[str, Handler] = {
    "command": handle_command,
    "chain": handle_chain_message,
    "list": handle_list,
    "checkin": handle_checkin,
    "other": handle_other,
}


def route(text: str, parser: Parser) -> Routed:
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_CHAIN_CHARS:
        return Routed("other", text)
    found = find(stripped)
    if found is not None:
        return Routed("command", text, command=found[0], args=found[1])
    if looks_like_chain(stripped):
        return Routed("chain", text)
    if len(stripped) > MAX_PARSE_CHARS:
        return Routed("other", text)
    parsed = parser.parse(stripped)
    return Routed(kind_of(parsed), text, parsed=parsed)


def dispatch(ctx: HandlerContext, routed: Routed, directory: Directory) -> None:
    ack_by_reply(ctx)  # quoting a notice is its 收到, whatever else the message is
    HANDLERS[routed.kind](ctx, routed, directory)
