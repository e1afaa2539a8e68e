"""One huge message cannot stall the bot: every parse path is bounded, nothing is lost, and
long texts are read in the parse worker, off the event loop.

The message path is the real one (a real SQLite file, the roster importer, the router, the
chain differ); the parser's reading step is watched to see what it was given and on which
thread. How fast the dashboard answers meanwhile is `pingan bench hostile`'s figure.
"""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta

import pytest

from core.config import Config, GroupBinding
from core.messages import IncomingMessage
from handlers.chain.split import split_chain
from handlers.parse import Parser
from handlers.parse.entry import EntryReader, _blank
from handlers.parse.parser import MAX_PARSE_CHARS
from handlers.pipeline import Pipeline
from handlers.prepare import LONG_TEXT_CHARS
from handlers.router import MAX_CHAIN_CHARS
from storage.chats import bind_groups
from storage.db import open_db
from storage.roster import import_roster
from tests.conftest import TZ
from tests.roster_helpers import BASE, row, write_csv

CLASS1 = "700001"
_ids = itertools.count(1)
MORE = [
    row(f"2{i:03d},同学{chr(0x4E00 + i)}{chr(0x4E50 + i)},计算机学院,2021级,计科1班,,,,,2{i:04d},")
    for i in range(1, 40)
]
CLASS_GROUP = GroupBinding(
    platform="qq", chat=CLASS1, node="计算机学院/2021级/计科1班", purpose="class"
)


@pytest.fixture
def pipeline(db, clock, tmp_path):
    config = Config(groups=[CLASS_GROUP])
    import_roster(db, write_csv(tmp_path / "r.csv", BASE + MORE), now=clock.now())
    bind_groups(db, config)
    clock.set(datetime(2020, 2, 10, 8, 0, tzinfo=TZ))
    return Pipeline(db, config, clock)


@pytest.fixture
def reads(monkeypatch):
    """(length of the text read, thread name) for every reading the parser makes."""
    seen: list[tuple[int, str]] = []
    original = EntryReader.read

    def watched(self, norm, in_chain=False):
        seen.append((len(norm.text), threading.current_thread().name))
        return original(self, norm, in_chain)

    monkeypatch.setattr(EntryReader, "read", watched)
    return seen


def message(pipeline, sender: str, text: str) -> IncomingMessage:
    pipeline.clock.advance(timedelta(seconds=5))
    return IncomingMessage(
        platform="qq", chat_type="group", chat_id=CLASS1, sender_id=sender,
        display_name="某人", text=text, message_id=f"h{next(_ids)}", time=pipeline.clock.now(),
    )  # fmt: skip


def chain_text(lines: int, chars: int | None = None) -> str:
    body = "\n".join(f"{i}. 同学{i} 36.{i % 10} 正常 在校" for i in range(1, lines + 1))
    text = "#接龙 2月10日平安报告\n" + body
    return text[:chars] if chars else text


HUGE = [
    ("a 1.5 M-character 接龙", chain_text(60_000)),
    ("a 1 MB message", "张三 36.5 正常 在校 " * 70_000),
    ("a 1 MB message without spaces", "三" * 1_000_000),
    ("a numbered list just over the chain limit", "1. 张三 36.5\n" * (MAX_CHAIN_CHARS // 10)),
    ("just over the parse limit", "张三 36.5 发烧 不舒服 " * (MAX_PARSE_CHARS // 14 + 1)),
]


@pytest.mark.parametrize(("what", "text"), HUGE, ids=[w for w, _ in HUGE])
def test_a_huge_message_is_kept_whole_and_never_parsed(pipeline, db, reads, what, text):
    assert len(text.strip()) > MAX_PARSE_CHARS
    assert pipeline.handle(message(pipeline, "10001", text)) == "other"
    (kept,) = db.execute("SELECT kind, length(text) FROM raw_messages").fetchall()
    assert kept == ("other", len(text))  # no loss: the raw message is there, whole
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0
    # not even the "we could not read that" prompt re-read it (it used to, in full)
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert all(length <= MAX_PARSE_CHARS for length, _ in reads), what


def test_the_bot_goes_on_after_the_huge_ones(pipeline, db, reads):
    for _, text in HUGE:
        pipeline.handle(message(pipeline, "10001", text))
    assert pipeline.handle(message(pipeline, "10002", "李四 36.6 正常 在校")) == "checkin"
    assert db.execute("SELECT temperature FROM reports WHERE person_id = '1002'").fetchone() == (
        36.6,
    )


async def test_a_long_chain_is_read_in_the_parse_worker_not_on_the_loop(pipeline, db, reads):
    text = chain_text(39)
    text += "\n" + "\n".join(f"{i}. 同学{i} 36.5 正常 在校" for i in range(40, 120))
    assert LONG_TEXT_CHARS <= len(text) <= MAX_CHAIN_CHARS
    await pipeline.many([message(pipeline, "10001", text)])
    loop_thread = threading.current_thread().name
    line_reads = [name for length, name in reads if length < 100]
    assert line_reads and all(name.startswith("pingan-parse") for name in line_reads)
    assert not [n for _, n in reads if n == loop_thread]  # nothing read on the event loop
    assert db.execute("SELECT count(*) FROM chain_lines").fetchone()[0] == 119


async def test_the_worker_gives_the_same_reports_as_reading_inline(db, clock, tmp_path, reads):
    """The prepared readings are a shortcut only: the same chain, inline and prepared."""
    text = chain_text(39) + "\n40. 张三 38.2 发烧 咳嗽 在家\n41. 李四 37.5 不舒服"
    results = []
    for sink in ("inline", "worker"):
        fresh = open_db(tmp_path / f"{sink}.db")
        config = Config(groups=[CLASS_GROUP])
        import_roster(fresh, write_csv(tmp_path / "r.csv", BASE + MORE), now=clock.now())
        bind_groups(fresh, config)
        p = Pipeline(fresh, config, clock)
        m = message(p, "10001", text)
        if sink == "inline":
            p.handle(m)
        else:
            await p.many([m])
            assert p.directory.parser.prepared_reads == {}  # forgotten after the batch
        results.append(fresh.execute(
            "SELECT person_id, temperature, abnormal, symptoms, on_campus FROM reports"
            " ORDER BY person_id").fetchall())  # fmt: skip
        fresh.close()
    assert results[0] == results[1]
    assert [r[:3] for r in results[0]] == [("1001", 38.2, 1), ("1002", 37.5, 1)]


def test_a_chain_entry_of_many_lines_and_a_text_of_many_readings_are_read_whole():
    """Splitting and blanking are one pass each: a long continuation and thousands of
    readings come out right (the time they take is in `pingan bench hostile`)."""
    lines = ["#接龙 平安报告", "1. 张三 36.5"] + ["继续"] * 100_000 + ["2. 李四 36.6"]
    chain = split_chain("\n".join(lines))
    assert [e.number for e in chain.entries] == [1, 2]
    assert chain.entries[0].text == "张三 36.5 " + " ".join(["继续"] * 100_000)
    titles = "\n".join(["#接龙"] + [f"标题{i}" for i in range(50_000)])
    assert split_chain(titles).title.endswith("标题49999")
    text = "36.5 " * 50_000
    spans = [(i * 5, i * 5 + 4) for i in range(50_000)]
    assert _blank(text, spans) == " " * len(text)
    assert _blank("ab36.5cd", [(2, 6), (3, 5)]) == "ab    cd"  # overlapping: their union


async def test_a_roster_import_is_loaded_without_building_its_parser_on_the_loop(
    pipeline, db, clock, tmp_path, monkeypatch
):
    built: list[str] = []
    original = Parser.__init__

    def watched(self, roster_names=()):
        built.append(threading.current_thread().name)
        original(self, roster_names)

    monkeypatch.setattr(Parser, "__init__", watched)
    newcomer = row("3001,欧阳新来,计算机学院,2021级,计科1班,,,,,30001,")
    import_roster(db, write_csv(tmp_path / "r2.csv", BASE + MORE + [newcomer]), now=clock.now())
    await pipeline.many([message(pipeline, "30001", "欧阳新来 36.4 正常 在校")])
    assert built and all(name.startswith("pingan-parse") for name in built)
    assert "欧阳新来" in pipeline.directory.parser.names
    assert db.execute("SELECT temperature FROM reports WHERE person_id = '3001'").fetchone() == (
        36.4,
    )
