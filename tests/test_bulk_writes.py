"""The scheduled runs' bulk writes (schedules/runs.py, storage/outbox.py): the same answers as
one statement a row, in a few statements for a whole school (the 21:00 summary of a large
school claims, queues and finishes tens of thousands of nodes)."""

from __future__ import annotations

import pytest

from core.messages import OutgoingMessage
from schedules.runs import claim, claim_many, finish_many
from storage.outbox import enqueue, enqueue_many

pytestmark = pytest.mark.both_stores
DAY = "2020-02-10"


def message(target: str, key: str | None) -> OutgoingMessage:
    return OutgoingMessage(
        platform="qq", chat_type="group", target=target, text=f"汇总 {target}", dedup_key=key
    )


def test_claims_go_to_the_first_claimer_only(db, clock):
    assert claim(db, "summary", "学院1/1班", DAY, clock.now())
    keys = [f"学院1/{n}班" for n in range(1, 451)]  # more than one statement's worth
    won = claim_many(db, "summary", keys, DAY, clock.now())
    assert won == set(keys[1:])  # 1班 was claimed before
    assert claim_many(db, "summary", keys, DAY, clock.now()) == set()
    assert claim_many(db, "nag1", keys[:2], DAY, clock.now()) == set(keys[:2])  # another job


def test_finishing_records_each_nodes_outcome_and_messages(db, clock):
    keys = [f"学院1/{n}班" for n in range(1, 1001)]
    claim_many(db, "summary", keys, DAY, clock.now())
    results = {key: ("done", 1) for key in keys}
    results[keys[7]] = ("no counselor or duty chat", 0)
    finish_many(db, "summary", DAY, clock.now(), results)
    rows = db.execute(
        "SELECT node_key, outcome, messages, finished_at IS NOT NULL FROM job_runs"
        " WHERE job = 'summary'"
    ).fetchall()
    assert {key: (outcome, n) for key, outcome, n, _ in rows} == results
    assert all(finished for *_, finished in rows)


def test_a_message_is_queued_once_by_its_dedup_key(db, clock):
    assert enqueue(db, message("1", "summary|1|x"), clock.now()) is not None
    batch = [
        message("1", "summary|1|x"),  # queued before
        message("2", "summary|2|x"),
        message("2", "summary|2|x"),  # earlier in the same batch
        message("3", None),  # no key: always queued
        message("3", None),
        *[message(str(n), f"summary|{n}|x") for n in range(4, 200)],  # several statements
    ]
    assert enqueue_many(db, batch, clock.now()) == [False, True, False, True, True] + [True] * 196
    rows = db.execute("SELECT target, text FROM outbox ORDER BY id").fetchall()
    assert len(rows) == 1 + 1 + 2 + 196 and ("2", "汇总 2") in rows
