"""The provincial role (省级): counts per school, never a name, a temperature or a symptom."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from core.clock import FakeClock
from core.config import Config
from schedules import Deps
from schedules.opened import record_opened
from schedules.province import province_roll_up
from storage.schools import province_counts
from tests.schools_helpers import DAY, DEFAULT, NAMES, OTHER, Province

pytestmark = pytest.mark.both_stores

TZ = ZoneInfo("Asia/Shanghai")
SECRETS = ["38.2", "37.9", "发热", "咳嗽"]  # the two abnormal reports' details
EXPECTED = [
    f"{DEFAULT}: 应报 3, 实报 2, 未报 1, 异常 1",
    f"{OTHER}: 应报 2, 实报 1, 未报 1, 异常 1",  # 周八方 on leave: not expected
    "全省: 应报 5, 实报 3, 未报 2, 异常 2",
]


def name_free(text: str) -> bool:
    """No roster name (students, staff, the provincial account itself) and no health detail."""
    return not any(word in text for word in [*NAMES, *SECRETS])


@pytest.fixture
def province(db, tmp_path):
    return Province(db, FakeClock(datetime(2020, 2, 10, 12, 0, tzinfo=TZ)), tmp_path)


def test_the_counts_per_school(province):
    counts = {c.school: (c.expected, c.reported, c.missing, c.abnormal)
              for c in province_counts(province.db, DAY)}  # fmt: skip
    assert counts == {DEFAULT: (3, 2, 1, 1), OTHER: (2, 1, 1, 1)}


def test_quan_sheng_answers_the_counts_and_nothing_else(province):
    (reply,) = province.say("50001", "/全省")
    assert reply.text.splitlines()[1:] == EXPECTED
    assert name_free(reply.text)
    (yesterday,) = province.say("50001", "/全省 昨天")
    # 周八方's leave is for the 10th only: six expected the day before
    assert yesterday.text.splitlines()[-1] == "全省: 应报 6, 实报 0, 未报 6, 异常 0"


@pytest.mark.parametrize(
    "text", ["/未报", "/统计", "/异常", "/导出", "/未报 计科1班", "/补报 1001 36.5", "/回执"]
)
def test_every_name_query_is_refused_with_a_clear_line(province, text):
    (reply,) = province.say("50001", text)
    assert reply.text.startswith("省级账号只能查看各校的汇总人数")
    assert "/全省" in reply.text and name_free(reply.text)


def test_help_offers_the_province_command_only(province):
    (reply,) = province.say("50001", "/帮助")
    commands = [line.split()[0] for line in reply.text.splitlines()[1:]]
    assert commands == ["/全省"]
    (admin,) = province.say("20001", "/全省")  # a school's admin has no provincial view
    assert admin.text.startswith("/全省 仅限省级使用")


@pytest.mark.sqlite_only("the CLI opens the store its config file names: this test's SQLite file")
def test_cli_summary_as_text_and_json(province, tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(f"school: {DEFAULT}\nstorage:\n  path: {tmp_path / 'pingan.db'}\n", "utf-8")
    assert main(["province", "summary", "--config", str(config), "--date", DAY]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[1:] == EXPECTED and name_free(text)
    assert main(["province", "summary", "--config", str(config), "--date", DAY, "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["total"] == {
        "school": "全省", "expected": 5, "reported": 3, "abnormal": 2, "missing": 2,
    }  # fmt: skip
    assert [s["school"] for s in data["schools"]] == [DEFAULT, OTHER]
    assert name_free(out)


def test_nightly_roll_ups_go_up_the_hierarchy_without_names(province):
    db = province.db
    classes = [r[0] for r in db.execute("SELECT path FROM nodes WHERE kind = 'class'")]
    record_opened(db, DAY, classes, datetime(2020, 2, 10, 7, 0, tzinfo=TZ))
    db.conn.commit()
    deps = Deps(db, Config(school=DEFAULT), FakeClock(datetime(2020, 2, 10, 21, 0, tzinfo=TZ)))
    assert province_roll_up(deps, DAY) == 3  # two school admins, the provincial account
    assert province_roll_up(deps, DAY) == 0  # once a day
    sent = dict(db.execute("SELECT target, text FROM outbox"))
    assert sent["50001"].splitlines()[1:] == EXPECTED
    assert sent["20001"] == f"{DAY} {DEFAULT}平安报告: 应报 3, 实报 2, 未报 1, 异常 1"
    assert sent["30001"] == f"{DAY} {OTHER}平安报告: 应报 2, 实报 1, 未报 1, 异常 1"
    assert all(name_free(text) for text in sent.values())


def test_the_bench_prints_its_counts(capsys):
    assert main(["bench", "province", "--students", "2000", "--schools", "4", "--repeat", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["bench"] == "province" and result["schools"] == 4
    assert 0 < result["reported"] <= result["expected"] <= 2000
