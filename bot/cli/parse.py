"""`pingan parse`: JSON Lines in, parsed check-ins out, exactly as docs/parse-contract.md says.

Streams: one input line is read, parsed and written before the next is read, so memory stays
flat on any input size. A bad line (not JSON, not an object, no `text`) is answered with
`{"id": ..., "error": ...}` and the run goes on; the exit status is 0 when every line was read.

`--eval [CORPUS.jsonl ...]` scores the parser on labelled corpora instead (kind accuracy,
exact-match accuracy, per-field accuracy and the misses), by default on every corpus shipped
in tests/corpus/ (and the shared dev corpus when it lies beside the checkout), see
docs/parser.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.cli.args import day
from core.errors import PinganError
from handlers.parse import Parser
from handlers.parse.evaluate import evaluate, format_report, shipped_corpora
from handlers.parse.roster_file import roster_names

HELP = (
    "解析报告：JSON Lines 进，解析结果出（docs/parse-contract.md）；"
    "--eval 给标注语料打分（默认 tests/corpus/ 下全部）"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--roster", metavar="FILE", help="花名册 .csv/.xlsx：按其姓名列匹配姓名")
    parser.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        type=day,
        help="这些回复所属的报送日（只做检查，不影响输出）",
    )
    parser.add_argument(
        "--eval",
        nargs="*",
        metavar="CORPUS.jsonl",
        help=(
            "给标注好的语料（docs/parse-contract.md 的语料格式）打分并输出报告；不给文件时，"
            "评 tests/corpus/*.jsonl 全部，另有 ../shared/corpus/dev.jsonl 时一并评分"
        ),
    )
    parser.add_argument(
        "--misses", type=int, default=50, metavar="N", help="配合 --eval：列出几条错例"
    )


def answer(parser: Parser, line: str) -> dict[str, Any]:
    """The output object for one input line (an error object for a bad one)."""
    if not line.strip():
        return {"id": None, "error": "empty line"}
    try:
        message = json.loads(line)
    except json.JSONDecodeError as e:
        return {"id": None, "error": f"not valid JSON: {e.msg} at column {e.colno}"}
    if not isinstance(message, dict):
        return {"id": None, "error": "not a JSON object"}
    message_id = message.get("id")
    text = message.get("text")
    if not isinstance(text, str):
        reason = "missing text" if text is None else "text is not a string"
        return {"id": message_id, "error": reason}
    return parser.parse(text).to_json(message_id)


def stream(parser: Parser, lines: TextIO, out: TextIO) -> None:
    """Answer each line as it comes: a pipe reader sees line N before line N+1 is sent."""
    for line in lines:
        out.write(json.dumps(answer(parser, line), ensure_ascii=False) + "\n")
        out.flush()


def _evaluate(parser: Parser, corpora: list[Path], misses: int) -> int:
    """One report per corpus, each headed by its path."""
    if not corpora:
        raise PinganError("没有找到标注语料（tests/corpus/*.jsonl）；请指定：--eval 文件")
    for corpus in corpora:
        try:
            report = evaluate(parser, corpus)
        except OSError as e:
            raise PinganError(f"{corpus}: 无法读取（{e.strerror or e}）") from e
        except UnicodeDecodeError as e:
            raise PinganError(f"{corpus}: 不是 UTF-8 编码的 JSON Lines 语料（{e.reason}）") from e
        sys.stdout.write(f"== {corpus}\n{format_report(report, misses=misses)}")
        sys.stdout.flush()
    return 0


def run(args: argparse.Namespace) -> int:
    parser = Parser(roster_names(args.roster) if args.roster else [])
    if args.eval is not None:
        return _evaluate(parser, [Path(p) for p in args.eval] or shipped_corpora(), args.misses)
    stdin = sys.stdin
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(encoding="utf-8", errors="replace")
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    try:
        stream(parser, stdin, sys.stdout)
    except BrokenPipeError:  # `pingan parse < big.jsonl | head`: the reader left, fine
        sys.stdout = None  # type: ignore[assignment]
    return 0
