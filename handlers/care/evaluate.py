"""Scoring the care lexicon on a labelled corpus (tests/corpus/care.jsonl).

Each line: {"id", "text", "label": "none" | "distress" | "self_harm", "part": "dev" | "blind"}.
A message is *flagged* when its label is distress or self_harm; precision and recall are of
flagging, and separately of recognising self-harm, per part, so the blind part (never used
to tune the lexicon) is reported on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from handlers.care.lexicon import Lexicon


@dataclass(slots=True)
class Score:
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        self.true_pos += predicted and actual
        self.false_pos += predicted and not actual
        self.false_neg += actual and not predicted

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0


@dataclass(slots=True)
class PartReport:
    messages: int = 0
    flagged: Score = field(default_factory=Score)
    self_harm: Score = field(default_factory=Score)
    misses: list[str] = field(default_factory=list)


def read_corpus(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(lexicon: Lexicon, rows: Iterable[dict]) -> dict[str, PartReport]:
    """Per part ("blind", "dev") and "all": the two scores and the misses."""
    parts: dict[str, PartReport] = {}
    for row in rows:
        level = lexicon.read(row["text"]).level
        for name in (row.get("part", "dev"), "all"):
            report = parts.setdefault(name, PartReport())
            report.messages += 1
            report.flagged.add(level is not None, row["label"] != "none")
            report.self_harm.add(level == "self_harm", row["label"] == "self_harm")
            if (level or "none") != row["label"] and name != "all":
                report.misses.append(f"{row['id']} {row['label']}→{level or 'none'}: {row['text']}")
    return parts


def format_report(parts: dict[str, PartReport]) -> str:
    """The blind part first: it is the figure that says how the lexicon generalises."""
    order = [p for p in ("blind", "dev") if p in parts] + [
        p for p in parts if p not in ("blind", "dev", "all")
    ]
    lines = []
    for name in [*order, "all"]:
        report = parts[name]
        lines.append(
            f"{name}: {report.messages} messages; distress flagged precision"
            f" {report.flagged.precision:.1%} recall {report.flagged.recall:.1%};"
            f" self-harm precision {report.self_harm.precision:.1%}"
            f" recall {report.self_harm.recall:.1%}"
        )
    for name in order:
        for miss in parts[name].misses:
            lines.append(f"  miss ({name}) {miss}")
    return "\n".join(lines) + "\n"
