"""Shared fixtures: a fresh SQLite file per test and a controllable clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.registry import discover
from core.clock import FakeClock
from storage.db import open_db

discover()  # the adapter packages declare their config sections and platforms

REPO = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "pingan.db")
    yield database
    database.close()


@pytest.fixture
def clock():
    return FakeClock(datetime(2020, 2, 10, 7, 0, tzinfo=TZ))
