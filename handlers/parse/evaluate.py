"""Scoring the parser on labelled corpora (docs/parse-contract.md, "Corpus format").

A message is right when its kind matches and every expected entry matches field by field
(temperature within 0.05, symptoms as an ordered list); per-field accuracy is over expected
entries, and `fields` is every field of every expected entry together. These are the rules of
the course's reference scorer (shared/tools/score_parse.py), which gives the same figures on
the same file (tests/test_parse_corpus.py checks it when shared/ is beside the checkout).

`shipped_corpora()` lists what `pingan parse --eval` scores when given no file: every
`*.jsonl` under tests/corpus/ of this checkout that is a parse corpus (its lines carry an
`expect` with `kind` and `entries`), and the shared dev corpus when it lies beside the
checkout (../shared/corpus/dev.jsonl).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import PinganError
from handlers.parse.parser import Parser

REPO = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO / "tests" / "corpus"
SHARED_DEV = REPO.parent / "shared" / "corpus" / "dev.jsonl"

FIELDS = ("name", "temperature", "abnormal", "symptoms", "on_campus", "province", "isolation")


class CorpusError(PinganError, ValueError):
    """A labelled corpus line cannot be read; the message names the line."""


@dataclass
class Report:
    messages: int = 0
    kind_ok: int = 0
    exact: int = 0
    entries: int = 0
    field_ok: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[dict[str, Any]] = field(default_factory=list)

    def pct(self, n: int, of: int) -> float:
        return 100.0 * n / of if of else 100.0

    @property
    def exact_pct(self) -> float:
        return self.pct(self.exact, self.messages)

    @property
    def fields_pct(self) -> float:
        """Every field of every expected entry together (score_parse.py's `fields=`)."""
        return self.pct(sum(self.field_ok.values()), self.entries * len(FIELDS))

    def field_pct(self, name: str) -> float:
        return self.pct(self.field_ok[name], self.entries)


def is_parse_corpus(path: Path) -> bool:
    """True when the file's first line is a labelled message of the parse contract
    (tests/corpus/ holds other labelled corpora too, e.g. the care word list's)."""
    try:
        with path.open(encoding="utf-8") as f:
            first = next((line for line in f if line.strip()), "")
        expect = json.loads(first).get("expect")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return False
    return isinstance(expect, dict) and "kind" in expect and "entries" in expect


def shipped_corpora() -> list[Path]:
    """The parse corpora of this checkout, by name, then the shared dev corpus if present."""
    found = sorted(CORPUS_DIR.glob("*.jsonl")) if CORPUS_DIR.is_dir() else []
    found = [p for p in found if is_parse_corpus(p)]
    if SHARED_DEV.is_file():
        found.append(SHARED_DEV)
    return found


def same(name: str, got: Any, want: Any) -> bool:
    if name == "temperature":
        if got is None or want is None:
            return got is None and want is None
        return abs(float(got) - float(want)) <= 0.05
    if name == "symptoms":
        return list(got or []) == list(want or [])
    return got == want


def evaluate(parser: Parser, corpus: str | Path) -> Report:
    report = Report()
    with Path(corpus).open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text, expect = item["text"], item["expect"]
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise CorpusError(f"{corpus}:{number}: not a labelled message ({e})") from e
            got = parser.parse(text).to_json(item.get("id"))
            report.messages += 1
            ok = got["kind"] == expect["kind"]
            report.kind_ok += ok
            want_entries, got_entries = expect["entries"], got["entries"]
            ok = ok and len(want_entries) == len(got_entries)
            for i, want in enumerate(want_entries):
                report.entries += 1
                have = got_entries[i] if i < len(got_entries) else {}
                for name in FIELDS:
                    if same(name, have.get(name), want.get(name)):
                        report.field_ok[name] += 1
                    else:
                        ok = False
            report.exact += ok
            if not ok:
                report.misses.append(
                    {
                        "id": item.get("id"),
                        "text": text,
                        "expect": expect,
                        "got": {"kind": got["kind"], "entries": got_entries},
                    }
                )
    return report


def format_report(report: Report, misses: int = 50) -> str:
    lines = [
        f"messages {report.messages}  entries {report.entries}",
        f"kind     {report.pct(report.kind_ok, report.messages):.1f}%",
        f"exact    {report.exact_pct:.1f}%",
    ]
    for name in FIELDS:
        lines.append(f"  {name:12s} {report.field_pct(name):.1f}%")
    lines.append(f"exact={report.exact_pct:.1f} fields={report.fields_pct:.1f}")
    lines.append(f"misses   {len(report.misses)}")
    for miss in report.misses[:misses]:
        lines.append("MISS " + json.dumps(miss, ensure_ascii=False))
    return "\n".join(lines) + "\n"
