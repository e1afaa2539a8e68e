"""Abnormal report → private alert → next-morning question → automatic close; and a key
group's 14-day ledger with its automatic end."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from handlers.cases import morning
from schedules import Deps, build_scheduler
from storage.export import export_ledger
from storage.keygroups import observed_on
from storage.ledger import days_between
from storage.status import node_status
from tests.commands_helpers import School, audit_rows, outbox
from tests.conftest import TZ
from tests.school_factory import node_id


@pytest.fixture
def school(db, clock, tmp_path):
    return School(db, clock, tmp_path)


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ)


def run_morning(school: School, day: str):
    school.clock.set(at(day, school.config.followup.ask_at))
    before = len(outbox(school.db))
    with school.db.atomic():
        result = morning(school.db, school.config, school.clock.now())
    return result, outbox(school.db)[before:]


def test_abnormal_report_alerts_the_counselor_then_follows_up_until_closed(school):
    school.clock.set(at("2020-02-10", "09:12"))
    sent = school.say("2021002", "李四 37.8 身体不适 在家", "g211")
    alert = next(s for s in sent if s.target == "uT001")
    assert alert.chat_type == "private"
    assert alert.text == (
        "【异常】计科1班 李四（2021002）2月10日：37.8℃。已建立跟踪 #1，明早将私聊询问本人。"
        "处理完请回复 /结案 2021002 说明"
    )
    assert all("37.8" not in s.text for s in sent if s.chat_type == "group")
    assert not any(s.target == "uT002" for s in sent)  # the other grade's counselor hears nothing
    # A second abnormal message the same day does not alert again.
    again = school.say("2021002", "李四 38.1 身体不适", "g211")
    assert not any(s.target == "uT001" for s in again)

    result, sent = run_morning(school, "2020-02-11")
    assert result.asked == ["2021002"] and result.closed == []
    (question,) = sent
    assert (question.chat_type, question.target) == ("private", "u2021002")
    assert question.text == (
        "李四同学早上好：昨天你报告38.1℃。今天身体怎么样？"
        "请直接回复今天的体温和情况，例如「36.6 正常 在校」。"
    )
    assert run_morning(school, "2020-02-11")[1] == []  # the job may run twice: asks once

    school.clock.set(at("2020-02-11", "08:40"))
    school.say("2021002", "36.6 正常 在家")  # the private answer is that day's report
    school.clock.set(at("2020-02-12", "08:00"))
    school.say("2021002", "36.5 正常", "g211")
    result, sent = run_morning(school, "2020-02-13")
    assert result.asked == ["2021002"]  # two normal days of three
    school.say("2021002", "36.4 正常", "g211")
    result, sent = run_morning(school, "2020-02-14")
    assert result.closed == ["2021002"] and result.asked == []
    assert [(s.target, s.text) for s in sent] == [
        ("uT001", "跟踪 #1 计科1班 李四（2021002）已连续3天报告正常，自动结案。")
    ]
    assert school.db.execute("SELECT status, closed_by FROM cases").fetchone() == ("closed", "auto")
    assert audit_rows(school.db, "case_closed")[0]["note"] == "连续3天报告正常，自动结案"


def test_a_missing_day_does_not_count_as_normal(school):
    school.clock.set(at("2020-02-10", "09:00"))
    school.say("2021002", "李四 37.9 身体不适", "g211")
    for day in ("2020-02-11", "2020-02-13", "2020-02-14"):  # nothing on the 12th
        school.clock.set(at(day, "08:00"))
        school.say("2021002", "36.5 正常", "g211")
    result, _ = run_morning(school, "2020-02-14")
    assert result.closed == []


def test_key_group_fourteen_day_ledger_and_automatic_end(school, tmp_path):
    school.clock.set(at("2020-02-10", "07:30"))
    school.say("T001", "/重点 2021002 湖北籍")
    days = days_between("2020-02-10", "2020-02-24")
    for day in days[:14]:
        school.clock.set(at(day, "09:00"))
        school.say("2021002", "36.5 正常 在家", "g211")
    first, last = observed_on(school.db, "2020-02-10"), observed_on(school.db, "2020-02-23")
    assert (first[0].progress, first[0].report["temperature"]) == ("第1/14天", 36.5)
    assert (last[0].progress, last[0].last_day) == ("第14/14天", "2020-02-23")
    class1 = node_id(school.db, "计算机学院/2021级/计科1班")
    tagged = node_status(school.db, class1, "2020-02-23").key_groups
    assert {tag: c.total for tag, c in tagged.items()} == {"湖北籍": 1}

    result, sent = run_morning(school, "2020-02-24")
    assert result.tags_ended == [("2021002", "湖北籍", "2020-02-24")]
    assert [(s.target, s.text) for s in sent] == [
        ("uT001", "计科1班 李四（2021002）「湖北籍」观察期已于2月23日期满，自动结束。")
    ]
    assert observed_on(school.db, "2020-02-24") == []
    assert node_status(school.db, class1, "2020-02-24").key_groups == {}
    assert run_morning(school, "2020-02-24")[0].tags_ended == []

    out = tmp_path / "key.xlsx"
    with school.db.atomic():
        export_ledger(school.db, node_ids={node_id(school.db, "计算机学院/2021级/计科1班")},
                      days=days, path=out, actor=None, via="cli", scope_label="计科1班",
                      now=school.clock.now())  # fmt: skip
    sheet = load_workbook(out)["重点-湖北籍"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 14
    assert rows[0][:5] == ("2020-02-10", "2021002", "李四", "计算机学院/2021级/计科1班", "第1/14天")
    assert rows[-1][0] == "2020-02-23" and rows[-1][4] == "第14/14天"
    assert rows[-1][6:9] == ("2020-02-23", 36.5, "正常")


async def test_the_real_scheduler_runs_the_morning_question_and_the_broadcast_reminder(
    school, tmp_path
):
    school.clock.set(at("2020-02-10", "09:00"))
    school.say("2021002", "李四 37.9 身体不适", "g211")
    school.say("T001", "/广播 计算机学院/2021级/计科1班 下午3点前提交返校申请")
    scheduler = build_scheduler(
        Deps(school.db, school.config, school.clock, tmp_path / "charts"), manual=True
    )
    scheduler.start()
    try:
        mark = len(outbox(school.db))
        await scheduler.run_until(at("2020-02-10", "11:05"))
        reminders = [s for s in outbox(school.db)[mark:] if s.text.startswith("【通知 #1 提醒】")]
        assert [(s.target, len(s.mentions)) for s in reminders] == [("g211", 4)]
        await scheduler.run_until(at("2020-02-11", "08:31"))
        asked = [s for s in outbox(school.db)[mark:] if s.target == "u2021002"]
        assert len(asked) == 1 and asked[0].text.startswith("李四同学早上好：昨天你报告37.9℃")
        assert school.db.execute(
            "SELECT outcome FROM job_runs WHERE job = 'followup' AND day = '2020-02-11'"
        ).fetchone() == ("asked 1, closed 0, tags ended 0",)
    finally:
        scheduler.shutdown(wait=False)


def test_starting_isolation_opens_a_case_even_with_a_normal_temperature(school):
    school.clock.set(at("2020-02-10", "09:00"))
    sent = school.say("2021004", "赵敏 36.5 正常 集中隔离", "g211")
    (alert,) = [s for s in sent if s.target == "uT001"]
    assert alert.text.startswith("【异常】计科1班 赵敏（2021004）2月10日：36.5℃，集中隔离。")
    assert school.db.execute("SELECT reason FROM cases").fetchone() == ("36.5℃，集中隔离",)


def test_a_weekend_off_neither_counts_nor_breaks_the_normal_run(school):
    school.clock.set(at("2020-02-14", "09:00"))  # a Friday
    school.say("2021002", "李四 37.9 身体不适", "g211")
    for day in ("2020-02-17", "2020-02-18", "2020-02-19"):
        school.clock.set(at(day, "08:00"))
        school.say("2021002", "36.5 正常", "g211")
    school.clock.set(at("2020-02-20", "08:30"))
    with school.db.atomic():
        weekdays = morning(school.db, school.config, school.clock.now(), lambda d: d.weekday() < 5)
    assert weekdays.closed == ["2021002"]


def test_every_day_mode_a_silent_weekend_keeps_the_case_open(school):
    school.clock.set(at("2020-02-14", "09:00"))
    school.say("2021002", "李四 37.9 身体不适", "g211")
    for day in ("2020-02-17", "2020-02-18", "2020-02-19"):
        school.clock.set(at(day, "08:00"))
        school.say("2021002", "36.5 正常", "g211")
    result, _ = run_morning(school, "2020-02-20")
    assert result.closed == [] and result.asked == ["2021002"]


def test_a_fever_in_a_jielong_line_alerts_the_counselor(school):
    school.clock.set(at("2020-02-10", "08:00"))
    sent = school.say(
        "2021001", "#接龙 2月10日平安报告\n1. 张三 36.5 正常 在校\n2. 李四 38.2 发烧 在家", "g211"
    )
    (alert,) = [s for s in sent if s.target == "uT001"]
    assert alert.text.startswith("【异常】计科1班 李四（2021002）2月10日：38.2℃")
    # The next repost repeats the line: no second alert, no second case.
    more = school.say(
        "2021003",
        "#接龙 2月10日平安报告\n1. 张三 36.5 正常 在校\n2. 李四 38.2 发烧 在家\n3. 王五 36.6 正常",
        "g211",
    )
    assert not [s for s in more if s.target == "uT001"]
    assert school.db.execute("SELECT count(*) FROM cases").fetchone() == (1,)
