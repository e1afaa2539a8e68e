"""What a WeChat message payload means, as pure functions of its fields (no SDK, no I/O).

A room message from a puppet service carries: id, text, a timestamp (seconds, or
milliseconds from some puppets), a type, the talker's wxid, the room id (empty in a private
chat) and the mentioned wxids. Most puppets put the raw WeChat XML into `text` for app
messages; a native 接龙 (group solitaire) is an `<appmsg>` of type 53 whose `<title>` holds
the whole list and whose `<solitaire_info>` names the wxid behind every numbered entry.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

# The message type a service sends is wechaty-puppet's `MessageType` (Text = 7, GroupNote =
# 10), passed through unchanged, not the proto's own enum (where 6 is text).
WIRE_TEXT = 7
APPMSG_SOLITAIRE = "53"
MAX_XML_CHARS = 1_000_000  # a real 接龙 of 500 lines is ~100 kB; refuse anything absurd
AT_SEPARATOR = "\u2005"  # WeChat ends each @name with a four-per-em space
# Seconds since 1970 stay below this until 2038; a bigger number is milliseconds.
MILLISECONDS_ABOVE = 2_145_888_000

# Group messages sometimes keep WeChat's raw "wxid_sender:\n" prefix before the XML.
_SENDER_PREFIX = re.compile(r"^\s*[\w@.\-]{1,64}:\s*\n(?=\s*<)")
_ENTRY_NUMBER = re.compile(r"(\d{1,4})\s*[.、．:：)）]?\s*$")


@dataclass(frozen=True, slots=True)
class Solitaire:
    """A native 接龙: the visible list text and, per entry number, its author's wxid."""

    text: str
    line_authors: dict[int, str] = field(default_factory=dict)


def message_time(timestamp: int | float, tz: tzinfo) -> datetime:
    """The payload timestamp as an aware datetime in the configured zone."""
    seconds = timestamp / 1000 if timestamp > MILLISECONDS_ABOVE else timestamp
    return datetime.fromtimestamp(seconds, tz)


def _xml_root(text: str) -> ET.Element | None:
    body = _SENDER_PREFIX.sub("", text, count=1).strip()
    if not body.startswith("<") or len(body) > MAX_XML_CHARS:
        return None
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        return None


def _utf16_slice_start(text: str, offset: int) -> int:
    """Index into `text` of a UTF-16 code-unit offset (WeChat's clients count in UTF-16)."""
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def _entry_authors(title: str, info: ET.Element) -> dict[int, str]:
    """Map entry numbers to wxids; each `<i>` has `<u>` (wxid) and `<r>` (start-length).

    The range points just past the entry's number in the title, so the number is read from
    the text before it; when it cannot be, the item's position in the list is used.
    """
    authors: dict[int, str] = {}
    for position, item in enumerate(info.iterfind("./content/i"), start=1):
        wxid = (item.findtext("u") or "").strip()
        if not wxid:
            continue
        number = position
        start, _, _ = (item.findtext("r") or "").partition("-")
        if start.strip().isdigit():
            before = title[: _utf16_slice_start(title, int(start))]
            line = before.rsplit("\n", 1)[-1]
            found = _ENTRY_NUMBER.search(line)
            if found:
                number = int(found.group(1))
        authors.setdefault(number, wxid)
    return authors


def parse_solitaire(text: str) -> Solitaire | None:
    """The 接龙 in an appmsg XML text, or None when the text is not a type-53 appmsg."""
    if "appmsg" not in text:
        return None
    root = _xml_root(text)
    if root is None:
        return None
    appmsg = root if root.tag == "appmsg" else root.find("appmsg")
    if appmsg is None or (appmsg.findtext("type") or "").strip() != APPMSG_SOLITAIRE:
        return None
    title = appmsg.findtext("title") or ""
    raw_info = appmsg.findtext("extinfo/solitaire_info") or ""
    authors: dict[int, str] = {}
    if raw_info.strip():
        try:
            info = ET.fromstring(raw_info.strip())
        except ET.ParseError:
            info = None
        if info is not None:
            authors = _entry_authors(title, info)
    return Solitaire(text=title, line_authors=authors)


def strip_self_mention(text: str, names: list[str]) -> str:
    """Remove the leading "@bot " the user typed to address the bot, so commands parse.

    Only the bot's own names are removed; other people's @ stay in the text.
    """
    stripped = text.lstrip()
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        tag = f"@{name}"
        if stripped.startswith(tag):
            rest = stripped[len(tag) :]
            if not rest or rest[0] in (AT_SEPARATOR, " ", "\u00a0", "\n"):
                return rest.lstrip(AT_SEPARATOR + " \u00a0\n")
    return text


def mention_prefix(names: list[str]) -> str:
    """The text WeChat shows for @-mentions: "@张三\u2005@李四\u2005"."""
    return "".join(f"@{name}{AT_SEPARATOR}" for name in names)
