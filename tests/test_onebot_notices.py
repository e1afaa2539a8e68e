"""NapCat and Lagrange as they really are: their own messages, replies, recalls and member
changes, from recorded-shape frames (tests/onebot_notices.json, each with its source)."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.onebot import OneBotAdapter
from bot.adapters.onebot.adapter import to_incoming
from bot.adapters.onebot.backfill import _decode_page
from bot.adapters.onebot.event import decode
from bot.adapters.onebot.settings import OneBotConnection
from bot.cli.run import serve
from bot.member_events import apply_member_change
from core.config import Config, load_config
from core.messages import IncomingMessage, MemberChange, Recall
from handlers import broadcast
from handlers.pipeline import Pipeline
from handlers.recall import withdraw
from storage.db import open_db
from storage.outbox import mark_sent
from tests.conftest import TZ
from tests.onebot_peer import OneBotPeer, text, until
from tests.run_helpers import free_port, write_config
from tests.schedules_helpers import CLASS1, GRADE, add_person, node_id, small_school
from tests.test_run import TickingClock

FRAMES = Path(__file__).with_name("onebot_notices.json")
GROUP = "700001"


def _config() -> Config:
    return Config.model_validate(
        {
            "checkin": {"charts": False},
            "groups": [{"platform": "qq", "chat": GROUP, "node": CLASS1, "purpose": "class"}],
        }
    )


def _message(mid: str, sender: str, words: str, when: datetime, reply_to: str = ""):
    return IncomingMessage(
        platform="qq", chat_type="group", chat_id=GROUP, sender_id=sender, display_name="",
        text=words, message_id=mid, time=when, account="10000", reply_to=reply_to,
    )  # fmt: skip


def _recall(mid: str, sender: str, when: datetime) -> Recall:
    return Recall("qq", GROUP, mid, sender, sender, when, "10000")


def _report(db, person: str):
    return db.execute(
        "SELECT temperature, abnormal, message_key FROM reports WHERE person_id = ?", [person]
    ).fetchone()


def _private(db, target: str) -> list[str]:
    rows = db.execute(
        "SELECT text FROM outbox WHERE chat_type = 'private' AND target = ? ORDER BY id", [target]
    )
    return [r[0] for r in rows]


def test_recorded_frames_decode_to_their_models():
    cases = json.loads(FRAMES.read_text(encoding="utf-8"))
    for case in cases:
        assert case["source"], case["name"]
        frame = decode(case["frame"])
        assert (type(frame).__name__ if frame else None) == case["model"], case["name"]
        for key, value in case.get("incoming", {}).items():
            got = getattr(to_incoming(frame, TZ), key)
            assert (list(got) if isinstance(got, tuple) else got) == value, (case["name"], key)


def test_history_reads_others_and_never_our_own_message_sent():
    (answer,) = [c for c in json.loads(FRAMES.read_text("utf-8")) if c["model"] == "ActionResponse"]
    page = _decode_page(answer["frame"]["data"]["messages"], GROUP, "10000", TZ)
    assert [(seq, m.text) for seq, m in page] == [(502, "王五 36.6 正常")]


@pytest.fixture
def school(db):
    small_school(db)
    return db


def test_a_reply_quoting_a_notice_is_its_receipt_and_no_other(school, clock):
    db, config = school, _config()
    pipeline = Pipeline(db, config, clock)
    notices = []
    for words in ("明天返校请带好证件", "周五前填写健康码"):
        with db.atomic():
            sent = broadcast.send(
                db, config, clock.now(), author_id="c1", scope_node_id=None, scope_label="全体",
                node_ids={node_id(db, CLASS1)}, text=words,
            )  # fmt: skip
        assert sent is not None
        notices.append(sent.id)
    rows = db.execute("SELECT id, dedup_key FROM outbox ORDER BY id").fetchall()
    with db.atomic():
        for outbox_id, key in rows:  # QQ accepted both notices: n<id> are their message ids
            mark_sent(db, [outbox_id], f"n{key.split(':')[1]}", clock.now(), "10000")
    clock.advance(timedelta(minutes=5))
    first, second = notices
    # a question quoting the first notice: read it, so it counts (for that one only)
    pipeline.handle(_message("m1", "1001", "好的老师，几点到校？", clock.now(), f"n{first}"))
    # quoting a message that is not a notice: nothing
    pipeline.handle(_message("m2", "1002", "嗯嗯", clock.now(), "someone-else"))
    acks = db.execute("SELECT broadcast_id, person_id FROM acks ORDER BY 1, 2").fetchall()
    assert acks == [(first, "s1")]
    # the window closed: quoting no longer counts
    clock.advance(timedelta(hours=25))
    pipeline.handle(_message("m3", "1003", "收到", clock.now(), f"n{second}"))
    assert db.execute("SELECT count(*) FROM acks").fetchone()[0] == 1


def test_a_recall_withdraws_the_report_it_made_unless_a_newer_one_stands(school, clock):
    db, config = school, _config()
    pipeline = Pipeline(db, config, clock)
    at8 = datetime(2020, 2, 10, 8, 0, tzinfo=TZ)
    pipeline.handle(_message("501", "1001", "张三 36.5 正常", at8))
    pipeline.handle(_message("502", "1001", "张三 37.8 咳嗽", at8 + timedelta(minutes=5)))
    pipeline.handle(_message("503", "1002", "李四 36.4 正常", at8))
    pipeline.handle(_message("504", "1002", "李四 38.1 发烧", at8 + timedelta(minutes=5)))
    queued_before = db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    # 张三 withdraws his first message: the newer report stands, nobody is told anything
    assert withdraw(db, _recall("501", "1001", at8), clock.now()) == 0
    assert _report(db, "s1") == (37.8, 1, "qq:502")
    # 李四 withdraws the newer one: the earlier report stands again
    assert withdraw(db, _recall("504", "1002", at8), clock.now()) == 1
    assert _report(db, "s2") == (36.4, 0, "qq:503")
    (told,) = _private(db, "1002")[-1:]
    assert "已作废" in told and "以之前发的报告为准" in told
    # 张三 withdraws the second too: nothing of his stands, he is missing again
    assert withdraw(db, _recall("502", "1001", at8), clock.now()) == 1
    assert _report(db, "s1") is None
    told = _private(db, "1001")[-1]
    assert "还没有有效的报告" in told
    notices = [t for t in _private(db, "1001") + _private(db, "1002") if "撤回" in t]
    assert len(notices) == 2
    for words in notices:
        assert not any(x in words for x in ("37.8", "38.1", "咳嗽", "发烧"))  # no health data
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == queued_before + 2
    kinds = db.execute(
        "SELECT message_id, kind FROM raw_messages WHERE kind = 'recalled' ORDER BY 1"
    ).fetchall()
    assert kinds == [("501", "recalled"), ("502", "recalled"), ("504", "recalled")]


def test_member_changes_bind_students_only_and_close_reviews(school, clock):
    db, config = school, _config()
    add_person(db, "c2", "钱老师", role="辅导员", responsible=(GRADE,))
    joined = MemberChange("qq", GROUP, "1004", "joined", ("计科1班-赵六", "zl"))
    assert apply_member_change(db, config, clock, joined) == "s4"
    # a card that names a staff member never binds the account to them
    renamed = MemberChange("qq", GROUP, "30009", "renamed", ("钱老师",))
    assert apply_member_change(db, config, clock, renamed) is None
    assert db.execute("SELECT count(*) FROM accounts WHERE account_id = '30009'").fetchone()[0] == 0
    stamp = clock.now().isoformat()
    db["account_reviews"].insert(
        {"platform": "qq", "account_id": "30010", "chat_id": GROUP, "display_name": "王芳",
         "candidates": "[]", "reason": "ambiguous", "created_at": stamp, "updated_at": stamp}
    )  # fmt: skip
    left = MemberChange("qq", GROUP, "30010", "left")
    apply_member_change(db, config, clock, left)
    resolved = db.execute("SELECT resolved_at FROM account_reviews").fetchone()[0]
    assert resolved is not None


async def test_the_adapter_hands_recalls_in_order_and_member_changes_with_names():
    seen: list[object] = []

    async def core(message):
        await asyncio.sleep(0.02)  # the core is slower than the socket
        seen.append(message)

    async def recalled(recall):
        seen.append(recall)

    changes: list[MemberChange] = []

    async def member(change):
        changes.append(change)

    adapter = OneBotAdapter(
        [OneBotConnection(mode="reverse_ws", port=0)],
        on_message=core, on_recall=recalled, on_member=member,
    )  # fmt: skip
    await adapter.start()
    peer = OneBotPeer(
        members={700001: [{"user_id": 1004, "card": "计科1班-赵六", "nickname": "zl"}]}
    )
    frames = {c["name"].split(":")[0]: c["frame"] for c in json.loads(FRAMES.read_text("utf-8"))}
    try:
        await peer.connect(f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws")
        await peer.push(peer.group_message(700001, 1001, [text("张三 36.5")], message_id=1830045))
        await peer.push(frames["group_recall"])  # right behind the message it withdraws
        await peer.push(frames["NapCat reportSelfMessage"])  # our own message: never input
        for kind in ("group_increase", "group_card", "group_decrease"):
            await peer.push(frames[kind])
        await until(lambda: len(seen) == 2 and len(changes) == 3)
        message, recall = seen
        assert isinstance(message, IncomingMessage) and isinstance(recall, Recall)
        assert (recall.message_id, recall.sender_id, recall.chat_id) == ("1830045", "1001", GROUP)
        by_kind = {c.change: c for c in changes}
        assert by_kind["joined"].names == ("计科1班-赵六", "zl")  # asked get_group_member_info
        assert by_kind["renamed"].names == ("计科1班-赵六",)
        assert by_kind["left"].account_id == "1004"
    finally:
        await peer.close()
        await adapter.stop()


async def test_pingan_run_withdraws_a_recalled_report_and_tells_the_sender(tmp_path):
    port = free_port()
    config = load_config(
        write_config(
            tmp_path,
            groups=[{"platform": "qq", "chat": GROUP, "node": CLASS1, "purpose": "class"}],
            adapters={"onebot": [{"mode": "reverse_ws", "port": port}]},
        )
    )
    stop = asyncio.Event()
    bot = asyncio.create_task(
        serve(config, stop, TickingClock(datetime(2020, 2, 10, 8, 30, tzinfo=TZ)))
    )
    peer = OneBotPeer(members={700001: []})
    db = open_db(config.db_path)
    try:
        await until(lambda: _listening(port), timeout=30)
        await peer.connect(f"ws://127.0.0.1:{port}/onebot/v11/ws")
        student = 1541696876  # 沈斌, bound by the sample roster's QQ column
        await peer.push(
            peer.group_message(700001, student, [text("沈斌 36.5 正常 在校")], message_id=88)
        )
        await peer.push(
            {"time": 1581289300, "self_id": 10000, "post_type": "notice",
             "notice_type": "group_recall", "group_id": 700001, "user_id": student,
             "operator_id": student, "message_id": 88}
        )  # fmt: skip
        await until(lambda: any("撤回" in d.text for d in peer.delivered), timeout=10)
        told = next(d for d in peer.delivered if "撤回" in d.text)
        assert (told.action, told.target) == ("send_private_msg", student)
        assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 0
    finally:
        db.close()
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await peer.close()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
