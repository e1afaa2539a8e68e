"""`pingan bench ingest --messages N`: N single-line check-ins through the whole message path,
against the floor no implementation on this stack can beat, on the same messages.

The path: dedup, router, parser, roster match and the SQLite writes (raw message, report),
group-committed in batches of `MAX_BATCH` as `pingan run` does when its queue is full, on a
real file in WAL mode with the configured `synchronous`. Every message is a different
student's first report of the day, from their bound QQ account in their class group; the
run checks that each one became exactly one report.

Two floors, each on the same messages and written the same way (the raw message and report
rows with one `executemany` each, in one transaction, on a fresh file):

- the issue's floor (`floor_*`, `ratio`): jieba segmentation alone (`Tokenizer.lcut`, the
  dictionary loaded beforehand with the same user words as the parser's: gazetteer and
  roster names) plus the batched writes;
- the engine floor (`engine_floor_*`, `engine_ratio`): the parser's own segmenter
  (`handlers.parse.segment.shared_engine`, rjieba unless PINGAN_SEGMENTER=jieba, named by
  `segmenter`) tagging every full message, plus the same writes.

A real implementation must at least read the words and write the rows; everything else it
does (temperature, symptoms, places, names, roster match, dedup, per-message savepoints) is
the gap the ratios show.

Times are CPU seconds of this process (the machine may be shared; CPU time is what one core
gives) and wall seconds; `per_second` and the ratios (floor time / path time) use CPU time.
`peak_rss_mb` is the process's peak after the path ran, before the floors load jieba.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from bot.adapters.sim.school import School, build_school, checkin_text, write_config
from core.clock import FakeClock
from core.config import Config, load_config
from core.messages import IncomingMessage
from handlers.parse.places import gazetteer
from handlers.parse.segment import USER_WORD_FREQ, shared_engine
from handlers.pipeline import MAX_BATCH, Pipeline
from storage.db import open_db
from storage.startup import prepare

HELP = "N 条单行报告走完整条消息路径，并与分词+批量写入的下限对比"
FIRST_DAY = date(2020, 2, 10)
MESSAGES_PER_SECOND = 200  # the simulated morning: message times advance at this rate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=10_000, help="消息条数（默认 10000）")
    parser.add_argument("--students", type=int, default=12_000, help="花名册人数（默认 12000）")
    parser.add_argument("--classes", type=int, default=300, help="班级群数（默认 300）")
    parser.add_argument("--batch", type=int, default=MAX_BATCH, help="每次提交的消息条数")
    parser.add_argument(
        "--synchronous",
        choices=("normal", "full"),
        default="normal",
        help="SQLite synchronous：normal（pingan 所用，经得起 kill -9）或 full（也经得起断电）",
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
    db_path: Path,
    messages: list[IncomingMessage],
    people: dict[str, str],
    sync: str,
    segment: Callable[[str], object],
) -> tuple[float, float]:
    """`segment` every text, then two executemany in one commit: (wall, cpu)."""
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
    conn = db.conn

    def go() -> None:
        for m in messages:
            segment(m.text)
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


def jieba_segmenter(roster_names: list[str]) -> Callable[[str], list[str]]:
    """jieba's own segmentation (`lcut`, HMM on, its default), dictionary loaded up front
    with the words the parser adds to its engine (gazetteer `ns`, roster names `nr`)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for place in gazetteer():
        tokenizer.add_word(place, USER_WORD_FREQ, "ns")
    for name in roster_names:
        tokenizer.add_word(name, USER_WORD_FREQ, "nr")
    return tokenizer.lcut


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        school = build_school(root, args.students, args.classes, args.seed)
        config = load_config(write_config(root / "config.yaml", school, root / "path.db", []))
        messages = make_messages(school, args.messages, config.tz, args.seed)
        sync = args.synchronous
        wall, cpu, stored = run_path(config, root / "path.db", messages, args.batch, sync)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        people = {s.qq: s.person_id for s in school.students}
        jieba_cut = jieba_segmenter([s.name for s in school.students])
        floor_wall, floor_cpu = run_floor(root / "floor.db", messages, people, sync, jieba_cut)
        engine = shared_engine()  # loaded by the path, roster names included
        engine_wall, engine_cpu = run_floor(root / "engine.db", messages, people, sync, engine.tag)
    n = len(messages)
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
                "floor": "jieba lcut + executemany",
                "floor_seconds": round(floor_cpu, 3),
                "floor_per_second": round(n / floor_cpu, 1),
                "floor_wall_seconds": round(floor_wall, 3),
                "ratio": round(floor_cpu / cpu, 3),
                "segmenter": engine.name,  # type: ignore[attr-defined]
                "engine_floor_seconds": round(engine_cpu, 3),
                "engine_floor_per_second": round(n / engine_cpu, 1),
                "engine_floor_wall_seconds": round(engine_wall, 3),
                "engine_ratio": round(engine_cpu / cpu, 3),
                "synchronous": args.synchronous,
                "batch": args.batch,
            },
            ensure_ascii=False,
        )
    )
    return 0 if stored == n else 1
