"""Shared fixtures: a fresh store per test (a SQLite file; also a PostgreSQL database for the
tests marked `both_stores`) and a controllable clock."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.registry import discover
from core.clock import FakeClock
from storage.db import open_store
from tests.pg_cluster import Cluster, binaries

discover()  # the adapter packages declare their config sections and platforms

REPO = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "both_stores: the `db` / `db_url` fixtures run the test on SQLite and on PostgreSQL",
    )
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): in a both_stores module, a test of SQLite's own machinery",
    )


def pytest_generate_tests(metafunc):
    marked = metafunc.definition.get_closest_marker
    uses_store = {"db", "db_url"} & set(metafunc.fixturenames)
    if uses_store and marked("both_stores") and not marked("sqlite_only"):
        metafunc.parametrize("store", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def store(request):
    """Which store `db_url` names: "sqlite" unless the test is `both_stores`."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster (tests/pg_cluster.py). Without PostgreSQL installed
    the PostgreSQL variants skip, unless PINGAN_REQUIRE_POSTGRES=1 (.ci/run) fails them."""
    bindir = binaries()
    if bindir is None:
        message = "PostgreSQL is not installed (Debian: apt-get install postgresql)"
        if os.environ.get("PINGAN_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    cluster = Cluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def new_store_url(request, tmp_path, store):
    """Makes the URL of a new, migrated-on-open store of the test's kind: a fresh PostgreSQL
    database for the PostgreSQL variant (dropped at the end), else `sqlite:///<tmp_path>/FILE`."""
    made: list[tuple[Cluster, str]] = []

    def new(file: str = "pingan.db") -> str:
        if store == "postgresql":
            cluster = request.getfixturevalue("pg_cluster")
            made.append((cluster, cluster.fresh_database()))
            return made[-1][1]
        return f"sqlite:///{tmp_path / file}"

    yield new
    for cluster, url in made:
        cluster.drop(url)


@pytest.fixture
def db_url(new_store_url):
    """The URL of the test's store (`sqlite:///<tmp_path>/pingan.db` on SQLite).
    open_store(db_url) is another process's connection to the same store."""
    return new_store_url()


@pytest.fixture
def db(db_url):
    database = open_store(db_url)
    yield database
    database.close()


@pytest.fixture
async def browser(tmp_path):
    """A headless Chromium at the phone size (tests/browser_helpers.py), quit at the end."""
    from tests.browser_helpers import Browser

    b = Browser(tmp_path / "profile")
    yield b
    b.quit()


@pytest.fixture
def clock():
    return FakeClock(datetime(2020, 2, 10, 7, 0, tzinfo=TZ))
