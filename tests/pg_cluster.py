"""A throwaway PostgreSQL cluster for the tests that run on both stores.

Debian's postgresql package: initdb into a temporary directory, postgres on a free loopback
port (and a Unix socket in that directory), `pg_ctl stop` at the end. initdb refuses to run as
root, so as root the cluster belongs to the `postgres` system user. Each test gets a fresh
database copied from a migrated template (CREATE DATABASE … TEMPLATE: a file copy, much
faster than running the migrations again). The benchmarks on PostgreSQL start the same
server with their own settings (benchmarks/pgserver.py: durable, as a real server).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

from storage.backend_pg import PostgresDatabase
from storage.migrations_pg import migrate_pg

TEMPLATE = "pingan_template"
#: Durability off: a test cluster that dies is thrown away anyway.
TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def binaries() -> Path | None:
    """The directory of initdb / pg_ctl: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return Path(dirs[-1]) if dirs and Path(dirs[-1], "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, bindir: Path, settings: dict[str, str] | None = None) -> None:
        self.bindir = bindir
        self.settings = TEST_SETTINGS if settings is None else settings
        self.dir = Path(tempfile.mkdtemp(prefix="pingan-pg-"))
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.dir, self.user, self.user)
        self.port = _free_port()
        self._names = itertools.count(1)

    def _run(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=check,
            capture_output=True,
            user=self.user,
            group=self.user,
        )

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        options = [f"-p {self.port}", f"-k {self.dir}", "-c listen_addresses=127.0.0.1"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        self._run("pg_ctl", "-D", str(data), "-o", " ".join(options), "-l",
                  str(self.dir / "log"), "-w", "start")  # fmt: skip
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        template = PostgresDatabase(self.url(TEMPLATE))
        migrate_pg(template)
        template.close()

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    def fresh_database(self) -> str:
        """The URL of a new database holding the migrated, empty schema."""
        name = f"test_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def empty_database(self) -> str:
        """The URL of a new database with no schema at all (what a first start meets)."""
        name = f"empty_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop(self, url: str) -> None:
        with self.admin() as conn:
            conn.execute(f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def stop(self) -> None:
        try:
            # not checked: after a failed start there may be no server to stop
            self._run(
                "pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop", check=False
            )
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
