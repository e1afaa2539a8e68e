"""Fuzzing: arbitrary input never raises out of the parser, the 接龙 differ, the OneBot frame
decoder (JSON and CQ-code strings) or the roster importer, and never leaves partial state.

"Never raises" means: nothing but the documented error of that boundary (MalformedFrame for a
frame, RosterError for a roster file), which its caller turns into a log line or a message.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import hashlib
import json
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.onebot.event import MalformedFrame, MessageEvent, decode, parse_json
from bot.adapters.onebot.message import escape, mentions, parse_cq, plain_text, to_segments
from core.clock import FakeClock
from core.errors import RosterError
from core.parse_contract import ParseResult
from handlers.parse import Parser
from storage.db import open_db
from storage.roster import import_roster
from tests.chain_helpers import NAMES, ClassGroup
from tests.conftest import TZ

NOW = datetime(2020, 2, 10, 7, tzinfo=TZ)
FAST = settings(max_examples=150, deadline=None)
SLOW = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
WORDS = ["36.5", "37.8", "正常", "发烧", "咳嗽", "在校", "在家", "武汉", "居家隔离", "无", "收到"]
PIECES = st.sampled_from([*NAMES[:6], *WORDS, "\n", " ", "、", "1.", "2、", "#接龙", "例", "["])
CHECKIN_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=30).map("".join),
)

# -- the parser -------------------------------------------------------------------------------

PARSER = Parser(NAMES)


@FAST
@given(CHECKIN_TEXT)
def test_parser_never_raises_and_keeps_the_contract(text):
    result = PARSER.parse(text)
    assert isinstance(result, ParseResult)
    assert result.kind in ("checkin", "chain", "other")
    assert (result.kind == "checkin") == (len(result.entries) == 1 and result.kind != "chain")
    if result.kind == "other":
        assert result.entries == [] or list(result.entries) == []
    for entry in result.entries:
        assert entry.temperature is None or 34.0 <= entry.temperature <= 42.5


# -- the OneBot frame decoder -----------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = {
    "post_type": st.sampled_from(["message", "meta_event", "notice", "request", 7, None]),
    "message_type": st.sampled_from(["group", "private", "guild", 3]),
    "meta_event_type": st.sampled_from(["lifecycle", "heartbeat", "x"]),
    "time": st.one_of(st.integers(-(2**63), 2**63), st.text(max_size=5), st.none()),
    "self_id": st.one_of(st.integers(), st.text(max_size=12)),
    "user_id": st.one_of(st.integers(), st.text(max_size=12), st.none()),
    "group_id": st.one_of(st.integers(), st.text(max_size=12)),
    "message_id": st.one_of(st.integers(), st.text(max_size=12)),
    "message": st.one_of(st.text(max_size=60), JSON_VALUES),
    "sender": JSON_VALUES,
    "status": st.one_of(st.text(max_size=6), JSON_VALUES),
    "echo": JSON_VALUES,
    "interval": st.one_of(st.integers(), st.text(max_size=4)),
}
FRAMES = st.fixed_dictionaries({}, optional=FIELDS)  # type: ignore[arg-type]


@FAST
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), FRAMES.map(json.dumps)))
def test_frame_decoder_raises_only_malformed_frame(raw):
    with contextlib.suppress(MalformedFrame):
        decode(parse_json(raw))


@FAST
@given(FRAMES)
def test_every_frame_shape_decodes_or_is_rejected_cleanly(frame):
    try:
        event = decode(frame)
    except MalformedFrame:
        return
    if isinstance(event, MessageEvent):
        plain_text(event.message)
        mentions(event.message)


CQ_PIECES = st.sampled_from(
    ["[CQ:at,qq=123]", "[CQ:face,id=1]", "[CQ:", "]", "&#91;", "&amp;", ",", "=", "[CQ:at]"]
)


@FAST
@given(st.lists(st.one_of(CQ_PIECES, st.text(max_size=8)), max_size=20).map("".join))
def test_cq_strings_always_split_into_segments(raw):
    segments = to_segments(raw)
    plain_text(segments)
    mentions(segments)


@FAST
@given(st.text(max_size=80))
def test_any_text_survives_the_cq_round_trip(text):
    segments = parse_cq(escape(text))
    assert "".join(s.data["text"] for s in segments if s.type == "text") == text


# -- the roster importer ----------------------------------------------------------------------

COLUMNS = ["学号", "姓名", "学院", "年级", "班级", "宿舍", "角色", "负责", "微信", "QQ", "重点群体"]
CELLS = st.one_of(
    st.sampled_from(
        [
            "S1",
            "S2",
            "T1",
            "张三",
            "李四",
            "计算机学院",
            "2021级",
            "计科1班",
            "12栋305",
            "学生",
            "班长",
            "辅导员",
            "管理员",
            "计算机学院/2021级",
            "wxid_a",
            "10001",
            "湖北籍;留校",
            "",
        ]
    ),
    st.text(max_size=12),
)
ROSTERS = st.tuples(
    st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=11, unique=True),
    st.lists(st.lists(CELLS, min_size=0, max_size=12), max_size=8),
)
VALID = "学号,姓名,学院,年级,班级,宿舍,角色,QQ\nS9,王五,计算机学院,2021级,计科1班,1栋1,学生,55555\n"


def _state(db) -> str:
    """Everything an import may touch, hashed: equal before and after a refused import."""
    digest = hashlib.sha256()
    for table in ("people", "nodes", "accounts", "tags", "responsibilities", "imports"):
        for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


_TEMPLATE: list[Path] = []


def _roster_db(tmp: Path):
    """A database holding one imported roster (built once, copied per example)."""
    if not _TEMPLATE:
        home = Path(tempfile.mkdtemp(prefix="fuzz-roster-"))
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        (home / "base.csv").write_text(VALID, encoding="utf-8")
        db = open_db(home / "base.db")
        import_roster(db, home / "base.csv", now=NOW)
        db.close()
        _TEMPLATE.append(home / "base.db")
    shutil.copy(_TEMPLATE[0], tmp / "r.db")
    return open_db(tmp / "r.db")


@SLOW
@given(roster=ROSTERS, raw=st.one_of(st.none(), st.binary(max_size=80)))
def test_roster_import_is_all_or_nothing_on_any_file(roster, raw):
    with tempfile.TemporaryDirectory() as tmp:
        db = _roster_db(Path(tmp))
        try:
            before = _state(db)
            path = Path(tmp) / "fuzz.csv"
            if raw is not None:
                path.write_bytes(raw)
            else:
                with path.open("w", encoding="utf-8", newline="") as f:
                    writer = csv.writer(f)
                    writer.writerow(roster[0])
                    writer.writerows(roster[1])
            try:
                import_roster(db, path, now=NOW)
            except RosterError:
                assert _state(db) == before
            assert not db.conn.in_transaction
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            db.close()


# -- the 接龙 differ, through the message path ------------------------------------------------

LINES = st.lists(
    st.one_of(
        st.builds(lambda n, t: f"{n} 36.{t} 正常 在校", st.sampled_from(NAMES), st.integers(0, 9)),
        st.text(max_size=15),
        PIECES,
    ),
    min_size=0,
    max_size=8,
)
POSTS = st.lists(
    st.tuples(st.integers(1, 6), st.sampled_from(["#接龙", "接龙", "", "【接龙】"]), LINES),
    min_size=1,
    max_size=6,
)


@SLOW
@given(posts=POSTS)
def test_chain_differ_never_fails_a_message_or_doubles_a_report(posts, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "c.db")
        try:
            group = ClassGroup(db, FakeClock(datetime(2020, 2, 10, 7, tzinfo=TZ)), monkeypatch)
            for poster, header, lines in posts:
                body = [f"{i}. {line}" for i, line in enumerate(lines, start=1)]
                group.post(f"q{poster}", "\n".join([header, "2月10日 平安报告", *body]))
                assert group.kind != "error"
                active = db.execute(
                    "SELECT person_id, count(*) FROM chain_lines WHERE status = 'active'"
                    " AND person_id IS NOT NULL GROUP BY person_id HAVING count(*) > 1"
                ).fetchall()
                assert active == []  # one active line per person
                people = db.execute("SELECT count(DISTINCT person_id), count(*) FROM reports")
                distinct, total = people.fetchone()
                assert distinct == total
            kinds = db.execute("SELECT count(*) FROM raw_messages WHERE kind IS NULL").fetchone()
            assert kinds[0] == 0  # every message kept with what it was
        finally:
            db.close()
