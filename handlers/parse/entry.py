"""One person's entry: the contract's fields read from one reply or one 接龙 line.

Order of work: normalise; take temperatures out; blank labels that are not names (dorms,
classes, dates, ids, day counts); scan the rest with the vocabulary; then decide each field
from the tokens. `EntryReading` keeps what the decision rests on, so the kind decision and
the "could not read" predicate need not read the text again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.parse.contract import Entry
from handlers.parse.lexicon import LIST_JOINERS
from handlers.parse.names import SINGLE_SURNAMES, RosterMatcher, looks_like_name
from handlers.parse.normalise import Normalised
from handlers.parse.scanner import Cat, Token, Vocabulary, is_han, residues
from handlers.parse.segment import NAME_TAGS, Segmenter
from handlers.parse.temperature import highest, readings

FEVER = 37.3
# Labels that hold digits or Han text that is never a name: 12栋305, 3号楼512, A3-512,
# 6-208, 计科2班, 2021级, 11月28日, 11/29, 第7天, 学号2021..., 7:30, 22:00.
LABELS = re.compile(
    r"[\u4e00-\u9fff]{0,4}\d{1,2}班|\d{2,4}级|\d+(?:栋|号楼|幢|楼|单元|舍|室|号)\d*"
    r"|[A-Za-z]\d*-?\d+|\d+-\d+|\d{1,2}月\d{1,2}[日号]?|\d{1,2}/\d{1,2}|第\d+[天周日次]"
    r"|\d{1,2}[:：]\d{2}|\d{5,}|\d{1,2}\.\d{1,2}(?=\s|$|[\u4e00-\u9fff])"
)
# Single-token words the segmenter knows as something other than a name.
NOT_NAME_TAGS = frozenset(
    [
        "a",
        "ad",
        "an",
        "b",
        "c",
        "d",
        "e",
        "f",
        "i",
        "l",
        "m",
        "o",
        "p",
        "q",
        "r",
        "s",
        "t",
        "tg",
        "u",
        "v",
        "vd",
        "vn",
        "y",
        "z",
        "ul",
        "uj",
    ]
)
LIST_END = frozenset({"等", "等症状", "症状", "情况"})
# A run right after one of these is where someone is, never who they are.
AFTER_PLACE_VERB = frozenset("在到去回从住于")


@dataclass(slots=True)
class EntryReading:
    entry: Entry
    name_span: tuple[int, int] | None = None  # in normalised text
    roster_miss: bool = False  # a name was written but the roster has no such person
    fields: int = 0  # how many of abnormal/on_campus/province/isolation were read
    tokens: list[Token] = field(default_factory=list)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


class EntryReader:
    def __init__(self, vocab: Vocabulary, segmenter: Segmenter, roster: RosterMatcher) -> None:
        self.vocab = vocab
        self.segmenter = segmenter
        self.roster = roster

    def read(self, norm: Normalised) -> EntryReading:
        text = norm.text
        temps = readings(text)
        masked = _blank(text, [(r.start, r.end) for r in temps])
        masked = LABELS.sub(lambda m: " " * len(m.group()), masked)
        tokens = self.vocab.scan(masked)
        entry = Entry(temperature=highest(temps))
        reading = EntryReading(entry=entry, tokens=tokens)
        self._name(norm, masked, tokens, reading)
        negated = self._symptoms(masked, tokens, entry)
        self._status(masked, tokens, entry, negated)
        self._campus_and_isolation(masked, tokens, entry)
        entry.province = next((t.word.value for t in tokens if t.cat is Cat.PLACE), None)
        reading.fields = sum(
            v is not None
            for v in (entry.abnormal, entry.on_campus, entry.province, entry.isolation)
        )
        return reading

    # -- name -------------------------------------------------------------------------

    def _name(self, norm: Normalised, masked: str, tokens: list[Token], reading: EntryReading):
        for t in tokens:
            if t.cat is Cat.NAME:
                reading.entry.name = t.word.value  # type: ignore[assignment]
                reading.name_span = (t.start, t.end)
                return
        for start, end in residues(masked, tokens):
            if start and masked[start - 1] in AFTER_PLACE_VERB:
                continue  # `在公司`, `到车站`: a place, not a person
            found = self._name_in(masked[start:end]) or self._roster_in(masked[start:end])
            if found is not None:
                offset, length = found
                span = (start + offset, start + offset + length)
                written = self._as_written(norm, masked[span[0] : span[1]])
                reading.name_span = span
                if self.roster:
                    matched = self.roster.match(written) or self.roster.match(
                        masked[span[0] : span[1]]
                    )
                    reading.roster_miss = matched is None
                    written = matched or written
                reading.entry.name = written
                return
        merged = self._surname_and_word(masked, tokens)
        if merged is not None:
            start, end, k = merged
            reading.name_span = (start, end)
            reading.entry.name = self._as_written(norm, masked[start:end])
            del tokens[k]

    @staticmethod
    def _surname_and_word(text: str, tokens: list[Token]) -> tuple[int, int, int] | None:
        """A surname alone before a place or well-word it belongs to: 李长春, 张平安.

        Nobody writes a one-character name, so `李` + `长春` is the name 李长春, not 李 from
        长春. Returns (start, end, index of the token swallowed).
        """
        for k, t in enumerate(tokens):
            if t.cat not in (Cat.PLACE, Cat.WELL) or not 1 <= len(t.text) <= 2 or t.start == 0:
                continue
            before = text[t.start - 1]
            if before not in SINGLE_SURNAMES or (t.start >= 2 and is_han(text[t.start - 2])):
                continue
            if k and tokens[k - 1].end == t.start:
                continue
            follows = tokens[k + 1].start if k + 1 < len(tokens) else None
            if t.end < len(text) and is_han(text[t.end]) and follows != t.end:
                continue
            return t.start - 1, t.end, k
        return None

    def _name_in(self, run: str) -> tuple[int, int] | None:
        """(offset, length) of a name inside a residual Han run, if there is one."""
        if looks_like_name(run):
            tags = self.segmenter.tag(run)
            if len(tags) == 1 and tags[0][1] in NOT_NAME_TAGS:
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
        """A roster name written with a typo that breaks its shape (`欧阳娜那`)."""
        if not self.roster:
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

    # -- symptoms ---------------------------------------------------------------------

    def _symptoms(self, text: str, tokens: list[Token], entry: Entry) -> bool:
        """Fill entry.symptoms; return True when some symptom was explicitly denied."""
        negated = [False] * len(tokens)
        denied = False
        for k, t in enumerate(tokens):
            if t.cat is not Cat.SYMPTOM:
                continue
            negated[k] = self._negated_before(text, tokens, k, negated)
        # a list answered afterwards: `发热咳嗽等症状：无`
        k = 0
        while k < len(tokens):
            if tokens[k].cat is not Cat.SYMPTOM:
                k += 1
                continue
            j = k
            while (
                j + 1 < len(tokens)
                and tokens[j + 1].cat is Cat.SYMPTOM
                and text[tokens[j].end : tokens[j + 1].start] in LIST_JOINERS
            ):
                j += 1
            after = j + 1
            if (
                after < len(tokens)
                and tokens[after].text in LIST_END
                and text[tokens[j].end : tokens[after].start].strip() == ""
            ):
                after += 1
            if after < len(tokens) and tokens[after].cat is Cat.NEGATOR:
                gap = text[tokens[after - 1].end : tokens[after].start].strip()
                tail = (
                    after + 1 >= len(tokens)
                    or tokens[after + 1].cat is not Cat.SYMPTOM
                    or tokens[after + 1].start > tokens[after].end
                )
                if gap in ("", ":", "已", "都", "均") and tail:
                    for m in range(k, j + 1):
                        negated[m] = True
            k = j + 1
        seen: list[str] = []
        for k, t in enumerate(tokens):
            if t.cat is Cat.SYMPTOM:
                if negated[k]:
                    denied = True
                elif t.word.value not in seen:
                    seen.append(t.word.value)  # type: ignore[arg-type]
        entry.symptoms = seen
        return denied

    @staticmethod
    def _negated_before(text: str, tokens: list[Token], k: int, negated: list[bool]) -> bool:
        p = k - 1
        while (
            p >= 0 and tokens[p].cat is Cat.GAP and text[tokens[p].end : tokens[p + 1].start] == ""
        ):
            p -= 1
        if p < 0:
            return False
        prev, gap = tokens[p], text[tokens[p].end : tokens[p + 1].start]
        if prev.cat is Cat.SYMPTOM and p == k - 1:
            return negated[p] and gap in LIST_JOINERS
        if prev.cat is not Cat.NEGATOR or prev.word.value == "after" or gap.strip():
            return False
        # `咳嗽：无 乏力：有`: a negator that answers a question does not reach across a space
        answered = text[: prev.start].rstrip().endswith(":")
        return gap == "" or not answered

    # -- health status ----------------------------------------------------------------

    @staticmethod
    def _status(text: str, tokens: list[Token], entry: Entry, denied: bool) -> None:
        unwell = well = False
        for k, t in enumerate(tokens):
            answered_no = (
                k + 1 < len(tokens)
                and tokens[k + 1].cat is Cat.NEGATOR
                and text[t.end : tokens[k + 1].start].strip() == ":"
            )
            if t.cat is Cat.UNWELL:
                before = tokens[k - 1] if k else None
                negated = before is not None and before.cat is Cat.NEGATOR
                if (negated and before.end == t.start) or answered_no:  # `没有不适`, `不适：无`
                    well = True
                else:
                    unwell = True
            elif t.cat is Cat.WELL or (t.text in LIST_END and answered_no):  # `症状：无`
                well = True
        temp = entry.temperature
        if (temp is not None and temp >= FEVER) or entry.symptoms or unwell:
            entry.abnormal = True
        elif well or denied or temp is not None:
            entry.abnormal = False

    # -- whereabouts ------------------------------------------------------------------

    @staticmethod
    def _campus_and_isolation(text: str, tokens: list[Token], entry: Entry) -> None:
        specific = unspecified = None
        for k, t in enumerate(tokens):
            if t.cat is Cat.CAMPUS:
                entry.on_campus = t.word.value  # type: ignore[assignment]
            elif t.cat is Cat.ISOLATION and t.word.value is not None:
                before = tokens[k - 1] if k else None
                if before is not None and before.cat is Cat.NEGATOR and before.end == t.start:
                    continue
                if t.word.value == "unspecified":
                    unspecified = "unspecified"
                else:
                    specific = t.word.value
        entry.isolation = specific or unspecified  # type: ignore[assignment]
        if entry.on_campus is None and entry.isolation == "home":
            entry.on_campus = False
