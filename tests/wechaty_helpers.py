"""A fake wechaty puppet service: the gRPC routes the adapter calls, on loopback.

It plays WeChat's side only (contacts, rooms, messages, the event stream), speaking the real
wire format: grpclib serving wechaty_grpc's betterproto messages, token checked from the
`authorization: Wechaty <token>` metadata as wechaty-puppet-service >= 0.30 does, message
types numbered as the TypeScript puppets send them (7 = text, 10 = group note).
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpclib.const
from grpclib import GRPCError
from grpclib.const import Cardinality, Status
from grpclib.server import Server, Stream
from wechaty_grpc.wechaty import puppet as pb

from tests.run_helpers import free_port

WIRE_TEXT = 7
WIRE_IMAGE = 6
WIRE_GROUP_NOTE = 10
WAIT_S = 5.0


@dataclass
class Room:
    topic: str
    members: dict[str, str] = field(default_factory=dict)  # wxid -> 群昵称 ('' if none)


class _Server(Server):
    """grpclib's Server, remembering its connections so a test can cut them like a crash."""

    def __init__(self, handlers: list[Any]) -> None:
        super().__init__(handlers)
        self.transports: list[asyncio.BaseTransport] = []

    def _protocol_factory(self) -> Any:
        protocol = super()._protocol_factory()
        connection_made = protocol.connection_made

        def track(transport: asyncio.BaseTransport) -> None:
            self.transports.append(transport)
            connection_made(transport)

        protocol.connection_made = track  # type: ignore[method-assign]
        return protocol


class FakePuppetService:
    """Serves /wechaty.Puppet/* and records every call the client makes."""

    def __init__(
        self, token: str, port: int | None = None, ssl: ssl.SSLContext | None = None
    ) -> None:
        self.token = token
        self.ssl = ssl
        self.port = port or free_port()
        self.contacts: dict[str, str] = {}  # wxid -> WeChat name
        self.rooms: dict[str, Room] = {}
        self.messages: dict[str, pb.MessagePayloadResponse] = {}
        self.calls: list[str] = []
        self.sent_texts: list[pb.MessageSendTextRequest] = []
        self.sent_files: list[pb.MessageSendFileRequest] = []
        self.refused = 0
        self.logged_in_as: str | None = None
        self._deaf: set[asyncio.Queue[pb.EventResponse | None]] = set()
        self._streams: set[asyncio.Queue[pb.EventResponse | None]] = set()
        self._changed = asyncio.Condition()
        self._server: _Server | None = None
        self._sent_counter = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._server = _Server([self])
        await self._server.start("127.0.0.1", self.port, ssl=self.ssl)

    async def disconnect(self) -> None:
        """Go away like a crashed service: listening stops, open streams are cut."""
        assert self._server is not None
        server, self._server = self._server, None
        server.close()
        for transport in server.transports:
            transport.close()
        await asyncio.wait_for(server.wait_closed(), WAIT_S)
        self._streams.clear()

    async def close(self) -> None:
        if self._server is not None:
            await self.disconnect()

    async def wait_until(self, predicate: Any, timeout: float = WAIT_S) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- what WeChat does ------------------------------------------------------------------

    def push_event(self, kind: int, payload: dict[str, Any]) -> None:
        event = pb.EventResponse(type=kind, payload=json.dumps(payload))
        for queue in self._streams - self._deaf:
            queue.put_nowait(event)

    def deafen(self) -> None:
        """The open streams stay open but carry nothing more; RPCs and new streams work."""
        self._deaf |= self._streams

    def login(self, wxid: str) -> None:
        self.logged_in_as = wxid
        self.push_event(pb.EventType.EVENT_TYPE_LOGIN, {"contactId": wxid})

    def post(
        self,
        message_id: str,
        *,
        talker: str,
        text: str,
        room: str = "",
        wire_type: int = WIRE_TEXT,
        timestamp: int = 1581292800,
        mentions: list[str] | None = None,
    ) -> None:
        self.messages[message_id] = pb.MessagePayloadResponse(
            id=message_id,
            text=text,
            timestamp=timestamp,
            type=wire_type,
            from_id=talker,
            room_id=room,
            to_id="" if room else (self.logged_in_as or ""),
            mention_ids=mentions or [],
        )
        self.push_event(pb.EventType.EVENT_TYPE_MESSAGE, {"messageId": message_id})

    # -- gRPC ------------------------------------------------------------------------------

    def __mapping__(self) -> dict[str, grpclib.const.Handler]:
        routes = {
            "Start": (self._start, pb.StartRequest, pb.StartResponse),
            "Stop": (self._stop, pb.StopRequest, pb.StopResponse),
            "Ding": (self._ding, pb.DingRequest, pb.DingResponse),
            "Version": (self._version, pb.VersionRequest, pb.VersionResponse),
            "ContactPayload": (
                self._contact_payload,
                pb.ContactPayloadRequest,
                pb.ContactPayloadResponse,
            ),
            "RoomPayload": (self._room_payload, pb.RoomPayloadRequest, pb.RoomPayloadResponse),
            "RoomMemberList": (
                self._room_member_list,
                pb.RoomMemberListRequest,
                pb.RoomMemberListResponse,
            ),
            "RoomMemberPayload": (
                self._room_member_payload,
                pb.RoomMemberPayloadRequest,
                pb.RoomMemberPayloadResponse,
            ),
            "MessagePayload": (
                self._message_payload,
                pb.MessagePayloadRequest,
                pb.MessagePayloadResponse,
            ),
            "MessageSendText": (
                self._message_send_text,
                pb.MessageSendTextRequest,
                pb.MessageSendTextResponse,
            ),
            "MessageSendFile": (
                self._message_send_file,
                pb.MessageSendFileRequest,
                pb.MessageSendFileResponse,
            ),
        }
        mapping = {
            f"/wechaty.Puppet/{name}": grpclib.const.Handler(
                self._unary(name, func), Cardinality.UNARY_UNARY, req, resp
            )
            for name, (func, req, resp) in routes.items()
        }
        mapping["/wechaty.Puppet/Event"] = grpclib.const.Handler(
            self._event, Cardinality.UNARY_STREAM, pb.EventRequest, pb.EventResponse
        )
        return mapping

    def _authorize(self, stream: Stream) -> None:
        if stream.metadata.get("authorization") != f"Wechaty {self.token}":
            self.refused += 1
            raise GRPCError(Status.UNAUTHENTICATED, "Invalid Wechaty TOKEN")

    def _unary(self, name: str, func: Any) -> Any:
        async def handle(stream: Stream) -> None:
            try:
                self._authorize(stream)
            finally:
                self.calls.append(name)
                await self._notify()
            request = await stream.recv_message()
            await stream.send_message(await func(request))
            await self._notify()

        return handle

    async def _event(self, stream: Stream) -> None:
        self.calls.append("Event")
        self._authorize(stream)
        await stream.recv_message()
        queue: asyncio.Queue[pb.EventResponse | None] = asyncio.Queue()
        self._streams.add(queue)
        await self._notify()
        # as wechaty-puppet-service: a heartbeat says the stream is open, and a new stream
        # learns who is logged in
        queue.put_nowait(
            pb.EventResponse(
                type=pb.EventType.EVENT_TYPE_HEARTBEAT,
                payload=json.dumps({"data": "Wechaty Puppet gRPC stream connect successfully"}),
            )
        )
        if self.logged_in_as:
            queue.put_nowait(
                pb.EventResponse(
                    type=pb.EventType.EVENT_TYPE_LOGIN,
                    payload=json.dumps({"contactId": self.logged_in_as}),
                )
            )
        try:
            while (event := await queue.get()) is not None:
                await stream.send_message(event)
        finally:
            self._streams.discard(queue)

    async def _start(self, _: Any) -> pb.StartResponse:
        return pb.StartResponse()

    async def _stop(self, _: Any) -> pb.StopResponse:
        return pb.StopResponse()

    async def _ding(self, request: pb.DingRequest) -> pb.DingResponse:
        self.push_event(pb.EventType.EVENT_TYPE_DONG, {"data": request.data})
        return pb.DingResponse()

    async def _version(self, _: Any) -> pb.VersionResponse:
        return pb.VersionResponse(version="fake-0.0.1")

    async def _contact_payload(self, request: pb.ContactPayloadRequest) -> Any:
        if request.id not in self.contacts:
            raise GRPCError(Status.NOT_FOUND, f"no contact {request.id}")
        return pb.ContactPayloadResponse(id=request.id, name=self.contacts[request.id])

    async def _room_payload(self, request: pb.RoomPayloadRequest) -> Any:
        room = self.rooms[request.id]
        return pb.RoomPayloadResponse(
            id=request.id, topic=room.topic, member_ids=list(room.members)
        )

    async def _room_member_list(self, request: pb.RoomMemberListRequest) -> Any:
        return pb.RoomMemberListResponse(member_ids=list(self.rooms[request.id].members))

    async def _room_member_payload(self, request: pb.RoomMemberPayloadRequest) -> Any:
        room = self.rooms[request.id]
        return pb.RoomMemberPayloadResponse(
            id=request.member_id,
            room_alias=room.members.get(request.member_id, ""),
            name=self.contacts.get(request.member_id, ""),
        )

    async def _message_payload(self, request: pb.MessagePayloadRequest) -> Any:
        if request.id not in self.messages:
            raise GRPCError(Status.NOT_FOUND, f"no message {request.id}")
        return self.messages[request.id]

    async def _message_send_text(self, request: pb.MessageSendTextRequest) -> Any:
        self.sent_texts.append(request)
        self._sent_counter += 1
        return pb.MessageSendTextResponse(id=f"sent-{self._sent_counter}")

    async def _message_send_file(self, request: pb.MessageSendFileRequest) -> Any:
        self.sent_files.append(request)
        self._sent_counter += 1
        return pb.MessageSendFileResponse(id=f"sent-{self._sent_counter}")


def make_tls_files(directory: Path, server_name: str) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for `server_name`: (ca.pem, cert.pem, key.pem).

    Like a wechaty gateway's own CA: the certificate names the SNI, not the host's address.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def build(subject: str, issuer: x509.Name | None, key: Any, signer: Any, ca: bool) -> Any:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("pingan test CA", None, ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(server_name, ca_cert.subject, key, ca_key, ca=False)
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["h2"])
    return context
