"""Is a group message an acknowledgement of a notice (收到, 已阅, 好的, 1, OK …)?

Counselors read the acknowledgement list to know who has seen a notice, so a false "yes" is
worse than a miss: "1班的同学请注意" starts with 1 but acknowledges nothing. A message counts
when, after width-folding, it is one or more acknowledgement words followed only by
punctuation, emoji, 老师 and a few particles (老师 may also come first): "收到老师！",
"好的👌", "OK~", "1"; or a short line where a non-numeric word is set off by punctuation
("收到，马上填") and asks nothing.
"""

from __future__ import annotations

import re
import unicodedata

WORDS = ("收到", "已阅", "已读", "好的", "好滴", "明白", "1", "ok")
# Allowed after the words: 老师, thanks, particles, WeChat/QQ emoji codes like [强] or [OK].
TAIL_TOKENS = re.compile(r"老师|谢谢|了|啦|哈|呀|嗯|哦|\[[^\[\]]{1,8}\]|\s")
LEAD = re.compile(r"^(?:" + "|".join(re.escape(w) for w in WORDS) + r")+", re.IGNORECASE)
SALUTATION = re.compile(r"^老师[\s,，、!！]*")  # "老师，收到" is as common as "收到老师"
SHORT = 15  # characters: longer messages are chatter, not a receipt


def _fold(text: str) -> str:
    """Full-width to half-width (ＯＫ → OK, １ → 1), lower case, outer spaces off."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def _is_decoration(ch: str) -> bool:
    """Punctuation, emoji and symbols, and the invisible joiners emoji are built with."""
    category = unicodedata.category(ch)
    return category[0] in "PS" or category in ("Mn", "Cf") or ch in "~～"


def is_ack(text: str) -> bool:
    folded = SALUTATION.sub("", _fold(text))
    match = LEAD.match(folded)
    if match is None:
        return False
    rest = TAIL_TOKENS.sub("", folded[match.end() :])
    if all(_is_decoration(ch) for ch in rest):
        return True
    # "收到，马上填": a word, a separator, a little more; never a question; never a bare "1,".
    head = match.group(0)
    after = folded[match.end() :]
    return (
        not head.isdigit()
        and len(folded) <= SHORT
        and bool(after)
        and unicodedata.category(after[0])[0] == "P"
        and "?" not in folded
    )
