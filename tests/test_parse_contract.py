"""parse-contract.md, example by example and reading by reading."""

from __future__ import annotations

import pytest

from handlers.parse import Parser

PARSER = Parser()


def entry(**fields):
    base = {
        "name": None,
        "temperature": None,
        "abnormal": None,
        "symptoms": [],
        "on_campus": None,
        "province": None,
        "isolation": None,
    }
    base.update(fields)
    return base


def parsed(text):
    return PARSER.parse(text).to_json("m")


def test_contract_example_a():
    got = parsed("王小明 36.8℃ 无发热，有点咳嗽 居家隔离中（武汉）")
    assert got == {
        "id": "m",
        "kind": "checkin",
        "entries": [
            entry(
                name="王小明",
                temperature=36.8,
                abnormal=True,
                symptoms=["咳嗽"],
                on_campus=False,
                province="湖北",
                isolation="home",
            )
        ],
    }


def test_contract_example_b():
    text = (
        "#接龙\n11月28日平安报告\n例 张三 36.5 正常 在校\n\n"
        "1. 李四 36.4 正常 在校\n2. 赵敏 37.6 发烧 在家"
    )
    assert parsed(text)["entries"] == [
        entry(name="李四", temperature=36.4, abnormal=False, on_campus=True),
        entry(name="赵敏", temperature=37.6, abnormal=True, symptoms=["发热"], on_campus=False),
    ]
    assert parsed(text)["kind"] == "chain"


def test_contract_example_c():
    assert parsed("收到") == {"id": "m", "kind": "other", "entries": []}


@pytest.mark.parametrize(
    "text",
    ["36.5", "36.5℃", "36.5度", "36度5", "三十六度五", "三十六点五", "３６．５", "365"],
)
def test_every_temperature_form(text):
    assert PARSER.parse_entry(f"张三 {text} 在校").temperature == 36.5


@pytest.mark.parametrize(
    "text",
    [
        "张三 12栋305 在校",
        "张三 11.28 在校",
        "张三 2班 在校",
        "张三 2021576253 在校",
        "张三 第7天 在校",
    ],
)
def test_numbers_that_are_not_temperatures(text):
    assert PARSER.parse_entry(text).temperature is None


def test_several_readings_give_the_highest():
    assert PARSER.parse_entry("张三 早36.5 午36.8").temperature == 36.8


def test_name_comes_from_the_text_alone():
    got = parsed("本人36.6，正常，在校")
    assert got["kind"] == "checkin" and got["entries"][0]["name"] is None


def test_names_are_kept_as_written_in_traditional_characters():
    got = parsed("陳曉明 體溫36.8 發燒 在家 廣州")["entries"][0]
    assert got["name"] == "陳曉明"
    assert got["symptoms"] == ["发热"] and got["province"] == "广东"


def test_fever_beats_normal_and_a_symptom_beats_other_normal():
    assert PARSER.parse_entry("张三 37.3 正常").abnormal is True
    got = PARSER.parse_entry("张三 36.5 流鼻水 其他正常")
    assert got.abnormal is True and got.symptoms == ["流涕"]


def test_high_temperature_is_not_itself_a_symptom():
    got = PARSER.parse_entry("张三 38.2 在家")
    assert got.abnormal is True and got.symptoms == []


def test_aliases_that_start_with_a_negative_word_are_present():
    assert PARSER.parse_entry("张三 没有味觉 没力气 没劲").symptoms == ["嗅觉味觉减退", "乏力"]


@pytest.mark.parametrize(
    ("text", "campus", "isolation"),
    [
        ("张三 在学校", True, None),
        ("张三 居家", False, None),
        ("张三 集中隔离", None, "central"),
        ("张三 居家隔离", False, "home"),
        ("张三 隔离酒店", None, "central"),
        ("张三 方舱", None, "central"),
        ("张三 隔离中", None, "unspecified"),
        ("张三 未隔离", None, None),
        ("张三 无需隔离", None, None),
        ("张三 已解除隔离", None, None),
    ],
)
def test_campus_and_isolation(text, campus, isolation):
    got = PARSER.parse_entry(text)
    assert (got.on_campus, got.isolation) == (campus, isolation)


def test_province_only_when_a_place_is_written():
    assert PARSER.parse_entry("张三 36.5 在校").province is None
    assert PARSER.parse_entry("张三 在家 澳門").province == "澳门"
    for place, province in [
        ("海口", "海南"),
        ("三亚", "海南"),
        ("儋州", "海南"),
        ("黄冈", "湖北"),
        ("孝感", "湖北"),
        ("广州", "广东"),
        ("北京", "北京"),
        ("内蒙古", "内蒙古"),
        ("香港", "香港"),
    ]:
        assert PARSER.parse_entry(f"张三 在家 {place}").province == province


def test_a_place_or_isolation_alone_says_nothing_about_health():
    assert PARSER.parse_entry("张三 在家 海口").abnormal is None
    assert PARSER.parse_entry("张三 集中隔离").abnormal is None


def test_numbered_notice_is_other_and_one_person_form_is_one_checkin():
    assert (
        parsed("【通知】1. 每天10点前完成上报 2. 体温超过37.3的同学请私聊辅导员")["kind"] == "other"
    )
    form = parsed("1.姓名：张三\n2.体温：36.5\n3.是否有发热咳嗽等症状：无\n4.是否在校：是")
    assert form["kind"] == "checkin"
    assert form["entries"] == [entry(name="张三", temperature=36.5, abnormal=False, on_campus=True)]


def test_chain_title_starting_with_a_date_is_never_an_entry():
    got = parsed("11.28 平安报告\n1. 李四 36.4 正常\n2. 赵敏 36.6 在家")
    assert got["kind"] == "chain"
    assert [e["name"] for e in got["entries"]] == ["李四", "赵敏"]
