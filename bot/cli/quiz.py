"""`pingan quiz import FILE` loads a question bank (题目, 选项A–D, 答案, 解析, 分类);
`pingan quiz results [ROUND]` prints a round's class leaderboard."""

from __future__ import annotations

import argparse

from bot.cli.args import add_config
from core.clock import SystemClock
from core.config import load_config
from storage.db import open_store
from storage.quiz import class_board, get_round, latest_round
from storage.quiz_bank import import_bank

HELP = "防疫知识竞答：导入题库，查看一轮的结果"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="quiz", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="load a question bank .csv/.xlsx, all-or-nothing",
        description="load a question bank .csv/.xlsx (题目, 选项A–D, 答案, 解析, 分类); "
        "every problem is listed with its row and nothing is imported unless all rows are right",
    )
    imp.add_argument("file")
    add_config(imp)
    res = sub.add_parser(
        "results",
        help="a round's class leaderboard (default: the latest round)",
        description="a round's class leaderboard: participation and average score per class",
    )
    res.add_argument("round", nargs="?", type=int)
    add_config(res)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_store(config.store_url)
    try:
        if args.quiz == "import":
            count = import_bank(db, args.file, SystemClock(config.tz).now())
            print(f"imported {count} questions from {args.file}")
            return 0
        found = get_round(db, args.round) if args.round else latest_round(db)
        if found is None:
            print("no such quiz round")
            return 1
        print(f"round {found.id}: {found.size} questions, deadline {found.deadline}")
        for result in class_board(db, found.id):
            print(
                f"{result.name}\t{result.participants}/{result.students}"
                f"\t{result.participation:.0%}\tavg {result.average:.2f}"
            )
        return 0
    finally:
        db.close()
