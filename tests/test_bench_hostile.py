"""`pingan bench hostile` runs a real `pingan run` through its phases and keeps its books:
every flood message stored, the huge ones kept whole, no error logged (the latency figures
themselves are for docs/performance.md, not asserted)."""

import json

from bot.cli import main


def test_bench_hostile_small_run_prints_every_phase_and_loses_nothing(capsys):
    args = ["bench", "hostile", "--students", "200", "--classes", "4", "--chain-chars",
            "60000", "--message-bytes", "60000", "--rate", "2000", "--seconds", "0.5"]  # fmt: skip
    assert main(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    phases = {row["phase"]: row for row in rows}
    assert list(phases) == ["idle", "chain", "message", "flood", "bot", "linear"]
    for name in ("idle", "chain", "message", "flood"):
        assert phases[name]["requests"] > 0
        assert phases[name]["p50_ms"] <= phases[name]["p99_ms"] <= phases[name]["max_ms"]
    assert phases["flood"]["frames"] == 1000
    bot = phases["bot"]
    assert (bot["lost"], bot["flood_kept"], bot["huge_kept_whole"]) == (0, 1000, True)
    assert (bot["exit_status"], bot["errors_logged"]) == (0, 0)
