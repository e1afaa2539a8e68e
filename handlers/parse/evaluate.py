"""Scoring the parser on a labelled corpus (the contract's corpus format).

The same rules as the dev corpus's own scorer (score_parse.py, kept with the corpus outside
this repository): a message is right when its kind matches and every expected entry matches
field by field (temperature within 0.05, symptoms as an ordered list); per-field accuracy is
over expected entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import PinganError
from handlers.parse.parser import Parser

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
        f"exact    {report.pct(report.exact, report.messages):.1f}%",
    ]
    for name in FIELDS:
        lines.append(f"  {name:12s} {report.pct(report.field_ok[name], report.entries):.1f}%")
    lines.append(f"misses   {len(report.misses)}")
    for miss in report.misses[:misses]:
        lines.append("MISS " + json.dumps(miss, ensure_ascii=False))
    return "\n".join(lines) + "\n"
