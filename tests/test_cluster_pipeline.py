"""The message path and the transactions of several processes on one SQLite file (a cluster).

Each process handles the messages of the accounts it holds, in its own transactions on its
own connection. A deferred transaction that reads (dedup, the roster) and then writes fails
at once with "database is locked" when another process committed in between: the busy
timeout cannot help, its snapshot is stale. The message would then be kept as an error and
its report lost, so the pipeline takes the write lock first (BEGIN IMMEDIATE). Here two
threads, each with its own connection and pipeline, hand in check-ins at the same moments.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest

from core.clock import FakeClock
from core.config import Config, GroupBinding
from core.messages import IncomingMessage
from handlers.pipeline import Pipeline
from storage.chats import bind_groups
from storage.db import open_db
from storage.roster import import_roster
from tests.roster_helpers import BASE, write_csv

GROUPS = {"700001": "计算机学院/2021级/计科1班", "700002": "计算机学院/2021级/计科2班"}
SENDERS = {"700001": "10001", "700002": "10002"}
EACH = 150


def test_two_processes_handling_messages_at_once_lose_none(tmp_path, clock):
    config = Config(
        groups=[GroupBinding(platform="qq", chat=c, node=n, purpose="class")
                for c, n in GROUPS.items()]
    )  # fmt: skip
    path = tmp_path / "pingan.db"
    db = open_db(path)
    import_roster(db, write_csv(tmp_path / "r.csv", BASE), now=clock.now())
    bind_groups(db, config)
    db.close()
    start = threading.Barrier(len(GROUPS))
    outcomes: dict[str, list[str]] = {}

    def process(chat: str) -> None:
        mine = open_db(path)
        own_clock = FakeClock(clock.now())
        pipeline = Pipeline(mine, config, own_clock)
        got = []
        start.wait()
        for i in range(EACH):
            own_clock.advance(timedelta(seconds=1))
            message = IncomingMessage(
                platform="qq", chat_type="group", chat_id=chat, sender_id=SENDERS[chat],
                display_name="", text=f"体温36.{i % 10} 正常", message_id=f"{chat}-{i}",
                time=own_clock.now(),
            )  # fmt: skip
            got += pipeline.handle_batch([message])
        pipeline.close()
        mine.close()
        outcomes[chat] = got

    threads = [threading.Thread(target=process, args=(chat,)) for chat in GROUPS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db = open_db(path)
    kinds = dict(db.execute("SELECT kind, count(*) FROM raw_messages GROUP BY kind").fetchall())
    db.close()
    assert all("error" not in got for got in outcomes.values()), outcomes
    assert "error" not in kinds and sum(kinds.values()) == EACH * len(GROUPS)


def test_a_transaction_that_reads_then_writes_holds_the_write_lock_from_its_start(tmp_path):
    """What the member binding does (read who is bound, then bind): while it runs, another
    process's write waits its turn, instead of committing in between and making this one
    fail with "database is locked" (a member list unbound, the backfill after it skipped)."""
    mine, other = open_db(tmp_path / "pingan.db"), open_db(tmp_path / "pingan.db")
    other.execute("PRAGMA busy_timeout=0")  # fail at once instead of waiting 5 s
    add = "INSERT INTO people (id, name, updated_at) VALUES (?, ?, 'x')"
    with mine.atomic():
        mine.execute("SELECT count(*) FROM people").fetchone()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute(add, ["p2", "李四"])  # in a real process: waits, then goes in
        mine.execute(add, ["p1", "张三"])
    other.execute(add, ["p2", "李四"])
    assert mine.execute("SELECT count(*) FROM people").fetchone()[0] == 2
    mine.close()
    other.close()
