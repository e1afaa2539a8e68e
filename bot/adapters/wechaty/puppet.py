"""The gRPC side: one connection to a wechaty puppet service, through wechaty_grpc's stubs.

pingan speaks the puppet service protocol directly (the `wechaty_grpc` package: betterproto
messages and a grpclib stub generated from wechaty's protos), with no wechaty SDK in between:

- The channel is a grpclib Channel, plaintext or TLS (CA file and SNI name). The token goes
  both ways puppet-service servers accept it: the `authorization: Wechaty <token>` metadata
  of servers >= 0.30, and the `:authority` header of older ones (plaintext only).
- HTTP/2 keepalive pings are on, so a connection the kernel knows is dead is noticed; a link
  that is silent without being closed (a dead NAT entry) is the adapter's Ding watchdog's job.
- Each event of the stream is decoded on its own: one that cannot be decoded (a heartbeat
  without JSON, say) is logged and skipped, never the end of the stream.
- The RPCs pingan needs are methods here, returning plain values; a failed one raises
  grpclib's GRPCError (the service answered) or a connection error / timeout (it did not).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import mimetypes
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from grpclib.client import Channel
from grpclib.config import Configuration
from wechaty_grpc.wechaty import PuppetStub
from wechaty_grpc.wechaty.puppet import EventType, MessagePayloadResponse

log = logging.getLogger(__name__)

# HTTP/2 PING after KEEPALIVE_TIME_S; no answer within KEEPALIVE_TIMEOUT_S closes the
# connection, which ends the event stream and triggers a reconnect. On a stream without data
# grpclib sends at most 2 pings, 5 minutes apart (as gRPC servers require, or they answer
# "too_many_pings"); the services' events count as data and re-arm it.
KEEPALIVE_TIME_S = 30.0
KEEPALIVE_TIMEOUT_S = 20.0
# FileBox JSON as wechaty-puppet-service reads it: `type` (file-box >= 1.0) and `boxType`
# (older servers) both say "base64 inside".
FILE_BOX_BASE64 = 1

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
    certificate); community gateways use their own CA, given as `tls_ca_cert`. Python 3.13
    turned on strict X.509 checks by default, which refuse the gateways' certificates (the
    community one has no Authority Key Identifier); chain, signature, dates and name are
    still verified without them.
    """
    context = ssl.create_default_context(cafile=settings.tls_ca_cert)
    context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    context.set_alpn_protocols(["h2"])
    return context


def file_box_json(path: str) -> str:
    """A local file as the FileBox JSON the service's MessageSendFile reads (base64 inside)."""
    data = Path(path).read_bytes()
    name = Path(path).name
    return json.dumps(
        {
            "type": FILE_BOX_BASE64,
            "boxType": FILE_BOX_BASE64,
            "name": name,
            "mediaType": mimetypes.guess_type(name)[0] or "application/octet-stream",
            "size": len(data),
            "metadata": {},
            "base64": base64.b64encode(data).decode("ascii"),
        },
        ensure_ascii=False,
    )


def decode_event(kind: int, payload: str) -> PuppetEvent | None:
    """An event as the adapter reads it; None for an unknown type or an undecodable payload."""
    name = EVENT_NAMES.get(int(kind))
    if name is None:
        log.debug("ignoring event of unknown type %s", kind)
        return None
    try:
        data = json.loads(payload) if payload else {}
        if not isinstance(data, dict):
            raise ValueError("payload is not a JSON object")
    except ValueError as e:
        log.warning("skipping a %s event with an undecodable payload: %s", name, e)
        return None
    return PuppetEvent(name, data)


class PuppetClient:
    """One channel to a puppet service and the calls pingan makes on it."""

    def __init__(self, settings: ChannelSettings) -> None:
        self.settings = settings
        config = Configuration(
            _keepalive_time=KEEPALIVE_TIME_S,
            _keepalive_timeout=KEEPALIVE_TIMEOUT_S,
            ssl_target_name_override=settings.tls_server_name if settings.tls else None,
        )
        self.channel = Channel(
            host=settings.host,
            port=settings.port,
            ssl=tls_context(settings) if settings.tls else None,
            config=config,
        )
        if not settings.tls:
            # Servers before 0.30 read the token from :authority, as the old SDKs sent it.
            self.channel._authority = settings.token
        self.stub = PuppetStub(
            self.channel, metadata={"authorization": f"Wechaty {settings.token}"}
        )

    # -- session ---------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[PuppetEvent]:
        """The event stream, decoded; ends when the service ends it or the link drops."""
        async for response in self.stub.event():
            if response is None:
                continue
            event = decode_event(response.type, response.payload)
            if event is not None:
                yield event

    async def start(self) -> None:
        await self.stub.start()

    async def stop(self) -> None:
        await self.stub.stop()

    async def ding(self, data: str) -> None:
        """Ask for a `dong` event carrying `data` on the event stream."""
        await self.stub.ding(data=data)

    def close(self) -> None:
        """Drop the connection at once (no Stop RPC); pending calls fail."""
        self.channel.close()

    # -- payloads --------------------------------------------------------------------------

    async def message(self, message_id: str) -> MessagePayloadResponse:
        return await self.stub.message_payload(id=message_id)

    async def contact_name(self, wxid: str) -> str:
        return (await self.stub.contact_payload(id=wxid)).name or ""

    async def room_topic(self, room_id: str) -> str:
        return (await self.stub.room_payload(id=room_id)).topic or ""

    async def room_member(self, room_id: str, wxid: str) -> tuple[str, str]:
        """(群昵称, WeChat name) of a room member, as the service has them ('' if none)."""
        member = await self.stub.room_member_payload(id=room_id, member_id=wxid)
        return (member.room_alias or "").strip(), (member.name or "").strip()

    async def room_member_ids(self, room_id: str) -> list[str]:
        return list((await self.stub.room_member_list(id=room_id)).member_ids)

    # -- sending ---------------------------------------------------------------------------

    async def send_text(self, conversation_id: str, text: str, mention_ids: list[str]) -> str:
        """Send a text; the service's message id, or '' when it gives none."""
        response = await self.stub.message_send_text(
            conversation_id=conversation_id, text=text, mentonal_ids=mention_ids
        )
        return response.id or ""

    async def send_file(self, conversation_id: str, path: str) -> str:
        """Send a local file (a chart, a workbook); read off the event loop."""
        box = await asyncio.to_thread(file_box_json, path)
        response = await self.stub.message_send_file(conversation_id=conversation_id, filebox=box)
        return response.id or ""
