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
