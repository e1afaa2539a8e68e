"""Each command through the real message path, as a role that may use it and one that may not."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.commands_helpers import School, audit_rows
from tests.school_factory import add_report as report


@pytest.fixture
def school(db, clock, tmp_path):
    return School(db, clock, tmp_path)


def texts(sent):
    return [s.text for s in sent]


def test_help_lists_only_what_the_asker_may_use(school):
    (student,) = school.say("2021002", "/帮助")
    assert "/更正" in student.text and "/不要提醒" in student.text
    assert "/补报" not in student.text and "/导出" not in student.text
    (counselor,) = school.say("T001", "帮助")
    for name in ("/补报", "/请假", "/导出", "/广播", "/回执", "/重点", "/结案", "/确认绑定"):
        assert name in counselor.text
    (monitor,) = school.say("2021001", "/帮助")
    assert "/回执" in monitor.text and "/广播" not in monitor.text
    (stranger,) = school.say("u999", "/帮助")
    assert "/绑定 学号 姓名" in stranger.text and "/更正" not in stranger.text


@pytest.mark.parametrize(
    "who, text",
    [
        ("2021002", "/补报 2021004 36.5 正常"),
        ("2021002", "请假 2021004 2月10日 2月11日 回家"),
        ("2021001", "/导出"),
        ("2021001", "/广播 全体 开会"),
        ("2021002", "/回执"),
        ("2021003", "/重点 2021002 湖北籍"),
        ("2021002", "/结案 2021002 好了"),
    ],
)
def test_a_role_without_the_right_gets_a_short_refusal_and_an_audit_line(school, who, text):
    sent = school.say(who, text, "g211")
    assert len(sent) == 1 and sent[0].text.startswith("/") and "仅限" in sent[0].text
    assert len(sent[0].text) < 40
    (row,) = audit_rows(school.db, "refused")
    assert row["actor"] == who and row["command"] == text.split()[0].lstrip("/")


@pytest.mark.parametrize("text", ["/更正 36.5 正常", "不要提醒", "/恢复提醒", "/统计", "/导出"])
def test_unbound_sender_is_told_to_bind(school, text):
    (sent,) = school.say("u999", text, "g211")
    assert sent.text == "请先绑定身份：/绑定 学号 姓名"
    assert audit_rows(school.db, "refused")[0]["actor"] == "sim:u999"


def test_late_report_by_the_counselor_is_marked_with_who(school):
    ask, sent = school.say("T001", "/补报 2021002 36.8 正常 在家")
    assert ask.target == "u2021002" and ask.text.startswith("【代报确认】陈老师（辅导员）替你")
    assert (
        sent.chat_type == "private"
        and sent.text == "已为李四（2021002）补报2月10日：36.8℃，正常，在家。"
    )
    row = school.db.execute(
        "SELECT temperature, abnormal, on_campus, source, posted_by, proxy FROM reports"
        " WHERE person_id = '2021002' AND day = '2020-02-10'"
    ).fetchone()
    assert row == (36.8, 0, 0, "补报", "T001", 1)
    assert audit_rows(school.db, "late_report")[0]["person"] == "2021002"


def test_late_report_for_an_earlier_day_and_in_a_class_group_answers_privately(school):
    ask, alert, reply, note = school.say("T001", "补报 2021004 2月9日 37.5 咳嗽", "g211")
    assert (ask.chat_type, ask.target) == ("private", "u2021004")
    assert alert.text.startswith("【异常】计科1班 赵敏（2021004）2月9日：37.5℃")
    assert (reply.chat_type, reply.target) == ("private", "uT001")
    assert reply.text.startswith("已为赵敏（2021004）补报2月9日：37.5℃") and "异常" in reply.text
    assert (note.chat_type, note.target, note.text) == ("group", "g211", "详情已私聊发送。")
    assert school.db.execute(
        "SELECT abnormal FROM reports WHERE person_id = '2021004' AND day = '2020-02-09'"
    ).fetchone() == (1,)


def test_late_report_outside_ones_nodes_is_refused_and_audited(school):
    (sent,) = school.say("T002", "/补报 2021002 36.5 正常")
    assert sent.text == "学号 2021002 不在你负责的范围内。"
    assert school.db.execute("SELECT count(*) FROM reports").fetchone() == (0,)
    assert audit_rows(school.db, "refused")[0]["command"] == "补报"


def test_late_report_with_unreadable_content_says_how(school):
    (sent,) = school.say("T001", "/补报 2021002 明天再说")
    assert sent.text.startswith("没看懂报告内容") and "/补报 学号" in sent.text


def test_correction_replaces_todays_report_and_keeps_history(school):
    report(school.db, "2021002", "2020-02-10", temperature=36.5, abnormal=False, on_campus=True)
    (sent,) = school.say("2021002", "更正 36.6 正常 在家")
    assert sent.text == "已更正你2月10日的报告：36.6℃，正常，在家。"
    row = school.db.execute(
        "SELECT temperature, on_campus, source, revision FROM reports WHERE person_id = '2021002'"
    ).fetchone()
    assert row == (36.6, 0, "更正", 2)
    assert school.db.execute("SELECT count(*) FROM report_history").fetchone() == (1,)


def test_correction_in_the_class_group_never_shows_health_there(school):
    sent = school.say("2021002", "/更正 37.9 发烧", "g211")
    group = [s for s in sent if s.chat_type == "group"]
    assert group and all("37.9" not in s.text for s in group)


def test_leave_is_recorded_and_audited(school):
    (sent,) = school.say("T001", "/请假 2021004 2月10日 2月12日 住院治疗")
    assert sent.text == "已登记赵敏（2021004）2月10日–2月12日请假（住院治疗），期间不催报。"
    assert school.db.execute(
        "SELECT person_id, start_day, end_day, reason, created_by FROM leaves"
    ).fetchall() == [("2021004", "2020-02-10", "2020-02-12", "住院治疗", "T001")]
    (bad,) = school.say("T001", "/请假 2021004 2月12日 2月10日 住院")
    assert "早于" in bad.text


def test_bind_waits_for_the_monitor_or_counselor_and_meanwhile_only_reports(school):
    db = school.db
    with db.atomic():
        db.execute("DELETE FROM accounts WHERE person_id = '2021004'")
    sent = school.say("uzm-phone", "/绑定 2021004 赵敏", "g211")
    assert texts(sent)[-1].startswith("已提交绑定申请：赵敏（2021004）。班长或辅导员确认前")
    to = {s.target: s for s in sent if s.chat_type == "private"}
    assert set(to) == {"u2021001", "uT001"}  # the class monitor and the counselor
    assert "/确认绑定 2021004 uzm-phone" in to["uT001"].text
    # Until confirmed it reports for 赵敏 (marked), and sees nothing.
    (fixed,) = school.say("uzm-phone", "/更正 36.5 正常")
    assert fixed.text.startswith("已更正你2月10日的报告")
    assert report_author(db, "2021004") == "unconfirmed"
    (hint,) = school.say("uzm-phone", "/统计")
    assert hint.text == "请先绑定身份：/绑定 学号 姓名"
    (refused,) = school.say("T002", "/确认绑定 2021004 uzm-phone")
    assert "不在你负责的范围内" in refused.text
    (confirmed,) = school.say("T001", "/确认绑定 2021004 uzm-phone")
    assert confirmed.text.startswith("已确认 赵敏（2021004）的模拟「")
    (again,) = school.say("uzm-phone", "/更正 36.6 正常")
    assert again.text.startswith("已更正你2月10日的报告")
    assert report_author(db, "2021004") == "self"


def report_author(db, person_id):
    return db.execute(
        "SELECT author FROM reports WHERE person_id = ? AND day = '2020-02-10'", [person_id]
    ).fetchone()[0]


def test_bind_with_a_wrong_name_is_refused_and_audited(school):
    (sent,) = school.say("uspy", "/绑定 2021004 李四")
    assert sent.text == "学号和姓名对不上花名册，请核对后重试。"
    assert audit_rows(school.db, "refused")[0]["actor"] == "sim:uspy"
    assert (
        school.db.execute("SELECT count(*) FROM accounts WHERE account_id = 'uspy'").fetchone()[0]
        == 0
    )


def test_opting_out_of_private_reminders_and_back(school):
    (off,) = school.say("2021002", "/不要提醒")
    assert off.text.startswith("好的，不再私聊提醒你")
    nags = "SELECT private_nags FROM people WHERE id = '2021002'"
    assert school.db.execute(nags).fetchone() == (0,)
    (on,) = school.say("2021002", "恢复提醒")
    assert on.text == "已恢复私聊提醒。" and school.db.execute(nags).fetchone() == (1,)


def test_key_group_tag_from_chat(school):
    (sent,) = school.say("T001", "/重点 2021002 湖北籍 2月8日")
    assert (
        sent.text == "已将李四（2021002）列入重点群体「湖北籍」，观察期 2月8日–2月21日（14天），"
        "期满自动结束。"
    )
    assert school.db.execute(
        "SELECT tag, start_day, period_days, ended_day FROM tags"
    ).fetchall() == [("湖北籍", "2020-02-08", 14, None)]
    (unknown,) = school.say("T001", "/重点 2021002 发烧")
    assert unknown.text.startswith("没有「发烧」这个标签；可用：湖北籍、留校")
    (ended,) = school.say("T001", "/重点 2021002 湖北籍 解除")
    assert ended.text == "李四（2021002）的「湖北籍」观察已解除。"
    (other,) = school.say("T002", "/重点 2021002 留校")
    assert "不在你负责的范围内" in other.text


def test_export_in_chat_sends_the_workbook_privately(school):
    report(school.db, "2021002", "2020-02-10", temperature=37.6, abnormal=True, symptoms=["发热"])
    sent = school.say("T001", "/导出", "c21")
    file_msg = next(s for s in sent if s.file_path)
    assert (file_msg.chat_type, file_msg.target, file_msg.text) == (
        "private",
        "uT001",
        "台账 2月10日",
    )
    assert texts(sent)[-1] == "台账已私聊发送。"
    wb = load_workbook(file_msg.file_path)
    assert wb.sheetnames == ["汇总", "2021级-计科1班", "2021级-计科2班", "未报异常联系", "异常跟踪"]
    rows = {r[0]: r for r in wb["2021级-计科1班"].iter_rows(min_row=3, values_only=True)}
    assert rows["2021002"][4:6] == (37.6, "异常：发热")
    (row,) = audit_rows(school.db, "export")
    assert (row["actor"], row["via"], row["scope"]) == ("T001", "command", "计算机学院/2021级")
    assert (row["day_from"], row["day_to"], row["rows"]) == ("2020-02-10", "2020-02-10", 6)


def test_export_without_file_support_gives_the_dashboard_link(school):
    school.config.exports.file_platforms = []
    school.config.web.public_url = "https://pingan.example.edu"
    (sent,) = school.say("A001", "/导出 2月9日 2月10日")
    assert sent.chat_type == "private" and sent.file_path is None
    assert sent.text == (
        "台账 2月9日–2月10日：https://pingan.example.edu/downloads/ledger.xlsx"
        "?from=2020-02-09&to=2020-02-10（登录管理后台后下载）"
    )
    assert audit_rows(school.db, "export") == []  # the dashboard audits the download


def test_close_case_by_command(school):
    school.say("2021002", "37.8 发烧", "g211")
    (sent,) = school.say("T001", "/结案 2021002 已退烧，校医复查正常")
    assert sent.text == "跟踪 #1 李四（2021002）已结案。"
    row = school.db.execute("SELECT status, closed_by, close_note FROM cases").fetchone()
    assert row == ("closed", "T001", "已退烧，校医复查正常")
    (again,) = school.say("T001", "/结案 2021002 重复")
    assert again.text == "李四（2021002）没有进行中的异常跟踪。"


@pytest.fixture
def reported(school):
    db = school.db
    report(db, "2021001", "2020-02-10")
    report(db, "2021002", "2020-02-10", temperature=37.8, abnormal=True, symptoms=["咳嗽"],
           on_campus=False, province="湖北", isolation="home")  # fmt: skip
    report(db, "2021101", "2020-02-10")
    report(db, "2022001", "2020-02-10", temperature=38.2, abnormal=True)
    with db.atomic():
        db.execute(
            "INSERT INTO leaves (person_id, start_day, end_day, reason, created_at)"
            " VALUES ('2021004', '2020-02-09', '2020-02-11', '住院', '2020-02-09T10:00:00+08:00')"
        )
        db.execute(
            "INSERT INTO tags (person_id, tag, start_day)"
            " VALUES ('2021002', '湖北籍', '2020-02-05')"
        )
    return school


def test_stats_for_a_counselor_per_class_with_key_groups(reported):
    (sent,) = reported.say("T001", "/统计")
    assert sent.text.splitlines() == [
        "2月10日 平安报告统计",
        "计算机学院/2021级：应报 5 实报 3 未报 2 异常 1 请假 1",
        "  计科1班：应报 3 实报 2 未报 1 异常 1 请假 1",
        "  计科2班：应报 2 实报 1 未报 1 异常 0",
        "  重点群体：湖北籍 1人（已报 1）",
    ]
    (admin,) = reported.say("A001", "统计 2月10日")
    assert admin.text.splitlines()[1] == "计算机学院：应报 7 实报 4 未报 3 异常 2 请假 1"
    assert "  2022级/计科1班：应报 2 实报 1 未报 1 异常 1" in admin.text.splitlines()


def test_stats_in_a_class_group_shows_no_health_numbers(reported):
    (sent,) = reported.say("2021001", "/统计", "g211")
    assert sent.chat_type == "group"
    assert sent.text.splitlines() == [
        "2月10日 平安报告统计",
        "计算机学院/2021级/计科1班：应报 3 实报 2 未报 1 请假 1",
    ]
    (refused,) = reported.say("2021002", "/统计", "g211")
    assert refused.text == "/统计 仅限班长、宿舍长、辅导员、值班辅导员、值班党员、管理员使用。"


def test_missing_names_for_monitor_dorm_head_and_counselor(reported):
    (monitor,) = reported.say("2021001", "未报", "g211")
    assert monitor.text == "2月10日 未报名单\n计科1班 未报 1 人：王五（请假 1 人不计）"
    (dorm,) = reported.say("2021003", "/未报")
    assert dorm.text == "2月10日 未报名单\n12栋305 未报 1 人：王五"
    (counselor,) = reported.say("T001", "/未报", "c21")
    assert counselor.text.splitlines()[1:] == [
        "计科1班 未报 1 人：王五（请假 1 人不计）",
        "计科2班 未报 1 人：孙二",
    ]
    (other,) = reported.say("T002", "/未报 计算机学院/2021级/计科2班")
    assert other.text == "「计算机学院/2021级/计科2班」不在你负责的范围内。"
    (student,) = reported.say("2021002", "/未报")
    assert "仅限" in student.text


def test_abnormal_details_only_privately_and_only_in_scope(reported):
    private, note = reported.say("T001", "/异常", "g211")
    assert (private.chat_type, note.chat_type, note.text) == (
        "private",
        "group",
        "详情已私聊发送。",
    )
    assert private.text == "2月10日 异常 1 人：\n李四（计科1班）37.8℃ 咳嗽 在家 湖北 居家隔离"
    (other,) = reported.say("T002", "/异常 2020-02-10")
    assert other.text == "2月10日 异常 1 人：\n周六（计科1班）38.2℃ 在校"
    (monitor,) = reported.say("2021001", "/异常", "g211")
    assert monitor.text.startswith("/异常 仅限辅导员")
    assert "37.8" not in monitor.text


def test_every_command_is_documented_with_its_example():
    from pathlib import Path

    from handlers.commands.registry import COMMANDS

    docs = (Path(__file__).parent.parent / "docs" / "commands.md").read_text(encoding="utf-8")
    ours = [c for c in COMMANDS.values() if c.handler.__module__.startswith("handlers.commands.")]
    assert len(ours) == 18
    for cmd in ours:
        assert f"`/{cmd.name}" in docs, cmd.name
        assert f"`{cmd.example}`" in docs, cmd.example


def test_export_too_big_for_chat_points_to_the_cli(school, monkeypatch):
    import handlers.commands.export as export

    monkeypatch.setattr(export, "MAX_STUDENT_DAYS", 10)
    (sent,) = school.say("A001", "/导出 2月9日 2月10日")
    assert sent.chat_type == "private" and sent.text.startswith("范围太大（8 人 × 2 天）")
    assert "pingan export" in sent.text
    assert audit_rows(school.db, "export") == []


def test_in_a_counselor_group_answers_stay_within_that_groups_node(reported):
    (sent,) = reported.say("A001", "/异常", "c21")
    assert (sent.chat_type, sent.target) == ("group", "c21")
    assert sent.text == "2月10日 异常 1 人：\n李四（计科1班）37.8℃ 咳嗽 在家 湖北 居家隔离"
    (stats,) = reported.say("A001", "/统计", "c21")
    assert stats.text.splitlines()[1] == "计算机学院/2021级：应报 5 实报 3 未报 2 异常 1 请假 1"
    # Someone else's counselor group gets nothing: the details go privately.
    private, note = reported.say("T002", "/异常", "c21")
    assert (private.chat_type, note.text) == ("private", "详情已私聊发送。")
    assert "周六" in private.text and "李四" not in private.text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12月30日", "2020-12-30"),  # asked in January: last December
        ("1月2日", "2021-01-02"),
        ("1-2", "2021-01-02"),
        ("2021年1月2日", "2021-01-02"),
        ("2021/01/02", "2021-01-02"),
        ("昨天", "2021-01-01"),
        ("前天", "2020-12-31"),
    ],
)
def test_dates_people_write(text, expected):
    from datetime import date

    from handlers.commands.common import parse_day

    assert parse_day(text, date(2021, 1, 2)) == expected


@pytest.mark.parametrize("text", ["2月30日", "36.8", "明天见", "13-01"])
def test_dates_that_are_not(text):
    from datetime import date

    from handlers.commands.common import Unclear, parse_day

    with pytest.raises(Unclear):
        parse_day(text, date(2021, 1, 2))


def test_chat_export_has_the_same_day_limit_as_the_cli_and_dashboard(school):
    """One number in one place (storage/export.py): 92 days pass, 93 are refused alike."""
    from storage.export import MAX_DAYS, too_many_days

    school.config.exports.file_platforms = []
    school.config.web.public_url = "https://pingan.example.edu"
    (sent,) = school.say("A001", "/导出 2019-11-11 2020-02-10")  # 92 days
    assert MAX_DAYS == 92 and "downloads/ledger.xlsx?from=2019-11-11" in sent.text
    (sent,) = school.say("A001", "/导出 2019-11-10 2020-02-10")  # 93 days
    assert sent.text == too_many_days(93) == "一次最多导出 92 天（这次 93 天），请分段导出。"
