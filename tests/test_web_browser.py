"""The dashboard in a real headless Chromium: log in with a token and read the numbers."""

from __future__ import annotations

from datetime import datetime

import pytest
from aiohttp.test_utils import TestServer

from bot.adapters.sim.demo import run_demo
from bot.web import create_web_app, sim_url
from core.clock import FakeClock
from core.config import Config, load_config
from storage.db import open_db
from tests.browser_helpers import (
    DESKTOP,
    NARROW,
    PHONE,
    Browser,
    needs_chromium,
    screenshot_dir,
)
from tests.web_helpers import DAY, REPO, seed_school, sim_stack, token_for

pytestmark = needs_chromium


@pytest.fixture
async def server(db, clock):
    seed_school(db)
    srv = TestServer(create_web_app(db, Config(), clock), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_counselor_logs_in_and_reads_a_class(browser, server, db, clock, tmp_path):
    token = token_for(db, "T01", clock.now())
    await browser.open(str(server.make_url(f"/login?token={token}")))
    assert await browser.text("h1") == "登录平安报告看板"  # the link alone logs nobody in
    await browser.click("#confirm-login")
    assert await browser.wait_text("h1", "2021级") == "计算机学院/2021级"  # the counselor's grade
    assert "token" not in browser.url  # the token left the address bar
    assert await browser.text("header .who button") == "退出"
    assert await browser.text(".sub") == f"{DAY}（今天）"
    assert await browser.text("#stat-percent b") == "89%"
    await browser.click('.datepick a[aria-label="前一天"]')
    await browser.wait_text(".sub", "2020-02-09")  # clicks navigate: wait for the new page
    assert await browser.text("#stat-reported b") == "0"
    await browser.click('.datepick a[aria-label="后一天"]')
    await browser.wait_text(".sub", f"{DAY}（今天）")
    await browser.click("table.nodes a")  # drill down into 计科1班
    assert await browser.wait_text("h1", "计科1班") == "计算机学院/2021级/计科1班"
    assert await browser.text("#stat-reported b") == "4"
    assert await browser.text("#stat-missing b") == "1"
    assert await browser.text("#stat-leave b") == "1"
    assert await browser.text("#stat-abnormal b") == "1"
    assert await browser.text("#stat-percent b") == "80%"
    assert await browser.text("#missing .names") == "赵六"
    row = " ".join((await browser.text("#abnormal tbody tr")).split())  # a card on a phone
    assert row.startswith("李四 37.8℃ 发热、咳嗽")
    assert " ".join((await browser.text('tr[data-person="S103"]')).split()) == (
        "王五 S103 已报 08:05 36.5℃ 正常 在校 代报·张三"
    )


async def test_a_class_monitor_sees_who_reported_and_nothing_more(browser, server, db, clock):
    token = token_for(db, "S101", clock.now())
    await browser.resize(DESKTOP)  # the table itself, not the phone's cards
    await browser.open(str(server.make_url(f"/login?token={token}")))
    await browser.click("#confirm-login")
    assert await browser.wait_text("h1", "计科1班") == "计算机学院/2021级/计科1班"
    headers = await browser.texts("table.students th")
    assert headers == ["姓名", "状态", "时间", "宿舍", "标记"]
    assert await browser.text('tr[data-person="S102"]') == "李四 S102 已报 07:30"
    assert await browser.text('tr[data-person="S105"]') == "孙七 S105 请假 —"  # no 病假
    assert await browser.texts("#abnormal") == []
    assert "重点群体" not in await browser.text("nav.tabs")
    await browser.open(str(server.make_url("/groups")))
    assert "只对辅导员、值班人员和管理员开放" in await browser.text("#not-shown")
    assert await browser.texts("table") == []


async def test_another_counselors_class_shows_the_403_page(browser, server, db, clock):
    token = token_for(db, "T02", clock.now())
    await browser.open(str(server.make_url(f"/login?token={token}")))
    await browser.click("#confirm-login")
    await browser.wait_text("h1", "数学学院")
    await browser.open(str(server.make_url("/today?node=3")))  # 计科1班, not 刘老师's
    assert await browser.text("h1") == "没有权限 (403)"
    assert "不在你的负责范围内" in await browser.text(".error")


async def test_typing_a_checkin_into_the_simulator(browser, db, tmp_path):
    async with sim_stack(db) as (bridge, config):
        srv = TestServer(create_web_app(db, config, bridge.clock, sim=bridge), host="127.0.0.1")
        await srv.start_server()
        try:
            await browser.open(sim_url(srv.app, str(srv.make_url("/"))))
            assert await browser.text("#win-title") == "计算机学院 2021级 计科1班 班级群"
            count = await browser.wait_text("#win-count", "已报 0/")
            due = int(count.split("/")[1].split("，")[0])
            member = bridge.campus.members["sim-2021-1"][2]
            await browser.select("#as", member.name)
            await browser.type("#text", f"{member.name} 36.6 正常 在校", submit=True)
            await browser.wait_text("#messages .msg:not([hidden])", f"{member.name} 36.6")
            await browser.wait_text("#win-count", f"已报 1/{due}，未报 {due - 1}")
            assert await browser.text('[data-count="sim-2021-1"]') == f"1/{due}"

            await browser.type("#text", f"{member.name} 38.1 发烧 咳嗽", submit=True)
            await browser.click('[data-chat="private"]')
            answer = await browser.wait_text(".msg.bot:not([hidden])", "38.1℃")
            assert answer.startswith(f"平安小助手 → {member.name}")
            assert f"已记录{member.name}今天的报告" in answer

            await browser.click('[data-chat="sim-2021-1"]')
            await browser.click("#advance")
            await browser.wait_text("#sim-clock", "2020-02-10 08:30")
            await fits_a_narrow_phone(browser, "sim")
            await browser.resize(PHONE)
            shots = screenshot_dir(tmp_path)
            await browser.screenshot(shots / "sim-phone.png", full_page=False)
            await browser.resize(DESKTOP)
            await browser.screenshot(shots / "sim.png", full_page=False)
        finally:
            await srv.close()


async def test_the_dashboard_over_five_simulated_days(browser, tmp_path):
    """The demo's five days of the sample school, read by the 2021级 counselor: the numbers
    the page shows are the ones counted straight from SQLite; then every main page."""
    config = load_config(REPO / "config.yaml")
    result = await run_demo(config, tmp_path / "demo.db", days=5)
    last = result.days[-1]
    expected = next(c for c in result.counts[last] if c.path == "计算机学院/2021级")
    db = open_db(tmp_path / "demo.db")
    clock = FakeClock(datetime.fromisoformat(f"{last}T22:00:00+08:00"))
    srv = TestServer(create_web_app(db, config, clock), host="127.0.0.1")
    await srv.start_server()
    shots = screenshot_dir(tmp_path)
    try:
        await browser.resize(DESKTOP)
        await browser.open(str(srv.make_url(f"/login?token={token_for(db, 'T1001', clock.now())}")))
        await browser.click("#confirm-login")
        assert await browser.wait_text("h1", "2021级") == "计算机学院/2021级"
        assert await browser.text("#stat-expected b") == str(expected.expected)
        assert await browser.text("#stat-reported b") == str(expected.reported)
        assert await browser.text("#stat-missing b") == str(expected.missing)
        assert await browser.text("#stat-abnormal b") == str(expected.abnormal)
        await browser.screenshot(shots / "today.png")
        await browser.open(str(srv.make_url("/trend?days=14")))
        assert len(await browser.texts("svg .point")) == 5  # the five days with data
        await browser.screenshot(shots / "trend.png")
        await browser.open(str(srv.make_url("/groups")))
        await browser.screenshot(shots / "groups.png")
        await browser.open(str(srv.make_url("/broadcasts")))
        await browser.type('textarea[name="text"]', "今晚8点前完成健康打卡，收到请回复")
        await browser.click('form.stack button[type="submit"]')
        await browser.wait_text("main", "通知 #1 已发出")  # the form posts and redirects
        assert (await browser.text(".ack-count")).startswith("回执 0/")
        await browser.screenshot(shots / "broadcasts.png")
        await browser.open(str(srv.make_url("/downloads")))
        await browser.resize((DESKTOP[0], 480))
        await browser.screenshot(shots / "downloads.png", full_page=False)

        # The same pages on phones: nothing wider than a 360 px screen, and a 390×844 shot.
        (class_id,) = db.execute(
            "SELECT id FROM nodes WHERE path = '计算机学院/2021级/计科1班'"
        ).fetchone()
        pages = [
            ("today", "/today", None),
            ("today-class", f"/today?node={class_id}", "#students"),
            ("trend", "/trend?days=14", None),
            ("groups", "/groups", "#tag-1"),
            ("broadcasts", "/broadcasts", None),
            ("downloads", "/downloads", None),
        ]
        for name, path, focus in pages:
            await browser.open(str(srv.make_url(path)))
            await fits_a_narrow_phone(browser, name)
            await browser.resize(PHONE)
            if focus:
                await browser.scroll_to(focus)
            await browser.screenshot(shots / f"{name}-phone.png", full_page=False)
            if name == "today-class":  # the class table is one card per student
                assert await browser.style("table.students tr[data-person]", "display") == "grid"
                assert await browser.style("table.students thead", "position") == "absolute"
            if name == "today":
                assert await browser.text("header .who span") == "周建国"  # one line, shown
                # a text field, not the browser's date picker: YYYY-MM-DD in any locale
                field = await browser.field('input[name="date"]')
                assert field == {"type": "text", "value": last, "placeholder": "YYYY-MM-DD"}
        await browser.delete_cookies()
        await browser.open(str(srv.make_url("/login")))
        await fits_a_narrow_phone(browser, "login")
        await browser.resize(PHONE)
        await browser.screenshot(shots / "login-phone.png", full_page=False)
    finally:
        await srv.close()
        db.close()


async def fits_a_narrow_phone(browser: Browser, name: str) -> None:
    """At 360 px the page does not scroll sideways, no table scrolls inside its box, and the
    user's name in the header is on one line."""
    await browser.resize(NARROW)
    scroll_width, visible, window = await browser.page_width()
    assert window == NARROW[0]
    wide = [] if scroll_width <= visible else await browser.sticking_out(visible)
    assert scroll_width <= visible <= NARROW[0], (name, scroll_width, visible, wide)
    assert await browser.overflowing(".scroll, table, .card, header") == [], name
    heights = await browser.line_count("header .who span")
    assert heights in (0, 1), (name, heights)
