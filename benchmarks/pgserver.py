"""A throwaway PostgreSQL server for the benchmarks that run on PostgreSQL.

The installed PostgreSQL (found as tests/pg_cluster.py finds it): initdb into a temporary
directory, postgres on a free loopback port, `pg_ctl stop` at the end. Unlike the tests'
cluster (durability off for speed) it keeps PostgreSQL's durable defaults (fsync,
synchronous_commit, full_page_writes), so the figures are those a real server on the same
disk would give, with the settings docs/scale.md recommends.
initdb refuses to run as root, so as root the server belongs to the `postgres` system user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.pg_cluster import binaries

__all__ = ["SETTINGS", "PgServer", "binaries"]

# What docs/scale.md suggests for a pingan cluster, sized for a small machine.
SETTINGS = {
    "max_connections": "100",
    "shared_buffers": "256MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
    "effective_cache_size": "1GB",
    "jit": "off",
    "synchronous_commit": "on",
}


class PgServer:
    def __init__(self, bindir: Path, settings: dict[str, str] | None = None) -> None:
        self.bindir = bindir
        self.settings = {**SETTINGS, **(settings or {})}
        self.dir = Path(tempfile.mkdtemp(prefix="pingan-bench-pg-"))
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.dir, self.user, self.user)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            user=self.user,
            group=self.user,
        )

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> PgServer:
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-locale")  # fmt: skip
        options = [f"-p {self.port}", f"-k {self.dir}", "-c listen_addresses=127.0.0.1"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        self._run("pg_ctl", "-D", str(data), "-o", " ".join(options), "-l",
                  str(self.dir / "log"), "-w", "start")  # fmt: skip
        return self

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL (pingan creates its tables at first open)."""
        self.sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def sql(self, statement: str, dbname: str = "postgres") -> str:
        done = subprocess.run(
            ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", statement,
             self.url(dbname)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout.strip()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
