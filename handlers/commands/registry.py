"""The command table: name → handler, with the roles allowed and an example for /帮助.

Command modules register with the `command` decorator; the router asks `find` whether a text
is a command (with or without the leading `/`) and the pipeline calls `dispatch`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.context import HandlerContext

Handler = Callable[[HandlerContext, str], None]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    roles: frozenset[str]  # roster roles that may use it; empty = everyone bound to the roster
    summary: str
    example: str


COMMANDS: dict[str, Command] = {}


def command(
    name: str, *, roles: tuple[str, ...] = (), summary: str, example: str
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in COMMANDS:
            raise ValueError(f"command {name} registered twice")
        COMMANDS[name] = Command(name, handler, frozenset(roles), summary, example)
        return handler

    return register


def find(text: str) -> tuple[Command, str] | None:
    """Return (command, argument text) when `text` is a command, else None.

    `/统计 2020-02-10` and `统计 2020-02-10` are both commands; `统计一下` is not.
    """
    stripped = text.strip().removeprefix("/").removeprefix("／")
    head, _, rest = stripped.partition(" ")
    found = COMMANDS.get(head)
    if found is None:
        return None
    return found, rest.strip()
