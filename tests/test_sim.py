"""The simulator and the demo: a whole simulated day through the real scheduler and outbox."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta

import pytest

from bot.adapters.sim import SimCampus, SimTransport, Transcript
from bot.adapters.sim.demo import run_demo
from bot.cli import main
from core.config import load_config
from core.messages import OutgoingMessage
from storage.db import open_db
from tests.conftest import REPO, TZ

DAY = "2020-02-10"
HEALTH = re.compile(r"3[4-9][.．]\d|℃|发热|发烧|咳嗽|乏力|咽痛|嗓子|头疼|头痛|腹泻|不适")
# The opening notice shows the expected format with a made-up example; it is nobody's data.
FORMAT_EXAMPLE = re.compile(r"「张三 36\.5 正常 在校」")


def demo(tmp_path, seed=2020, days=1):
    config = load_config(REPO / "config.yaml")
    return asyncio.run(run_demo(config, tmp_path / "demo.db", days=days, seed=seed))


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo")
    result = demo(path)
    db = open_db(result.db_path)
    yield result, db
    db.close()


def class_chats(db):
    return dict(
        db.execute(
            "SELECT c.chat_id, c.node_id FROM chats c WHERE c.platform = 'sim' "
            "AND c.purpose = 'class'"
        ).fetchall()
    )


def test_nags_mention_exactly_the_students_still_missing(day):
    result, db = day
    nags = 0
    for chat_id, class_id in class_chats(db).items():
        for line in result.transcript.from_bot(chat_id):
            if "提醒】" not in line.text:
                continue
            nags += 1
            mentioned = set(re.findall(r"@(\S+)", line.text.split("【")[0]))
            missing_bound = {
                name
                for (name,) in db.execute(
                    """
                    SELECT p.name FROM people p
                    WHERE p.class_id = ? AND p.active = 1
                      AND EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id
                                  AND a.platform = 'sim')
                      AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.person_id = p.id
                                      AND r.day = ? AND r.created_at <= ?)
                    """,
                    [class_id, DAY, line.time.isoformat()],
                ).fetchall()
            }
            assert mentioned == missing_bound, (chat_id, line.time)
            assert mentioned, "a nag is only sent when someone is missing"
    assert nags >= 4  # two nags in each of four classes, unless a class was complete


def test_summary_counts_equal_what_sqlite_holds(day):
    result, db = day
    for path, chat in (("计算机学院/2021级", "sim-counselor-2021"),
                       ("计算机学院/2022级", "sim-counselor-2022")):  # fmt: skip
        grade_summary = next(
            ln.text
            for ln in result.transcript.from_bot(chat)
            if ln.text.split("\n")[0].endswith(f"{path} 2月10日")
        )
        counts_line = grade_summary.splitlines()[1]
        shown = dict(re.findall(r"(应报|实报|未报|异常) (\d+)", counts_line))
        expected, reported, abnormal = db.execute(
            """
            SELECT count(*), count(r.person_id), coalesce(sum(r.abnormal), 0)
            FROM people p JOIN nodes c ON c.id = p.class_id
            LEFT JOIN reports r ON r.person_id = p.id AND r.day = ?
            WHERE p.active = 1 AND c.path LIKE ? || '/%'
            """,
            [DAY, path],
        ).fetchone()
        assert shown == {
            "应报": str(expected),
            "实报": str(reported),
            "未报": str(expected - reported),
            "异常": str(abnormal),
        }
        assert 0 < reported < expected  # some late or never: the day is realistic
        missing_line = next(ln for ln in grade_summary.splitlines() if ln.startswith("未报："))
        assert len(missing_line.removeprefix("未报：").split("、")) == expected - reported


def test_class_groups_never_see_health_data(day):
    result, db = day
    for chat_id in class_chats(db):
        for line in result.transcript.from_bot(chat_id):
            assert not HEALTH.search(FORMAT_EXAMPLE.sub("", line.text)), line.text
    group_rows = db.execute(
        "SELECT o.text FROM outbox o JOIN chats c ON c.chat_id = o.target "
        "WHERE o.chat_type = 'group' AND c.purpose = 'class'"
    ).fetchall()
    assert group_rows
    for (text,) in group_rows:
        assert not HEALTH.search(FORMAT_EXAMPLE.sub("", text)), text


def test_every_delivery_is_stored_once_and_the_redelivery_ignored(day):
    result, db = day
    assert result.outcomes["duplicate"] == 1
    stored = db.execute("SELECT count(*) FROM raw_messages").fetchone()[0]
    assert stored == sum(result.outcomes.values()) - 1
    assert result.outcomes.get("error", 0) == 0
    sent = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
    pending = db.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
    assert sent == len(result.transcript.from_bot()) and pending == 0


def test_the_transcript_shows_a_realistic_day(day):
    result, _ = day
    text = result.transcript.render(result.titles)
    for expected in ("#接龙", "代报", "收到", "刚看到消息", "更正", "【平安报告日报】"):
        assert expected in text, expected
    students = [ln for ln in result.transcript.lines if not ln.from_bot]
    assert len({ln.time.hour for ln in students}) >= 6  # spread over the day


def test_same_seed_same_day_other_seed_other_day(tmp_path):
    def rendered(sub, seed):
        result = demo(tmp_path / sub, seed=seed)
        return result.transcript.render(result.titles).replace(str(tmp_path / sub), "")

    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
    assert rendered("a", 7) == rendered("b", 7)
    assert rendered("c", 8) != rendered("a", 7)


def test_sim_transport_renders_mentions_as_names(clock):
    transcript = Transcript()
    transport = SimTransport(transcript, clock, {"u1": "张三", "u2": "李四"}.get)
    message_id = asyncio.run(
        transport.send(
            OutgoingMessage(
                platform="sim", chat_type="group", target="g1", text="请报送", mentions=("u1", "u2")
            )
        )
    )
    assert message_id == "sim-1"
    (line,) = transcript.lines
    assert (line.chat, line.text, line.time) == ("g1", "@张三 @李四 请报送", clock.now())


def test_campus_binds_members_and_plans_deterministically(db, clock):
    from storage.chats import bind_groups
    from storage.roster import import_roster

    config = load_config(REPO / "config.yaml")
    import_roster(db, REPO / "examples" / "roster.csv", now=clock.now())
    bind_groups(db, config)
    campus = SimCampus(db, config, seed=3)
    bound = db.execute("SELECT count(*) FROM accounts WHERE platform = 'sim'").fetchone()[0]
    unbound = sum(not m.bound for ms in campus.members.values() for m in ms)
    assert bound > 100 and unbound > 0  # students without a roster account stay unbound
    first = [(p.at, p.text) for p in campus.plans(date(2020, 2, 10))]
    again = [(p.at, p.text) for p in SimCampus(db, config, seed=3).plans(date(2020, 2, 10))]
    assert first == again
    assert all(p.at.tzinfo is not None for p in campus.plans(date(2020, 2, 10)))
    assert min(at for at, _ in first) >= datetime(2020, 2, 10, 7, 0, tzinfo=TZ)


def test_demo_command_prints_groups_and_summary(tmp_path, capsys):
    db_path = tmp_path / "d.db"
    assert main(["demo", "--days", "2", "--db", str(db_path), "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "== 计算机学院 2021级 计科1班 班级群 ==" in out
    assert "02-11 21:00 平安小助手: 【平安报告日报】" in out
    assert "2020-02-11 计算机学院: 应报 120" in out
    assert db_path.is_file()
    db = open_db(db_path)
    days = [d for (d,) in db.execute("SELECT DISTINCT day FROM reports ORDER BY day")]
    db.close()
    assert days == ["2020-02-10", "2020-02-11"]
    # What the bot says and the footer are Chinese: platform names as users write them, the
    # message outcomes by their Chinese names; only names of files and tables stay as they are.
    lines = out.splitlines()
    ours = [ln for ln in lines if "平安小助手" in ln or ln.startswith(("消息处理", "=="))]
    said = re.sub(r"（模拟 [^）]+）", "", "\n".join(ours))  # a simulated account's id is data
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]+", said))
    assert words <= {"QQ", "SQLite", "png"}, words
    assert "平安小助手 → 周建国（QQ）: " in out
    footer = next(ln for ln in out.splitlines() if ln.startswith("消息处理"))
    assert re.fullmatch(r"消息处理：报送 \d+ 条，接龙 \d+ 条(，\S+ \d+ 条)*", footer), footer


async def test_realtime_adapter_delivers_posts_at_their_times(db, clock):
    from bot.adapters.sim.adapter import SimAdapter
    from storage.startup import prepare

    config = load_config(REPO / "config.yaml")
    assert prepare(db, config, clock.now()) is not None  # roster imported, groups bound
    assert prepare(db, config, clock.now()) is None  # unchanged file: not again
    received = []

    async def sink(message):
        assert message.time == clock.now()
        received.append(message)

    async def sleep(seconds):
        clock.advance(timedelta(seconds=seconds))

    adapter = SimAdapter(SimCampus(db, config, 1), sink, clock, sleep=sleep)
    await asyncio.wait_for(adapter.run(days=1), 10)
    assert len(received) > 100
    assert len(adapter.transcript.lines) == len(received)
