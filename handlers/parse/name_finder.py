"""Finding the person an entry is about: where the name is, and how it was written.

The name is looked for in the residue of the vocabulary scan (Han text no known word
explains): a roster name anywhere first; then the word leading the entry when its position
makes it the person (`leading.py`: 荀雨, 高兴, 扎西); then the first residue shaped like a
name that the dictionary does not know as an ordinary word; then a name inside a longer
residue that the segmenter tags as a person (`nr`); last, a surname glued to a place or well
word (`李长春`, `欧阳明月`), a place word that starts a name (`江华萱`), or a place name
leading the entry (`金平 36.5`). A residue right after 在 is a place (`在公司`), not a person;
a residue glued to digits (`计科1801`) is a label, a name only when nothing else is.
"""

from __future__ import annotations

import re

from handlers.parse.leading import Evidence, lead_of, leads, name_shaped, unusual_name
from handlers.parse.names import (
    COMPOUND_SURNAMES,
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

# What stands between a name and a place written apart (`其木格 赤峰`).
SEPARATORS = frozenset(" ,，、/")

Found = tuple[str, tuple[int, int], bool]

# An English or pinyin name leading the entry (`Tom`, `Anna Li`, `David Liu`, `jack`): 1–3
# words of letters before the report, the second and third capitalised; not a brand's
# inner capitals (`WiFi`, `iPad`).
LATIN_NAME = re.compile(
    r"^[\s:：,，、.]*((?:[A-Z][a-z]+|[a-z]{2,})(?:-[A-Za-z][a-z]+)?(?: [A-Z][a-z]*){0,2})"
    r"(?=[\s,，:：、/(（]|[\u4e00-\u9fff]|$)"
)
# Words that lead a reply without naming anyone (compared in lower case).
NOT_LATIN_NAMES = frozenset(
    {
        "all",
        "am",
        "dorm",
        "em",
        "emm",
        "en",
        "example",
        "fine",
        "fw",
        "good",
        "group",
        "haha",
        "hello",
        "hh",
        "hhh",
        "hi",
        "id",
        "im",
        "morning",
        "my",
        "name",
        "no",
        "normal",
        "note",
        "ok",
        "pm",
        "qq",
        "re",
        "report",
        "room",
        "sorry",
        "temp",
        "test",
        "thank",
        "thanks",
        "the",
        "today",
        "update",
        "yes",
    }
)


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
        `leading.leads`). May remove from `tokens` a place or well word that turned out to be part
        of the name (`李长春`).
        """
        evidence = evidence or Evidence()
        for t in tokens:
            if t.cat is Cat.NAME:
                return t.word.value, (t.start, t.end), False  # type: ignore[return-value]
        after_where = {t.end for t in tokens if t.text in WHERE_WORDS}
        lead = lead_of(masked, tokens) if evidence.reported else None
        spaced = self._spaced_name(norm, masked, tokens, lead)
        if spaced is not None:
            return spaced
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

    @staticmethod
    def latin(norm: Normalised, masked: str) -> Found | None:
        """An English or pinyin name leading the entry (`Tom 36.5`, `Anna Li 36.5 正常`)."""
        found = LATIN_NAME.match(masked)
        if found is None or found.group(1).split(" ")[0].lower() in NOT_LATIN_NAMES:
            return None
        start, end = found.span(1)
        return norm.text[start:end], (start, end), False

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
            and leads(norm.text, masked, tokens, start, end)
            and not ((glued or not everyday_ok) and self.segmenter.is_common_word(run))
            and (
                name_shaped(run)
                or (
                    unusual_ok
                    and unusual_name(
                        self.segmenter,
                        run,
                        evidence.in_chain,
                        self._apart(masked, tokens, end, evidence.in_chain),
                    )
                )
            )
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

    def _spaced_name(
        self, norm: Normalised, masked: str, tokens: list[Token], lead: int | None
    ) -> Found | None:
        """`覃 海燕 36.6 在校`: a lone surname opening the entry, a space, then 1–2 characters.

        Nobody writes a one-character name, so a bare surname leading an entry and followed
        by a short run standing alone is one name typed with a space inside. Not when the
        two read together as a known word (`高 烧`).
        """
        if lead is None:
            return None
        n = surname_length(masked[lead : lead + 2])
        given = lead + n
        if not n or given >= len(masked) or masked[given] != " ":
            return None
        starts = {t.start for t in tokens}
        if lead in starts:
            return None
        while given < len(masked) and masked[given] == " " and given - lead - n < 2:
            given += 1
        end = given
        while end < len(masked) and is_han(masked[end]) and (end == given or end not in starts):
            end += 1
        if given in starts or not 1 <= end - given <= 2:
            return None
        after = end + 1
        if masked[end:after] == " " and after < len(masked) and after not in starts:
            lone = is_han(masked[after]) and (
                after + 1 == len(masked) or not is_han(masked[after + 1])
            )
            if lone:
                return None  # `李 小 娜`: spelled out, not surname + given name
        joined = masked[lead : lead + n] + masked[given:end]
        if not looks_like_name(joined):
            return None
        tags = self.segmenter.tag(joined)
        if len(tags) == 1 and self.segmenter.engine.known(joined) and tags[0][1] not in NAME_TAGS:
            return None
        written = self._as_written(norm, masked[lead : lead + n]) + self._as_written(
            norm, masked[given:end]
        )
        if not self.roster:
            return written, (lead, end), False
        matched = self.roster.match(written) or self.roster.match(joined)
        return matched or written, (lead, end), matched is None

    @staticmethod
    def _apart(masked: str, tokens: list[Token], end: int, in_chain: bool) -> bool:
        """The run ending at `end` stands apart: a separator after it, then a place or,
        in a 接龙 line, anything."""
        if end >= len(masked) or masked[end] not in SEPARATORS:
            return False
        if in_chain:
            return True
        rest = end
        while rest < len(masked) and masked[rest] in SEPARATORS:
            rest += 1
        return any(t.start == rest and t.cat is Cat.PLACE for t in tokens)

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
                if leads(norm.text, text, others, t.start, t.end):
                    return t.start, t.end, k
            return None
        return None

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
