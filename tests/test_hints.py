"""A reply that looks like an attempt at a check-in but is not a complete one gets one short
private hint naming what the config requires and the message lacked; the group hears
nothing, and the nag still names exactly those without a report."""

from __future__ import annotations

from datetime import datetime

import pytest

from schedules import Deps, nag
from tests.commands_helpers import C21_1, School
from tests.conftest import TZ
from tests.schedules_helpers import opened
from tests.school_factory import add_report as report
from tests.school_factory import node_id

DAY = "2020-02-10"


@pytest.fixture
def school(db, clock, tmp_path):
    clock.set(datetime(2020, 2, 10, 9, 0, tzinfo=TZ))
    return School(db, clock, tmp_path)


def private_to(sent, account: str) -> list[str]:
    return [s.text for s in sent if s.chat_type == "private" and s.target == account]


def test_a_monitors_bare_done_gets_a_hint_and_the_nag_still_names_him(school):
    sent = school.say("2021001", "已报", "g211")
    (hint,) = private_to(sent, "u2021001")
    assert "只回复「已报」系统记不上" in hint and "张三 36.5 正常 在校" in hint
    assert not [s for s in sent if s.chat_type == "group"]
    assert school.db.execute("SELECT count(*) FROM reports").fetchone() == (0,)
    report(school.db, "2021002", DAY)  # 李四 did report
    opened(school.db, DAY, C21_1)
    school.clock.set(datetime(2020, 2, 10, 10, 0, tzinfo=TZ))
    nag(Deps(school.db, school.config, school.clock), DAY, [node_id(school.db, C21_1)], 1)
    group = school.db.execute(
        "SELECT text FROM outbox WHERE chat_type = 'group' AND target = 'g211'"
    ).fetchall()
    assert group and "张三" in group[0][0] and "李四" not in group[0][0]


def test_done_from_someone_who_reported_is_true_and_gets_nothing(school):
    report(school.db, "2021002", DAY)
    assert school.say("2021002", "我已经报了", "g211") == []


def test_a_bare_whereabouts_names_what_is_missing(school):
    sent = school.say("2021002", "在家", "g211")
    (hint,) = private_to(sent, "u2021002")
    assert "还缺体温或身体状况" in hint
    assert school.say("2021002", "在家呢", "g211") == []  # one hint a day


def test_the_hint_follows_what_the_config_requires(school):
    school.config.checkin.report_requires = ["temperature", "health", "place"]
    sent = school.say("2021002", "李四 正常", "g211")
    (hint,) = private_to(sent, "u2021002")
    assert "还缺体温（如 36.5）、所在地（在校，或在家及城市）～" in hint
    row = school.db.execute("SELECT abnormal FROM reports WHERE person_id = '2021002'").fetchone()
    assert row == (0,)  # what was read is kept
    # the rest completes it: no second hint
    assert private_to(school.say("2021002", "李四 36.6 正常 在校", "g211"), "u2021002") == []


def test_a_complete_report_under_the_default_gets_no_hint(school):
    sent = school.say("2021002", "李四 36.5 正常", "g211")
    assert private_to(sent, "u2021002") == []


@pytest.mark.parametrize("text", ["收到", "好的老师", "今天几点截止？", "哈哈哈"])
def test_chatter_gets_no_hint(school, text):
    assert school.say("2021002", text, "g211") == []
