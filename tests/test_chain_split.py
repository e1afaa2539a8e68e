"""Detection of 接龙 text: headers, numbering styles, titles, examples, flattened and quoted."""

import pytest

from handlers.chain.split import split_chain, split_lines


def entries(text):
    chain = split_chain(text)
    return None if chain is None else [(e.number, e.text) for e in chain.entries]


@pytest.mark.parametrize("header", ["#接龙", "#接龍", "#Group Note", "＃接龙", "# group note"])
def test_headers(header):
    chain = split_chain(f"{header}\n11月28日平安报告\n1. 李四 36.4 正常 在校")
    assert chain.has_header
    assert chain.title == "11月28日平安报告"
    assert [e.text for e in chain.entries] == ["李四 36.4 正常 在校"]


def test_header_glued_to_title():
    chain = split_chain("#接龙计科1班 12.1 体温\n1.张三 36.5")
    assert chain.has_header and chain.title == "计科1班 12.1 体温"


def test_numbering_styles():
    text = (
        "#接龙\n平安报告\n1. 张三\n2、李四\n3 王五\n(4) 赵敏\n5）钱七\n6: 孙悦\n7．周杰\n（8）吴迪"
    )
    assert entries(text) == [
        (1, "张三"),
        (2, "李四"),
        (3, "王五"),
        (4, "赵敏"),
        (5, "钱七"),
        (6, "孙悦"),
        (7, "周杰"),
        (8, "吴迪"),
    ]


def test_entry_spanning_lines():
    text = "#接龙\n平安报告\n1. 张三 36.5\n在校 正常\n\n2. 李四\n36.6 在家\n湖北武汉"
    assert entries(text) == [(1, "张三 36.5 在校 正常"), (2, "李四 36.6 在家 湖北武汉")]


def test_continuation_lines_with_numbers_are_not_entries():
    text = "#接龙\n平安报告\n1. 张三\n36.5 正常\n12栋305\n2. 李四 36.6"
    assert entries(text) == [(1, "张三 36.5 正常 12栋305"), (2, "李四 36.6")]


@pytest.mark.parametrize(
    "title",
    [
        "3. 周年庆",
        "11.28 平安报告",
        "2020.2.10 平安报告",
        "12月5日 体温接龙（22:00前）",
        "1.28 健康打卡",
    ],
)
def test_titles_are_never_entries(title):
    chain = split_chain(f"#接龙\n{title}\n1. 张三 36.5\n2. 李四")
    assert chain.title == title
    assert [e.number for e in chain.entries] == [1, 2]


def test_headerless_title_starting_with_date():
    chain = split_chain("11.28 平安报告\n1. 张三 36.5\n2. 李四 36.6")
    assert not chain.has_header and chain.title == "11.28 平安报告"
    assert len(chain.entries) == 2


def test_title_numbered_one_then_list_restarting_at_one():
    chain = split_chain("1. 周年庆活动签到\n1. 张三\n2. 李四")
    assert chain.title == "1. 周年庆活动签到"
    assert entries("1. 周年庆活动签到\n1. 张三\n2. 李四") == [(1, "张三"), (2, "李四")]


@pytest.mark.parametrize(
    "example", ["例 张三 36.5 正常 在校", "例：张三 36.5", "例:李四 36.4 无异常 在校"]
)
def test_example_line_is_not_an_entry(example):
    chain = split_chain(f"#接龙\n平安报告\n{example}\n1. 王五 36.6")
    assert chain.example and chain.example in example
    assert entries(f"#接龙\n平安报告\n{example}\n1. 王五 36.6") == [(1, "王五 36.6")]


def test_flattened_one_line_copy():
    text = (
        "#接龙 11.28 平安报告 例 张三 36.5 正常 在校 "
        "1. 李四 36.4 正常 在校 2. 赵敏 37.6 发烧 在家 3、王五 36.5 在校"
    )
    chain = split_chain(text)
    assert chain.has_header and chain.title == "11.28 平安报告"
    assert chain.example == "张三 36.5 正常 在校"
    assert [e.text for e in chain.entries] == [
        "李四 36.4 正常 在校",
        "赵敏 37.6 发烧 在家",
        "王五 36.5 在校",
    ]


def test_flattened_copy_without_spaces_before_numbers():
    assert entries("11.28 平安报告 1.张三 36.5 在校2.李四 36.6 在家3.王五") == [
        (1, "张三 36.5 在校"),
        (2, "李四 36.6 在家"),
        (3, "王五"),
    ]


def test_quoting_reply_counts_only_the_reply():
    quote = "「班长：#接龙\n平安报告\n1. 张三 36.5」\n- - - - - - - - - - - - - - -\n"
    assert split_chain(quote + "收到") is None
    chain = split_chain(quote + "#接龙\n平安报告\n1. 张三 36.5\n2. 李四 36.6")
    assert [e.text for e in chain.entries] == ["张三 36.5", "李四 36.6"]


@pytest.mark.parametrize("text", ["收到", "张三 36.5 正常 在校", "今天的接龙在哪", "3. 李四 36.5"])
def test_not_chains(text):
    assert split_chain(text) is None


def test_header_alone_is_an_empty_chain():
    chain = split_chain("#接龙\n计科1班 2月10日 平安报告\n例 姓名 体温 状况 在校/在家")
    assert chain.has_header and chain.entries == [] and chain.example == "姓名 体温 状况 在校/在家"


def test_resume_matches_a_full_read():
    lines = ["#接龙", "平安报告", "1. 张三", "36.5", "2. 李四 36.6", "3. 王五", "在家"]
    full = split_lines(lines)
    prior = split_lines(lines[:4])
    prior.entries = prior.entries[:1]
    resumed = split_lines(lines, start=4, prior=prior)
    assert [(e.number, e.text, e.line) for e in resumed.entries] == [
        (e.number, e.text, e.line) for e in full.entries
    ]
