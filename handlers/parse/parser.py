"""A minimal first parser: temperature, a leading name, 正常/异常 and 在校/在家.

The full jieba-based parser replaces this module; the interface (`Parser.parse`,
`Parser.parse_entry`) is what the message path and the chain differ rely on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.chain.split import split_chain
from handlers.parse.contract import Entry, ParseResult

TEMPERATURE = re.compile(r"(?<![\d.])(3[4-9]|4[0-2])[.．](\d)(?!\d)")
NAME = re.compile(r"^\s*([\u4e00-\u9fff]{2,4})(?=[\s,，:：\d])")
WELL = ("正常", "健康", "良好", "平安", "无异常")
UNWELL = ("异常", "不舒服", "身体不适")
ON_CAMPUS = ("在校", "留校", "校内", "在宿舍", "返校", "在学校")
AT_HOME = ("在家", "居家", "家中", "家里", "老家", "回家")


class Parser:
    def __init__(self, roster_names: Iterable[str] = ()) -> None:
        self.roster_names = set(roster_names)

    def parse(self, text: str) -> ParseResult:
        chain = split_chain(text)
        if chain is not None and chain.entries:
            return ParseResult("chain", [self.parse_entry(e.text) for e in chain.entries])
        entry = self.parse_entry(text)
        if entry.temperature is None and entry.abnormal is None:
            return ParseResult("other")
        return ParseResult("checkin", [entry])

    def parse_entry(self, text: str) -> Entry:
        entry = Entry()
        m = NAME.match(text)
        if m and not any(w in m.group(1) for w in WELL + UNWELL + ON_CAMPUS + AT_HOME):
            entry.name = m.group(1)
        temps = [float(f"{a}.{b}") for a, b in TEMPERATURE.findall(text)]
        if temps:
            entry.temperature = max(temps)
        if any(w in text for w in UNWELL) or (entry.temperature or 0) >= 37.3:
            entry.abnormal = True
        elif any(w in text for w in WELL) or entry.temperature is not None:
            entry.abnormal = False
        if any(w in text for w in ON_CAMPUS):
            entry.on_campus = True
        elif any(w in text for w in AT_HOME):
            entry.on_campus = False
        return entry
