"""The message path: dedup → router → parser → resolve → report upsert → replies."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

import handlers.resolve
import handlers.router
from core.config import Config, GroupBinding
from core.messages import IncomingMessage
from handlers.pipeline import Pipeline
from storage.chats import bind_groups
from storage.reports import history
from storage.roster import import_roster
from tests.conftest import TZ
from tests.roster_helpers import BASE, row, write_csv

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

CLASS1, CLASS2, COUNSELORS = "700001", "700002", "700900"
EXTRA = [
    row("1005,李娜,计算机学院,2021级,计科1班,5栋202,,,,10005,"),
    row("1006,李娜,计算机学院,2021级,计科2班,5栋203,,,,10006,"),
]
HEALTH = re.compile(r"3[4-9][.．]\d|℃|发热|发烧|咳嗽|乏力|咽痛|嗓子|头疼|头痛|腹泻|体温|不适")
_ids = itertools.count(1)


@pytest.fixture
def config():
    return Config(
        groups=[
            GroupBinding(platform="qq", chat=CLASS1, node="计算机学院/2021级/计科1班",
                         purpose="class"),
            GroupBinding(platform="qq", chat=CLASS2, node="计算机学院/2021级/计科2班",
                         purpose="class"),
            GroupBinding(platform="qq", chat=COUNSELORS, node="计算机学院/2021级",
                         purpose="counselor"),
        ]
    )  # fmt: skip


@pytest.fixture
def pipeline(db, config, clock, tmp_path):
    import_roster(db, write_csv(tmp_path / "r.csv", BASE + EXTRA), now=clock.now())
    bind_groups(db, config)
    clock.set(datetime(2020, 2, 10, 8, 0, tzinfo=TZ))
    return Pipeline(db, config, clock)


def msg(pipeline, sender, text, chat=CLASS1, *, message_id=None, chat_type="group"):
    clock = pipeline.clock
    clock.advance(timedelta(minutes=1))
    return IncomingMessage(
        platform="qq",
        chat_type=chat_type,
        chat_id=chat if chat_type == "group" else sender,
        sender_id=sender,
        display_name="某人",
        text=text,
        message_id=message_id or f"m{next(_ids)}",
        time=clock.now(),
    )


def report(db, person_id, day="2020-02-10"):
    rows = list(db.query("SELECT * FROM reports WHERE person_id = ? AND day = ?", [person_id, day]))
    return rows[0] if rows else None


def outbox(db):
    return list(db.query("SELECT chat_type, target, text, mentions FROM outbox ORDER BY id"))


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_bound_sender_check_in_is_stored_for_the_day(pipeline, db):
    m = msg(pipeline, "10001", "36.5 正常 在校")
    assert pipeline.handle(m) == "checkin"
    r = report(db, "1001")
    assert (r["temperature"], r["abnormal"], r["on_campus"], r["revision"]) == (36.5, 0, 1, 1)
    assert (r["source"], r["message_key"], r["proxy"], r["posted_by"]) == ("free", m.key, 0, None)
    assert r["class_id"] is not None
    raw = db.execute("SELECT kind, text FROM raw_messages").fetchall()
    assert raw == [("checkin", "36.5 正常 在校")]
    assert outbox(db) == []  # a normal report needs no reply


def test_a_message_seen_before_is_ignored(pipeline, db, caplog):
    first = msg(pipeline, "10001", "张三 36.5 正常", message_id="dup-1")
    assert pipeline.handle(first) == "checkin"
    again = msg(pipeline, "10001", "张三 37.9 发烧", message_id="dup-1")
    with caplog.at_level("INFO"):
        assert pipeline.handle(again) == "duplicate"
    assert "duplicate message qq:dup-1 ignored" in caplog.text
    assert count(db, "raw_messages") == 1
    r = report(db, "1001")
    assert (r["temperature"], r["revision"]) == (36.5, 1)
    assert count(db, "report_history") == 0


def test_correction_keeps_history_and_merges_fields(pipeline, db):
    pipeline.handle(msg(pipeline, "10001", "36.5 正常 在校"))
    second = msg(pipeline, "10001", "36.7 正常 在家")
    pipeline.handle(second)
    r = report(db, "1001")
    assert (r["temperature"], r["on_campus"], r["revision"]) == (36.7, 0, 2)
    assert r["message_key"] == second.key
    # a later message that only speaks of health keeps the whereabouts
    pipeline.handle(msg(pipeline, "10001", "36.6 正常"))
    r = report(db, "1001")
    assert (r["temperature"], r["on_campus"], r["revision"]) == (36.6, 0, 3)
    past = history(db, "1001", "2020-02-10")
    assert [(h["revision"], h["temperature"], h["on_campus"]) for h in past] == [
        (1, 36.5, 1),
        (2, 36.7, 0),
    ]


def test_saying_the_same_again_creates_no_revision(pipeline, db):
    pipeline.handle(msg(pipeline, "10001", "36.5 正常 在校"))
    pipeline.handle(msg(pipeline, "10001", "张三 36.5 正常 在校"))
    assert report(db, "1001")["revision"] == 1
    assert count(db, "report_history") == 0


def test_proxy_report_by_a_bound_classmate(pipeline, db):
    pipeline.handle(msg(pipeline, "10001", "李四 36.6 正常 在家"))
    r = report(db, "1002")
    assert (r["proxy"], r["posted_by"], r["temperature"]) == (1, "1001", 36.6)
    assert report(db, "1001") is None  # the poster's own report is not made by it


def test_unknown_sender_is_matched_by_the_name_in_the_text(pipeline, db):
    # 赵敏 has no account in the roster; her name in the 计科2班 group identifies her, but an
    # account nobody confirmed is not 赵敏: the report is a 代报 with the account recorded
    pipeline.handle(msg(pipeline, "55555", "赵敏 36.4 正常 在校", chat=CLASS2))
    r = report(db, "1004")
    assert (r["temperature"], r["proxy"], r["posted_by"]) == (36.4, 1, None)
    assert (r["author"], r["posted_account"]) == ("proxy", "qq:55555")


def test_same_name_resolves_within_the_chats_class(pipeline, db):
    pipeline.handle(msg(pipeline, "55555", "李娜 36.4 正常", chat=CLASS2))
    assert report(db, "1006") is not None and report(db, "1005") is None


def test_unknown_sender_without_a_name_is_asked_once_in_the_group(pipeline, db):
    for _ in range(2):
        assert pipeline.handle(msg(pipeline, "55555", "36.5 正常 在校")) == "checkin"
    assert count(db, "reports") == 0
    replies = outbox(db)
    assert len(replies) == 1
    assert replies[0]["chat_type"] == "group" and replies[0]["target"] == CLASS1
    assert json.loads(replies[0]["mentions"]) == ["55555"]
    assert "姓名" in replies[0]["text"]
    assert count(db, "raw_messages") == 2  # nothing lost


def test_a_name_not_in_the_class_is_not_stored(pipeline, db):
    pipeline.handle(msg(pipeline, "10001", "王五 36.5 正常"))  # 王五 is in 计科2班
    assert count(db, "reports") == 0
    (reply,) = outbox(db)
    assert "没有「王五」" in reply["text"]


def test_abnormal_report_is_followed_up_privately_and_groups_see_no_health_data(pipeline, db):
    pipeline.handle(msg(pipeline, "10001", "张三 37.8 身体不适 在家"))
    pipeline.handle(msg(pipeline, "10001", "李四 38.1 不舒服"))
    pipeline.handle(msg(pipeline, "55555", "37.9 不舒服"))
    pipeline.handle(msg(pipeline, "10002", "不认识 37.5 不舒服"))
    assert report(db, "1001")["abnormal"] == 1 and report(db, "1002")["abnormal"] == 1
    replies = outbox(db)
    private = [r for r in replies if r["chat_type"] == "private"]
    group = [r for r in replies if r["chat_type"] == "group"]
    # The poster hears back; the class's counselor gets the case alert (handlers.cases),
    # the 代报 marked; 李四 is asked privately to confirm what 张三 reported for him.
    assert {r["target"] for r in private} == {"10001", "10002", "wxid_zhou01"}
    assert any("37.8" in r["text"] for r in private if r["target"] == "10001")
    (ask,) = [r["text"] for r in private if r["target"] == "10002"]
    assert ask.startswith("【代报确认】张三（班长）替你报了2月10日的平安：38.1℃")
    alerts = [r["text"] for r in private if r["target"] == "wxid_zhou01"]
    assert len(alerts) == 2 and all(t.startswith("【异常】") for t in alerts)
    assert sum("（张三（班长）代报）" in t for t in alerts) == 1
    assert group, "the unknown sender and the unknown name get a group reply"
    for r in group:
        assert not HEALTH.search(r["text"]), r["text"]


def test_counselor_group_text_is_not_a_check_in(pipeline, db):
    pipeline.handle(msg(pipeline, "10001", "36.5 正常", chat=COUNSELORS))
    assert count(db, "reports") == 0


def test_private_check_in_from_a_bound_student(pipeline, db):
    pipeline.handle(msg(pipeline, "10002", "36.6 正常 在家", chat_type="private"))
    assert report(db, "1002")["temperature"] == 36.6


def test_report_day_is_the_messages_local_day(pipeline, db):
    m = msg(pipeline, "10001", "36.5 正常")
    fields = {f: getattr(m, f) for f in m.__dataclass_fields__}
    # 16:30 UTC is 00:30 the next day in Shanghai
    fields.update(message_id="night", time=datetime(2020, 2, 10, 16, 30, tzinfo=UTC))
    pipeline.handle(IncomingMessage(**fields))
    assert report(db, "1001", "2020-02-11") is not None
    assert report(db, "1001", "2020-02-10") is None


@pytest.mark.parametrize(
    "text,outcome",
    [
        ("", "other"),
        ("   \n\t ", "other"),
        ("收到", "other"),
        ("张三 36.5 正常 " * 7000, "other"),  # ~100 KB
        ("\x00\x01\x02\xff\ud800garbage\udfff\x7f", "other"),
        (bytes(range(256)).decode("latin-1") * 40, "other"),
        ("#接龙\n" + "\n".join(f"{i}. x" for i in range(1, 3000)), "chain"),  # names no one
    ],
    ids=["empty", "blank", "ack", "100KB", "control+surrogates", "binary", "huge-chain"],
)
def test_junk_is_kept_and_ignored_without_raising(pipeline, db, text, outcome):
    pipeline.handle(msg(pipeline, "10001", "36.5 正常"))
    before = report(db, "1001")
    assert pipeline.handle(msg(pipeline, "10001", text)) == outcome
    assert count(db, "raw_messages") == 2
    assert report(db, "1001") == before
    assert count(db, "reports") == 1


def test_a_failing_handler_rolls_back_and_keeps_the_message(pipeline, db, monkeypatch):
    def explode(ctx, routed, directory):
        handlers.router.handle_checkin(ctx, routed, directory)  # writes the report…
        raise RuntimeError("bug")  # …then fails: the write must not survive

    monkeypatch.setitem(handlers.router.HANDLERS, "checkin", explode)
    m = msg(pipeline, "10001", "36.5 正常")
    assert pipeline.handle(m) == "error"
    assert count(db, "reports") == 0
    assert db.execute("SELECT kind FROM raw_messages").fetchall() == [("error",)]
    assert pipeline.handle(m) == "duplicate"  # a redelivery is not processed twice


def test_parser_and_roster_are_loaded_once_per_import(pipeline, db, monkeypatch, tmp_path, clock):
    built = []
    real = handlers.resolve.Parser

    class CountingParser(real):
        def __init__(self, names):
            built.append(len(list(names)))
            super().__init__(names)

    monkeypatch.setattr(handlers.resolve, "Parser", CountingParser)
    fresh = Pipeline(db, pipeline.config, pipeline.clock)
    for i in range(20):
        fresh.handle(msg(pipeline, "10001", f"36.{i % 10} 正常"))
    assert len(built) == 1
    import_roster(db, write_csv(tmp_path / "r2.csv", BASE), now=clock.now())
    fresh.handle(msg(pipeline, "10001", "36.5 正常"))
    assert len(built) == 2


async def test_pipeline_is_the_adapters_message_sink_and_wakes_the_outbox(db, config, pipeline):
    woken = []
    sink = Pipeline(db, config, pipeline.clock, on_queued=lambda: woken.append(1))
    await sink(msg(pipeline, "10001", "36.5 正常"))  # nothing queued: no wake-up
    assert woken == [] and report(db, "1001") is not None
    await sink(msg(pipeline, "55555", "36.5 正常"))  # the "write your name" reply
    assert woken == [1]


def test_an_unreadable_check_in_gets_one_private_prompt_a_day(pipeline, db):
    # A named reply whose temperature cannot be read: one private prompt, however often.
    pipeline.handle(msg(pipeline, "10001", "张三 体温 3 6 5 在校"))
    pipeline.handle(msg(pipeline, "10001", "张三 体温 512"))
    assert report(db, "1001")["temperature"] is None  # reported, the temperature unknown
    (prompt,) = outbox(db)
    assert prompt["chat_type"] == "private" and prompt["target"] == "10001"
    assert "张三 36.5 正常 在校" in prompt["text"]  # the expected form, never their data
    assert count(db, "raw_messages") == 2  # nothing lost


def test_a_check_in_without_health_is_kept_and_prompted_once(pipeline, db):
    pipeline.handle(msg(pipeline, "10002", "李四 在校"))
    pipeline.handle(msg(pipeline, "10002", "李四 在宿舍"))
    assert report(db, "1002")["on_campus"] == 1  # what was read is kept
    prompts = [r for r in outbox(db) if r["chat_type"] == "private"]
    assert len(prompts) == 1 and prompts[0]["target"] == "10002"
    assert "体温" in prompts[0]["text"]


@pytest.mark.parametrize(
    "text", ["收到", "好的老师", "体温超过37.3的同学请私聊我", "请问今天几点截止？"]
)
def test_chatter_and_questions_get_no_prompt(pipeline, db, text):
    pipeline.handle(msg(pipeline, "10001", text))
    assert outbox(db) == []
