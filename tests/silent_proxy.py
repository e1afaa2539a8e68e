"""A loopback TCP proxy that can silence a link without closing it, for dead-link tests.

`silence()` makes every connection open at that moment a black hole: bytes in either
direction are read and dropped, so both ends keep an established TCP connection and hear
nothing, as when a OneBot implementation hangs or a NAT forgets the flow. Closing still
travels (a hung process's kernel still answers a FIN), so when pingan gives up on the link
the peer sees its socket close. Connections opened after `silence()` are relayed normally.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class _Pair:
    silenced: bool = False
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


class SilentProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.pairs: list[_Pair] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    def silence(self) -> None:
        for pair in self.pairs:
            pair.silenced = True

    @property
    def open_links(self) -> int:
        return sum(1 for p in self.pairs if not any(w.is_closing() for w in p.writers))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        pair = _Pair(writers=[writer, up_writer])
        self.pairs.append(pair)
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._relay(pair, src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _relay(
        self, pair: _Pair, src: asyncio.StreamReader, dst: asyncio.StreamWriter
    ) -> None:
        try:
            with contextlib.suppress(ConnectionError, OSError):  # a side went: end the relay
                while data := await src.read(65536):
                    if not pair.silenced:
                        dst.write(data)
                        await dst.drain()
        finally:
            for w in pair.writers:  # one side went: the other side sees the close
                w.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for pair in self.pairs:
            for w in pair.writers:
                w.close()
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
