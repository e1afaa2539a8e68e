"""`pingan duty import FILE` / `pingan duty show`: the duty roster (值班表).

The sheet has the columns 日期, 值班辅导员 学号, 值班党员 学号 (.csv or .xlsx). Import is
all-or-nothing and prints row-numbered errors; the people must already be in the roster.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from bot.cli.args import add_config, day
from core.clock import SystemClock
from core.config import load_config
from storage.db import open_store
from storage.duty import duty_for, import_duty

HELP = "导入或查看值班表（日期、值班辅导员 学号、值班党员 学号）"


def days_shown(text: str) -> int:
    """An argparse type: 1–366 days, so a typo cannot run past the calendar's end."""
    try:
        value = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"天数应是整数，收到 {text!r}") from e
    if not 1 <= value <= 366:
        raise argparse.ArgumentTypeError(f"天数应在 1–366 之间，收到 {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="导入 .csv 或 .xlsx 值班表")
    imp.add_argument("file", help="值班表：日期、值班辅导员 学号、值班党员 学号")
    show = sub.add_parser("show", help="从某天起谁值班（默认今天起 7 天）")
    for cmd in (imp, show):
        add_config(cmd)
    show.add_argument("--date", type=day, help="第一天 YYYY-MM-DD（默认今天）")
    show.add_argument("--days", type=days_shown, default=7, help="显示几天，1–366（默认 7）")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_store(config.store_url)
    try:
        clock = SystemClock(config.tz)
        if args.action == "import":
            with db.atomic():
                rows = import_duty(db, args.file, clock.now())
            print(f"已从 {args.file} 导入 {rows} 天的值班安排")
            return 0
        first = date.fromisoformat(args.date) if args.date else clock.now().date()
        for offset in range(args.days):
            shown = (first + timedelta(days=offset)).isoformat()
            duty = duty_for(db, shown)
            counselor = f"{duty.counselor.name}({duty.counselor.id})" if duty.counselor else "—"
            officer = f"{duty.officer.name}({duty.officer.id})" if duty.officer else "—"
            print(f"{shown}\t值班辅导员 {counselor}\t值班党员 {officer}")
        return 0
    finally:
        db.close()
