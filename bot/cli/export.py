"""`pingan export`: the ledger (台账) as an Excel workbook, for a day or a range of days."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.cli.args import add_config, day
from bot.config import load_config
from bot.errors import PinganError
from handlers.permissions import descendants
from storage.db import open_db
from storage.export import export_ledger
from storage.ledger import days_between

HELP = "the ledger (台账) as an Excel workbook"
# A day is a column in the class sheets: a year per workbook keeps it far below Excel's
# 16,384 columns and a spreadsheet someone can still open.
MAX_DAYS = 366


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    parser.add_argument("--date", type=day, help="one day YYYY-MM-DD (default: today)")
    parser.add_argument("--from", dest="start", type=day, help="first day YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=day, help="last day YYYY-MM-DD")
    parser.add_argument("--node", help="only this node and below, e.g. 计算机学院/2021级")
    parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.date and (args.start or args.end):
        raise PinganError("give either --date or --from/--to, not both")
    if bool(args.start) != bool(args.end):
        raise PinganError("--from and --to go together")
    if not args.output.lower().endswith(".xlsx"):
        raise PinganError(f"{args.output}: the output must be an .xlsx file")
    today = datetime.now(config.tz).date().isoformat()
    try:
        days = days_between(args.start, args.end) if args.start else [args.date or today]
    except ValueError as e:
        raise PinganError(str(e)) from e
    if len(days) > MAX_DAYS:
        raise PinganError(f"{len(days)} days: at most {MAX_DAYS} per workbook, export in parts")
    db = open_db(config.db_path)
    try:
        if args.node:
            row = db.execute("SELECT id FROM nodes WHERE path = ?", [args.node]).fetchone()
            if row is None:
                raise PinganError(f"--node {args.node}: no such node in the roster")
            nodes = descendants(db, [row[0]])
        else:
            nodes = {r[0] for r in db.execute("SELECT id FROM nodes").fetchall()}
        with db.atomic():
            path = export_ledger(
                db,
                node_ids=nodes,
                days=days,
                path=args.output,
                actor=None,
                via="cli",
                scope_label=args.node or "",
                now=datetime.now(config.tz),
            )
    finally:
        db.close()
    print(f"wrote {path} ({days[0]} – {days[-1]}, {args.node or '全体'})", file=sys.stdout)
    return 0
