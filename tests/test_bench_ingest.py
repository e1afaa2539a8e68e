"""`pingan bench ingest` prints the interfaces.md object plus both floors of the same run."""

import json

from bot.cli import main


def test_bench_ingest_prints_both_floors(capsys):
    args = ["bench", "ingest", "--messages", "300", "--students", "600", "--classes", "20"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"bench", "messages", "seconds", "per_second", "peak_rss_mb"} <= set(result)
    assert result["bench"] == "ingest" and result["messages"] == 300
    assert result["reports"] == 300  # every check-in became exactly one report
    assert result["floor"] == "jieba lcut + executemany"
    for floor, ratio in (("floor", "ratio"), ("engine_floor", "engine_ratio")):
        assert result[f"{floor}_seconds"] >= 0 and result[f"{floor}_per_second"] > 0
        assert result[ratio] > 0  # how close the path comes to its floor: docs/performance.md
    assert result["segmenter"] in ("rjieba", "jieba")
