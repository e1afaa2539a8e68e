"""Trend, key groups, broadcasts and downloads: what each page shows, for whom."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import create_web_app
from core.config import Config
from storage import broadcasts
from tests.web_helpers import DAY, log_in, seed_school, token_for


@pytest.fixture
def school(db):
    return seed_school(db)


@pytest.fixture
async def counselor(db, clock, school):
    client = TestClient(TestServer(create_web_app(db, Config(), clock)))
    await client.start_server()
    await log_in(client, token_for(db, "T01", clock.now()))
    yield client
    await client.close()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_trend_shows_each_day_and_a_server_side_chart(counselor, db, school):
    with db.atomic():  # the 8th was purged already: only its snapshot is left
        for node, expected, reported, on_leave in [("c1", 5, 3, 1), ("c2", 4, 4, 0)]:
            db.execute(
                "INSERT INTO daily_counts (day, node_id, expected, reported, abnormal, on_leave)"
                " VALUES ('2020-02-08', ?, ?, ?, 0, ?)",
                [school[node], expected, reported, on_leave],
            )
    resp = await counselor.get(f"/trend?date={DAY}&days=14")
    assert resp.status == 200
    html = await resp.text()
    text = text_of(html)
    assert "近 14 天" in text
    assert f"{DAY} 8/9 1 1 89% 1" in text
    assert "2020-02-09 0/0 0 0 — 0" in text  # no report at all yet: the bot was not running
    assert "2020-02-08 7/9 2 1 78% 0" in text  # from daily_counts
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
    with db.atomic():
        db.execute(
            "INSERT INTO cases (person_id, opened_day, opened_at, reason, last_abnormal_day)"
            " VALUES ('M301', ?, ?, '发热', ?)",
            [DAY, "2020-02-10T07:30:00+08:00", DAY],
        )
    client = TestClient(TestServer(create_web_app(db, Config(), clock)))
    await client.start_server()
    try:
        await log_in(client, token_for(db, "T01", clock.now()))
        csrf = csrf_of(await (await client.get("/groups")).text())
        resp = await client.post("/groups/cases/2/close", data={"csrf": csrf, "note": "x"})
        assert resp.status == 403
    finally:
        await client.close()
    assert db.execute("SELECT status FROM cases WHERE id = 2").fetchone()[0] == "open"


def _bind_chats(db, school) -> None:
    with db.atomic():
        for chat, node in [("700001", "c1"), ("700002", "c2"), ("700003", "m1")]:
            db.execute(
                "INSERT INTO chats (platform, chat_id, node_id, purpose)"
                " VALUES ('qq', ?, ?, 'class')",
                [chat, school[node]],
            )


async def test_a_notice_goes_to_the_class_groups_and_acks_are_counted(counselor, db, clock, school):
    _bind_chats(db, school)
    html = await (await counselor.get("/broadcasts")).text()
    resp = await counselor.post(
        "/broadcasts",
        data={"csrf": csrf_of(html), "scope": str(school["g21"]), "text": "今晚8点前完成健康打卡"},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/broadcasts?sent=1"
    sent = db.execute("SELECT target, text FROM outbox ORDER BY target").fetchall()
    assert [t for t, _ in sent] == ["700001", "700002"]  # not 数学学院's group
    assert sent[0][1].startswith("【通知 #1】今晚8点前完成健康打卡")
    with db.atomic():
        broadcasts.record_ack(db, 1, "S101", clock.now(), "qq:1")
    text = text_of(await (await counselor.get("/broadcasts?sent=1")).text())
    assert "通知 #1 已发出" in text
    assert "回执 1/10" in text
    assert "计算机学院/2021级/计科1班 1/6 李四 王五 赵六 孙七 钱八" in text
    assert "计算机学院/2021级/计科2班 0/4 周一 吴二 郑三 冯四" in text


async def test_remind_now_mentions_who_has_not_acknowledged_once(counselor, db, clock, school):
    _bind_chats(db, school)
    html = await (await counselor.get("/broadcasts")).text()
    csrf = csrf_of(html)
    await counselor.post(
        "/broadcasts", data={"csrf": csrf, "scope": str(school["c2"]), "text": "x"}
    )
    with db.atomic():
        for pid in ("S201", "S202", "S203"):
            broadcasts.record_ack(db, 1, pid, clock.now(), f"qq:{pid}")
    resp = await counselor.post("/broadcasts/1/remind", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    reminder = db.execute("SELECT target, text FROM outbox WHERE text LIKE '%提醒%'").fetchall()
    assert reminder == [
        (
            "700002",
            "【通知 #1 提醒】以下同学还没有回复「收到」：冯四。请查看上面的通知并回复「收到」。",
        )
    ]
    resp = await counselor.post("/broadcasts/1/remind", data={"csrf": csrf})
    assert resp.status == 409
    for bad in ("99999999999999999999999", "abc"):  # a 404 page, never a 500
        resp = await counselor.post(f"/broadcasts/{bad}/remind", data={"csrf": csrf})
        assert resp.status == 404


async def test_sending_needs_csrf_a_staff_role_and_a_node_in_scope(counselor, db, clock, school):
    _bind_chats(db, school)
    csrf = csrf_of(await (await counselor.get("/broadcasts")).text())
    resp = await counselor.post("/broadcasts", data={"scope": "all", "text": "x"})
    assert resp.status == 403
    resp = await counselor.post(
        "/broadcasts", data={"csrf": csrf, "scope": str(school["m1"]), "text": "x"}
    )
    assert resp.status == 403
    assert "不在你的负责范围内" in await resp.text()
    monitor = TestClient(TestServer(create_web_app(db, Config(), clock)))
    await monitor.start_server()
    try:
        await log_in(monitor, token_for(db, "S101", clock.now()))
        page = await (await monitor.get("/broadcasts")).text()
        assert "发通知" not in page
        resp = await monitor.post(
            "/broadcasts", data={"csrf": csrf_of(page), "scope": "all", "text": "x"}
        )
        assert resp.status == 403
    finally:
        await monitor.close()
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


async def test_the_ledger_downloads_as_an_audited_workbook(counselor, db, school):
    resp = await counselor.get(
        f"/downloads/ledger.xlsx?node={school['c1']}&from=2020-02-09&to={DAY}"
    )
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in resp.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(await resp.read()))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "李四" in cells and "赵六" in cells
    assert "周一" not in cells  # 计科2班 was not asked for
    assert "陈甲" not in cells
    actor, detail = db.execute(
        "SELECT actor, detail FROM audit_log WHERE action = 'export'"
    ).fetchone()
    assert actor == "T01"
    assert json.loads(detail)["via"] == "dashboard"


async def test_downloads_are_scoped_staff_only_and_bounded(counselor, db, clock, school):
    assert (await counselor.get(f"/downloads/ledger.xlsx?node={school['m1']}")).status == 403
    resp = await counselor.get("/downloads/ledger.xlsx?from=2019-01-01&to=2020-02-10")
    assert resp.status == 400
    assert "最多导出" in await resp.text()
    page = await (await counselor.get("/downloads")).text()
    assert "下载 Excel" in page and "数学学院" not in page
    monitor = TestClient(TestServer(create_web_app(db, Config(), clock)))
    await monitor.start_server()
    try:
        await log_in(monitor, token_for(db, "S101", clock.now()))
        assert (await monitor.get("/downloads/ledger.xlsx")).status == 403
    finally:
        await monitor.close()
