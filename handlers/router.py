"""What kind of message this is, and which handler takes it: the one dispatch table.

Order matters: a command first (`/统计`, `未报`), then a 接龙 list, then the parser decides
between a single check-in and anything else. To plug in a handler, change its line in
HANDLERS; every handler has the signature `(ctx, routed, directory) -> None` and runs inside
the message's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import handlers.commands  # noqa: F401  (command modules register themselves on import)
from handlers.chain.split import ChainText, split_chain
from handlers.checkin import handle_chain_entries, handle_checkin, handle_command, handle_other
from handlers.commands.registry import Command, find
from handlers.context import HandlerContext
from handlers.parse import Parser, ParseResult
from handlers.resolve import Directory

Kind = Literal["command", "chain", "checkin", "other"]
# Longer than any real check-in or class-sized 接龙; such text is kept but not parsed.
MAX_PARSE_CHARS = 20_000


@dataclass(slots=True)
class Routed:
    kind: Kind
    text: str
    command: Command | None = None
    args: str = ""
    chain: ChainText | None = None
    parsed: ParseResult | None = None


Handler = Callable[[HandlerContext, Routed, Directory], None]

HANDLERS: dict[str, Handler] = {
    "command": handle_command,
    "chain": handle_chain_entries,  # the 接龙 differ (handlers/chain) replaces this line
    "checkin": handle_checkin,
    "other": handle_other,
}


def route(text: str, parser: Parser) -> Routed:
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_PARSE_CHARS:
        return Routed("other", text)
    found = find(stripped)
    if found is not None:
        return Routed("command", text, command=found[0], args=found[1])
    chain = split_chain(stripped)
    parsed = parser.parse(stripped)
    # The parser tells a 接龙 list from a numbered form or notice; a bare header (someone
    # opening the day's chain) is a chain message too, so the chain handler sees it.
    if chain is not None and (chain.has_header or parsed.kind == "chain"):
        return Routed("chain", text, chain=chain, parsed=parsed)
    kind: Kind = "checkin" if parsed.kind == "checkin" else "other"
    return Routed(kind, text, parsed=parsed)


def dispatch(ctx: HandlerContext, routed: Routed, directory: Directory) -> None:
    HANDLERS[routed.kind](ctx, routed, directory)
