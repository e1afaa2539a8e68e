"""`pingan bench province --students N --schools S`: the provincial counts over S schools.

Builds, in a temporary SQLite file, N students spread over S schools (40 students to a
class, 30 classes to a college), a day of reports (about 95% reported, 1% abnormal, 1% on
leave), then times `storage.schools.province_counts` — what /全省, `pingan province
summary`, the /province page and the nightly provincial roll-up compute — best of --repeat.
Prints `{"bench": "province", "students": N, "schools": S, "seconds": S, ...}`.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from storage import schools
from storage.backend import Database
from storage.db import open_db

HELP = "生成多所学校的学生，计时全省各校人数的统计"
DAY = "2020-02-10"
PER_CLASS, CLASSES_PER_COLLEGE = 40, 30
STAMP = "2020-02-01T00:00:00+08:00"
BATCH = 50_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--students", type=int, default=1_000_000, help="学生人数（默认 1000000）")
    parser.add_argument("--schools", type=int, default=40, help="学校数（默认 40）")
    parser.add_argument("--seed", type=int, default=2020, help="随机种子（默认 2020）")
    parser.add_argument("--repeat", type=int, default=3, help="运行次数，输出最好的一次")


def build_province(db: Database, students: int, count: int, seed: int) -> None:
    """Insert `count` schools and their students, classes and the day's reports."""
    rng = random.Random(seed)
    with db.atomic():
        db.execute("UPDATE schools SET name = '学校1' WHERE id = 1")
        db.conn.executemany(
            "INSERT INTO schools (id, name) VALUES (?, ?)",
            [(s, f"学校{s}") for s in range(2, count + 1)],
        )
        next_node = 1
        current: dict[int, int] = {}  # school → the class being filled
        people: list[tuple] = []
        reports: list[tuple] = []
        leaves: list[tuple] = []
        for i in range(students):
            school = i % count + 1
            nth = i // count  # the student's place within their school
            if nth % PER_CLASS == 0:  # a new class (and now and then a new college)
                klass = nth // PER_CLASS
                prefix = "" if school == 1 else f"学校{school}/"
                college = f"{prefix}学院{klass // CLASSES_PER_COLLEGE + 1}"
                if klass % CLASSES_PER_COLLEGE == 0:
                    db.execute(
                        "INSERT INTO nodes (id, path, name, kind, school_id)"
                        " VALUES (?, ?, ?, 'college', ?)",
                        [next_node, college, college.rsplit("/", 1)[-1], school],
                    )
                    college_id = next_node
                    next_node += 1
                else:
                    college_id = db.execute(
                        "SELECT id FROM nodes WHERE path = ?", [college]
                    ).fetchone()[0]
                db.execute(
                    "INSERT INTO nodes (id, path, name, kind, parent_id, school_id)"
                    " VALUES (?, ?, ?, 'class', ?, ?)",
                    [next_node, f"{college}/{klass}班", f"{klass}班", college_id, school],
                )
                current[school] = next_node
                next_node += 1
            pid = f"S{i:07d}"
            people.append((pid, f"学生{i}", "学生", current[school], 1, 1, STAMP, school))
            roll = rng.random()
            if roll < 0.01:
                leaves.append((pid, DAY, DAY, "事假", STAMP))
            elif roll < 0.96:
                abnormal = int(rng.random() < 0.01)
                reports.append((pid, DAY, current[school], 36.5, abnormal, "[]", "free",
                                STAMP, STAMP))  # fmt: skip
            if len(people) >= BATCH:
                _flush(db, people, reports, leaves)
        _flush(db, people, reports, leaves)
    db.execute("ANALYZE")


def _flush(db: Database, people: list, reports: list, leaves: list) -> None:
    db.conn.executemany(
        "INSERT INTO people (id, name, role, class_id, active, private_nags, updated_at,"
        " school_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        people,
    )
    db.conn.executemany(
        "INSERT INTO reports (person_id, day, class_id, temperature, abnormal, symptoms,"
        " source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        reports,
    )
    db.conn.executemany(
        "INSERT INTO leaves (person_id, start_day, end_day, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        leaves,
    )
    people.clear()
    reports.clear()
    leaves.clear()


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="pingan-bench-") as tmp:
        db = open_db(Path(tmp) / "bench.db")
        start = time.perf_counter()
        build_province(db, args.students, args.schools, args.seed)
        built = time.perf_counter() - start
        timings = []
        for _ in range(max(args.repeat, 1)):
            start = time.perf_counter()
            counts = schools.province_counts(db, DAY)
            timings.append(time.perf_counter() - start)
        total = schools.total(counts)
        db.close()
    result = {
        "bench": "province",
        "students": args.students,
        "schools": len(counts),
        "seconds": round(min(timings), 3),
        "expected": total.expected,
        "reported": total.reported,
        "abnormal": total.abnormal,
        "build_seconds": round(built, 1),
        "repeat": len(timings),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0
