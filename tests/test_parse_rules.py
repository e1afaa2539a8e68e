"""Each rule family of the parser, with the variety of real replies (docs/parser.md)."""

from __future__ import annotations

import pytest

from handlers.parse import Parser
from handlers.parse.normalise import normalise
from handlers.parse.temperature import readings

PARSER = Parser()


def read(text):
    return PARSER.parse_entry(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("37度8", 37.8),
        ("38度", 38.0),
        ("三十七度", 37.0),
        ("三十五度九", 35.9),
        ("37.5°C", 37.5),
        ("36.5摄氏度", 36.5),
        ("体温36", 36.0),
        ("体温：36.7℃", 36.7),
        ("T36.6", 36.6),
        ("36.55", 36.6),
        ("374", 37.4),
        ("359", 35.9),
        ("张三/36.5/正常", 36.5),
        ("张三-36.5-在家", 36.5),
        ("36.5-37.0", 37.0),
        ("张三.36.5.在校", 36.5),
        ("早上36.3，中午36.6，晚上36.9", 36.9),
    ],
)
def test_temperature_forms(text, value):
    assert max(r.value for r in readings(normalise(text).text)) == value


@pytest.mark.parametrize(
    "text",
    [
        "12栋365",
        "3号楼512",
        "A3-512",
        "6-208",
        "365室",
        "7:30",
        "22:00",
        "11/29",
        "12.1",
        "2021级",
        "42.8",
        "33.9",
        "学号2021030512",
        "宿舍408",
        "408寝室",
        "98.6",
        "36人",
        "0.365",
        "12.365",
        "365弄",
        "368路",
    ],
)
def test_not_temperatures(text):
    assert readings(normalise(text).text) == []


@pytest.mark.parametrize(
    ("text", "symptoms", "abnormal"),
    [
        ("无发热咳嗽", [], False),
        ("无发热、咳嗽、乏力等症状", [], False),
        ("无发热及咳嗽等症状", [], False),
        ("没有乏力等症状，就是拉肚子", ["腹泻"], True),
        ("不咳嗽但嗓子疼", ["咽痛"], True),
        ("不发烧，就是嗓子疼", ["咽痛"], True),
        ("未见咳嗽，但是有点发烧", ["发热"], True),
        ("无发热，有点咳嗽", ["咳嗽"], True),
        ("不咳了 也不发烧了", [], False),
        ("没有嗅觉味觉减退 没有乏力", [], False),
        ("没有胸闷气短", [], False),
        ("发热：无 咳嗽：无 乏力：有", ["乏力"], True),
        ("有无发热咳嗽等症状：无", [], False),
        ("咳嗽已好", [], False),
        ("全身酸痛 低烧", ["肌肉酸痛", "发热"], True),
        ("干咳 有痰 咳嗽", ["咳嗽"], True),
        (
            "喘不上气 闻不到味道 吐了 鼻子不通 流鼻水 拉稀 头疼 喉咙疼 疲劳",
            ["呼吸困难", "嗅觉味觉减退", "呕吐", "鼻塞", "流涕", "腹泻", "头痛", "咽痛", "乏力"],
            True,
        ),
        ("无“发热、干咳”等症状", [], False),
        ("症状：无", [], False),
        ("不适：没有", [], False),
        ("喉咙有点痛 鼻子有点堵", ["咽痛", "鼻塞"], True),
        ("肚子疼", [], True),
        ("无确诊疑似病例接触史", [], False),
        ("无咳嗽等不适", [], False),
        ("无发热、头晕", [], False),
    ],
)
def test_symptoms_and_negation_scope(text, symptoms, abnormal):
    got = read(f"张三 {text}")
    assert (got.symptoms, got.abnormal) == (symptoms, abnormal)


@pytest.mark.parametrize(
    ("text", "abnormal"),
    [
        ("正常", False),
        ("无异常", False),
        ("健康", False),
        ("良好", False),
        ("一切安好", False),
        ("平安", False),
        ("体温正常", False),
        ("无不适", False),
        ("身体建康", False),
        ("正长", False),
        ("异常", True),
        ("不舒服", True),
        ("身体不适", True),
        ("有点不舒服", True),
        ("不正常", True),
        ("在校", None),
        ("海口", None),
    ],
)
def test_health_words(text, abnormal):
    assert read(f"张三 {text}").abnormal is abnormal


@pytest.mark.parametrize(
    ("text", "on_campus"),
    [
        ("在校", True),
        ("留校", True),
        ("校内", True),
        ("在宿舍", True),
        ("宿舍", True),
        ("返校了", True),
        ("在学校", True),
        ("在家", False),
        ("居家", False),
        ("家中", False),
        ("家里", False),
        ("老家", False),
        ("已回家", False),
        ("在家 明天返校", False),
        ("在校 下周回家", True),
        ("海口", None),
    ],
)
def test_campus_words(text, on_campus):
    assert read(f"张三 {text}").on_campus is on_campus


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("江西省赣州市", "江西"),
        ("广东汕头", "广东"),
        ("在家（石家庄）", "河北"),
        ("人在哈尔滨", "黑龙江"),
        ("宁夏银川", "宁夏"),
        ("包头家中", "内蒙古"),
        ("乌鲁木齐", "新疆"),
        ("北京市海淀区", "北京"),
        ("恩施", "湖北"),
        ("琼海", "海南"),
        ("延边", "吉林"),
        ("台湾", "台湾"),
        ("在校 无湖北旅居史", None),
        ("在家 长沙 未去过武汉", "湖南"),
        ("廣州", "广东"),
        ("在校", None),
        ("城市", None),
    ],
)
def test_places_to_provinces(text, province):
    assert read(f"张三 36.5 {text}").province == province


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("周杰 36.8", "周杰"),
        ("海口陈晨 36.5", "陈晨"),
        ("罗宇轩琼海 36.4", "罗宇轩"),
        ("王芳海口36.5正常", "王芳"),
        ("诸葛明轩儋州36.5", "诸葛明轩"),
        ("本人姚梦涵 36.8", "姚梦涵"),
        ("我是石浩轩，36.5", "石浩轩"),
        ("老师好，我是王海燕，今天体温36.5℃", "王海燕"),
        ("帮室友报一下：冯雨 36.5", "冯雨"),
        ("计科2班 蒋欣 36.4", "蒋欣"),
        ("21级软工3班-范伟-36.5", "范伟"),
        ("11月28日平安报告 曾凡宇 36.5", "曾凡宇"),
        ("打卡：2021576253 苏雨涵 36.9", "苏雨涵"),
        ("宿舍 贺敏 36度5", "贺敏"),
        ("12栋305 吕薇 36.5", "吕薇"),
        ("36.5 正常 在校 张三", "张三"),
        ("李长春 36.5", "李长春"),
        ("欧阳娜娜三亚 36.4", "欧阳娜娜"),
        ("报告：本人36.6", None),
        ("36.4 文昌 在家", None),
        ("今天有点头疼，体温36.9，在宿舍休息", None),
        ("现在张三 36.5 在家", "张三"),
        ("王均 36.5 在校", "王均"),
        ("江华萱 保山市 37度8", "江华萱"),
        ("金华强 38.1度 居家", "金华强"),
        ("薛博湖北省荆门 在家 358", "薛博"),
        ("姚芳彤38.6℃，宿舍", "姚芳彤"),
        ("于洋，36.7 一切安好 家里", "于洋"),
        ("周末宿舍 36.5", None),
        ("李晚晴 36.5 在校", "李晚晴"),
        ("于北京家中 36.5 正常", None),
        ("36.5 在公司 正常", None),
        ("早36.5 晚36.9 正常 在校", None),
    ],
)
def test_names(text, name):
    assert read(text).name == name


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("收到", "other"),
        ("已报+1", "other"),
        ("李娜已报", "other"),
        ("[语音]", "other"),
        ("👍", "other"),
        ("老师今天要报吗", "other"),
        ("今天海口好热啊", "other"),
        ("宿舍今天又停水了", "other"),
        ("体温超过37.3的同学请单独私聊我", "other"),
        ("@全体成员 请大家今晚22:00前完成健康打卡", "other"),
        ("请大家按格式报：姓名 体温 是否正常 在校/在家", "other"),
        ("老师，我在家要填什么地址", "other"),
        ("11.28平安报告已截止，未报：王磊、李娜、陈晨", "other"),
        ("36.5", "checkin"),
        ("邹嘉欣 在校", "checkin"),
        ("在家 正常", "checkin"),
        ("😷有点咳嗽 36.8 在家", "checkin"),
        ("张三 36.5 正常 在校 请老师查收", "checkin"),
        ("大家好，我是张三 36.5 正常", "checkin"),
        ("张三 36.5 正常 在校 以上信息属实", "checkin"),
        ("收到通知，张三 36.5 正常 在校", "checkin"),
        ("各位好，我是张三 36.5 正常", "checkin"),
        ("#接龙\n平安报告\n①张三 36.5\n②李四 36.6 在家", "chain"),
        ("请大家接龙报体温\n1. 张三 36.5\n2. 李四 36.6", "chain"),
        ("今日值班安排\n1. 张三 8:00-12:00\n2. 李四 12:00-18:00", "other"),
        ("未报名单：\n1. 张三\n2. 李四", "other"),
        ("【通知】\n1. 明天上午8点核酸\n2. 带好身份证\n3. 戴口罩", "other"),
        ("#接龙\n平安报告", "chain"),  # settled question 12: a check-in 接龙, nobody yet
        ("#接龙\n周五聚餐报名", "other"),
        ("#接龙\n平安报告\n1，张三，36.5\n2，李四，36.6，在家", "chain"),
        ("體溫超過37.3的同學請單獨私聊我", "other"),
    ],
)
def test_kinds(text, kind):
    assert PARSER.parse(text).kind == kind


def test_emoji_stickers_and_stray_punctuation_are_ignored():
    for text in [
        "王五 36.5 在校✅😊",
        "王五 36.5 在校[玫瑰][玫瑰]",
        "王五36.5在校正常！！！",
        "～王五～36.5～在校～",
    ]:
        got = read(text)
        assert (got.name, got.temperature, got.on_campus) == ("王五", 36.5, True)


def test_flattened_chain_with_bare_numbers():
    text = (
        "#接龙 12月5日 体温接龙（22:00前） 例 张三 36.5 正常 "
        "1 何雨萱 36.8℃ 宿舍 没发烧 2 范伟 3 诸葛明轩 37.4 在家"
    )
    got = PARSER.parse(text)
    assert got.kind == "chain"
    assert [(e.name, e.temperature) for e in got.entries] == [
        ("何雨萱", 36.8),
        ("范伟", None),
        ("诸葛明轩", 37.4),
    ]


def test_single_line_with_small_numbers_stays_one_checkin():
    got = PARSER.parse("张三 1 班 36.5 正常 2 楼 在校")
    assert got.kind == "checkin" and got.entries[0].name == "张三"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("王伟 在家 正常 没啥事", "checkin"),  # 没啥 asks nothing
        ("王伟 在家 正常 干啥", "other"),  # 啥 asks
        ("啥时候截止", "other"),
        ("王伟 在家 正常 都报了", "other"),  # about the report, not the report
        ("王伟 在家 已经报了", "other"),
        ("王伟 在家 正常 打过卡", "other"),
        ("王伟 在家 正常", "checkin"),
    ],
)
def test_question_and_reported_words(text, kind):
    assert PARSER.parse(text).kind == kind
