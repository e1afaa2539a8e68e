"""`pingan bench ingest --messages N`: N single-line check-ins through the whole message path,
against the floor no implementation on this stack can beat, on the same messages.

The path: dedup, router, parser, roster match and the SQLite writes (raw message, report),
group-committed in batches of `MAX_BATCH` as `pingan run` does when its queue is full, on a
real file in WAL mode with the configured `synchronous`. Every message is a different
student's first report of the day, from their bound QQ account in their class group; the
run checks that each one became exactly one report.

The floor: the parser's own segmenter (`handlers.parse.segment.shared_engine`, rjieba or
jieba, with the roster names loaded) tags every message's full text, then the same raw
message and report rows are written with one `executemany` each in one transaction. A real
implementation must at least read the words and write the rows; everything else it does
(temperature, symptoms, places, names, roster match, dedup, per-message savepoints) is the
gap the ratio shows.

Times are CPU seconds of this process (the machine may be shared; CPU time is what one core
gives) and wall seconds; `per_second` and `ratio` use CPU time.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from bot.adapters.sim.school import School, build_school, checkin_text, write_config
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.messages import IncomingMessage
from handlers.parse.segment import shared_engine
from handlers.pipeline import MAX_BATCH, Pipeline
from storage.db import open_db
from storage.startup import prepare

HELP = "N single-line check-ins through the whole path, against the segment+executemany floor"
FIRST_DAY = date(2020, 2, 10)
MESSAGES_PER_SECOND = 200  # the simulated morning: message times advance at this rate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=10_000, help="how many (default 10000)")
    parser.add_argument("--students", type=int, default=12_000, help="roster size (12000)")
    parser.add_argument("--classes", type=int, default=300, help="class groups (300)")
    parser.add_argument("--batch", type=int, default=MAX_BATCH, help="messages per commit")
    parser.add_argument(
        "--synchronous",
        choices=("normal", "full"),
        default="normal",
        help="SQLite synchronous: normal (pingan's; survives kill -9) or full (power loss too)",
    )
    parser.add_argument("--seed", type=int, default=2020)


def make_messages(school: School, count: int, tz, seed: int) -> list[IncomingMessage]:
    """Student after student, day after day: every message is a new (person, day) report."""
    rng = random.Random(seed)
    out: list[IncomingMessage] = []
    students = school.students
    for i in range(count):
        day, k = divmod(i, len(students))
        s = students[k]
        start = datetime.combine(FIRST_DAY + timedelta(days=day), dtime(7, 0), tz)
        out.append(
            IncomingMessage(
                platform="qq",
                chat_type="group",
                chat_id=s.group,
                sender_id=s.qq,
                display_name=s.name,
                text=checkin_text(rng, s),
                message_id=f"m{i}",
                time=start + timedelta(seconds=k / MESSAGES_PER_SECOND),
            )
        )
    return out


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_path(
    config: Config, db_path: Path, messages: list[IncomingMessage], batch: int, sync: str
) -> tuple[float, float, int]:
    """(wall, cpu, reports stored) for the whole path on a migrated, roster-loaded file."""
    db = open_db(db_path)
    db.execute(f"PRAGMA synchronous={sync}")
    clock = FakeClock(messages[0].time)
    prepare(db, config, clock.now())
    pipeline = Pipeline(db, config, clock)  # the roster and parser are loaded here, untimed

    def go() -> None:
        for start in range(0, len(messages), batch):
            chunk = messages[start : start + batch]
            clock.set(max(clock.now(), chunk[-1].time))
            outcomes = pipeline.handle_batch(chunk)
            if any(o != "checkin" for o in outcomes):
                raise RuntimeError(f"not every message was a check-in: {set(outcomes)}")

    wall, cpu = _timed(go)
    stored = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    db.close()
    return wall, cpu, stored


def run_floor(
    db_path: Path, messages: list[IncomingMessage], people: dict[str, str], sync: str
) -> tuple[float, float]:
    """Segment every text with the parser's engine, then two executemany in one commit."""
    db = open_db(db_path)
    db.execute(f"PRAGMA synchronous={sync}")
    db.execute("PRAGMA foreign_keys=OFF")  # the floor has no roster; the path's FKs hold
    now = messages[-1].time.isoformat()
    raw = [
        (m.platform, m.message_id, m.chat_type, m.chat_id, m.sender_id, m.display_name,
         m.text, m.time.isoformat(), now, "checkin")
        for m in messages
    ]  # fmt: skip
    reports = [
        (people[m.sender_id], m.time.date().isoformat(), f"{m.platform}:{m.message_id}", now, now)
        for m in messages
    ]
    engine = shared_engine()
    conn = db.conn

    def go() -> None:
        for m in messages:
            engine.tag(m.text)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO raw_messages (platform, message_id, chat_type, chat_id, sender_id, "
            "display_name, text, sent_at, received_at, kind) VALUES (?,?,?,?,?,?,?,?,?,?)",
            raw,
        )
        conn.executemany(
            "INSERT INTO reports (person_id, day, message_key, created_at, updated_at, revision,"
            " source) VALUES (?, ?, ?, ?, ?, 1, 'free')",
            reports,
        )
        conn.execute("COMMIT")

    wall, cpu = _timed(go)
    db.close()
    return wall, cpu


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        school = build_school(root, args.students, args.classes, args.seed)
        config = load_config(write_config(root / "config.yaml", school, root / "path.db", []))
        messages = make_messages(school, args.messages, config.tz, args.seed)
        sync = args.synchronous
        wall, cpu, stored = run_path(config, root / "path.db", messages, args.batch, sync)
        people = {s.qq: s.person_id for s in school.students}
        floor_wall, floor_cpu = run_floor(root / "floor.db", messages, people, sync)
    n = len(messages)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "bench": "ingest",
                "messages": n,
                "seconds": round(cpu, 3),
                "per_second": round(n / cpu, 1),
                "peak_rss_mb": round(peak, 1),
                "wall_seconds": round(wall, 3),
                "wall_per_second": round(n / wall, 1),
                "reports": stored,
                "floor_seconds": round(floor_cpu, 3),
                "floor_per_second": round(n / floor_cpu, 1),
                "floor_wall_seconds": round(floor_wall, 3),
                "ratio": round(floor_cpu / cpu, 3),
                "segmenter": shared_engine().name,  # type: ignore[attr-defined]
                "synchronous": args.synchronous,
                "batch": args.batch,
            },
            ensure_ascii=False,
        )
    )
    return 0 if stored == n else 1
