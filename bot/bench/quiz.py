"""`pingan bench quiz`: a whole school answering a quiz round within ten minutes.

40,000 students (by default) in 1,000 class groups, a round of 5 questions opened by the
admin path (`start_round`, with `--delivery`), then every student's 5 private answers (`A`,
`选B`, `答案是C` …; 70% right) at random moments inside the 10-minute window, in time order,
through the whole message path (dedup, router, quiz answer, the reply with the next question
in the outbox) in group-commit batches as `pingan run` takes them off a full queue. Then the
class leaderboard and the summary lines are computed, and the answers are counted with SQL.

Prints one JSON line: the round's opening time and messages queued; the answers' CPU and wall
seconds, answers per second, the batch latency (p50/p99/max, wall ms); whether the work fits
the window (`fits_window`: wall seconds ≤ window); the leaderboard's time; and the check that
the stored answers, right answers and participants equal what was sent. Exit 1 if not.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bot.adapters.sim.school import build_school, write_config
from core.clock import FakeClock
from core.config import load_config
from core.messages import IncomingMessage
from handlers.pipeline import MAX_BATCH, Pipeline
from handlers.quiz.start import start_round
from schedules.quiz import day_board, summary_lines
from storage.backend import Database
from storage.db import open_db
from storage.quiz import Round, class_board, question_at
from storage.quiz_bank import import_bank
from storage.startup import prepare

HELP = "40,000 students answering a 5-question quiz round within 10 minutes"
BANK = Path(__file__).resolve().parents[2] / "examples" / "quiz.csv"
FORMS = ("{}", "{}", "选{}", "答案是{}", "{}。", "{}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--students", type=int, default=40_000, help="roster size (40000)")
    parser.add_argument("--classes", type=int, default=1_000, help="class groups (1000)")
    parser.add_argument("--questions", type=int, default=5, help="questions per round (5)")
    parser.add_argument("--window", type=int, default=600, help="answer window, seconds (600)")
    parser.add_argument("--batch", type=int, default=MAX_BATCH, help="messages per commit")
    parser.add_argument("--delivery", choices=("group", "private"), default="private")
    parser.add_argument("--seed", type=int, default=2020)


def _answer_key(db: Database, round_: Round) -> list[str]:
    """The right answer of each of the round's questions, in order."""
    key = []
    for n in range(1, round_.size + 1):
        question = question_at(db, round_.id, n)
        if question is None:
            raise RuntimeError(f"第 {round_.id} 轮缺第 {n} 题")
        key.append(question.answer)
    return key


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        school = build_school(root, args.students, args.classes, args.seed)
        config = load_config(
            write_config(
                root / "config.yaml",
                school,
                root / "quiz.db",
                [],
                quiz={"delivery": args.delivery, "questions": args.questions},
            )
        )
        db = open_db(config.db_path)
        start = datetime(2020, 2, 10, 19, 0, tzinfo=config.tz)
        clock = FakeClock(start)
        prepare(db, config, clock.now())
        import_bank(db, BANK, clock.now())
        pipeline = Pipeline(db, config, clock)  # roster loaded here, untimed

        def open_it():
            with db.atomic():
                return start_round(
                    db, config, clock.now(), opened_by="bench",
                    deadline=start + timedelta(seconds=args.window + 60),
                )  # fmt: skip

        (round_, queued), open_wall, _ = _timed(open_it)
        key = _answer_key(db, round_)
        messages: list[tuple[float, IncomingMessage]] = []
        right = 0
        for k, s in enumerate(school.students):
            moments = sorted(rng.uniform(0, args.window) for _ in key)
            for n, (answer, at) in enumerate(zip(key, moments, strict=True)):
                choice = answer if rng.random() < 0.7 else rng.choice("ABCD")
                right += choice == answer
                messages.append(
                    (
                        at,
                        IncomingMessage(
                            platform="qq",
                            chat_type="private",
                            chat_id=s.qq,
                            sender_id=s.qq,
                            display_name=s.name,
                            text=rng.choice(FORMS).format(choice),
                            message_id=f"q{k}-{n}",
                            time=start + timedelta(seconds=at),
                        ),
                    )
                )
        messages.sort(key=lambda m: m[0])
        ordered = [m for _, m in messages]
        latencies: list[float] = []

        def answer_all() -> None:
            for first in range(0, len(ordered), args.batch):
                chunk = ordered[first : first + args.batch]
                clock.set(max(clock.now(), chunk[-1].time))
                began = time.perf_counter()
                pipeline.handle_batch(chunk)
                latencies.append((time.perf_counter() - began) * 1000)

        _, wall, cpu = _timed(answer_all)
        board, board_wall, _ = _timed(lambda: class_board(db, round_.id))
        lines, summary_wall, _ = _timed(
            lambda: summary_lines(day_board(db, config, "2020-02-10"), [c.class_id for c in board])
        )
        stored, stored_right, people = db.execute(
            "SELECT count(*), sum(correct), count(DISTINCT person_id) FROM quiz_answers"
            " WHERE round_id = ?",
            [round_.id],
        ).fetchone()
        replies = db.execute(
            "SELECT count(*) FROM outbox WHERE chat_type = 'private' AND dedup_key IS NULL"
        ).fetchone()[0]
        db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(ordered)
    ok = (
        stored == n
        and stored_right == right
        and people == args.students
        and sum(c.participants for c in board) == args.students
        and replies == n
    )
    latencies.sort()
    print(
        json.dumps(
            {
                "bench": "quiz",
                "students": args.students,
                "classes": args.classes,
                "questions": round_.size,
                "delivery": args.delivery,
                "open_seconds": round(open_wall, 3),
                "open_messages": queued,
                "answers": n,
                "window_seconds": args.window,
                "seconds": round(cpu, 3),
                "wall_seconds": round(wall, 3),
                "per_second": round(n / cpu, 1),
                "wall_per_second": round(n / wall, 1),
                "needed_per_second": round(n / args.window, 1),
                "fits_window": wall <= args.window,
                "batch": args.batch,
                "batch_ms_p50": round(statistics.median(latencies), 2),
                "batch_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1], 2),
                "batch_ms_max": round(latencies[-1], 2),
                "leaderboard_seconds": round(board_wall, 3),
                "summary_seconds": round(summary_wall, 3),
                "summary": lines[0] if lines else None,
                "stored_answers": stored,
                "stored_right": stored_right,
                "sent_right": right,
                "participants": people,
                "replies": replies,
                "counts_match": ok,
                "peak_rss_mb": round(peak, 1),
            },
            ensure_ascii=False,
        )
    )
    return 0 if ok else 1
