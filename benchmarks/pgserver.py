"""A throwaway PostgreSQL server for the benchmarks that run on PostgreSQL.

The tests' server (tests/pg_cluster.py: initdb into a temporary directory, a free loopback
port, stopped at the end), but with PostgreSQL's durable defaults kept (fsync,
synchronous_commit, full_page_writes) where the tests turn them off for speed, so the figures
are those a real server on the same disk would give, with the settings docs/scale.md
recommends.
"""

from __future__ import annotations

from pathlib import Path

from tests.pg_cluster import Cluster, binaries

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


class PgServer(Cluster):
    def __init__(self, bindir: Path, settings: dict[str, str] | None = None) -> None:
        super().__init__(bindir, {**SETTINGS, **(settings or {})})

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL (pingan creates its tables at first open)."""
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)
