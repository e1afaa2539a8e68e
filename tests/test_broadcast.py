"""Broadcast → acknowledgements in the class groups → /回执, and the one reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.broadcast import remind_due
from tests.commands_helpers import School, audit_rows, outbox


@pytest.fixture
def school(db, clock, tmp_path):
    return School(db, clock, tmp_path)


def test_broadcast_acks_and_receipts_end_to_end(school):
    confirm = school.say("T001", "/广播 计算机学院/2021级 今晚8点前完成健康打卡")[-1]
    assert confirm.text == "通知 #1 已发往 2 个班级群（6 人）。查看回执：/回执 1"
    notices = [s for s in outbox(school.db) if s.chat_type == "group"]
    assert [(s.target, s.text) for s in notices] == [
        ("g211", "【通知 #1】今晚8点前完成健康打卡\n（请回复「收到」确认）"),
        ("g212", "【通知 #1】今晚8点前完成健康打卡\n（请回复「收到」确认）"),
    ]
    assert audit_rows(school.db, "broadcast")[0]["scope"] == "计算机学院/2021级"

    school.clock.advance(timedelta(minutes=5))
    assert school.say("2021001", "收到", "g211") == []  # silent: no reply noise in the group
    school.say("2021002", "收到老师！", "g211")
    school.say("2021003", "1班的同学什么时候交？", "g211")  # not an acknowledgement
    school.say("2021101", "好的👌", "g212")
    school.say("2021101", "OK", "g212")  # twice counts once
    school.say("2022001", "收到", "g221")  # a class the notice never reached

    (receipt,) = school.say("T001", "/回执 1")
    assert receipt.text.splitlines() == [
        "通知 #1（2月10日 07:00，计算机学院/2021级）回执 3/6",
        "2021级/计科1班 未回执 2 人：王五、赵敏",
        "2021级/计科2班 未回执 1 人：孙二",
    ]
    # The monitor sees their own class only; without a number, the latest notice.
    (mine,) = school.say("2021001", "回执", "g211")
    assert mine.text.splitlines()[1:] == ["2021级/计科1班 未回执 2 人：王五、赵敏"]
    # Another grade's counselor cannot look at it.
    (other,) = school.say("T002", "/回执 1")
    assert other.text == "通知 #1 没有发到你负责的班级。"


def test_one_reminder_mentions_the_missing_then_never_again(school):
    school.say("A001", "/广播 全体 明天上午10点线上班会")
    school.say("2021001", "收到", "g211")
    school.clock.advance(timedelta(minutes=119))
    assert remind_due(school.db, school.config, school.clock.now()) == 0
    school.clock.advance(timedelta(minutes=1))
    before = len(outbox(school.db))
    with school.db.atomic():
        assert remind_due(school.db, school.config, school.clock.now()) == 3
    reminders = {s.target: s for s in outbox(school.db)[before:]}
    assert reminders["g211"].text == (
        "【通知 #1 提醒】以下同学还没有回复「收到」：李四、王五、赵敏。"
        "请查看上面的通知并回复「收到」。"
    )
    assert reminders["g211"].mentions == ["u2021002", "u2021003", "u2021004"]
    assert reminders["g221"].mentions == ["u2022001", "u2022002"]
    school.clock.advance(timedelta(hours=1))
    with school.db.atomic():
        assert remind_due(school.db, school.config, school.clock.now()) == 0


def test_ack_after_the_window_does_not_count(school):
    school.config.broadcast.ack_window_hours = 2
    school.say("T001", "/广播 计算机学院/2021级/计科1班 注意防护")
    school.clock.advance(timedelta(hours=3))
    school.say("2021002", "收到", "g211")
    (receipt,) = school.say("T001", "/回执")
    assert receipt.text.splitlines()[0].endswith("回执 0/4")


def test_broadcast_scope_is_checked(school):
    (sent,) = school.say("T002", "/广播 计算机学院/2021级 开会")
    assert sent.text == "「计算机学院/2021级」不在你负责的范围内。"
    assert audit_rows(school.db, "refused")[0]["command"] == "广播"
    (ambiguous,) = school.say("A001", "/广播 计科1班 开会")
    assert ambiguous.text.startswith("「计科1班」有歧义")
    unique = school.say("T002", "/广播 2022级 开会")[-1]
    assert unique.text == "通知 #1 已发往 1 个班级群（2 人）。查看回执：/回执 1"
    (usage,) = school.say("T001", "/广播 全体")
    assert usage.text.startswith("用法：/广播 范围 内容")


def test_school_wide_receipts_list_the_lagging_classes_worst_first(school, monkeypatch):
    import handlers.commands.notices as notices

    monkeypatch.setattr(notices, "MAX_CLASSES", 1)
    school.say("A001", "/广播 全体 返校须知")
    for sid, chat in (("2022001", "g221"), ("2022002", "g221"), ("2021101", "g212")):
        school.say(sid, "收到", chat)
    (receipt,) = school.say("A001", "/回执")
    assert receipt.text.splitlines()[1:] == [
        "2021级/计科1班 未回执 4 人：张三、李四、王五、赵敏",
        "……另有 1 个班级未全部回执",
        "1 个班级全部已回执",
    ]
