"""PIPL regression: a class group never hears anyone's temperature, symptoms or 异常 details.

A simulated day runs through the demo's machinery (real message path, real scheduler, real
outbox); then, on the next day, everyone who can be in a class group (students, a dorm head,
the monitor, an unbound nickname, the counselor) types every command there, well-formed and
malformed, plus check-ins and a 接龙 carrying fevers; the scheduled jobs of that day run
after them. No class-group outbox row, and no INFO log line, may carry health text.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, time, timedelta

import pytest

from bot.adapters.sim.demo import run_demo
from core.clock import FakeClock
from core.config import Exports, load_config
from core.messages import IncomingMessage
from handlers.commands.registry import COMMANDS
from handlers.pipeline import Pipeline
from schedules import Deps, build_scheduler
from storage.db import open_db
from tests.conftest import REPO, TZ

HEALTH = re.compile(
    r"3[4-9](?:[.．。]\d|度)|℃|发热|发烧|咳嗽|乏力|咽痛|嗓子|头疼|头痛|腹泻|不适|住院"
)
# The opening notice shows the expected format with a made-up example; it is nobody's data.
FORMAT_EXAMPLE = re.compile(r"「张三 36\.5 正常 在校」")
# Who is in a key group or had an 异常 case is health information about a named person too.
FOLLOW_UP = re.compile(r"已将.{1,20}列入重点群体|观察已解除|观察中。|跟踪 #\d|没有进行中的异常跟踪")
NEXT_DAY = datetime(2020, 2, 11, 9, 0, tzinfo=TZ)


def made_up(text: str) -> str:
    """The text without the made-up format examples (the opening notice's, /帮助's)."""
    text = FORMAT_EXAMPLE.sub("", text)
    for cmd in COMMANDS.values():
        text = text.replace(cmd.example, "")
    return text


def commands(other_id: str, other_name: str) -> list[str]:
    """What someone can type in a class group, with health text wherever it fits."""
    return [
        "/帮助",
        "/统计",
        "/统计 昨天",
        "/统计 abc",
        "/未报",
        "/未报 计科1班",
        "/异常",
        "/异常 昨天",
        "/更正 38.6 发热 咳嗽 在家",
        "/补报",
        "/补报 38.9 发烧 咳嗽",  # the 学号 forgotten: the refusal must not log the reading
        "/结案 37.8 发热",
        f"/补报 {other_id} 38.9 发烧 咳嗽 在家",
        f"/补报 {other_name} 38.9 发烧 咳嗽 在家",
        "/请假 abc",
        f"/请假 {other_id} 2月11日 2月12日 发烧住院",
        f"/重点 {other_id} 湖北籍 2月8日",
        f"/结案 {other_id} 已退烧，体温36.5",
        "/导出",
        "/回执 1",
        "/接龙",
        f"/绑定 {other_id} {other_name}",
        "/确认绑定 abc",
        "/不要提醒",
        "/恢复提醒",
        "/请假 " + "发烧" * 5000,
        f"{other_name} 38.5 发烧 咳嗽 在家",
        "38度5 头疼 乏力 在家",
        f"#接龙 2月11日平安报告\n1. {other_name} 38.2 发热\n2. 张三 36.5 正常",
    ]


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """One demo day, then a day of everyone typing commands in every class group."""
    path = tmp_path_factory.mktemp("privacy") / "demo.db"
    config = load_config(REPO / "config.yaml")
    config = config.model_copy(update={"exports": Exports(dir=str(path.parent / "exports"))})
    asyncio.run(run_demo(config, path, days=1, seed=11))
    db = open_db(path)
    clock = FakeClock(NEXT_DAY)
    pipeline = Pipeline(db, config, clock)
    class_chats = db.execute(
        "SELECT chat_id, node_id FROM chats WHERE platform = 'sim' AND purpose = 'class'"
    ).fetchall()
    staff = [a for (a,) in db.execute(
        "SELECT a.account_id FROM accounts a JOIN people p ON p.id = a.person_id "
        "WHERE a.platform = 'sim' AND p.role IN ('辅导员', '管理员')"
    )]  # fmt: skip
    assert class_chats and staff
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    outcomes: dict[str, int] = {}
    try:
        n = 0
        for chat_id, class_id in class_chats:
            people = db.execute(
                "SELECT p.id, p.name, p.role, a.account_id FROM people p "
                "LEFT JOIN accounts a ON a.person_id = p.id AND a.platform = 'sim' "
                "WHERE p.class_id = ? ORDER BY p.role, p.id",
                [class_id],
            ).fetchall()
            by_role: dict[str, tuple] = {}
            for row in people:
                by_role.setdefault(row[2], row)
            other = people[-1]
            unbound = next((r for r in people if r[3] is None), None)
            senders = [(r[3], r[1]) for r in by_role.values() if r[3]] + [
                (s, "辅导员") for s in staff
            ]
            if unbound:
                senders.append((f"nick-{unbound[0]}", f"{unbound[1][-1]}同学"))
            for account, display in senders:
                for text in commands(other[0], other[1]):
                    n += 1
                    clock.advance(timedelta(seconds=7))
                    outcome = pipeline.handle(
                        IncomingMessage(
                            platform="sim",
                            chat_type="group",
                            chat_id=chat_id,
                            sender_id=account,
                            display_name=display,
                            text=text,
                            message_id=f"privacy-{n}",
                            time=clock.now(),
                        )
                    )
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
        asyncio.run(_run_jobs(db, config, clock))
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    yield db, outcomes, records
    db.close()


async def _run_jobs(db, config, clock) -> None:
    """The rest of the day's scheduled jobs (nags, closing, summaries) after the commands."""
    scheduler = build_scheduler(Deps(db, config, clock), manual=True)
    scheduler.start()
    try:
        await scheduler.run_until(datetime.combine(NEXT_DAY.date() + timedelta(1), time(6), TZ))
    finally:
        scheduler.shutdown(wait=False)


def test_every_message_was_handled_without_error(day):
    _, outcomes, _ = day
    assert outcomes.get("error", 0) == 0, outcomes
    assert outcomes["command"] > 100


def test_no_class_group_message_carries_health_data(day):
    db, _, _ = day
    rows = db.execute(
        "SELECT o.text, o.created_at FROM outbox o JOIN chats c ON c.chat_id = o.target "
        "WHERE o.chat_type = 'group' AND c.purpose = 'class'"
    ).fetchall()
    assert len(rows) > 50
    assert any(at >= NEXT_DAY.isoformat() for _, at in rows)  # the commands did answer there
    for text, _ in rows:
        assert not HEALTH.search(made_up(text)), text
        assert not FOLLOW_UP.search(text), text


def test_the_health_details_went_somewhere_private(day):
    db, _, _ = day
    private = [t for (t,) in db.execute("SELECT text FROM outbox WHERE chat_type = 'private'")]
    assert any(HEALTH.search(t) for t in private)  # /异常 answered, privately


def test_no_info_log_line_carries_health_text(day):
    _, _, records = day
    assert records
    for record in records:
        if record.levelno >= logging.INFO:
            assert not HEALTH.search(record.getMessage()), record.getMessage()
