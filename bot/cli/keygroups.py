"""`pingan keygroups import FILE` / `pingan keygroups show`: key groups (重点群体).

The sheet has the columns 学号, 标签 (`;`-separated for several), and optionally 起始日期
(default today) and 观察天数 (default from config key_groups). Import is all-or-nothing and
prints row-numbered errors.
"""

from __future__ import annotations

import argparse

from bot.cli.args import add_config, day
from core.clock import SystemClock
from core.config import load_config
from storage.db import open_store
from storage.keygroups import observed_on
from storage.keygroups_file import import_tags

HELP = "导入重点群体表（学号、标签、起始日期、观察天数）或查看观察中的学生"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="给 .csv 或 .xlsx 表里的学生加标签")
    imp.add_argument("file", help="表格：学号、标签、起始日期、观察天数")
    show = sub.add_parser("show", help="某天观察中的学生，按标签列出")
    show.add_argument("--date", type=day, help="日期 YYYY-MM-DD（默认今天）")
    for cmd in (imp, show):
        add_config(cmd)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_store(config.store_url)
    try:
        today = SystemClock(config.tz).now().date().isoformat()
        if args.action == "import":
            with db.atomic():
                count = import_tags(db, args.file, config.key_groups, today)
            print(f"已从 {args.file} 导入 {count} 个重点群体标签")
            return 0
        for line in observed_on(db, args.date or today):
            reported = "已报" if line.report else "未报"
            print(f"{line.tag}\t{line.person_id}\t{line.name}\t{line.class_path or ''}"
                  f"\t{line.progress}\t{reported}")  # fmt: skip
        return 0
    finally:
        db.close()
