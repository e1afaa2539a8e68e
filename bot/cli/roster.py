"""`pingan roster import FILE [--config PATH]`: people, hierarchy, accounts and tags."""

from __future__ import annotations

import argparse
import sys

from bot.clock import SystemClock
from bot.config import load_config
from bot.errors import ConfigError, RosterError
from storage.chats import bind_groups
from storage.db import open_db
from storage.roster import PROGRESS_EVERY, import_roster

HELP = "import the roster from .csv or .xlsx (all-or-nothing; row-numbered errors)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="import people from FILE",
        description="Import people from a .csv (UTF-8, with or without BOM) or .xlsx (first "
        "sheet) with the columns 学号 姓名 学院 年级 班级 宿舍 角色 负责 微信 QQ 重点群体. "
        "Nothing is written when any row is wrong; every problem is listed with its row.",
    )
    imp.add_argument("file", metavar="FILE", help="the roster file (.csv or .xlsx)")
    imp.add_argument("--config", default="config.yaml", help="config file (default ./config.yaml)")


def _progress(done: int, total: int) -> None:
    """Large files only: a few thousand rows take seconds, and silence looks like a hang."""
    if total < PROGRESS_EVERY:
        return
    print(f"\r导入中 {done}/{total}", end="" if done < total else "\n", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_db(config.db_path)
    try:
        now = SystemClock(config.tz).now()
        try:
            result = import_roster(
                db, args.file, now=now, progress=_progress, key_groups=config.key_groups
            )
        except RosterError as e:
            print(f"pingan roster import: {e}", file=sys.stderr)
            return 1
        print(result.summary())
        if config.groups:
            try:
                print(f"已绑定 {bind_groups(db, config)} 个群（config.yaml groups）")
            except ConfigError as e:  # a config group naming a node this roster lacks
                print(f"注意: 群绑定未更新: {e}", file=sys.stderr)
        return 0
    finally:
        db.close()
