"""`pingan bench summary --students N --groups G`: the nightly summaries for every node.

Builds, in a temporary SQLite file (or, with `--database-url`, in a new and empty PostgreSQL
database: one holding data is refused), N students in G classes (25 classes to a grade, 4
grades to a college), a class chat per class, a counselor chat per grade, a duty chat per
college, a duty pair, a day of reports (about 95% reported, 1% abnormal, 1% on leave, 2%
in a key group) and the previous day's; then times the 21:00 work: every class, grade and
college summary plus the private school roll-up, queued in the outbox (best of --repeat
runs, each from a clean night). Prints `{"bench": "summary", "store": ..., "students": N,
"groups": G, "seconds": S, ..., "build_seconds": B}`; `--charts` also times the charts, which
the scheduler renders in a worker thread before the summaries (`chart_seconds`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.clock import FakeClock
from core.config import Config
from schedules.deps import Deps
from schedules.opened import record_opened
from schedules.summaries import duty_roll_up, prerender_charts, summarize
from storage.backend import Database
from storage.db import open_db, open_store

HELP = "给生成的学校每个节点做每晚汇总的耗时"
DAY, PREVIOUS = "2020-02-10", "2020-02-09"
CLASSES_PER_GRADE, GRADES_PER_COLLEGE = 25, 4
STAMP = "2020-02-01T00:00:00+08:00"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--students", type=int, default=40000, help="学生人数（默认 40000）")
    parser.add_argument("--groups", type=int, default=1000, help="班级数（默认 1000）")
    parser.add_argument("--seed", type=int, default=2020, help="随机种子（默认 2020）")
    parser.add_argument("--repeat", type=int, default=3, help="运行次数，输出最好的一次")
    parser.add_argument("--charts", action="store_true", help="同时计时汇总图表")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="在新建的空 PostgreSQL 数据库里生成学校并计时（postgresql://…）；默认临时 SQLite",
    )


def build_school(db: Database, students: int, groups: int, seed: int) -> list[int]:
    """Insert the generated school; return every node id (classes first)."""
    rng = random.Random(seed)
    nodes: list[tuple[int, str, str, str, int | None]] = []  # id, path, name, kind, parent
    chats, classes = [], []
    next_id = 1
    grades = -(-groups // CLASSES_PER_GRADE)
    college_ids, grade_ids = [], []
    for g in range(grades):
        if g % GRADES_PER_COLLEGE == 0:
            college = f"学院{g // GRADES_PER_COLLEGE + 1}"
            nodes.append((next_id, college, college, "college", None))
            chats.append(("qq", f"duty-{next_id}", next_id, "duty"))
            college_ids.append(next_id)
            next_id += 1
        grade_path = f"{college}/{2017 + g % GRADES_PER_COLLEGE}级-{g}"
        nodes.append((next_id, grade_path, grade_path.split("/")[1], "grade", college_ids[-1]))
        chats.append(("qq", f"counselor-{next_id}", next_id, "counselor"))
        grade_ids.append(next_id)
        next_id += 1
        for c in range(min(CLASSES_PER_GRADE, groups - g * CLASSES_PER_GRADE)):
            nodes.append((next_id, f"{grade_path}/{c + 1}班", f"{c + 1}班", "class", grade_ids[-1]))
            chats.append(("qq", f"class-{next_id}", next_id, "class"))
            classes.append(next_id)
            next_id += 1
    # id, name, role, class_id, active, private_nags, updated_at
    people: list[tuple[str, str, str, int | None, int, int, str]] = []
    accounts, reports, previous, leaves, tags = [], [], [], [], []
    for i in range(students):
        pid, cls = f"2020{i:06d}", classes[i % len(classes)]
        people.append((pid, f"学生{i}", "学生", cls, 1, 1, STAMP))
        accounts.append(("qq", str(100000 + i), pid, STAMP))
        roll = rng.random()
        if roll < 0.01:
            leaves.append((pid, PREVIOUS, DAY, "事假", STAMP))
        elif roll < 0.96:
            abnormal = rng.random() < 0.01
            symptoms = '["咳嗽"]' if abnormal else "[]"
            temperature = 37.6 if abnormal else 36.5
            reports.append(
                (pid, DAY, cls, temperature, int(abnormal), symptoms, "free", STAMP, STAMP)
            )
        if rng.random() < 0.95:
            previous.append((pid, PREVIOUS, cls, 36.5, 0, "[]", "free", STAMP, STAMP))
        if rng.random() < 0.02:
            tags.append((pid, "湖北籍", "2020-01-20"))
    staff: list[tuple[str, str, str, int | None, int, int, str]] = [  # as `people`
        ("d1", "值班辅导员", "值班辅导员", None, 1, 1, STAMP),
        ("d2", "值班党员", "值班党员", None, 1, 1, STAMP),
    ]
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO nodes (id, path, name, kind, parent_id) VALUES (?, ?, ?, ?, ?)", nodes
        )
        db.conn.executemany("INSERT INTO chats VALUES (?, ?, ?, ?)", chats)
        db.conn.executemany(
            "INSERT INTO people (id, name, role, class_id, active, private_nags, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            people + staff,
        )
        db.conn.executemany(
            "INSERT INTO accounts (platform, account_id, person_id, created_at)"
            " VALUES (?, ?, ?, ?)",
            [*accounts, ("qq", "9101", "d1", STAMP), ("qq", "9102", "d2", STAMP)],
        )
        sql = (
            "INSERT INTO reports (person_id, day, class_id, temperature, abnormal, symptoms,"
            " source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        db.conn.executemany(sql, reports + previous)
        db.conn.executemany(
            "INSERT INTO leaves (person_id, start_day, end_day, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            leaves,
        )
        db.conn.executemany("INSERT INTO tags (person_id, tag, start_day) VALUES (?, ?, ?)", tags)
        db.execute("INSERT INTO duty_roster VALUES (?, 'd1', 'd2')", [DAY])
    db.execute("ANALYZE")
    return classes + grade_ids + college_ids


def _reset(db: Database, opened_at: datetime) -> None:
    """Forget the night's runs so the same summaries can be timed again; the morning's
    windows stay opened (a day that never opened is not summarised)."""
    with db.atomic():
        for table in ("job_runs", "outbox", "daily_counts"):
            db.execute(f"DELETE FROM {table}")
        classes = [p for (p,) in db.execute("SELECT path FROM nodes WHERE kind = 'class'")]
        record_opened(db, DAY, classes, opened_at)


def run(args: argparse.Namespace) -> int:
    tz = ZoneInfo("Asia/Shanghai")
    with tempfile.TemporaryDirectory(prefix="pingan-bench-") as tmp:
        url = args.database_url
        db = open_store(url) if url else open_db(Path(tmp) / "bench.db")
        if url and db.execute("SELECT count(*) FROM nodes").fetchone()[0]:
            db.close()
            print(f"{url}：数据库里已有数据；基准测试只在新建的空数据库里运行（createdb）",
                  file=sys.stderr)  # fmt: skip
            return 2
        started = time.perf_counter()
        node_ids = build_school(db, args.students, args.groups, args.seed)
        built = time.perf_counter() - started
        config = Config.model_validate({"checkin": {"charts": False}})
        clock = FakeClock(datetime(2020, 2, 10, 21, 0, tzinfo=tz))
        deps = Deps(db, config, clock, Path(tmp) / "charts")
        timings = []
        for _ in range(max(args.repeat, 1)):
            _reset(db, clock.now().replace(hour=7))
            start = time.perf_counter()
            messages = summarize(deps, DAY, node_ids) + duty_roll_up(deps, DAY)
            timings.append(time.perf_counter() - start)
        result = {
            "bench": "summary",
            "store": "postgresql" if url else "sqlite",
            "students": args.students,
            "groups": args.groups,
            "seconds": round(min(timings), 3),
            "nodes": len(node_ids),
            "messages": messages,
            "repeat": len(timings),
            "build_seconds": round(built, 1),
        }
        if args.charts:
            _reset(db, clock.now().replace(hour=7))
            deps.config = Config.model_validate({"checkin": {"charts": True}})
            start = time.perf_counter()
            charts = asyncio.run(prerender_charts(deps, DAY, node_ids, duty=True))
            result["charts"] = charts
            result["chart_seconds"] = round(time.perf_counter() - start, 3)
        db.close()
    print(json.dumps(result, ensure_ascii=False))
    return 0
