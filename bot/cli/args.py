"""Arguments several commands share, so they read and fail the same way everywhere."""

from __future__ import annotations

import argparse
from datetime import date


def day(text: str) -> str:
    """An argparse type: a YYYY-MM-DD day; a bad one is a usage error, not a traceback."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD，收到 {text!r}") from e


def add_config(parser: argparse.ArgumentParser, *, inherited: bool = False) -> None:
    """--config on a command, and again on each of its actions, so it may come anywhere:
    `pingan token create T01 --config c.yaml` as well as `pingan token --config c.yaml create T01`.

    An action's copy (`inherited`) has no default of its own, so it never overwrites a value
    given before the action's name."""
    parser.add_argument(
        "--config",
        default=argparse.SUPPRESS if inherited else "config.yaml",
        help="配置文件（默认 ./config.yaml）",
    )
