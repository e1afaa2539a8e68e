"""What kind of message a reply is: one person's check-in, a 接龙 list, or anything else.

The contract's hard cases are decided here, not in the chain splitter:

- a counselor's notice or instruction (请, 截止, 未报, @全体成员 …) and a question (吗, 怎么,
  哪, 对吧, 请问, a closing 呢, ？) are `other` unless they also carry a named person's temperature;
- a reply that says it has reported (`我们宿舍都报了`, `已填`) is `other` without a
  temperature or anything unwell;
- a check-in needs a temperature, or a name with something about health or whereabouts, or
  two such things (`在家 正常`), or a symptom; one stray word (`宿舍今天又停水了`,
  `今天海口好热啊`) is chatter;
- a numbered list without a `#接龙` header is a chain only when most of its lines start with
  a person and some line reports something; a numbered notice (`【通知】1. … 2. …`), a
  roll call or a duty list is `other`; a list where most lines are a person and an
  acknowledgement (`1. 储雨 收到`) is a chain;
- a numbered form filled in by one person (`1.姓名：… 2.体温：…`) is one check-in.
"""

from __future__ import annotations

import re

from handlers.chain.split import ChainText
from handlers.parse.entry import EntryReading
from handlers.parse.normalise import to_simplified
from handlers.parse.scanner import Cat, is_han

# A counselor addressing the group: never a student's own check-in.
NOTICE = re.compile(
    r"@全体|全体成员|同学们|各位同学|请大家|大家(?!好)|截止|未报|没报|名单|补报|尚未"
)
# Words of notices and requests that a student's report may also hold (`以上信息属实`,
# `收到通知`, `请老师查收`): other unless a named person's temperature is there too.
REQUEST = re.compile(
    r"请(?!个?假)|注意|提醒|尽快|按时|要求|前完成|通知|公告|格式|务必|统计|超过|以上|以下|收集|抓紧|各位"
)
# Alternatives that each start with a literal, so the regex engine skips ahead to their
# first characters (啥 not after 没 is tested behind the 啥, which keeps it a literal
# start); the A-not-A form (算不算, 要不要, 用不用) starts with any Han character,
# which would make it try every position, so it is a second pattern, tried only when the
# text holds a 不.
QUESTION_WORDS = re.compile(
    r"\?|？|吗|怎么|什么|要不要|是不是|能不能|可不可以|可以不|几点|哪|为什么|为啥|多少"
    r"|咋|啥(?<!没啥)|请问|对吧|是吧|有没有|呢\W*$"
)
A_NOT_A = re.compile(r"([\u4e00-\u9fff])不\1")
# Saying that one has reported (`我们宿舍都报了`, `已填`, `打过卡了`): with no temperature and
# nothing unwell, a statement about the report, not a report.
# The leading lookahead names every alternative's first character, so the regex engine
# skips ahead to them instead of trying each alternative at each position.
REPORTED = re.compile(
    r"(?=[已都也报填打接])"
    r"(?:(?:已经?|都|也)(?:上报|报|填|打卡|接龙)|(?:报|填|打卡|接龙)(?:过|完|好)?了|打过卡|报过|填过)"
)
FORM_LABEL = re.compile(
    r"^\s*(?:姓名|名字|学号|班级|专业|学院|年级|体温|今日体温|温度|是否|目前|所在|现居|当前|健康|"
    r"身体|症状|有无|位置|地点|住址|宿舍|联系|电话|手机|隔离|备注|日期|时间|居住)[^:：\s]{0,14}(?:[:：]|\s)"
)


# A threshold written in a report (`37.3以下`, `不超过37.3`): its 以下/超过 are no request.
THRESHOLD = re.compile(
    r"(?:低于|不超过?|没超过?|没有超过|未超过?|不高于|不到|不足|超过|高于|[<>])\s?\d{2}(?:\.\d)?\s?(?:℃|度|°C)?"
    r"|\d{2}(?:\.\d)?\s?(?:℃|度|°C)?\s?(?:以下|以上|以内)"
)


# A notice that shows the format to use: its sample is never anyone's report.
# Every alternative starts with a literal, so the regex engine skips ahead to it.
SAMPLE = re.compile(
    r"(?<![^\s,，。;；:：(（【])例(?:如)?\s*[:：]|示例|范例|格式如下|如下格式|参考格式|【通知】"
    r"|按(?:照)?(?:以下|如下|下面|这个|此)?格式|[Ee]xample\s*[:：]"
)
# The characters every SAMPLE alternative starts with: one class scan says most replies
# cannot hold one.
SAMPLE_HINT = re.compile("[例示范格如参【按Ee]")


def shows_sample(text: str) -> bool:
    return SAMPLE_HINT.search(text) is not None and SAMPLE.search(text) is not None


# A 接龙 about the check-in says so in its title or example (平安报告, 体温, 健康打卡).
CHECKIN_TITLE = re.compile(
    r"平安|体温(?!计|枪)|健康(?!码)|打卡|晨检|午检|晚检|测温|疫情|在校|返校|离校|行程|隔离|身体|防控"
    r"|温度|症状"
)
# Health words that make a whole reply on their own (`正常`, `一切正常`, `身体健康`); not
# the chatty ones (`没事`, `还好`, `没问题`), which answer anything.
CHATTY_WELL = frozenset(
    {"没事", "没问题", "还好", "挺好", "很好", "一切顺利", "精神不错", "都好", "不错", "还行"}
)
# What may stand beside the state word: who, when, an acknowledgement before it (Q13), a
# closing particle (`正常哈`).
STATE_FILLERS = frozenset(
    {"我", "本人", "今天", "今日", "目前", "现在", "身体", "一切", "都", "也", "收到", "好的"}
    | set("啊哈呀哦嗯的了呢吧")
)


def is_bare_state(reading: EntryReading, text: str) -> bool:
    """`正常`, `一切正常`, `平安`, `体温正常`, `身体健康` as the whole reply: the sender's
    check-in. `text` is the whole message, simplified."""
    entry = reading.entry
    if entry.name is not None or entry.abnormal is not False or reading.fields != 1:
        return False
    if any(ch.isdigit() or (ch.isalpha() and not is_han(ch)) for ch in text):
        return False
    tokens = reading.tokens
    if not any(t.cat is Cat.WELL and t.text not in CHATTY_WELL for t in tokens):
        return False
    if not all(t.cat is Cat.WELL or t.text in STATE_FILLERS for t in tokens):
        return False
    covered = sum(t.end - t.start for t in tokens)
    return covered == sum(1 for ch in text if is_han(ch)) and not is_question(text)


def carries_checkin(chain: ChainText, readings: list[EntryReading]) -> bool:
    """A 接龙 is about the check-in when its title or example says so, or a line reports."""
    if CHECKIN_TITLE.search(to_simplified(f"{chain.title} {chain.example or ''}")):
        return True
    return any(
        r.entry.temperature is not None or r.bound is not None or r.fields > 0 or r.entry.symptoms
        for r in readings
    )


def is_question(text: str) -> bool:
    return QUESTION_WORDS.search(text) is not None or (
        "不" in text and A_NOT_A.search(text) is not None
    )


def is_checkin(reading: EntryReading, text: str) -> bool:
    """`text` is the whole message, simplified (a traditional 請 is a 请)."""
    entry = reading.entry
    has_temperature = entry.temperature is not None or reading.bound is not None
    named = entry.name is not None
    if reading.bound is not None:
        text = THRESHOLD.sub(" ", text)
    if NOTICE.search(text):
        return False
    if not has_temperature and entry.abnormal is not True and REPORTED.search(text):
        return False  # `我们宿舍都报了`, `在校 已报`: about the report, not the report
    if REQUEST.search(text) or is_question(text):
        return has_temperature and named and not shows_sample(text)
    if has_temperature or reading.fields >= 2 or entry.symptoms or (named and reading.fields):
        return not shows_sample(text)  # a notice's sample is nobody's report
    return False


# An acknowledgement signed on a 接龙 line (`1. 储雨 收到`): a list of them is a chain even
# though no line reports anything (a roll call or duty list acknowledges nothing).
ACK = re.compile(r"收到|已阅|已读|已看|已知悉|知悉|已知晓|好的|明白|知道了|已确认|确认")

# A name asked for by its label: one per filled-in form.
NAME_LABEL = re.compile(r"(?:姓名|名字)\s*[:：]")


def is_one_person_form(chain: ChainText) -> bool:
    """Numbered lines that are the fields of one form (`1.姓名：… 2.体温：…`).

    Not when two lines each carry a name label: that is a 接龙 of filled-in forms
    (`1. 姓名：许诺 体温：36.5 … 2. 姓名：甘甜 …`), one person per line.
    """
    texts = [to_simplified(e.text) for e in chain.entries]
    if sum(bool(NAME_LABEL.search(t)) for t in texts) >= 2:
        return False
    labelled = sum(bool(FORM_LABEL.match(t)) for t in texts)
    return len(chain.entries) >= 2 and labelled * 2 >= len(chain.entries)


def is_notice(chain: ChainText, readings: list[EntryReading]) -> bool:
    """A numbered list that is not a 接龙: a notice, or steps, or anything not by people."""
    if chain.has_header:
        return False
    if len(readings) < 2:
        return True
    people = sum(r.entry.name is not None for r in readings)
    if people * 2 <= len(readings):
        return True  # a notice, steps
    acks = sum(bool(ACK.search(e.text)) for e in chain.entries)
    if acks * 2 > len(readings):
        return False  # `1. 储雨 收到 2. 郁晓林 收到`: a 接龙 of acknowledgements
    reports = sum(r.entry.temperature is not None or r.fields > 0 for r in readings)
    return reports == 0  # a roll call, a duty list
