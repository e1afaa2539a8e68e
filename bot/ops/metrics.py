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

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.ops.accounts import AccountBoard
from storage.backend import Database

# A message is usually handled in well under 10 ms; a 接龙 repost or a batch under load more.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class _Gauges(Collector):
    """Read at scrape time: the outbox, the job runs and the accounts."""

    def __init__(
        self, db: Database, board: AccountBoard, now: Callable[[], datetime]
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
        self, db: Database, board: AccountBoard, now: Callable[[], datetime]
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

    # -- the message path's observer (handlers.pipeline.Observer) ---------------------------

    def routed(self, count: int, seconds: float) -> None:
        """A batch was routed and parsed, before any write: its time shared by its messages."""
        share = seconds / count
        for _ in range(count):
            self.parsing.observe(share)

    def handled(self, outcomes: Sequence[str], seconds: float) -> None:
        """A batch was handled and committed: what became of each message, and its time."""
        share = seconds / len(outcomes)
        for outcome in outcomes:
            self.messages.labels(outcome).inc()
            self.handling.observe(share)

    def job_ran(self, job_id: str, failed: bool) -> None:
        self.job_runs.labels(job_id, "error" if failed else "ok").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
