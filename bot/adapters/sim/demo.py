"""The embedded demo: whole check-in days of the sample school on an accelerated clock.

Everything real runs: roster import, the message path, the APScheduler jobs (manual mode on a
FakeClock: the clock jumps from one event to the next instead of waiting), the persistent
outbox and its rate-limited sender. Only the chat platform is simulated: students post
through `SimCampus`, and the bot's messages land in a `Transcript` through `SimTransport`.

Order of events: before each student post, every scheduled job due by then runs at its own
time and the outbox is drained right after it, so a nag's timestamp and its @-list are those
of the configured time, computed from the reports stored before it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.adapters.sim.campus import PLATFORM, SimCampus
from bot.adapters.sim.transcript import Transcript
from bot.adapters.sim.transport import SimTransport
from bot.outbox.sender import OutboxSender
from core.clock import FakeClock
from core.config import Config, Storage
from handlers.pipeline import Pipeline
from schedules import Deps, build_scheduler
from storage.backend import Database
from storage.chats import bind_groups
from storage.db import open_db
from storage.duty import import_duty
from storage.roster import import_roster

log = logging.getLogger(__name__)

FIRST_DAY = date(2020, 2, 10)  # a Monday in February 2020
DAY_STARTS = time(6, 0)


@dataclass(slots=True)
class DayCounts:
    """What SQLite holds for a node and day, counted independently of the summary texts."""

    path: str
    expected: int
    reported: int
    missing: int
    abnormal: int


@dataclass(slots=True)
class DemoResult:
    db_path: Path
    days: list[str]
    transcript: Transcript
    titles: dict[str, str]
    outcomes: dict[str, int] = field(default_factory=dict)
    counts: dict[str, list[DayCounts]] = field(default_factory=dict)


def fresh_db(path: Path) -> Database:
    """The demo always starts from an empty file, so a seed replays the same days."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return open_db(path)


def load_school(db: Database, config: Config, now: datetime) -> None:
    """The sample roster, the duty roster beside it, and the config's chats."""
    if not config.roster:
        raise ValueError("the demo config needs `roster:` (the sample roster)")
    roster = config.resolve(config.roster)
    import_roster(db, roster, now=now, key_groups=config.key_groups)
    duty = roster.parent / "duty.csv"
    if duty.is_file():
        with db.atomic():
            import_duty(db, duty, now)
    bind_groups(db, config)


def sql_counts(db: Database, day: str) -> list[DayCounts]:
    """Counts per bound counselor/duty node straight from the tables (no shared code with the
    summaries), so the demo can show they agree."""
    out = []
    for path, node_id in db.execute(
        "SELECT DISTINCT n.path, n.id FROM chats c JOIN nodes n ON n.id = c.node_id "
        "WHERE c.purpose IN ('counselor', 'duty') ORDER BY n.path"
    ).fetchall():
        expected, reported, abnormal = db.execute(
            """
            WITH RECURSIVE sub(id) AS (
                SELECT ? UNION ALL SELECT n.id FROM nodes n JOIN sub ON n.parent_id = sub.id
            ),
            students AS (
                SELECT p.id FROM people p
                WHERE p.active = 1 AND p.class_id IN (SELECT id FROM sub)
                  AND NOT EXISTS (SELECT 1 FROM leaves l WHERE l.person_id = p.id
                                  AND l.start_day <= ? AND l.end_day >= ?)
            )
            SELECT
                (SELECT count(*) FROM students),
                (SELECT count(*) FROM reports r WHERE r.day = ?
                   AND r.person_id IN (SELECT id FROM students)),
                (SELECT count(*) FROM reports r JOIN people p ON p.id = r.person_id
                   WHERE r.day = ? AND r.abnormal = 1 AND p.active = 1
                   AND p.class_id IN (SELECT id FROM sub))
            """,
            [node_id, day, day, day, day],
        ).fetchone()
        out.append(DayCounts(path, expected, reported, expected - reported, abnormal))
    return out


async def run_demo(config: Config, db_path: Path, *, days: int = 1, seed: int = 2020) -> DemoResult:
    # Everything that lives beside the database (summary charts) goes beside the demo's file.
    config = config.model_copy(update={"storage": Storage(path=str(db_path.resolve()))})
    tz = config.tz
    clock = FakeClock(datetime.combine(FIRST_DAY, DAY_STARTS, tz))
    db = fresh_db(db_path)
    try:
        load_school(db, config, clock.now())
        campus = SimCampus(db, config, seed)
        transcript = Transcript()

        async def fake_sleep(seconds: float) -> None:
            clock.advance(timedelta(seconds=seconds))

        # The groups are simulated; staff's private QQ/WeChat messages are recorded the same way.
        senders = [
            OutboxSender(
                db,
                SimTransport(transcript, clock, campus.name_of, platform=platform),
                config.outbox,
                clock,
                unassigned=True,
                sleep=fake_sleep,
            )
            for platform in (PLATFORM, "qq", "wechat")
        ]
        pipeline = Pipeline(db, config, clock)
        scheduler = build_scheduler(Deps(db, config, clock), manual=True)
        scheduler.start()
        result = DemoResult(db_path, [], transcript, campus.titles)
        try:
            for offset in range(days):
                day = FIRST_DAY + timedelta(days=offset)
                result.days.append(day.isoformat())
                for message in campus.deliveries(day):
                    await _jobs_until(scheduler, senders, message.time)
                    if message.time > clock.now():
                        clock.set(message.time)
                    outcome = pipeline.handle(message)
                    result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
                    if outcome != "duplicate":
                        campus.record(transcript, message, message.time)
                    await _drain(senders)
                next_morning = datetime.combine(day + timedelta(days=1), DAY_STARTS, tz)
                await _jobs_until(scheduler, senders, next_morning)
                result.counts[day.isoformat()] = sql_counts(db, day.isoformat())
        finally:
            scheduler.shutdown(wait=False)
        return result
    finally:
        db.close()


async def _drain(senders: list[OutboxSender]) -> None:
    for sender in senders:
        await sender.drain()


async def _jobs_until(scheduler, senders: list[OutboxSender], when: datetime) -> None:
    """Run each job due by `when` at its own time, delivering its messages right after."""
    while (upcoming := scheduler.next_run_time()) is not None and upcoming <= when:
        await scheduler.run_until(upcoming)
        await _drain(senders)
    await scheduler.run_until(max(when, scheduler.clock.now()))


__all__ = ["PLATFORM", "DemoResult", "run_demo"]
