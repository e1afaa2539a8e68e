"""/metrics in the Prometheus text format, through prometheus_client.

Counters live in this process (messages by outcome, job executions, parse and handling
time); gauges are read
at scrape time from the database and the adapters (outbox depth and age, job runs, account
states), so
a restart loses no gauge and a scrape never waits on the message path. Nothing here carries
personal data: no names, no message text, no student ids; the only ids are the bot's own
chat accounts.

Each `Metrics` has its own registry (not the library's global one), so several apps in one
process (the tests) never collide.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.messages import IncomingMessage
from bot.ops.accounts import AccountBoard

# A message is usually handled in well under 10 ms; a 接龙 repost or a batch under load more.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

Batch = Callable[[Sequence[IncomingMessage]], list[str]]


class _Gauges(Collector):
    """Read at scrape time: the outbox, the job runs and the accounts."""

    def __init__(
        self, db: sqlite_utils.Database, board: AccountBoard, now: Callable[[], datetime]
    ) -> None:
        self.db, self.board, self.now = db, board, now

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "pingan_outbox_messages",
            "Outbox rows by platform and status",
            labels=["platform", "status"],
        )
        age = GaugeMetricFamily(
            "pingan_outbox_oldest_pending_age_seconds",
            "Age of the oldest message still waiting to be sent, per platform (0: none)",
            labels=["platform"],
        )
        now = self.now()
        rows = self.db.execute(
            "SELECT platform, status, count(*), min(CASE WHEN status = 'pending' "
            "THEN created_at END) FROM outbox WHERE status != 'sent' GROUP BY platform, status"
        ).fetchall()
        oldest: dict[str, float] = {}
        for platform, status, count, first in rows:
            depth.add_metric([platform, status], count)
            if first is not None:
                waited = (now - datetime.fromisoformat(first)).total_seconds()
                oldest[platform] = max(oldest.get(platform, 0.0), waited)
        for platform, seconds in sorted(oldest.items()):
            age.add_metric([platform], max(seconds, 0.0))
        yield depth
        yield age
        runs = GaugeMetricFamily(
            "pingan_job_runs",
            "Job runs recorded per job (one per job, node and day, catch-up included) in the "
            "retention window",
            labels=["job"],
        )
        last = GaugeMetricFamily(
            "pingan_job_last_run_timestamp_seconds",
            "When a run of the job last finished (unix time)",
            labels=["job"],
        )
        for job, count, finished in self.db.execute(
            "SELECT job, count(*), max(finished_at) FROM job_runs GROUP BY job ORDER BY job"
        ):
            runs.add_metric([job], count)
            if finished is not None:
                last.add_metric([job], datetime.fromisoformat(finished).timestamp())
        yield runs
        yield last
        up = GaugeMetricFamily(
            "pingan_account_connected",
            "1 when the chat account is connected and logged in, else 0",
            labels=["platform", "account"],
        )
        seen = GaugeMetricFamily(
            "pingan_account_last_seen_timestamp_seconds",
            "When the platform was last heard from for this account (unix time)",
            labels=["platform", "account"],
        )
        for state in self.board.states():
            up.add_metric([state.platform, state.account], 1 if state.connected else 0)
            if state.last_seen is not None:
                seen.add_metric([state.platform, state.account], state.last_seen.timestamp())
        yield up
        yield seen


class Metrics:
    def __init__(
        self, db: sqlite_utils.Database, board: AccountBoard, now: Callable[[], datetime]
    ) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "pingan_messages",
            "Chat messages handled, by outcome (command, chain, checkin, other, duplicate, error)",
            ["outcome"],
            registry=self.registry,
        )
        self.handling = Histogram(
            "pingan_message_handle_seconds",
            "Time to parse, route and store one message (a batch's time shared by its messages)",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.parsing = Histogram(
            "pingan_parse_seconds",
            "Time to route and parse one message, before anything is written (a batch's "
            "time shared by its messages)",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.job_runs = Counter(
            "pingan_job_executions",
            "Scheduler job executions in this process, by job and result (ok, error)",
            ["job", "result"],
            registry=self.registry,
        )
        self.registry.register(_Gauges(db, board, now))

    def instrument(self, pipeline: Any) -> None:
        """Count what the pipeline decides and time it: the whole message path, and the
        parse alone.

        Every way into the pipeline (one message, a batch, the simulator page) ends in
        `handle_batch`, and every batch is read (routed and parsed, before any write) by
        `_route`; wrapping those two methods on this instance sees them all. A batch that is
        replayed one message at a time is counted once, by its outermost call.
        """
        inner: Batch = pipeline.handle_batch
        route: Callable[[Sequence[IncomingMessage]], list[Any]] = pipeline._route
        depth = 0

        def handle_batch(messages: Sequence[IncomingMessage]) -> list[str]:
            nonlocal depth
            depth += 1
            started = time.perf_counter()
            try:
                outcomes = inner(messages)
            finally:
                depth -= 1
            if depth == 0 and messages:
                share = (time.perf_counter() - started) / len(messages)
                for outcome in outcomes:
                    self.messages.labels(outcome).inc()
                    self.handling.observe(share)
            return outcomes

        def timed_route(messages: Sequence[IncomingMessage]) -> list[Any]:
            started = time.perf_counter()
            plan = route(messages)
            if messages:
                share = (time.perf_counter() - started) / len(messages)
                for _ in messages:
                    self.parsing.observe(share)
            return plan

        pipeline.handle_batch = handle_batch
        pipeline._route = timed_route

    def job_ran(self, job_id: str, failed: bool) -> None:
        self.job_runs.labels(job_id, "error" if failed else "ok").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
