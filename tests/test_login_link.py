"""/登录: a staff member gets a one-time, short-lived dashboard link, privately, on a
confirmed account only; and dashboard tokens are never issued to a plain student."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main
from bot.web import create_web_app
from tests.commands_helpers import School, audit_rows
from tests.conftest import TZ

PUBLIC = "https://pingan.example.edu.cn"
NOW = datetime(2020, 2, 10, 9, 0, tzinfo=TZ)


@pytest.fixture
def school(db, clock, tmp_path):
    clock.set(NOW)
    school = School(db, clock, tmp_path)
    school.config.web.public_url = PUBLIC + "/"
    school.config.web.secure_cookies = False  # the test client speaks plain http on loopback
    return school


def link_in(text: str) -> str:
    found = re.search(re.escape(PUBLIC) + r"/login\?link=(\S+)", text)
    assert found, text
    return found.group(1)


async def open_link(school: School, link: str):
    """Open the link as a phone does: the page only asks to confirm (a chat app's preview
    fetch must not use the link up), and the confirm button's POST logs in."""
    app = create_web_app(school.db, school.config, school.clock)
    async with TestClient(TestServer(app)) as client:
        shown = await client.get(f"/login?link={link}", allow_redirects=False)
        page = await shown.text()
        assert shown.status == 200 and 'id="confirm-login"' in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        first = await client.post(
            "/login",
            data={"csrf": csrf, "link": link},
            headers={"Cookie": f"pingan_login_csrf={csrf}"},
            allow_redirects=False,
        )
        today = await client.get("/today", allow_redirects=False)
        return first.status, first.headers.get("Location"), today.status, await today.text()


async def test_showing_the_link_page_uses_nothing_up(school):
    """A chat app fetches a link to preview it: that GET must not spend a one-time link."""
    (answer,) = school.say("T001", "/登录")
    app = create_web_app(school.db, school.config, school.clock)
    async with TestClient(TestServer(app)) as client:
        shown = await client.get(f"/login?link={link_in(answer.text)}", allow_redirects=False)
        assert shown.status == 200 and "pingan_session" not in shown.headers.get("Set-Cookie", "")
    used = school.db.execute("SELECT count(*) FROM login_links WHERE used_at IS NOT NULL")
    assert used.fetchone()[0] == 0


async def test_a_counselor_gets_a_private_link_that_works_once(school):
    (answer,) = school.say("T001", "/登录")
    assert (answer.chat_type, answer.target) == ("private", "uT001")
    assert "10 分钟内有效" in answer.text and "只能打开一次" in answer.text
    link = link_in(answer.text)
    assert link not in str(school.db.execute("SELECT * FROM login_links").fetchall())
    status, location, today, page = await open_link(school, link)
    assert (status, location, today) == (303, "/", 200)
    assert "计科1班" in page
    status, _, today, _ = await open_link(school, link)  # the same link again
    assert (status, today) == (401, 401)
    assert [r["platform"] for r in audit_rows(school.db, "login_link")] == ["sim"]


async def test_a_link_opened_too_late_does_not_log_in(school):
    (answer,) = school.say("T001", "/登录")
    school.clock.set(NOW + timedelta(minutes=11))
    status, _, today, _ = await open_link(school, link_in(answer.text))
    assert (status, today) == (401, 401)


def test_asked_in_a_group_the_link_is_not_posted(school):
    sent = school.say("T001", "/登录", "c21")
    assert [(s.chat_type, s.target) for s in sent] == [("group", "c21")]
    assert "私聊" in sent[0].text and "login" not in sent[0].text
    assert school.db.execute("SELECT count(*) FROM login_links").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("who", "setup"),
    [
        ("2021002", None),  # a student
        # what a group card or a /绑定 naming a counselor makes: unconfirmed (storage/bindings.py)
        (
            "T001",
            "UPDATE accounts SET source = 'member_list', confirmed = 0 WHERE person_id = 'T001'",
        ),
        ("T001", "UPDATE accounts SET source = '/绑定', confirmed = 0 WHERE person_id = 'T001'"),
        ("T001", "UPDATE accounts SET confirmed = 0 WHERE account_id = 'uT001'"),
    ],
)
def test_no_link_for_an_account_not_vouched_for_as_staff(school, who, setup):
    if setup:
        school.db.execute(setup)
    sent = school.say(who, "/登录")
    assert sent and all("link=" not in s.text for s in sent)
    assert school.db.execute("SELECT count(*) FROM login_links").fetchone()[0] == 0


def test_without_a_public_url_the_bot_says_so(school):
    school.config.web.public_url = None
    (answer,) = school.say("T001", "/登录")
    assert "web.public_url" in answer.text and "link=" not in answer.text


def test_token_create_refuses_a_plain_student(tmp_path, capsys):
    from storage.db import open_db
    from tests.web_helpers import seed_school

    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: school.db}\n", encoding="utf-8")
    db = open_db(tmp_path / "school.db")
    seed_school(db)
    db.close()
    assert main(["token", "--config", str(config), "create", "S102"]) != 0
    err = capsys.readouterr().err
    assert "S102" in err and "学生" in err and "辅导员" in err
    assert main(["token", "--config", str(config), "create", "S101"]) == 0  # a 班长: own class
