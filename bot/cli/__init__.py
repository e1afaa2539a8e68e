"""`pingan` command line: one module per command under bot/cli/.

Each command module defines HELP, `add_arguments(parser)` and `run(args) -> int`; COMMANDS
lists them in the order `--help` shows them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bot import logtime
from bot.cli import zh
from core.errors import PinganError

# Every command of interfaces.md, in the order users meet them.
COMMANDS = (
    "demo",
    "run",
    "parse",
    "roster",
    "duty",
    "keygroups",
    "export",
    "token",
    "audit",
    "purge",
    "care",
    "quiz",
    "province",
    "bench",
)


def build_parser() -> argparse.ArgumentParser:
    zh.install()
    parser = argparse.ArgumentParser(
        prog="pingan", description="pingan：微信、QQ 班级群里的每日平安报告"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出 DEBUG 级日志")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"bot.cli.{name}")
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logtime.configure(args.verbose)
    from bot.adapters.registry import discover

    discover()  # every adapter package declares its config section before one is read
    try:
        return args.handler(args)
    except PinganError as e:
        print(f"pingan {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
