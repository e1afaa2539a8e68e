"""Recognise the text of a 接龙 list and cut it into header, title, example and entries.

WeChat's native 接龙 is `#接龙` (or `#接龍`, `#Group Note`), a title, an optional `例 ...`
line, then numbered entries; copies pasted into QQ may lose the header or the line breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADER = re.compile(r"^\s*[#＃]\s*(?:接龙|接龍|group\s*note)\b\s*", re.IGNORECASE)
# `1.` `2、` `3 ` `(4)` `5）` `6:` `7，`; a number followed by a digit is a date or a
# decimal, not numbering.
NUMBERED = re.compile(
    r"^\s*(?:[(（]\s*(?P<p>\d{1,4})\s*[)）]|(?P<n>\d{1,4})(?:\s*[.、．:：)）,，]|\s)(?!\d))\s*(?P<rest>.*)$"
)
EXAMPLE = re.compile(r"^\s*(?:例|示例|格式|例如|举例)\s*[:：]?\s*")
# In a flattened copy, an entry number stands after whitespace and before a non-digit:
# `1. `, `2、`, or a bare `3 ` followed by a name.
FLAT_NUMBER = re.compile(r"(?:(?<=\s)|^)(\d{1,4})(?:\s*[.、．)）](?!\d)|\s+(?=[\u4e00-\u9fff]))\s*")
# WeChat's quote separator: a line of spaced dashes.
QUOTE_SEPARATOR = re.compile(r"^\s*(?:-\s*){6,}$", re.MULTILINE)


@dataclass(slots=True)
class ChainEntry:
    number: int
    text: str


@dataclass(slots=True)
class ChainText:
    has_header: bool
    title: str
    example: str | None
    entries: list[ChainEntry] = field(default_factory=list)


def _numbered(line: str) -> tuple[int, str] | None:
    m = NUMBERED.match(line)
    if not m:
        return None
    number = int(m.group("p") or m.group("n"))
    return number, m.group("rest").strip()


def _unflatten(text: str) -> str:
    """Put each `N.` of a one-line copy on its own line, when they run 1, 2, 3 …"""
    marks = list(FLAT_NUMBER.finditer(text))
    expected, cuts = 1, []
    for m in marks:
        if int(m.group(1)) == expected:
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
    example = EXAMPLE.search(head)
    if example and example.start() > 0:
        head = head[: example.start()].strip() + "\n" + head[example.start() :].strip()
    return "\n".join([head, *pieces[1:]])


def split_chain(text: str) -> ChainText | None:
    """Return the chain's parts, or None when the text is not shaped like a 接龙 list."""
    parts = QUOTE_SEPARATOR.split(text)
    if len(parts) > 1:  # a reply quoting a chain: the chain is whichever part holds it
        for part in parts:
            found = split_chain(part)
            if found is not None:
                return found
        return None

    has_header = bool(HEADER.match(text))
    body = HEADER.sub("", text, count=1) if has_header else text
    lines = [ln.strip() for ln in body.splitlines()]
    if len([ln for ln in lines if ln]) <= 1:
        lines = [ln.strip() for ln in _unflatten(body.strip()).splitlines()]
    lines = [ln for ln in lines if ln]

    title, example = "", None
    entries: list[ChainEntry] = []
    expected_first = True
    for index, line in enumerate(lines):
        numbered = _numbered(line)
        if not entries and EXAMPLE.match(line) and numbered is None:
            example = EXAMPLE.sub("", line, count=1)
            continue
        is_first_line = index == 0
        if (
            numbered is not None
            and (entries or numbered[0] == 1)
            and not (is_first_line and has_header and numbered[0] != 1)
        ):
            if expected_first and numbered[0] != 1:
                numbered = None
            else:
                expected_first = False
                entries.append(ChainEntry(numbered[0], numbered[1]))
                continue
        if not entries:
            title = f"{title} {line}".strip() if title else line
        else:  # a continuation of the previous entry
            entries[-1].text = f"{entries[-1].text} {line}".strip()
    if not entries and not has_header:
        return None
    return ChainText(has_header=has_header, title=title, example=example, entries=entries)
