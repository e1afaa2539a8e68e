"""`pingan duty import FILE` / `pingan duty show`: the duty roster (值班表).

The sheet has the columns 日期, 值班辅导员 学号, 值班党员 学号 (.csv or .xlsx). Import is
all-or-nothing and prints row-numbered errors; the people must already be in the roster.
"""

from __future__ import annotations

import argparse
from datetime import date

from bot.clock import SystemClock
from bot.config import load_config
from storage.db import open_db
from storage.duty import duty_for, import_duty

HELP = "import or show the duty roster (值班表: 日期, 值班辅导员 学号, 值班党员 学号)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="import a .csv or .xlsx duty sheet")
    imp.add_argument("file", help="the sheet: 日期, 值班辅导员 学号, 值班党员 学号")
    show = sub.add_parser("show", help="who is on duty, from a day on")
    for cmd in (imp, show):
        cmd.add_argument("--config", default="config.yaml", help="config file (./config.yaml)")
    show.add_argument("--date", help="first day, YYYY-MM-DD (default today)")
    show.add_argument("--days", type=int, default=7, help="how many days (default 7)")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_db(config.db_path)
    try:
        clock = SystemClock(config.tz)
        if args.action == "import":
            with db.conn:
                rows = import_duty(db, args.file, clock.now())
            print(f"imported {rows} duty day(s) from {args.file}")
            return 0
        first = date.fromisoformat(args.date) if args.date else clock.now().date()
        for offset in range(max(args.days, 1)):
            day = date.fromordinal(first.toordinal() + offset).isoformat()
            duty = duty_for(db, day)
            counselor = f"{duty.counselor.name}({duty.counselor.id})" if duty.counselor else "—"
            officer = f"{duty.officer.name}({duty.officer.id})" if duty.officer else "—"
            print(f"{day}\t值班辅导员 {counselor}\t值班党员 {officer}")
        return 0
    finally:
        db.close()
