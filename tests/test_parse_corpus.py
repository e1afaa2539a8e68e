"""Accuracy on labelled corpora, as figures the parser must keep (docs/parser.md).

Every parse corpus under tests/corpus/ is scored (a corpus added there is picked up without
a change here; other labelled corpora there, such as care.jsonl, are not parse corpora):
`extra.jsonl` is ours (forms the shared dev corpus lacks), `tune.jsonl` the tuning half of a
corpus written from docs/parse-contract.md by someone who never saw the parser. The shared
dev corpus lives outside the repository (shared/corpus/dev.jsonl, beside the checkout) and
is scored when it is there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.parse import Parser
from handlers.parse.evaluate import (
    CORPUS_DIR,
    FIELDS,
    Report,
    evaluate,
    is_parse_corpus,
    shipped_corpora,
)

REPO = Path(__file__).resolve().parent.parent
PARSER = Parser()

# Floors per corpus, exact-match % and every field %: our own cases and the shared dev
# corpus are all right; the tuning corpus must stay at the goal, and so must the
# blind half, measured once at 98.3% (docs/parser.md) and never tuned to. A corpus added
# later is held to FLOOR until its own figure is written here.
FLOORS = {"extra.jsonl": 100.0, "tune.jsonl": 98.0, "blind.jsonl": 98.0, "dev.jsonl": 100.0}
FLOOR = 95.0


def beside(*parts: str) -> Path | None:
    """A file of the shared folder beside this checkout (or beside a parent of it)."""
    for parent in REPO.parents:
        candidate = parent.joinpath("shared", *parts)
        if candidate.is_file():
            return candidate
    return None


def dev_corpus() -> Path | None:
    env = os.environ.get("PINGAN_DEV_CORPUS", "")
    if env and Path(env).is_file():
        return Path(env)
    return beside("corpus", "dev.jsonl")


def check_floor(report: Report, floor: float) -> None:
    assert report.messages > 0
    assert report.exact_pct >= floor, [m["id"] for m in report.misses][:10]
    for name in FIELDS:
        assert report.field_pct(name) >= floor, name


PARSE_CORPORA = [p for p in sorted(CORPUS_DIR.glob("*.jsonl")) if is_parse_corpus(p)]


@pytest.mark.parametrize("corpus", PARSE_CORPORA, ids=lambda p: p.name)
def test_shipped_corpus_floor(corpus):
    check_floor(evaluate(PARSER, corpus), FLOORS.get(corpus.name, FLOOR))


def test_the_shipped_corpora_are_there():
    names = {p.name for p in shipped_corpora()}
    assert {"extra.jsonl", "tune.jsonl"} <= names
    assert all(is_parse_corpus(p) for p in shipped_corpora())
    assert evaluate(PARSER, CORPUS_DIR / "tune.jsonl").messages >= 300


def test_dev_corpus_figures():
    corpus = dev_corpus()
    if corpus is None:
        pytest.skip("shared/corpus/dev.jsonl is not beside this checkout")
    check_floor(evaluate(PARSER, corpus), FLOORS["dev.jsonl"])


def test_eval_agrees_with_the_reference_scorer(tmp_path):
    """On a corpus with misses, `pingan parse --eval` prints the reference scorer's figures."""
    scorer = beside("tools", "score_parse.py")
    if scorer is None:
        pytest.skip("shared/tools/score_parse.py is not beside this checkout")
    items = [json.loads(line) for line in (CORPUS_DIR / "tune.jsonl").open(encoding="utf-8")]
    for k, item in enumerate(items):  # wrong labels, so that there are misses to count
        expect = item["expect"]
        if k % 5 == 0 and expect["entries"]:
            expect["entries"][0]["temperature"] = 39.9
        elif k % 7 == 0:
            expect["kind"] = "other" if expect["kind"] != "other" else "checkin"
        elif k % 11 == 0 and expect["entries"]:
            expect["entries"][-1]["symptoms"] = ["咳嗽", "发热"]
    corpus = tmp_path / "skewed.jsonl"
    corpus.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
    )
    cli = [sys.executable, "-m", "bot"]
    with corpus.open(encoding="utf-8") as stdin:
        parsed = subprocess.run(
            [*cli, "parse"], stdin=stdin, capture_output=True, text=True, check=True, cwd=REPO
        ).stdout
    (tmp_path / "out.jsonl").write_text(parsed, encoding="utf-8")
    reference = subprocess.run(
        [sys.executable, str(scorer), str(corpus), str(tmp_path / "out.jsonl")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    ours = subprocess.run(
        [*cli, "parse", "--eval", str(corpus), "--misses", "0"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout.splitlines()
    report = evaluate(PARSER, corpus)
    assert 0 < report.exact < report.messages
    head = reference[0].split()  # messages N  kind K%  exact E%
    assert f"kind     {head[3]}" in ours and f"exact    {head[5]}" in ours
    for line in reference[1:-1]:  # `  name  99.0%` per field
        assert line in ours
    assert reference[-1] in ours  # exact=… fields=…
