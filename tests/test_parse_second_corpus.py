"""Rules from a second independently written corpus (kept blind; these examples are our own).

One test per failure family: whereabouts after an adverb or pronoun, a Chinese full stop as
the decimal point, reading labels before the name, a district after its city, a name typed
with a space, names outside the surname mould by position, districts the gazetteer lacked,
acknowledgement 接龙 lists, and statements about having reported.
"""

from __future__ import annotations

import pytest

from handlers.parse import Parser

PARSER = Parser()


def one(text):
    result = PARSER.parse(text)
    assert result.kind == "checkin", (text, result)
    return result.entries[0]


def kind(text):
    return PARSER.parse(text).kind


# -- 1. whereabouts after an adverb or pronoun --------------------------------------------


@pytest.mark.parametrize(
    ("text", "on_campus"),
    [
        ("万佳 36.4 目前在家（江西九江）", False),  # 目前在 must not eat 在家
        ("36.6 正常 目前在校", True),
        ("彭丽 36.5 人在家", False),  # 人在 must not eat 在家
        ("36.7 现在人在家 一切正常", False),
        ("杨帆 36.3 我目前在宿舍", True),
        ("童琳 36.5 一直在校", True),
        ("目前在家 身体正常", False),  # two facts: a check-in
    ],
)
def test_whereabouts_after_adverb_or_pronoun(text, on_campus):
    assert one(text).on_campus is on_campus


def test_filler_still_reads_a_place_after_it():
    entry = one("李雪 36.5 目前在海口")
    assert entry.province == "海南" and entry.name == "李雪"


# -- 2. a Chinese full stop as the decimal point --------------------------------------------


@pytest.mark.parametrize(
    ("text", "temperature"),
    [("陶然 36。7 在校", 36.7), ("体温37。4℃ 在家", 37.4), ("孔雪 36。2度 正常", 36.2)],
)
def test_full_stop_as_decimal_point(text, temperature):
    assert one(text).temperature == temperature


def test_full_stop_between_other_numbers_is_a_full_stop():
    assert one("鲁平 在家。12。30 到的家 36.5").temperature == 36.5
    assert one("鲁平 2班。35 正常").temperature is None  # 35 alone is no reading


# -- 3. reading labels are never names ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "temperature"),
    [
        ("晨检36.2 晚检36.5 姜文静 在校", "姜文静", 36.5),
        ("早测 36.3 午测 36.6 晚测 36.4 符晓 宿舍", "符晓", 36.6),
        ("晚温36.5 施雨 正常", "施雨", 36.5),
        ("午检36.8", None, 36.8),
    ],
)
def test_reading_labels_are_not_names(text, name, temperature):
    entry = one(text)
    assert (entry.name, entry.temperature) == (name, temperature)


# -- 4. a district after its city --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("体温36.5 在家 一切正常（广州番禺）", "广东"),
        ("三十六度六，在家，无异常（深圳 南山）", "广东"),  # 南山区 is in two provinces
        ("36.4 居家 良好 （杭州市西湖）", "浙江"),
        ("在家 正常 鹤岗南山", "黑龙江"),
    ],
)
def test_district_after_city_is_no_name(text, province):
    entry = one(text)
    assert (entry.name, entry.province) == (None, province)


def test_name_glued_after_a_city_is_still_a_name():
    assert one("海口陈晨36.5正常").name == "陈晨"
    assert one("欧阳明月 36.5 在家").name == "欧阳明月"  # not 欧 + the district 阳明


# -- 5. a name typed with a space ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("谭 晓雯 36.5 在校", "谭晓雯"),
        ("1、韦 丹 36.6 在家", "韦丹"),
        ("欧阳 飞 36.4 正常", "欧阳飞"),
    ],
)
def test_surname_space_given_name(text, name):
    assert one(text).name == name


def test_spaced_known_word_is_not_a_name():
    assert one("高 烧 38.5").name is None


# -- 6. names outside the surname mould, by position ---------------------------------------


def test_name_before_a_place_may_open_with_a_pronoun_character():
    entry = one("其日格 通辽 36.5 在家 正常")
    assert (entry.name, entry.province) == ("其日格", "内蒙古")


def test_chain_line_name_may_open_with_a_preposition_character():
    result = PARSER.parse(
        "#接龙\n1、叶青 36.5 在校\n2、把洁 定西 在家 36.6 正常\n3、把玉 在校 36.4"
    )
    assert result.kind == "chain"
    assert [e.name for e in result.entries] == ["叶青", "把洁", "把玉"]
    assert result.entries[1].province == "甘肃"


def test_adverb_before_a_place_is_still_no_name():
    assert one("刚到 兰州 36.5 正常").name is None


# -- 7. districts the gazetteer lacked -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("石磊 36.5 在家 萧山", "浙江"),
        ("贝贝 36.6 居家（徐汇）", "上海"),
        ("宗敏 36.4 在家 余杭", "浙江"),
        ("36.5 正常 在家 吴江", "江苏"),
    ],
)
def test_rare_district_short_forms(text, province):
    assert one(text).province == province


def test_frequent_word_districts_stay_words():
    assert one("高明 36.5 在家").province is None  # 高明 is a name, not the district


# -- 8. acknowledgement chains ------------------------------------------------------------


def test_acknowledgement_chain_is_not_a_check_in():
    # settled question 12: a 接龙 that carries no check-in fact is `other` (the 收到 of a
    # notice is tracked by the broadcast's acknowledgement handler, not as reports)
    result = PARSER.parse("@全体成员 收到的同学接龙\n1. 柯敏 收到\n2. 白晓雪 收到\n3. 时光明 已阅")
    assert (result.kind, result.entries) == ("other", [])


def test_roll_call_is_still_other():
    assert kind("请以下同学尽快接龙\n1. 柯敏\n2. 白晓雪") == "other"


# -- 9. a statement about having reported -------------------------------------------------


@pytest.mark.parametrize(
    "text", ["我们宿舍都报了", "寝室的都填了", "我已经打卡了 在家", "宿舍全员已上报"]
)
def test_said_reported_is_other(text):
    assert kind(text) == "other"
    assert PARSER.unreadable_reason(text) is None


def test_reported_with_a_reading_is_a_checkin():
    assert one("闻静 36.5 在校 已报").temperature == 36.5
