"""The gRPC side: a PuppetService that connects the way a long-running bot needs.

python-wechaty's `PuppetService` is kept for every RPC wrapper (message_payload,
message_send_text, room_members, ...); this subclass replaces only how the channel is opened
and how the event stream is read:

- `_init_puppet` in the SDK pings the endpoint with a blocking telnet (freezing the event loop
  up to 3 s on every reconnect), fetches a missing endpoint with blocking `requests`, and can
  speak only plaintext. Ours opens a grpclib Channel directly, plaintext or TLS (CA file and
  SNI name), sends the token both ways puppet-service servers accept it (the
  `authorization: Wechaty <token>` metadata of servers >= 0.30, and the `:authority` header
  of older ones), and enables HTTP/2 keepalive pings so a half-open TCP connection is noticed.
- `_listen_for_event` in the SDK dies on the first event it cannot decode (e.g. a heartbeat
  without `data`), dropping the whole stream. Ours decodes each event on its own, logs and
  skips a bad one, and hands good ones to one callback.
- The SDK's constructor logs the token at WARNING when both token and endpoint are set (and
  any token found in the environment); its logger is muted while it runs.

This module imports the SDK at import time: import it only after deciding to run wechaty.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from grpclib.client import Channel
from grpclib.config import Configuration

from .compat import load

log = logging.getLogger(__name__)

_sdk = load()
EventType = _sdk.EventType

# HTTP/2 PING after KEEPALIVE_TIME_S; no answer within KEEPALIVE_TIMEOUT_S closes the
# connection, which ends the event stream and triggers a reconnect. On a stream without data
# grpclib sends at most 2 pings, 5 minutes apart (as gRPC servers require, or they answer
# "too_many_pings"); the services' heartbeat events count as data and re-arm it.
KEEPALIVE_TIME_S = 30.0
KEEPALIVE_TIMEOUT_S = 20.0

EVENT_NAMES = {
    int(EventType.EVENT_TYPE_HEARTBEAT): "heartbeat",
    int(EventType.EVENT_TYPE_MESSAGE): "message",
    int(EventType.EVENT_TYPE_DONG): "dong",
    int(EventType.EVENT_TYPE_ERROR): "error",
    int(EventType.EVENT_TYPE_FRIENDSHIP): "friendship",
    int(EventType.EVENT_TYPE_ROOM_INVITE): "room-invite",
    int(EventType.EVENT_TYPE_ROOM_JOIN): "room-join",
    int(EventType.EVENT_TYPE_ROOM_LEAVE): "room-leave",
    int(EventType.EVENT_TYPE_ROOM_TOPIC): "room-topic",
    int(EventType.EVENT_TYPE_SCAN): "scan",
    int(EventType.EVENT_TYPE_READY): "ready",
    int(EventType.EVENT_TYPE_RESET): "reset",
    int(EventType.EVENT_TYPE_LOGIN): "login",
    int(EventType.EVENT_TYPE_LOGOUT): "logout",
    int(EventType.EVENT_TYPE_DIRTY): "dirty",
}


@dataclass(frozen=True, slots=True)
class PuppetEvent:
    """One decoded event of the stream: its name and its JSON payload."""

    name: str
    payload: dict[str, Any]


EventSink = Callable[[PuppetEvent], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    host: str
    port: int
    token: str
    tls: bool = False
    tls_ca_cert: str | None = None
    tls_server_name: str | None = None


def split_endpoint(endpoint: str) -> tuple[str, int]:
    """`host:port` or `[::1]:port` → (host, port); no port means 80 (443 for https://)."""
    text = endpoint.strip()
    parts = urlsplit(text if "://" in text else f"grpc://{text}")
    try:
        port = parts.port
    except ValueError as e:
        raise ValueError(f"expected a port number 1–65535 in {endpoint!r}") from e
    if not parts.hostname:
        raise ValueError(f"expected an endpoint like 127.0.0.1:8788, got {endpoint!r}")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def tls_context(settings: ChannelSettings) -> ssl.SSLContext:
    """TLS as wechaty-puppet-service >= 0.30 serves it: h2 over TLS, checked against a CA.

    Without a CA file the system store is used (a service with a publicly trusted
    certificate); community gateways use their own CA, given as `tls_ca_cert`.
    """
    context = ssl.create_default_context(cafile=settings.tls_ca_cert)
    context.set_alpn_protocols(["h2"])
    return context


class PinganPuppetService(_sdk.PuppetService):  # type: ignore[misc,name-defined]
    """PuppetService with our channel setup and a fault-tolerant event reader."""

    def __init__(self, settings: ChannelSettings, on_event: EventSink) -> None:
        options = _sdk.PuppetOptions()
        options.end_point = f"{settings.host}:{settings.port}"
        options.token = settings.token
        # The SDK constructor logs the token (ours, or one from the environment) at WARNING.
        sdk_log = logging.getLogger("PuppetService")
        was_disabled, sdk_log.disabled = sdk_log.disabled, True
        try:
            super().__init__(options, name="pingan")
        finally:
            sdk_log.disabled = was_disabled
        self.options.token = settings.token
        self.settings = settings
        self._on_event = on_event

    def _init_puppet(self) -> None:
        s = self.settings
        config = Configuration(
            _keepalive_time=KEEPALIVE_TIME_S,
            _keepalive_timeout=KEEPALIVE_TIMEOUT_S,
            ssl_target_name_override=s.tls_server_name if s.tls else None,
        )
        self.channel = Channel(
            host=s.host, port=s.port, ssl=tls_context(s) if s.tls else None, config=config
        )
        if not s.tls:
            # Servers before 0.30 read the token from :authority (the SDK does the same).
            self.channel._authority = s.token
        self._puppet_stub = _sdk.PuppetStub(
            self.channel, metadata={"authorization": f"Wechaty {s.token}"}
        )

    async def _listen_for_event(self) -> None:
        async for response in self.puppet_stub.event():
            if response is None:
                continue
            name = EVENT_NAMES.get(int(response.type))
            if name is None:
                log.debug("ignoring event of unknown type %s", response.type)
                continue
            try:
                payload = json.loads(response.payload) if response.payload else {}
                if not isinstance(payload, dict):
                    raise ValueError("payload is not a JSON object")
            except ValueError as e:
                log.warning("skipping a %s event with an undecodable payload: %s", name, e)
                continue
            if name == "login":
                self.login_user_id = payload.get("contactId") or self.login_user_id
            elif name == "logout":
                self.login_user_id = None
            await self._on_event(PuppetEvent(name, payload))

    def close_channel(self) -> None:
        """Drop the connection without the Stop RPC (the peer is gone or we are leaving)."""
        self._puppet_stub = None
        if self.channel is not None:
            self.channel.close()
            self.channel = None
