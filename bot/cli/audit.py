"""`pingan audit verify`: check the audit log's hash chain (storage/audit.py).

Prints how many rows were checked, how many had their free text purged by retention, and
every broken link; exits 1 when the log was tampered with, so a cron job can alert.
"""

from __future__ import annotations

import argparse

from bot.cli.args import add_config
from core.config import load_config
from storage.audit import verify
from storage.db import open_store

HELP = "审计日志：校验哈希链（verify），发现篡改时退出码为 1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify_cmd = sub.add_parser(
        "verify", help="check that no audit row was changed, inserted or removed"
    )
    add_config(verify_cmd)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db = open_store(config.store_url)
    try:
        verdict = verify(db)
    finally:
        db.close()
    for problem in verdict.problems:
        print(f"broken: {problem}")
    print(
        f"audit log: {verdict.rows} row(s), {verdict.redacted} with free text purged,"
        f" {verdict.unsealed} not sealed yet: " + ("chain intact" if verdict.ok else "TAMPERED")
    )
    return 0 if verdict.ok else 1
