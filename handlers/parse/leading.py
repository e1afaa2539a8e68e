"""The word that leads an entry: position as evidence of who reports.

In a 接龙 line or a check-in the first word past numbering, labels and fillers is the
person far more often than anything else, whatever the name looks like: rare surnames
(荀雨, 邴雪), names that are words (高兴, 林间, 向晚), names outside the surname mould (扎西,
其其格, 阿依古丽). These functions say where that word is and whether it may be taken as a
name; `name_finder.NameFinder` uses them before its surname-shaped search.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.parse.names import COMPOUND_SURNAMES, NOT_FIRST, NOT_IN_NAME, NOT_LAST, surname_length
from handlers.parse.scanner import Cat, Token, is_han
from handlers.parse.segment import NAME_TAGS, Segmenter


@dataclass(slots=True, frozen=True)
class Evidence:
    """How surely the word leading an entry is its person.

    `in_chain`: a 接龙 line, one person per line. `reading`: a temperature is given, after
    the leading word. `fields`: a status, place or whereabouts word is given. An everyday
    word (`高兴`) leads as a name in a 接龙 line or beside a field; a run outside the
    surname mould (`扎西`, `网课`) in a 接龙 line or before a reading only.
    """

    in_chain: bool = False
    reading: bool = False
    fields: bool = False

    @property
    def reported(self) -> bool:
        return self.reading or self.fields


def unusual_name(segmenter: Segmenter, run: str, in_chain: bool, apart: bool = False) -> bool:
    """A leading run outside the surname mould that can still be a name.

    Names of Uyghur, Tibetan or Mongolian students (扎西, 阿依古丽, 其其格) and rare
    surnames (荀雨, 邴雪) do not start with a common surname; such a run is taken when
    the dictionary files it whole as a person or a place, or does not know it whole and
    holds no verb, adverb, time or function word inside it. Everyday nouns and phrases
    (`图书馆`, `今晚`, `同上`, `刚测完`, `考研党`) are not names.

    `apart`: the run stands apart before a place (`其木格 赤峰 36.4`) or in a 接龙 line
    (`4、把佳 天水 在家`); that position outweighs a single character's pronoun or
    preposition tag (其 `r`, 把 `p`), though never an adverb's (`刚到 海口`).
    """
    tags = segmenter.tag(run)
    if len(tags) == 1 and segmenter.engine.known(run):
        # in a 接龙 line a noun too (苍穹, 买买提): nobody lists a thing there
        return tags[0][1] in (CHAIN_LEAD_TAGS if in_chain else LEAD_NAME_TAGS)
    if len(tags) == 1 and tags[0][1] in NAME_TAGS:
        return True  # unknown, but read whole as a person (`依娜`)
    first = segmenter.tag(run[0])
    opening = ADVERB_TAGS - POSITIONAL_OK if apart else ADVERB_TAGS
    if first[0][1] in opening and segmenter.engine.known(run[0]):
        return False  # `刚测`, `才到`: an adverb opens a phrase, never a name
    lone = FUNCTION_TAGS - POSITIONAL_OK if apart else FUNCTION_TAGS
    for word, tag in tags:
        # a lone character's tag says little (晴 `v` in 沐晴): only a function word counts
        banned = NOT_NAME_TAGS if len(word) > 1 else lone
        if tag in banned and segmenter.engine.known(word):
            return False
    return True


def lead_of(text: str, tokens: list[Token]) -> int | None:
    """Where the entry's first word stands, past numbering, labels and fillers.

    `1、荀雨，36.5`, `打卡：高兴 36.6`, `姓名：严格`, `2019001 习悦 36.5`, `计科1801 荀雨` all
    lead with the person. None when the entry has no Han text.
    """
    at = {t.start: t for t in tokens}
    i = 0
    while i < len(text):
        if not is_han(text[i]):
            i += 1
        elif i in at:
            if at[i].cat is not Cat.FILLER:
                return i
            i = at[i].end
        else:
            j = i
            while j < len(text) and is_han(text[j]) and j not in at:
                j += 1
            if j < len(text) and text[j].isdigit():
                i = j  # `计科1801 荀雨`: a class code before the person
                continue
            return i
    return None


def leads(original: str, masked: str, tokens: list[Token], start: int, end: int) -> bool:
    """The run `masked[start:end]` leading an entry is the person's name by its position.

    In a 接龙 line or a check-in the first word, 2–4 Han characters standing alone (a
    separator, a reading or a report word after it), is who reports: rare surnames (荀雨,
    邴雪), names that are also words (高兴, 林间, 向晚) and names not in the surname mould
    (扎西, 其其格, 阿依古丽) alike. Not when it holds words that never stand in a name.
    """
    run = masked[start:end]
    if not 2 <= len(run) <= 4 or run[0] in NOT_FIRST or run in COMPOUND_SURNAMES:
        return False
    if any(ch in NOT_IN_NAME and ch not in INSIDE_OK for ch in run[1:]):
        return False
    if end == len(masked):
        return True
    nxt = original[end]
    if nxt.isdigit():  # a reading glued on: `宋佳早36.8` is 宋佳 at 早, `池早36.5` is 池早
        return masked[end] != nxt and (len(run) == 2 or run[-1] not in NOT_LAST)
    if is_han(nxt):  # `荀雨在家36.5`: a report word may follow; a place or well word
        # may be the rest of the name (`司马长春`, `于健康`), see `_surname_and_word`
        return any(t.start == end and t.cat in GLUED_AFTER_NAME for t in tokens)
    return not nxt.isalpha()


# jieba tags under which a known word may lead an entry as its person: 扎西 `ns`, 拉姆 `nrt`;
# in a 接龙 line nouns too.
LEAD_NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns"})
CHAIN_LEAD_TAGS = LEAD_NAME_TAGS | {"n", "nz"}
# Known words under these tags inside a run mean a phrase, not a name: verbs, adverbs, time
# words, adjectives, numerals, measure words, prepositions, particles, suffixes (`刚测完`,
# `室友们`, `安全到家`).
NOT_NAME_TAGS = frozenset(
    {"v", "vn", "vd", "d", "t", "tg", "p", "u", "uj", "ul", "uz", "ud", "ug", "uv", "k"}
    | {"m", "mq", "q", "f", "y", "e", "o", "a", "ad", "an"}
)


def name_shaped(run: str) -> bool:
    """Surname + 1–2 characters, whatever the characters (`林间`, `向晚`, `池早`)."""
    n = surname_length(run)
    return n > 0 and len(run) - n in (1, 2)


# Tags of single characters that never stand in a name: adverbs, prepositions, particles,
# numerals, measure and time words (刚, 都, 被, 了, 一, 个).
FUNCTION_TAGS = frozenset(
    {
        "d",
        "p",
        "u",
        "uj",
        "ul",
        "uz",
        "ud",
        "ug",
        "uv",
        "k",
        "m",
        "q",
        "y",
        "e",
        "o",
        "t",
        "f",
        "c",
        "r",
    }
)
# Pronoun and preposition characters that open names written apart (其木格, 把佳).
POSITIONAL_OK = frozenset({"p", "r"})
# A run opening with a character of these tags is a phrase (`刚测完`, `才到`).
ADVERB_TAGS = frozenset({"d", "p", "u", "uj", "ul", "uz", "ud", "ug", "uv", "y", "e", "o"})
# Words that may follow a leading name with nothing between (`荀雨在家`, `邴雪发烧`).
GLUED_AFTER_NAME = frozenset({Cat.CAMPUS, Cat.SYMPTOM, Cat.UNWELL, Cat.ISOLATION, Cat.NEGATOR})
# Characters that never start a name but may sit inside one (林间, 向上).
INSIDE_OK = frozenset("上里下内外边前后间")
