"""The one interface the outbox needs from a chat platform."""

from __future__ import annotations

from typing import Protocol

from core.messages import OutgoingMessage


class Transport(Protocol):
    """Delivers outgoing messages for one platform account.

    `send` returns the platform's id of the sent message once the platform confirmed it
    (OneBot `status: ok`, wechaty's say() resolving), and raises DeliveryFailed otherwise;
    the outbox marks a message sent only after `send` returned.
    """

    @property
    def platform(self) -> str: ...

    @property
    def account(self) -> str: ...

    async def send(self, message: OutgoingMessage) -> str: ...
