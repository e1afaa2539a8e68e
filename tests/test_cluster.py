"""Several processes on one database: account leases, the lease loop and outbox claims.

Each "process" here is its own connection to the same store (what two `pingan run`
processes have: `open_store(db_url)`), with its own holder name; time is a FakeClock so
expiry is exact. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.adapters.onebot import OneBotAdapter
from bot.adapters.onebot.settings import OneBotConnection
from bot.outbox.sender import OutboxSender
from bot.ownership import Owned, Ownership
from core.config import Cluster, RateLimits, load_config
from core.errors import ConfigError
from core.messages import OutgoingMessage
from storage import leases
from storage import outbox as store
from storage.db import open_db, open_store
from storage.migrations import MIGRATIONS
from storage.outbox_claims import OutboxClaims, claimed
from storage.startup import prepare
from storage.txn import CLAIMS, immediate
from tests import run_helpers
from tests.onebot_peer import OneBotPeer, until

pytestmark = pytest.mark.both_stores

LEASE = "qq:10000"


def at_once(count: int, act: Callable[[int, threading.Barrier], None]) -> list[BaseException]:
    """Run act(n, start) in `count` threads, n = 0…count-1; each waits on `start` where its
    race begins (after opening its own connection: another process's). Returns what they
    raised, so a thread's failure (a deadlock, a lock error) fails the test."""
    start = threading.Barrier(count)
    failures: list[BaseException] = []

    def one(n: int) -> None:
        try:
            act(n, start)
        except BaseException as e:  # reported by the caller's assert
            failures.append(e)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.fixture
def other(db_url, db):
    """A second connection to the same store: the other process."""
    database = open_store(db_url)
    yield database
    database.close()


# -- leases ----------------------------------------------------------------------------------


def test_a_held_lease_is_not_taken_until_it_expires(db, other, clock):
    assert leases.hold(db, LEASE, "a", clock.now(), 30)
    assert not leases.hold(other, LEASE, "b", clock.now(), 30)
    clock.advance(timedelta(seconds=29))
    assert not leases.hold(other, LEASE, "b", clock.now(), 30)
    clock.advance(timedelta(seconds=1))  # a stopped renewing 30 s ago: expired
    assert leases.hold(other, LEASE, "b", clock.now(), 30)
    assert not leases.hold(db, LEASE, "a", clock.now(), 30)  # a woke up: too late
    assert not leases.holds(db, LEASE, "a", clock.now())
    assert [(lease.account, lease.holder) for lease in leases.leases(db)] == [(LEASE, "b")]


def test_renewing_keeps_the_lease_and_its_start(db, other, clock):
    start = clock.now()
    assert leases.hold(db, LEASE, "a", start, 30)
    for _ in range(10):  # renewed every 20 s for 200 s: never free for b
        clock.advance(timedelta(seconds=20))
        assert leases.hold(db, LEASE, "a", clock.now(), 30)
        assert not leases.hold(other, LEASE, "b", clock.now(), 30)
    (lease,) = leases.leases(other)
    assert lease.acquired_at == start
    assert lease.expires_at == clock.now() + timedelta(seconds=30)


def test_a_released_lease_is_free_at_once_and_only_the_holder_releases(db, other, clock):
    assert leases.hold(db, LEASE, "a", clock.now(), 30)
    assert not leases.release(other, LEASE, "b")
    assert leases.release(db, LEASE, "a")
    assert leases.hold(other, LEASE, "b", clock.now(), 30)


def test_racing_processes_take_a_free_lease_once(db_url, db, clock):
    """Eight connections in eight threads grab the same free account at the same instant."""
    won: list[str] = []

    def grab(n: int, start: threading.Barrier) -> None:
        mine = open_store(db_url)
        try:
            start.wait()
            if leases.hold(mine, LEASE, f"p{n}", clock.now(), 30):
                won.append(f"p{n}")
        finally:
            mine.close()

    assert at_once(8, grab) == []
    assert len(won) == 1
    assert [lease.holder for lease in leases.leases(db)] == won


def test_lease_times_must_be_aware(db, clock):
    with pytest.raises(ValueError, match="timezone-aware"):
        leases.hold(db, LEASE, "a", clock.now().replace(tzinfo=None), 30)


# -- the lease loop (bot/ownership.py) -------------------------------------------------------


class Account:
    """What the loop drives: records connects and disconnects."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def owned(self) -> Owned:
        async def connect() -> None:
            self.events.append("connect")

        async def disconnect() -> None:
            self.events.append("disconnect")

        return Owned(LEASE, connect, disconnect)


def ownership(db, clock, holder: str) -> tuple[Ownership, Account]:
    loop = Ownership(db, clock, Cluster(enabled=True), holder)
    account = Account()
    loop.add(account.owned())
    return loop, account


async def test_the_standby_takes_over_within_lease_plus_renew_after_the_owner_dies(
    db, other, clock
):
    owner, first = ownership(db, clock, "owner")
    standby, second = ownership(other, clock, "standby")
    await owner.tick()
    await standby.tick()
    assert first.events == ["connect"] and second.events == []
    died = clock.now()
    # the owner dies; the standby keeps looking every renew_s (10 s)
    while not second.events:
        clock.advance(timedelta(seconds=10))
        await standby.tick()
    assert second.events == ["connect"] and standby.held == [LEASE]
    waited = clock.now() - died
    assert timedelta(seconds=30) <= waited <= timedelta(seconds=40)  # lease_s + renew_s
    await owner.tick()  # the owner was only paused, and comes back: it lets go
    assert first.events == ["connect", "disconnect"] and owner.held == []
    await owner.tick()  # and does not take it back while the standby renews
    assert first.events == ["connect", "disconnect"]


async def test_a_clean_stop_hands_over_at_once(db, other, clock):
    owner, first = ownership(db, clock, "owner")
    standby, second = ownership(other, clock, "standby")
    await owner.tick()
    await owner.close()
    assert first.events == ["connect", "disconnect"]
    await standby.tick()  # no waiting for expiry
    assert second.events == ["connect"]


async def test_a_locked_database_keeps_the_account_only_until_the_lease_would_expire(
    db, other, clock, store
):
    """Renewal fails (another process holds the write lock too long): the account stays
    connected while its last lease lasts, and is disconnected once it would have expired."""
    owner, account = ownership(db, clock, "owner")
    await owner.tick()
    # the other process's long write; fail at once instead of after 5 s
    if store == "postgresql":
        db.execute("SET lock_timeout = '1ms'")
        other.conn.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(?)", [CLAIMS])  # storage/txn.py's lock
    else:
        db.execute("PRAGMA busy_timeout=0")
        other.conn.execute("BEGIN IMMEDIATE")
    try:
        clock.advance(timedelta(seconds=20))
        await owner.tick()
        assert account.events == ["connect"] and owner.held == [LEASE]
        clock.advance(timedelta(seconds=10))  # 30 s since the last renewal
        await owner.tick()
        assert account.events == ["connect", "disconnect"] and owner.held == []
    finally:
        other.conn.execute("ROLLBACK")


class Recorder:
    """Several accounts driven by one loop: which are connected now."""

    def __init__(self, loop: Ownership, names: list[str]) -> None:
        self.connected: set[str] = set()
        for name in names:
            loop.add(Owned(name, self._on(name, True), self._on(name, False)))

    def _on(self, name: str, up: bool):
        async def change() -> None:
            (self.connected.add if up else self.connected.discard)(name)

        return change


async def test_preferred_accounts_split_the_processes_and_each_covers_the_other(db, other, clock):
    names = ["qq:1", "qq:2"]
    a = Ownership(db, clock, Cluster(enabled=True, prefer=["qq:1"]), "a")
    b = Ownership(other, clock, Cluster(enabled=True, prefer=["qq:2"]), "b")
    seen_a, seen_b = Recorder(a, names), Recorder(b, names)
    await a.tick()  # a starts first: it takes its own share only
    await b.tick()
    assert a.held == ["qq:1"] and b.held == ["qq:2"]
    for _ in range(9):  # 90 s: both renew, neither takes the other's share
        clock.advance(timedelta(seconds=10))
        await a.tick()
        await b.tick()
    assert seen_a.connected == {"qq:1"} and seen_b.connected == {"qq:2"}
    for _ in range(4):  # a dies: b takes its account once the lease has expired
        clock.advance(timedelta(seconds=10))
        await b.tick()
    assert b.held == names and seen_b.connected == set(names)


async def test_a_process_alone_takes_the_other_share_after_lease_s(db, clock):
    a = Ownership(db, clock, Cluster(enabled=True, prefer=["qq:1"]), "a")
    seen = Recorder(a, ["qq:1", "qq:2"])
    await a.tick()
    clock.advance(timedelta(seconds=20))
    await a.tick()
    assert seen.connected == {"qq:1"}  # qq:2's process may still be starting
    clock.advance(timedelta(seconds=10))  # lease_s (30 s) of looking: nobody took it
    await a.tick()
    assert seen.connected == {"qq:1", "qq:2"} and a.held == ["qq:1", "qq:2"]


async def test_a_standby_started_first_leaves_the_accounts_to_the_owner(db, other, clock):
    names = ["qq:1", "qq:2"]
    standby = Ownership(db, clock, Cluster(enabled=True, prefer=[]), "standby")
    owner = Ownership(other, clock, Cluster(enabled=True), "owner")  # no preference: all
    on_standby, on_owner = Recorder(standby, names), Recorder(owner, names)
    await standby.tick()
    await owner.tick()
    assert on_standby.connected == set() and on_owner.connected == set(names)
    for _ in range(6):  # the owner dies; the standby takes both once their leases expire
        clock.advance(timedelta(seconds=10))
        await standby.tick()
    assert on_standby.connected == set(names)


def test_preferred_accounts_are_named_with_their_platform():
    with pytest.raises(ValueError, match="qq:10001"):
        Cluster(enabled=True, prefer=["10001"])


def test_cluster_config_needs_named_accounts(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "cluster: {enabled: true}\n"
        "adapters: {onebot: [{mode: forward_ws, url: 'ws://127.0.0.1:3001'}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"adapters.onebot\[0\] 需要 self_id"):
        load_config(path)
    path.write_text("cluster: {enabled: true, lease_s: 10, renew_s: 6}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="renew_s"):
        load_config(path)


# -- outbox claims ---------------------------------------------------------------------------


def queue(db, clock, text: str, account: str = "") -> int:
    with db.atomic():
        row = store.enqueue(
            db,
            OutgoingMessage(
                platform="qq", chat_type="group", target="700001", text=text, account=account
            ),
            clock.now(),
        )
    assert row is not None
    return row


def test_a_row_is_claimed_by_one_process_until_its_claim_lapses(db, other, clock):
    a, b = OutboxClaims("a", 30), OutboxClaims("b", 30)
    leases.hold(db, LEASE, "a", clock.now(), 30)
    leases.hold(other, "qq:10001", "b", clock.now(), 30)
    first, second = queue(db, clock, "一"), queue(db, clock, "二")
    assert a.take(db, LEASE, [first], clock.now())
    assert not b.take(other, "qq:10001", [second, first], clock.now())  # all or none
    assert claimed(other, "b") == [] and claimed(db, "a") == [first]
    assert [r["id"] for r in store.due(other, "qq", "10001", clock.now(), unassigned=True,
                                       claims=b)] == [second]  # fmt: skip
    assert b.take(other, "qq:10001", [second], clock.now())
    clock.advance(timedelta(seconds=30))  # a died holding `first`: its claim lapses
    leases.hold(other, "qq:10001", "b", clock.now(), 30)
    assert b.take(other, "qq:10001", [first], clock.now())


def test_no_claim_without_the_accounts_lease(db, other, clock):
    a, b = OutboxClaims("a", 30), OutboxClaims("b", 30)
    row = queue(db, clock, "只给10000", account="10000")
    assert not a.take(db, LEASE, [row], clock.now())  # never held
    leases.hold(db, LEASE, "a", clock.now(), 30)
    clock.advance(timedelta(seconds=31))
    leases.hold(other, LEASE, "b", clock.now(), 30)  # expired and taken over
    assert not a.take(db, LEASE, [row], clock.now())
    assert b.take(other, LEASE, [row], clock.now())


async def _account(peer: OneBotPeer) -> tuple[OneBotAdapter, object]:
    adapter = OneBotAdapter([OneBotConnection(mode="reverse_ws", port=0)], on_message=_noop)
    await adapter.start()
    await peer.connect(f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws")
    me = str(peer.self_id)
    await until(lambda: me in adapter.accounts and adapter.accounts[me].connected)
    return adapter, adapter.accounts[me]


async def _noop(_message) -> None:
    return None


async def test_two_processes_draining_the_shared_outbox_send_each_row_once(db, other, clock):
    """Both processes are their platform's default sender: the account-less rows (the
    scheduler's) are shared out between them, none goes out twice."""
    peers = [OneBotPeer(self_id=10000, now=clock.now), OneBotPeer(self_id=10001, now=clock.now)]
    adapters = []
    senders = []
    for peer, database, holder in zip(peers, (db, other), ("a", "b"), strict=True):
        adapter, account = await _account(peer)
        adapters.append(adapter)
        leases.hold(database, f"qq:{peer.self_id}", holder, clock.now(), 3600)
        senders.append(
            OutboxSender(
                database,
                account,  # type: ignore[arg-type]
                RateLimits(per_group_interval_s=0, per_account_per_minute=10_000),
                clock,
                unassigned=True,
                claims=OutboxClaims(holder, 3600),
            )
        )
    texts = [f"第{n}条" for n in range(40)]
    for text in texts:
        queue(db, clock, text)
    try:
        sent = await asyncio.gather(*(s.drain() for s in senders))
    finally:
        for peer in peers:
            await peer.close()
        for adapter in adapters:
            await adapter.stop()
    delivered = [d.text for peer in peers for d in peer.delivered]
    assert sorted(delivered) == sorted(texts)  # each once, across both accounts
    assert sum(sent) == 40
    assert {r["status"] for r in db["outbox"].rows} == {"sent"}


async def test_a_process_that_lost_the_lease_sends_nothing_for_the_account(db, other, clock):
    peer = OneBotPeer(self_id=10000, now=clock.now)
    adapter, account = await _account(peer)
    try:
        leases.hold(db, LEASE, "a", clock.now(), 30)
        sender = OutboxSender(
            db,
            account,
            RateLimits(),
            clock,
            claims=OutboxClaims("a", 30),  # type: ignore[arg-type]
        )
        queue(db, clock, "先发", account="10000")
        assert await sender.drain() == 1
        clock.advance(timedelta(seconds=31))  # a stalled past its lease; b took over
        assert leases.hold(other, LEASE, "b", clock.now(), 30)
        row = queue(db, clock, "后发", account="10000")
        step = await sender.step()
        assert step.sent == 0 and step.wait > 0
        assert [d.text for d in peer.delivered] == ["先发"]
        status = db.execute("SELECT status FROM outbox WHERE id = ?", [row]).fetchone()
        assert status == ("pending",)  # b's to send
    finally:
        await peer.close()
        await adapter.stop()


@pytest.mark.sqlite_only("a file; the PostgreSQL case is the test below")
def test_processes_opening_a_new_file_together_migrate_it_once(tmp_path):
    """Several processes started at once on a file nobody created yet."""
    path = tmp_path / "new" / "pingan.db"

    def open_it(_: int, start: threading.Barrier) -> None:
        start.wait()
        open_db(path).close()

    assert at_once(4, open_it) == []
    db = open_db(path)
    assert db["account_leases"].exists()
    db.close()


def test_processes_opening_a_fresh_postgresql_database_together_migrate_it_once(pg_cluster):
    """Six processes started at once on an empty PostgreSQL database: each migration runs
    once (a second run of one would fail: its CREATE TABLEs have no IF NOT EXISTS), under
    storage/migrations_pg.py's advisory lock, and every process gets the full schema."""
    url = pg_cluster.empty_database()

    def open_it(_: int, start: threading.Barrier) -> None:
        start.wait()
        open_store(url).close()

    failures = at_once(6, open_it)
    try:
        assert failures == []
        db = open_store(url)
        assert db.execute("SELECT version FROM pingan_schema").fetchall() == [
            (len(MIGRATIONS),)
        ]
        assert "account_leases" in db.table_names()
        db.close()
    finally:
        pg_cluster.drop(url)


# -- races: many processes claiming the same rows at once -----------------------------------


def test_racing_processes_claim_each_outbox_row_once(db_url, db, clock):
    """Eight processes, each holding its own account's lease, claim the same 24 rows in
    batches of three at the same instant, half of them in reverse order: every batch is
    taken by exactly one process (all or none), and no row ends up with two."""
    rows = [queue(db, clock, f"第{n}条") for n in range(24)]
    batches = [rows[i : i + 3] for i in range(0, 24, 3)]
    taken: list[tuple[str, tuple[int, ...]]] = []

    def claim_all(n: int, start: threading.Barrier) -> None:
        mine = open_store(db_url)
        holder, lease = f"p{n}", f"qq:{20000 + n}"
        try:
            assert leases.hold(mine, lease, holder, clock.now(), 3600)
            claims = OutboxClaims(holder, 3600)
            start.wait()
            for batch in batches if n % 2 else batches[::-1]:
                if claims.take(mine, lease, batch, clock.now()):
                    taken.append((holder, tuple(batch)))
        finally:
            mine.close()

    assert at_once(8, claim_all) == []  # no deadlock, no lock error
    assert sorted(batch for _, batch in taken) == sorted(tuple(b) for b in batches)
    owners = dict(
        db.execute("SELECT id, claimed_by FROM outbox WHERE status = 'pending'").fetchall()
    )
    assert owners == {row: holder for holder, batch in taken for row in batch}


def test_racing_processes_take_an_expired_lease_once(db_url, db, clock):
    """The owner died; eight standbys see its lease expire at the same instant."""
    assert leases.hold(db, LEASE, "dead", clock.now(), 30)
    later = clock.now() + timedelta(seconds=30)
    won: list[str] = []

    def grab(n: int, start: threading.Barrier) -> None:
        mine = open_store(db_url)
        try:
            start.wait()
            for _ in range(5):  # and keep renewing: only the winner succeeds
                if leases.hold(mine, LEASE, f"p{n}", later, 30):
                    won.append(f"p{n}")
        finally:
            mine.close()

    assert at_once(8, grab) == []
    assert len(set(won)) == 1 and len(won) == 5
    assert [lease.holder for lease in leases.leases(db)] == won[:1]


def test_processes_starting_together_import_the_roster_once(tmp_path, db_url, db, clock):
    """bot/assemble.py imports the roster at start inside `immediate` when in a cluster:
    four processes starting at once on a new store read "not imported yet" one at a time,
    so one imports and the others find it done (on PostgreSQL that is the advisory lock:
    without it, each would read before the first committed and import again)."""
    config = load_config(run_helpers.write_config(tmp_path, groups=[], adapters={}))
    imported: list[bool] = []

    def start_up(_: int, start: threading.Barrier) -> None:
        mine = open_store(db_url)
        try:
            start.wait()
            with immediate(mine):
                imported.append(prepare(mine, config, clock.now()) is not None)
        finally:
            mine.close()

    assert at_once(4, start_up) == []
    assert sorted(imported) == [False, False, False, True]
    alone = open_db(tmp_path / "alone.db")
    prepare(alone, config, clock.now())
    for table in ("people", "nodes", "imports"):
        count = f"SELECT count(*) FROM {table}"
        assert db.execute(count).fetchone() == alone.execute(count).fetchone()
    alone.close()


def test_a_start_up_import_waits_for_another_as_long_as_it_takes(db_url, db, other):
    """One process imports a large roster at start for longer than the lock timeout (12,000
    students on PostgreSQL did): a process starting beside it waits (`patient`, what
    bot/assemble.py uses) instead of failing on the timeout and dying (`immediate`)."""
    from storage.backend import is_postgres, store_errors
    from storage.txn import patient

    other.execute("SET lock_timeout = '200ms'" if is_postgres(other) else "PRAGMA busy_timeout=200")
    importing, done = threading.Event(), threading.Event()

    def first_process() -> None:
        mine = open_store(db_url)
        try:
            with immediate(mine):
                importing.set()
                done.wait(10)
        finally:
            mine.close()

    thread = threading.Thread(target=first_process)
    thread.start()
    assert importing.wait(10)
    with pytest.raises(store_errors()), immediate(other):  # gives up after 200 ms
        other.execute("SELECT count(*) FROM people")  # not reached: the lock is refused
    threading.Timer(1.0, done.set).start()  # the first import takes another second
    with patient(other):
        assert other.execute("SELECT count(*) FROM people").fetchone()[0] == 0
    thread.join()
