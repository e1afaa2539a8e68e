"""Dashboard logins: tokens, sessions, bearer, CSRF, scoping, and auth on every route."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import create_web_app
from bot.web.login_guard import LOCKOUT, MAX_FAILURES
from core.config import Config
from storage.tokens import check_token, create_token, list_tokens, revoke_token
from tests.web_helpers import DAY, log_in, seed_school, token_for


@pytest.fixture
def school(db):
    return seed_school(db)


@pytest.fixture
async def client(db, clock, school):
    app = create_web_app(db, Config(), clock)
    async with TestClient(TestServer(app)) as c:
        yield c


async def login(client: TestClient, token: str, next_path: str = "/") -> None:
    resp = await log_in(client, token, next_path)
    assert resp.status == 303, await resp.text()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


# Every route the app serves, with the method a user would use.
ROUTES = [
    ("GET", "/"),
    ("GET", "/today"),
    ("GET", "/api/today"),
    ("GET", "/trend"),
    ("GET", "/province"),
    ("GET", "/api/province"),
    ("GET", "/groups"),
    ("GET", "/quiz"),
    ("POST", "/quiz"),
    ("POST", "/groups/cases/{case_id}/close"),
    ("GET", "/downloads"),
    ("GET", "/downloads/ledger.xlsx"),
    ("GET", "/broadcasts"),
    ("POST", "/broadcasts"),
    ("POST", "/broadcasts/{broadcast_id}/remind"),
    ("POST", "/logout"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_route_needs_a_login(client, method, path):
    resp = await client.request(method, path, allow_redirects=False)
    assert resp.status == 401
    if method == "GET" and not path.startswith("/api/"):
        assert "登录平安报告看板" in await resp.text()


async def test_every_registered_route_is_in_the_auth_test(client):
    public = {"/login", "/static"}
    paths = {r.resource.canonical for r in client.app.router.routes() if r.resource is not None}
    tested = {p for _, p in ROUTES}
    assert paths - public - tested == set()


async def test_login_link_sets_a_safe_cookie_and_redirects(client, db, clock):
    token = token_for(db, "T01", clock.now())
    resp = await log_in(client, token)
    assert resp.status == 303
    assert resp.headers["Location"] == "/"
    cookie = resp.headers["Set-Cookie"]
    assert "pingan_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert token not in cookie
    resp = await client.get("/today")
    assert resp.status == 200
    assert "王老师" in await resp.text()


async def test_cookie_is_secure_behind_an_https_public_url(db, clock, school):
    config = Config.model_validate({"web": {"public_url": "https://pingan.example.edu"}})
    async with TestClient(TestServer(create_web_app(db, config, clock))) as c:
        token = token_for(db, "T01", clock.now())
        page = await c.get(f"/login?token={token}")
        assert "Secure" in page.headers["Set-Cookie"]  # the login form's own cookie
        csrf = csrf_of(await page.text())  # a plain-http client keeps no Secure cookie: resend
        resp = await c.post(
            "/login",
            data={"csrf": csrf, "token": token, "next": "/"},
            headers={"Cookie": f"pingan_login_csrf={csrf}"},
            allow_redirects=False,
        )
        assert "Secure" in resp.headers["Set-Cookie"]


async def test_opening_a_login_link_only_asks_to_confirm(client, db, clock):
    """A link or an image on another site must not log the browser in as someone else."""
    token = token_for(db, "T01", clock.now())
    resp = await client.get(f"/login?token={token}", allow_redirects=False)
    assert resp.status == 200
    assert "Set-Cookie" not in resp.headers or "pingan_session=" not in resp.headers["Set-Cookie"]
    assert "确认登录" in await resp.text()
    assert (await client.get("/today", allow_redirects=False)).status == 401
    # The confirm form without the login page's CSRF value (a cross-site POST) is refused.
    resp = await client.post("/login", data={"token": token, "next": "/"}, allow_redirects=False)
    assert resp.status == 403
    assert (await client.get("/today", allow_redirects=False)).status == 401


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/%09/evil.example",
        "/%0a/evil.example",
        "/\\evil.example",
        "/%5cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%20/evil.example",
    ],
)
async def test_login_never_redirects_off_site(client, db, clock, target):
    token = token_for(db, "T01", clock.now())
    page = await client.get(f"/login?token={token}&next={target}")
    assert "evil.example" not in await page.text()
    resp = await login_and_answer(client, token, target)
    assert resp.headers["Location"] == "/"


async def login_and_answer(client: TestClient, token: str, target: str):
    resp = await log_in(client, token, "/")
    assert resp.status == 303
    page = await client.get("/login")  # a logged-in browser reads the form's CSRF value again
    csrf = csrf_of(await page.text())
    form = {"csrf": csrf, "token": token, "next": unquote(target)}  # as a browser decodes it
    return await client.post("/login", data=form, allow_redirects=False)


async def test_login_goes_to_a_same_site_next(client, db, clock):
    token = token_for(db, "T01", clock.now())
    resp = await log_in(client, token, f"/today?date={DAY}")
    assert resp.headers["Location"] == f"/today?date={DAY}"


async def test_bad_expired_and_revoked_tokens_are_refused(client, db, clock):
    resp = await log_in(client, "pa_nonsense")
    assert resp.status == 401
    assert "无效、已过期或已被撤销" in await resp.text()
    with db.atomic():
        _, token = create_token(db, "T01", clock.now(), days=1)
    clock.advance(timedelta(days=1, seconds=1))
    resp = await log_in(client, token)
    assert resp.status == 401


async def test_failed_logins_lock_the_address_out_for_a_while(client, db, clock, caplog):
    token = token_for(db, "T01", clock.now())
    with caplog.at_level("WARNING", logger="bot.web.login_guard"):
        for _ in range(MAX_FAILURES - 1):
            assert (await log_in(client, "pa_guess")).status == 401
        resp = await log_in(client, "pa_guess")
    assert resp.status == 429
    assert "登录失败次数过多" in await resp.text()
    failures = [r for r in caplog.records if "login failed from 127.0.0.1" in r.getMessage()]
    assert len(failures) == MAX_FAILURES
    assert any("locked until" in r.getMessage() for r in caplog.records)
    # Locked out: even the right token is refused, so guessing cannot go on meanwhile.
    assert (await log_in(client, token)).status == 429
    clock.advance(LOCKOUT)
    assert (await log_in(client, token)).status == 303
    assert (await client.get("/today")).status == 200


@pytest.mark.parametrize(
    "query", ["date=0001-01-01", "date=9999-12-31", "date=1900-01-01", "from=0001-01-01"]
)
@pytest.mark.parametrize("page", ["/today", "/trend", "/groups", "/api/today"])
async def test_out_of_range_dates_are_a_400_not_a_500(client, db, clock, page, query):
    await login(client, token_for(db, "T01", clock.now()))
    resp = await client.get(f"{page}?{query}")
    assert resp.status == (200 if query.startswith("from") else 400)
    if resp.status == 400:
        assert "日期" in await resp.text()


async def test_an_out_of_range_download_is_a_400(client, db, clock):
    await login(client, token_for(db, "T01", clock.now()))
    resp = await client.get("/downloads/ledger.xlsx?from=0001-01-01&to=0001-01-02")
    assert resp.status == 400


async def test_revoking_a_token_ends_its_sessions(client, db, clock):
    with db.atomic():
        token_id, token = create_token(db, "T01", clock.now())
    await login(client, token)
    assert (await client.get("/today")).status == 200
    with db.atomic():
        assert revoke_token(db, token_id, clock.now())
    resp = await client.get("/today")
    assert resp.status == 401
    assert check_token(db, token, clock.now()) is None


async def test_only_the_hash_is_stored(db, clock, school):
    with db.atomic():
        _, token = create_token(db, "T01", clock.now())
    dump = "\n".join(str(r) for r in db.execute("SELECT * FROM web_tokens").fetchall())
    assert token not in dump
    assert token.removeprefix("pa_") not in dump
    assert list_tokens(db)[0].state(clock.now()) == "active"


async def test_bearer_token_works_for_scripts_without_csrf(client, db, clock):
    token = token_for(db, "T01", clock.now())
    resp = await client.get("/today", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200
    assert "Set-Cookie" not in resp.headers
    resp = await client.get("/today", headers={"Authorization": "Bearer pa_wrong"})
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_post_without_csrf_is_refused_with_a_clear_page(client, db, clock):
    await login(client, token_for(db, "T01", clock.now()))
    resp = await client.post("/logout", data={}, allow_redirects=False)
    assert resp.status == 403
    assert "CSRF" in await resp.text()
    resp = await client.post("/logout", data={"csrf": "forged"}, allow_redirects=False)
    assert resp.status == 403
    html = await (await client.get("/today")).text()
    resp = await client.post("/logout", data={"csrf": csrf_of(html)}, allow_redirects=False)
    assert resp.status == 303
    assert (await client.get("/today")).status == 401  # the session is gone


async def test_login_form_needs_its_csrf_cookie(client, db, clock):
    token = token_for(db, "T01", clock.now())
    page = await client.get("/login")
    form_csrf = csrf_of(await page.text())
    resp = await client.post(
        "/login", data={"token": token, "csrf": form_csrf, "next": "/"}, allow_redirects=False
    )
    assert resp.status == 303
    client.session.cookie_jar.clear()
    resp = await client.post(
        "/login", data={"token": token, "csrf": form_csrf}, allow_redirects=False
    )
    assert resp.status == 403


async def test_counselor_sees_only_their_nodes(client, db, clock, school):
    await login(client, token_for(db, "T01", clock.now()))
    html = await (await client.get(f"/today?date={DAY}")).text()
    assert "计算机学院/2021级" in html
    assert "数学学院" not in html
    assert "陈甲" not in html
    resp = await client.get(f"/today?node={school['m1']}&date={DAY}")
    assert resp.status == 403
    text = await resp.text()
    assert "没有权限" in text and "不在你的负责范围内" in text
    resp = await client.get(f"/today?node={school['cs']}&date={DAY}")
    assert resp.status == 403  # the college above their grade is not theirs either
    assert (await client.get(f"/today?node={school['c1']}")).status == 200


async def test_admin_sees_every_college(client, db, clock, school):
    await login(client, token_for(db, "A01", clock.now()))
    html = await (await client.get(f"/today?date={DAY}")).text()
    assert "计算机学院" in html and "数学学院" in html


async def test_someone_responsible_for_nothing_gets_a_403(client, db, clock):
    with db.atomic():  # duty staff see the school only on their duty day
        db.execute(
            "INSERT INTO people (id, name, role, updated_at)"
            " VALUES ('D09', '值班甲', '值班党员', ?)",
            [clock.now().isoformat()],
        )
    await login(client, token_for(db, "D09", clock.now()))
    resp = await client.get("/today")
    assert resp.status == 403
    assert "没有负责的" in await resp.text()


async def test_security_headers(client, db, clock):
    await login(client, token_for(db, "T01", clock.now()))
    resp = await client.get("/today")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"
