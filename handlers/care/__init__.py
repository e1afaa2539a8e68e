"""心理关怀: distress recognised by a small lexicon, a private caring reply, a page on words
of self-harm."""

from handlers.care.lexicon import Finding, Lexicon
from handlers.care.reply import lexicon_for, notice_distress

__all__ = ["Finding", "Lexicon", "lexicon_for", "notice_distress"]
