"""Recognise the text of a 接龙 list and cut it into header, title, example and entries.

WeChat's native 接龙 is `#接龙` (or `#接龍`, `#Group Note`), a title, an optional `例 ...`
line, then numbered entries; copies pasted into QQ may lose the header or the line breaks,
and a reply that quotes a chain carries the quote above a line of spaced dashes.

The splitter reads physical lines one at a time and remembers, for every entry, the line it
started on. That is what lets the chain engine re-read only the changed tail of a repost
(`split_lines(..., start=, prior=)`): a 1000-line repost that appends one line costs one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADER = re.compile(r"^\s*[#＃]\s*(?:接龙|接龍|group\s*note\b)\s*", re.IGNORECASE)
# `1.` `2、` `3 ` `(4)` `5）` `6:` `7，`; a number followed by a digit is a date, a time or a
# decimal (11.28, 22:00, 36.5), not numbering.
# A student id glued to the number (`1.2019031124 闫博`) is no decimal: 8–12 digits.
NUMBERED = re.compile(
    r"\s*(?:[(（]\s*(\d{1,4})\s*[)）]|(\d{1,4})(?:\s*[.、．:：)）,，]|\s)(?!\d)"
    r"|(\d{1,4})[.、．\s](?=\d{8,12}(?!\d)))\s*"
)
EXAMPLE = re.compile(r"^\s*(?:例|示例|格式|例如|举例|範例|范例)\s*[:：]?\s*")
# In a flattened copy, an entry number stands at the start or after a space, a Han character
# or closing punctuation, and before a non-digit; `N ` (space numbering) only before a Han
# character. Numbers count only when they run 1, 2, 3 … (see `_unflatten`).
FLAT_NUMBER = re.compile(
    r"(?=[(（\d])"  # what every match starts with: a cheap test before the lookbehinds
    r"(?:(?<=[\s\u4e00-\u9fff）)】」。，,；;！!])|^)"
    r"(?:[(（](\d{1,4})[)）]|(\d{1,4})\s*[.、．:：)）](?!\d)|(\d{1,4})\s+(?=[\u4e00-\u9fff])"
    r"|(\d{1,4})[.、．](?=\d{8,12}(?!\d)))"
)
# A cheap first look for the router: a header, or a list mark `1` at a line start or after a
# space or a Han character (flattened copies). Over-inclusive on purpose: the chain handler
# decides, and hands anything else back to the parser.
CHAIN_HINT = re.compile(
    r"(?=[\s#＃(（1])"  # what every match starts with: a cheap test before the alternatives
    r"(?:^\s*[#＃]\s*(?:接龙|接龍|group\s*note)"
    r"|(?:^|(?<=[\s\u4e00-\u9fff]))[(（]?\s*1\s*(?:[.、．:：)）]|\s)(?!\d))",
    re.IGNORECASE | re.MULTILINE,
)
# WeChat's quote separator: a line of spaced dashes between the quote and the reply.
QUOTE_SEPARATOR = re.compile(r"^\s*(?:-\s*){6,}$", re.MULTILINE)
QUOTE_HINT = "- - - - - -"


@dataclass(slots=True)
class ChainEntry:
    number: int
    text: str
    line: int = 0  # index of the physical line the entry starts on (0-based, in the body)


@dataclass(slots=True)
class ChainText:
    has_header: bool
    title: str
    example: str | None
    entries: list[ChainEntry] = field(default_factory=list)


def _numbered(line: str) -> tuple[int, str] | None:
    m = NUMBERED.match(line)
    if m is None:
        return None
    paren, plain, before_id = m.groups()
    return int(paren or plain or before_id), line[m.end() :].strip()


def _unflatten(text: str) -> str:
    """Put each entry of a one-line copy on its own line, when the numbers run 1, 2, 3 …"""
    expected, cuts = 1, []
    for m in FLAT_NUMBER.finditer(text):
        if int(m.group(1) or m.group(2) or m.group(3) or m.group(4)) == expected:
            cuts.append(m.start())
            expected += 1
    if expected <= 2:  # fewer than two entries: not a flattened list
        return text
    pieces, last = [], 0
    for cut in cuts:
        pieces.append(text[last:cut].strip())
        last = cut
    pieces.append(text[last:].strip())
    head = pieces[0]
    example = EXAMPLE.search(head) or re.search(r"(?<=\s)(?:例|示例|格式)\s*[:：]?", head)
    if example and example.start() > 0:
        head = head[: example.start()].strip() + "\n" + head[example.start() :].strip()
    return "\n".join([head, *pieces[1:]])


def looks_like_chain(text: str) -> bool:
    """True when `text` may be a 接龙 (a regex scan at C speed; `split_chain` decides)."""
    return CHAIN_HINT.search(text) is not None


def reply_part(text: str) -> str | None:
    """The reply below a quote, or None when the text quotes nothing.

    WeChat renders a quoting reply as `「author：quoted」`, a line of spaced dashes, then the
    reply. The quoted chain is someone else's older message, so only the reply counts.
    """
    if QUOTE_HINT not in text:
        return None
    parts = QUOTE_SEPARATOR.split(text)
    return parts[-1] if len(parts) > 1 else None


def split_lines(
    lines: list[str], *, start: int = 0, prior: ChainText | None = None, base: int = 0
) -> ChainText | None:
    """Split physical lines into a chain, or return None when they are not shaped like one.

    With `prior` (the chain read from the lines before `start`, whose last entry is complete)
    reading resumes at line `start`; the prior entries are kept as they are, not copied.
    `lines` may hold only the tail of the text, from line number `base` on.
    """
    if prior is None:
        has_header, title, example, entries = False, "", None, []
    else:
        has_header, title, example = prior.has_header, prior.title, prior.example
        entries = list(prior.entries)
    titles = [title] if title else []  # joined at the end, for the same reason as `tail`
    seen_first = prior is not None
    # Continuation lines of the entry being read, joined when the next entry starts: adding
    # each to the entry's text would copy it again per line (quadratic in a long entry).
    tail: list[str] = []

    def close_tail() -> None:
        if tail:
            last = entries[-1]
            last.text = " ".join([last.text, *tail] if last.text else tail)
            tail.clear()

    for index in range(start, base + len(lines)):
        line = lines[index - base].strip()
        if not line:
            continue
        if not seen_first:
            seen_first = True
            header = HEADER.match(line)
            if header:
                has_header = True
                line = line[header.end() :].strip()
                if not line:
                    continue
        if entries:
            numbered = _numbered(line)
            if numbered is None:  # a continuation of the previous entry
                tail.append(line)
                continue
            close_tail()
            if numbered[0] == 1 and len(entries) == 1 and entries[0].number == 1 and not titles:
                # `1. 周年庆` then `1. 张三`: the first "entry" was the title
                titles = [f"1. {entries[0].text}".strip()]
                entries = [ChainEntry(1, numbered[1], index)]
            else:
                entries.append(ChainEntry(numbered[0], numbered[1], index))
            continue
        numbered = _numbered(line)
        if numbered is not None and EXAMPLE.match(numbered[1]) and example is None:
            example = EXAMPLE.sub("", numbered[1], count=1)
        elif numbered is None and EXAMPLE.match(line):
            example = EXAMPLE.sub("", line, count=1)
        elif numbered is not None and numbered[0] == 1:
            entries.append(ChainEntry(1, numbered[1], index))
        else:  # the title, however it starts (`3. 周年庆`, `11.28 平安报告`)
            titles.append(line)
    close_tail()
    if not entries and not has_header:
        return None
    return ChainText(
        has_header=has_header, title=" ".join(titles), example=example, entries=entries
    )


def split_chain(text: str) -> ChainText | None:
    """Return the chain's parts, or None when the text is not shaped like a 接龙 list."""
    reply = reply_part(text)
    if reply is not None:  # a reply quoting a message: only the reply is this sender's text
        return split_chain(reply)
    lines = text.split("\n")
    if len(lines) == 1 or sum(1 for ln in lines if ln.strip()) <= 1:
        stripped = text.strip()
        header = HEADER.match(stripped)
        body = stripped[header.end() :] if header else stripped
        flat = _unflatten(body)
        if flat != body:
            lines = ([stripped[: header.end()].strip()] if header else []) + flat.split("\n")
        elif header is None and NUMBERED.match(body) is None:
            return None  # one line, no header, no list number: what split_lines would say
    return split_lines(lines)
