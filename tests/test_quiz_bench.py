"""`pingan bench quiz` prints its figures and checks the stored answers against those sent."""

import json

from bot.cli import main


def test_bench_quiz_counts_every_answer_once(capsys):
    assert main(["bench", "quiz", "--students", "300", "--classes", "10"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["bench"] == "quiz" and result["answers"] == 1500
    assert result["stored_answers"] == 1500 and result["participants"] == 300
    assert result["stored_right"] == result["sent_right"] and result["replies"] == 1500
    assert result["open_messages"] == 300  # private delivery: each student's first question
    assert result["counts_match"] is True
    assert {"seconds", "wall_seconds", "per_second", "batch_ms_p99", "fits_window"} <= set(result)
