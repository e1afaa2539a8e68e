"""The check-in parser (parse-contract.md): free text to structured entries."""

from handlers.parse.contract import CANONICAL_SYMPTOMS, Entry, ParseResult
from handlers.parse.parser import Parser, prompt_text

__all__ = ["CANONICAL_SYMPTOMS", "Entry", "ParseResult", "Parser", "prompt_text"]
