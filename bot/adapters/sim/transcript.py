"""What happened in the simulated chats, in order: students' posts and the bot's messages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

BOT_NAME = "平安小助手"


@dataclass(frozen=True, slots=True)
class Line:
    time: datetime
    chat: str  # a group's chat id, or "private:<account>" for a private chat
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
                first, *rest = ln.text.splitlines() or [""]
                stamp = ln.time.strftime("%m-%d %H:%M")
                out.append(f"{stamp} {where}{ln.who}: {first}")
                out.extend(f"{' ' * 12}{r}" for r in rest)
            blocks.append("\n".join(out))
        return "\n\n".join(blocks)
