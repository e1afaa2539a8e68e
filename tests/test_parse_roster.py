"""Names matched to the roster, and the predicate behind the "could not read" prompt."""

from __future__ import annotations

import pytest

from handlers.parse import Parser, prompt_text
from handlers.parse.names import RosterMatcher, looks_like_name
from handlers.parse.parser import NO_STATUS, NO_TEMPERATURE, UNKNOWN_NAME

ROSTER = ["张伟", "张玮", "李娜", "王芳", "陈晨", "欧阳娜娜", "司马睿"]


@pytest.mark.parametrize(
    ("written", "matched"),
    [
        ("李娜", "李娜"),
        ("李纳", "李娜"),  # homophone
        ("王方", "王芳"),
        ("陈辰", "陈晨"),
        ("欧阳那娜", "欧阳娜娜"),
        ("司马瑞", "司马睿"),
        ("张伟", "张伟"),
        ("张玮", "张玮"),  # both on the roster: exact wins
        ("张炜", None),  # homophone of two people: ambiguous, not guessed
        ("赵六", None),
    ],
)
def test_roster_matching(written, matched):
    assert RosterMatcher(ROSTER).match(written) == matched


def test_parser_returns_the_roster_name_and_finds_roster_names_anywhere():
    parser = Parser(ROSTER)
    assert parser.parse_entry("李纳 36.5 在校").name == "李娜"
    assert parser.parse_entry("海口陈晨在家36.5").name == "陈晨"
    assert Parser().parse_entry("赵六 36.5").name == "赵六"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("张三", True),
        ("欧阳娜娜", True),
        ("方便", False),
        ("明天", False),
        ("张", False),
        ("王小明明明", False),
        ("我是谁", False),
    ],
)
def test_name_shape(text, ok):
    shaped = looks_like_name(text)
    if text in ("方便", "明天"):
        # a lone reply: an everyday word before a bare reading is not taken as a name
        assert Parser().parse(f"{text} 36.5").entries[0].name is None
    else:
        assert shaped is ok


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("张伟 36.5 正常 在校", None),
        ("36.5", None),
        ("收到", None),
        ("好的", None),
        ("哈哈哈", None),
        ("老师今天要报吗", None),
        ("@全体成员 请大家今晚22:00前完成健康打卡", None),
        ("#接龙\n平安报告\n1. 张伟 36.5", None),
        ("李娜 在校", NO_STATUS),
        ("王芳 3 6 . 5 在校 体温", NO_TEMPERATURE),
        ("王芳 体温 512", NO_TEMPERATURE),
        ("赵六 36.5 正常", UNKNOWN_NAME),
    ],
)
def test_unreadable_reason(text, reason):
    parser = Parser(ROSTER)
    assert parser.unreadable_reason(text) == reason
    assert parser.unreadable_reason(text, parser.parse(text)) == reason


def test_a_school_size_roster_keeps_matching_exact_and_unique():
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅"
    names = [s + a + b for s in surnames for a in given for b in given][:40_000]
    matcher = RosterMatcher([*names, "欧阳娜娜"])
    assert matcher.match("欧阳娜那") == "欧阳娜娜"
    assert matcher.match(names[123]) == names[123]
    assert matcher.match("王伟伟") == "王伟伟"
    assert matcher.match("王伟X") is None  # one character off from many names: never a guess


def test_prompt_text_names_the_problem_and_shows_the_form():
    text = prompt_text(NO_TEMPERATURE)
    assert "没读到体温" in text and "张三 36.5 正常 在校" in text
    assert "名单" in prompt_text(UNKNOWN_NAME)
