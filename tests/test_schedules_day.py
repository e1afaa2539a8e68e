"""A full check-in day on the real APScheduler, driven by a fake clock."""

from __future__ import annotations

import pytest

from core.clock import FakeClock
from schedules import Deps, build_scheduler
from tests.schedules_helpers import (
    add_leave,
    add_report,
    at,
    class_group_texts,
    config,
    group,
    last_id,
    outbox,
    small_school,
)

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

DAY = "2020-02-10"


def private(rows):
    return sorted(r["target"] for r in rows if r["chat_type"] == "private")


@pytest.fixture
def school(db):
    small_school(db)
    add_leave(db, "s3", "2020-02-09", "2020-02-11")
    return db


async def test_full_day_nags_exactly_the_missing(school, tmp_path):
    db = school
    clock = FakeClock(at("06:00"))
    scheduler = build_scheduler(Deps(db, config(), clock, tmp_path / "charts"), manual=True)
    scheduler.start()
    try:
        await scheduler.run_until(at("07:00"))
        opened = outbox(db)
        assert sorted(r["target"] for r in opened) == ["700001", "700002"]
        assert all("报送开始" in r["text"] for r in opened)

        add_report(db, "s2", DAY, temperature=37.8, abnormal=True, symptoms=("咳嗽",))
        add_report(db, "t1", DAY)
        mark = last_id(db)
        await scheduler.run_until(at("10:00"))
        nag1 = outbox(db, mark)
        (g1,) = group(nag1, "700001")
        assert g1["mentions"] == ["1001", "1005"]  # 赵六 has no account: named only
        assert "张三、赵六、孙七" in g1["text"]
        assert "实报 1，应报 4" in g1["text"]  # 王五 is on leave
        (g2,) = group(nag1, "700002")
        assert g2["mentions"] == ["2002"]
        # 孙七 said /不要提醒 (no private), 赵六 has no account, 王五 is on leave
        assert private(nag1) == ["1001", "2002"]

        add_report(db, "s1", DAY)
        mark = last_id(db)
        await scheduler.run_until(at("12:00"))
        nag2 = outbox(db, mark)
        (g1,) = group(nag2, "700001")
        assert g1["mentions"] == ["1005"]
        assert "赵六、孙七" in g1["text"] and "张三" not in g1["text"]
        assert private(nag2) == ["2002"]

        mark = last_id(db)
        await scheduler.run_until(at("13:00"))
        esc = outbox(db, mark)
        assert private(esc) == ["1001", "9001"]  # the 班长 of 计科1班, the grade counselor
        (monitor,) = [r for r in esc if r["target"] == "1001"]
        assert "赵六、孙七" in monitor["text"] and "未报 2" in monitor["text"]
        (counselor,) = [r for r in esc if r["target"] == "9001"]
        assert "计科1班" in counselor["text"] and "计科2班" in counselor["text"]
        assert not group(esc, "700001")

        add_report(db, "t2", DAY)
        mark = last_id(db)
        await scheduler.run_until(at("14:00"))
        closed = outbox(db, mark)
        (c1,) = group(closed, "700001")
        assert "实报 2，应报 4" in c1["text"] and "赵六、孙七" in c1["text"]
        (c2,) = group(closed, "700002")
        assert "全员已报" in c2["text"]
        (final,) = [r for r in closed if r["target"] == "9001"]
        assert "截止未报名单" in final["text"] and "计科2班" not in final["text"]

        mark = last_id(db)
        await scheduler.run_until(at("21:00"))
        summaries = outbox(db, mark)
        counselor_group = group(summaries, "700900")
        assert len(counselor_group) == 3  # 计科1班, 计科2班, 2021级
        class1 = next(
            r
            for r in counselor_group
            if r["text"].count("计科1班") and "2021级/计科1班" in r["text"]
        )
        for wording in ("应报 4", "实报 2", "未报 2", "异常 1"):
            assert wording in class1["text"]
        assert "李四 37.8℃ 咳嗽" in class1["text"]
        assert "王五（事假，至2月11日）" in class1["text"]
        assert "湖北籍 1人" in class1["text"]
        (duty_group,) = group(summaries, "700999")
        assert "应报 6" in duty_group["text"] and "实报 4" in duty_group["text"]
        assert private(summaries) == ["9101", "wx_chen"]  # the day's duty pair

        # No class group ever saw a temperature or a symptom.
        for text in class_group_texts(db):
            assert "37.8" not in text and "咳嗽" not in text
            assert "℃" not in text and "异常" not in text
    finally:
        scheduler.shutdown(wait=False)


async def test_rerunning_the_day_sends_nothing_twice(school, tmp_path):
    db = school
    clock = FakeClock(at("06:00"))
    deps = Deps(db, config(), clock, tmp_path / "charts")
    first = build_scheduler(deps, manual=True)
    first.start()
    await first.run_until(at("22:00"))
    first.shutdown(wait=False)
    count = last_id(db)
    assert count > 0
    # The same day once more: a second process, the cron firing again, a catch-up.
    second = build_scheduler(deps, manual=True)
    second.start()
    await second.run_until(at("23:00"))
    second.shutdown(wait=False)
    assert last_id(db) == count
