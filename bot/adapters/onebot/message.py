"""OneBot v11 messages: segment arrays, CQ-code strings, and what we send.

An implementation reports `message` either as an array of segments
(`[{"type": "text", "data": {"text": "..."}}, ...]`) or, with `message_format: string`, as one
string with CQ codes (`[CQ:at,qq=10001] 张三 36.5`). Both become the same segment list here,
so the rest of the adapter never cares which format a peer uses.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Segment(BaseModel):
    """One message segment; `data` values are kept as the peer sent them."""

    model_config = ConfigDict(extra="ignore")

    type: str
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def text(self) -> str:
        value = self.data.get("text", "")
        return value if isinstance(value, str) else str(value)


# `[CQ:type,key=value,...]`: type and keys are word characters; values are escaped, so they
# never contain `,` or `]`.
_CQ = re.compile(r"\[CQ:([A-Za-z0-9_.\-]+)((?:,[A-Za-z0-9_.\-]+=[^,\]]*)*)\]")


def unescape(text: str, *, in_param: bool = False) -> str:
    """Undo CQ-code escaping; `&amp;` last, so `&amp;#91;` stays the literal `&#91;`."""
    text = text.replace("&#91;", "[").replace("&#93;", "]")
    if in_param:
        text = text.replace("&#44;", ",")
    return text.replace("&amp;", "&")


def escape(text: str, *, in_param: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")
    return text.replace(",", "&#44;") if in_param else text


def parse_cq(raw: str) -> list[Segment]:
    """Split a CQ-code string into segments; text between codes becomes text segments."""
    segments: list[Segment] = []
    pos = 0
    for match in _CQ.finditer(raw):
        if match.start() > pos:
            segments.append(Segment(type="text", data={"text": unescape(raw[pos : match.start()])}))
        data: dict[str, Any] = {}
        for pair in filter(None, match.group(2).split(",")):
            key, _, value = pair.partition("=")
            data[key] = unescape(value, in_param=True)
        segments.append(Segment(type=match.group(1), data=data))
        pos = match.end()
    if pos < len(raw):
        segments.append(Segment(type="text", data={"text": unescape(raw[pos:])}))
    return segments


def to_segments(message: object) -> list[Segment]:
    """Accept either wire format (or a single segment object, which some peers send)."""
    if isinstance(message, str):
        return parse_cq(message)
    if isinstance(message, dict):
        message = [message]
    if not isinstance(message, list):
        raise ValueError(f"message is neither a string nor a segment array: {type(message)}")
    return [Segment.model_validate(item) for item in message]


def plain_text(segments: list[Segment]) -> str:
    """The words of a message: text segments only (at, face, image carry no check-in text)."""
    return "".join(s.text for s in segments if s.type == "text").strip()


def mentions(segments: list[Segment]) -> tuple[str, ...]:
    """QQ numbers (or "all") @-mentioned, in order, without repeats."""
    seen: dict[str, None] = {}
    for s in segments:
        if s.type == "at" and s.data.get("qq") not in (None, ""):
            seen[str(s.data["qq"])] = None
    return tuple(seen)


def quoted(segments: list[Segment]) -> str:
    """The message id a `reply` segment quotes (`[CQ:reply,id=123]`), or ""."""
    for s in segments:
        if s.type == "reply" and s.data.get("id") not in (None, ""):
            return str(s.data["id"])
    return ""


def outgoing(text: str, mention_ids: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The segment array we send: each @ first (space-separated), then the text.

    Always the array format: a name or text with `[` in it can never turn into a CQ code.
    """
    out: list[dict[str, Any]] = []
    for qq in mention_ids:
        out.append({"type": "at", "data": {"qq": str(qq)}})
        out.append({"type": "text", "data": {"text": " "}})
    if text:
        out.append({"type": "text", "data": {"text": text}})
    elif out:
        out.pop()  # no trailing space after the last @
    return out
