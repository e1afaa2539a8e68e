"""`adapters.onebot`: the OneBot v11 links, declared here and validated through the
registry (bot/adapters/registry.py)."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from core.config import Strict


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; a name or any other address is reachable from outside."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OneBotConnection(Strict):
    """One OneBot v11 link: a reverse WebSocket server (the implementation connects to us)
    or a forward WebSocket client (we connect to the implementation).

    A reverse server accepts several accounts at once (each says who it is in X-Self-ID).
    `access_token` empty means no authentication: only sensible on 127.0.0.1.
    """

    mode: Literal["reverse_ws", "forward_ws"]
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535, description="0: any free port (tests)")
    path: str = Field(default="/onebot/v11/ws", description="also serves PATH/api, PATH/event")
    url: str | None = Field(default=None, description="forward_ws: ws://host:port of the peer")
    access_token: str = ""
    self_id: str | None = Field(default=None, description="forward_ws: expected QQ number")
    heartbeat_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="after the first heartbeat, silence this long (or 2 intervals) = dead",
    )
    ping_interval_s: float = Field(
        default=20.0,
        gt=0,
        description="WebSocket ping after this long without a frame; no pong within half = dead",
    )
    api_timeout_s: float = Field(default=30.0, gt=0)
    max_frame_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="larger frames close the connection"
    )
    reconnect_initial_s: float = Field(default=1.0, gt=0)
    reconnect_max_s: float = Field(default=60.0, gt=0)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"URL 路径应以 / 开头，收到 {value!r}")
        return value.rstrip("/") or "/"

    @field_validator("self_id", mode="before")
    @classmethod
    def _self_id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _forward_needs_url(self) -> OneBotConnection:
        if self.mode == "forward_ws" and not self.url:
            raise ValueError("forward_ws 需要 url，例如 ws://127.0.0.1:3001")
        return self

    @model_validator(mode="after")
    def _open_only_on_loopback(self) -> OneBotConnection:
        if problem := self.exposure_problem():
            raise ValueError(problem)
        return self

    def exposure_problem(self) -> str | None:
        """Why this link may not start: a reverse server anyone on the network can reach
        with no access_token would let them post as any student and read every reply."""
        if self.mode != "reverse_ws" or self.access_token or is_loopback(self.host):
            return None
        return (
            f"reverse_ws listens on {self.host}, which is not a loopback address, with an"
            " empty access_token: anyone on the network could connect as QQ. Set access_token"
            " (the same in the OneBot implementation), or listen on 127.0.0.1"
        )
