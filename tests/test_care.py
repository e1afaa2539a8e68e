"""心理关怀: distress in a private message or a check-in gets one kind private reply a day;
words of self-harm page the counselor, the duty counselor and the psychologist and open a 心理
case that only they can read; all of it audited without the message text and purged."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import pytest

from core.config import Care, Config, Webhook
from handlers.care import Lexicon
from handlers.care.evaluate import evaluate, read_corpus
from handlers.pipeline import Pipeline
from storage.retention import purge
from tests.commands_helpers import STAMP, School, audit_rows
from tests.conftest import REPO, TZ

CORPUS = REPO / "tests" / "corpus" / "care.jsonl"
HOTLINE = "希望24热线 400-161-9995"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ)


@pytest.fixture
def school(db, clock, tmp_path):
    school = School(db, clock, tmp_path)
    with db.atomic():
        db.execute(
            "INSERT INTO people (id, name, role, updated_at) VALUES (?, ?, ?, ?)",
            ["P001", "何老师", "心理老师", STAMP],
        )
        db.execute(
            "INSERT INTO accounts (platform, account_id, person_id, display_name, created_at)"
            " VALUES ('sim', 'uP001', 'P001', '何老师', ?)",
            [STAMP],
        )
        db.execute("INSERT INTO duty_roster (day, counselor_id) VALUES ('2020-02-10', 'D001')")
    school.pipeline = Pipeline(db, school.config, clock)  # a directory that knows P001
    clock.set(at("2020-02-10", "08:30"))
    return school


@pytest.mark.parametrize(
    "text,level",
    [
        ("最近很焦虑，晚上睡不着", "distress"),
        ("36.5 正常 不焦虑", None),
        ("没有失眠，睡得挺好", None),
        ("并不觉得焦虑", None),
        ("今天做服务器压力测试", None),
        ("电脑崩溃了", None),
        ("笑到想哭", None),
        ("不知道为什么，很焦虑", "distress"),
        ("这几天特别焦虑", "distress"),  # the 别 of 特别 is no negation
        ("别焦虑", None),
        ("活着没什么意思，不想活了", "self_harm"),
        ("从未有过自杀的想法", None),
    ],
)
def test_the_lexicon_reads_distress_with_negation_and_everyday_uses(text, level):
    assert Lexicon().read(text).level == level


def test_config_words_extend_the_lexicon_as_plain_text():
    lexicon = Lexicon(distress=["emo了"], everyday=["焦虑指数"], self_harm=["不想醒来"])
    assert lexicon.read("这两天有点emo了").level == "distress"
    assert lexicon.read("焦虑指数统计表").level is None
    assert lexicon.read("有时候不想醒来").level == "self_harm"
    assert Lexicon(distress=["a.c"]).read("abc").level is None  # not a regular expression


def test_distress_in_a_private_message_gets_one_kind_private_reply(school):
    (reply,) = school.say("2021002", "老师，最近压力好大，天天失眠")
    assert (reply.chat_type, reply.target) == ("private", "u2021002")
    assert reply.text.startswith("李四同学，这段时间辛苦了。")
    assert HOTLINE in reply.text and "北京心理危机研究与干预中心 010-82951332" in reply.text
    assert "你的辅导员陈老师（模拟 uT001）也随时愿意听你说。" in reply.text
    assert school.say("2021002", "还是睡不着") == []  # one caring reply a day
    (row,) = audit_rows(school.db, "care_reply")
    assert row == {
        "actor": None,  # sealed for good: the student is named only in the redactable detail
        "person": "2021002",
        "action": "care_reply",
        "level": "distress",
        "chat": "private",
    }
    school.clock.set(at("2020-02-11", "22:00"))
    assert len(school.say("2021002", "还是睡不着")) == 1  # a new day


def test_a_check_in_in_a_class_group_is_stored_and_answered_privately_only(school):
    sent = school.say("2021004", "赵敏 36.5 正常 在校 最近很焦虑", "g211")
    assert [(s.chat_type, s.target) for s in sent] == [("private", "u2021004")]
    assert HOTLINE in sent[0].text
    stored = school.db.execute(
        "SELECT temperature FROM reports WHERE person_id = '2021004' AND day = '2020-02-10'"
    ).fetchone()
    assert stored == (36.5,)


def test_negated_and_everyday_words_get_no_reply(school):
    assert school.say("2021002", "36.5 正常 不焦虑 没有失眠") == []
    assert school.say("2021002", "明天做压力测试吗") == []
    assert school.say("2021002", "大家别崩溃，坚持就是胜利", "g211") == []
    assert audit_rows(school.db, "care_reply") == []


def test_distress_in_group_chatter_is_not_read(school):
    """Only check-ins are read in groups: a student's chatter there is not the bot's to answer."""
    assert school.say("2021002", "我好焦虑", "g211") == []


def test_self_harm_pages_counselor_duty_counselor_and_psychologist_and_opens_a_case(school):
    school.config.ops.webhooks = [
        Webhook(name="值班机器人", kind="wecom", url="http://127.0.0.1:9/send?key=k"),
        Webhook(name="通报群", kind="dingtalk", url="http://127.0.0.1:9/robot", alerts=False),
    ]
    sent = school.say("2021002", "真的不想活了")
    alerts = school.db.execute(
        "SELECT target, text FROM outbox WHERE platform = 'webhook'"
    ).fetchall()
    sent = [s for s in sent if s.target != "值班机器人"]  # the robot's alert: checked below
    by_target = {s.target: s for s in sent}
    assert set(by_target) == {"u2021002", "uT001", "uD001", "uP001"}  # never the admin
    assert all(s.chat_type == "private" for s in sent)
    page = by_target["uP001"].text
    assert page.startswith("【心理预警·请立即联系】计科1班 李四（2021002）")
    assert "心理 #1" in page and "不想活" not in page  # the words themselves are not repeated
    student = by_target["u2021002"].text
    assert HOTLINE in student and "110 或 120" in student and "陈老师" in student
    assert alerts == [  # the alert robot only, with no name in it
        (
            "值班机器人",
            "【心理预警】心理 #1：一名学生需要立即关注，已通知辅导员、值班辅导员和心理老师。",
        )
    ]
    assert school.db.execute("SELECT person_id, kind, status FROM care_cases").fetchall() == [
        ("2021002", "心理", "open")
    ]
    (page_row,) = audit_rows(school.db, "care_page")
    assert page_row["paged"] == ["T001", "D001", "P001"] and page_row["routes"] == 1
    # The same day: no second page, no second reply.
    assert school.say("2021002", "想死") == []


def test_self_harm_after_a_distress_reply_still_pages_and_gets_its_reply(school):
    assert len(school.say("2021002", "好焦虑")) == 1
    sent = school.say("2021002", "我想自杀")
    assert {s.target for s in sent} == {"u2021002", "uT001", "uD001", "uP001"}


def test_only_counselor_duty_counselor_and_psychologist_read_the_case(school):
    school.say("2021002", "不想活了")
    listing = "#1 计科1班 李四（2021002）2月10日起，最近 2月10日"
    for reader in ("P001", "T001", "D001"):
        (answer,) = school.say(reader, "/关怀")
        assert answer.chat_type == "private" and listing in answer.text, reader
    (other,) = school.say("T002", "/关怀")  # the other grade's counselor
    assert other.text == "目前没有你负责的进行中心理跟踪。"
    (admin,) = school.say("A001", "/关怀")
    assert admin.text.startswith("/关怀 仅限辅导员、值班辅导员、心理老师使用。")
    school.clock.set(at("2020-02-11", "09:00"))  # D001 is not on duty on the 11th
    assert school.say("D001", "/关怀")[0].text == "目前没有你负责的进行中心理跟踪。"
    in_group = school.say("T001", "/关怀", "c21")
    assert [s.chat_type for s in in_group] == ["group", "private"]
    assert "李四" not in in_group[0].text
    (closed,) = school.say("P001", "/关怀 结案 1 已面谈，转介校医院心理科")
    assert closed.text == "心理跟踪 #1 已结案。"
    assert school.db.execute("SELECT status, closed_by FROM care_cases").fetchone() == (
        "closed",
        "P001",
    )


def test_an_unbound_account_is_answered_and_paged_without_a_case(school):
    sent = school.say("u999", "不想活了")
    assert {s.target for s in sent} == {"u999", "uD001", "uP001"}
    assert "未绑定账号 sim:u999" in next(s.text for s in sent if s.target == "uP001")
    assert school.db.execute("SELECT count(*) FROM care_cases").fetchone() == (0,)


def test_care_can_be_turned_off(school):
    school.pipeline = Pipeline(
        school.db, Config(base_dir=school.config.base_dir, care=Care(enabled=False)), school.clock
    )
    assert school.say("2021002", "好焦虑") == []


def test_the_retention_purge_removes_closed_cases_and_care_audit_rows(school):
    school.say("2021002", "不想活了")
    school.say("2021004", "好焦虑")
    school.say("P001", "/关怀 结案 1 已面谈")
    school.clock.set(at("2020-02-11", "10:00"))
    school.say("2021101", "不想活了")  # still open, and newer than the cutoff anyway
    with school.db.atomic():
        removed = purge(school.db, date(2020, 2, 11), TZ)
    assert removed["care_cases"] == 1
    assert school.db.execute("SELECT person_id FROM care_cases").fetchall() == [("2021101",)]
    care_rows = [r for r in audit_rows(school.db) if r["action"] in ("care_reply", "care_page")]
    named = [r for r in care_rows if "2021002" in str(r) or "2021004" in str(r)]
    assert care_rows and named == []  # the rows stay (append-only), their student is gone
    assert any(r.get("person") == "2021101" for r in care_rows)
    assert all(r["actor"] is None for r in care_rows)


def test_the_corpus_has_100_messages_with_a_blind_part_of_40():
    rows = read_corpus(CORPUS)
    assert len(rows) == 100 and sum(r["part"] == "blind" for r in rows) == 40
    labels = {r["label"] for r in rows}
    assert labels == {"none", "distress", "self_harm"}


def test_the_lexicon_scores_on_the_corpus():
    parts = evaluate(Lexicon(), read_corpus(CORPUS))
    assert parts["dev"].flagged.precision == 1.0 and parts["dev"].flagged.recall == 1.0
    assert parts["blind"].flagged.precision >= 0.9 and parts["blind"].flagged.recall >= 0.9
    assert parts["all"].self_harm.recall == 1.0  # a missed self-harm message is the worst miss


def test_pingan_care_eval_prints_the_blind_figures_first():
    out = subprocess.run(
        [sys.executable, "-m", "bot", "care", "--eval"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    first = out.splitlines()[0]
    assert first.startswith("blind: 40 messages; distress flagged precision")
    assert "dev: 60 messages" in out and "all: 100 messages" in out
