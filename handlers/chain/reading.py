"""Read a repost, re-splitting only what changed since a recent repost of the same chain.

Each participant reposts the whole list with one line added, so consecutive reposts share a
long prefix. The shared prefix is found with string comparisons (C speed, no per-line Python
work), the entries it covers are reused with their keys, and the splitter resumes at the first
entry that may differ. A 1000-line repost that appends a line reads one line.
"""

from __future__ import annotations

from bisect import bisect_left

from handlers.chain.split import ChainText, reply_part, split_chain, split_lines
from handlers.chain.state import DayChain, Snapshot, normalise


def common_prefix_len(a: str, b: str) -> int:
    """Length of the longest common prefix, by bisection on slices (memcmp, not a char loop)."""
    if a.startswith(b):
        return len(b)
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # invariant: a[:lo] == b[:lo], a[:hi + 1] != b[:hi + 1] beyond hi
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _shared_lines(a: str, b: str, cp: int) -> int:
    """How many whole lines `a` and `b` share from the start, given their common prefix."""
    lines = a.count("\n", 0, cp)
    if (cp == len(a) or a[cp] == "\n") and (cp == len(b) or b[cp] == "\n"):
        lines += 1  # the line the common prefix ends on is whole in both
    return lines


def _line_start(text: str, line: int, cp: int) -> int:
    """Offset of physical line `line`, known to start before `cp` (a few steps back)."""
    pos, current = cp, text.count("\n", 0, cp)
    while current > line:
        pos = text.rfind("\n", 0, pos)
        current -= 1
    return text.rfind("\n", 0, pos) + 1


def _keys(chain: ChainText) -> list[str]:
    return [normalise(e.text) for e in chain.entries]


def read_repost(state: DayChain, text: str) -> Snapshot | None:
    """Split `text` as a chain, reusing the longest matching recent snapshot; None if no chain.

    The engine remembers the snapshot once the repost is applied. A flattened one-line copy
    shares no whole line with anything, so it is never reused.
    """
    reply = reply_part(text)
    if reply is not None:
        text = reply
    if "\n" not in text.strip():  # a flattened copy: rare, read in full and not remembered
        flat = split_chain(text)
        return None if flat is None else Snapshot(text, flat, _keys(flat))

    best, best_cp = None, 0
    for snap in state.snapshots:
        cp = common_prefix_len(text, snap.text)
        if cp > best_cp:
            best, best_cp = snap, cp
    chain: ChainText | None = None
    keys: list[str] = []
    reused = 0
    if best is not None:
        entries = best.chain.entries
        shared = _shared_lines(text, best.text, best_cp)
        # entries whose successor starts inside the shared lines are complete and unchanged
        reuse = bisect_left(entries, shared, key=lambda e: e.line) - 1
        if reuse >= 1:
            prior = ChainText(
                best.chain.has_header, best.chain.title, best.chain.example, entries[:reuse]
            )
            resume = entries[reuse].line  # only the tail from this line on is split
            tail = text[_line_start(text, resume, best_cp) :].split("\n")
            chain = split_lines(tail, start=resume, prior=prior, base=resume)
            if chain is not None:
                keys = best.keys[:reuse] + [normalise(e.text) for e in chain.entries[reuse:]]
                reused = reuse
    if chain is None:
        chain = split_lines(text.split("\n"))
        if chain is None:
            return None
        keys = _keys(chain)
    return Snapshot(text, chain, keys, reused)
