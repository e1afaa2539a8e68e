"""Recognising distress in a message: a small lexicon of phrases, with negation and the
everyday uses that only look like distress (压力测试, 电脑崩溃了, 笑到想哭).

Deliberately separate from the report parser's symptom list: a symptom is a health fact that
goes into a report, distress is a reason to reach out to a person, and the two must be
tunable apart. Every list here can be extended from config.yaml (`care.*_words`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["distress", "self_harm"]

# Degree words that may sit inside a phrase: 压力很大, 情绪特别低落.
_DEGREE = "(?:很|好|太|特别|非常|超|超级|有点|有些|比较|真的|挺)*"

#: Words of self-harm: any one pages the duty counselor and the psychologist at once.
SELF_HARM: tuple[str, ...] = (
    "不想活",
    "想死",
    "自杀",
    "轻生",
    "自残",
    "割腕",
    "跳楼",
    "跳下去",
    "寻死",
    "了结自己",
    "结束(?:自己的?)?生命",
    "活着" + _DEGREE + "没(?:什么|啥)?意(?:思|义)",
)

#: Words of distress: a kind private reply with the hotlines.
DISTRESS: tuple[str, ...] = (
    "焦虑",
    "失眠",
    "睡不着",
    "压力" + _DEGREE + "大",
    "压力山大",
    "崩溃",
    "想哭",
    "哭了",
    "(?:一直|总是|天天|每天|经常|偷偷)(?:在)?哭",
    "抑郁",
    "情绪" + _DEGREE + "低落",
    "心情" + _DEGREE + "(?:差|糟|低落)",
    "心里" + _DEGREE + "慌",
    "撑不下去",
    "痛苦",
)

#: Everyday phrases that contain a distress word but are not distress; blanked before matching.
EVERYDAY: tuple[str, ...] = (
    "压力测试",
    "压测",
    "压力大不大",
    "想死你",
    "想死我",
    # A machine crashes: 电脑崩溃了, 系统又崩溃了, 崩溃闪退.
    "(?:电脑|系统|服务器|微信|QQ|qq|软件|程序|网站|网页|App|APP|app|手机|游戏|平台|浏览器|网课)"
    "[又也都就]{0,2}崩溃",
    "崩溃了?闪退",
    # Joy or laughter to tears.
    "(?:笑|好吃|好看|好笑|感动|开心|激动|高兴)[到得]想哭",
    "笑哭",
    # The topic, not the person: a talk or a questionnaire about anxiety.
    "(?:焦虑|抑郁|失眠)[症]?(?:的)?(?:心理)?(?:讲座|科普|知识|课程|测评|量表|自评)",
)

#: A negation right before a word turns it off (不焦虑, 没有失眠, 别崩溃, 从未有过自杀的想法).
NEGATIONS: tuple[str, ...] = (
    "不",
    "没",
    "没有",
    "无",
    # 别 (don't), not the 别 inside 特别, 分别, 区别, 个别, 告别, 级别, 类别, 性别, 差别, 识别.
    "(?<![特分区个告级类性差识])别",
    "未",
    "莫",
    "毫不",
    "并不",
    "从未",
    "从没",
    "不用",
    "不要",
    "不再",
    "不会",
)
# What may stand between a negation and the word: 不怎么焦虑, 并不觉得焦虑, 从未有过自杀.
_FILLER = "(?:怎么|太|再|觉得|感到|感觉|会|是|有过|有|用|要|那么|很|算|特别|的|了|过|什么)*"
# A clause ends at punctuation or a space: a negation never reaches across it.
_CLAUSE = re.compile(r"[，。！？；、,.!?;:：\s]")
_TITLE = re.compile(r"《[^》]*》")


@dataclass(frozen=True, slots=True)
class Finding:
    """What a message says: the strongest level found (None: nothing), and the phrases."""

    level: Level | None
    words: tuple[str, ...] = ()


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{w})" for w in words))


def _literal(words: Iterable[str]) -> list[str]:
    """Config words are plain text, never regular expressions."""
    return [re.escape(w.strip()) for w in words if w.strip()]


class Lexicon:
    """The compiled lexicon: the defaults above plus the words config adds."""

    def __init__(
        self,
        *,
        distress: Iterable[str] = (),
        self_harm: Iterable[str] = (),
        everyday: Iterable[str] = (),
    ) -> None:
        harm_words = [*SELF_HARM, *_literal(self_harm)]
        distress_words = [*DISTRESS, *_literal(distress)]
        self._self_harm = _alternation(harm_words)
        self._distress = _alternation(distress_words)
        # One scan that nearly every message (a plain check-in) fails: the message path
        # reads every check-in, so the full reading runs only when a word is there at all.
        self._any = _alternation([*harm_words, *distress_words])
        self._everyday = _alternation([*EVERYDAY, *_literal(everyday)])
        self._negated = re.compile(f"(?:{'|'.join(NEGATIONS)}){_FILLER}$")

    def _blank(self, text: str) -> str:
        """Titles and everyday phrases become spaces, so nothing inside them matches."""
        text = _TITLE.sub(lambda m: " " * len(m.group()), text)
        return self._everyday.sub(lambda m: " " * len(m.group()), text)

    def _negated_at(self, text: str, start: int) -> bool:
        clause = _CLAUSE.split(text[:start])[-1]
        return self._negated.search(clause) is not None

    def _found(self, pattern: re.Pattern[str], text: str) -> list[str]:
        return [m.group() for m in pattern.finditer(text) if not self._negated_at(text, m.start())]

    def read(self, text: str) -> Finding:
        if self._any.search(text) is None:
            return Finding(None)
        text = self._blank(text)
        harm = self._found(self._self_harm, text)
        if harm:
            return Finding("self_harm", tuple(harm))
        distress = self._found(self._distress, text)
        return Finding("distress", tuple(distress)) if distress else Finding(None)
