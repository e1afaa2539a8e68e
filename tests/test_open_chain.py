"""`checkin.open_chain`: the bot opens each class's 接龙 at window open, students continue it,
and the lines that name nobody reach the counselor's summary, never the class group.
The real APScheduler driven by a fake clock, messages through the real message path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FakeClock
from core.messages import IncomingMessage
from handlers.pipeline import Pipeline
from schedules import Deps, build_scheduler
from tests.schedules_helpers import (
    at,
    class_group_texts,
    config,
    group,
    last_id,
    outbox,
    small_school,
)

DAY = "2020-02-10"


@pytest.fixture
def school(db):
    small_school(db)
    return db


def post(pipeline: Pipeline, clock: FakeClock, sender: str, text: str, n: int) -> None:
    clock.advance(timedelta(minutes=1))
    pipeline.handle(
        IncomingMessage(
            platform="qq",
            chat_type="group",
            chat_id="700001",
            sender_id=sender,
            display_name=sender,
            text=text,
            message_id=f"m{n}",
            time=clock.now(),
        )
    )


async def test_the_bot_opens_the_chain_and_counselors_see_unmatched_lines(school, tmp_path):
    db = school
    clock = FakeClock(at("06:00"))
    cfg = config(open_chain=True)
    scheduler = build_scheduler(Deps(db, cfg, clock, tmp_path / "charts"), manual=True)
    scheduler.start()
    try:
        await scheduler.run_until(at("07:00"))
        opened = group(outbox(db), "700001")
        assert len(opened) == 2  # the announcement, then the chain to continue
        assert "报送开始" in opened[0]["text"] and "复制下面的接龙" in opened[0]["text"]
        assert opened[1]["text"] == "#接龙\n计科1班 2月10日 平安报告\n例 姓名 体温 状况 在校/在家"
        assert group(outbox(db), "700002")[1]["text"].startswith("#接龙\n计科2班 2月10日")
        assert db.execute(
            "SELECT opened_by_bot, title FROM chain_days WHERE chat_id = '700001'"
        ).fetchall() == [(1, "计科1班 2月10日 平安报告")]

        # students continue the bot's chain; one writes a name the roster does not have
        pipeline = Pipeline(db, cfg, clock)
        head = opened[1]["text"]
        post(pipeline, clock, "1001", head + "\n1. 张三 36.5 正常 在校", 1)
        post(
            pipeline,
            clock,
            "1002",
            head + "\n1. 张三 36.5 正常 在校\n2. 李四 36.6 正常 在校\n3. 欧阳娜娜 37.9 发烧 在家",
            2,
        )
        reported = db.execute("SELECT person_id FROM reports WHERE day = ? ORDER BY 1", [DAY])
        assert [r[0] for r in reported] == ["s1", "s2"]

        mark = last_id(db)
        await scheduler.run_until(at("21:00"))
        summaries = outbox(db, mark)
        class_summary, grade_summary = (
            next(r["text"] for r in group(summaries, "700900") if title in r["text"])
            for title in ("2021级/计科1班 ", "2021级 ")
        )
        assert "接龙中名册上找不到（请核对姓名）：3. 欧阳娜娜 37.9 发烧 在家" in class_summary
        assert "计科1班 3. 欧阳娜娜 37.9 发烧 在家" in grade_summary
        # the class group saw the names of the missing, never the unmatched line's details
        for text in class_group_texts(db):
            assert "37.9" not in text and "发烧" not in text
    finally:
        scheduler.shutdown(wait=False)


async def test_without_open_chain_only_the_announcement(school, tmp_path):
    db = school
    clock = FakeClock(at("06:00"))
    scheduler = build_scheduler(Deps(db, config(), clock, tmp_path / "charts"), manual=True)
    scheduler.start()
    try:
        await scheduler.run_until(at("07:00"))
        (opened,) = group(outbox(db), "700001")
        assert "报送开始" in opened["text"] and "接龙" not in opened["text"]
        assert db["chain_days"].count == 0
        # a re-run of the window (a restart) posts nothing twice
        mark = last_id(db)
        await scheduler.run_until(at("07:30"))
        assert outbox(db, mark) == []
    finally:
        scheduler.shutdown(wait=False)
