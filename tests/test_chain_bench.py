"""`pingan bench chain` prints the interfaces.md object, each line parsed once."""

import json

from bot.cli import main


def test_bench_chain_prints_the_documented_object(capsys, tmp_path):
    assert main(["bench", "chain", "--members", "60", "--db", str(tmp_path / "b.db")]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"bench", "members", "messages", "lines_parsed", "seconds"} <= set(result)
    assert result["bench"] == "chain" and result["members"] == 60 and result["messages"] == 60
    assert result["lines_parsed"] == 60  # ≤ 2 × members: every line parsed exactly once
    assert result["differ_lines_parsed"] == 63  # the fill, a correction and a two-way fork
    assert result["edit_lines_parsed"] == 3
    assert result["reports"] == 61  # 60 + 2 fork lines − 1 withdrawn by its author
    assert result["proxy_reports"] == 0
