"""Every adapter keeps the same promises (bot/adapters/base.py), checked with the same tests:
the simulator, OneBot against the loopback QQ peer (tests/onebot_peer.py), wechaty against
the grpclib fake and against the official npm puppet service (tests/wechaty_peer.py). Each
is built the way `pingan run` builds it: through the registry, by `factory.build(context)`.

Then a platform that exists only in this file is registered and runs end to end through
`build_app` (message in, report stored, reply sent): adding a platform touches no assembly,
config or core code.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from bot.adapters import registry
from bot.adapters.base import Account, Adapter, AdapterContext, History
from bot.app import App
from bot.assemble import build_app
from core.clock import FakeClock, SystemClock
from core.config import Config, load_config
from core.errors import ConfigError
from core.messages import IncomingMessage, OutgoingMessage
from storage.bindings import Member
from storage.db import open_db
from storage.startup import prepare
from tests.conftest import TZ
from tests.onebot_peer import OneBotPeer, until
from tests.run_helpers import CLASS1, free_port, write_config
from tests.wechaty_helpers import FakePuppetService, Room
from tests.wechaty_peer import WechatyPeer, require_peer

WAIT_S = 20.0
CUI, CUI_QQ, CUI_WX = "崔鹏飞", "2099200777", "wxid_acnxx4azpzt28f"  # examples/roster.csv
TOKEN = "insecure_9d3c1a52-7e0b-4f55-9a1e-2b6f0c4d8e11"
ROOM = "10696051737@chatroom"
QQ_GROUP = "700001"
BOT_WX = "wxid_pingan_bot"


@dataclass
class Core:
    """What the core gives an adapter: sinks that record."""

    batches: list[list[IncomingMessage]] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)

    async def on_batch(self, batch: list[IncomingMessage]) -> None:
        self.batches.append(batch)

    def on_account(self, account: Account) -> None:
        self.accounts.append(account)

    @property
    def messages(self) -> list[IncomingMessage]:
        return [m for batch in self.batches for m in batch]


@dataclass
class Rig:
    """One platform under test: its adapter, the group, how a member posts there, what the
    bot's sends look like on the platform, and what it answers for members and history."""

    adapter: Adapter
    core: Core
    group: str
    post: Callable[[str], Awaitable[None]]
    seen_by_group: Callable[[], list[str]]
    members: set[str]  # account ids the member list must include (empty: none to learn)
    keeps_history: bool


def build(config: Config, db: Any, clock: Any, core: Core, name: str) -> Adapter:
    spec = next(s for s in registry.specs() if s.name == name)

    async def nothing(_: Any) -> None:
        return None

    context = AdapterContext(
        config=config,
        settings=config.adapters.section(name),
        db=db,
        clock=clock,
        on_batch=core.on_batch,
        on_account=core.on_account,
        on_recall=nothing,
        on_member=nothing,
        handle=lambda message: None,
        wake=lambda: None,
    )
    return spec.build(context)


def prepared(tmp_path: Path, groups: list[dict], adapters: dict, now: datetime) -> tuple:
    config = load_config(write_config(tmp_path, groups=groups, adapters=adapters))
    db = open_db(config.db_path)
    prepare(db, config, now)
    return config, db


class RacingClock(FakeClock):
    """The simulator's students wait on `sleep`: here time jumps instead."""

    async def sleep(self, seconds: float) -> None:
        self.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)


@asynccontextmanager
async def sim_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    clock = RacingClock(datetime(2020, 2, 10, 6, 0, tzinfo=TZ))
    group = {"platform": "sim", "chat": "sim-class-1", "node": CLASS1, "purpose": "class"}
    config, db = prepared(tmp_path, [group], {"sim": {"enabled": True}}, clock.now())
    core = Core()
    adapter = build(config, db, clock, core, "sim")
    transcript = adapter.adapter.transcript  # type: ignore[attr-defined]

    async def post(text: str) -> None:
        return None  # the simulated students post on their own as time goes by

    def seen() -> list[str]:
        return [line.text for line in transcript.lines if line.from_bot]

    try:
        yield Rig(adapter, core, "sim-class-1", post, seen, set(), keeps_history=False)
    finally:
        await adapter.stop()
        db.close()


@asynccontextmanager
async def onebot_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    port = free_port()
    peer = OneBotPeer(self_id=10000)
    peer.members[int(QQ_GROUP)] = [  # QQ lists the bot's own account too
        {"user_id": 10000, "nickname": "平安小助手", "card": ""},
        {"user_id": int(CUI_QQ), "nickname": "c", "card": CUI},
    ]
    group = {"platform": "qq", "chat": QQ_GROUP, "node": CLASS1, "purpose": "class"}
    link = {"mode": "reverse_ws", "host": "127.0.0.1", "port": port}
    config, db = prepared(tmp_path, [group], {"onebot": [link]}, SystemClock(TZ).now())
    core = Core()
    adapter = build(config, db, SystemClock(TZ), core, "onebot")
    await adapter.start()
    await peer.connect(f"ws://127.0.0.1:{port}/onebot/v11/ws")

    async def post(text: str) -> None:
        await peer.push({
            "time": int(datetime.now(TZ).timestamp()), "self_id": 10000, "post_type": "message",
            "message_type": "group", "sub_type": "normal", "message_id": 41,
            "group_id": int(QQ_GROUP), "user_id": int(CUI_QQ), "message": text,
            "sender": {"user_id": int(CUI_QQ), "nickname": "c", "card": CUI},
        })  # fmt: skip

    def seen() -> list[str]:
        return [d.text for d in peer.delivered if d.target == int(QQ_GROUP)]

    try:
        yield Rig(adapter, core, QQ_GROUP, post, seen, {CUI_QQ}, keeps_history=True)
    finally:
        await peer.close()
        await adapter.stop()
        db.close()


@asynccontextmanager
async def wechaty_fake_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    service = FakePuppetService(TOKEN)
    service.contacts.update({BOT_WX: "平安小助手", CUI_WX: CUI})
    service.rooms[ROOM] = Room("计科1班", {BOT_WX: "", CUI_WX: ""})
    await service.start()
    group = {"platform": "wechat", "chat": ROOM, "node": CLASS1, "purpose": "class"}
    entry = {"token": TOKEN, "endpoint": f"127.0.0.1:{service.port}", "rpc_timeout_s": 5}
    config, db = prepared(tmp_path, [group], {"wechaty": [entry]}, SystemClock(TZ).now())
    core = Core()
    adapter = build(config, db, SystemClock(TZ), core, "wechaty")
    await adapter.start()
    await until(lambda: service.calls.count("Start") >= 1, timeout=WAIT_S)
    service.login(BOT_WX)

    async def post(text: str) -> None:
        service.post("m-1", talker=CUI_WX, text=text, room=ROOM)

    def seen() -> list[str]:
        return [t.text for t in service.sent_texts if t.conversation_id == ROOM]

    try:
        yield Rig(adapter, core, ROOM, post, seen, {CUI_WX}, keeps_history=False)
    finally:
        await adapter.stop()
        await service.close()
        db.close()


@asynccontextmanager
async def wechaty_service_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    require_peer()
    port = free_port()
    peer = WechatyPeer(
        port=port, token=TOKEN, bot={"id": BOT_WX, "name": "平安小助手"},
        contacts=[{"id": CUI_WX, "name": CUI}],
        rooms=[{"id": ROOM, "topic": "计科1班", "members": [BOT_WX, CUI_WX]}],
        log_path=tmp_path / "peer.log",
    )  # fmt: skip
    await peer.start()
    group = {"platform": "wechat", "chat": ROOM, "node": CLASS1, "purpose": "class"}
    entry = {"token": TOKEN, "endpoint": f"127.0.0.1:{port}", "rpc_timeout_s": 5}
    config, db = prepared(tmp_path, [group], {"wechaty": [entry]}, SystemClock(TZ).now())
    core = Core()
    adapter = build(config, db, SystemClock(TZ), core, "wechaty")
    await adapter.start()

    async def post(text: str) -> None:
        await peer.say(CUI_WX, ROOM, text)

    try:
        yield Rig(adapter, core, ROOM, post, lambda: peer.said_to(ROOM), {CUI_WX}, False)
    finally:
        await adapter.stop()
        await peer.close()
        db.close()


RIGS = {
    "sim": sim_rig,
    "onebot": onebot_rig,
    "wechaty-fake": wechaty_fake_rig,
    "wechaty-service": wechaty_service_rig,
}


@pytest.fixture(params=list(RIGS))
async def rig(request, tmp_path) -> AsyncIterator[Rig]:
    async with RIGS[request.param](tmp_path) as built:
        if request.param == "sim":
            await built.adapter.start()
        yield built


async def announced(rig: Rig) -> Account:
    await until(lambda: rig.core.accounts != [], timeout=WAIT_S)
    return rig.core.accounts[0]


async def test_an_announced_account_is_connected_and_sends_with_confirmation(rig):
    account = await announced(rig)

    assert account.platform == rig.adapter.platform
    assert account in rig.adapter.connected_accounts()
    assert any(s.connected for s in rig.adapter.states() if s.platform == rig.adapter.platform)
    message = OutgoingMessage(
        platform=account.platform, chat_type="group", target=rig.group, text="今晚十点前请报平安"
    )
    sent_id = await account.send(message)  # returning at all is the platform's confirmation
    assert isinstance(sent_id, str)  # the platform's id ("" where it gives none: WeChat)
    await until(lambda: "今晚十点前请报平安" in rig.seen_by_group(), timeout=WAIT_S)


async def test_incoming_messages_reach_the_core_in_batches(rig):
    await announced(rig)

    await rig.post("崔鹏飞 36.6 正常 在校")

    await until(lambda: rig.core.messages != [], timeout=WAIT_S)
    first = rig.core.messages[0]
    assert first.platform == rig.adapter.platform and first.chat_type == "group"
    assert first.chat_id == rig.group
    assert all(isinstance(batch, list) and batch for batch in rig.core.batches)


async def test_members_and_history_answer_for_the_group(rig):
    account = await announced(rig)

    members = await account.members(rig.group)
    history = await account.history(rig.group, datetime.now(TZ) - timedelta(hours=1))

    assert all(isinstance(m, Member) for m in members)
    assert rig.members <= {m.account_id for m in members}
    assert account.account not in {m.account_id for m in members}  # never the bot itself
    assert isinstance(history, History) and history.kept is rig.keeps_history
    if not rig.keeps_history:
        assert history == History.none_kept()


async def test_stop_leaves_no_account_connected(rig):
    await announced(rig)

    await rig.adapter.stop()

    await until(lambda: rig.adapter.connected_accounts() == [], timeout=WAIT_S)


# -- a platform registered from this test: nothing outside this file names it ---------------


class ParrotSettings(BaseModel):
    enabled: bool = False


@dataclass
class ParrotAccount:
    """A chat account that confirms every send and keeps what it sent."""

    sent: list[OutgoingMessage] = field(default_factory=list)
    platform: str = "parrot"
    account: str = "parrot-1"
    paced: bool = True

    async def send(self, message: OutgoingMessage) -> str:
        self.sent.append(message)
        return f"p-{len(self.sent)}"

    async def groups(self) -> set[str] | None:
        return {"parrot-class"}

    async def members(self, group: str) -> list[Member]:
        return [Member(CUI_QQ, (CUI,))]

    async def history(self, group: str, since: datetime) -> History:
        return History.none_kept()


class ParrotAdapter:
    platform = "parrot"
    label = "parrot"
    built: ClassVar[list[ParrotAdapter]] = []

    def __init__(self, context: AdapterContext) -> None:
        self.context = context
        self.account = ParrotAccount()
        self.running = False
        ParrotAdapter.built.append(self)

    async def start(self) -> None:
        self.running = True
        self.context.on_account(self.account)

    async def stop(self) -> None:
        self.running = False

    def connected_accounts(self) -> list[Account]:
        return [self.account] if self.running else []

    def states(self) -> list:
        return []

    def web_page(self) -> None:
        return None

    async def say(self, sender: str, text: str) -> None:
        now = self.context.clock.now()
        await self.context.on_batch([IncomingMessage(
            platform="parrot", chat_type="group", chat_id="parrot-class", sender_id=sender,
            display_name=CUI, text=text, message_id=f"in-{now.timestamp()}", time=now,
            account="parrot-1",
        )])  # fmt: skip


@pytest.fixture
def parrot():
    registry.register(
        registry.AdapterSpec(
            name="parrot", platform="parrot", settings=ParrotSettings, default=ParrotSettings,
            configured=lambda settings: settings.enabled, build=ParrotAdapter,
        )
    )  # fmt: skip
    ParrotAdapter.built.clear()
    yield
    registry.unregister("parrot")


def parrot_config(tmp_path: Path, enabled: bool = True) -> Config:
    group = {"platform": "parrot", "chat": "parrot-class", "node": CLASS1, "purpose": "class"}
    return load_config(
        write_config(tmp_path, groups=[group], adapters={"parrot": {"enabled": enabled}})
    )


async def test_a_platform_from_one_place_runs_end_to_end(parrot, tmp_path):
    clock = FakeClock(datetime(2020, 2, 10, 8, 0, tzinfo=TZ))
    config = parrot_config(tmp_path)
    app: App = build_app(config, clock)
    await app.start()
    try:
        (adapter,) = ParrotAdapter.built
        await until(lambda: ("parrot", "parrot-1") in app.senders, timeout=WAIT_S)
        await adapter.say(CUI_QQ, "崔鹏飞 38.2 发热 在家")

        def reports() -> list[tuple]:
            return [tuple(r) for r in app.db.execute("SELECT person_id, abnormal FROM reports")]

        await until(lambda: reports() == [("2021210102", 1)], timeout=WAIT_S)
        app.wake_senders()

        def to_cui() -> list[OutgoingMessage]:
            return [m for m in adapter.account.sent if m.target == CUI_QQ]

        await until(lambda: to_cui() != [], timeout=WAIT_S)  # the fever is followed up
        assert all(m.platform == "parrot" and m.chat_type == "private" for m in to_cui())
        group_text = "".join(m.text for m in adapter.account.sent if m.target == "parrot-class")
        assert "38.2" not in group_text and "发热" not in group_text
        # the member list was learned through the protocol: 崔鹏飞 is bound on parrot
        bound = app.db.execute(
            "SELECT person_id FROM accounts WHERE platform = 'parrot' AND account_id = ?",
            [CUI_QQ],
        ).fetchall()
        assert [tuple(r) for r in bound] == [("2021210102",)]
    finally:
        await app.stop()
        app.db.close()


def test_an_unregistered_platform_is_a_config_error(tmp_path):
    group = {"platform": "parrot", "chat": "parrot-class", "node": CLASS1, "purpose": "class"}
    path = write_config(tmp_path, groups=[group], adapters={})

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    assert "groups[0].platform" in str(raised.value) and "parrot" in str(raised.value)


def test_an_unknown_adapter_section_is_a_config_error(tmp_path):
    path = write_config(tmp_path, groups=[], adapters={"parrot": {"enabled": True}})

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    assert "adapters.parrot" in str(raised.value)


# -- backfill over History: the same for every platform ---------------------------------------


@dataclass
class Archive:
    """An account whose platform keeps (or keeps no) history, as the protocol answers it."""

    messages: dict[str, list[IncomingMessage]]
    keeps: bool = True
    broken: set[str] = field(default_factory=set)
    asked: list[tuple[str, datetime]] = field(default_factory=list)
    platform: str = "parrot"
    account: str = "parrot-1"

    async def history(self, group: str, since: datetime) -> History:
        self.asked.append((group, since))
        if group in self.broken:
            raise ConnectionError("link gone")
        if not self.keeps:
            return History.none_kept()
        return History(tuple(m for m in self.messages.get(group, []) if m.time >= since))


def said(group: str, n: int, when: datetime) -> IncomingMessage:
    return IncomingMessage(
        platform="parrot", chat_type="group", chat_id=group, sender_id=CUI_QQ,
        display_name=CUI, text=f"第{n}条", message_id=f"{group}-{n}", time=when,
    )  # fmt: skip


async def test_backfill_asks_from_what_was_last_kept_one_batch_per_group(db):
    from bot.backfill import MAX_AGE, backfill
    from storage.raw_messages import record

    now = datetime(2020, 2, 10, 12, 0, tzinfo=TZ)
    kept = said("g1", 0, now - timedelta(hours=2))
    with db.atomic():
        record(db, kept, kept.text, kept.time)
    archive = Archive({
        "g1": [said("g1", 1, now - timedelta(hours=1)), said("g1", 2, now - timedelta(minutes=5))],
        "g3": [said("g3", 1, now - timedelta(hours=30))],
    }, broken={"g2"})  # fmt: skip
    batches: list[list[IncomingMessage]] = []

    async def sink(batch: list[IncomingMessage]) -> None:
        batches.append(batch)

    total = await backfill(db, archive, ["g1", "g2", "g3"], sink, now)  # type: ignore[arg-type]

    assert total == 3
    assert [[m.text for m in b] for b in batches] == [["第1条", "第2条"], ["第1条"]]
    assert dict(archive.asked) == {"g1": kept.time, "g2": now - MAX_AGE, "g3": now - MAX_AGE}


async def test_backfill_is_not_fooled_by_what_arrived_live_since_the_account_connected(db):
    """A takeover in the middle of the morning: the account connects, messages arrive live
    while its member lists are read, then backfill asks for the history. It must start from
    what was kept before the connection, or the messages written in the gap are lost."""
    from bot.backfill import backfill
    from storage.raw_messages import record

    connected = datetime(2020, 2, 10, 7, 30, tzinfo=TZ)
    before = said("g1", 0, connected - timedelta(seconds=10))  # kept by the dead process
    gap = said("g1", 1, connected - timedelta(seconds=5))  # written while nobody listened
    live = said("g1", 2, connected + timedelta(seconds=1))  # arrived live after connecting
    with db.atomic():
        record(db, before, before.text, before.time)
        record(db, live, live.text, live.time)
    archive = Archive({"g1": [before, gap, live]})
    batches: list[list[IncomingMessage]] = []

    async def sink(batch: list[IncomingMessage]) -> None:
        batches.append(batch)

    await backfill(db, archive, ["g1"], sink, connected)  # type: ignore[arg-type]

    assert archive.asked == [("g1", before.time)]
    assert "第1条" in [m.text for m in batches[0]]  # the gap's message, handed to the core


async def test_backfill_stops_asking_a_platform_that_keeps_no_history(db):
    from bot.backfill import backfill

    archive = Archive({"g1": [said("g1", 1, datetime(2020, 2, 10, 11, 0, tzinfo=TZ))]}, False)
    batches: list[list[IncomingMessage]] = []

    async def sink(batch: list[IncomingMessage]) -> None:
        batches.append(batch)

    now = datetime(2020, 2, 10, 12, 0, tzinfo=TZ)
    total = await backfill(db, archive, ["g1", "g2"], sink, now)  # type: ignore[arg-type]

    assert total == 0 and batches == []
    assert [group for group, _ in archive.asked] == ["g1"]
