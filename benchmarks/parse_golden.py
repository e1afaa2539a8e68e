"""Every answer the parser gives on a fixed set of texts, for proving a speed change exact.

    python benchmarks/parse_golden.py /tmp/before.jsonl            # in one checkout
    python benchmarks/parse_golden.py /tmp/after.jsonl             # in the other
    cmp /tmp/before.jsonl /tmp/after.jsonl                         # byte-identical or not

The texts: every message of tests/corpus/*.jsonl and of ../shared/corpus/dev.jsonl when it
lies beside the checkout or `PINGAN_DEV_CORPUS` names it (or of `--corpus FILE ...`), read
with no roster and with the senders as the roster, and each of their lines read alone as a
接龙 line and as a reply; the 55,000 replies `pingan bench parse` reads (seed 1: warm-up
and timed ones); and `--random` texts recombined from fragments of those (spliced
characters, 接龙 headers, numbered lines), seeded. Per text one JSON line: the parse result
and the "could not read" reason, or the entry, its field count and the simplified text. Run
it with the same arguments in both checkouts; the file depends on nothing else (no clock,
no hash order).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.bench.parse import make_messages, make_names
from handlers.parse import Parser
from handlers.parse.evaluate import SHARED_DEV

SEPARATORS = (" ", "，", "\n", "/", "、", "  ", "\n1. ", "#接龙\n", "。", "")
SPLICED = (
    "0123456789.。点度半℃°FC体温正常发烧咳嗽在家在校隔离返校省市区"
    "未超不足已曾昨天今天改更正是不是吗？！收到接龙哈嗯 ABCabc"
)


def corpus_rows(files: list[Path]) -> list[dict[str, str]]:
    rows = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def write_parses(parser: Parser, texts: list[str], tag: str, out: TextIO) -> None:
    for i, text in enumerate(texts):
        result = parser.parse(text)
        reason = parser.unreadable_reason(text, result)
        out.write(json.dumps([tag, i, result.to_json(), reason], ensure_ascii=False) + "\n")


def random_texts(texts: list[str], count: int, seed: int) -> list[str]:
    """`count` texts made of fragments of `texts`, some with characters spliced in."""
    rng = random.Random(seed)
    fragments = [f for t in texts for f in re.split(r"([\s，,。；;/、\n]+)", t) if f]
    made = []
    for _ in range(count):
        parts = []
        for _ in range(rng.choice((1, 2, 3, 4, 6, 9))):
            fragment = rng.choice(fragments)
            if rng.random() < 0.25:
                at = rng.randrange(len(fragment) + 1)
                spliced = "".join(rng.choices(SPLICED, k=rng.randint(1, 4)))
                fragment = fragment[:at] + spliced + fragment[at:]
            parts += [fragment, rng.choice(SEPARATORS)]
        made.append("".join(parts))
    made += [
        "\n".join(f"{j}. {rng.choice(texts)}" for j in range(1, rng.randint(2, 8)))
        for _ in range(count // 30)
    ]
    return made


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--corpus", type=Path, nargs="*", metavar="FILE")
    ap.add_argument("--random", type=int, default=60_000, metavar="N")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    files = args.corpus
    if files is None:
        files = sorted(Path("tests/corpus").glob("*.jsonl"))
        dev = Path(os.environ.get("PINGAN_DEV_CORPUS") or SHARED_DEV)
        files += [dev] if dev.is_file() else []
    rows = corpus_rows(files)
    texts = [r["text"] for r in rows]
    senders = sorted({r["sender"].split()[-1] for r in rows if r.get("sender", "").strip()})
    rng = random.Random(1)  # the bench's own stream
    names = make_names(60, rng)
    bench = make_messages(5_000, names, rng) + make_messages(50_000, names, rng)
    with args.out.open("w", encoding="utf-8") as out:
        write_parses(Parser(), texts, "corpus", out)
        write_parses(Parser(senders), texts, "corpus+roster", out)
        lines = Parser(senders)
        for i, text in enumerate(texts):
            for line in text.split("\n"):
                for in_chain in (True, False):
                    r = lines.read(line, in_chain)
                    row = ["line", i, in_chain, r.entry.to_json(), r.fields, r.simplified]
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
        write_parses(Parser(names), bench, "bench", out)
        made = random_texts(texts + bench[:2_000], args.random, args.seed)
        write_parses(Parser(names + senders[:50]), made, "random", out)
    print(f"{len(texts)} corpus texts, {len(bench)} bench replies, {len(made)} random texts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
