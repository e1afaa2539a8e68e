"""The official wechaty puppet service as a test peer, and a proxy that can go silent.

`WechatyPeer` runs tests/wechaty-peer/peer.js (npm wechaty-puppet-service serving
wechaty-puppet-mock, installed by .ci/run with `npm ci`) and talks to it over its JSON-lines
control channel: a mock contact says something, and what the bot sent is read back.

`SilentProxy` forwards loopback TCP to the service until `silence()`: from then on the open
connections carry nothing either way but stay open, like a NAT entry that died without a
FIN or RST. New connections are forwarded as before (a new NAT entry).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PEER_DIR = Path(__file__).parent / "wechaty-peer"
START_S = 60.0  # node loads ~350 packages; on a busy 2-core machine that takes a while


def require_peer() -> str:
    """The node binary; skip (fail under CI=true) when the peer cannot run here."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed (.ci/run installs Debian's nodejs)"
    elif not (PEER_DIR / "node_modules" / "wechaty-puppet-service").is_dir():
        missing = f"the npm packages are not installed: run `npm ci` in {PEER_DIR}"
    if missing is None:
        return node
    if os.environ.get("CI") == "true":
        pytest.fail(f"the official puppet service cannot run: {missing}")
    pytest.skip(missing)


@dataclass
class BotMessage:
    """What the bot sent, as the mock WeChat recorded it."""

    to: str
    text: str
    type: int


@dataclass
class WechatyPeer:
    port: int
    token: str
    bot: dict[str, str]
    contacts: list[dict[str, str]]
    rooms: list[dict[str, Any]]
    log_path: Path
    ca_file: Path | None = None  # set: TLS with the service's own certificate, CA written here
    sent: list[BotMessage] = field(default_factory=list)
    _process: asyncio.subprocess.Process | None = None
    _reader: asyncio.Task[None] | None = None
    _replies: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    async def start(self) -> None:
        node = require_peer()
        setup = {
            "port": self.port,
            "token": self.token,
            "bot": self.bot,
            "contacts": self.contacts,
            "rooms": self.rooms,
            "tls": self.ca_file is not None,
            "caFile": str(self.ca_file) if self.ca_file else None,
        }
        with self.log_path.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                node,
                "peer.js",
                json.dumps(setup, ensure_ascii=False),
                cwd=PEER_DIR,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        self._reader = asyncio.create_task(self._read())
        first = await asyncio.wait_for(self._replies.get(), START_S)
        assert first == {"event": "listening", "port": self.port}, first

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        while line := await self._process.stdout.readline():
            event = json.loads(line)
            if event["event"] == "bot":
                self.sent.append(BotMessage(event["to"], event["text"], event["type"]))
            else:
                self._replies.put_nowait(event)

    async def say(self, talker: str, to: str, text: str, mentions: tuple[str, ...] = ()) -> str:
        """A mock contact posts `text` in a room (or privately to the bot); its message id."""
        assert self._process is not None and self._process.stdin is not None
        command = {"say": {"from": talker, "to": to, "text": text, "mentions": list(mentions)}}
        self._process.stdin.write(json.dumps(command, ensure_ascii=False).encode() + b"\n")
        await self._process.stdin.drain()
        reply = await asyncio.wait_for(self._replies.get(), 10)
        assert reply["event"] == "said", reply
        return reply["id"]

    def said_to(self, conversation: str) -> list[str]:
        return [m.text for m in self.sent if m.to == conversation]

    async def kill(self) -> None:
        """Die like a crashed service: no goodbye on any connection."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(signal.SIGKILL)
        await self._process.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self._process = None

    async def close(self) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self._process.wait(), 5)
        except TimeoutError:
            await self.kill()
        else:
            self._process = None


class SilentProxy:
    """Loopback TCP forwarder whose open connections can be silenced without closing."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.connections = 0
        self._silenced: list[asyncio.Event] = []
        self._pairs: list[tuple[asyncio.StreamWriter, ...]] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def silence(self) -> None:
        """From now on, the open connections forward nothing (and close nothing)."""
        for event in self._silenced:
            event.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        silenced = asyncio.Event()
        self._silenced.append(silenced)
        self._pairs.append((writer, up_writer))
        await asyncio.gather(
            self._pipe(reader, up_writer, silenced),
            self._pipe(up_reader, writer, silenced),
            return_exceptions=True,
        )

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, silenced: asyncio.Event
    ) -> None:
        while data := await reader.read(65536):
            if silenced.is_set():
                continue  # swallowed, as by a dead NAT entry
            writer.write(data)
            await writer.drain()
        if not silenced.is_set():
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writers in self._pairs:
            for writer in writers:
                writer.close()
        if self._server is not None:
            await self._server.wait_closed()
