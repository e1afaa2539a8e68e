"""Every dashboard page, for every roster role, shows exactly the columns handlers/columns.py
allows that role: a class monitor sees who has and has not reported, nothing more.

Each page marks a person column's header with data-col="key"; the test reads them back from
the served HTML (a real aiohttp server on loopback, a real SQLite file) and also looks for
the seeded health facts themselves, so a value leaking outside its column is caught too.
"""

from __future__ import annotations

import json
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import create_web_app
from core.config import Config
from handlers.columns import BY_KEY, COLUMNS, LEDGER_ROLES, may_export_ledger, visible
from handlers.permissions import ADMIN, DORM_HEAD, DUTY_COUNSELOR, DUTY_OFFICER, ROLES, STAFF
from tests.web_helpers import DAY, STAMP, log_in, seed_school, token_for

# One login per role; each but the student is responsible for 计算机学院/2021级 (a 班长 with a
# 负责 entry for the grade too: the columns depend on the role alone, never on the scope).
PEOPLE = {
    "学生": "S102",
    "班长": "S101",
    DORM_HEAD: "D01",
    "辅导员": "T01",
    DUTY_COUNSELOR: "DC1",
    DUTY_OFFICER: "DO1",
    ADMIN: "A01",
}

# What the seeded school shows in each hidden column, if it leaked (web_helpers.seed_school).
LEAKS = {
    "temperature": ["37.8", "℃"],
    "health": ["发热", "咳嗽", "异常情况", "正常"],
    "abnormal_count": ['id="stat-abnormal"', "异常人次"],
    "on_campus": ["不在校"],
    "place": ["湖北 ", "居家隔离"],
    "key_group": ["湖北籍", "留校"],
    "observation": ["第6/14天"],
    "leave_reason": ["病假"],
    "case": ["跟踪中的异常", "结案"],
}

# The person columns each page shows to staff (who see every column) and to a 班长/宿舍长.
PAGES = {
    "/today?node={c1}&date={day}": (
        {"name", "status", "reported_at", "temperature", "health", "on_campus", "place", "dorm",
         "marks", "abnormal_count"},
        {"name", "status", "reported_at", "dorm", "marks"},
    ),
    "/today?node={g21}&date={day}": (
        {"name", "class", "temperature", "health", "on_campus", "place", "reported_at", "marks",
         "abnormal_count"},
        {"name", "class"},  # the missing names by class; the abnormal table is not there
    ),
    "/groups?node={c1}&date={day}": (
        {"name", "class", "observation", "status", "temperature", "health", "place"},
        set(),  # key groups are staff-only: a hint, no table
    ),
    "/trend?node={g21}&date={day}": ({"abnormal_count"}, set()),
    "/downloads?node={c1}": (set(), set()),
    "/broadcasts?node={c1}": (set(), set()),
}  # fmt: skip


@pytest.fixture
async def school(db):
    nodes = seed_school(db)
    with db.atomic():
        extra = [("D01", "宿舍长甲", DORM_HEAD), ("DC1", "值班辅导员甲", DUTY_COUNSELOR),
                 ("DO1", "值班党员甲", DUTY_OFFICER)]  # fmt: skip
        for pid, name, role in extra:
            db.execute(
                "INSERT INTO people (id, name, role, class_id, updated_at) VALUES (?, ?, ?, ?, ?)",
                [pid, name, role, nodes["c1"] if role == DORM_HEAD else None, STAMP],
            )
        for pid in ("D01", "DC1", "DO1", "S101"):
            db.execute("INSERT INTO responsibilities VALUES (?, ?)", [pid, nodes["g21"]])
    return nodes


@pytest.fixture
async def app(db, clock, school):
    async with TestServer(create_web_app(db, Config(), clock), host="127.0.0.1") as server:
        yield server


def shown_columns(html: str) -> set[str]:
    return set(re.findall(r'data-col="([^"]+)"', html))


def login_token(db, role: str, now) -> str:
    """A token for the role's person. A 学生 gets none from `pingan token create` any more;
    theirs stands for one issued while the roster still gave them a dashboard role."""
    person = PEOPLE[role]
    if role != "学生":
        return token_for(db, person, now)
    with db.atomic():
        db.execute("UPDATE people SET role = '班长' WHERE id = ?", [person])
    token = token_for(db, person, now)
    with db.atomic():
        db.execute("UPDATE people SET role = '学生' WHERE id = ?", [person])
    return token


def test_the_table_is_whole():
    # 心理老师 read 心理 cases in chat (/关怀) and get no dashboard login at all; 省级 opens
    # /province alone, counts without a person column (tests/test_schools_web.py)
    assert set(ROLES) == set(PEOPLE) | {"心理老师", "省级"}
    assert visible("心理老师") == visible("省级") == frozenset()
    assert {c.key for c in COLUMNS} == set(BY_KEY)
    for role in STAFF:
        assert visible(role) == set(BY_KEY)
    assert visible("学生") == set() and visible(None) == set()
    assert set(LEDGER_ROLES) == set(STAFF)  # /导出 and the download: the roles that see all
    assert visible("班长") == {"name", "person_id", "class", "dorm", "status", "reported_at",
                                "marks", "counts"}  # fmt: skip


@pytest.mark.parametrize("role", PEOPLE)
async def test_each_page_shows_the_roles_columns_and_no_other_fact(app, db, clock, school, role):
    async with TestClient(app) as client:
        assert (await log_in(client, login_token(db, role, clock.now()))).status == 303
        cols = visible(role)
        for template, (for_staff, for_cadres) in PAGES.items():
            path = template.format(**school, day=DAY)
            resp = await client.get(path)
            html = await resp.text()
            if role == "学生":  # no scope: every page says so, with no data
                assert resp.status == 403, path
                assert shown_columns(html) == set()
                continue
            assert resp.status == 200, (path, html[:300])
            shown = shown_columns(html)
            assert shown <= cols, (path, shown - cols)
            assert shown == (for_staff if role in STAFF else for_cadres), path
            for key, needles in LEAKS.items():
                if key in cols:
                    continue
                for needle in needles:
                    assert needle not in html, (role, path, key, needle)


@pytest.mark.parametrize("role", PEOPLE)
async def test_the_api_and_the_ledger_follow_the_same_table(app, db, clock, school, role):
    token = login_token(db, role, clock.now())
    async with TestClient(app) as client:
        bearer = {"Authorization": f"Bearer {token}"}
        resp = await client.get(f"/api/today?node={school['c1']}&date={DAY}", headers=bearer)
        ledger = await client.get(
            f"/downloads/ledger.xlsx?node={school['c1']}&from={DAY}&to={DAY}", headers=bearer
        )
        if role == "学生":
            assert resp.status == 403 and ledger.status == 403
            return
        body = await resp.json()
    text = json.dumps(body, ensure_ascii=False)
    cols = visible(role)
    assert ("abnormal" in body) == ("health" in cols)
    assert (body["counts"]["abnormal"] is None) == ("abnormal_count" not in cols)
    if "health" in cols:
        (row,) = body["abnormal"]
        assert (row["temperature"], row["symptoms"], row["province"]) == (37.8, ["发热", "咳嗽"],
                                                                          "湖北")  # fmt: skip
    else:
        for needle in ("37.8", "发热", "湖北", "不在校"):
            assert needle not in text
    assert ledger.status == (200 if may_export_ledger(role) else 403)
