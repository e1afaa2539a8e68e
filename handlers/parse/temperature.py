"""Body temperatures in a reply, and the numbers that only look like one.

Read on normalised text (half-width digits, Chinese numerals already turned to digits,
`36点7` to `36.7`, `36度半` to `36.5`):

- `36.5`, `36.5℃`, `36.5度`, `36.5°C`: a decimal;
- `36度5`, `37度`, `38℃`: degrees with an optional tenth;
- `37` alone in the reading slot (after the name or a temperature cue): whole degrees;
- `365`: a missing dot, 340–425, never next to a dorm or room cue (`宿舍373`, `373寝室`,
  `12栋365`, `A3-365`, `6-365`) nor inside a longer number (student ids);
  `/` and `-` between fields (`张三/36.5/正常`) are separators, not part of a number;
- `体温36`: a bare whole number right after 体温;
- `98.6°F`, `华氏98.6`: Fahrenheit only when the unit is written, converted to Celsius.

A number followed by a counter (`36人`, `38栋`, `40分`) or written as a clock time (`7:40`,
`7点40`) is no reading. A value counts only within 34.0–42.5, so dates (11.28), dorms
(305), classes (2班) and ids fall away on their own.

Which readings count (`current`): a threshold (`37.3以下`, `超过37.3`) is no reading but says
normal or abnormal; after a correction (`更正`, `应为`, `不是X是Y`) only the corrected
reading; a past one (`昨天37.5`) only when no current one is given; then the highest.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

LOW, HIGH = 340, 425  # tenths of a degree

# What follows a number that counts things or places, not degrees.
COUNTERS = (
    r"号楼|宿舍|公里|kg|KG|栋|楼|层|室|房|寝|舍|人|名|个|班|级|届|号|天|日|月|岁|元|分|斤|次|页|门"
    r"|弄|路|街|米|块|期|幢|单元|周|小时|点|多|余|来|%"
)
_DECIMAL = r"(?P<d_int>3[4-9]|4[0-2])\s?\.\s?(?P<d_frac>\d{1,2})(?!\d|\.\d)"
_DEGREE = (
    r"(?P<g_int>3[4-9]|4[0-2])\s?(?:度|℃|°C|°c|°(?![Ff])|摄氏度|C(?![a-zA-Z]))\s?"
    r"(?P<g_frac>\d(?!\d|\.\d))?"
)
# A missing dot: `365`, `373`, `408`; never glued to a dorm or room cue (`宿舍373`,
# `373寝室`, `12栋 365`); `宿舍 368` with a space is where, then the reading.
_DORM_BEFORE = (
    r"(?<!宿舍)(?<!寝室)(?<![室栋楼房号寝舍#])(?<!room)(?<!Room)"
    r"(?<![室栋楼房号寝#]\s)(?<!room\s)(?<!Room\s)"
)
_NO_DOT = (
    r"(?P<n>3[4-9]\d|4[01]\d|42[0-5])(?![\d%:]|\.\d)(?![-/]\d)"
    rf"(?!(?:{COUNTERS}|宿舍|寝室|公寓|路|街|米|斤|块|页|期|次|room))"
    r"(?!\s(?:室|号|班|级|栋|楼|弄|路|宿舍|寝室|房))"  # `385 宿舍`? a reading, then where
)
# Whole degrees in the reading slot: a bare 35–42 after Han text (the name or a cue).
_WHOLE = (
    r"(?<=[\u4e00-\u9fff])(?<![第共约点时室栋楼房号寝舍层班级])[\s:：,，]{0,2}"
    r"(?P<i_int>3[5-9]|4[0-2])(?![\d.:：]|\s?(?:" + COUNTERS + r"|度|℃|°|摄氏|[CcFf]|℉))"
    r"(?![-/]\d)(?=\s|$|[,，、;；。!！/]|[\u4e00-\u9fff])"
)
_AFTER_WORD = r"(?<=体温)\s?[:：]?\s?(?P<w_int>3[4-9]|4[0-2])(?!\d|\.\d)"
# Every match starts with 3, 4, a space or a colon, or a Han character: the leading
# lookahead lets the scan skip digits and letters cheaply.
TEMPERATURE = re.compile(
    rf"(?:(?=[34])(?<![\d#A-SU-Za-su-z])(?<!\d\.)(?<!\d[:：])(?<!\d点)"
    rf"(?:{_DECIMAL}|{_DEGREE}|(?<!\d[-/]){_DORM_BEFORE}{_NO_DOT})"
    rf"|(?=[34\s:：]){_AFTER_WORD})"
)
# Whole degrees are looked for only when no other reading is written (`卢卡 37 正常`): beside
# a decimal reading a bare whole number is something else, and most replies skip this scan.
WHOLE = re.compile(rf"(?=[\s:：,，34]){_WHOLE}")
# What a Fahrenheit unit or a threshold is written with: one class scan, and replies
# without any of these skip both tests.
RARE_HINT = re.compile("[Ff℉华以低超高<>没未小大之≤≥到]")
# Fahrenheit, only with its unit written: 97–104 °F.
FAHRENHEIT = re.compile(
    r"(?:华氏\s?)?(?<![\d.])(?P<f>9[7-9]|10[0-4])(?:\.(?P<f_frac>\d))?(?!\d)"
    r"\s?(?P<unit>°F|°f|℉|F(?![a-zA-Z])|f(?![a-zA-Z])|华氏度|华氏)?"
)
# A threshold, not a reading: `37.3以下`, `低于37.3`, `<37.3` (normal); `超过37.3` (abnormal).
BELOW_BEFORE = re.compile(
    r"(?:低于|不超过?|没超过?|没有超过|未超过?|不高于|不到|不足|小于|<|≤)\s?$"
)
ABOVE_BEFORE = re.compile(r"(?:高于|超过|大于|>|≥)\s?$")
BELOW_AFTER = re.compile(r"^\s?(?:℃|度|°C|°c|°|C)?\s?(?:以下|以内|之下)")
ABOVE_AFTER = re.compile(r"^\s?(?:℃|度|°C|°c|°|C)?\s?(?:以上|之上)")
# A correction: the reading after it replaces those before it.
CORRECTION = re.compile(r"更正|改为|改成|应为|应该是|写错了|打错了|写错|打错|纠正|修改为|修正")
NOT_THIS = re.compile(r"不是\s?(?:体温)?\s?$")
# Times of day: a reading after a past one (`昨天`) is the day's; `上午` is not past.
WHEN = re.compile(
    r"昨天|昨晚|昨日|前天|今天|今早|今日|今晚|早上|上午|中午|下午|晚上|现在|刚才|刚测"
)
# Weather talk: whole degrees beside these are the air's, not the body's.
WEATHER = re.compile(
    r"气温|天气|降温|升温|最高|最低|高温|低温|室温|水温|好热|太热|真热|热死|好冷|太冷|真冷|冷死|晴|阴天|下雨|下雪"
)
PAST = frozenset({"昨天", "昨晚", "昨日", "前天"})


@dataclass(slots=True)
class Reading:
    value: float
    start: int
    end: int
    bound: str | None = None  # "below"/"above": a threshold written, not a reading
    whole: bool = False  # written without a tenth (`37度`, `37`): weather talks so too


def _tenths(m: re.Match[str], last: str | None) -> int:
    """The reading in tenths of a degree, rounded half up (`36.55` -> 366): integer
    arithmetic, exact like decimal arithmetic and without its cost. `last` is the match's
    last group, which says which form matched."""
    if last == "d_frac":
        d_frac = m.group("d_frac")
        hundredths = int(m.group("d_int")) * 100 + int(d_frac) * (10 if len(d_frac) == 1 else 1)
        return (hundredths + 5) // 10
    if last == "g_frac":
        return int(m.group("g_int")) * 10 + int(m.group("g_frac"))
    if last == "n":
        n = m.group("n")
        return int(n[:2]) * 10 + int(n[2])
    if last is None:  # every alternative of TEMPERATURE ends in a named group
        raise ValueError(f"temperature match without a form: {m.group()!r}")
    return int(m.group(last)) * 10  # `37度` (g_int), `体温36` (w_int)


def _bound(text: str, start: int, end: int) -> str | None:
    before, after = text[max(0, start - 4) : start], text[end : end + 5]
    if BELOW_BEFORE.search(before) or BELOW_AFTER.match(after):
        return "below"
    if ABOVE_BEFORE.search(before) or ABOVE_AFTER.match(after):
        return "above"
    return None


def _fahrenheit(text: str) -> list[Reading]:
    found = []
    for m in FAHRENHEIT.finditer(text):
        if m.group("unit") is None and not m.group(0).startswith("华氏"):
            continue  # a bare 98.6 is not a temperature
        tenths_f = int(m.group("f")) * 10 + int(m.group("f_frac") or 0)
        # (F - 32) * 5 / 9 in tenths, rounded half up
        tenths_c = ((tenths_f - 320) * 50 + 45) // 90
        if LOW <= tenths_c <= HIGH:
            found.append(Reading(tenths_c / 10, m.start(), m.end()))
    return found


def readings(text: str) -> list[Reading]:
    """Every plausible temperature in `text`, in order, rounded to 0.1 °C; thresholds are
    kept with their `bound` set."""
    found = []
    for m in TEMPERATURE.finditer(text):
        last = m.lastgroup
        tenths = _tenths(m, last)
        if LOW <= tenths <= HIGH:  # tenths / 10 is as exact as float(Decimal)
            whole = last == "g_int" or last == "w_int"
            found.append(Reading(tenths / 10, m.start(), m.end(), None, whole))
    rare = RARE_HINT.search(text) is not None  # most replies: no unit, no threshold
    if rare and ("F" in text or "f" in text or "℉" in text or "华氏" in text):
        found.extend(_fahrenheit(text))
        found.sort(key=lambda r: r.start)
    if not found and ("3" in text or "4" in text):
        for m in WHOLE.finditer(text):
            found.append(Reading(float(m.group("i_int")), m.start("i_int"), m.end(), whole=True))
    if rare:
        for reading in found:
            reading.bound = _bound(text, reading.start, reading.end)
    return found


def current(found: list[Reading], text: str) -> list[Reading]:
    """The readings that say today's temperature (see the module's docstring)."""
    if len(found) == 1 and found[0].bound is None and "不是" not in text and not found[0].whole:
        return found  # the common case: one plain reading
    if any(r.whole for r in found) and WEATHER.search(text) and "体温" not in text:
        found = [r for r in found if not r.whole]  # `今天海口37度，好热`: the weather
    kept = [
        r
        for r in found
        if r.bound is None and NOT_THIS.search(text[max(0, r.start - 6) : r.start]) is None
    ]
    if len(kept) <= 1:
        return kept
    starts = [r.start for r in kept]
    for m in reversed(list(CORRECTION.finditer(text))):
        at = bisect_left(starts, m.end())
        if at == 0:
            break  # every reading follows the correction
        if at < len(kept):
            kept = kept[at:]  # the corrected readings only
            break
    if len(kept) > 1:
        present = [r for r, past in zip(kept, _past_marks(text, kept), strict=True) if not past]
        if present:
            kept = present
    return kept


def _past_marks(text: str, found: list[Reading]) -> list[bool]:
    """Per reading: marked with a past day (`昨天37.5`), by the nearest time word before it
    and after the reading before it. One pass over the text."""
    marks, floor = [], 0
    for reading in found:
        last = None
        for m in WHEN.finditer(text, floor, reading.start):
            last = m.group()
        marks.append(last in PAST)
        floor = reading.end
    return marks


def bound_of(found: list[Reading]) -> str | None:
    """"above" when a threshold above is written, else "below", else None."""
    if len(found) == 1:
        return found[0].bound
    bounds = {r.bound for r in found if r.bound is not None}
    if "above" in bounds:
        return "above"
    return "below" if bounds else None


def highest(found: list[Reading]) -> float | None:
    if len(found) <= 1:  # the common case: one reading, or none
        return found[0].value if found else None
    return max(r.value for r in found)
