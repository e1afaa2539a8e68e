"""Read long messages in a worker thread before their transaction, off the event loop.

The message path is synchronous and shares its SQLite connection with the dashboard, so it
runs on the event loop; parsing is its only long part (a first-seen 接龙 of thousands of
lines is thousands of parser calls). `PreParser.prepare` reads a batch's long texts in one
worker thread with a twin Parser (same roster names, its own caches: nothing is shared
between threads), and hands the readings to the message path's parser, which looks them up
instead of reading (`Parser.prepared_reads` / `prepared_parses`). A reading not prepared
is simply read inline: the lookup is only a shortcut, never a different answer.

Line readings are kept in a bounded LRU in the worker, so a repost of a long 接龙 costs only
its new lines there too.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from core.parse_contract import ParseResult
from handlers.chain.split import looks_like_chain, reply_part, split_chain
from handlers.parse import Parser
from handlers.parse.entry import EntryReading
from handlers.parse.parser import MAX_PARSE_CHARS
from handlers.router import MAX_CHAIN_CHARS  # longer texts are never read, only kept

# Shorter texts are read inline: a thread hop costs more than reading a short reply.
LONG_TEXT_CHARS = 2_000
LINE_CACHE = 20_000  # line readings the worker keeps: a 400,000-character 接龙's lines

Prepared = tuple[dict[tuple[str, bool], EntryReading], dict[str, ParseResult]]


class PreParser:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="pingan-parse")
        self._twin: Parser | None = None
        self._lines: OrderedDict[str, EntryReading] = OrderedDict()

    async def prepare(self, parser: Parser, texts: Sequence[str]) -> int:
        """Read the long ones of `texts` in the worker and give `parser` the readings;
        returns how many texts were read there. Call `parser`'s `forget_prepared` after."""
        long = [t for t in texts if LONG_TEXT_CHARS <= len(t) <= MAX_CHAIN_CHARS]
        if not long:
            return 0
        loop = asyncio.get_running_loop()
        reads, parses = await loop.run_in_executor(self._executor, self._read, parser.names, long)
        parser.prepared_reads.update(reads)
        parser.prepared_parses.update(parses)
        return len(long)

    async def build(self, names: list[str]) -> Parser:
        """A parser for a new roster, built and warmed in the worker (a second for 40,000)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._build, names)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- in the worker thread --------------------------------------------------------------

    @staticmethod
    def _build(names: list[str]) -> Parser:
        parser = Parser(names)
        parser.warm_up()
        return parser

    def _read(self, names: tuple[str, ...], texts: list[str]) -> Prepared:
        if self._twin is None or self._twin.names != names:
            self._twin, self._lines = Parser(names), OrderedDict()
        twin = self._twin
        reads: dict[tuple[str, bool], EntryReading] = {}
        parses: dict[str, ParseResult] = {}
        for text in texts:
            stripped = text.strip()
            if looks_like_chain(stripped):
                chain = split_chain(text)
                for entry in chain.entries if chain is not None else ():
                    reads[(entry.text, True)] = self._line(twin, entry.text)
                reply = reply_part(stripped)
                if reply is not None:
                    stripped = reply.strip()  # what the differ's fallback would parse
            if len(stripped) <= MAX_PARSE_CHARS:
                parses[stripped] = twin.parse(stripped)
                for form in {stripped, text}:  # the prompt for an unreadable reply reads it
                    reads[(form, False)] = twin.read(form)
        return reads, parses

    def _line(self, twin: Parser, line: str) -> EntryReading:
        found = self._lines.get(line)
        if found is not None:
            self._lines.move_to_end(line)
            return found
        found = self._lines[line] = twin.read(line, in_chain=True)
        if len(self._lines) > LINE_CACHE:
            self._lines.popitem(last=False)
        return found
