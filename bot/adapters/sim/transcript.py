"""What happened in the simulated chats, in order: students' posts and the bot's messages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

BOT_NAME = "平安小助手"
PRIVATE = "private"  # the chat key under which all private messages are kept
# A reposted 接龙 repeats every earlier line; show its title and its newest line only.
LONG_MESSAGE_LINES = 6


@dataclass(frozen=True, slots=True)
class Line:
    time: datetime
    chat: str  # a group's chat id, or PRIVATE for the bot's private messages
    who: str  # the poster's name, or BOT_NAME
    text: str
    from_bot: bool = False


class Transcript:
    def __init__(self) -> None:
        self.lines: list[Line] = []

    def add(self, line: Line) -> None:
        self.lines.append(line)

    def in_chat(self, chat: str) -> list[Line]:
        return [line for line in self.lines if line.chat == chat]

    def from_bot(self, chat: str | None = None) -> list[Line]:
        return [ln for ln in self.lines if ln.from_bot and (chat is None or ln.chat == chat)]

    def render(self, titles: dict[str, str] | None = None, *, by_chat: bool = True) -> str:
        """Readable text: one block per chat (or one timeline), `HH:MM who: text` per line;
        multi-line messages are indented under their first line."""
        titles = titles or {}
        groups: dict[str, list[Line]] = defaultdict(list)
        for line in sorted(self.lines, key=lambda ln: ln.time):
            groups[line.chat if by_chat else ""].append(line)
        blocks = []
        for chat, lines in groups.items():
            out = [f"== {titles.get(chat, chat)} ==" if by_chat else "== timeline =="]
            for ln in lines:
                where = "" if by_chat else f"[{titles.get(ln.chat, ln.chat)}] "
                shown = ln.text.splitlines() if ln.from_bot else _compact(ln.text.splitlines())
                first, *rest = shown or [""]
                stamp = ln.time.strftime("%m-%d %H:%M")
                out.append(f"{stamp} {where}{ln.who}: {first}")
                out.extend(f"{' ' * 12}{r}" for r in rest)
            blocks.append("\n".join(out))
        return "\n\n".join(blocks)


def _compact(lines: list[str]) -> list[str]:
    if len(lines) <= LONG_MESSAGE_LINES:
        return lines
    head = [ln for ln in lines[:3] if ln.strip()][:2]
    return [*head, f"…（略去 {len(lines) - len(head) - 1} 行）", lines[-1]]
