"""Property tests: any text returns a valid contract object and never raises. How long the
worst texts take is measured in benchmarks/parse_worst.py (a hang still fails here, through
pytest-timeout)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.parse_worst import WORST_TEXTS
from core.parse_contract import CANONICAL_SYMPTOMS, ParseResult
from handlers.parse import Parser

PARSER = Parser(["张三", "李四", "欧阳娜娜"])
# Pieces of real replies, so generated text exercises the rules and not only the fast path.
PIECES = [
    "张三",
    "李四",
    "36.5",
    "３６．５",
    "36度5",
    "三十六点五",
    "365",
    "℃",
    "正常",
    "异常",
    "无",
    "没有",
    "不",
    "发热",
    "咳嗽",
    "没有味觉",
    "、",
    "，",
    " ",
    "\n",
    "1.",
    "2、",
    "#接龙",
    "例 ",
    "在校",
    "在家",
    "居家隔离",
    "隔离",
    "未隔离",
    "海口",
    "湖北省",
    "武汉",
    "澳門",
    "體溫",
    "是否发热：否",
    "【通知】",
    "😷",
    "[捂脸]",
    "12栋305",
    "11.28",
    "？",
    "吗",
    "- - - - - - -",
    "姓名：",
    "等症状",
    "0",
    "9",
    "99999999999",
    "在",
    "明显",
    "等",
    "李",
    "长春",
    "公司",
]
text_strategy = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=120).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=80).map("".join),
)
KINDS = {"checkin", "chain", "other"}
FIELDS = ["name", "temperature", "abnormal", "symptoms", "on_campus", "province", "isolation"]


def assert_valid(result: ParseResult) -> None:
    data = result.to_json("x")
    assert data["kind"] in KINDS
    entries = data["entries"]
    if data["kind"] == "checkin":
        assert len(entries) == 1
    if data["kind"] == "other":
        assert entries == []
    for e in entries:
        assert list(e) == FIELDS
        assert e["name"] is None or (isinstance(e["name"], str) and e["name"])
        t = e["temperature"]
        assert t is None or (34.0 <= t <= 42.5 and round(t, 1) == t)
        assert e["abnormal"] in (True, False, None)
        assert all(s in CANONICAL_SYMPTOMS for s in e["symptoms"])
        assert len(set(e["symptoms"])) == len(e["symptoms"])
        assert e["on_campus"] in (True, False, None)
        assert e["province"] is None or isinstance(e["province"], str)
        assert e["isolation"] in ("home", "central", "unspecified", None)
        if (t is not None and t >= 37.3) or e["symptoms"]:
            assert e["abnormal"] is True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_strategy)
def test_any_text_gives_a_valid_result(text):
    assert_valid(PARSER.parse(text))
    assert isinstance(PARSER.unreadable_reason(text), str | type(None))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join), st.integers(1, 9))
def test_large_texts_give_a_valid_result(piece, seed):
    text = (piece * (100_000 // max(len(piece), 1) + 1))[: 100_000 - seed]
    assert_valid(PARSER.parse(text))


@pytest.mark.parametrize("text", WORST_TEXTS.values(), ids=WORST_TEXTS.keys())
def test_pathological_texts(text):
    assert_valid(PARSER.parse(text))
