"""`pingan parse` as a user runs it: a real subprocess, JSON Lines through pipes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

REPO = Path(__file__).resolve().parent.parent
EXTRA = REPO / "tests" / "corpus" / "extra.jsonl"


def pingan(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        encoding="utf-8",
    )


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_one_answer_per_line_in_order_bad_lines_answered():
    stdin = (
        "\n".join(
            [
                json.dumps({"id": "a", "text": "张三 36.5 正常", "sender": "张三", "extra": 1}),
                "not json",
                json.dumps({"id": "b"}),
                json.dumps({"id": "c", "text": 5}),
                "[1, 2]",
                "",
                json.dumps({"id": "d", "text": "收到"}),
            ]
        )
        + "\n"
    )
    done = pingan("parse", stdin=stdin)
    assert done.returncode == 0, done.stderr
    out = lines(done.stdout)
    assert [o["id"] for o in out] == ["a", None, "b", "c", None, None, "d"]
    assert out[0]["kind"] == "checkin" and out[0]["entries"][0]["name"] == "张三"
    assert all("error" in o for o in out[1:6])
    assert out[2]["error"] == "missing text"
    assert out[6] == {"id": "d", "kind": "other", "entries": []}


def test_streams_each_answer_before_the_next_line_is_sent():
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "parse"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO,
        text=True,
        encoding="utf-8",
    )
    try:
        for i in range(3):
            proc.stdin.write(json.dumps({"id": i, "text": f"李四 36.{i} 在校"}) + "\n")
            proc.stdin.flush()
            answer = json.loads(proc.stdout.readline())  # would block forever if buffered
            assert answer["id"] == i and answer["entries"][0]["temperature"] == 36.0 + i / 10
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()


def test_roster_csv_matches_names(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("学号,姓名,班级\n1,李娜,计科1班\n2,王芳,计科1班\n", encoding="utf-8-sig")
    stdin = json.dumps({"id": 1, "text": "李纳 36.5 在校"}) + "\n"
    out = lines(
        pingan("parse", "--roster", str(roster), "--date", "2020-02-10", stdin=stdin).stdout
    )
    assert out[0]["entries"][0]["name"] == "李娜"


def test_roster_xlsx(tmp_path):
    book = Workbook()
    book.active.append(["学号", "姓名"])
    book.active.append(["1", "欧阳娜娜"])
    book.save(tmp_path / "r.xlsx")
    stdin = json.dumps({"id": 1, "text": "欧阳娜那 36.5"}) + "\n"
    out = lines(pingan("parse", "--roster", str(tmp_path / "r.xlsx"), stdin=stdin).stdout)
    assert out[0]["entries"][0]["name"] == "欧阳娜娜"


@pytest.mark.parametrize("args", [("--roster", "/nonexistent.csv"), ("--date", "2020-13-01")])
def test_bad_options_exit_nonzero_with_one_line(args):
    done = pingan("parse", *args, stdin="")
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) >= 1


def test_roster_without_name_column(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("学号,名字\n1,李娜\n", encoding="utf-8")
    done = pingan("parse", "--roster", str(roster))
    assert done.returncode == 1
    assert "姓名" in done.stderr and "Traceback" not in done.stderr


def test_eval_prints_the_figures():
    done = pingan("parse", "--eval", str(EXTRA))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for label in (
        "kind",
        "exact",
        "name",
        "temperature",
        "abnormal",
        "symptoms",
        "on_campus",
        "province",
        "isolation",
        "misses",
    ):
        assert label in text
    assert "exact    100.0%" in text


def test_eval_lists_misses(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        json.dumps(
            {"id": "z", "text": "收到", "expect": {"kind": "checkin", "entries": []}},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    out = pingan("parse", "--eval", str(corpus)).stdout
    assert "exact    0.0%" in out and "MISS" in out and '"id": "z"' in out


def test_bench_parse_prints_one_json_line():
    done = pingan("bench", "parse", "--messages", "500", "--roster-size", "10", timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["bench"] == "parse" and result["messages"] == 500
    assert result["per_second"] > 0 and result["cold_start_seconds"] > 0
    assert result["peak_rss_mb"] > 0


def test_eval_without_a_file_scores_every_shipped_corpus():
    done = pingan("parse", "--eval", "--misses", "0")
    assert done.returncode == 0, done.stderr
    heads = [line for line in done.stdout.splitlines() if line.startswith("== ")]
    assert any(h.endswith("tests/corpus/tune.jsonl") for h in heads)
    assert any(h.endswith("tests/corpus/extra.jsonl") for h in heads)
    assert done.stdout.count("exact=") == len(heads)


def test_eval_of_a_missing_file_is_one_clear_error(tmp_path):
    done = pingan("parse", "--eval", str(tmp_path / "nope.jsonl"))
    assert done.returncode != 0 and "无法读取" in done.stderr
    assert "Traceback" not in done.stderr
