"""The check-in parser (parse-contract.md): free text to structured entries.

Its result types (Entry, ParseResult) are in core/parse_contract.py, below storage, which
stores them.
"""

from handlers.parse.parser import Parser, prompt_text

__all__ = ["Parser", "prompt_text"]
