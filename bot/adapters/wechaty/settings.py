"""`adapters.wechaty`: one entry per WeChat account, declared here and validated through the
registry (bot/adapters/registry.py)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from core.config import Strict

ENDPOINT = re.compile(
    r"^(?:[A-Za-z0-9][A-Za-z0-9.\-]*|\[[0-9A-Fa-f:.]+\]):"
    r"(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$"
)


class WechatyConnection(Strict):
    """One WeChat account behind a wechaty puppet service (docs/wechat.md)."""

    token: str = Field(min_length=1, description="the puppet service token")
    endpoint: str | None = Field(
        default=None, description="host:port of the service; unset: discovered from the token"
    )
    account: str | None = Field(
        default=None, description="stable name of this account in the outbox; default: its wxid"
    )
    tls: bool = Field(
        default=False, description="TLS to the service (gateways >= 0.30 without NO_TLS)"
    )
    tls_ca_cert: str | None = Field(default=None, description="CA file for tls; unset: system CAs")
    tls_server_name: str | None = Field(
        default=None,
        description="TLS name (SNI) to check; unset: the token's prefix before its last '_'",
    )
    discovery_url: str = Field(
        default="https://api.chatie.io/v0/hosties/{token}",
        description="where a token without endpoint is resolved to host and port",
    )
    rpc_timeout_s: float = Field(default=30.0, gt=0)
    silence_limit_s: float = Field(
        default=40.0,
        gt=0,
        description="no event (not even the Dong of a Ding) for this long: the link is "
        "redialled; a Ding goes out every third of it",
    )

    @field_validator("endpoint")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is not None and not ENDPOINT.match(value.strip()):
            raise ValueError(f"应写成 主机:端口，例如 127.0.0.1:8788，收到 {value!r}")
        return value
