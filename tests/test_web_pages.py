"""Trend, key groups, broadcasts and downloads: what each page shows, for whom."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Config
from bot.web import create_web_app
from tests.web_helpers import DAY, seed_school, token_for


@pytest.fixture
def school(db):
    return seed_school(db)


@pytest.fixture
async def counselor(db, clock, school):
    client = TestClient(TestServer(create_web_app(db, Config(), clock)))
    await client.start_server()
    await client.get(f"/login?token={token_for(db, 'T01', clock.now())}", allow_redirects=False)
    yield client
    await client.close()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_trend_shows_each_day_and_a_server_side_chart(counselor, school):
    resp = await counselor.get(f"/trend?date={DAY}&days=14")
    assert resp.status == 200
    html = await resp.text()
    text = text_of(html)
    assert "近 14 天" in text
    assert f"{DAY} 8/10 1 1 89% 1" in text
    assert "2020-02-09 0/10 9 1 0% 0" in text  # 孙七's leave began on the 9th
    assert html.count('<tr data-day="') == 14
    assert "<svg" in html and "<polyline" in html and 'class="abnormal-bar"' in html
    assert "计科1班" in text and "计科2班" in text
    html30 = await (await counselor.get(f"/trend?date={DAY}&days=30")).text()
    assert html30.count('<tr data-day="') == 30


async def test_trend_of_a_node_out_of_scope_is_refused(counselor, school):
    resp = await counselor.get(f"/trend?node={school['m1']}")
    assert resp.status == 403


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def test_key_groups_ledger_with_day_n_and_open_cases(counselor, school):
    html = await (await counselor.get(f"/groups?date={DAY}")).text()
    text = text_of(html)
    assert "湖北籍 1 人" in text and "留校 1 人" in text
    assert (
        "李四 S102 计算机学院/2021级/计科1班 第6/14天 至 02-18 已报 37.8℃ 异常 发热、咳嗽" in text
    )
    assert "赵六 S104 计算机学院/2021级/计科1班 第22天 未报" in text
    assert "陈甲" not in text  # another college's student
    assert "#1 李四 S102" in text and "37.8℃ 发热" in text


async def test_closing_a_case_needs_csrf_and_a_note(counselor, db, school):
    html = await (await counselor.get("/groups")).text()
    resp = await counselor.post("/groups/cases/1/close", data={"note": "已退烧"})
    assert resp.status == 403
    resp = await counselor.post("/groups/cases/1/close", data={"csrf": csrf_of(html), "note": ""})
    assert resp.status == 400
    resp = await counselor.post(
        "/groups/cases/1/close",
        data={"csrf": csrf_of(html), "note": "已退烧，复查正常"},
        allow_redirects=False,
    )
    assert resp.status == 303
    row = db.execute("SELECT status, closed_by, close_note FROM cases WHERE id = 1").fetchone()
    assert row == ("closed", "T01", "已退烧，复查正常")
    audit = db.execute("SELECT actor, action FROM audit_log WHERE action = 'case_closed'")
    assert audit.fetchall() == [("T01", "case_closed")]
    assert "没有进行中的异常跟踪" in await (await counselor.get("/groups")).text()


async def test_a_case_outside_the_scope_cannot_be_closed(db, clock, school):
    with db.conn:
        db.execute(
            "INSERT INTO cases (person_id, opened_day, opened_at, reason, last_abnormal_day)"
            " VALUES ('M301', ?, ?, '发热', ?)",
            [DAY, "2020-02-10T07:30:00+08:00", DAY],
        )
    client = TestClient(TestServer(create_web_app(db, Config(), clock)))
    await client.start_server()
    try:
        await client.get(f"/login?token={token_for(db, 'T01', clock.now())}")
        csrf = csrf_of(await (await client.get("/groups")).text())
        resp = await client.post("/groups/cases/2/close", data={"csrf": csrf, "note": "x"})
        assert resp.status == 403
    finally:
        await client.close()
    assert db.execute("SELECT status FROM cases WHERE id = 2").fetchone()[0] == "open"
