"""`pingan keygroups import FILE` / `pingan keygroups show`: key groups (重点群体).

The sheet has the columns 学号, 标签 (`;`-separated for several), and optionally 起始日期
(default today) and 观察天数 (default from config key_groups). Import is all-or-nothing and
prints row-numbered errors.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.clock import SystemClock
from bot.config import load_config
from storage.db import open_db
from storage.keygroups import observed_on
from storage.keygroups_file import import_tags

HELP = "import a key-group sheet (学号, 标签, 起始日期, 观察天数) or show who is observed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="tag the students listed in a .csv or .xlsx sheet")
    imp.add_argument("file", help="the sheet: 学号, 标签, 起始日期, 观察天数")
    show = sub.add_parser("show", help="students under observation on a day, by tag")
    show.add_argument("--date", help="the day, YYYY-MM-DD (default today)")
    for cmd in (imp, show):
        cmd.add_argument("--config", default="config.yaml", help="config file (./config.yaml)")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_db(config.db_path)
    try:
        today = SystemClock(config.tz).now().date().isoformat()
        if args.action == "import":
            with db.conn:
                count = import_tags(db, args.file, config.key_groups, today)
            print(f"imported {count} key-group tag(s) from {args.file}")
            return 0
        day = date.fromisoformat(args.date).isoformat() if args.date else today
        for line in observed_on(db, day):
            reported = "已报" if line.report else "未报"
            print(f"{line.tag}\t{line.person_id}\t{line.name}\t{line.class_path or ''}"
                  f"\t{line.progress}\t{reported}")  # fmt: skip
        return 0
    except ValueError as e:
        print(f"pingan keygroups: {e}", file=sys.stderr)
        return 1
    finally:
        db.close()
