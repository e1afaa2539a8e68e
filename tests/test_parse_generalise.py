"""Rules that make the parser hold on replies written by other people than the dev corpus's.

One test per failure family seen on an independently written corpus: names by their
position (rare surnames, names that are words, names outside the surname mould), class codes,
symptoms next to other words, small places, questions and chatter, 接龙 lists of filled-in
forms. The examples are our own, not copied from any corpus.
"""

from __future__ import annotations

import pytest

from handlers.parse import Parser

PARSER = Parser()


def one(text):
    result = PARSER.parse(text)
    assert result.kind == "checkin", (text, result)
    return result.entries[0]


def chain(text):
    result = PARSER.parse(text)
    assert result.kind == "chain", (text, result)
    return result.entries


# -- names by position ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("蔺晨 36.6 在校 正常", "蔺晨"),  # rare surnames
        ("訾雯 36.5 宿舍", "訾雯"),
        ("乜小川 36.4 在家 良好", "乜小川"),
        ("安然 36.5 在校 正常", "安然"),  # names that are also words
        ("常青 36.4 宿舍 无异常", "常青"),
        ("金秋 36.6 在家 良好", "金秋"),
        ("打卡：白露 36.5 在校", "白露"),  # after a prefix
        ("学号2020113 郄晨 36.6 宿舍", "郄晨"),
        ("热依拉 36.5 正常 在家", "热依拉"),  # outside the surname mould
        ("于海南 36.5 在校", "于海南"),  # a surname that is a preposition, then a place
        ("向平安 36.6 在家", "向平安"),
        ("上官平安 36.6 在校", "上官平安"),  # compound surname + a well word
        ("司马长春 36.5 在家", "司马长春"),  # compound surname + a place
    ],
)
def test_the_leading_word_of_a_checkin_is_the_person(text, name):
    assert one(text).name == name


def test_chain_entries_lead_with_the_person_whatever_the_name():
    entries = chain(
        "#接龙\n3.3 体温\n1. 缑亮 36.5 在家\n2. 晏清 36.6 宿舍\n3. 买合木提 36.5 在家 阿克苏\n"
        "4. 古丽娜 36.6 在家\n5. 次仁 36.4 在校\n6. 格桑 36.5\n7. 帕提古丽 36.6\n"
        "8. 斯琴 36.6 在家 锡林郭勒\n9. 丰年 36.5 在家"
    )
    assert [e.name for e in entries] == [
        "缑亮",
        "晏清",
        "买合木提",
        "古丽娜",
        "次仁",
        "格桑",
        "帕提古丽",
        "斯琴",
        "丰年",
    ]
    assert entries[2].province == "新疆" and entries[7].province == "内蒙古"


def test_a_chain_line_may_lead_with_a_name_that_is_a_noun():
    entries = chain("#接龙\n1 苍穹 36.5 健康 在校\n2 阙晴 36.4 健康 在校\n3 依娜 36.6 在家")
    assert [e.name for e in entries] == ["苍穹", "阙晴", "依娜"]
    assert one("苍穹 36.5 在校").name is None  # a lone reply: a noun is not taken


@pytest.mark.parametrize(
    "text",
    [
        "同上 36.5 在家",
        "今晚 36.5 宿舍",
        "刚测完 36.6 在校",
        "图书馆 36.6 正常",
        "考研党 36.5 在校",
        "补卡 36.4 在家",
        "安全到家 36.5",
        "周末 36.5 在家",
        "报到 36.5 正常",
        "方便 36.5",  # an everyday word before a bare reading
        "36.5 金平 在家",  # the reading comes first: the place is a place
        "于海南家中 36.5",  # 于 is "at" here
    ],
)
def test_words_that_lead_a_reply_but_are_not_names(text):
    assert one(text).name is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("软工2003 李思远 36.5 在家 正常", "李思远"),
        ("网安2101 赵倩 36.8 正常", "赵倩"),
        ("营销2001 顾北 36.5 在家", "顾北"),
        ("电信1902班 王晓 36.6 宿舍", "王晓"),
    ],
)
def test_a_class_code_is_a_label_not_a_name(text, name):
    assert one(text).name == name


def test_the_person_after_a_class_code_leads_the_entry():
    assert one("计科1801 荀雨 36.5 在家").name == "荀雨"
    entries = chain("#接龙\n1. 【护理2001】邴雪 36.5\n2. 护理2001 贲晨 36.6 宿舍")
    assert [e.name for e in entries] == ["邴雪", "贲晨"]
    assert one("王芳1801 36.5").name == "王芳"  # nobody else: the run glued to digits


def test_a_place_name_leads_only_when_it_is_the_person():
    entries = chain("#接龙\n1. 贺兰 36.5 在家 赤壁\n2. 岳阳 36.6 在家 石首")
    assert [(e.name, e.province) for e in entries] == [("贺兰", "湖北"), ("岳阳", "湖北")]
    alone = one("岳阳 36.6 在家")  # a prefecture written alone is where, not who
    assert alone.name is None and alone.province == "湖南"


# -- symptoms next to other words -------------------------------------------------------


def test_a_negator_that_starts_its_own_clause_denies_nothing_before_it():
    assert one("全身无力 想睡觉 36.9 在家").symptoms == ["乏力"]
    assert one("嗓子疼 不想说话 36.6 在家 王珂").symptoms == ["咽痛"]
    answered = one("发热 无 咳嗽 无 36.5 在家 李桐")  # an answer still denies
    assert answered.symptoms == [] and answered.abnormal is False


def test_a_negator_covers_a_spaced_list_to_the_clause_boundary():
    assert one("何帆 36.5 没有发热 咳嗽 乏力等症状").symptoms == []
    # settled question 7: a space is no clause boundary, a comma is
    assert one("何帆 36.5 无发热 咳嗽").symptoms == []
    assert one("何帆 36.5 无发热，咳嗽").symptoms == ["咳嗽"]


# -- small places -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("徐磊 36.5 在家 沛县", "江苏"),  # a two-character county, in full
        ("段鹏 36.6 在家 滑县", "河南"),
        ("贺兰 36.5 在家 赤壁", "湖北"),  # a county-level city that is also a noun
        ("韦一 36.7 在家 黔江", "重庆"),  # district short forms
        ("施然 36.4 在家 海淀", "北京"),
        ("冉冬 36.5 在家 涪陵", "重庆"),
    ],
)
def test_counties_and_districts_give_the_province(text, province):
    assert one(text).province == province


# -- questions and chatter --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "体温37.3算不算发烧啊",
        "低烧一般去哪看",
        "请问体温要报几位小数",
        "正常体温是36到37之间对吧",
        "今天要在哪里打卡呢",
        "宿舍网不好，晚点报",
        "体温高于37.3的同学请到医务室",
    ],
)
def test_questions_and_chatter_are_other(text):
    assert PARSER.parse(text).kind == "other"


def test_unwell_adjective_counts_after_a_health_word_only():
    assert one("身体不好 在家").abnormal is True
    assert one("张三 36.5 感觉不太好").abnormal is True


# -- 接龙 of filled-in forms ------------------------------------------------------------


def test_a_chain_of_filled_in_forms_is_one_entry_per_form():
    entries = chain(
        "1、姓名：祁连 学号：2021011 体温：36.5 在家\n2、姓名：甄真 学号：2021012 体温：36.6 宿舍"
    )
    assert [(e.name, e.temperature, e.on_campus) for e in entries] == [
        ("祁连", 36.5, False),
        ("甄真", 36.6, True),
    ]


def test_one_persons_numbered_form_stays_one_checkin():
    entry = one("1.姓名：雷雨\n2.体温：36.7\n3.是否在校：是")
    assert (entry.name, entry.temperature, entry.on_campus) == ("雷雨", 36.7, True)


# -- weather and leave: whole degrees beside weather words, 请假 is no request ------------


@pytest.mark.parametrize("text", ["今天海口37度，好热", "明天降温到35度", "最高气温38度"])
def test_weather_degrees_are_no_reading(text):
    assert PARSER.parse(text).kind == "other"


def test_a_decimal_reading_beside_weather_talk_is_read():
    assert one("何帆 36.5 在家 今天好热").temperature == 36.5


def test_asking_for_leave_is_no_request():
    result = PARSER.parse("我发烧了，38.5，请假一天")
    assert result.kind == "checkin"
    assert (result.entries[0].temperature, result.entries[0].symptoms) == (38.5, ["发热"])
    assert PARSER.parse("请假一天").kind == "other"
