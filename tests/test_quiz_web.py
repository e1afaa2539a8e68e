"""The dashboard's Quiz page: the class leaderboard of the login's scope, no student names
unless config allows them (and then only the login's own students)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import create_web_app
from core.config import Config, Quiz
from storage.quiz import open_round, record_answer
from storage.quiz_bank import import_bank
from tests.conftest import REPO
from tests.web_helpers import log_in, seed_school, token_for


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def school(db, clock):
    nodes = seed_school(db)
    import_bank(db, REPO / "examples" / "quiz.csv", clock.now())
    with db.atomic():
        open_round(db, clock.now(), clock.now() + timedelta(hours=2), 2, "group", "A01")
        for pid, class_id, right in (("S101", "c1", 2), ("S102", "c1", 1), ("S201", "c2", 2),
                                     ("M301", "m1", 2)):  # fmt: skip
            for position in (1, 2):
                correct = position <= right
                record_answer(db, 1, pid, nodes[class_id], position, "A", correct, clock.now())
    return nodes


async def page(db, clock, config: Config, path: str) -> tuple[int, str]:
    client = TestClient(TestServer(create_web_app(db, config, clock)))
    await client.start_server()
    try:
        await log_in(client, token_for(db, "T01", clock.now()))
        resp = await client.get(path)
        return resp.status, await resp.text()
    finally:
        await client.close()


async def test_the_counselor_sees_the_class_board_of_their_scope(db, clock, school):
    status, html = await page(db, clock, Config(), "/quiz")
    assert status == 200
    text = text_of(html)
    assert "第 1 轮，2 题" in text
    assert "3/10 参与人数 30% 参与率" in text  # 计科1班 6 + 计科2班 4 students
    assert "1 计科2班 2.0 1/4 25%" in text and "2 计科1班 1.5 2/6 33%" in text
    assert "数学" not in text and "M301" not in text  # another college's class
    assert "张三" not in text and "S101" not in text  # no student by name by default


async def test_student_names_only_when_config_allows_and_only_in_scope(db, clock, school):
    config = Config(quiz=Quiz(public_student_ranking=True))
    _, html = await page(db, clock, config, "/quiz?round=1")
    text = text_of(html)
    assert "个人前十" in text and "S101 2/2" in text and "S201 2/2" in text
    assert "M301" not in text


async def test_a_bad_round_is_a_readable_error(db, clock, school):
    assert (await page(db, clock, Config(), "/quiz?round=x"))[0] == 400
    assert (await page(db, clock, Config(), "/quiz?round=9"))[0] == 404


async def test_an_admin_opens_a_round_from_the_dashboard(db, clock):
    seed_school(db)
    import_bank(db, REPO / "examples" / "quiz.csv", clock.now())
    client = TestClient(TestServer(create_web_app(db, Config(), clock)))
    await client.start_server()
    try:
        for who, status in (("T01", 403), ("A01", 303)):
            await log_in(client, token_for(db, who, clock.now()))
            html = await (await client.get("/quiz")).text()
            shown = 'method="post" action="/quiz"' in html
            assert shown == (who == "A01")  # the form is shown to admins only
            csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
            form = {"csrf": csrf, "questions": "3", "minutes": "30"}
            resp = await client.post("/quiz", data=form, allow_redirects=False)
            assert resp.status == status, who
        assert resp.headers["Location"] == "/quiz?round=1"
        again = await client.post("/quiz", data=form, allow_redirects=False)
        assert again.status == 409 and "第1轮截止于" in await again.text()
    finally:
        await client.close()
    assert db.execute("SELECT opened_by, delivery FROM quiz_rounds").fetchall() == [
        ("A01", "group")
    ]
    assert db.execute("SELECT count(*) FROM quiz_round_questions").fetchone() == (3,)
