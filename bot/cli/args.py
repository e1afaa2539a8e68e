"""Arguments several commands share, so they read and fail the same way everywhere."""

from __future__ import annotations

import argparse
from datetime import date


def day(text: str) -> str:
    """An argparse type: a YYYY-MM-DD day; a bad one is a usage error, not a traceback."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from e


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="config.yaml", help="config file (./config.yaml)")
