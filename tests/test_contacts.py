"""Roster 电话 and 家长电话: beside each missing or abnormal student for the counselors
responsible (dashboard, ledger), never for a class monitor, never in a group."""

from __future__ import annotations

from datetime import datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from bot.web import create_web_app
from core.clock import FakeClock
from core.config import Config
from schedules import Deps, summarize
from storage.ledger import load
from storage.ledger_xlsx import write_workbook
from storage.roster import RosterProblems, import_roster
from tests.conftest import TZ
from tests.schedules_helpers import config as schedules_config
from tests.schedules_helpers import node_id as path_id
from tests.schedules_helpers import opened, outbox, small_school
from tests.web_helpers import DAY, log_in, seed_school, token_for

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

NOW = datetime(2020, 2, 10, 8, 0, tzinfo=TZ)
HEADER = "学号,姓名,学院,年级,班级,手机,家长电话\n"


def test_the_roster_columns_are_read_and_checked(db, tmp_path):
    good = tmp_path / "r.csv"
    good.write_text(
        HEADER + "2021001,张三,计算机学院,2021级,计科1班,138 1234 5678,+86-139-0000-1111\n"
        "2021002,李四,计算机学院,2021级,计科1班,,\n",
        encoding="utf-8",
    )
    import_roster(db, good, now=NOW)
    assert db.execute("SELECT id, phone, parent_phone FROM people ORDER BY id").fetchall() == [
        ("2021001", "138 1234 5678", "+86-139-0000-1111"),
        ("2021002", None, None),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2021001,张三,计算机学院,2021级,计科1班,问辅导员,\n", encoding="utf-8")
    with pytest.raises(RosterProblems) as raised:
        import_roster(db, bad, now=NOW)
    assert "第2行" in str(raised.value) and "电话" in str(raised.value)


@pytest.fixture
def school(db):
    ids = seed_school(db)
    with db.atomic():  # 赵六 S104 is missing, 李四 S102 abnormal
        db.execute("UPDATE people SET phone = '13800000104', parent_phone = '13900000104'"
                   " WHERE id = 'S104'")  # fmt: skip
        db.execute("UPDATE people SET phone = '13800000102' WHERE id = 'S102'")
    return ids


async def page_as(db, clock, person_id: str, node: int) -> str:
    async with TestClient(TestServer(create_web_app(db, Config(), clock))) as client:
        await log_in(client, token_for(db, person_id, clock.now()))
        resp = await client.get(f"/today?node={node}&date={DAY}")
        assert resp.status == 200
        return await resp.text()


async def test_the_counselor_sees_phones_beside_the_missing_and_the_abnormal(db, clock, school):
    html = await page_as(db, clock, "T01", school["c1"])
    missing = html[html.index('id="missing"') : html.index('id="abnormal"')]
    assert 'href="tel:13800000104"' in missing and "家长 13900000104" in missing
    abnormal = html[html.index('id="abnormal"') : html.index('id="students"')]
    assert 'href="tel:13800000102"' in abnormal
    grade = await page_as(db, clock, "T01", school["g21"])  # the grade page's missing list
    assert "电话 13800000104" in grade


async def test_a_monitor_never_sees_a_phone(db, clock, school):
    html = await page_as(db, clock, "S101", school["c1"])
    assert "赵六" in html and "1380000" not in html and "tel:" not in html


def test_the_ledger_lists_the_missing_and_abnormal_with_their_phones(db, school, tmp_path):
    ledger = load(db, [DAY], {school["c1"]})
    book = load_workbook(write_workbook(ledger, tmp_path / "l.xlsx"))
    rows = list(book["未报异常联系"].iter_rows(min_row=1, values_only=True))
    assert rows[0] == ("日期", "班级", "学号", "姓名", "情况", "电话", "家长电话")
    assert (DAY, "2021级/计科1班", "S104", "赵六", "未报", "13800000104", "13900000104") in rows
    assert (DAY, "2021级/计科1班", "S102", "李四", "异常", "13800000102", None) in rows
    assert all(r[2] != "S101" for r in rows)  # reported and well: not a call to make


def test_summaries_in_chats_carry_no_phone(db, tmp_path):
    small_school(db)
    db.execute("UPDATE people SET phone = '13812345678' WHERE id = 's4'")
    opened(db)
    night = FakeClock(datetime(2020, 2, 10, 21, 0, tzinfo=TZ))
    deps = Deps(db, schedules_config(), night, tmp_path / "charts")
    summarize(deps, "2020-02-10", [path_id(db, "计算机学院/2021级/计科1班")])
    texts = [r["text"] for r in outbox(db)]
    assert texts and any("赵六" in t for t in texts)
    assert all("13812345678" not in t for t in texts)
