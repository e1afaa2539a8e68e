"""`pingan export`: the ledger (台账) as an Excel workbook, for a day or a range of days."""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.cli.args import add_config, day
from core.config import load_config
from core.errors import PinganError
from handlers.context import Person
from handlers.permissions import PROVINCE, descendants, scope
from storage import schools
from storage.backend import Database
from storage.db import open_store
from storage.export import export_ledger, too_many_days
from storage.ledger import days_between
from storage.nodes import by_ending

HELP = "导出台账（Excel 工作簿）"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    parser.add_argument("--date", type=day, help="某一天 YYYY-MM-DD（默认今天）")
    parser.add_argument("--from", dest="start", type=day, help="第一天 YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=day, help="最后一天 YYYY-MM-DD")
    parser.add_argument(
        "--node",
        help="只导出这一级及以下：完整路径（计算机学院/2021级）或唯一的结尾（计科1班）",
    )
    parser.add_argument(
        "--as",
        dest="as_staff",
        metavar="学号",
        help="按这位工作人员的范围导出（学校管理员只导出本校，docs/schools.md）",
    )
    parser.add_argument("-o", "--output", required=True, help="要写入的 .xlsx 文件")


def staff_scope(db: Database, staff_id: str, today: str) -> set[int]:
    """The nodes `--as` may export: the same scope the chat commands use."""
    row = db.execute(
        "SELECT id, name, role, class_id, dorm_id FROM people WHERE id = ? AND active = 1",
        [staff_id],
    ).fetchone()
    if row is None:
        raise PinganError(f"--as {staff_id}: 花名册里没有这个在用的人员")
    person = Person(*row)
    if person.role == PROVINCE:
        raise PinganError("省级账号只能查看各校汇总人数，不能导出名单：pingan province summary")
    nodes = scope(db, person, today)
    if not nodes:
        raise PinganError(f"--as {staff_id}: {person.role}没有可导出的范围")
    return nodes


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.date and (args.start or args.end):
        raise PinganError("--date 与 --from/--to 只能给一种")
    if bool(args.start) != bool(args.end):
        raise PinganError("--from 和 --to 要一起给")
    if not args.output.lower().endswith(".xlsx"):
        raise PinganError(f"{args.output}：输出文件须是 .xlsx")
    today = datetime.now(config.tz).date().isoformat()
    try:
        days = days_between(args.start, args.end) if args.start else [args.date or today]
    except ValueError as e:
        raise PinganError(str(e)) from e
    if refusal := too_many_days(len(days)):
        raise PinganError(refusal)
    db = open_store(config.store_url)
    try:
        school = schools.school_of(db, args.as_staff) if args.as_staff else None
        node = by_ending(db, args.node, school) if args.node else None
        if node:
            nodes = descendants(db, [node.id])
        else:
            nodes = {r[0] for r in db.execute("SELECT id FROM nodes").fetchall()}
        if args.as_staff:
            mine = staff_scope(db, args.as_staff, today)
            if node and node.id not in mine:
                raise PinganError(f"{node.path} 不在 {args.as_staff} 的范围内")
            nodes &= mine
        with db.atomic():
            path = export_ledger(
                db,
                node_ids=nodes,
                days=days,
                path=args.output,
                actor=args.as_staff,
                via="cli",
                scope_label=node.path if node else "",
                now=datetime.now(config.tz),
            )
    finally:
        db.close()
    where = node.path if node else (f"{args.as_staff} 的范围" if args.as_staff else "全体")
    print(f"已写入 {path}（{days[0]} – {days[-1]}，{where}）")
    return 0
