"""The dashboard with two schools and a provincial account, in a real headless Chromium."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestServer

from bot.web import create_web_app
from core.clock import FakeClock
from core.config import Config
from tests.browser_helpers import needs_chromium
from tests.schools_helpers import DAY, DEFAULT, NAMES, OTHER, import_two_schools
from tests.web_helpers import token_for

pytestmark = needs_chromium
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def server(db, tmp_path):
    clock = FakeClock(datetime(2020, 2, 10, 12, 0, tzinfo=TZ))
    import_two_schools(db, tmp_path, clock.now())
    srv = TestServer(create_web_app(db, Config(school=DEFAULT), clock), host="127.0.0.1")
    await srv.start_server()
    srv.clock = clock
    yield srv
    await srv.close()


async def log_in(browser, server, db, person_id):
    token = token_for(db, person_id, server.clock.now())
    await browser.open(str(server.make_url(f"/login?token={token}")))
    await browser.click("#confirm-login")


def node(db, path):
    return db.execute("SELECT id FROM nodes WHERE path = ?", [path]).fetchone()[0]


async def test_the_province_page_shows_counts_per_school_and_no_names(browser, server, db):
    await log_in(browser, server, db, "P01")
    assert await browser.wait_text("h1", "全省") == f"全省 {DAY}"
    rows = await browser.texts("#province tbody tr")
    assert [r.split() for r in rows] == [
        [DEFAULT, "3", "2", "1", "1"],
        [OTHER, "2", "1", "1", "1"],
        ["全省", "5", "3", "2", "2"],
    ]
    page = await browser.text("body")
    assert not any(name in page for name in NAMES if name != "钱省级")  # only their own name
    assert await browser.texts("nav.tabs a") == ["全省"]
    for path in ("/today", "/groups", "/downloads", f"/today?node={node(db, '计算机学院')}"):
        await browser.open(str(server.make_url(path)))
        assert await browser.text("h1") == "没有权限 (403)"
        assert "省级账号只能查看各校的汇总人数" in await browser.text(".error p")
        body = await browser.text("body")
        assert not any(name in body for name in NAMES if name != "钱省级")


async def test_a_school_admin_sees_only_their_school(browser, server, db):
    await log_in(browser, server, db, "B01")
    await browser.wait_text("header .who span", "乙管理")  # logged in, on the landing page
    body = await browser.text("body")
    assert "计算机学院" in body and "文学院" in body and "王五岳" not in body
    ours = node(db, "计算机学院/2021级/计科1班")  # 平安大学's class of the same name
    for path in (
        f"/today?node={ours}",
        f"/trend?node={ours}",
        f"/downloads/ledger.xlsx?node={ours}&from={DAY}&to={DAY}",
        "/province",
    ):
        await browser.open(str(server.make_url(path)))
        assert await browser.text("h1") == "没有权限 (403)", path
        assert "王五岳" not in await browser.text("body")
    theirs = node(db, f"{OTHER}/计算机学院/2021级/计科1班")
    await browser.open(str(server.make_url(f"/today?node={theirs}")))
    assert "孙七星" in await browser.wait_text("body", "孙七星")
