"""`pingan bench ingest --messages N`: N check-in messages through the full message path.

The messages are the simulator's (free text, 接龙 reposts, 代报, chatter, one redelivery a
day) for the sample college, day after day until N are made; they are built before the
clock starts. Timed: dedup, router, parser, roster match and the SQLite writes, one
transaction per message, on a real file.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.adapters.sim.campus import SimCampus
from bot.adapters.sim.demo import load_school
from bot.clock import FakeClock
from bot.config import Storage, load_config
from bot.messages import IncomingMessage
from handlers.pipeline import Pipeline
from storage.db import open_db

HELP = "N check-in messages through router, parser, roster match and SQLite"
CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"
FIRST_DAY = date(2020, 2, 10)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=10_000, help="how many (default 10000)")
    parser.add_argument("--seed", type=int, default=2020)


def _messages(campus: SimCampus, count: int) -> list[IncomingMessage]:
    out: list[IncomingMessage] = []
    day = FIRST_DAY
    while len(out) < count:
        out.extend(campus.deliveries(day))
        day += timedelta(days=1)
    return out[:count]


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        config = load_config(CONFIG)
        config = config.model_copy(update={"storage": Storage(path=str(path))})
        db = open_db(path)
        clock = FakeClock(datetime.combine(FIRST_DAY, datetime.min.time(), config.tz))
        load_school(db, config, clock.now())
        messages = _messages(SimCampus(db, config, args.seed), args.messages)
        pipeline = Pipeline(db, config, clock)
        started = time.perf_counter()
        for message in messages:
            if message.time > clock.now():
                clock.set(message.time)
            pipeline.handle(message)
        seconds = time.perf_counter() - started
        db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "bench": "ingest",
                "messages": len(messages),
                "seconds": round(seconds, 3),
                "per_second": round(len(messages) / seconds, 1) if seconds else None,
                "peak_rss_mb": round(peak, 1),
            }
        )
    )
    return 0
