"""What can go wrong when calling a OneBot action, and what each retcode means.

`retcode` values: 0/1/14xx are in the v11 spec (communication/ws.md); the others are what
implementations commonly return (go-cqhttp, NapCat, Lagrange), worded as "often" because
they are not standardised.
"""

from __future__ import annotations

from core.errors import PinganError

RETCODE_MEANINGS: dict[int, str] = {
    1: "accepted for asynchronous processing, outcome unknown",
    100: "invalid parameters or the send failed (go-cqhttp style)",
    1200: "the platform did not send it: often risk control (风控) or the bot is muted",
    1400: "bad request: invalid or missing parameters",
    1401: "access token missing",
    1403: "access token wrong",
    1404: "action not supported by this OneBot implementation",
}

# Retrying these cannot succeed: the request itself is wrong for this peer.
PERMANENT_RETCODES = frozenset({1400, 1404})


def meaning(retcode: int) -> str:
    return RETCODE_MEANINGS.get(retcode, "unknown retcode (see the implementation's docs)")


class OneBotError(PinganError):
    """Root of the adapter's own errors."""


class ActionFailed(OneBotError):
    """The implementation answered `status: failed` (or `async` where we need `ok`)."""

    def __init__(self, action: str, status: str, retcode: int, detail: str = "") -> None:
        self.action, self.status, self.retcode = action, status, retcode
        extra = f": {detail}" if detail else ""
        super().__init__(f"{action} {status} (retcode {retcode}, {meaning(retcode)}){extra}")

    @property
    def permanent(self) -> bool:
        return self.retcode in PERMANENT_RETCODES


class ApiNotAvailable(OneBotError):
    """No connection that can carry actions for this account right now."""


class ConnectionLost(OneBotError):
    """The connection closed after the request was written and before its answer arrived."""


class ApiTimeout(OneBotError):
    """No answer within api_timeout_s."""
