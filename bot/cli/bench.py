"""`pingan bench NAME`: dispatch to the benchmark modules in bot/bench/."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import bot.bench

HELP = "性能测试，每行输出一个 JSON 结果"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="bench", metavar="NAME", required=True)
    for info in sorted(pkgutil.iter_modules(bot.bench.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"bot.bench.{info.name}")
        cmd = sub.add_parser(info.name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(bench_run=module.run)


def run(args: argparse.Namespace) -> int:
    return args.bench_run(args)
