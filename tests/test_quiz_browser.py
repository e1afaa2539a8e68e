"""The 竞答 page in a real headless Chromium: an admin opens a round with the form, then the
class board fills as students answer."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from bot.web import create_web_app
from core.config import Config
from storage.quiz import question_at, record_answer
from storage.quiz_bank import import_bank
from tests.browser_helpers import DESKTOP, Browser, needs_chromium, screenshot_dir
from tests.web_helpers import REPO, seed_school, token_for

pytestmark = needs_chromium


@pytest.fixture
async def browser(tmp_path):
    b = Browser(tmp_path / "profile", DESKTOP)
    yield b
    b.quit()


async def test_an_admin_opens_a_round_and_reads_the_class_board(browser, db, clock, tmp_path):
    nodes = seed_school(db)
    import_bank(db, REPO / "examples" / "quiz.csv", clock.now())
    server = TestServer(create_web_app(db, Config(), clock), host="127.0.0.1")
    await server.start_server()
    try:
        token = token_for(db, "A01", clock.now())
        await browser.open(str(server.make_url(f"/login?token={token}")))
        await browser.click("#confirm-login")
        await browser.wait_text(".who button", "退出")  # logged in
        await browser.open(str(server.make_url("/quiz")))
        assert "还没有知识竞答" in await browser.text("main")
        await browser.type('input[name="questions"]', "3")
        await browser.type('input[name="minutes"]', "60")
        await browser.click('form[action="/quiz"] button')
        await browser.wait_text(".sub", "第 1 轮，3 题")
        with db.atomic():
            answer = question_at(db, 1, 1).answer
            for pid, class_id in (("S101", "c1"), ("S102", "c1"), ("S201", "c2")):
                record_answer(db, 1, pid, nodes[class_id], 1, answer, True, clock.now())
        await browser.open(str(server.make_url("/quiz?round=1")))
        rows = await browser.texts("table.quiz-board tbody tr")
        # Equal averages: the higher participation ranks first; the admin sees every class.
        assert rows[:2] == ["1 计科1班 1.0 2/6 33%", "2 计科2班 1.0 1/4 25%"]
        assert rows[2:] == ["3 数学1班 0.0 0/3 0%"]
        assert all("S101" not in r and "张三" not in r for r in rows)
        await browser.screenshot(screenshot_dir(tmp_path) / "quiz.png")
    finally:
        await server.close()
