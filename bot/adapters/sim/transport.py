"""SimTransport: the outbox's target in the simulator; it records instead of sending."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from bot.adapters.sim.transcript import BOT_NAME, Line, Transcript
from bot.clock import Clock
from bot.messages import OutgoingMessage


class SimTransport:
    """Implements bot.transport.Transport for platform `sim`.

    Mentions are account ids; the transcript shows them as `@姓名` (through `name_of`), the
    way a chat client renders them, so a reader can check who was nagged.
    """

    platform = "sim"

    def __init__(
        self,
        transcript: Transcript,
        clock: Clock,
        name_of: Callable[[str], str],
        account: str = "",
    ) -> None:
        self.transcript = transcript
        self.clock = clock
        self.name_of = name_of
        self.account = account
        self.sent: list[OutgoingMessage] = []
        self._ids = itertools.count(1)

    async def send(self, message: OutgoingMessage) -> str:
        self.sent.append(message)
        text = message.text
        if message.mentions:
            at = " ".join(f"@{self.name_of(m)}" for m in message.mentions)
            text = f"{at} {text}"
        if message.image_path or message.file_path:
            text = f"{text} [附件 {message.image_path or message.file_path}]"
        chat = message.target if message.chat_type == "group" else f"private:{message.target}"
        self.transcript.add(Line(self.clock.now(), chat, BOT_NAME, text, from_bot=True))
        return f"sim-{next(self._ids)}"
