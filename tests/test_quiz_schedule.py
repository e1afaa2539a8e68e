"""The quiz on the real scheduler: a round opened by itself at `quiz.daily_at`, and its
class results in the nightly summaries (classes only, no student by name)."""

from __future__ import annotations

from datetime import datetime

from core.config import Config, Quiz
from handlers.pipeline import Pipeline
from schedules import Deps, build_scheduler
from storage.quiz import question_at
from storage.quiz_bank import import_bank
from tests.commands_helpers import School, outbox
from tests.conftest import REPO, TZ


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2020-02-10T{hhmm}:00").replace(tzinfo=TZ)


async def test_a_daily_round_opens_by_itself_and_lands_in_the_summaries(db, clock, tmp_path):
    school = School(db, clock, tmp_path)
    school.config = Config(base_dir=tmp_path, quiz=Quiz(daily_at="19:00", questions=2))
    school.pipeline = Pipeline(db, school.config, clock)
    import_bank(db, REPO / "examples" / "quiz.csv", clock.now())
    scheduler = build_scheduler(Deps(db, school.config, clock, tmp_path / "charts"), manual=True)
    scheduler.start()
    try:
        await scheduler.run_until(at("19:00"))
        announced = [s for s in outbox(db) if s.text.startswith("【知识竞答 #1】")]
        assert sorted(s.target for s in announced) == ["g211", "g212", "g221"]
        key = [question_at(db, 1, n).answer for n in (1, 2)]
        wrong = next(x for x in "ABCD" if x != key[1])
        clock.set(at("19:10"))
        for sid, answers in (("2021002", key), ("2021001", [key[0], wrong]), ("2022001", key)):
            for answer in answers:
                school.say(sid, answer)
        mark = len(outbox(db))
        await scheduler.run_until(at("21:00"))
        summaries = {s.target: s.text for s in outbox(db)[mark:] if s.chat_type == "group"}
    finally:
        scheduler.shutdown(wait=False)
    grade = summaries["c21"]
    assert "知识竞答 #1（2题）：参与 2/6（33%），平均答对 1.5 题" in grade
    assert "1. 计科1班 平均 1.5 题，参与 2/4（50%）" in grade
    assert "李四" not in grade.split("知识竞答")[1]  # classes ranked, never a student
    assert "知识竞答 #1（2题）：参与 1/2（50%），平均答对 2.0 题" in summaries["c22"]
    assert db.execute("SELECT outcome FROM job_runs WHERE job = 'quiz'").fetchone() == ("round 1",)
