"""`/接龙` in a class group (names only) and for counselors; the bot-opened chain."""

from datetime import date

import pytest

from core.chat_binding import ChatBinding
from handlers.chain.command import chain_command
from handlers.chain.opening import open_day_chain, opening_chain_text
from handlers.commands.registry import find
from handlers.context import HandlerContext, Person
from storage.outbox import enqueue
from tests.chain_helpers import CHAT, ClassGroup, chain, student_id


@pytest.fixture
def group(db, clock, monkeypatch):
    return ClassGroup(db, clock, monkeypatch)


def run_command(group, account, text, chat=None, chat_type="group", sender=None):
    ctx = group.context(account, text)
    if chat is not None or chat_type != "group":
        msg = ctx.message
        from dataclasses import replace

        msg = replace(msg, chat_type=chat_type, chat_id=chat.chat_id if chat else account)
        ctx = HandlerContext(group.db, group.config, group.clock, msg, sender or ctx.sender, chat)
    found = find(text)
    assert found is not None
    cmd, arg = found
    with group.db.atomic():
        cmd.handler(ctx, arg)
    return group.outbox()[-1]


def test_command_is_registered():
    cmd, arg = find("/接龙 计科1班")
    assert cmd.handler is chain_command and arg == "计科1班"


def test_class_group_sees_names_and_missing_only(group):
    group.post("q1", chain("张三 36.5 正常 在校"))
    group.post("q2", chain("张三 36.5 正常 在校", "李四 38.2 发烧 咳嗽 在家"))
    group.post("q3", chain("张三 36.5 正常 在校", "李四 38.2 发烧 咳嗽 在家", "张山 36.5 在校"))
    with group.db.atomic():
        group.db.execute(
            "INSERT INTO reports (person_id, day, source, created_at, updated_at)"
            " VALUES (?, '2020-02-10', 'free', 'x', 'x')",
            [student_id(5)],
        )
        group.db.execute(
            "INSERT INTO leaves (person_id, start_day, end_day, created_at)"
            " VALUES (?, '2020-02-09', '2020-02-12', 'x')",
            [student_id(6)],
        )
    assert group.post("q4", "/接龙") is None and group.kind == "command"  # the message path
    text = group.outbox()[-1]
    lines = text.splitlines()
    assert lines[0] == "#接龙 计科1班 2月10日 平安报告（汇总）"
    assert lines[1:3] == ["1. 张三", "2. 李四"]
    assert "其他方式已报（1人）：钱七" in text
    assert "未报（6人）：王五、赵敏、周杰、吴迪、郑可馨、王芳" in text
    assert "请假（1人）：孙悦" in text
    assert "名单上找不到（请核对姓名）：张山" in text
    for health in ("36", "38", "发烧", "咳嗽", "在家", "在校"):
        assert health not in text


def test_counselor_group_sees_details_and_unmatched(group):
    group.post("q1", chain("张三 36.5 正常 在校", "李四 38.2 发烧 在家"))
    group.post("q3", chain("张三 36.5 正常 在校", "李四 38.2 发烧 在家", "张山 36.5 在校"))
    with group.db.atomic():
        group.db.execute("INSERT INTO chats VALUES ('qq', '700900', 2, 'counselor')")
    counselor_group = ChatBinding("qq", "700900", 2, "计算机学院/2021级", "counselor")
    text = run_command(group, "t1", "/接龙 计科1班", chat=counselor_group)
    assert "2. 李四 38.2 发烧 在家【代报，异常】" in text
    assert "3. 张山 36.5 在校【未匹配名单】" in text
    assert "未报（8人）" in text


def test_private_detail_needs_responsibility(group):
    group.post("q1", chain("张三 36.5 正常 在校"))
    stranger = Person("S9", "路人", "学生")
    text = run_command(group, "x", "/接龙 计科1班", chat_type="private", sender=stranger)
    assert "只有辅导员" in text and "36.5" not in text
    with group.db.atomic():
        group.db.execute(
            "INSERT INTO people (id, name, role, updated_at) VALUES ('T1', '陈老师', '辅导员', 'x')"
        )
        group.db.execute("INSERT INTO responsibilities VALUES ('T1', 2)")
    teacher = Person("T1", "陈老师", "辅导员")
    text = run_command(group, "t1", "/接龙 计科1班", chat_type="private", sender=teacher)
    assert "1. 张三 36.5 正常 在校" in text
    other = Person("T2", "林老师", "辅导员")
    text = run_command(group, "t2", "/接龙 计科1班", chat_type="private", sender=other)
    assert "没有找到你负责的班级" in text


def test_opening_text():
    assert opening_chain_text("计科1班", date(2020, 2, 10)) == (
        "#接龙\n计科1班 2月10日 平安报告\n例 姓名 体温 状况 在校/在家"
    )


def test_bot_opened_chain_keeps_its_title_and_students_continue_it(group):
    with group.db.atomic():
        msg = open_day_chain(
            group.db,
            platform="qq",
            chat_id=CHAT,
            class_name="计科1班",
            day="2020-02-10",
            now=group.clock.now(),
        )
        assert enqueue(group.db, msg, group.clock.now()) is not None
        assert enqueue(group.db, msg, group.clock.now()) is None  # a re-run job sends nothing
    assert group.post("q9", msg.text) is not None  # the bot's own message echoed back
    out = group.post("q1", msg.text + "\n1. 张三 36.5 正常 在校")
    assert [ln.name for ln in out.added] == ["张三"]
    out = group.post("q2", "#接龙\n随便写的标题\n1. 张三 36.5 正常 在校\n2. 李四 36.6 在家")
    row = group.db.execute("SELECT title, opened_by_bot FROM chain_days").fetchone()
    assert row == ("计科1班 2月10日 平安报告", 1)
    assert group.report_count() == 2


def test_details_asked_in_an_unbound_group_go_privately(group):
    from dataclasses import replace

    group.post("q1", chain("张三 36.5 正常 在校", "李四 38.2 发烧 在家"))
    with group.db.atomic():
        group.db.execute(
            "INSERT INTO people (id, name, role, updated_at) VALUES ('T1', '陈老师', '辅导员', 'x')"
        )
        group.db.execute("INSERT INTO responsibilities VALUES ('T1', 2)")
    ctx = group.context("t1", "/接龙 计科1班")
    msg = replace(ctx.message, chat_id="parents-group")
    teacher = Person("T1", "陈老师", "辅导员")
    ctx = HandlerContext(group.db, group.config, group.clock, msg, teacher, None)
    with group.db.atomic():
        chain_command(ctx, "计科1班")
    rows = group.db.execute(
        "SELECT chat_type, target, text FROM outbox"
        " WHERE text LIKE '%接龙（%' OR text LIKE '%私聊%' ORDER BY id"
    ).fetchall()
    assert [(t, target) for t, target, _ in rows] == [("private", "t1"), ("group", "parents-group")]
    assert "38.2 发烧" in rows[0][2] and rows[1][2] == "详情已私聊发送。"
