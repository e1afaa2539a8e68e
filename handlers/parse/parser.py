"""The check-in parser: free text to the contract's `ParseResult` (parse-contract.md).

`Parser(roster_names)` is built once per roster (a group's node) and is cheap to call:
`parse(text)` for a whole message, `parse_entry(text)` for one 接龙 line, and
`unreadable_reason(text, result)` for the message path's "we could not read that" prompt.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.parse_contract import Entry, ParseResult
from handlers.chain.split import split_chain
from handlers.parse.entry import EntryReader, EntryReading
from handlers.parse.kind import (
    NOTICE,
    REPORTED,
    REQUEST,
    carries_checkin,
    is_bare_state,
    is_checkin,
    is_notice,
    is_one_person_form,
    is_question,
    shows_sample,
)
from handlers.parse.names import RosterMatcher
from handlers.parse.normalise import half_width, list_numbers, normalise, to_simplified
from handlers.parse.scanner import Vocabulary
from handlers.parse.segment import Segmenter

# Longer than any real check-in: such text is kept but never parsed, on any path (the router,
# the chain differ's fallback, the "unreadable" prompt), so one huge message costs nothing.
MAX_PARSE_CHARS = 20_000

# unreadable_reason() answers, for the one friendly prompt per person per day.
NO_TEMPERATURE = "no_temperature"
NO_STATUS = "no_status"
UNKNOWN_NAME = "unknown_name"
REASON_TEXT = {
    NO_TEMPERATURE: "没读到体温",
    NO_STATUS: "没读到体温或身体状况",
    UNKNOWN_NAME: "名单里没有这个名字",
}
EXPECTED_FORM = "姓名 体温 身体状况 在校/在家(城市)，例如：张三 36.5 正常 在校"


def prompt_text(reason: str) -> str:
    """The one short, friendly private prompt for an unreadable reply (no health data in it)."""
    what = REASON_TEXT.get(reason, "没看懂这条报告")
    return f"你好，刚才的平安报告{what}～请按格式再发一次：{EXPECTED_FORM}"


# Several people's lines without a header come from a dorm or a class, never thousands:
# a longer text is read as one reply (and costs one reading, not one per line).
MAX_PEOPLE_LINES = 200

# Words that make a reply look like an attempt at a check-in.
CHECKIN_CUES = ("体温", "打卡", "平安", "报告", "正常", "在校", "在家", "度", "℃", "温")


class Parser:
    """Reads check-in replies; `roster_names` are the names of the group's people."""

    @staticmethod
    def normalised_names(roster_names: Iterable[str]) -> tuple[str, ...]:
        return tuple(n.strip() for n in roster_names if n and n.strip())

    def __init__(self, roster_names: Iterable[str] = ()) -> None:
        names = list(self.normalised_names(roster_names))
        self.names: tuple[str, ...] = tuple(names)  # a twin parser is built from these
        # Readings made ahead by a twin in a worker thread (handlers/prepare.py), looked up
        # before reading: (text, in_chain) → EntryReading, text → ParseResult.
        self.prepared_reads: dict[tuple[str, bool], EntryReading] = {}
        self.prepared_parses: dict[str, ParseResult] = {}
        self.roster = RosterMatcher(names)
        self.vocabulary = Vocabulary(names)
        self.segmenter = Segmenter(names)
        self.reader = EntryReader(self.vocabulary, self.segmenter, self.roster)

    def warm_up(self) -> None:
        """Build now what is otherwise built on first use (the homophone index: half a
        second for a school of 40,000), so a parser made in a worker arrives ready."""
        self.roster.warm()
        self.parse("张三 36.5 正常 在校")

    def forget_prepared(self) -> None:
        self.prepared_reads.clear()
        self.prepared_parses.clear()

    def read(self, text: str, in_chain: bool = False) -> EntryReading:
        """One entry with the evidence behind it (see EntryReading)."""
        ready = self.prepared_reads.get((text, in_chain))
        if ready is not None:
            return ready
        return self.reader.read(normalise(text), in_chain)

    def parse_entry(self, text: str, in_chain: bool = True) -> Entry:
        """One 接龙 line (or, with `in_chain=False`, one reply read as a single entry)."""
        return self.read(text, in_chain).entry

    def parse(self, text: str) -> ParseResult:
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_PARSE_CHARS:
            return ParseResult("other")
        ready = self.prepared_parses.get(text)
        if ready is not None:
            return ready
        numbered = list_numbers(text)
        # every 接龙 has a header (#) or an entry numbered 1: most replies have neither
        chain = split_chain(numbered) if "1" in numbered or "#" in numbered else None
        if chain is not None and chain.entries:
            if is_one_person_form(chain):
                joined = " ".join(e.text for e in chain.entries)
                return self._single(f"{chain.title} {joined}", joined)
            readings = [self.read(e.text, in_chain=True) for e in chain.entries]
            if not is_notice(chain, readings):
                if not carries_checkin(chain, readings):
                    return ParseResult("other")  # `#接龙 周五聚餐报名`: not about the check-in
                return ParseResult("chain", [r.entry for r in readings])
            if len(chain.entries) >= 2 and "\n" in text.strip():
                return ParseResult("other")  # a numbered notice; one line falls through
        elif chain is not None:  # a header and a title, nobody has signed yet
            return ParseResult("chain" if carries_checkin(chain, []) else "other")
        elif "\n" in text:
            people = self._people(text)
            if people is not None:
                return ParseResult("chain", people)
        return self._single(text, text)

    def _single(self, text: str, body: str) -> ParseResult:
        reading = self.read(body)
        simple = reading.simplified if text is body else to_simplified(text)
        if is_checkin(reading, simple) or is_bare_state(reading, simple):
            return ParseResult("checkin", [reading.entry])
        return ParseResult("other")

    def _people(self, text: str) -> list[Entry] | None:
        """Several people's reports, one per line, without a 接龙 header or numbers (a
        monitor reporting for a dorm): one entry per person line, or None.

        Lines before the first person are the title; a line naming nobody after it
        continues the entry above.
        """
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        if len(lines) > MAX_PEOPLE_LINES:
            return None
        simple = to_simplified(text)
        if NOTICE.search(simple) or shows_sample(simple) or is_question(simple):
            return None
        groups: list[str] = []
        for line in lines:
            reading = self.read(line, in_chain=True)
            entry = reading.entry
            person = entry.name is not None and (
                entry.temperature is not None or reading.fields > 0 or bool(entry.symptoms)
            )
            if person:
                groups.append(line)
            elif groups:
                groups[-1] = f"{groups[-1]} {line}"
        if len(groups) < 2:
            return None
        entries = [self.read(g, in_chain=True).entry for g in groups]
        names = [e.name for e in entries]
        return entries if len(set(names)) == len(names) else None

    def unreadable_reason(self, text: str, result: ParseResult | None = None) -> str | None:
        """Why a reply that looks like a check-in could not be read, or None.

        None for chatter, notices, questions, acknowledgements and 接龙 lists, and for
        check-ins that were read. Otherwise one of:

        - NO_TEMPERATURE: a named reply with digits or report words where no temperature or
          health status could be read (`张三 3 6 5 在校`, `张三 体温 408`);
        - NO_STATUS: a person and a place but nothing about health or temperature
          (`张三 在校`);
        - UNKNOWN_NAME: a roster is set and the name written matches nobody on it.

        Text too long to parse (MAX_PARSE_CHARS) is no attempt at a check-in: None, at once.
        """
        if len(text) > MAX_PARSE_CHARS:
            return None
        result = result if result is not None else self.parse(text)
        if result.kind == "chain":
            return None
        reading = self.read(text)
        if result.kind == "checkin":
            entry = result.entries[0]
            if reading.roster_miss:
                return UNKNOWN_NAME
            if entry.temperature is None and entry.abnormal is None:
                return NO_TEMPERATURE if any(ch.isdigit() for ch in text) else NO_STATUS
            return None
        simple = to_simplified(text)
        if (
            NOTICE.search(simple)
            or REQUEST.search(simple)
            or is_question(simple)
            or REPORTED.search(simple)
        ):
            return None  # a notice, a question, or `张三 在校 已报`: nothing to prompt for
        named = reading.entry.name is not None
        has_digits = any(ch.isdigit() for ch in half_width(text))
        if named and (has_digits or any(cue in text for cue in CHECKIN_CUES)):
            return NO_TEMPERATURE
        return None
