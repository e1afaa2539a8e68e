"""Text normalisation before reading: one canonical spelling for what students type.

- full-width ASCII (`３６．５`, `：`, `（`) to half-width, ideographic space to space;
- traditional characters to simplified (OpenCC's tables, through opencc-python-reimplemented),
  only when the text has a traditional character at all, so plain replies pay nothing;
- emoji, chat stickers written as `[捂脸]`, and other symbols to spaces;
- a Chinese full stop between the digits of a temperature to a dot (`36。5` -> `36.5`);
- Chinese-numeral temperatures to digits (`三十六度五` -> `36度5`, `三十六点五` -> `36.5`,
  `卅六度五` -> `36度5`), and `36点7` -> `36.7`, `36度半` -> `36.5`;
- a degree word between a body part and its pain dropped (`嗓子有点疼` -> `嗓子疼`);
- yes/no form answers to plain statements (`是否发热：否` -> `无发热`).

Every step but the last two keeps the length, so a name found in the simplified text can
be cut from the original at the same position and returned as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_WIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x200B: 0x20, 0x200D: 0x20, 0xFEFF: 0x20})
KEEP = frozenset("℃°℉")  # temperature units: symbols, but they carry meaning
QUOTES = {ord(q): 0x20 for q in "“”‘’「」『』\"'`"}  # quoting never changes the meaning
# ① … ⑳ as list numbers `1.` … `20.`, for the chain splitter (not length-preserving).
_CIRCLED = {0x2460 + i: f"{i + 1}." for i in range(20)}
_IDENTITY = list(range(0x10000))


def _bmp_table(mapping: Mapping[int, int | str]) -> list[int | str]:
    """`mapping` as a str.translate table indexed by code point over the whole BMP.

    str.translate looks every character up in its table; in a dict most of them miss,
    and each miss raises and clears a KeyError. A list answers every BMP character
    without one (characters past it raise IndexError and are kept as they are, as a dict
    miss would keep them; every key here is in the BMP). The int objects are shared
    between tables, so each costs 512 KB of pointers.
    """
    table: list[int | str] = list(_IDENTITY)
    for code, value in mapping.items():
        table[code] = value
    return table


_HALF_WIDTH = _bmp_table(_FULL_WIDTH)
_QUOTES = _bmp_table(QUOTES)
# Full-width to half-width and circled numbers in one pass: neither produces the other.
_LIST_NUMBERS = _bmp_table({**_FULL_WIDTH, **_CIRCLED})

STICKER = re.compile(r"\[[^\[\]\s]{1,6}\]")
CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# 三十六点五 / 三十六度五 / 三十六度 / 三十七 / 卅六度五 (a tens digit 3 or 4, or 卅 for
# thirty, then an optional unit).
CN_TEMPERATURE = re.compile(
    r"([三四]十|卅)([一二三四五六七八九]?)(?:(点|度)([零〇一二三四五六七八九]))?"
    r"(?![十百千万])"
)
# Spelled with digits: `36点7` -> `36.7`, `36度半` -> `36.5` (same length); not a clock
# time (`7点40`, `12点36`: the hour is no reading).
DIGIT_POINT = re.compile(r"(?<![\d.:：])(3[4-9]|4[0-2])点(\d)(?![\d分])")
HALF_DEGREE = re.compile(r"(?<![\d.])(3[4-9]|4[0-2])度半")
PAIN_HINT = re.compile("[疼痛适服堵塞炎晕]")
# What any of the spelled forms above holds: one class scan for the rest.
SPELLED_HINT = re.compile("[十卅点半疼痛适服堵塞炎晕]")
# A degree word between a body part and its pain (`嗓子有点疼`, `喉咙有些痛`, `头有点疼`):
# the degree is dropped (padded with spaces after the pain word, to keep the length) so
# the symptom's own word is read.
PAIN_DEGREE = re.compile(
    r"(嗓子|喉咙|咽喉|咽部|头|脑袋|肚子|胃|肌肉|全身|浑身|身上|鼻子)"
    r"(有点儿|有一点|有一点儿|有点|有些|一点|稍微|稍稍|略微|略|比较|很|特别|非常|还是|还|也)"
    r"(疼痛|疼|痛|酸痛|酸疼|不舒服|不适|堵|塞|发炎|晕)"
)
# A Chinese full stop typed for the decimal point, only between digits that read as a body
# temperature (`36。5`, `36。8℃`); `2班。3号` or `11。28` stay as they are.
FULL_STOP_DOT = re.compile(r"(?<![\d.])(3[4-9]|4[0-2])。(?=\d{1,2}(?![\d.]))")
FORM_QUESTION = re.compile(r"是否(?:有)?([^:：\s,，。;；]{1,14}?)\s*[:：]\s*(否|无|没有|不是|没)")
FORM_YES = re.compile(r"是否(?:有)?([^:：\s,，。;；]{1,14}?)\s*[:：]\s*(是|有)(?![\u4e00-\u9fff])")


@dataclass(slots=True)
class Normalised:
    text: str  # simplified, half-width, symbols as spaces: what the rules read
    simplified: str  # same length as the original: where names are cut from
    original: str


@cache
def _traditional_chars() -> frozenset[str]:
    table = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt")
    chars = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] != parts[1].split(" ")[0] and len(parts[0]) == 1:
            chars.add(parts[0])
    return frozenset(chars)


ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@cache
def _traditional_bmp() -> re.Pattern[str]:
    """The traditional characters of the BMP as one regex class: the regex engine tests a
    character against such a class with one bitmap lookup (a class holding characters past
    the BMP is scanned member by member instead, so those are tested apart, rarely)."""
    bmp = sorted(ch for ch in _traditional_chars() if ch <= "\uffff")
    return re.compile(f"[{re.escape(''.join(bmp))}]")


def has_traditional(text: str) -> bool:
    if _traditional_bmp().search(text) is not None:
        return True
    return ASTRAL.search(text) is not None and not _traditional_chars().isdisjoint(text)


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    if not has_traditional(text):  # plain replies: one regex test
        return text
    converted = _converter().convert(text)
    if len(converted) != len(text):  # phrase tables never change length; be safe anyway
        converted = "".join(_converter().convert(ch) for ch in text)
    return converted


class _SymbolsToSpace(dict):
    """A str.translate table that learns: each new character is classified once."""

    def __missing__(self, code: int) -> int:
        value = 0x20 if _is_symbol(chr(code)) else code
        self[code] = value
        return value


# Quotes to spaces and symbols to spaces in one pass (a quote's space is no symbol).
_QUOTES_AND_SYMBOLS = _SymbolsToSpace(QUOTES)


def _is_symbol(ch: str) -> bool:
    if ch.isascii() or "\u4e00" <= ch <= "\u9fff" or ch in KEEP:
        return False
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cs", "Co", "Cn", "Mn", "Cf") or ord(ch) > 0xFFFF


def _cn_temperature(m: re.Match[str]) -> str:
    tens = 30 if m.group(1) == "卅" else CN_DIGITS[m.group(1)[0]] * 10
    tens += CN_DIGITS[m.group(2)] if m.group(2) else 0
    unit, tenth = m.group(3), m.group(4)
    if unit is None:
        return f"{tens}"
    if unit == "点":
        return f"{tens}.{CN_DIGITS[tenth]}"
    return f"{tens}度{CN_DIGITS[tenth]}"


def _pain(m: re.Match[str]) -> str:
    return m.group(1) + m.group(3) + " " * len(m.group(2))


def _form_no(m: re.Match[str]) -> str:
    subject = m.group(1)
    if subject.startswith(("在", "留", "返", "住")):
        return f"不{subject}"
    if subject.endswith("隔离") or subject.endswith("观察"):
        return "未隔离"
    return f"无{subject}"


def half_width(text: str) -> str:
    """Full-width ASCII to half-width; same length."""
    return text.translate(_HALF_WIDTH)


def list_numbers(text: str) -> str:
    """Full-width to half-width, and circled numbers (①②③) to `1.` `2.` `3.`."""
    return text.translate(_LIST_NUMBERS)


def normalise(text: str) -> Normalised:
    half = text.translate(_HALF_WIDTH)
    simplified = to_simplified(half)
    cleaned = simplified
    if "[" in cleaned:
        cleaned = STICKER.sub(lambda m: " " * len(m.group()), cleaned)
    cleaned = cleaned.translate(_QUOTES if cleaned.isascii() else _QUOTES_AND_SYMBOLS)
    if "。" in cleaned:
        cleaned = FULL_STOP_DOT.sub(r"\1.", cleaned)
    readable = cleaned
    if SPELLED_HINT.search(cleaned) is not None:  # most replies have none of these
        if "十" in cleaned or "卅" in cleaned:
            readable = CN_TEMPERATURE.sub(_cn_temperature, readable)
        if "点" in readable:
            readable = DIGIT_POINT.sub(r"\1.\2", readable)
        if "度半" in readable:
            readable = HALF_DEGREE.sub(r"\1.5 ", readable)
        if PAIN_HINT.search(readable) is not None:
            readable = PAIN_DEGREE.sub(_pain, readable)
    if "是否" in readable:
        readable = FORM_QUESTION.sub(_form_no, readable)
        readable = FORM_YES.sub(lambda m: m.group(1), readable)
    return Normalised(text=readable, simplified=simplified, original=text)
