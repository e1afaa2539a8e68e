"""Longest-match scanning of a reply with the parser's vocabulary and the place gazetteer.

At each position the longest known word wins; Han text that no word explains is left as
"residue" (where names are looked for). One exception keeps negation honest: an alias that
itself starts with a negative word (`没有味觉`) yields to a negator followed by a longer
symptom (`没有` + `味觉减退`); a county never takes the second half of a compound
surname (`欧阳明月` is not 欧 + the district 阳明); and a county's short name yields to a
longer word that starts inside it (`薛博湖北省` is 薛博 + 湖北省, not 薛 + the county 博湖).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from handlers.parse import lexicon
from handlers.parse.names import COMPOUND_SURNAMES
from handlers.parse.places import counties, gazetteer


class Cat(Enum):
    SYMPTOM = "symptom"
    NEGATOR = "negator"
    GAP = "gap"
    WELL = "well"
    UNWELL = "unwell"
    CAMPUS = "campus"
    ISOLATION = "isolation"
    PLACE = "place"
    NAME = "name"
    FILLER = "filler"

    # Members are singletons: the identity hash (C) is exact, and far cheaper than Enum's
    # own __hash__ (Python), which every set of categories and membership test would call.
    __hash__ = object.__hash__


@dataclass(slots=True, frozen=True)
class Word:
    cat: Cat
    value: object = None


@dataclass(slots=True)
class Token:
    start: int
    end: int
    text: str
    word: Word
    # `word.cat`, copied onto the token: the entry rules read it many times per token, and
    # an attribute costs less than a property
    cat: Cat = field(repr=False, compare=False)


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


class Vocabulary:
    """All words the parser knows; later tables override earlier ones for the same word."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        words: dict[str, Word] = {}
        for place, province in gazetteer().items():
            words[place] = Word(Cat.PLACE, province)
        for place, province in lexicon.EXTRA_PLACES.items():
            words[place] = Word(Cat.PLACE, province)
        for w in lexicon.FOREIGN_PLACES:
            words[w] = Word(Cat.FILLER)
        for w in lexicon.FILLER:
            words[w] = Word(Cat.FILLER)
        for w in lexicon.NEGATION_GAP:
            words[w] = Word(Cat.GAP)
        for w in lexicon.NEGATORS:
            words[w] = Word(Cat.NEGATOR)
        for w in lexicon.RESOLVED:
            words[w] = Word(Cat.NEGATOR, "after")
        for w in lexicon.WELL:
            words[w] = Word(Cat.WELL, False)
        for w in lexicon.UNWELL:
            words[w] = Word(Cat.UNWELL, True)
        for value, ws in lexicon.CAMPUS.items():
            for w in ws:
                words[w] = Word(Cat.CAMPUS, value)
        for kind, ws in lexicon.ISOLATION.items():
            for w in ws:
                words[w] = Word(Cat.ISOLATION, kind)
        for canonical, aliases in lexicon.SYMPTOM_ALIASES.items():
            for w in aliases:
                words[w] = Word(Cat.SYMPTOM, canonical)
        for name in names:
            if len(name) >= 2:
                words[name] = Word(Cat.NAME, name)
        self.words = words
        self.abbreviations = {
            ch: Word(Cat.PLACE, province)
            for ch, province in lexicon.PROVINCE_ABBREVIATIONS.items()
        }
        self.counties = counties()
        # first character -> the lengths of the words starting with it, longest first
        lengths: dict[str, set[int]] = {}
        for w in words:
            lengths.setdefault(w[0], set()).add(len(w))
        self.lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
        negators = sorted(lexicon.NEGATORS, key=len, reverse=True)
        # symptom aliases that start with a negative word, and how long that word is
        self.negative_prefix = {
            w: next(len(n) for n in negators if w.startswith(n))
            for w, word in words.items()
            if word.cat is Cat.SYMPTOM and any(w.startswith(n) for n in negators)
        }

    def longest(self, text: str, i: int) -> str | None:
        words = self.words
        n = len(text) - i
        for length in self.lengths.get(text[i], ()):
            if length <= n and text[i : i + length] in words:
                return text[i : i + length]
        return None

    def _overlapped(self, text: str, i: int, county: str) -> bool:
        """True when a longer non-county word starts inside `county` and runs past it."""
        end = i + len(county)
        for j in range(i + 1, end):
            other = self.longest(text, j)
            if other is not None and j + len(other) > end and other not in self.counties:
                return True
        return False

    def _yield_filler(self, text: str, i: int, filler: str) -> str | None:
        """`filler`, or the shorter word it leaves when a meaningful word starts inside it.

        A filler only says nothing, so it never eats the start of a word that speaks:
        `目前在家` is 目前 + 在家 (not 目前在 + 家), `人在家` is 人 + 在家.
        """
        words = self.words
        end = i + len(filler)
        for j in range(i + 1, end):
            other = self.longest(text, j)
            if other is not None and j + len(other) > end and words[other].cat is not Cat.FILLER:
                for length in self.lengths[text[i]]:
                    if length <= j - i and text[i : i + length] in words:
                        return text[i : i + length]
                return None
        return filler

    def _district_after_city(self, text: str, i: int, tokens: list[Token]) -> Token | None:
        """A district written apart from its city (`深圳 南山`), read as the place it is.

        The gazetteer holds every district after its city (`深圳南山`); with a space or a
        comma between, the district alone would be a name-shaped run (南山) otherwise.
        """
        if not tokens or tokens[-1].cat is not Cat.PLACE:
            return None
        city = tokens[-1]
        if city.end == i or text[city.end : i].strip(" ,，、/") or i - city.end > 2:
            return None
        for length in (3, 2):
            joined = self.words.get(city.text + text[i : i + length])
            if joined is not None and joined.cat is Cat.PLACE:
                return Token(i, i + length, text[i : i + length], joined, joined.cat)
        return None

    def _abbreviation(self, text: str, i: int) -> Token | None:
        """`鄂` in `在鄂`, `回湘了`, `现居沪`, `(鄂)`: a province's one-character name, read
        only right after a place verb or alone in brackets, and standing alone (what
        follows is no Han text, or a word of its own)."""
        ch = text[i]
        bracketed = 0 < i < len(text) - 1 and text[i - 1] in "(（[【" and text[i + 1] in ")）]】"
        after_verb = any(text[max(0, i - len(v)) : i] == v for v in lexicon.PLACE_VERBS)
        if not (bracketed or after_verb):
            return None
        nxt = i + 1
        if nxt < len(text) and is_han(text[nxt]) and self.longest(text, nxt) is None:
            return None
        word = self.abbreviations[ch]
        return Token(i, i + 1, ch, word, word.cat)

    def scan(self, text: str) -> list[Token]:
        """Known words of `text`, left to right, non-overlapping, longest first."""
        tokens: list[Token] = []
        i, n = 0, len(text)
        words, lengths, counties = self.words, self.lengths, self.counties
        while i < n:
            ch = text[i]
            if not "\u4e00" <= ch <= "\u9fff":
                i += 1
                continue
            w = None
            for length in lengths.get(ch, ()):  # `longest`, inline: this loop is the hot one
                if length <= n - i and text[i : i + length] in words:
                    w = text[i : i + length]
                    break
            if w is None:
                if ch in self.abbreviations:
                    abbreviation = self._abbreviation(text, i)
                    if abbreviation is not None:
                        tokens.append(abbreviation)
                        i += 1
                        continue
                district = self._district_after_city(text, i, tokens)
                if district is not None:
                    tokens.append(district)
                i = district.end if district is not None else i + 1
                continue
            word = words[w]
            if word.cat is Cat.FILLER:
                w = self._yield_filler(text, i, w)
                if w is None:
                    i += 1
                    continue
                word = words[w]
            if w in counties:
                if i and text[i - 1 : i + 1] in COMPOUND_SURNAMES:
                    i += 1  # `欧阳明月`: the surname 欧阳, not 欧 + the district 阳明
                    continue
                if self._overlapped(text, i, w):
                    i += 1  # `薛博湖北省`: 湖北省 is read, not the county 博湖
                    continue
            prefix = self.negative_prefix.get(w)
            if prefix:
                rest = self.longest(text, i + prefix)
                if rest is not None and prefix + len(rest) > len(w):
                    w = text[i : i + prefix]
                    word = words[w]
            tokens.append(Token(i, i + len(w), w, word, word.cat))
            i += len(w)
        return tokens


def residues(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Spans of Han text that no token covers, as (start, end)."""
    spans: list[tuple[int, int]] = []
    covered = 0
    bounds = [(t.start, t.end) for t in tokens] + [(len(text), len(text))]
    for start, end in bounds:
        i = covered
        while i < start:
            if is_han(text[i]):
                j = i
                while j < start and is_han(text[j]):
                    j += 1
                spans.append((i, j))
                i = j
            else:
                i += 1
        covered = max(covered, end)
    return spans
