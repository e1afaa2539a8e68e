"""Issue 12, identity: nobody can pose as staff, read health data they should not, or forge a
classmate's report. Each test plays an attack from a class chat through the real message
path (pipeline, real SQLite) and shows it refused."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta

import pytest

from core.config import Config
from core.messages import IncomingMessage
from handlers.pipeline import Pipeline
from storage.bindings import (
    Member,
    bind_members,
    confirmed_staff_person,
    is_confirmed_staff_account,
)
from storage.db import open_db
from storage.migrations import MIGRATIONS, V_TRUST_REPORT_AUTHORS
from storage.roster import import_roster
from tests.commands_helpers import C21_1, School, audit_rows, last_outbox_id, outbox
from tests.roster_helpers import BASE, row, write_csv
from tests.school_factory import add_report as report

DAY = "2020-02-10"


@pytest.fixture
def school(db, clock, tmp_path):
    return School(db, clock, tmp_path)


def say(school, account, text, chat=None, name=None):
    """`account` (a sim account id) says `text`, showing `name` as its nickname/card."""
    msg = dataclasses.replace(school.message(account, text, chat), display_name=name or account)
    before = last_outbox_id(school.db)
    assert school.pipeline.handle(msg) != "error"
    return outbox(school.db, before)


def stored(db, person_id, day=DAY):
    cursor = db.execute("SELECT * FROM reports WHERE person_id = ? AND day = ?", [person_id, day])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def to(sent, target):
    return [s.text for s in sent if s.chat_type == "private" and s.target == target]


def in_group(sent):
    return [s.text for s in sent if s.chat_type == "group"]


def unbind(db, person_id):
    with db.atomic():
        db.execute("DELETE FROM accounts WHERE person_id = ?", [person_id])


# -- 1. a group card is not proof of identity for staff -------------------------------------


def counselor_on_another_platform(db):
    """陈老师's roster account is a QQ one; on this platform she has none yet."""
    with db.atomic():
        db.execute("UPDATE accounts SET platform = 'qq' WHERE person_id = 'T001'")


@pytest.mark.parametrize("names", [("陈老师", "x"), ("", "陈老师"), ("辅导员-陈老师",)])
def test_a_card_naming_the_counselor_gets_no_role_and_no_alert(school, names):
    """The group card, the nickname, a decorated card: none is proof of identity."""
    db, clock = school.db, school.clock
    with db.atomic():  # the counselor has her account here: a second one is a conflict
        first = bind_members(db, "sim", "g211", C21_1, [Member("ufake", names)], clock.now())
    assert first.review == [("ufake", "conflict", ["T001"])] and not first.bound
    assert first.staff == [("ufake", "T001", False)]
    counselor_on_another_platform(db)
    with db.atomic():
        report_ = bind_members(
            db,
            "sim",
            "g211",
            C21_1,
            [Member("ufake", names)],
            clock.now(),
        )
    assert report_.staff == [("ufake", "T001", True)]
    rows = dict(
        db.execute("SELECT account_id, confirmed FROM accounts WHERE source = 'member_list'")
    )
    assert rows == {"ufake": 0}  # nothing a card matched is confirmed
    assert not is_confirmed_staff_account(db, "sim", "ufake")
    assert is_confirmed_staff_account(db, "qq", "uT001")  # the roster's binding
    assert confirmed_staff_person(db, "qq", "uT001") == "T001"
    assert confirmed_staff_person(db, "sim", "u2021002") is None  # a student is no staff
    for command in ("/异常", "/补报 2021002 36.5 正常", "/广播 全体 开会", "/统计", "/未报"):
        (sent,) = say(school, "ufake", command, name="陈老师")
        assert sent.text == "请先绑定身份：/绑定 学号 姓名", command
    # A fever in the class: the alert goes to the counselor's roster account only.
    sent = say(school, "u2021002", "李四 38.6 发烧", "g211")
    assert to(sent, "uT001") and to(sent, "uT001")[0].startswith("【异常】")
    assert not to(sent, "ufake")
    # The fake counselor's word on a student is a 代报, not a counselor's /补报.
    say(school, "ufake", "赵敏 36.5 正常 在校", "g211", name="陈老师")
    row = stored(db, "2021004")
    assert (row["author"], row["proxy"], row["posted_by"], row["posted_account"]) == (
        "proxy",
        1,
        None,
        "sim:ufake",
    )


def test_a_student_matched_by_card_reports_for_herself_only_until_confirmed(school):
    db, clock = school.db, school.clock
    unbind(db, "2021004")
    with db.atomic():
        bind_members(db, "sim", "g211", C21_1, [Member("uzm", ("计科1班-赵敏",))], clock.now())
    say(school, "uzm", "36.6 正常 在校", "g211", name="计科1班-赵敏")
    assert stored(db, "2021004")["author"] == "unconfirmed"
    sent = say(school, "uzm", "38.2 咳嗽", "g211", name="计科1班-赵敏")
    # the counselor sees the report is not known to be hers, and that it turned abnormal
    (alert,) = [t for t in to(sent, "uT001") if t.startswith("【异常】")]
    assert "（由未确认账号「计科1班-赵敏」（模拟 uzm）报告）" in alert
    assert any("由「正常」改为「异常」" in t for t in to(sent, "uT001"))
    (refused,) = say(school, "uzm", "/不要提醒")  # a command for bound people: not yet
    assert refused.text == "请先绑定身份：/绑定 学号 姓名"
    (helped,) = say(school, "uzm", "/帮助")
    assert helped.text.startswith("这个账号绑定赵敏还未确认：可以报平安和更正自己的报告")
    assert "/更正" in helped.text and "/统计" not in helped.text
    # Reporting for a classmate from an unconfirmed account is a 代报 by that account.
    say(school, "uzm", "李四 36.5 正常 在校", "g211", name="计科1班-赵敏")
    assert (stored(db, "2021002")["author"], stored(db, "2021002")["posted_by"]) == ("proxy", None)
    # The student confirms from nowhere else; the monitor confirms the one account.
    (listed,) = say(school, "u2021001", "/确认绑定 2021004")
    assert "「计科1班-赵敏」账号 uzm（群名片/昵称匹配）" in listed.text
    sent = say(school, "u2021001", "/确认绑定 2021004 uzm")
    (done,) = to(sent, "u2021001")
    assert done.startswith("已确认 赵敏（2021004）")
    (told,) = to(sent, "uT001")  # a cadre's confirmation is shown to the counselor
    assert told.startswith("张三确认了赵敏（2021004）的模拟「计科1班-赵敏」账号 uzm")
    say(school, "uzm", "36.7 正常 在校", "g211")
    assert stored(db, "2021004")["author"] == "self"


def test_only_an_admin_confirms_a_staff_account(school):
    db, clock = school.db, school.clock
    counselor_on_another_platform(db)
    with db.atomic():
        bind_members(db, "sim", "g211", C21_1, [Member("ufake", ("陈老师",))], clock.now())
    (refused,) = say(school, "u2021001", "/确认绑定 T001 ufake")  # not the monitor
    assert refused.text == "学号 T001 的账号只能由管理员确认。"
    assert audit_rows(db, "refused")[-1]["command"] == "确认绑定"
    (done,) = say(school, "uA001", "/确认绑定 T001 ufake")
    assert done.text.startswith("已确认 陈老师（T001）")
    assert is_confirmed_staff_account(db, "sim", "ufake")


# -- 2. /绑定 must not hand out roles ---------------------------------------------------------


@pytest.mark.parametrize(
    "claim", ["/绑定 A001 管理员", "/绑定 T001 陈老师", "/绑定 D001 郑老师", "/绑定 2021001 张三"]
)
def test_bind_to_a_staff_or_cadre_id_is_refused(school, claim):
    (sent,) = say(school, "uspy", claim)
    assert sent.text == "班干部和老师的账号按花名册绑定，或由管理员确认，不能用 /绑定。"
    assert school.db.execute(
        "SELECT count(*) FROM accounts WHERE account_id = 'uspy'"
    ).fetchone() == (0,)
    assert audit_rows(school.db, "refused")[0]["actor"] == "sim:uspy"
    (stats,) = say(school, "uspy", "/统计")
    assert stats.text == "请先绑定身份：/绑定 学号 姓名"


def test_bind_to_a_classmates_id_is_pending_sees_nothing_and_cannot_overwrite(school):
    db = school.db
    say(school, "u2021004", "38.6 发烧", "g211")  # 赵敏's own account (roster)
    sent = say(school, "uspy", "/绑定 2021004 赵敏", name="赵敏")
    assert sent[-1].text.startswith("已提交绑定申请")
    (warned,) = to(sent, "u2021004")  # the real 赵敏 hears of it on her own account
    assert warned.startswith("有模拟「赵敏」账号 uspy（/绑定 申请）申请绑定你的学号 2021004")
    assert db.execute("SELECT confirmed FROM accounts WHERE account_id = 'uspy'").fetchone() == (0,)
    for command in ("/统计", "/未报", "/异常", "/导出", "/回执"):
        (refused,) = say(school, "uspy", command)
        assert refused.text == "请先绑定身份：/绑定 学号 姓名", command
    # It claims 赵敏, but cannot replace what 赵敏's confirmed account reported.
    sent = say(school, "uspy", "36.5 正常 在校", "g211", name="赵敏")
    row = stored(db, "2021004")
    assert (row["abnormal"], row["temperature"], row["author"]) == (1, 38.6, "self")
    sent = say(school, "uspy", "/更正 36.5 正常")
    (kept,) = to(sent, "uspy")
    assert "还没有确认" in kept and stored(db, "2021004")["abnormal"] == 1
    assert any(t.startswith("【代报未采用】") for t in to(sent, "uT001"))
    # Nothing about 赵敏 ever reaches the claimant.
    everything = db.execute("SELECT target, text FROM outbox WHERE target = 'uspy'").fetchall()
    assert all("38.6" not in t and "发烧" not in t for _, t in everything)


# -- 3. /确认绑定 confirms one named account ---------------------------------------------------


def test_two_claimants_are_both_shown_and_confirming_one_rejects_the_other(school):
    db = school.db
    unbind(db, "2021004")
    say(school, "uzm", "/绑定 2021004 赵敏", name="赵敏")
    sent = say(school, "ujoke", "/绑定 2021004 赵敏", name="赵敏-小号")
    (monitor_note,) = to(sent, "u2021001")
    assert "共 2 个账号申请同一学号" in monitor_note
    assert "「赵敏」账号 uzm" in monitor_note and "「赵敏-小号」账号 ujoke" in monitor_note
    (waiting,) = say(school, "uT001", "/确认绑定")  # who in her grade is unconfirmed
    assert waiting.text.startswith("账号待确认的同学：赵敏（2021004）×2。")
    (none,) = say(school, "uT002", "/确认绑定")  # another grade's counselor sees none of it
    assert none.text == "你负责的范围内没有待确认的账号。"
    # Without an account nothing is confirmed: both are listed with their nicknames.
    (listed,) = say(school, "uT001", "/确认绑定 2021004")
    assert "1. 模拟「赵敏」账号 uzm（/绑定 申请）" in listed.text
    assert "2. 模拟「赵敏-小号」账号 ujoke（/绑定 申请）" in listed.text
    assert db.execute("SELECT count(*) FROM accounts WHERE confirmed = 0").fetchone() == (2,)
    # Others may not confirm: a classmate, a counselor of another grade.
    (classmate,) = say(school, "u2021002", "/确认绑定 2021004 uzm")
    assert "只能由本人、班长、辅导员确认" in classmate.text
    (other,) = say(school, "uT002", "/确认绑定 2021004 uzm")
    assert "不在你负责的范围内" in other.text
    # The monitor confirms one: the other is rejected and told; the counselor is told.
    sent = say(school, "u2021001", "/确认绑定 2021004 uzm")
    assert to(sent, "u2021001")[0].startswith("已确认 赵敏（2021004）的模拟「赵敏」账号 uzm")
    assert "同一学号的其他申请已作废：模拟「赵敏-小号」账号 ujoke" in to(sent, "u2021001")[0]
    assert to(sent, "ujoke") == ["你对学号 2021004 的绑定申请未通过；如有疑问请联系辅导员。"]
    (counselor,) = to(sent, "uT001")
    assert counselor.startswith("张三确认了") and "ujoke" in counselor
    assert dict(
        db.execute("SELECT account_id, confirmed FROM accounts WHERE person_id = '2021004'")
    ) == {"uzm": 1}
    (row,) = audit_rows(db, "bind_confirmed")
    assert (row["actor"], row["account"], row["rejected"]) == ("2021001", "sim:uzm", ["sim:ujoke"])


def test_a_student_confirms_their_own_second_account_from_a_confirmed_one(school):
    say(school, "uzm-pad", "/绑定 2021004 赵敏", name="赵敏的平板")
    (done,) = to(say(school, "u2021004", "/确认绑定 2021004 uzm-pad"), "u2021004")
    assert done.startswith("已确认 赵敏（2021004）的模拟「赵敏的平板」")
    (again,) = say(school, "u2021004", "/确认绑定 2021004 uzm-pad")
    assert again.text == "赵敏（2021004）没有待确认的账号。"


# -- 4. reports about someone else are 代报, visibly -----------------------------------------


@pytest.mark.parametrize("poster", ["ustranger", "u2021003"])  # unbound, or a bound classmate
def test_a_healthy_proxy_never_overwrites_the_students_own_fever(school, poster):
    db = school.db
    say(school, "u2021002", "李四 38.6 发烧", "g211")
    sent = say(school, poster, "李四 36.5 正常 在校", "g211", name="路人")
    row = stored(db, "2021002")
    assert (row["temperature"], row["abnormal"], row["author"], row["revision"]) == (
        38.6,
        1,
        "self",
        1,
    )
    assert in_group(sent) == ["李四今天已由本人报告，代报未采用；如有出入请联系辅导员。"]
    (note,) = to(sent, "uT001")
    assert note.startswith("【代报未采用】计科1班 李四（2021002）2月10日：")
    assert "代报「正常」，与本人报告（异常）不一致" in note
    # Only a counselor's /更正 changes it, and only her own students'.
    (refused,) = say(school, "uT002", "/更正 2021002 36.5 正常 在校")
    assert refused.text == "学号 2021002 不在你负责的范围内。"
    (refused,) = say(school, "u2021001", "/更正 2021002 36.5 正常 在校")  # the monitor: own only
    assert refused.text == "只能更正自己的报告；别人的报告请联系辅导员更正。"
    assert stored(db, "2021002")["abnormal"] == 1 and stored(db, "2021001") is None
    say(school, "uT001", "/更正 2021002 36.5 正常 在校")
    row = stored(db, "2021002")
    assert (row["abnormal"], row["author"], row["posted_by"]) == (0, "corrected", "T001")
    assert audit_rows(db, "correct_report")[0]["person"] == "2021002"


def test_a_proxy_that_turns_a_report_is_shown_to_the_counselor_and_the_student_asked(school):
    db = school.db
    sent = say(school, "u2021001", "赵敏 38.5 发烧", "g211")  # the monitor, for 赵敏
    (alert,) = to(sent, "uT001")
    assert alert.startswith("【异常】") and "（张三（班长）代报）" in alert
    (ask,) = to(sent, "u2021004")
    assert ask.startswith("【代报确认】张三（班长）替你报了2月10日的平安：38.5℃")
    assert all("38.5" not in t for t in in_group(sent))
    (listing,) = say(school, "uT001", "/异常")  # staff see it is a 代报
    assert "赵敏（计科1班）38.5℃" in listing.text and "（代报）" in listing.text
    sent = say(school, "u2021003", "赵敏 36.5 正常", "g211")  # another 代报 turns it normal
    (turned,) = to(sent, "uT001")
    assert turned.startswith(
        "【代报】计科1班 赵敏（2021004）2月10日：王五（宿舍长）代报后由「异常」改为「正常」"
    )
    row = stored(db, "2021004")
    assert (row["abnormal"], row["proxy"], row["posted_by"]) == (0, 1, "2021003")
    # The student's own report replaces any 代报.
    say(school, "u2021004", "36.6 正常 在校", "g211")
    row = stored(db, "2021004")
    assert (row["temperature"], row["proxy"], row["author"], row["posted_by"]) == (
        36.6,
        0,
        "self",
        None,
    )


def test_a_late_report_never_replaces_the_students_own(school):
    say(school, "u2021002", "38.6 发烧", "g211")
    (sent,) = say(school, "uT001", "/补报 2021002 36.5 正常")
    assert (
        sent.text
        == "李四（2021002）2月10日已有本人的报告，补报未采用。如需修改请用 /更正 2021002 内容"
    )
    assert stored(school.db, "2021002")["abnormal"] == 1


def test_chain_lines_by_another_account_are_proxies_and_reposts_flip_nothing(school):
    db = school.db
    say(school, "u2021002", "#接龙 2月10日体温\n1. 李四 38.6 发烧", "g211")
    assert stored(db, "2021002")["author"] == "self"
    # 张三 reposts with 李四's line edited to healthy, and adds 赵敏 and himself.
    edited = "#接龙 2月10日体温\n1. 李四 36.5 正常\n2. 赵敏 36.6 正常\n3. 张三 36.4 正常"
    sent = say(school, "u2021001", edited, "g211")
    li, zm, zs = (stored(db, p) for p in ("2021002", "2021004", "2021001"))
    assert (li["abnormal"], li["temperature"], li["author"]) == (1, 38.6, "self")
    assert (zm["author"], zm["proxy"], zm["posted_by"]) == ("proxy", 1, "2021001")
    assert (zs["author"], zs["proxy"]) == ("self", 0)
    assert any("李四今天已由本人报告" in t for t in in_group(sent))
    assert any(t.startswith("【代报未采用】计科1班 李四") for t in to(sent, "uT001"))
    (ask,) = to(sent, "u2021004")
    assert ask.startswith("【代报确认】张三（班长）替你报了")
    revisions = db.execute("SELECT person_id, revision FROM reports ORDER BY person_id").fetchall()
    # Reposting the same lists, by anyone, flips nothing, counts nothing twice, tells no one.
    before = last_outbox_id(db)
    say(school, "u2021003", edited + "\n4. 王五 36.5 正常", "g211")
    say(school, "u2021001", edited, "g211")
    assert (
        db.execute(
            "SELECT person_id, revision FROM reports"
            " WHERE person_id != '2021003' ORDER BY person_id"
        ).fetchall()
        == revisions
    )
    assert stored(db, "2021002")["abnormal"] == 1
    assert db.execute("SELECT count(*) FROM reports").fetchone() == (4,)
    later = [s for s in outbox(db, before) if s.chat_type == "private"]
    assert not later, [s.text for s in later]


# -- 14. /统计 and /未报 outside one's groups answer privately ----------------------------------


@pytest.mark.parametrize("command", ["/统计", "/未报"])
@pytest.mark.parametrize("who, chat", [("uT002", "g211"), ("u2021001", "g212")])
def test_status_asked_in_someone_elses_group_answers_privately(school, command, who, chat):
    report(school.db, "2022001", DAY)
    sent = say(school, who, command, chat)
    private = [s for s in sent if s.chat_type == "private"]
    group = [s for s in sent if s.chat_type == "group"]
    assert len(private) == 1 and private[0].target == who
    assert [g.text for g in group] == ["已私聊回复。"]


def test_status_in_ones_own_group_still_answers_there(school):
    (sent,) = say(school, "uT001", "/未报", "g211")
    assert sent.chat_type == "group" and sent.target == "g211"


def test_upgrading_takes_roles_from_staff_bindings_no_roster_made(tmp_path):
    """A database from before issue 12 may hold staff bound by a card or /绑定: the migration
    leaves them unconfirmed (an admin decides), and keeps roster and student bindings."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    before = MIGRATIONS.index(V_TRUST_REPORT_AUTHORS)
    for version, script in enumerate(MIGRATIONS[:before], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={version};\nCOMMIT;")
    stamp = "2020-02-01T08:00:00+08:00"
    conn.executescript(
        f"""
        INSERT INTO people (id, name, role, updated_at) VALUES
            ('T1', '周建国', '辅导员', '{stamp}'), ('T2', '黄海涛', '管理员', '{stamp}'),
            ('S1', '崔鹏飞', '学生', '{stamp}');
        INSERT INTO accounts (platform, account_id, person_id, source, created_at) VALUES
            ('qq', 'card', 'T1', 'member_list', '{stamp}'),
            ('qq', 'typed', 'T2', '/绑定', '{stamp}'),
            ('qq', 'roster', 'T1', 'roster', '{stamp}'),
            ('qq', 'student', 'S1', 'member_list', '{stamp}');
        INSERT INTO reports (person_id, day, source, posted_by, proxy, created_at, updated_at)
        VALUES ('S1', '2020-02-01', 'free', 'T1', 1, '{stamp}', '{stamp}');
        """
    )
    conn.close()
    db = open_db(path)
    confirmed = dict(db.execute("SELECT account_id, confirmed FROM accounts"))
    assert confirmed == {"card": 0, "typed": 0, "roster": 1, "student": 1}
    assert db.execute("SELECT author FROM reports").fetchone() == ("proxy",)
    assert not is_confirmed_staff_account(db, "qq", "card")
    assert is_confirmed_staff_account(db, "qq", "roster")
    db.close()


def test_a_pending_bind_is_confirmed_by_the_roster_listing_the_account(db, clock, tmp_path):
    import_roster(db, write_csv(tmp_path / "a.csv", BASE), now=clock.now())
    pipeline = Pipeline(db, Config(base_dir=tmp_path), clock)

    def private(text, n):
        pipeline.handle(
            IncomingMessage("qq", "private", "55555", "55555", "赵敏", text, f"m{n}", clock.now())
        )

    private("/绑定 1004 赵敏", 1)
    assert db.execute("SELECT confirmed FROM accounts WHERE account_id = '55555'").fetchone() == (
        0,
    )
    clock.advance(timedelta(minutes=1))
    listed = [
        *BASE[:-1],
        row("1004,赵敏,计算机学院,2021级,计科2班,5栋201,学生,,,55555,留校;湖北籍"),
    ]
    import_roster(db, write_csv(tmp_path / "b.csv", listed), now=clock.now())
    assert db.execute(
        "SELECT confirmed, source FROM accounts WHERE account_id = '55555'"
    ).fetchone() == (1, "roster")
    private("36.5 正常 在校", 2)
    assert stored(db, "1004")["author"] == "self"


def test_of_two_unconfirmed_claimants_neither_overwrites_the_other(school):
    """Both say they are 赵敏; neither is known to be her, so the first report stands until
    someone confirms one of them, and the counselor hears of the contradiction."""
    db = school.db
    unbind(db, "2021004")
    say(school, "uzm", "/绑定 2021004 赵敏", name="赵敏")
    say(school, "ujoke", "/绑定 2021004 赵敏", name="赵敏-小号")
    say(school, "uzm", "38.6 发烧", "g211", name="赵敏")
    sent = say(school, "ujoke", "36.5 正常 在校", "g211", name="赵敏-小号")
    row = stored(db, "2021004")
    assert (row["abnormal"], row["author"], row["posted_account"]) == (1, "unconfirmed", "sim:uzm")
    assert in_group(sent) == [
        "这个账号的绑定还没有确认，不能修改今天已有的报告；请班长或辅导员确认绑定。"
    ]
    (note,) = to(sent, "uT001")
    expected = "未确认账号「赵敏-小号」（模拟 ujoke）代报「正常」，与未确认账号的报告（异常）"
    assert expected in note
    # The same account may still correct itself.
    say(school, "uzm", "37.0 正常", "g211", name="赵敏")
    assert stored(db, "2021004")["abnormal"] == 0


def test_a_claimant_reporting_first_gets_the_student_asked_and_cannot_hide_a_fever(school):
    """Posing as a classmate who has not reported yet: the report counts as unconfirmed, the
    student is asked on their own account, and their own report wins."""
    db = school.db
    say(school, "uspy", "/绑定 2021004 赵敏", name="赵敏")
    sent = say(school, "uspy", "36.5 正常 在校", "g211", name="赵敏")
    assert stored(db, "2021004")["author"] == "unconfirmed"
    (ask,) = to(sent, "u2021004")
    assert ask.startswith("【代报确认】未确认账号「赵敏」（模拟 uspy）替你报了2月10日的平安")
    sent = say(school, "u2021004", "38.6 发烧", "g211")
    row = stored(db, "2021004")
    assert (row["abnormal"], row["author"], row["posted_account"]) == (1, "self", "sim:u2021004")
    (turned,) = [t for t in to(sent, "uT001") if t.startswith("【异常】")]
    assert "代报" not in turned  # the student's own report


def test_the_counselors_chain_view_marks_a_line_an_unbound_account_wrote(school):
    say(school, "ustranger", "#接龙 2月10日体温\n1. 李四 36.5 正常\n2. 赵敏 36.6 正常", "g211")
    say(school, "u2021004", "#接龙 2月10日体温\n1. 李四 36.5 正常\n2. 赵敏 36.7 正常", "g211")
    (view,) = say(school, "uT001", "/接龙 计科1班", "c21")
    lines = view.text.splitlines()
    assert any(ln.startswith("1. 李四 36.5 正常【代报】") for ln in lines), view.text
    assert any(ln == "2. 赵敏 36.7 正常" for ln in lines), view.text  # her own line


def test_a_list_sent_privately_is_proxies_too_and_changes_no_existing_report(school):
    db = school.db
    say(school, "u2021002", "李四 38.6 发烧", "g211")
    say(school, "u2021003", "1. 李四 36.5 正常\n2. 赵敏 36.6 正常\n3. 王五 36.4 正常")
    li, zm, ww = (stored(db, p) for p in ("2021002", "2021004", "2021003"))
    assert (li["abnormal"], li["author"], li["revision"]) == (1, "self", 1)
    assert (zm["author"], zm["posted_by"], zm["posted_account"]) == (
        "proxy",
        "2021003",
        "sim:u2021003",
    )
    assert (ww["author"], ww["proxy"]) == ("self", 0)
