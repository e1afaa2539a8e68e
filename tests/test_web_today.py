"""The Today page: the numbers, names and marks a counselor reads, per node and date."""

from __future__ import annotations

import json
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import create_web_app
from core.config import Config
from tests.web_helpers import DAY, log_in, seed_school, token_for


@pytest.fixture
def school(db):
    return seed_school(db)


async def _client_as(db, clock, person_id: str) -> TestClient:
    client = TestClient(TestServer(create_web_app(db, Config(), clock)))
    await client.start_server()
    token = token_for(db, person_id, clock.now())
    await log_in(client, token)
    return client


@pytest.fixture
async def counselor(db, clock, school):
    client = await _client_as(db, clock, "T01")
    yield client
    await client.close()


def stat(html: str, name: str) -> str:
    return re.search(rf'id="stat-{name}"><b>([^<]+)</b>', html).group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_grade_page_counts_and_children(counselor, school):
    html = await (await counselor.get(f"/today?date={DAY}")).text()
    # 计科1班 4/5 with one more on leave, 计科2班 4/4: 8 of 9 expected.
    assert stat(html, "reported") == "8"
    assert stat(html, "expected") == "9"  # 11 students, 孙七 on leave
    assert stat(html, "missing") == "1"
    assert stat(html, "leave") == "1"
    assert stat(html, "abnormal") == "1"
    assert stat(html, "percent") == "89%"
    rows = text_of(html)
    assert "计科1班 班级 4/5 1 1 1 80%" in rows
    assert "计科2班 班级 4/4 0 0 0 100%" in rows
    assert "赵六" in rows  # the missing name, grouped under its class
    assert "李四" in rows and "37.8℃" in rows and "发热、咳嗽" in rows
    assert "湖北 居家隔离" in rows


async def test_class_page_lists_everyone_with_time_and_marks(counselor, school):
    html = await (await counselor.get(f"/today?node={school['c1']}&date={DAY}")).text()
    text = text_of(html)
    assert stat(html, "percent") == "80%"
    assert "张三 S101 已报 07:12" in text
    assert "王五 S103 已报 08:05" in text and "代报·张三" in text
    assert "钱八 S106 已报 15:20" in text and "补报" in text
    assert "孙七 S105 请假 （病假）" in text
    assert "赵六 S104 未报" in text
    # the breadcrumb goes up to the counselor's grade, not to the college above it
    assert f'href="/today?node={school["g21"]}&amp;date={DAY}">2021级' in html
    assert f"node={school['cs']}&" not in html


async def test_another_date_shows_that_day(counselor, school):
    html = await (await counselor.get(f"/today?node={school['c1']}&date=2020-02-09")).text()
    assert stat(html, "reported") == "0"
    assert stat(html, "missing") == "5"  # 孙七's leave started on the 9th
    resp = await counselor.get("/today?date=10/02/2020")
    assert resp.status == 400
    assert "日期应写成" in await resp.text()


async def test_a_class_monitor_sees_who_is_missing_but_no_health_details(db, clock, school):
    client = await _client_as(db, clock, "S101")
    try:
        html = await (await client.get(f"/today?date={DAY}")).text()
    finally:
        await client.close()
    text = text_of(html)
    assert "赵六 S104 未报" in text
    assert "37.8" not in text and "发热" not in text and "异常" not in text


async def test_admin_top_page_lists_colleges(db, clock, school):
    client = await _client_as(db, clock, "A01")
    try:
        html = await (await client.get(f"/today?date={DAY}")).text()
    finally:
        await client.close()
    text = text_of(html)
    assert "计算机学院 学院 8/9" in text
    assert "数学学院 学院 1/3" in text
    assert stat(html, "reported") == "9"


async def test_the_json_api_for_scripts(db, clock, school):
    token = token_for(db, "T01", clock.now())
    async with TestClient(TestServer(create_web_app(db, Config(), clock))) as client:
        assert (await client.get("/api/today")).status == 401
        bearer = {"Authorization": f"Bearer {token}"}
        resp = await client.get(f"/api/today?node={school['c1']}&date={DAY}", headers=bearer)
        data = await resp.json()
        assert data["node"]["path"] == "计算机学院/2021级/计科1班"
        assert data["counts"] == {
            "expected": 5, "reported": 4, "missing": 1, "on_leave": 1, "abnormal": 1, "rate": 0.8
        }  # fmt: skip
        assert data["missing"] == [
            {"id": "S104", "name": "赵六", "class": "计算机学院/2021级/计科1班"}
        ]
        assert data["abnormal"][0]["temperature"] == 37.8
        assert data["abnormal"][0]["symptoms"] == ["发热", "咳嗽"]
        resp = await client.get(f"/api/today?node={school['m1']}", headers=bearer)
        assert resp.status == 403
        assert "不在你的负责范围内" in (await resp.json())["detail"]


async def test_the_json_api_keeps_health_details_from_a_monitor(db, clock, school):
    token = token_for(db, "S101", clock.now())
    async with TestClient(TestServer(create_web_app(db, Config(), clock))) as client:
        resp = await client.get(
            f"/api/today?date={DAY}", headers={"Authorization": f"Bearer {token}"}
        )
        data = await resp.json()
    assert data["counts"]["reported"] == 4 and data["counts"]["abnormal"] is None
    assert "abnormal" not in data
    assert "37.8" not in json.dumps(data)


async def test_a_proxy_by_an_unbound_account_shows_the_account(counselor, school, db):
    """Issue 12: whoever posted a 代报 is named to staff, a person or else the account."""
    with db.atomic():
        db.execute(
            "UPDATE reports SET posted_by = NULL, posted_account = 'qq:66666'"
            " WHERE person_id = 'S103'"
        )
    html = await (await counselor.get(f"/today?node={school['c1']}&date={DAY}")).text()
    assert "代报·qq:66666" in text_of(html)
