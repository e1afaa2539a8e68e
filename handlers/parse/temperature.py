"""Body temperatures in a reply, and the numbers that only look like one.

Read on normalised text (half-width digits, Chinese numerals already turned to digits):

- `36.5`, `36.5℃`, `36.5度`, `36.5°C`: a decimal;
- `36度5`, `37度`, `38℃`: degrees with an optional tenth;
- `365`: a missing dot, for 350–399 only, never next to a dorm or class marker
  (`12栋365`, `365室`, `A3-365`, `6-365`) nor inside a longer number (student ids);
  `/` and `-` between fields (`张三/36.5/正常`) are separators, not part of a number;
- `体温36`: a bare whole number right after 体温.

A value counts only within 34.0–42.5, so dates (11.28), dorms (305), classes (2班) and ids
fall away on their own. Several readings (`早36.5 午36.8`) give the highest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOW, HIGH = 340, 425  # tenths of a degree

_DECIMAL = r"(?P<d_int>3[4-9]|4[0-2])\s?\.\s?(?P<d_frac>\d{1,2})(?!\d|\.\d)"
_DEGREE = (
    r"(?P<g_int>3[4-9]|4[0-2])\s?(?:度|℃|°C|°c|°|摄氏度|C(?![a-zA-Z]))\s?"
    r"(?P<g_frac>\d(?!\d|\.\d))?"
)
_NO_DOT = (
    r"(?P<n>3[5-9]\d)(?![\d%:]|\.\d)(?![-/]\d)"
    r"(?!(?:室|寝|房|号|宿舍|班|级|栋|楼|天|个|人|分|元|弄|路|街|米|斤|块|页|期|次|公里))"
    r"(?!\s(?:室|号|班|级|栋|楼|弄|路))"  # `385 宿舍` is a reading, then where
)
_AFTER_WORD = r"(?<=体温)\s?[:：]?\s?(?P<w_int>3[4-9]|4[0-2])(?!\d|\.\d)"
# Every match starts with 3, 4, a space or a colon: the leading lookahead lets the scan skip
# any other position with one character test instead of trying the lookbehinds there.
TEMPERATURE = re.compile(
    rf"(?=[34\s:：])"
    rf"(?:(?<![\d#A-SU-Za-su-z])(?<!\d\.)(?:{_DECIMAL}|{_DEGREE}|(?<!\d[-/])(?<![栋楼号室]){_NO_DOT})"
    rf"|{_AFTER_WORD})"
)


@dataclass(slots=True)
class Reading:
    value: float
    start: int
    end: int


def _tenths(m: re.Match[str]) -> int:
    """The reading in tenths of a degree, rounded half up (`36.55` -> 366): integer
    arithmetic, exact like decimal arithmetic and without its cost."""
    d_int, d_frac, g_int, g_frac, n, w_int = m.group(
        "d_int", "d_frac", "g_int", "g_frac", "n", "w_int"
    )
    if d_int:
        hundredths = int(d_int) * 100 + int(d_frac) * (10 if len(d_frac) == 1 else 1)
        return (hundredths + 5) // 10
    if g_int:
        return int(g_int) * 10 + int(g_frac or 0)
    if n:
        return int(n[:2]) * 10 + int(n[2])
    return int(w_int) * 10


def readings(text: str) -> list[Reading]:
    """Every plausible temperature in `text`, in order, rounded to 0.1 °C."""
    found = []
    for m in TEMPERATURE.finditer(text):
        tenths = _tenths(m)
        if LOW <= tenths <= HIGH:
            found.append(Reading(tenths / 10, m.start(), m.end()))  # as exact as float(Decimal)
    return found


def highest(found: list[Reading]) -> float | None:
    if len(found) <= 1:  # the common case: one reading, or none
        return found[0].value if found else None
    return max(r.value for r in found)
