"""Finding the person an entry is about: where the name is, and how it was written.

The name is looked for in the residue of the vocabulary scan (Han text no known word
explains): a roster name anywhere first; then the first residue shaped like a name that the
dictionary does not know as an ordinary word; then a name
inside a longer residue that the segmenter tags as a person (`nr`); last, a lone surname
glued to a place or well word (`李长春`), or a place word that starts a name (`江华萱`).
A residue right after 在 is a place (`在公司`), not a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.parse.names import (
    COMPOUND_SURNAMES,
    NOT_FIRST,
    NOT_IN_NAME,
    NOT_LAST,
    SINGLE_SURNAMES,
    RosterMatcher,
    looks_like_name,
    surname_length,
)
from handlers.parse.normalise import Normalised
from handlers.parse.places import counties
from handlers.parse.scanner import Cat, Token, is_han, residues
from handlers.parse.segment import NAME_TAGS, Segmenter

# A run right after one of these words is where someone is, never who they are.
WHERE_WORDS = frozenset({"在", "人在", "目前在"})
# Surnames that are also prepositions: `于北京家中` is "at Beijing", not 于北京.
PREPOSITIONS = frozenset("于向从自")

Found = tuple[str, tuple[int, int], bool]


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


class NameFinder:
    def __init__(self, segmenter: Segmenter, roster: RosterMatcher) -> None:
        self.segmenter = segmenter
        self.roster = roster
        self.counties = counties()

    def find(
        self, norm: Normalised, masked: str, tokens: list[Token], evidence: Evidence | None = None
    ) -> Found | None:
        """(name, span in `masked`, roster miss) of the entry's person, or None.

        `evidence` says how surely the entry's leading word is its person (see `Evidence`,
        `_leads`). May remove from `tokens` a place or well word that turned out to be part
        of the name (`李长春`).
        """
        evidence = evidence or Evidence()
        for t in tokens:
            if t.cat is Cat.NAME:
                return t.word.value, (t.start, t.end), False  # type: ignore[return-value]
        after_where = {t.end for t in tokens if t.text in WHERE_WORDS}
        lead = _lead(masked, tokens) if evidence.reported else None
        labels: list[tuple[int, int]] = []
        for start, end in residues(masked, tokens):
            if start in after_where:
                continue  # `在公司`: a place, not a person
            if end < len(masked) and masked[end].isdigit():
                labels.append((start, end))  # `计科1801`: a class or dorm code
                continue
            found = self._found(norm, masked, tokens, start, end, lead, evidence)
            if found is not None:
                return found
        for start, end in labels:  # nobody else: `王芳1801` is still 王芳
            found = self._found(norm, masked, tokens, start, end, lead, evidence)
            if found is not None:
                return found
        merged = (
            self._surname_and_word(masked, tokens, lead)
            or self._place_and_given(masked, tokens)
            or self._place_as_name(norm, masked, tokens, lead)
        )
        if merged is None:
            return None
        start, end, k = merged
        del tokens[k]
        return self._as_written(norm, masked[start:end]), (start, end), False

    def _found(
        self,
        norm: Normalised,
        masked: str,
        tokens: list[Token],
        start: int,
        end: int,
        lead: int | None,
        evidence: Evidence,
    ) -> Found | None:
        run = masked[start:end]
        # `高兴36.6`, `高兴在家`: with nothing between, an everyday word is less surely a name
        glued = end < len(masked) and (norm.text[end].isdigit() or is_han(norm.text[end]))
        everyday_ok = evidence.in_chain or evidence.fields
        unusual_ok = evidence.in_chain or evidence.reading
        if (
            start == lead
            and _leads(norm.text, masked, tokens, start, end)
            and not ((glued or not everyday_ok) and self.segmenter.is_common_word(run))
            and (_name_shaped(run) or (unusual_ok and self._unusual_name(run, evidence.in_chain)))
        ):
            found: tuple[int, int] | None = (0, len(run))
        else:
            found = self._name_in(run) or self._roster_in(run)
        if found is None:
            return None
        offset, length = found
        span = (start + offset, start + offset + length)
        written = self._as_written(norm, masked[span[0] : span[1]])
        if not self.roster:
            return written, span, False
        matched = self.roster.match(written) or self.roster.match(masked[span[0] : span[1]])
        return matched or written, span, matched is None

    @staticmethod
    def _surname_and_word(
        text: str, tokens: list[Token], lead: int | None = None
    ) -> tuple[int, int, int] | None:
        """A surname alone before a place or well-word it belongs to: 李长春, 张平安.

        Nobody writes a one-character name, so `李` + `长春` is the name 李长春, not 李 from
        长春. A surname that is also a preposition (`于`) only leads an entry and only before
        a separator: `于健康 36.5` is 于健康, `于北京家中` is "at Beijing". Returns (start,
        end, index of the token swallowed).
        """
        for k, t in enumerate(tokens):
            if t.cat not in (Cat.PLACE, Cat.WELL) or not 1 <= len(t.text) <= 2 or t.start == 0:
                continue
            if t.start >= 2 and text[t.start - 2 : t.start] in COMPOUND_SURNAMES:
                alone = t.start == 2 or not is_han(text[t.start - 3])
                if alone and (k == 0 or tokens[k - 1].end <= t.start - 2):
                    return t.start - 2, t.end, k  # `欧阳明月`
            before = text[t.start - 1]
            if before not in SINGLE_SURNAMES:
                continue
            if before in PREPOSITIONS and (
                t.start - 1 != lead or (t.end < len(text) and is_han(text[t.end]))
            ):
                continue
            if t.start >= 2 and is_han(text[t.start - 2]) and t.start - 1 != lead:
                continue  # `我是于健康`: what stands before the lead is a filler
            if k and tokens[k - 1].end == t.start:
                continue
            follows = tokens[k + 1].start if k + 1 < len(tokens) else None
            if t.end < len(text) and is_han(text[t.end]) and follows != t.end:
                continue
            return t.start - 1, t.end, k
        return None

    @staticmethod
    def _place_and_given(text: str, tokens: list[Token]) -> tuple[int, int, int] | None:
        """A place word that is a name's first characters: 江华萱 (江华 is a county), 金华强.

        Only at the start of a run and followed by one more character that ends the run;
        returns (start, end, index of the token swallowed).
        """
        for k, t in enumerate(tokens):
            if t.cat is not Cat.PLACE or (t.start and is_han(text[t.start - 1])):
                continue
            end = t.end + 1
            if end > len(text) or not is_han(text[t.end]):
                continue
            word_follows = k + 1 < len(tokens) and tokens[k + 1].start == end
            if end < len(text) and is_han(text[end]) and not word_follows:
                continue
            if k + 1 < len(tokens) and tokens[k + 1].start == t.end:
                continue  # the next character is a word of its own
            if looks_like_name(text[t.start : end]):
                return t.start, end, k
        return None

    def _place_as_name(
        self, norm: Normalised, text: str, tokens: list[Token], lead: int | None
    ) -> tuple[int, int, int] | None:
        """A place name leading an entry and shaped like a name: `金平 36.5`, `岳阳 36.6 在家 石首`.

        Only when nothing else in the entry is a name, and for a prefecture (well known, often
        written alone) only when another place follows: a place is rarely written first.
        """
        if lead is None:
            return None
        for k, t in enumerate(tokens):
            if t.start != lead:
                continue
            later = any(u.cat is Cat.PLACE for u in tokens[k + 1 :])
            minor = t.text in self.counties or later
            if t.cat is Cat.PLACE and minor and looks_like_name(t.text):
                others = tokens[:k] + tokens[k + 1 :]
                if _leads(norm.text, text, others, t.start, t.end):
                    return t.start, t.end, k
            return None
        return None

    def _unusual_name(self, run: str, in_chain: bool) -> bool:
        """A leading run outside the surname mould that can still be a name.

        Names of Uyghur, Tibetan or Mongolian students (扎西, 阿依古丽, 其其格) and rare
        surnames (荀雨, 邴雪) do not start with a common surname; such a run is taken when
        the dictionary files it whole as a person or a place, or does not know it whole and
        holds no verb, adverb, time or function word inside it. Everyday nouns and phrases
        (`图书馆`, `今晚`, `同上`, `刚测完`, `考研党`) are not names.
        """
        tags = self.segmenter.tag(run)
        if len(tags) == 1 and self.segmenter.engine.known(run):
            # in a 接龙 line a noun too (苍穹, 买买提): nobody lists a thing there
            return tags[0][1] in (CHAIN_LEAD_TAGS if in_chain else LEAD_NAME_TAGS)
        if len(tags) == 1 and tags[0][1] in NAME_TAGS:
            return True  # unknown, but read whole as a person (`依娜`)
        first = self.segmenter.tag(run[0])
        if first[0][1] in ADVERB_TAGS and self.segmenter.engine.known(run[0]):
            return False  # `刚测`, `才到`: an adverb opens a phrase, never a name
        for word, tag in tags:
            # a lone character's tag says little (晴 `v` in 沐晴): only a function word counts
            banned = NOT_NAME_TAGS if len(word) > 1 else FUNCTION_TAGS
            if tag in banned and self.segmenter.engine.known(word):
                return False
        return True

    def _name_in(self, run: str) -> tuple[int, int] | None:
        """(offset, length) of a name inside a residual Han run, if there is one.

        A name-shaped run is a name unless the dictionary knows it as an ordinary word
        (`方便`, `周末`, `公司`); words the segmenter only guesses at (`姚芳彤`) do not count.
        """
        if looks_like_name(run):
            if self.segmenter.is_common_word(run):
                return None
            return 0, len(run)
        if len(run) < 3:
            return None
        offset = 0
        for word, tag in self.segmenter.tag(run):
            if (tag in NAME_TAGS or tag == "x") and looks_like_name(word):
                return offset, len(word)
            offset += len(word)
        # a name run straight into other text the segmenter could not split
        for length in (3, 2, 4):
            if looks_like_name(run[:length]) and length < len(run):
                head = self.segmenter.tag(run[:length])
                if len(head) == 1 and head[0][1] in NAME_TAGS:
                    return 0, length
        return None

    def _roster_in(self, run: str) -> tuple[int, int] | None:
        """A roster name written with a typo that breaks its shape (`欧阳娜那`).

        Only from a run that starts with a surname: a typo rarely hits the surname, and on a
        school-size roster some name sounds like almost any two characters.
        """
        if not self.roster or not surname_length(run):
            return None
        for length in (len(run), 4, 3, 2):
            if 2 <= length <= len(run) and self.roster.match(run[:length]):
                return 0, length
        return None

    @staticmethod
    def _as_written(norm: Normalised, name: str) -> str:
        """The name as the sender wrote it (traditional characters kept)."""
        at = norm.simplified.find(name)
        if at < 0:
            return name
        return norm.original[at : at + len(name)]


def _lead(text: str, tokens: list[Token]) -> int | None:
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


def _leads(original: str, masked: str, tokens: list[Token], start: int, end: int) -> bool:
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


def _name_shaped(run: str) -> bool:
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
# A run opening with a character of these tags is a phrase (`刚测完`, `才到`).
ADVERB_TAGS = frozenset({"d", "p", "u", "uj", "ul", "uz", "ud", "ug", "uv", "y", "e", "o"})
# Words that may follow a leading name with nothing between (`荀雨在家`, `邴雪发烧`).
GLUED_AFTER_NAME = frozenset({Cat.CAMPUS, Cat.SYMPTOM, Cat.UNWELL, Cat.ISOLATION, Cat.NEGATOR})
# Characters that never start a name but may sit inside one (林间, 向上).
INSIDE_OK = frozenset("上里下内外边前后间")
