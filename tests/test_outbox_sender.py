"""The persistent outbox delivering through the real OneBot adapter to a spec-written peer."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.adapters.onebot import OneBotAdapter
from bot.adapters.onebot.settings import OneBotConnection
from bot.outbox.routes import Routes
from bot.outbox.sender import OutboxSender
from core.clock import FakeClock
from core.config import RateLimits
from core.messages import OutgoingMessage
from storage import outbox as store
from storage.db import open_db
from tests.onebot_peer import OneBotPeer, until

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL


async def _noop(_message) -> None:
    return None


@pytest.fixture
async def qq(clock):
    """A connected account: adapter (reverse WS) + peer whose deliveries are timed by `clock`."""
    adapter = OneBotAdapter([OneBotConnection(mode="reverse_ws", port=0)], on_message=_noop)
    await adapter.start()
    url = f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws"
    peer = OneBotPeer(now=clock.now)
    await peer.connect(url)
    await until(lambda: "10000" in adapter.accounts and adapter.accounts["10000"].connected)
    peer.url = url
    yield adapter.accounts["10000"], peer
    await peer.close()
    await adapter.stop()


def fake_sleep(clock: FakeClock):
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    return sleep


def queue(db, clock, target="700001", text="请报平安", mentions=(), key=None, chat_type="group"):
    with db.atomic():
        return store.enqueue(
            db,
            OutgoingMessage(
                platform="qq",
                chat_type=chat_type,
                target=target,
                text=text,
                mentions=tuple(mentions),
                dedup_key=key,
            ),
            clock.now(),
        )


def rows(db):
    return {r["id"]: r for r in db["outbox"].rows}


async def test_sent_only_when_confirmed_and_marked_with_platform_id(db, clock, qq):
    account, peer = qq
    first = queue(db, clock, text="早上好")
    second = queue(db, clock, target="20001", text="你还没报", chat_type="private")
    sender = OutboxSender(
        db, account, RateLimits(), clock, unassigned=True, sleep=fake_sleep(clock)
    )
    assert await sender.drain() == 2
    assert [d.text for d in peer.delivered] == ["早上好", "你还没报"]
    got = rows(db)
    assert got[first]["status"] == "sent" and got[first]["attempts"] == 1
    assert got[first]["platform_message_id"] == str(peer.delivered[0].message_id)
    assert got[first]["account"] == "10000" and got[first]["last_error"] is None
    assert got[second]["status"] == "sent"


async def test_disconnect_before_confirmation_gives_exactly_one_delivery(db, clock, qq):
    account, peer = qq
    msg = queue(db, clock, text="今日平安报告已开始")
    peer.swallow_and_close = True  # the request arrives, the link dies before any answer
    sender = OutboxSender(
        db, account, RateLimits(), clock, unassigned=True, sleep=fake_sleep(clock)
    )
    assert await sender.drain() == 0
    row = rows(db)[msg]
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_error"].startswith("uncertain: DeliveryUncertain")
    assert peer.delivered == []
    # while down: nothing is written and no attempt is spent
    clock.advance(timedelta(seconds=10))
    await until(lambda: not account.connected)
    assert await sender.drain() == 0
    assert rows(db)[msg]["attempts"] == 1
    await peer.connect(peer.url)  # the implementation reconnects
    await until(lambda: account.connected)
    assert await sender.drain() == 1
    assert await sender.drain() == 0
    assert [d.text for d in peer.delivered] == ["今日平安报告已开始"]
    assert rows(db)[msg]["status"] == "sent" and rows(db)[msg]["attempts"] == 2


@pytest.mark.parametrize("history", [True, False])
async def test_posted_but_unanswered_is_not_posted_twice_when_history_shows_it(
    db, clock, qq, history
):
    account, peer = qq
    peer.history = history  # False: an implementation without get_group_msg_history
    msg = queue(db, clock, text="请尽快报平安", mentions=["20001"])
    peer.deliver_and_close = True  # QQ posts it, then the link drops before the answer
    sender = OutboxSender(
        db, account, RateLimits(), clock, unassigned=True, sleep=fake_sleep(clock)
    )
    assert await sender.drain() == 0
    assert len(peer.delivered) == 1
    await until(lambda: not account.connected)
    await peer.connect(peer.url)
    await until(lambda: account.connected)
    clock.advance(timedelta(seconds=10))
    assert await sender.drain() == 1
    row = rows(db)[msg]
    assert row["status"] == "sent"
    if history:  # found in the group's history: marked sent, not posted again
        assert len(peer.delivered) == 1
        assert row["platform_message_id"] == str(peer.delivered[0].message_id)
        assert row["attempts"] == 1
    else:  # cannot tell: at-least-once, the group sees it twice
        assert len(peer.delivered) == 2
        assert row["attempts"] == 2


async def test_an_identical_earlier_message_is_not_taken_for_the_lost_one(db, clock, qq):
    account, peer = qq
    queue(db, clock, text="收到", key="first")
    sender = OutboxSender(
        db, account, RateLimits(), clock, unassigned=True, sleep=fake_sleep(clock)
    )
    assert await sender.drain() == 1
    second = queue(db, clock, text="收到", key="second")
    peer.swallow_and_close = True  # this one never reaches the group
    assert await sender.drain() == 0
    await until(lambda: not account.connected)
    await peer.connect(peer.url)
    await until(lambda: account.connected)
    clock.advance(timedelta(seconds=10))
    assert await sender.drain() == 1
    assert [d.text for d in peer.delivered] == ["收到", "收到"]
    assert rows(db)[second]["platform_message_id"] == str(peer.delivered[1].message_id)


async def test_rate_limits_per_group_and_per_account(db, clock, qq):
    account, peer = qq
    for i in range(5):
        queue(db, clock, target="700001", text=f"group A {i}")
    for i in range(30):
        queue(db, clock, target=str(800000 + i), text=f"other {i}")
    limits = RateLimits(per_group_interval_s=1.0, per_account_per_minute=20)
    sender = OutboxSender(db, account, limits, clock, unassigned=True, sleep=fake_sleep(clock))
    start = clock.now()
    assert await sender.drain() == 35
    times = [d.at for d in peer.delivered]
    same_group = [d.at for d in peer.delivered if d.target == 700001]
    assert all(b - a >= timedelta(seconds=1) for a, b in itertools.pairwise(same_group))
    for i, t in enumerate(times):  # no 21 sends inside any 60 s window
        assert sum(1 for u in times[i:] if u - t < timedelta(minutes=1)) <= 20
    assert times[-1] - start >= timedelta(minutes=1)  # 35 messages needed a second minute
    assert times[-1] - start < timedelta(minutes=2)


async def test_rate_budget_survives_a_restart(db, clock, qq):
    account, peer = qq
    for i in range(20):
        queue(db, clock, target=str(800000 + i), text=f"n{i}")
    limits = RateLimits(per_account_per_minute=20)
    assert await OutboxSender(db, account, limits, clock, unassigned=True).drain() == 20
    queue(db, clock, target="900000", text="one more")
    restarted = OutboxSender(db, account, limits, clock, unassigned=True, sleep=fake_sleep(clock))
    before = clock.now()
    assert await restarted.drain() == 1
    assert peer.delivered[-1].at - before >= timedelta(seconds=59)


async def test_mentions_split_and_batched(db, clock, qq):
    account, peer = qq
    people = [str(30000 + i) for i in range(45)]
    queue(db, clock, text="以下同学请尽快报平安", mentions=people, key="nag:1")
    queue(db, clock, target="700002", text="请报", mentions=["1"], key="a")
    queue(db, clock, target="700002", text="请报", mentions=["2"], key="b")
    queue(db, clock, target="700002", text="请报", mentions=["1", "3"], key="c")
    limits = RateLimits(max_mentions=20)
    sender = OutboxSender(db, account, limits, clock, unassigned=True, sleep=fake_sleep(clock))
    assert await sender.drain() == 6  # 3 parts + 3 batched rows
    big = [d for d in peer.delivered if d.target == 700001]
    assert [len(d.mentions) for d in big] == [20, 20, 5]
    assert [qq for d in big for qq in d.mentions] == people
    assert all(d.text.strip() == "以下同学请尽快报平安" for d in big)
    (batched,) = [d for d in peer.delivered if d.target == 700002]
    assert batched.mentions == ["1", "2", "3"]
    assert {r["dedup_key"] for r in rows(db).values()} >= {"nag:1", "nag:1#2", "nag:1#3"}
    assert all(r["status"] == "sent" for r in rows(db).values())


async def test_retries_back_off_then_fail(db, clock, qq):
    account, peer = qq
    msg = queue(db, clock, text="x")
    limits = RateLimits(max_attempts=3, backoff_initial_s=5)
    sender = OutboxSender(db, account, limits, clock, unassigned=True, sleep=fake_sleep(clock))
    peer.fail_next = 1200  # risk control
    assert await sender.drain() == 0
    row = rows(db)[msg]
    assert row["status"] == "pending" and "risk control" in row["last_error"]
    assert row["next_attempt_at"] == (clock.now() + timedelta(seconds=5)).isoformat()
    clock.advance(timedelta(seconds=5))
    peer.fail_next = 1200
    assert await sender.drain() == 0
    assert rows(db)[msg]["next_attempt_at"] == (clock.now() + timedelta(seconds=10)).isoformat()
    clock.advance(timedelta(seconds=10))
    peer.fail_next = 1200
    assert await sender.drain() == 0
    assert rows(db)[msg]["status"] == "failed" and rows(db)[msg]["attempts"] == 3
    assert peer.delivered == []


async def test_unsupported_action_fails_at_once(db, clock, qq):
    account, peer = qq
    msg = queue(db, clock, text="x")
    peer.fail_next = 1404
    sender = OutboxSender(db, account, RateLimits(), clock, unassigned=True)
    assert await sender.drain() == 0
    assert rows(db)[msg]["status"] == "failed"


async def test_outbox_survives_restart_and_sends_once(tmp_path, clock, qq):
    account, peer = qq
    path = tmp_path / "restart.db"
    db = open_db(path)
    queue(db, clock, text="queued before the restart")
    crashed = queue(db, clock, text="in flight at the crash")
    with db.atomic():  # what a crash right after writing the request leaves behind
        store.begin_attempt(db, [crashed], clock.now())
    db.close()

    db = open_db(path)
    sender = OutboxSender(
        db, account, RateLimits(), clock, unassigned=True, sleep=fake_sleep(clock)
    )
    assert await sender.drain() == 2
    assert await sender.drain() == 0
    assert sorted(d.text for d in peer.delivered) == [
        "in flight at the crash",
        "queued before the restart",
    ]
    assert {r["status"] for r in db["outbox"].rows} == {"sent"}
    db.close()


async def test_only_its_own_account_rows(db, clock, qq):
    account, peer = qq
    with db.atomic():
        store.enqueue(
            db,
            OutgoingMessage(
                platform="qq", chat_type="group", target="1", text="mine", account="10000"
            ),
            clock.now(),
        )
        store.enqueue(
            db,
            OutgoingMessage(
                platform="qq", chat_type="group", target="1", text="other", account="99"
            ),
            clock.now(),
        )
        store.enqueue(
            db,
            OutgoingMessage(platform="qq", chat_type="group", target="1", text="anyone"),
            clock.now(),
        )
    sender = OutboxSender(db, account, RateLimits(), clock, sleep=fake_sleep(clock))
    assert await sender.drain() == 1
    assert [d.text for d in peer.delivered] == ["mine"]


async def test_run_loop_delivers_when_woken_and_stops_cleanly(db, qq):
    from core.clock import SystemClock

    account, peer = qq
    clock = SystemClock()
    sender = OutboxSender(db, account, RateLimits(poll_s=30), clock, unassigned=True)
    task = sender.start()
    queue(db, clock, text="woken")
    sender.wake()
    await until(lambda: len(peer.delivered) == 1, timeout=3)
    await asyncio.wait_for(sender.stop(), 5)
    assert task.done()


async def test_a_busy_group_does_not_hold_back_the_others(db, clock, qq):
    account, peer = qq
    for i in range(250):  # more than one query's worth of rows, all for one group
        queue(db, clock, target="700001", text=f"notice {i}")
    queue(db, clock, target="700002", text="for the other group")
    limits = RateLimits(per_group_interval_s=1.0, per_account_per_minute=1000)
    sender = OutboxSender(db, account, limits, clock, unassigned=True, sleep=fake_sleep(clock))
    for _ in range(3):
        await sender.step()
    assert [d.target for d in peer.delivered] == [700001, 700002]


async def test_account_less_group_messages_go_through_an_account_in_that_group(db, clock):
    adapter = OneBotAdapter([OneBotConnection(mode="reverse_ws", port=0)], on_message=_noop)
    await adapter.start()
    url = f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws"
    first = OneBotPeer(self_id=10001, members={1: []})
    second = OneBotPeer(self_id=10002, members={2: []})
    try:
        for peer in (first, second):
            await peer.connect(url)
        await until(lambda: all(a.connected for a in adapter.accounts.values()))
        a, b = adapter.accounts["10001"], adapter.accounts["10002"]
        routes = Routes()
        for account in (a, b):
            routes.set("qq", account.account, await account.get_group_list())
        queue(db, clock, target="1", text="to group 1")
        queue(db, clock, target="2", text="to group 2")
        queue(db, clock, target="3", text="to a group nobody knows")
        queue(db, clock, target="20001", text="private", chat_type="private")
        default = OutboxSender(db, a, RateLimits(), clock, unassigned=True, routes=routes)
        other = OutboxSender(db, b, RateLimits(), clock, routes=routes)
        assert await default.drain() == 3
        assert await other.drain() == 1
        assert sorted(d.text for d in first.delivered) == [
            "private",
            "to a group nobody knows",
            "to group 1",
        ]
        assert [d.text for d in second.delivered] == ["to group 2"]
        assert {r["text"]: r["account"] for r in db["outbox"].rows}["to group 2"] == "10002"
    finally:
        await first.close()
        await second.close()
        await adapter.stop()


async def test_a_sender_started_twice_runs_one_loop(db, clock, qq):
    """An account that connects while the app is starting is started by add_transport and
    again by App.start: two loops would attempt the same row twice."""
    account, peer = qq
    sender = OutboxSender(db, account, RateLimits(), clock, unassigned=True)
    first = sender.start()
    assert sender.start() is first
    queue(db, clock, text="只发一次")
    sender.wake()
    await until(lambda: rows(db)[1]["status"] == "sent")
    await sender.stop()
    assert [d.text for d in peer.delivered] == ["只发一次"]
    assert rows(db)[1]["attempts"] == 1


def test_a_row_being_sent_stays_with_the_sender_that_began_it(db, clock):
    """The default sender began sending an account-less row when the group's account
    reported its groups: the row is not moved to that account, whose sender would send it a
    second time (its group history does not show the default account's post)."""
    routes = Routes()
    routes.set("qq", "10002", ["2"])
    in_flight = queue(db, clock, target="2", text="in flight")
    queue(db, clock, target="2", text="waiting")
    with db.atomic():
        store.begin_attempt(db, [in_flight], clock.now())
    assert routes.assign(db, "qq") == 1
    accounts = {r["text"]: r["account"] for r in db["outbox"].rows}
    assert accounts == {"in flight": "", "waiting": "10002"}
