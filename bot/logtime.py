"""Log lines stamped in the schedule's time zone, with the offset written out.

A server's clock is often UTC, where the 07:00 (Asia/Shanghai) opening job would log as
23:00 of the day before. Every line therefore carries its zone's offset (`+00:00` until the
config is read), and `pingan run` switches to the config's `timezone` as soon as it has it.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, tzinfo

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ZonedFormatter(logging.Formatter):
    """`2020-02-10 07:00:00.123+08:00 INFO …`: local time of `zone` and its UTC offset."""

    def __init__(self, fmt: str = LINE_FORMAT, zone: tzinfo = UTC) -> None:
        super().__init__(fmt)
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        when = datetime.fromtimestamp(record.created, self.zone)
        return when.isoformat(sep=" ", timespec="milliseconds")


def configure(verbose: bool) -> None:
    """The CLI's logging: stderr, one line per record, stamped in UTC until `use_zone`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ZonedFormatter())
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler])


def use_zone(zone: tzinfo) -> None:
    """Stamp the root logger's lines in `zone` from now on (the schedule's zone)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, ZonedFormatter):
            handler.formatter.zone = zone
