"""Word segmentation and part-of-speech tags: jieba's dictionary, behind one small interface.

The parser asks the segmenter one question: which words, with which tags, make up a short
run of Han characters that none of the parser's own vocabulary explains (`王海燕`, `方便`,
`打错了`)? The answer tells a person name (`nr`) from an ordinary word.

Two engines give the same answer from the same dictionary (jieba's dict.txt, same tags):

- rjieba (the jieba-rs binding), used when installed: loads in ~0.2 s and tags ~40x faster;
- jieba, the declared segmenter of the design card, used otherwise (~1.3 s to initialise).

`PINGAN_SEGMENTER=jieba` forces jieba, e.g. to compare the two.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Protocol

log = logging.getLogger(__name__)

NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
NOUN_TAGS = NAME_TAGS | {"n", "ns", "nz", "nt", "ng", "j", "x"}
# A user word's frequency: high enough that a roster name is kept whole.
USER_WORD_FREQ = 100_000


class Engine(Protocol):
    def tag(self, text: str) -> list[tuple[str, str]]: ...

    def known(self, word: str) -> bool: ...

    def add_word(self, word: str, tag: str) -> None: ...


class _RJieba:
    """rjieba's default instance. It is shared by the message path and the parse worker
    (handlers/prepare.py), and refuses to add a word while another thread tags ("Already
    borrowed"): every call takes `_lock`, for that one call only."""

    name = "rjieba"

    def __init__(self) -> None:
        # Importing rjieba already builds its default instance (~25 MB of dictionary); a
        # second `rjieba.Jieba()` would hold the dictionary twice. The engine is one per
        # process anyway (`shared_engine`), so it is that default instance.
        import rjieba

        self._tag = rjieba.tag
        self._has_word = rjieba.has_word
        self._add_word = rjieba.add_word
        self._lock = threading.Lock()

    def tag(self, text: str) -> list[tuple[str, str]]:
        with self._lock:
            return self._tag(text, True)

    def known(self, word: str) -> bool:
        with self._lock:
            return self._has_word(word)

    def add_word(self, word: str, tag: str) -> None:
        with self._lock:
            self._add_word(word, USER_WORD_FREQ, tag)


class _Jieba:
    """jieba's own tokenizer, locked like _RJieba: adding a word mid-tag would let a
    thread read a half-updated dictionary."""

    name = "jieba"

    def __init__(self) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tagger = jieba.posseg.POSTokenizer(self._tokenizer)
        self._lock = threading.RLock()

    def tag(self, text: str) -> list[tuple[str, str]]:
        with self._lock:
            return [(p.word, p.flag) for p in self._tagger.cut(text, HMM=True)]

    def known(self, word: str) -> bool:
        with self._lock:
            self._tokenizer.check_initialized()
            return bool(self._tokenizer.FREQ.get(word))

    def add_word(self, word: str, tag: str) -> None:
        with self._lock:
            self._tokenizer.add_word(word, USER_WORD_FREQ, tag)


@cache
def shared_engine() -> Engine:
    """One engine per process: the dictionary is loaded once, whatever the number of rosters.

    The place gazetteer is added as `ns` words; roster names are added by each Segmenter.
    """
    from handlers.parse.places import gazetteer

    engine = _make_engine()
    for place in gazetteer():
        engine.add_word(place, "ns")
    return engine


def _make_engine() -> Engine:
    wanted = os.environ.get("PINGAN_SEGMENTER", "rjieba")
    if wanted == "rjieba":
        try:
            return _RJieba()
        except ImportError:
            log.info("rjieba not installed; using jieba")
    return _Jieba()


@lru_cache(maxsize=65_536)
def _tag(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(shared_engine().tag(text))


_known_names: set[str] = set()


class Segmenter:
    """Tags short Han runs for one roster.

    The engine and its answers are shared by every roster in the process (replies repeat a
    lot, so answers are cached); adding a roster name the engine did not know drops the
    cached answers, which might have split that name.
    """

    def __init__(self, user_names: Iterable[str] = ()) -> None:
        self.engine = shared_engine()
        new = {n for n in user_names if n not in _known_names}
        for name in new:
            self.engine.add_word(name, "nr")
        if new:
            _known_names.update(new)
            _tag.cache_clear()

    @staticmethod
    def tag(text: str) -> tuple[tuple[str, str], ...]:
        return _tag(text)

    def is_common_word(self, word: str) -> bool:
        """In the dictionary as one word that is not a noun (方便 `a`, 明天 `t`, 马上 `d`).

        Nouns are not counted: jieba files many names as nouns or place names (于洋 `ns`).
        """
        tags = _tag(word)
        return len(tags) == 1 and tags[0][1] not in NOUN_TAGS and self.engine.known(word)

    @property
    def engine_name(self) -> str:
        return self.engine.name  # type: ignore[attr-defined]
