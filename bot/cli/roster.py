"""`pingan roster import FILE [--config PATH]`: people, hierarchy, accounts and tags."""

from __future__ import annotations

import argparse
import sys

from bot.cli.args import add_config
from core.clock import SystemClock
from core.config import load_config
from core.errors import ConfigError, RosterError
from storage import schools
from storage.chats import bind_groups
from storage.db import open_store
from storage.roster import PROGRESS_EVERY, import_roster

HELP = "从 .csv 或 .xlsx 导入花名册（要么全部导入，要么都不导入；错误标明行号）"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="从 FILE（.csv 或 .xlsx）导入人员",
        description="从 .csv（UTF-8，有无 BOM 均可）或 .xlsx（第一个工作表）导入人员，列为 "
        "学号 姓名 学院 年级 班级 宿舍 角色 负责 微信 QQ 重点群体。"
        "只要有一行不对就什么都不写入，并逐行列出所有问题。",
    )
    imp.add_argument("file", metavar="FILE", help="花名册文件（.csv 或 .xlsx）")
    add_config(imp)


def _progress(done: int, total: int) -> None:
    """Large files only: a few thousand rows take seconds, and silence looks like a hang."""
    if total < PROGRESS_EVERY:
        return
    print(f"\r导入中 {done}/{total}", end="" if done < total else "\n", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_store(config.store_url)
    try:
        now = SystemClock(config.tz).now()
        schools.set_default_name(db, config.school)
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
