"""`pingan purge [--dry-run]`: the nightly retention purge, now (schedules/retention.py).

--dry-run prints what would go, per store, and changes nothing: an admin checks a new
`privacy.retention_days` before the night job acts on it.
"""

from __future__ import annotations

import argparse
from datetime import date

from bot.cli.args import add_config, day
from core.clock import SystemClock
from core.config import load_config
from schedules.deps import Deps
from schedules.retention import dry_run, purge_now
from storage.db import open_store
from storage.retention import cutoff

HELP = "立即执行保留期清理，或用 --dry-run 列出将删除的内容"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
    parser.add_argument("--date", type=day, help="purge as on this day (default: today)")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    clock = SystemClock(config.tz)
    today = date.fromisoformat(args.date) if args.date else clock.now().date()
    keep_from = cutoff(today, config.privacy.retention_days)
    db = open_store(config.store_url)
    try:
        deps = Deps(db, config, clock)
        if args.dry_run:
            counts = dry_run(deps, keep_from)
        else:
            with db.atomic():
                counts = purge_now(deps, keep_from)
    finally:
        db.close()
    verb = "would remove" if args.dry_run else "removed"
    print(f"retention {config.privacy.retention_days} days: {verb} what is older than {keep_from}")
    for store, count in counts.items():
        print(f"{store}\t{count}")
    return 0
