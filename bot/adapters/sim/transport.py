"""SimTransport: the outbox's target in the simulator; it records instead of sending."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.adapters.base import History
from bot.adapters.sim.transcript import BOT_NAME, PRIVATE, Line, Transcript
from core.clock import Clock
from core.messages import OutgoingMessage, platform_name
from storage.bindings import Member

# How the transcript names the platform a private message went out on, as users say it.


class SimTransport:
    """Implements bot.adapters.base.Account (and the outbox's Transport) for platform `sim`.

    Mentions are account ids; the transcript shows them as `@姓名` (through `name_of`), the
    way a chat client renders them, so a reader can check who was nagged. The demo also
    stands one in for `qq` and `wechat`, where staff get their private messages.
    """

    def __init__(
        self,
        transcript: Transcript,
        clock: Clock,
        name_of: Callable[[str], str],
        account: str = "",
        platform: str = "sim",
    ) -> None:
        self.platform = platform
        self.transcript = transcript
        self.clock = clock
        self.name_of = name_of
        self.account = account
        self.sent: list[OutgoingMessage] = []
        self._ids = itertools.count(1)

    paced = False  # simulated chats have no risk control: nothing waits behind a nag

    async def groups(self) -> set[str] | None:
        return None  # every simulated group takes the bot's messages

    async def members(self, group: str) -> list[Member]:
        """None to learn: the campus binds the simulated members as it builds the groups."""
        return []

    async def history(self, group: str, since: datetime) -> History:
        """Posts planned while the bot was down never happened (bot/adapters/sim/adapter.py)."""
        return History.none_kept()

    async def send(self, message: OutgoingMessage) -> str:
        self.sent.append(message)
        text = message.text
        if message.mentions:
            at = " ".join(f"@{self.name_of(m)}" for m in message.mentions)
            text = f"{at} {text}"
        attachment = message.image_path or message.file_path
        if attachment:  # as a chat client shows it: the file, not where it was on disk
            text = f"{text} [{'图片' if message.image_path else '文件'} {Path(attachment).name}]"
        if message.chat_type == "group":
            chat, who = message.target, BOT_NAME
        else:  # every private chat in one block of the transcript, addressed by name
            via = f"（{platform_name(self.platform)}）" if self.platform != "sim" else ""
            chat, who = PRIVATE, f"{BOT_NAME} → {self.name_of(message.target)}{via}"
        self.transcript.add(Line(self.clock.now(), chat, who, text, from_bot=True))
        return f"sim-{next(self._ids)}"
