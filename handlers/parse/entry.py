"""One person's entry: the contract's fields read from one reply or one 接龙 line.

Order of work: normalise; take temperatures out; blank labels that are not names (dorms,
classes, dates, ids, day counts); scan the rest with the vocabulary; then decide each field
from the tokens. `EntryReading` keeps what the decision rests on, so the kind decision and
the "could not read" predicate need not read the text again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.parse_contract import Entry
from handlers.parse import lexicon
from handlers.parse.leading import Evidence
from handlers.parse.lexicon import BARE_UNWELL, LIST_JOINERS
from handlers.parse.name_finder import NameFinder
from handlers.parse.names import RosterMatcher
from handlers.parse.normalise import Normalised
from handlers.parse.scanner import Cat, Token, Vocabulary, is_han
from handlers.parse.segment import Segmenter
from handlers.parse.temperature import bound_of, current, highest, readings

FEVER = 37.3
# Labels that hold digits or Han text that is never a name: 12栋305, 3号楼512, A3-512,
# 6-208, 计科2班, 2021级, 11月28日, 11/29, 第7天, 学号2021..., 7:30, 22:00.
LABELS = re.compile(
    r"[\u4e00-\u9fff]{0,4}\d{1,2}班|\d{2,4}级|\d+(?:栋|号楼|幢|楼|单元|舍|室|号)\d*"
    r"|[A-Za-z]\d*-?\d+|\d+-\d+|\d{1,2}月\d{1,2}[日号]?|\d{1,2}/\d{1,2}|第\d+[天周日次]"
    r"|\d{1,2}[:：]\d{2}|\d{5,}|\d{1,2}\.\d{1,2}(?=\s|$|[\u4e00-\u9fff])"
)
HAN = re.compile(r"[\u4e00-\u9fff]")
DIGIT = re.compile(r"\d")  # every label holds one; most entries have none left once
# their temperature is blanked, and this test is far cheaper than the labels' scan
LIST_END = frozenset({"等", "等症状", "症状", "情况"})
# Before a campus or home word, these make it a plan, not where the person is now.
FUTURE = frozenset({"明天", "准备", "即将", "计划", "打算", "下周", "后天", "过几天", "将要"})
# After an isolation word, these say it is over (`集中隔离结束`, `居家观察期满`).
ENDED = ("结束", "期满", "已结束", "已解除", "解除", "完毕", "已满")
TRAVEL_WORDS = frozenset({"去过", "到过", "途经", "接触", "接触过", "在"})


@dataclass(slots=True)
class EntryReading:
    entry: Entry
    name_span: tuple[int, int] | None = None  # in normalised text
    roster_miss: bool = False  # a name was written but the roster has no such person
    fields: int = 0  # how many of abnormal/on_campus/province/isolation were read
    bound: str | None = None  # a threshold written instead of a reading (`37.3以下`)
    simplified: str = ""  # the text, half-width and simplified (what the kind rules read)
    tokens: list[Token] = field(default_factory=list)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Spaces over the spans: one pass, linear in the text however many spans there are."""
    if not spans:
        return text
    if len(spans) == 1:  # the common case: one reading
        start, end = spans[0]
        return f"{text[:start]}{' ' * (end - start)}{text[end:]}"
    pieces, last = [], 0
    for start, end in sorted(spans):
        start = max(start, last)  # overlapping spans blank their union
        if end <= start:
            continue
        pieces.append(text[last:start])
        pieces.append(" " * (end - start))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _health_adjectives(text: str, tokens: list[Token]) -> list[Token]:
    """Drop a bare adjective (`不好`) glued to a thing no word explains (`网不好`)."""
    if not any(t.text in BARE_UNWELL for t in tokens):
        return tokens
    kept: list[Token] = []
    for t in tokens:
        glued = t.start > 0 and is_han(text[t.start - 1])
        if t.text in BARE_UNWELL and glued and (not kept or kept[-1].end != t.start):
            continue
        kept.append(t)
    return kept


def _denies(tokens: list[Token], negated: list[bool]) -> bool:
    """A symptom is denied (`无发热`)."""
    return True in negated and any(
        n and t.cat is Cat.SYMPTOM for n, t in zip(negated, tokens, strict=True)
    )


def _spaced_list(text: str, tokens: list[Token], negated: list[bool]) -> None:
    """`没有发热 咳嗽 乏力等症状`: a list closed by 等/等症状 is one list, spaces or not.

    The negator before its first symptom covers every symptom up to the closing word.
    """
    k = 0
    while k < len(tokens):
        if tokens[k].cat is not Cat.SYMPTOM or not negated[k]:
            k += 1
            continue
        j = k
        while (
            j + 1 < len(tokens)
            and tokens[j + 1].cat is Cat.SYMPTOM
            and text[tokens[j].end : tokens[j + 1].start].strip() in LIST_JOINERS
        ):
            j += 1
        closed = j + 1 < len(tokens) and tokens[j + 1].text in LIST_END
        if closed and text[tokens[j].end : tokens[j + 1].start].strip() == "":
            for m in range(k, j + 1):
                negated[m] = True
        k = j + 1


def _ends_answer(text: str, tokens: list[Token], k: int) -> bool:
    """True when negator `k` ends an answer (`咳嗽：无`, `发热 无，`), not a clause of its own.

    `浑身无力 不想动`: the 不 starts `不想动` (text no word explains), so it denies nothing
    written before it.
    """
    end = tokens[k].end
    if end >= len(text) or not is_han(text[end]):
        return True
    return k + 1 < len(tokens) and tokens[k + 1].start == end


def _same_place(text: str, before: Token, after: Token) -> bool:
    """`湖北武汉`, `广东 深圳`: a place written right after another is inside it."""
    return text[before.end : after.start].strip(" ,，、/-") == ""


def _where(text: str, places: list[tuple[int, Token]]) -> str | None:
    """Of several places, where the person is now: the last one after 在 / 现在 / 到 /
    回到 / 抵达 …; else the last one not marked as origin or route (从X, 来自X, 途经X,
    X出发); else the last named."""
    current, plain = [], []
    for _, t in places:
        before = text[max(0, t.start - 4) : t.start].rstrip(" :：,，")
        after = text[t.end : t.end + 3].lstrip()
        if before.endswith(lexicon.CURRENT_CUES):
            current.append(t)
        elif not before.endswith(lexicon.ORIGIN_CUES) and not after.startswith(
            lexicon.ORIGIN_AFTER
        ):
            plain.append(t)
    chosen = (current or plain or [t for _, t in places])[-1]
    return chosen.word.value  # type: ignore[return-value]


class EntryReader:
    def __init__(self, vocab: Vocabulary, segmenter: Segmenter, roster: RosterMatcher) -> None:
        self.vocab = vocab
        self.names = NameFinder(segmenter, roster)

    def read(self, norm: Normalised, in_chain: bool = False) -> EntryReading:
        """`in_chain`: a 接龙 line, where the first word is the person's all the more."""
        text = norm.text
        written = readings(text)
        temps = current(written, text)
        masked = _blank(text, [(r.start, r.end) for r in written])
        if DIGIT.search(masked):
            masked = LABELS.sub(lambda m: " " * len(m.group()), masked)
        tokens = self.vocab.scan(masked)
        if "不好" in masked or "不太好" in masked:  # a bare adjective (BARE_UNWELL) is there
            tokens = _health_adjectives(masked, tokens)
        # which categories the tokens hold: the field rules below skip what is absent
        cats = {t.cat for t in tokens}
        entry = Entry(temperature=highest(temps))
        reading = EntryReading(
            entry=entry, tokens=tokens, bound=bound_of(written), simplified=norm.simplified
        )
        # the leading word names the person only in an entry that reports something and
        # does not open with its reading (`36.4 文昌 在家` names nobody)
        han = HAN.search(masked)
        first_han = han.start() if han else len(masked)
        reading_first = False
        for r in temps:  # a loop: most entries have one reading, a generator costs more
            if r.start < first_han:
                reading_first = True
                break
        evidence = Evidence(
            in_chain=in_chain,
            reading=bool(temps) and not reading_first,
            fields=len(cats) > (Cat.FILLER in cats) and not reading_first,
        )
        found = None
        if masked[:1].isascii() and (temps or tokens):
            found = self.names.latin(norm, masked)  # `Tom 36.5`, `Anna Li 36.5 正常`
        if found is None:
            found = self.names.find(norm, masked, tokens, evidence)
        if found is not None:
            entry.name, reading.name_span, reading.roster_miss = found
        if Cat.SYMPTOM in cats:
            negated = self._symptoms(masked, tokens, entry)
        else:
            negated = [False] * len(tokens)
        self._status(masked, tokens, entry, negated, reading.bound)
        if Cat.CAMPUS in cats or Cat.ISOLATION in cats:
            self._campus_and_isolation(masked, tokens, entry)
        if Cat.PLACE in cats:
            entry.province = self._province(masked, tokens)
        reading.fields = (
            (entry.abnormal is not None)
            + (entry.on_campus is not None)
            + (entry.province is not None)
            + (entry.isolation is not None)
        )
        return reading

    # -- symptoms ---------------------------------------------------------------------

    def _symptoms(self, text: str, tokens: list[Token], entry: Entry) -> list[bool]:
        """Fill entry.symptoms; return, per token, whether it is a denied symptom."""
        negated = [False] * len(tokens)
        for k, t in enumerate(tokens):
            if t.cat is not Cat.SYMPTOM:
                continue
            negated[k] = self._negated_before(text, tokens, k, negated)
        _spaced_list(text, tokens, negated)
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
                if (
                    gap in ("", ":", "已", "都", "均")
                    and tail
                    and _ends_answer(text, tokens, after)
                ):
                    for m in range(k, j + 1):
                        negated[m] = True
            k = j + 1
        seen: list[str] = []
        for k, t in enumerate(tokens):
            if t.cat is Cat.SYMPTOM and not negated[k] and t.word.value not in seen:
                seen.append(t.word.value)  # type: ignore[arg-type]
        entry.symptoms = seen
        return negated

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
            # one clause, one list: `没有发烧、咳嗽`, `无发热 咳嗽 乏力` (a space is no clause
            # boundary; a comma or full stop is, and so is any other word)
            return negated[p] and gap.strip() in LIST_JOINERS
        if prev.cat is not Cat.NEGATOR or prev.word.value == "after" or gap.strip():
            return False
        # `咳嗽：无 乏力：有`: a negator that answers a question does not reach across a space
        answered = text[: prev.start].rstrip().endswith(":")
        return gap == "" or not answered

    # -- health status ----------------------------------------------------------------

    @staticmethod
    def _status(
        text: str, tokens: list[Token], entry: Entry, negated: list[bool], bound: str | None
    ) -> None:
        """abnormal from health words; `negated` marks denied symptoms and unwell words;
        `bound` is a threshold written instead of a reading (`37.3以下` says normal)."""
        unwell = well = False

        def answered_no(k: int) -> bool:  # `不适：无`, `症状：无`
            return (
                k + 1 < len(tokens)
                and tokens[k + 1].cat is Cat.NEGATOR
                and text[tokens[k].end : tokens[k + 1].start].strip() == ":"
            )

        for k, t in enumerate(tokens):
            if t.cat is Cat.UNWELL:
                p = k - 1
                if p >= 0 and tokens[p].text in LIST_END and text[tokens[p].end : t.start] == "":
                    p -= 1  # `无咳嗽等不适`
                before = tokens[p] if p >= 0 else None
                if before is not None and text[before.end : tokens[p + 1].start] in LIST_JOINERS:
                    by_negator = before.cat is Cat.NEGATOR and before.word.value != "after"
                    in_denied_list = before.cat in (Cat.SYMPTOM, Cat.UNWELL) and negated[p]
                    # `没有不适`, `无确诊、疑似`
                    negated[k] = by_negator or in_denied_list
                negated[k] = negated[k] or answered_no(k)  # `不适：无`
                if negated[k]:
                    well = True
                else:
                    unwell = True
            elif t.cat is Cat.WELL or (t.text in LIST_END and answered_no(k)):  # `症状：无`
                well = True
        temp = entry.temperature
        high = (temp is not None and temp >= FEVER) or bound == "above"
        if high or entry.symptoms or unwell:
            entry.abnormal = True
        elif well or temp is not None or bound == "below" or _denies(tokens, negated):
            entry.abnormal = False

    # -- whereabouts ------------------------------------------------------------------

    @staticmethod
    def _province(text: str, tokens: list[Token]) -> str | None:
        """The province where the person is (see `_where`), skipping denied places
        (`无湖北旅居史`, `未去过武汉`)."""
        places: list[tuple[int, Token]] = []
        for k, t in enumerate(tokens):
            if t.cat is not Cat.PLACE:
                continue
            p = k - 1
            while p >= 0 and tokens[p].cat is Cat.FILLER and tokens[p].text in TRAVEL_WORDS:
                p -= 1
            if p >= 0 and tokens[p].cat is Cat.NEGATOR and tokens[p].word.value != "after":
                continue
            if places and _same_place(text, places[-1][1], t):
                continue  # `湖北武汉`, `香港 九龙`: one place, named from the top
            places.append((k, t))
        if not places:
            return None
        if len(places) == 1:
            return places[0][1].word.value  # type: ignore[return-value]
        return _where(text, places)

    @staticmethod
    def _campus_and_isolation(text: str, tokens: list[Token], entry: Entry) -> None:
        """The last campus/home word wins (`已解除隔离 在家`), but not a plan (`明天返校`)."""
        specific = unspecified = None
        for k, t in enumerate(tokens):
            if t.cat is Cat.CAMPUS:
                before = tokens[k - 1] if k else None
                planned = before is not None and before.text in FUTURE and before.end == t.start
                if not planned or entry.on_campus is None:
                    entry.on_campus = t.word.value  # type: ignore[assignment]
            elif t.cat is Cat.ISOLATION and t.word.value is not None:
                before = tokens[k - 1] if k else None
                if before is not None and before.cat is Cat.NEGATOR and before.end == t.start:
                    continue
                if text[t.end : t.end + 3].lstrip().startswith(ENDED) or text[
                    max(0, t.start - 3) : t.start
                ].endswith(("解除", "结束", "解除了")):
                    continue  # `集中隔离结束`, `已解除集中隔离`: ended, not isolating (Q8)
                if t.word.value == "unspecified":
                    unspecified = "unspecified"
                else:
                    specific = t.word.value
        entry.isolation = specific or unspecified  # type: ignore[assignment]
        if entry.on_campus is None and entry.isolation == "home":
            entry.on_campus = False
