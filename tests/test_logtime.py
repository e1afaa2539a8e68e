"""Log lines carry the schedule's zone: a 07:00 job must not read as 23:00 on a UTC server."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import logtime

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _record_at(when: datetime) -> logging.LogRecord:
    record = logging.LogRecord("schedules", logging.INFO, __file__, 1, "opened", None, None)
    record.created = when.timestamp()
    record.msecs = 0
    return record


def test_a_line_is_stamped_in_the_zone_with_its_offset():
    record = _record_at(datetime(2020, 2, 10, 7, 0, tzinfo=SHANGHAI))
    formatter = logtime.ZonedFormatter()
    assert formatter.format(record).startswith("2020-02-09 23:00:00.000+00:00 INFO schedules:")
    formatter.zone = SHANGHAI
    assert formatter.format(record) == "2020-02-10 07:00:00.000+08:00 INFO schedules: opened"


def test_use_zone_switches_the_root_handlers(monkeypatch):
    handler = logging.StreamHandler()
    handler.setFormatter(logtime.ZonedFormatter())
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    logtime.use_zone(SHANGHAI)
    line = handler.format(_record_at(datetime(2020, 2, 10, 7, 0, tzinfo=SHANGHAI)))
    assert line.startswith("2020-02-10 07:00:00.000+08:00 ")
