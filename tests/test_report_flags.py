"""Flags a counselor needs: 迟报 after the window, a report that contradicts itself or the
student's key group — in the summaries, the dashboard and the ledger; the student is asked
privately, the group hears nothing of it."""

from __future__ import annotations

from datetime import datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import create_web_app
from schedules import Deps, summarize
from storage.ledger import load
from storage.ledger_xlsx import day_cells
from storage.tokens import create_token
from tests.commands_helpers import C21_1, G21, School
from tests.conftest import TZ
from tests.schedules_helpers import opened
from tests.school_factory import node_id
from tests.web_helpers import log_in

DAY = "2020-02-10"


@pytest.fixture
def school(db, clock, tmp_path):
    return School(db, clock, tmp_path)


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{DAY}T{hhmm}:00").replace(tzinfo=TZ)


def flags(db) -> dict[tuple[str, str], str]:
    return {
        (pid, flag): detail
        for pid, flag, detail in db.execute("SELECT person_id, flag, detail FROM report_flags")
    }


def summaries(school: School) -> dict[str, str]:
    """Tonight's summaries as the counselor chat receives them, by node path."""
    opened(school.db, DAY, C21_1)
    school.clock.set(at("21:00"))
    ids = [node_id(school.db, p) for p in (C21_1, G21)]
    before = school.db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
    summarize(Deps(school.db, school.config, school.clock), DAY, ids)
    rows = school.db.execute(
        "SELECT target, text FROM outbox WHERE id > ? ORDER BY id", [before]
    ).fetchall()
    assert {target for target, _ in rows} == {"c21"}
    return {
        text.splitlines()[0].removeprefix("【平安报告日报】").split()[0]: text for _, text in rows
    }


async def class_page(school: School, person_id: str) -> str:
    with school.db.atomic():
        token = create_token(school.db, person_id, school.clock.now())[1]
    async with TestClient(TestServer(create_web_app(school.db, school.config, school.clock))) as c:
        await log_in(c, token)
        resp = await c.get(f"/today?node={node_id(school.db, C21_1)}&date={DAY}")
        assert resp.status == 200
        return await resp.text()


async def test_a_report_after_the_window_is_marked_late_everywhere(school):
    opened(school.db, DAY, C21_1)
    school.clock.set(at("09:00"))
    school.say("2021001", "张三 36.5 正常 在校", "g211")
    school.clock.set(at("15:20"))
    sent = school.say("2021002", "李四 36.6 正常 在校", "g211")
    assert all("迟报" not in s.text for s in sent)  # nothing said about it in the group
    assert flags(school.db) == {("2021002", "late"): "14:00 截止后 15:20 报"}

    ledger = load(school.db, [DAY], {node_id(school.db, C21_1)})
    assert day_cells(ledger, "2021002", DAY)[4] == "迟报（14:00 截止后 15:20 报）"
    assert day_cells(ledger, "2021001", DAY)[4] is None

    page = await class_page(school, "T001")
    row = page[page.index('data-person="2021002"') :].split("</tr>")[0]
    assert "迟报" in row
    assert "迟报" not in page[page.index('data-person="2021001"') :].split("</tr>")[0]

    text = summaries(school)[C21_1]
    assert "迟报（截止后才报）：李四" in text


async def test_a_fever_with_a_normal_temperature_is_asked_about_privately(school):
    school.clock.set(at("09:00"))
    sent = school.say("2021002", "李四 36.2 发烧 在校", "g211")
    question = [s for s in sent if s.chat_type == "private" and "有没有发热" in s.text]
    assert [q.target for q in question] == ["u2021002"]
    assert all("36.2" not in s.text for s in sent if s.chat_type == "group")
    assert flags(school.db)[("2021002", "contradiction")] == "体温 36.2℃ 却报发热"
    school.clock.set(at("09:30"))
    again = school.say("2021002", "李四 36.2 发烧 在校", "g211")
    assert not [s for s in again if "有没有发热" in s.text]  # asked once
    assert "待核实：体温 36.2℃ 却报发热" in await class_page(school, "T001")
    assert "待核实：计科1班 李四 体温 36.2℃ 却报发热" in summaries(school)[G21]

    school.say("2021002", "/更正 36.6 正常 在校")
    assert ("2021002", "contradiction") not in flags(school.db)


async def test_a_report_against_the_key_group_is_flagged(school):
    school.db.execute(
        "INSERT INTO tags (person_id, tag, start_day, period_days)"
        " VALUES ('2021001', '留校', ?, 0)",
        ["2020-02-01"],
    )
    school.clock.set(at("09:00"))
    sent = school.say("2021001", "张三 36.5 正常 在家 河北", "g211")
    (question,) = [s for s in sent if s.chat_type == "private" and "不一致" in s.text]
    assert question.target == "u2021001" and "留校，但报在家 河北" in question.text
    assert flags(school.db)[("2021001", "tag_conflict")] == "留校，但报在家 河北"
    page = await class_page(school, "T001")
    assert "待核实：留校，但报在家 河北" in page
    monitor_page = await class_page(school, "2021001")  # the 班长 sees no health matter
    assert "待核实" not in monitor_page
    assert "待核实：计科1班 张三 留校，但报在家 河北" in summaries(school)[G21]


def test_chain_lines_are_flagged_and_the_student_not_the_poster_is_asked(school):
    opened(school.db, DAY, C21_1)
    school.clock.set(at("15:10"))
    sent = school.say(
        "2021001", "#接龙 平安报告\n1. 张三 36.5 正常 在校\n2. 李四 36.2 发烧 在校", "g211"
    )
    assert [s.target for s in sent if "有没有发热" in s.text] == ["u2021002"]
    assert flags(school.db) == {
        ("2021001", "late"): "14:00 截止后 15:10 报",
        ("2021002", "late"): "14:00 截止后 15:10 报",
        ("2021002", "contradiction"): "体温 36.2℃ 却报发热",
    }


def test_no_late_mark_on_a_day_the_bot_never_opened(school):
    school.clock.set(at("15:10"))
    school.say("2021002", "李四 36.6 正常 在校", "g211")
    assert flags(school.db) == {}
