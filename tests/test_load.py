"""Proof under load and faults, shortened for the suite (the full runs are in benchmarks/):
a burst through a real `pingan run` process, kill -9 in the middle of one, and backfill of
what QQ received while the bot was away."""

from __future__ import annotations

import asyncio
import sqlite3

from benchmarks.burst import run_burst
from benchmarks.crash import crash_run, ok
from benchmarks.harness import TOKEN, free_port, onebot_config
from benchmarks.peer import LoadPeer
from bot.adapters.sim.school import build_school, checkin_text, write_config
from bot.cli.run import serve
from core.config import load_config
from tests.onebot_peer import until


async def test_a_burst_is_recorded_exactly_once(tmp_path):
    result = await run_burst(tmp_path, students=1_500, classes=30, rate=200, seconds=3)
    assert result["confirmed"] == result["messages"] == 600
    assert result["lost"] == 0 and result["double"] == 0
    assert result["reports"] == 600 and result["raw_messages"] == 600
    assert result["integrity"] == "ok" and result["exit_status"] == 0
    assert result["errors_logged"] == 0
    assert result["p99_ms"] > 0  # measured; its target (100 ms) is benchmarks/burst.py's


async def test_kill_9_mid_burst_loses_nothing_confirmed_and_sends_nothing_twice(tmp_path):
    r = await crash_run(
        tmp_path, students=800, classes=20, count=700, rate=150, kill_at=0.3, per_minute=10
    )
    assert r["confirmed_lost"] == 0, "a report the bot confirmed is gone"
    assert r["integrity_after_kill"] == "ok" and r["integrity"] == "ok"
    assert r["confirmed_before_kill"] < 410, "the kill should catch messages in flight"
    assert r["recovered_by_backfill"] > 0 and r["lost"] == 0 and r["double"] == 0
    assert r["outbox_pending_at_kill"] > 0 and r["outbox_after"].get("pending", 0) == 0
    assert r["sent_twice"] <= r["flagged_unconfirmed"]  # at-least-once, and only as logged
    assert r["opens_in_first_run"] and not r["opens_caught_up_again"]
    assert r["job_runs_twice"] == 0
    assert ok(r)


def _reports(path) -> dict[str, str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT message_key, person_id FROM reports"))
    finally:
        db.close()


def _raw_count(path) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM raw_messages").fetchone()[0]
    finally:
        db.close()


class NoHistoryPeer(LoadPeer):
    """An implementation without get_group_msg_history (answers 1404, as the spec says)."""

    def _execute(self, request):
        if request["action"] == "get_group_msg_history":
            self.history_calls += 1
            return {"status": "failed", "retcode": 1404, "data": None, "echo": request["echo"]}
        return super()._execute(request)


async def _bot(tmp_path, peer_cls=LoadPeer):
    import random

    school = build_school(tmp_path, students=40, classes=2)
    port = free_port()
    db_path = tmp_path / "pingan.db"
    config = load_config(
        write_config(tmp_path / "config.yaml", school, db_path, onebot_config(port))
    )
    members: dict[int, list] = {}
    for s in school.students:
        members.setdefault(int(s.group), []).append({"user_id": int(s.qq), "card": s.name})
    peer = peer_cls(access_token=TOKEN, members=members)
    stop = asyncio.Event()
    bot = asyncio.create_task(serve(config, stop))
    url = f"ws://127.0.0.1:{port}/onebot/v11/ws"
    await peer.connect_retry(url)
    rng = random.Random(7)

    def say(i: int, mid: int):
        s = school.students[i]
        return peer.checkin(int(s.group), int(s.qq), checkin_text(rng, s), s.name, mid)

    return school, peer, stop, bot, url, db_path, say


async def test_backfill_records_what_was_missed_while_disconnected(tmp_path):
    school, peer, stop, bot, url, db_path, say = await _bot(tmp_path)
    try:
        for i in range(5):  # live, in the first group
            await peer.push(say(i, 500 + i))
        await until(lambda: len(_reports(db_path)) == 5, timeout=10)
        await peer.disconnect()
        await until(lambda: not peer.connected, timeout=5)
        for i in range(5, 30):  # both groups, while the bot is away
            say(i, 600 + i)
        group = int(school.students[0].group)  # the history also holds what is not ours
        own = peer.group_message(group, peer.self_id, [{"type": "text", "data": {"text": "x"}}])
        own.update(time=peer.history[group][-1]["time"], message_seq=10_000)
        peer.history[group].append(own)
        calls = peer.history_calls
        await peer.connect_retry(url)
        await until(lambda: len(_reports(db_path)) == 30, timeout=15)
        assert peer.history_calls > calls
        keys = _reports(db_path)
        assert set(keys) == {f"qq:{m}" for m in [*range(500, 505), *range(605, 630)]}
        assert sorted(keys.values()) == sorted(s.person_id for s in school.students[:30])
        assert _raw_count(db_path) == 30  # live ones fetched again are duplicates, not reports
        # a second reconnect with nothing new changes nothing
        await peer.disconnect()
        await until(lambda: not peer.connected, timeout=5)
        calls = peer.history_calls
        await peer.connect_retry(url)
        await until(lambda: peer.history_calls >= calls + 2, timeout=10)
        assert len(_reports(db_path)) == 30 and _raw_count(db_path) == 30
    finally:
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await peer.close()


async def test_without_history_support_the_bot_goes_on(tmp_path):
    _, peer, stop, bot, _, db_path, say = await _bot(tmp_path, NoHistoryPeer)
    try:
        await until(lambda: peer.history_calls == 1, timeout=10)  # tried once, then stops
        await peer.push(say(0, 900))
        await until(lambda: len(_reports(db_path)) == 1, timeout=10)
        assert peer.history_calls == 1
    finally:
        stop.set()
        assert await asyncio.wait_for(bot, 10) == 0
        await peer.close()


def test_history_page_semantics_of_the_peer():
    """The fake follows NapCat: newest `count` without a seq, up to the seq with one."""
    peer = LoadPeer()
    for i in range(5):
        peer.checkin(1, 2, f"m{i}", "张三", 100 + i)

    def page(**params):
        request = {"action": "get_group_msg_history", "params": {"group_id": 1, **params}}
        return [m["message_id"] for m in peer._execute({**request, "echo": 1})["data"]["messages"]]

    assert page(count=2) == [103, 104]
    assert page(count=2, message_seq=3) == [101, 102]
