"""The parser on its worst inputs: texts of ~100 KB that once hit a quadratic path.

    python benchmarks/parse_worst.py              # limit 10 s a text
    python benchmarks/parse_worst.py --limit 2

tests/test_parse_fuzz.py checks that each of these gives a valid result; how long that takes
is measured here, not asserted there (the suite has no wall-clock thresholds). Prints one
JSON line: {"bench": "parse_worst", "texts", "total_seconds", "slowest", "slowest_seconds",
"limit_seconds", "ok"}; exits 1 when a text takes longer than the limit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

WORST_TEXTS = {
    "digits": "3" * 100_000,
    "temperatures": "36." * 33_000,
    "negators": "无" * 100_000,
    "numbered lines": "1. 张三 36.5\n" * 8_000,
    "long chain": "#接龙\n" + "".join(f"{i}. 李四 36.{i % 10} 正常 在校\n" for i in range(1, 5000)),
    "symptom question": "是否" + "发热" * 40_000 + "：否",
    "brackets": "[" * 50_000 + "]" * 50_000,
    "spaces": " " * 100_000,
    "nul and surrogates": "\x00\ud800" * 10,
    "places and names": "在公司王" * 25_000,
    "name that is a city": "李长春" * 33_000,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=10.0, help="seconds a text may take")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from handlers.parse import Parser

    parse = Parser(["张三", "李四", "欧阳娜娜"]).parse
    parse("张三 36.5 正常")  # dictionary and tables loaded before timing
    seconds = {}
    for label, text in WORST_TEXTS.items():
        start = time.perf_counter()
        parse(text)
        seconds[label] = time.perf_counter() - start
    slowest = max(seconds, key=seconds.__getitem__)
    ok = seconds[slowest] <= args.limit
    figures = {
        "bench": "parse_worst",
        "texts": len(seconds),
        "total_seconds": round(sum(seconds.values()), 3),
        "slowest": slowest,
        "slowest_seconds": round(seconds[slowest], 3),
        "limit_seconds": args.limit,
        "ok": ok,
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
