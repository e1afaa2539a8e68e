"""Accuracy on labelled corpora, as figures the parser must keep (docs/parser.md).

The shared dev corpus lives outside the repository (shared/corpus/dev.jsonl, beside the
checkout); tests/data/parse_extra.jsonl is ours: forms the dev corpus lacks (traditional
characters, notices, one-person forms, flattened chains, form answers).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from handlers.parse import Parser
from handlers.parse.evaluate import FIELDS, evaluate

REPO = Path(__file__).resolve().parent.parent
EXTRA = REPO / "tests" / "data" / "parse_extra.jsonl"


def dev_corpus() -> Path | None:
    candidates = [os.environ.get("PINGAN_DEV_CORPUS", "")]
    candidates += [str(p / "shared" / "corpus" / "dev.jsonl") for p in REPO.parents]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def test_dev_corpus_figures():
    corpus = dev_corpus()
    if corpus is None:
        pytest.skip("shared/corpus/dev.jsonl is not beside this checkout")
    report = evaluate(Parser(), corpus)
    assert report.pct(report.exact, report.messages) >= 97.0, report.misses[:5]
    for name in FIELDS:
        assert report.pct(report.field_ok[name], report.entries) >= 98.0, name


def test_extra_cases_all_right():
    report = evaluate(Parser(), EXTRA)
    assert report.misses == []
    assert report.messages >= 70
