"""The contract's settled questions (docs/parse-contract.md, "Settled questions"), one
test per decision, and the failure families seen on the blind corpora of issue 14.

Each test reads a reply the way `pingan parse` would and checks what a user of the
contract sees: kind and entries. The examples are ours, not corpus lines.
"""

from __future__ import annotations

import pytest

from tests.test_parse_contract import PARSER, entry


def parsed(text):
    got = PARSER.parse(text).to_json()
    return got["kind"], got["entries"]


def one(text):
    kind, entries = parsed(text)
    assert kind == "checkin", (text, kind)
    (only,) = entries
    return only


# -- 1. Fahrenheit only with its unit ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "celsius"),
    [
        ("卢卡 98.6°F 正常", 37.0),
        ("卢卡 98.6℉ 正常", 37.0),
        ("卢卡 98.6F 正常", 37.0),
        ("卢卡 华氏98.6 正常", 37.0),
        ("卢卡 100.4°F 咳嗽", 38.0),
        ("卢卡 97.7 °F 正常", 36.5),
    ],
)
def test_fahrenheit_with_its_unit_is_converted(text, celsius):
    assert one(text)["temperature"] == celsius


def test_a_bare_fahrenheit_sized_number_is_no_temperature():
    assert one("卢卡 98.6 正常")["temperature"] is None


# -- 2. numbers that are not readings ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "卢卡 宿舍373 正常",
        "卢卡 373寝室 正常",
        "卢卡 12栋 365 正常",
        "卢卡 36人 正常",
        "卢卡 38栋 正常",
        "卢卡 7:40 正常",
        "卢卡 7：40 正常",
        "卢卡 7点40 正常",
        "卢卡 7点40分 正常",
        "卢卡 40分钟前 正常",
        "卢卡 第37天 正常",
    ],
)
def test_counters_dorms_and_clock_times_are_not_readings(text):
    assert one(text)["temperature"] is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("卢卡 365 正常", 36.5), ("卢卡 体温373", 37.3), ("卢卡 体温 408", 40.8), ("卢卡 342", 34.2)],
)
def test_missing_dot_in_the_reading_slot(text, value):
    assert one(text)["temperature"] == value


def test_a_reading_beside_a_clock_time_is_still_read():
    assert one("卢卡 7:40测 36.6 正常")["temperature"] == 36.6


# -- 3. thresholds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "卢卡 体温37.3以下 在校",
        "卢卡 低于37.3 在校",
        "卢卡 体温不超过37.3 在校",
        "卢卡 没超过37.3℃ 在校",
        "卢卡 体温<37.3 在校",
    ],
)
def test_a_threshold_below_says_normal(text):
    assert one(text) == entry(name="卢卡", abnormal=False, on_campus=True)


@pytest.mark.parametrize(
    "text",
    ["卢卡 体温37.3以上 在家", "卢卡 超过37.3 在家", "卢卡 高于37.3度 在家", "卢卡 体温>37.3 在家"],
)
def test_a_threshold_above_says_abnormal(text):
    assert one(text) == entry(name="卢卡", abnormal=True, on_campus=False)


def test_a_threshold_below_with_a_symptom_is_abnormal():
    assert one("卢卡 37.3以下 咳嗽")["abnormal"] is True


def test_a_notice_quoting_a_threshold_stays_other():
    assert parsed("体温超过37.3的同学请及时告诉我") == ("other", [])


# -- 4. corrections and past readings ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "卢卡 37.5 更正 36.5",
        "卢卡 37.5 改为36.5",
        "卢卡 37.5改成36.5",
        "卢卡 37.5 应为36.5",
        "卢卡 37.5 应该是36.5",
        "卢卡 37.5 写错了 36.5",
        "卢卡 不是37.5是36.5",
        "卢卡 昨天37.5 今天36.5",
        "卢卡 昨晚37.6 36.5",
    ],
)
def test_the_corrected_or_current_reading_wins(text):
    got = one(text)
    assert (got["temperature"], got["abnormal"]) == (36.5, False)


def test_morning_then_afternoon_is_not_past_highest_wins():
    assert one("卢卡 上午36.5 下午37.4")["temperature"] == 37.4


def test_a_past_reading_alone_is_still_read():
    assert one("卢卡 昨天37.5")["temperature"] == 37.5


# -- 5. spelled forms and whole degrees -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("卢卡 36点7 正常", 36.7),
        ("卢卡 36度半 正常", 36.5),
        ("卢卡 三十六度 正常", 36.0),
        ("卢卡 三十六点五度 正常", 36.5),
        ("卢卡 三十七度二", 37.2),
        ("卢卡 三十六點五", 36.5),
        ("盧卡 卅六度五 正常", 36.5),
        ("卢卡 37 正常", 37.0),
        ("卢卡 37度 正常", 37.0),
        ("卢卡 37℃ 正常", 37.0),
        ("卢卡 体温 36", 36.0),
        ("卢卡36正常", 36.0),
    ],
)
def test_spelled_and_whole_degree_forms(text, value):
    assert one(text)["temperature"] == value


@pytest.mark.parametrize(
    "text", ["卢卡 37人 在校", "卢卡 38号 在校", "卢卡 40分 在校", "卢卡 36岁 在校"]
)
def test_whole_numbers_with_a_counter_are_not_readings(text):
    assert one(text)["temperature"] is None


# -- 6. open word families --------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "正常",
        "无异常",
        "健康",
        "良好",
        "一切安好",
        "平安",
        "体温正常",
        "没事",
        "无症状",
        "无不适",
        "身体好",
        "挺好的",
        "都好",
    ],
)
def test_well_words(word):
    assert one(f"卢卡 {word} 在校")["abnormal"] is False


@pytest.mark.parametrize(
    "word", ["不舒服", "不太舒服", "有点不舒服", "身体不适", "难受", "头晕", "不适"]
)
def test_unwell_words_without_a_symptom(word):
    got = one(f"卢卡 {word} 在校")
    assert (got["abnormal"], got["symptoms"]) == (True, [])


@pytest.mark.parametrize(
    ("text", "symptom"),
    [("嗓子有点疼", "咽痛"), ("喉咙有些痛", "咽痛"), ("头有点疼", "头痛"), ("嗓子比较痛", "咽痛")],
)
def test_degree_words_inside_a_symptom(text, symptom):
    assert one(f"卢卡 36.5 {text}")["symptoms"] == [symptom]


# -- 7. negation scope ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "symptoms"),
    [
        ("没有发烧，咳嗽", ["咳嗽"]),
        ("没有发烧。咳嗽", ["咳嗽"]),
        ("没有发烧；咳嗽", ["咳嗽"]),
        ("没有发烧、咳嗽", []),
        ("无发热咳嗽", []),
        ("没有发烧 咳嗽", []),
        ("无发热或咳嗽", []),
        ("无发热、咳嗽等症状", []),
        ("不咳嗽但嗓子疼", ["咽痛"]),
    ],
)
def test_negation_reaches_to_the_clause_boundary(text, symptoms):
    assert one(f"卢卡 36.5 {text}")["symptoms"] == symptoms


# -- 8. isolation forms and status changes ----------------------------------------------


@pytest.mark.parametrize(
    "word", ["在家隔离", "居家隔离", "居家观察", "居家医学观察", "居家健康监测"]
)
def test_home_isolation(word):
    got = one(f"卢卡 36.5 {word}")
    assert (got["isolation"], got["on_campus"]) == ("home", False)


@pytest.mark.parametrize(
    "word", ["酒店隔离", "隔离酒店", "集中隔离", "集中医学观察", "隔离点", "方舱"]
)
def test_central_isolation_leaves_campus_open(word):
    got = one(f"卢卡 36.5 {word}")
    assert (got["isolation"], got["on_campus"]) == ("central", None)


@pytest.mark.parametrize("word", ["已解除隔离", "解除隔离", "隔离结束", "隔离期满"])
def test_isolation_ended(word):
    assert one(f"卢卡 36.5 {word}")["isolation"] is None


def test_isolation_ended_back_on_campus():
    got = one("卢卡 36.5 已解除隔离 返校")
    assert (got["on_campus"], got["isolation"]) == (True, None)


# -- 9. places --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("在鄂", "湖北"),
        ("回湘了", "湖南"),
        ("抵京 集中隔离", "北京"),
        ("现居沪", "上海"),
        ("(琼)", "海南"),
        ("来自蜀", "四川"),
    ],
)
def test_province_abbreviation_after_a_place_verb(text, province):
    assert one(f"卢卡 36.5 {text}")["province"] == province


@pytest.mark.parametrize("text", ["鄂小明 36.5 在校", "卢京 36.5 在校", "卢卡 36.5 京剧社"])
def test_abbreviation_inside_a_word_or_name_is_no_place(text):
    assert one(text)["province"] is None


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("从湖北到北京", "北京"),
        ("来自湖北 现在在广东", "广东"),
        ("湖南出发 途经湖北 到北京", "北京"),
        ("昨天从武汉回到郑州", "河南"),
        ("途经武汉 现在在长沙", "湖南"),
        ("湖北武汉", "湖北"),
        ("广东 深圳", "广东"),
        ("海口 老家湖南", "湖南"),
    ],
)
def test_where_the_person_is_now(text, province):
    assert one(f"卢卡 36.5 {text}")["province"] == province


@pytest.mark.parametrize(
    "text", ["未去过湖北", "没去武汉", "不在湖北", "未途经武汉", "无湖北旅居史"]
)
def test_a_negated_place_is_not_the_persons(text):
    assert one(f"卢卡 36.5 {text}")["province"] is None


def test_a_negated_place_and_another_one():
    assert one("卢卡 36.5 未去过湖北 在长沙")["province"] == "湖南"


# -- 10. English names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Tom 36.5 正常 在校", "Tom"),
        ("Anna Li 36.5 正常", "Anna Li"),
        ("Kevin Zhang 97.9℉ 在家", "Kevin Zhang"),
    ],
)
def test_english_name_in_the_name_slot(text, name):
    assert one(text)["name"] == name


@pytest.mark.parametrize("text", ["OK 36.5 正常", "Hi 36.5 正常"])
def test_a_greeting_is_no_name(text):
    assert one(text)["name"] is None


@pytest.mark.parametrize("text", ["WiFi 在宿舍很差", "iPad 在宿舍"])
def test_a_brand_is_no_name(text):
    assert parsed(text) == ("other", [])


# -- 11. several people in one message --------------------------------------------------


def test_a_monitor_reporting_for_a_dorm_is_a_chain():
    kind, entries = parsed(
        "帮宿舍报一下：\n卢卡 36.5 正常 在宿舍\n柯敏 36.6 正常 在宿舍\n白雪 36.4 咳嗽"
    )
    assert kind == "chain"
    assert [e["name"] for e in entries] == ["卢卡", "柯敏", "白雪"]
    assert entries[2] == entry(name="白雪", temperature=36.4, abnormal=True, symptoms=["咳嗽"])


def test_one_person_over_several_lines_stays_one_check_in():
    assert parsed("卢卡\n36.5\n正常 在校")[0] == "checkin"


# -- 12. 接龙 not about the check-in ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "#接龙\n周五聚餐报名\n1. 卢卡\n2. 柯敏",
        "#接龙\n领取口罩\n1. 卢卡 2个\n2. 柯敏 1个",
        "羽毛球约起来\n1. 卢卡\n2. 柯敏\n3. 白雪",
    ],
)
def test_a_chain_without_a_check_in_fact_is_other(text):
    assert parsed(text) == ("other", [])


def test_a_check_in_chain_nobody_has_signed_yet():
    assert parsed("#接龙\n12月1日平安报告\n例 张三 36.5 正常 在校") == ("chain", [])


def test_a_chain_whose_lines_report_is_a_chain_whatever_its_title():
    kind, entries = parsed("#接龙\n3班\n1. 卢卡 36.5\n2. 柯敏 36.6")
    assert (kind, len(entries)) == ("chain", 2)


# -- 13–15. acknowledgement + report, sample notices, bare states -----------------------


@pytest.mark.parametrize("text", ["收到！卢卡 36.5 正常 在校", "好的 卢卡 36.5 正常 在校"])
def test_an_acknowledgement_then_a_report_is_the_report(text):
    assert one(text) == entry(name="卢卡", temperature=36.5, abnormal=False, on_campus=True)


@pytest.mark.parametrize(
    "text",
    [
        "请大家按格式回复，例：王小明 36.5 在校",
        "按以下格式回复 例：王小明 36.5 在校",
        "【通知】明天起报平安 王小明 36.5 在校",
        "格式如下：姓名 体温 在校（示例：王小明 36.5 在校）",
        "参考格式 王小明 36.5 正常 在校",
    ],
)
def test_a_notice_with_a_sample_is_other(text):
    assert parsed(text) == ("other", [])


@pytest.mark.parametrize(
    "text", ["正常", "一切正常", "平安", "体温正常", "身体健康", "正常！", "我一切正常"]
)
def test_a_bare_state_word_is_the_senders_check_in(text):
    assert parsed(text) == ("checkin", [entry(abnormal=False)])


@pytest.mark.parametrize("text", ["在家", "我在家", "正常吗", "没事", "收到", "好的"])
def test_a_bare_whereabouts_or_chatter_stays_other(text):
    assert parsed(text)[0] == "other"


# -- 16. 接龙 index glued to a student id -----------------------------------------------


def test_chain_index_glued_to_a_student_id():
    kind, entries = parsed("#接龙\n体温上报\n1.2019031124 闫博 36.8度\n2.2019031125 柯敏 36.5度")
    assert kind == "chain"
    assert entries == [
        entry(name="闫博", temperature=36.8, abnormal=False),
        entry(name="柯敏", temperature=36.5, abnormal=False),
    ]
