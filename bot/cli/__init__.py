"""`pingan` command line: one module per command under bot/cli/.

Each command module defines HELP, `add_arguments(parser)` and `run(args) -> int`. A command
listed in interfaces.md whose module is not there yet is still shown by `--help`, and says
plainly that it is not built.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from bot.errors import PinganError

# sqlite-utils imports pandas whenever it is installed, only to map pandas types to column
# types, which pingan never stores. pandas is no dependency of pingan (a dev tool, cpca, pulls
# it in), yet importing it costs every process ~50 MB of memory: keep it out of the CLI.
sys.modules.setdefault("pandas", None)  # type: ignore[assignment]

# Every command of interfaces.md, in the order users meet them.
COMMANDS: dict[str, str] = {
    "demo": "a full simulated check-in day on the bundled sample roster",
    "run": "the bot: chat adapters, scheduler and web dashboard",
    "parse": "JSON Lines in, parsed check-ins out (docs/parse-contract.md)",
    "roster": "import the roster (.csv or .xlsx)",
    "duty": "import or show the duty roster (值班表)",
    "keygroups": "import or show key groups (重点群体)",
    "export": "the ledger (台账) as an Excel workbook",
    "token": "dashboard login tokens",
    "bench": "benchmarks; one JSON object per result line",
}


def _not_built(name: str):
    def run(_args: argparse.Namespace) -> int:
        print(f"pingan {name}: not built yet", file=sys.stderr)
        return 2

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pingan", description="pingan: the daily 平安报告 in WeChat and QQ class groups"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        try:
            module = importlib.import_module(f"bot.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"bot.cli.{name}":
                raise
            cmd = sub.add_parser(name, help=f"{summary} (not built yet)", add_help=True)
            cmd.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            cmd.set_defaults(handler=_not_built(name))
            continue
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.handler(args)
    except PinganError as e:
        print(f"pingan {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
