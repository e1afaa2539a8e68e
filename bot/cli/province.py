"""`pingan province summary [--date D] [--json]`: the provincial view from the command line.

The same numbers a 省级 account reads with /全省 and on /province (docs/schools.md): 应报,
实报, 未报 and 异常 per school, and a 全省 total. Never a name, a temperature or a symptom.
"""

from __future__ import annotations

import argparse
import json

from bot.cli.args import add_config, day
from core.clock import SystemClock
from core.config import load_config
from storage import schools
from storage.db import open_db

HELP = "全省视图：各校应报/实报/未报/异常人数（只有人数，没有名单）"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    summary = sub.add_parser("summary", help="某天各校的人数与全省合计")
    summary.add_argument("--date", type=day, help="日期 YYYY-MM-DD（默认今天）")
    summary.add_argument("--json", action="store_true", help="输出 JSON（每校一项，另有 total）")
    add_config(summary)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_db(config.db_path)
    try:
        schools.set_default_name(db, config.school)
        the_day = args.date or SystemClock(config.tz).now().date().isoformat()
        counts = schools.province_counts(db, the_day)
    finally:
        db.close()
    if args.json:
        payload = {
            "day": the_day,
            "schools": [c.as_dict() for c in counts],
            "total": schools.total(counts).as_dict(),
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(schools.render(counts, the_day))
    return 0
