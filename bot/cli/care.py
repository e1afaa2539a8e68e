"""`pingan care --eval [CORPUS.jsonl]`: precision and recall of the care lexicon on a
labelled corpus (default: the shipped tests/corpus/care.jsonl), blind part first.

`pingan care --read` reads text lines from stdin and prints what the lexicon finds in each,
for trying words before adding them to `care.*_words`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.config import Config, load_config
from core.errors import PinganError
from handlers.care.evaluate import evaluate, format_report, read_corpus
from handlers.care.reply import lexicon_for

HELP = "心理关怀词表：--eval 在标注语料上评分，--read 逐行试读文字"
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "corpus" / "care.jsonl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--eval",
        metavar="CORPUS.jsonl",
        nargs="?",
        const=str(DEFAULT_CORPUS),
        help="score a labelled corpus (default: the shipped tests/corpus/care.jsonl)",
    )
    mode.add_argument("--read", action="store_true", help="read text lines from stdin")
    parser.add_argument("--config", metavar="FILE", help="config.yaml whose care.*_words to add")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else Config()
    lexicon = lexicon_for(config)
    if args.read:
        for line in sys.stdin:
            found = lexicon.read(line.rstrip("\n"))
            print(json.dumps({"level": found.level, "words": found.words}, ensure_ascii=False))
        return 0
    try:
        parts = evaluate(lexicon, read_corpus(args.eval))
    except OSError as e:
        raise PinganError(f"{args.eval}: cannot read ({e.strerror or e})") from e
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise PinganError(f"{args.eval}: not a labelled JSON Lines corpus ({e!r})") from e
    sys.stdout.write(format_report(parts))
    return 0
